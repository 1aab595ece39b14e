// bench-lbfgsb: PhysGrad's L-BFGS-B against SciPy's (scripts/peers/lbfgsb.py prints the same rows).
//
//   bench-lbfgsb            2-D Rosenbrock whole call; extended Rosenbrock n = 1e3 ... 1e6
//   bench-lbfgsb --quick    n up to 1e5, fewer runs
//   bench-lbfgsb --memory   one solve at n = 1e6, peak resident memory (VmHWM) vs (2m + 6) n 8 bytes
//
// Rows (suite "lbfgsb"): case "rosenbrock-2d" (whole call), case "ext-rosenbrock" (total time per solve,
// extra: nit, nfev, objective_s = nfev x median time of one f+g evaluation, solver_ns_per_iter_per_var =
// (total - objective_s) / nit / n), case "ext-rosenbrock-memory" (extra: peak_bytes, bound_bytes, ratio).
import Foundation
import PhysGradBenchSupport
import PhysGradDerivatives
import PhysGradLBFGSB

/// Extended Rosenbrock (`StandardFunctions.ExtendedRosenbrock`, the formula of the peer's
/// `ext_rosen`), value and hand-written gradient in place.
@inline(__always)
func extendedRosenbrock(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
    StandardFunctions.ExtendedRosenbrock().valueAndGradient(x, g)
}

func start(_ n: Int) -> [Double] { (0..<n).map { $0 % 2 == 0 ? -1.2 : 1.0 } }

func peakResidentBytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
        return kb * 1024
    }
    return .nan
}

let args = BenchArguments()
let suite = "lbfgsb"
/// `--only rosenbrock-2d` or `--only ext-rosenbrock`: run one case (for profiling).
let only: String? = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }

if CommandLine.arguments.contains("--memory") {
    let n = 1_000_000
    let x0 = start(n)
    let before = peakResidentBytes()
    let clock = ContinuousClock()
    var result: LBFGSBResult?
    let t = clock.measure {
        result = try? LBFGSBSolver.minimize(from: x0, objective: extendedRosenbrock)
    }
    let peak = peakResidentBytes()
    let m = LBFGSBOptions().maxcor
    let bound = Double((2 * m + 6) * n * 8)
    let seconds = Double(t.components.seconds) + Double(t.components.attoseconds) * 1e-18
    BenchRecord(suite: suite, caseName: "ext-rosenbrock-memory", n: n, median: seconds, runs: 1,
                extra: ["peak_bytes": peak, "peak_before_solve_bytes": before, "bound_bytes": bound,
                        "ratio": peak / bound, "nit": Double(result?.iterations ?? -1)]).emit()
    exit(0)
}

// 2-D Rosenbrock, the whole call (solver construction, workspace, solve, result).
if only == nil || only == "rosenbrock-2d" {
    let x0 = [-1.2, 1.0]
    var nit = 0, nfev = 0
    let seconds = CommandLine.arguments.contains("--long") ? 5.0 : (args.quick ? 0.05 : 0.5)
    let (median, runs) = measure(minRuns: args.quick ? 20 : 200, minSeconds: seconds, maxRuns: 1_000_000) {
        let r = try! LBFGSBSolver.minimize(from: x0, objective: extendedRosenbrock)
        nit = r.iterations
        nfev = r.evaluations
        blackHole(r)
    }
    BenchRecord(suite: suite, caseName: "rosenbrock-2d", n: 2, median: median, runs: runs,
                extra: ["nit": Double(nit), "nfev": Double(nfev)]).emit()
}

// Extended Rosenbrock at growing n: total time, and the solver's own time per iteration per variable.
let fixedN: Int? = CommandLine.arguments.firstIndex(of: "--n").map { Int(CommandLine.arguments[$0 + 1])! }
let sizes: [Int] = fixedN.map { [$0] } ?? (only != nil && only != "ext-rosenbrock" ? [] : args.quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000])
for n in sizes {
    let x0 = start(n)
    var g = [Double](repeating: 0, count: n)
    let (objMedian, _) = measure(minRuns: 5, minSeconds: args.quick ? 0.02 : 0.1) {
        let f = x0.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { extendedRosenbrock(xp, $0) } }
        blackHole(f)
    }
    var options = LBFGSBOptions()
    // `--maxiter K` (for allocation checks: the heap-allocation count must not depend on K).
    if let i = CommandLine.arguments.firstIndex(of: "--maxiter") { options.maxiter = Int(CommandLine.arguments[i + 1])! }
    var solver = try! LBFGSBSolver(dimension: n, options: options)
    var nit = 0, nfev = 0
    let minRuns = n >= 1_000_000 ? 3 : (args.quick ? 3 : 5)
    let maxRuns = n >= 1_000_000 || CommandLine.arguments.contains("--maxiter") ? minRuns : 10_000
    let (median, runs) = measure(minRuns: minRuns, minSeconds: args.quick ? 0.1 : 0.5, maxRuns: maxRuns) {
        let r = try! solver.minimize(from: x0, objective: extendedRosenbrock)
        nit = r.iterations
        nfev = r.evaluations
        blackHole(r)
    }
    let objective = Double(nfev) * objMedian
    let solverNs = (median - objective) / Double(max(nit, 1)) / Double(n) * 1e9
    BenchRecord(suite: suite, caseName: "ext-rosenbrock", n: n, median: median, runs: runs,
                extra: ["nit": Double(nit), "nfev": Double(nfev), "objective_s": objective,
                        "solver_ns_per_iter_per_var": solverNs]).emit()
}
