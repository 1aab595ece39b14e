import PhysGradNetworks
import PhysGradRandom

/// A learning problem: a physics model, the network that produces its controls, a training set,
/// and the settings the book uses for each method.
public struct LearningProblem: Sendable {
    /// `oscillators`, `sine`.
    public var name: String
    /// One line about the problem.
    public var summary: String
    public var physics: any TrainingPhysics
    /// The network's widths `[n_0, ..., n_L]` (`n_0` the data's input width, `n_L` the physics'
    /// control count).
    public var widths: [Int]
    public var activations: [Activation]
    public var data: TrainingData
    /// The smallest loss per data point any network can reach on ``data``, when known (0 when
    /// every target can be met).
    public var attainableLoss: Double?

    public init(name: String, summary: String, physics: any TrainingPhysics, widths: [Int], activations: [Activation],
                data: TrainingData, attainableLoss: Double? = nil) throws(TrainingError) {
        try Self.checkConsistency(name: name, physics: physics, widths: widths, activations: activations, data: data)
        self.name = name
        self.summary = summary
        self.physics = physics
        self.widths = widths
        self.activations = activations
        self.data = data
        self.attainableLoss = attainableLoss
    }

    /// Throws unless the network's widths and activations are valid and fit the data and the
    /// physics (the initializer's checks; ``Trainer`` repeats them, since the parts are variables).
    static func checkConsistency(name: String, physics: any TrainingPhysics, widths: [Int], activations: [Activation],
                                 data: TrainingData) throws(TrainingError) {
        guard widths.first == data.inputWidth, widths.last == physics.controlCount,
              data.conditionWidth == physics.conditionCount, data.targetWidth == physics.outputCount else {
            throw .invalidSetting(name: "problem", value: name,
                                  reason: "network widths \(widths), data (input \(data.inputWidth), condition \(data.conditionWidth), target \(data.targetWidth)) and physics (control \(physics.controlCount), condition \(physics.conditionCount), output \(physics.outputCount)) do not fit together")
        }
        do {
            _ = try DenseNetwork(widths: widths, activations: activations)
        } catch {
            throw .invalidSetting(name: "network", value: "\(widths)", reason: error.description)
        }
    }

    /// The problem's network, Glorot-uniform initialized from `seed` (`DenseNetwork.initializeGlorotUniform(seed:)`).
    ///
    /// - Precondition: ``widths`` and ``activations`` describe a valid network, as the initializer
    ///   checked (they are variables: values assigned later are checked by ``Trainer`` only).
    public func makeNetwork(seed: UInt64) -> DenseNetwork {
        // The widths and activations were checked by the initializer.
        var net = try! DenseNetwork(widths: widths, activations: activations)
        net.initializeGlorotUniform(seed: seed)
        return net
    }

    /// The number of parameters of the problem's network (`Int.max` when widths assigned after
    /// the initializer make it overflow).
    public var parameterCount: Int {
        zip(widths, widths.dropFirst()).reduce(0) { total, pair in
            let (sum, overflow) = total.addingReportingOverflow(saturatingProduct(pair.1, pair.0 &+ 1))
            return overflow ? .max : sum
        }
    }
}

/// The book's learning problems.
public enum LearningProblems {
    /// The coupled oscillators of the book's HIG notebook ("Coupled Oscillators with Half-Inverse
    /// Gradients"): ``CoupledOscillators/book`` (two masses, 24 RK4 steps of 0.5), `samples`
    /// starts uniform in [0, 1)⁴ drawn from `SplitMix64(seed: dataSeed)` sample after sample, each
    /// its own target (the masses must come back to where they started) and its own network
    /// input; the network 4 -> 20 -> 20 -> 20 -> 24, tanh, linear output.
    public static func oscillators(samples: Int = 4096, dataSeed: UInt64 = 0) throws(TrainingError) -> LearningProblem {
        let physics = CoupledOscillators.book
        guard (1...TrainingData.maximumCount).contains(samples) else {
            throw .invalidSetting(name: "samples", value: "\(samples)", reason: "must be in 1 ... \(TrainingData.maximumCount)")
        }
        var g = SplitMix64(seed: dataSeed)
        let starts = (0..<(samples * 4)).map { _ in g.nextUnit() }
        let data = try TrainingData(count: samples, inputWidth: 4, conditionWidth: 4, targetWidth: 4,
                                    inputs: starts, conditions: starts, targets: starts)
        return try LearningProblem(
            name: "oscillators",
            summary: "two coupled oscillators, 24 RK4 steps of 0.5 with one control each, back to the start",
            physics: physics, widths: [4, 20, 20, 20, 24], activations: [.tanh, .tanh, .tanh, .linear], data: data,
            attainableLoss: 0)
    }

    /// The SIP illustration of the book ("Scale Invariant Physics Training"): ``RotatedSine``
    /// with ξ and φ (radians), `samples` targets uniform in [-1, 1]² from
    /// `SplitMix64(seed: dataSeed)`, the network 2 -> 32 -> 64 -> 32 -> 2, ReLU (the paper code's `dense_net`), linear output.
    /// Its ``LearningProblem/attainableLoss`` is the data set's own floor,
    /// `(1/N) Σ_i max(|y*_i1| - 1/ξ, 0)²` (``RotatedSine/attainableLoss`` is its expectation).
    public static func sine(xi: Double, angle: Double, samples: Int = 4000, dataSeed: UInt64 = 0) throws(TrainingError) -> LearningProblem {
        let physics = try RotatedSine(xi: xi, angle: angle)
        guard (1...TrainingData.maximumCount).contains(samples) else {
            throw .invalidSetting(name: "samples", value: "\(samples)", reason: "must be in 1 ... \(TrainingData.maximumCount)")
        }
        var g = SplitMix64(seed: dataSeed)
        let targets = (0..<(samples * 2)).map { _ in g.nextUniform(-1, 1) }
        let data = try TrainingData(count: samples, inputWidth: 2, conditionWidth: 0, targetWidth: 2,
                                    inputs: targets, conditions: [], targets: targets)
        let degrees = angle * 180 / Double.pi
        // The first output reaches at most 1/ξ in magnitude; the second reaches every target.
        let floor = stride(from: 0, to: targets.count, by: 2).reduce(0.0) { sum, i in
            let e = Swift.max(abs(targets[i]) - 1 / xi, 0)
            return sum + e * e
        } / Double(samples)
        return try LearningProblem(
            name: "sine",
            summary: "P(x) = (sin(x1')/xi, xi x2'), x' = R(phi) x, xi = \(xi), phi = \(degrees) degrees",
            physics: physics, widths: [2, 32, 64, 32, 2], activations: [.relu, .relu, .relu, .linear], data: data,
            attainableLoss: floor)
    }
}
