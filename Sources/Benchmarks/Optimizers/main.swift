import Foundation
// bench-optimizers: the chapter in-process, and Newton / PG (analytic, numerical) on powers(n) and
// blur(n), against a JAX + SciPy script doing the same steps (scripts/peers/optimizers.py).
import PhysGrad
import PhysGradExamples
import PhysGradBenchSupport
import PhysGradLinearAlgebra

OpenBLAS.setThreadCount(1)
let args = BenchArguments()
let suite = "optimizers"

// The whole chapter: GD, Newton, PG, the inverse test, PG numerical (FD and exact), metrics.
if CommandLine.arguments.contains("--profile") { profileDenseNewton(); exit(0) }
let chapter = measure(minRuns: 20) { blackHole(try! Chapter.run()) }
BenchRecord(suite: suite, caseName: "chapter", n: 2, median: chapter.median, runs: chapter.runs).emit()

let steps = 10
let noTrace = RunOptions(steps: steps, trace: .none)
func run<M: Optimizer>(_ p: InverseProblem, _ m: M) -> OptimizationResult { try! optimize(p, with: m, options: noTrace) }

for n in args.quick ? [10, 100] : [10, 100, 1000, 10_000] {
    let powers = try! Problems.powers(n)
    var dense = powers
    dense.objectiveHessianStructure = .dense
    dense.lossHessianStructure = .dense
    let pg = measure { blackHole(run(powers, PhysicalGradient(eta: 0.3))) }
    BenchRecord(suite: suite, caseName: "powers-pg", n: n, median: pg.median, runs: pg.runs).emit()
    var last: OptimizationResult?
    let pgn = measure { last = run(powers, PhysicalGradient(eta: 0.3, inverse: .numerical(NumericalInverse(gradient: .exact)))) }
    BenchRecord(suite: suite, caseName: "powers-pg-numerical", n: n, median: pgn.median, runs: pgn.runs,
                extra: ["inner_nfev": Double(last!.counts.inverseEvaluations), "loss": last!.loss]).emit()
    let structured = measure { blackHole(run(powers, Newton(eta: 1.0 / 3.0, policy: .exact, acceptance: .fixed))) }
    BenchRecord(suite: suite, caseName: "powers-newton-structured", n: n, median: structured.median, runs: structured.runs,
                vs: "powers-newton-dense").emit()
    if n <= 1000 {
        let d = measure(minRuns: 3) { blackHole(run(dense, Newton(eta: 1.0 / 3.0, policy: .exact, acceptance: .fixed))) }
        BenchRecord(suite: suite, caseName: "powers-newton-dense", n: n, median: d.median, runs: d.runs).emit()
    }
}

for n in args.quick ? [10, 100] : [10, 100, 1000] {
    let blur = try! Problems.blur(n)
    let pg = measure(minRuns: 3) { blackHole(run(blur, PhysicalGradient(eta: 0.5))) }
    BenchRecord(suite: suite, caseName: "blur-pg", n: n, median: pg.median, runs: pg.runs).emit()
    let pgn = measure(minRuns: 3) { blackHole(run(blur, PhysicalGradient(eta: 0.5, inverse: .numerical(NumericalInverse(gradient: .exact))))) }
    BenchRecord(suite: suite, caseName: "blur-pg-numerical", n: n, median: pgn.median, runs: pgn.runs).emit()
    let newton = measure(minRuns: 3) { blackHole(run(blur, Newton(eta: 0.5, policy: .regularize(initialShift: 1e-3), acceptance: .fixed))) }
    BenchRecord(suite: suite, caseName: "blur-newton", n: n, median: newton.median, runs: newton.runs).emit()
}
