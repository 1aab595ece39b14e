import Foundation
// bench-least-squares: the second-order defaults on the physics problems, against SciPy run by
// scripts/peers/least-squares.py in the same session (one BLAS thread on both sides):
//   lm          LevenbergMarquardt()               vs least_squares(method="lm"), exact Jacobian
//   lm-minpack  LevenbergMarquardt(.length)        vs least_squares(method="lm")
//   gn          GaussNewton()                      vs least_squares(method="trf"), exact Jacobian
//   newton      Newton()                           vs minimize(method="trust-exact"), exact Hessian
// Each row's extras: the evaluations (f: residuals or losses, each a model evaluation, counted
// wherever a method makes them, line searches included; jac: Jacobians or gradients; hess:
// Hessians), the distance to the known solution, and whether the run succeeded: converged (not
// merely ran out of its 1000 steps, which SciPy's `success` does not count either) with a loss that
// did not rise.
// Run by hand (`.build/release/bench-least-squares ...`): `--only TEXT` keeps the rows whose
// "problem(n)-method" contains TEXT; `--profile` prints, instead, what each piece of a step costs
// on each problem (model value, banded and dense Jacobians and Hessians, factorizations; medians
// on stderr; Profile.swift); `--trace` prints each run's steps instead (loss, distance to the
// solution, trials, rejections, ρ or Δ, damping, solve; Profile.swift); `--loop REPS` runs the
// selected rows REPS times each without timing them (for perf and callgrind); `--sweep` runs Newton,
// GN, LM and LM in MINPACK's form over the convergence suite's problems (blur(8 ... 1024),
// burgers(16 ... 256), heat(64)) and prints steps, evaluations, distance, success and whether the
// loss fell at every step (Profile.swift).
import PhysGrad
import PhysGradBenchSupport
import PhysGradLinearAlgebra

OpenBLAS.setThreadCount(1)
let args = BenchArguments()
let suite = "least-squares"
let problems: [(String, Int)] = args.quick ? [("blur", 100), ("burgers", 64)]
    : [("blur", 100), ("blur", 1000), ("burgers", 64), ("burgers", 256)]
// `--only TEXT`: the rows whose "problem(n)-method" contains TEXT (e.g. `--only blur(100)`, `--only -gn`).
let only = CommandLine.arguments.firstIndex(of: "--only").flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil }
/// `--only TEXT` selects the rows whose name contains TEXT; `--only TEXT$` the row named TEXT.
func rowSelected(_ row: String, _ text: String) -> Bool {
    text.hasSuffix("$") ? row == String(text.dropLast()) : row.contains(text)
}
if CommandLine.arguments.contains("--profile") { profileLeastSquares(problems); exit(0) }
if CommandLine.arguments.contains("--sweep") { sweepLeastSquares(only: only); exit(0) }
if CommandLine.arguments.contains("--trace") { traceLeastSquares(problems, only: only); exit(0) }

let loopReps = CommandLine.arguments.firstIndex(of: "--loop").flatMap { $0 + 1 < CommandLine.arguments.count ? Int(CommandLine.arguments[$0 + 1]) : nil }
for (name, n) in problems {
    let problem = name == "blur" ? try! Problems.blur(n) : try! Problems.burgers(n)
    let methods: [(String, any Optimizer)] = [
        ("lm", LevenbergMarquardt()), ("lm-minpack", LevenbergMarquardt(acceptance: .trustRegion(.length()))),
        ("gn", GaussNewton()), ("newton", Newton()),
    ]
    for (label, method) in methods where only.map({ rowSelected("\(name)(\(n))-\(label)", $0) }) ?? true {
        var last: OptimizationResult!
        if let reps = loopReps {
            for _ in 0..<reps { blackHole(try! optimize(problem, with: method, options: RunOptions(steps: 1000))) }
            continue
        }
        let time = measure(minRuns: n >= 1000 ? 1 : 3, minSeconds: n >= 1000 ? 0 : 0.25) {
            last = try! optimize(problem, with: method, options: RunOptions(steps: 1000))
        }
        let c = last.counts
        let evaluations: [String: Double] = label == "newton"
            ? ["f": Double(c.losses), "jac": Double(c.gradients), "hess": Double(c.hessians)]
            : ["f": Double(c.models + c.losses), "jac": Double(c.jacobians)]
        BenchRecord(suite: suite, caseName: "\(name)-\(label)", n: n, median: time.median, runs: time.runs,
                    extra: evaluations.merging(["distance": last.distanceToSolution ?? .nan,
                                                "success": last.isSuccess && last.termination != .completedSteps ? 1 : 0]) { a, _ in a })
            .emit()
    }
}
