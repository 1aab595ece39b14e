import Foundation
import PhysGradDerivatives
import PhysGradLearning
import PhysGradLinearAlgebra
import PhysGradNetworks

/// Tests/PhysGradLearningTests/Resources/oscillators.json: float64 NumPy runs of the oscillator
/// physics, from scripts/make_oscillator_reference.py (the generator of ../shared/reference,
/// numbers identical).
struct OscillatorReference: Decodable {
    struct Case: Decodable {
        var start: [Double]
        var controls: [Double]
        var final: [Double]
        var final_uncontrolled: [Double]
        var jacobian_final_wrt_controls: [[Double]]
        var singular_values: [Double]
        var min_norm_return_control: [Double]
        var return_residual: Double
    }
    var oscillators: Int
    var steps: Int
    var dt: Double
    var coupling: Double
    var cases: [Case]

    static func load() throws -> OscillatorReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/oscillators.json")
        return try JSONDecoder().decode(OscillatorReference.self, from: Data(contentsOf: url))
    }
}

/// max |a - b| / max(1, max |b|).
func scaledError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count)")
    let scale = Swift.max(1, b.map(abs).max() ?? 0)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// The Jacobian of `physics` at one sample, through the protocol.
func physicsJacobian(_ physics: some TrainingPhysics, condition: [Double], control: [Double]) -> Matrix {
    var j = [Double](repeating: .nan, count: physics.outputCount * physics.controlCount)
    condition.withUnsafeBufferPointer { c in
        control.withUnsafeBufferPointer { u in
            j.withUnsafeMutableBufferPointer { physics.jacobian(condition: c, control: u, into: $0) }
        }
    }
    return Matrix(rows: physics.outputCount, columns: physics.controlCount, columnMajor: j)
}

/// A small oscillator problem (a narrower network, fewer samples) for the update tests, whose
/// parameter Jacobians the derivatives module computes quickly in debug builds.
func smallOscillatorProblem(samples: Int = 64) throws -> LearningProblem {
    let full = try LearningProblems.oscillators(samples: samples, dataSeed: 3)
    return try LearningProblem(name: "oscillators-small", summary: "test", physics: full.physics, widths: [4, 6, 24],
                               activations: [.tanh, .linear], data: full.data, attainableLoss: 0)
}

/// θ ↦ (P(c_i, f(x_i; θ)))_i stacked over a batch: a generic model for the derivatives module.
struct StackedOscillatorModel: GenericModel {
    var network: DenseNetwork
    var physics: CoupledOscillators
    var inputs: [[Double]]

    func callAsFunction<T: PhysGradReal>(_ theta: [T]) -> [T] {
        var out: [T] = []
        for x in inputs {
            let u = DenseNetwork.ParameterModel(network: network, input: x)(theta)
            out += physics.controlModel(start: x)(u)
        }
        return out
    }
}

/// The batch loss per data point as a generic objective of θ.
struct BatchLoss: GenericObjective {
    var model: StackedOscillatorModel
    var targets: [Double]

    func callAsFunction<T: PhysGradReal>(_ theta: [T]) -> T {
        let y = model(theta)
        var total: T = 0
        for (a, b) in zip(y, targets) {
            let r = a - T(b)
            total += r * r
        }
        return total / T(model.inputs.count)
    }
}

/// The first `count` samples of `problem` (inputs, which are also the starts and targets).
func firstSamples(_ problem: LearningProblem, _ count: Int) -> [[Double]] {
    let w = problem.data.inputWidth
    return (0..<count).map { Array(problem.data.inputs[($0 * w)..<(($0 + 1) * w)]) }
}

/// One update of `method` on the first batch of `problem` from `network`; returns the new network.
func oneUpdate<M: TrainingMethod>(_ method: M, _ problem: LearningProblem, _ network: DenseNetwork) throws -> (DenseNetwork, UpdateReport) {
    let (net, report, _) = try oneUpdateWithBatch(method, problem, network)
    return (net, report)
}

/// ``oneUpdate(_:_:_:)`` that also returns the batch (its cotangents and gradient).
func oneUpdateWithBatch<M: TrainingMethod>(_ method: M, _ problem: LearningProblem, _ network: DenseNetwork) throws
    -> (DenseNetwork, UpdateReport, TrainingBatch) {
    var net = network
    var state = method.makeState(for: net, problem: problem)
    var batch = TrainingBatch(problem: problem, network: net, method: method)
    batch.load(problem.data, order: Array(0..<problem.data.count), start: 0, count: method.batchSize)
    let report = try method.update(&state, network: &net, batch: &batch)
    return (net, report, batch)
}

/// Adam's first step from `theta` with gradient `g`, compared with `after` where `|g_p| > 1e-6`
/// (near g = 0 the step g / (|g| + ε) turns on the last bits of g): the largest difference.
func adamFirstStepError(after: [Double], theta: [Double], gradient g: [Double], eta: Double) -> Double {
    var worst = 0.0
    for p in theta.indices where abs(g[p]) > 1e-6 {
        worst = Swift.max(worst, abs(after[p] - (theta[p] - eta * g[p] / (abs(g[p]) + 1e-8))))
    }
    return worst
}
