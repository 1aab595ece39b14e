// bench-array-ad: array-level derivatives (ArrayTape, TrackedVector) against JAX jit, and the
// catalog runs that depend on them against SciPy / NumPy.
//
// Suite "array-ad":
// - rosenbrock-array-{f,grad,hvp}, sumsqsin-array-{f,grad,hvp}: the array-style extended
//   Rosenbrock and Σ x² sin x (one fused map-sum each) at n = 1e3, 1e5, 1e6: the plain
//   evaluation (non-recording tape), the reverse gradient and the forward-over-reverse hvp,
//   "vs" the plain f. Peer: jax.jit of f, grad and jvp-of-grad.
// - powers-hessian-array (n = 1000): the dense Hessian, 16 columns per pass. Peer: jax.jit(jax.hessian).
// - burgers-grad (n = 256, 1024, 4096): the gradient of |y(x) - y*|² through the checkpointed
//   time loop (`.automatic`: 2 ceil(sqrt(T)) snapshots); extra: T, the tape's peak bytes, the bytes of ceil(sqrt(T))
//   states and their ratio. Peer: jax.jit(jax.grad) of the same scheme in lax.fori_loop.
// - burgers-jacobian (n = 64, 256): the dense Jacobian of the burgers(n) model by forward lanes
//   (16 columns per evaluation). Peer: jax.jit(jax.jacfwd) of the same scheme.
// - powers-pg-numerical (n = 1e4), burgers-pg-numerical (n = 1000): PG with the exact numerical
//   inverse settings of bench-optimizers (NumericalInverse(gradient: .exact), SciPy's default
//   options), 10 steps. Peer (powers): SciPy L-BFGS-B with a vectorized NumPy gradient.
// - powers-pg (n = 1e4): PG with the analytic inverse, 10 steps. Peer: NumPy.
//
// `--profile` prints minimum times of the burgers gradient pieces to stderr; `--quick` smaller sizes;
// `--objectives` only the rosenbrock and sumsqsin rows (the peer honours it too);
// `--objective-loop rosenbrock|sumsqsin grad|hvp N REPS` runs one of them in a loop, for perf and callgrind;
// `--powers-pg` measures only powers-pg and powers-pg-numerical (n = 1e4).
import Foundation
import PhysGrad
import PhysGradBenchSupport
import PhysGradRandom
import PhysGradDerivatives
import PhysGradLinearAlgebra

OpenBLAS.setThreadCount(1)
let arguments = BenchArguments()
let suite = "array-ad"
let minSeconds = arguments.quick ? 0.05 : 0.25

func timePerCall(reps: Int, minRuns: Int = 5, _ body: () -> Void) -> (Double, Int) {
    let (median, runs) = measure(minRuns: minRuns, minSeconds: minSeconds) { for _ in 0..<reps { body() } }
    return (median / Double(reps), runs)
}

func emit(_ caseName: String, n: Int, _ r: (Double, Int), vs: String? = nil, extra: [String: Double] = [:]) {
    BenchRecord(suite: suite, caseName: caseName, n: n, median: r.0, runs: r.1, extra: extra, vs: vs).emit()
}

func objectives<F: ArrayObjective>(_ name: String, _ f: F, sizes: [Int]) {
    for n in sizes {
        let x = uniformValues(seed: 42, count: n)
        let v = uniformValues(seed: 7, count: n)
        var o = ArrayAutomaticObjective(f, dimension: n)
        var g = [Double](repeating: 0, count: n)
        var hv = [Double](repeating: 0, count: n)
        let reps = max(1, 20_000 / n)
        emit("\(name)-array-f", n: n, timePerCall(reps: reps) { blackHole(o.value(at: x)) })
        emit("\(name)-array-grad", n: n, timePerCall(reps: reps) {
            x.withUnsafeBufferPointer { xb in g.withUnsafeMutableBufferPointer { blackHole(o.valueAndGradient(at: xb, gradient: $0)) } }
        }, vs: "\(name)-array-f")
        emit("\(name)-array-hvp", n: n, timePerCall(reps: reps) {
            x.withUnsafeBufferPointer { xb in v.withUnsafeBufferPointer { vb in hv.withUnsafeMutableBufferPointer {
                o.hessianVectorProduct(at: xb, direction: vb, into: $0)
            } } }
        }, vs: "\(name)-array-f")
    }
}

