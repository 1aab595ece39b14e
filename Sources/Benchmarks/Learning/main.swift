// bench-learning: training a network through the coupled-oscillator physics of the book's HIG
// notebook. Time per HIG update (batch 32: a 128 x 1444 Jacobian and its SVD) and per Adam and SIP
// update (batch 256), and the loss per data point each method reaches in the same training-time
// budget (evaluations not counted, as the notebook counts it), against a JAX peer doing the same
// (scripts/peers/learning.py: jit on CPU, float32 as the book, the same data and initial weights).
// `--phases` prints the time of each step of a HIG update to stderr; `--profile hig|adam|sip`
// runs one method's updates for 5 s (for perf), without JSON rows.
import Foundation
import PhysGradBenchSupport
import PhysGradLearning
import PhysGradLinearAlgebra
import PhysGradNetworks

OpenBLAS.setThreadCount(1)
let quick = BenchArguments().quick
let suite = "learning"
let seed: UInt64 = 0
let problem = try! LearningProblems.oscillators(samples: 4096, dataSeed: seed)
let network = problem.makeNetwork(seed: seed &+ 1)

/// The median time of one update of `method`, over consecutive batches of the data set.
func updateTime<M: TrainingMethod>(_ method: M) -> (median: Double, runs: Int) {
    var net = network
    var state = method.makeState(for: net, problem: problem)
    var batch = TrainingBatch(problem: problem, network: net, method: method)
    let order = Array(0..<problem.data.count)
    var index = 0
    let batches = problem.data.count / method.batchSize
    return measure(minRuns: 20, minSeconds: quick ? 0.2 : 1) {
        batch.load(problem.data, order: order, start: (index % batches) * method.batchSize, count: method.batchSize)
        index += 1
        blackHole(try! method.update(&state, network: &net, batch: &batch))
    }
}

let hig = HalfInverseTraining(learningRate: 1, batchSize: 32, relativeTruncation: 1e-10, solver: .gram)
let higSVD = HalfInverseTraining(learningRate: 1, batchSize: 32, relativeTruncation: 1e-10, solver: .svd)
let adam = AdamTraining(learningRate: 1e-3, batchSize: 256)
let sip = ScaleInvariantTraining(learningRate: 1e-3, batchSize: 256, inverse: .pseudoInverse(relativeTruncation: 1e-5))

// `--phases`: the median time of each step of a HIG update (to stderr).
if CommandLine.arguments.contains("--phases") {
    var net = network
    var batch = TrainingBatch(problem: problem, network: net, method: hig)
    batch.load(problem.data, order: Array(0..<problem.data.count), start: 0, count: 32)
    var seeds = [Double](repeating: 0, count: 128 * 24), gram = [Double](repeating: 0, count: 128 * 128)
    func phase(_ name: String, _ body: () -> Void) {
        let t = measure(minRuns: 50, minSeconds: 0.5, body)
        FileHandle.standardError.write(Data("\(name): \(String(format: "%.1f", t.median * 1e6)) us\n".utf8))
    }
    phase("forward network") { batch.forwardNetwork(net) }
    phase("physics values") { batch.evaluatePhysics() }
    phase("physics Jacobians") { batch.computePhysicsJacobians() }
    phase("Gram matrix") { batch.stackedParameterGram(net, seeds: &seeds, into: &gram) }
    phase("eigendecomposition (dsyevd)") { blackHole(try! SymmetricEigendecomposition(Matrix(rows: 128, columns: 128, columnMajor: gram))) }
    phase("factored eigendecomposition (dsytrd, dstedc)") {
        blackHole(try! FactoredSymmetricEigendecomposition(Matrix(rows: 128, columns: 128, columnMajor: gram)))
    }
    phase("backward network") { batch.backward(net) }
    phase("whole update") {
        var state = hig.makeState(for: net, problem: problem)
        blackHole(try! hig.update(&state, network: &net, batch: &batch))
    }
    exit(0)
}

// `--profile hig|adam|sip`: that method's updates only, for perf (no JSON rows).
if let i = CommandLine.arguments.firstIndex(of: "--profile"), i + 1 < CommandLine.arguments.count {
    let clock = ContinuousClock(), end = clock.now + .seconds(5)
    switch CommandLine.arguments[i + 1] {
    case "adam": while clock.now < end { _ = updateTime(adam) }
    case "sip": while clock.now < end { _ = updateTime(sip) }
    default: while clock.now < end { _ = updateTime(hig) }
    }
    exit(0)
}

let higTime = updateTime(hig)
BenchRecord(suite: suite, caseName: "hig-update", n: 32, median: higTime.median, runs: higTime.runs).emit()
let higSVDTime = updateTime(higSVD)
BenchRecord(suite: suite, caseName: "hig-update", n: 32, impl: "physgrad-gesdd", median: higSVDTime.median, runs: higSVDTime.runs).emit()
let adamTime = updateTime(adam)
BenchRecord(suite: suite, caseName: "adam-update", n: 256, median: adamTime.median, runs: adamTime.runs).emit()
let sipTime = updateTime(sip)
BenchRecord(suite: suite, caseName: "sip-update", n: 256, median: sipTime.median, runs: sipTime.runs).emit()

// The loss per data point after the same training-time budget.
let budget = quick ? 2.0 : 10.0
func race<M: TrainingMethod>(_ method: M, _ name: String) {
    let r = try! Trainer.train(problem, method: method, from: network, options: TrainingOptions(seconds: budget))
    FileHandle.standardError.write(Data("bench: \(name): \(r.updates) updates, \(r.epochs) epochs, loss \(r.finalLoss)\n".utf8))
    BenchRecord(suite: suite, caseName: "\(name)-loss-after-budget", n: Int(budget), median: r.seconds, runs: 1,
                extra: ["loss": r.finalLoss, "initial_loss": r.initialLoss, "epochs": r.epochs, "updates": Double(r.updates)]).emit()
}
race(hig, "hig")
race(higSVD, "hig-gesdd")
race(adam, "adam")
race(sip, "sip")
