// bench-learning: training a network through the coupled-oscillator physics of the book's HIG
// notebook. Time per HIG update (batch 32: a 128 x 1444 Jacobian and its SVD) and per Adam and SIP
// update (batch 256), and the loss per data point each method reaches in the same training-time
// budget (evaluations not counted, as the notebook counts it), against a JAX peer doing the same
// (scripts/peers/learning.py: jit on CPU, float32 as the book, the same data and initial weights).
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
