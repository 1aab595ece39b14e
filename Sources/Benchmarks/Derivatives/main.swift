// bench-derivatives: PhysGrad's exact derivatives against the plain function.
//
// Suite "derivatives". For f = Σ x² sin x ("sumsqsin") and the extended Rosenbrock function
// ("rosenbrock") at n in {10, 1000, 100000}: the plain Double f, the reverse-mode gradient
// (AutomaticObjective, tape reused across calls), the forward-over-reverse Hessian-vector
// product, and a hand-written gradient, each with "vs" the plain f. Then the dense Hessian of
// the chapter's n-dimensional objective |powers(x)|² at n = 1000 (default method), the
// one-column forward-over-reverse Hessian against the 8-lane one ("-hessian-lanes", vs the
// former) for powers, rosenbrock and sumsqsin at n = 200 and 1000, and nested duals at a
// smaller n for the method comparison. Peer: scripts/peers/derivatives.py.
//
// Diagnostics (not part of the JSON protocol): `--profile rosenbrock|sumsqsin` prints minimum
// times of f, gradient and hvp to stderr (robust on a shared machine; also a perf target);
// `--hessian` runs only the dense-Hessian cases; `--hessian-loop NAME N REPS [columns]` loops one
// Hessian for perf/callgrind; `--allocation-check K` runs K warm gradients (run under valgrind with two K to count heap
// allocations per call: 0).
import Foundation
import PhysGradBenchSupport
import PhysGradRandom
import PhysGradDerivatives
import PhysGradLinearAlgebra

let arguments = BenchArguments()
if let i = CommandLine.arguments.firstIndex(of: "--profile"), i + 1 < CommandLine.arguments.count {
    profileLoop(CommandLine.arguments[i + 1])
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--array-loop") {
    arrayLoop(Array(CommandLine.arguments[(i + 1)...]))
    exit(0)
}
if CommandLine.arguments.contains("--array-profile") {
    arrayProfile()
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--hessian-loop") {
    hessianLoop(CommandLine.arguments[(i + 1)...])
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--allocation-check"), i + 1 < CommandLine.arguments.count {
    allocationCheck(Int(CommandLine.arguments[i + 1]) ?? 1)
    exit(0)
}
let suite = "derivatives"
let sizes = arguments.quick ? [10, 1000] : [10, 1000, 100_000]
let minSeconds = arguments.quick ? 0.05 : 0.25

/// Median seconds per call of `body`, repeating it `reps` times per timed run so that tiny
/// cases are not dominated by the clock.
func timePerCall(reps: Int, _ body: () -> Void) -> (Double, Int) {
    let (median, runs) = measure(minSeconds: minSeconds) {
        for _ in 0..<reps { body() }
    }
    return (median / Double(reps), runs)
}

func emit(_ caseName: String, n: Int, _ result: (Double, Int), vs: String? = nil, extra: [String: Double] = [:]) {
    BenchRecord(suite: suite, caseName: caseName, n: n, median: result.0, runs: result.1, extra: extra, vs: vs).emit()
}

func run<F: GenericObjective>(_ name: String, _ f: F, hand: @escaping ([Double], inout [Double]) -> Double) {
    for n in sizes {
        let x = uniformValues(seed: 42, count: n)
        let reps = max(1, 20_000 / n)
        let plain = "\(name)-f"
        emit(plain, n: n, timePerCall(reps: reps) { blackHole(f(x)) })

        var objective = AutomaticObjective(f, dimension: n)
        var g = [Double](repeating: 0, count: n)
        emit("\(name)-grad-reverse", n: n, timePerCall(reps: reps) {
            blackHole(objective.valueAndGradient(at: x, gradient: &g))
        }, vs: plain)

        let v = uniformValues(seed: 7, count: n)
        emit("\(name)-hvp", n: n, timePerCall(reps: reps) {
            blackHole(objective.hessianVectorProduct(at: x, direction: v))
        }, vs: plain)

        var gh = [Double](repeating: 0, count: n)
        emit("\(name)-grad-hand", n: n, timePerCall(reps: reps) {
            blackHole(hand(x, &gh))
        }, vs: plain)

        // Sanity: the reverse gradient matches the hand-written one.
        _ = objective.valueAndGradient(at: x, gradient: &g)
        _ = hand(x, &gh)
        let err = zip(g, gh).map { abs($0 - $1) }.max() ?? 0
        if err > 1e-10 * max(1, gh.map(abs).max() ?? 0) {
            FileHandle.standardError.write(Data("bench-derivatives: \(name) n=\(n) gradient mismatch \(err)\n".utf8))
        }
    }
}

/// Dense Hessians: the default method against the one-column forward-over-reverse passes and the
/// 8-lane passes, for the chapter's powers loss (diagonal Hessian), the extended Rosenbrock
/// (tridiagonal-by-pairs) and Σ x² sin x, at n = 200 and 1000.
@MainActor func runHessians() {
    let powers = StandardFunctions.powersLoss
    // The historical case (default method).
    for n in [1000] {
        let x = uniformValues(seed: 3, count: n)
        emit("powers-f", n: n, timePerCall(reps: 20) { blackHole(powers(x)) })
        emit("powers-hessian", n: n, timePerCall(reps: 1) {
            blackHole(Derivatives.hessian(of: powers, at: x))
        }, vs: "powers-f")
    }
    func methods<F: GenericObjective>(_ name: String, _ f: F, sizes: [Int]) {
        for n in sizes {
            let x = uniformValues(seed: 3, count: n)
            let reference = "\(name)-hessian-forward-over-reverse"
            emit(reference, n: n, timePerCall(reps: 1) {
                blackHole(Derivatives.hessian(of: f, at: x, method: .forwardOverReverse))
            })
            emit("\(name)-hessian-lanes", n: n, timePerCall(reps: 1) {
                blackHole(Derivatives.hessian(of: f, at: x, method: .forwardOverReverseLanes))
            }, vs: reference)
        }
    }
    let sizes = arguments.quick ? [200] : [200, 1000]
    methods("powers", powers, sizes: sizes)
    methods("rosenbrock", StandardFunctions.ExtendedRosenbrock(), sizes: sizes)
    methods("sumsqsin", StandardFunctions.SumSquareSine(), sizes: sizes)
    // The method comparison: nested duals cost O(n²·cost(f)), so they are timed at smaller n.
    for n in arguments.quick ? [50] : [50, 200] {
        let x = uniformValues(seed: 3, count: n)
        emit("powers-hessian-forward-over-reverse", n: n, timePerCall(reps: 1) {
            blackHole(Derivatives.hessian(of: powers, at: x, method: .forwardOverReverse))
        })
        emit("powers-hessian-nested-duals", n: n, timePerCall(reps: 1) {
            blackHole(Derivatives.hessian(of: powers, at: x, method: .nestedDuals))
        }, vs: "powers-hessian-forward-over-reverse")
    }
}

// `--hessian`: only the dense-Hessian cases (diagnostic shortcut, same JSON records).
if !CommandLine.arguments.contains("--hessian") {
    let sumsqsin = StandardFunctions.SumSquareSine()
    run("sumsqsin", sumsqsin) { sumsqsin.valueAndGradient(at: $0, gradient: &$1) }
    let rosenbrock = StandardFunctions.ExtendedRosenbrock()
    run("rosenbrock", rosenbrock) { rosenbrock.valueAndGradient(at: $0, gradient: &$1) }
}
runHessians()