if let i = CommandLine.arguments.firstIndex(of: "--burgers-loop") {
    // `--burgers-loop N REPS`: gradients in a loop, for perf.
    let n = Int(CommandLine.arguments[i + 1])!, reps = Int(CommandLine.arguments[i + 2])!
    var o = try! Problems.burgers(n).objective
    let x = (0..<n).map { 0.5 * Double.sin(Double($0)) }
    var g = [Double](repeating: 0, count: n)
    for _ in 0..<reps { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--pg-loop") {
    // `--pg-loop analytic|numerical N REPS`: ten PG steps on powers(N) in a loop, for perf.
    let numerical = CommandLine.arguments[i + 1] == "numerical"
    let n = Int(CommandLine.arguments[i + 2])!, reps = Int(CommandLine.arguments[i + 3])!
    let p = try! Problems.powers(n)
    let method = numerical ? PhysicalGradient(eta: 0.3, inverse: .numerical(NumericalInverse(gradient: .exact))) : PhysicalGradient(eta: 0.3)
    for _ in 0..<reps { blackHole(try! optimize(p, with: method, options: RunOptions(steps: 10, trace: .none))) }
    exit(0)
}
if CommandLine.arguments.contains("--powers-pg") {
    // `--powers-pg`: only the two PG cases on powers(1e4) (medians of at least 1 s of runs), for
    // comparing builds side by side.
    let powers = try! Problems.powers(10_000)
    let tenSteps = RunOptions(steps: 10, trace: .none)
    let pg = measure(minRuns: 5, minSeconds: 1) { blackHole(try! optimize(powers, with: PhysicalGradient(eta: 0.3), options: tenSteps)) }
    BenchRecord(suite: suite, caseName: "powers-pg", n: 10_000, median: pg.median, runs: pg.runs).emit()
    let pgn = measure(minRuns: 5, minSeconds: 1) {
        blackHole(try! optimize(powers, with: PhysicalGradient(eta: 0.3, inverse: .numerical(NumericalInverse(gradient: .exact))), options: tenSteps))
    }
    BenchRecord(suite: suite, caseName: "powers-pg-numerical", n: 10_000, median: pgn.median, runs: pgn.runs).emit()
    exit(0)
}
if CommandLine.arguments.contains("--legacy") {
    // `--legacy [steps]`: burgers(1000) PG with the numerical inverse on the scalar tape (the
    // catalog's former providers) against the array-level providers, same options, and one
    // Newton step of each; wall times to stderr (minutes on the scalar tape).
    let n = 1000
    let p = try! Problems.burgers(n)
    let model = BurgersModel(cells: n)
    let scalar = InverseProblem(name: "burgers", dimension: n, outputDimension: n, model: model,
                                loss: SquaredDistance(target: model(p.solution!)), start: p.start, solution: p.solution)
    let steps = CommandLine.arguments.last.flatMap(Int.init) ?? 10
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    for (name, problem) in [("array", p), ("scalar tape", scalar)] {
        var r: OptimizationResult?
        let t = clock.measure {
            r = try! optimize(problem, with: PhysicalGradient(eta: 1, inverse: .numerical(NumericalInverse(gradient: .exact))),
                              options: RunOptions(steps: steps, trace: .none))
        }
        FileHandle.standardError.write(Data("burgers(\(n)) PG numerical, \(steps) steps, \(name): \(seconds(t)) s, inner nfev \(r!.counts.inverseEvaluations), loss \(r!.loss)\n".utf8))
        let tn = clock.measure { r = try! optimize(problem, with: Newton(eta: 1, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1, trace: .none)) }
        FileHandle.standardError.write(Data("burgers(\(n)) one Newton step, \(name): \(seconds(tn)) s, loss \(r!.loss)\n".utf8))
    }
    exit(0)
}
if CommandLine.arguments.contains("--profile") {
    for n in [256, 1024, 4096] {
        let p = try! Problems.burgers(n)
        var o = p.objective
        let x = p.start.enumerated().map { 0.5 * Double.sin(Double($0.offset)) }
        var g = [Double](repeating: 0, count: n)
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<5 { best = min(best, Double(clock.measure { _ = o.valueAndGradient(at: x, gradient: &g) }.components.attoseconds) * 1e-18) }
        var fbest = Double.infinity
        for _ in 0..<5 { fbest = min(fbest, Double(clock.measure { _ = o.value(at: x) }.components.attoseconds) * 1e-18) }
        FileHandle.standardError.write(Data("burgers(\(n)): f \(fbest * 1e3) ms, gradient \(best * 1e3) ms\n".utf8))
    }
    exit(0)
}

if let i = CommandLine.arguments.firstIndex(of: "--objective-loop") {
    let a = CommandLine.arguments
    let n = Int(a[i + 3])!, reps = Int(a[i + 4])!
    func loop<F: ArrayObjective>(_ f: F) {
        let x = uniformValues(seed: 42, count: n), v = uniformValues(seed: 7, count: n)
        var o = ArrayAutomaticObjective(f, dimension: n)
        var out = [Double](repeating: 0, count: n)
        for _ in 0..<reps {
            x.withUnsafeBufferPointer { xb in
                v.withUnsafeBufferPointer { vb in
                    out.withUnsafeMutableBufferPointer {
                        switch a[i + 2] {
                        case "grad": blackHole(o.valueAndGradient(at: xb, gradient: $0))
                        case "hvp": o.hessianVectorProduct(at: xb, direction: vb, into: $0)
                        default: blackHole(o.value(at: x))
                        }
                    }
                }
            }
        }
        blackHole(out)
    }
    if a[i + 1] == "sumsqsin" { loop(StandardFunctions.SumSquareSine()) } else { loop(StandardFunctions.ExtendedRosenbrock()) }
    exit(0)
}

objectives("rosenbrock", StandardFunctions.ExtendedRosenbrock(), sizes: arguments.quick ? [1000] : [1000, 100_000, 1_000_000])
objectives("sumsqsin", StandardFunctions.SumSquareSine(), sizes: arguments.quick ? [1000] : [1000, 100_000])
if CommandLine.arguments.contains("--objectives") { exit(0) }

do {
    let n = 1000
    let x = uniformValues(seed: 3, count: n)
    let f = ComposedArrayObjective(model: StandardFunctions.Powers(), loss: ArraySquaredNorm())
    emit("powers-hessian-array", n: n, timePerCall(reps: 1) { blackHole(ArrayDerivatives.hessian(of: f, at: x)) })
}

for n in arguments.quick ? [256] : [256, 1024, 4096] {
    let p = try! Problems.burgers(n)
    let model = BurgersModel(cells: n)
    var o = p.objective
    let x = (0..<n).map { 0.5 * Double.sin(2 * Double.pi * Double($0) / Double(n)) + 0.1 * Double.cos(6 * Double.pi * Double($0) / Double(n)) }
    var g = [Double](repeating: 0, count: n)
    let r = timePerCall(reps: 1, minRuns: 3) { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
    // Peak memory of one gradient on a fresh tape (values, adjoints, snapshots, inner tapes).
    let tape = ArrayTape<Double>(reservingElements: 1 << 10)
    let v = tape.variable(x)
    let target = ArrayDerivatives.value(of: model, at: p.solution!)
    let y = ArraySquaredDistance(target: target)(model(v))
    tape.reverseSweep(from: y)
    let s = CheckpointSchedule.automatic.snapshots(forSteps: model.steps)
    let sqrtStates = Int(Double(model.steps).squareRoot().rounded(.up)) * n * 8
    emit("burgers-grad", n: n, r, extra: ["steps": Double(model.steps), "snapshots": Double(s),
                                           "peak_bytes": Double(tape.peakBytes), "sqrtT_states_bytes": Double(sqrtStates),
                                           "peak_over_sqrtT_states": Double(tape.peakBytes) / Double(sqrtStates),
                                           "step_evaluations": Double(tape.loopStepEvaluations)])
}

for n in arguments.quick ? [64] : [64, 256] {
    let model = BurgersModel(cells: n)
    let x = (0..<n).map { 0.5 * Double.sin(2 * Double.pi * Double($0) / Double(n)) + 0.1 * Double.cos(6 * Double.pi * Double($0) / Double(n)) }
    emit("burgers-jacobian", n: n, timePerCall(reps: 1, minRuns: 3) { blackHole(ArrayDerivatives.jacobian(of: model, at: x)) },
         extra: ["steps": Double(model.steps)])
}

let tenSteps = RunOptions(steps: 10, trace: .none)
do {
    let n = arguments.quick ? 1000 : 10_000
    let powers = try! Problems.powers(n)
    var last: OptimizationResult?
    let pgn = measure(minRuns: 5, minSeconds: minSeconds) {
        last = try! optimize(powers, with: PhysicalGradient(eta: 0.3, inverse: .numerical(NumericalInverse(gradient: .exact))), options: tenSteps)
    }
    BenchRecord(suite: suite, caseName: "powers-pg-numerical", n: n, median: pgn.median, runs: pgn.runs,
                extra: ["inner_nfev": Double(last!.counts.inverseEvaluations), "loss": last!.loss]).emit()
    let pg = measure(minRuns: 5, minSeconds: minSeconds) { blackHole(try! optimize(powers, with: PhysicalGradient(eta: 0.3), options: tenSteps)) }
    BenchRecord(suite: suite, caseName: "powers-pg", n: n, median: pg.median, runs: pg.runs).emit()
}
do {
    let n = arguments.quick ? 128 : 1000
    let burgers = try! Problems.burgers(n)
    var last: OptimizationResult?
    let pgn = measure(minRuns: 1, minSeconds: 0) {
        last = try! optimize(burgers, with: PhysicalGradient(eta: 1, inverse: .numerical(NumericalInverse(gradient: .exact))), options: tenSteps)
    }
    BenchRecord(suite: suite, caseName: "burgers-pg-numerical", n: n, median: pgn.median, runs: pgn.runs,
                extra: ["inner_nfev": Double(last!.counts.inverseEvaluations), "loss": last!.loss]).emit()
}
