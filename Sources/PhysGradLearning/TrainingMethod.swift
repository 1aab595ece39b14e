import PhysGradNetworks

/// A value in a method's settings (for reports).
public enum SettingValue: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case text(String)

    public var description: String {
        switch self {
        case .number(let d): return "\(d)"
        case .integer(let i): return "\(i)"
        case .text(let s): return s
        }
    }
}

/// The optional buffers a method's batches need.
public struct BatchNeeds: Sendable, Hashable {
    /// Rows of the stacked parameter Jacobian (or its Gram matrix) per sample; 0 for none.
    public var jacobianRowsPerSample: Int
    /// The scratch of the Gram matrix `J Jᵀ`.
    public var gram: Bool

    public init(jacobianRowsPerSample: Int = 0, gram: Bool = false) {
        self.jacobianRowsPerSample = jacobianRowsPerSample
        self.gram = gram
    }
}

/// What one update reports besides the new parameters.
public struct UpdateReport: Sendable, Hashable {
    /// For SVD-based updates: the number of singular values kept (HIG: of the stacked Jacobian;
    /// SIP: the smallest over the batch's per-sample inverses).
    public var rank: Int?
    public init(rank: Int? = nil) { self.rank = rank }
}

/// A way to train a network through a physics model, one mini-batch at a time: the three
/// updates the book compares (``AdamTraining``, ``ScaleInvariantTraining``, ``HalfInverseTraining``)
/// and plain ``GradientDescentTraining``, behind one protocol that ``Trainer`` drives.
///
/// The loss is the batch's loss per data point, `L = (1/B) Σ_i |P(c_i, f(x_i; θ)) - y*_i|²`.
public protocol TrainingMethod: Sendable {
    /// The method's state between updates (moment estimates, buffers).
    associatedtype State: Sendable

    /// `adam`, `sip`, `hig`, `gd`.
    var name: String { get }
    /// Samples per update.
    var batchSize: Int { get }
    /// The settings, as reported.
    var settings: [(name: String, value: SettingValue)] { get }
    /// The optional batch buffers the method uses (HIG: the stacked Jacobian's rows).
    func batchNeeds(for problem: LearningProblem) -> BatchNeeds

    /// Throws when a setting is out of range or the method cannot run on `problem`.
    func validate(for problem: LearningProblem) throws(TrainingError)

    /// The bytes the method keeps besides the batch buffers (an estimate made before anything
    /// is allocated).
    func workingMemory(for problem: LearningProblem) -> Double

    /// An estimate of the floating-point operations of one update, made before anything runs
    /// (the tool refuses updates that would take far longer than the time budget).
    func flopsPerUpdate(for problem: LearningProblem) -> Double

    /// The state for a run from `network`.
    func makeState(for network: DenseNetwork, problem: LearningProblem) -> State

    /// One update from the batch loaded in `batch`: changes `network.parameters`. The built-in
    /// methods throw ``TrainingError/invalidSetting(name:value:reason:)`` when `batch` was not
    /// made for this method and network (or holds more samples than their state was made for).
    func update(_ state: inout State, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport
}

extension TrainingMethod {
    /// Forward and backward through the network (`6 P` per sample) and the physics with its
    /// pullback (`40 k n` per sample, generous for the built-in models).
    public func flopsPerUpdate(for problem: LearningProblem) -> Double {
        Double(batchSize) * (6 * Double(problem.parameterCount)
                             + 40 * Double(problem.physics.outputCount) * Double(problem.physics.controlCount))
    }

    public func batchNeeds(for problem: LearningProblem) -> BatchNeeds { BatchNeeds() }

    func validateBatchSize(for problem: LearningProblem) throws(TrainingError) {
        guard batchSize >= 1 && batchSize <= Trainer.maximumBatchSize else {
            throw .invalidSetting(name: "\(name) batch size", value: "\(batchSize)", reason: "must be in 1 ... \(Trainer.maximumBatchSize)")
        }
        guard batchSize <= problem.data.count else {
            throw .invalidSetting(name: "\(name) batch size", value: "\(batchSize)",
                                  reason: "is larger than the \(problem.data.count) samples of the data set")
        }
    }
}

/// Adam on the physics loss: backpropagation through the simulator (``TrainingBatch/pullBackLoss()``)
/// and the network, then an ``AdamRule`` step. The book's settings: learning rate 1e-3, batch 256.
public struct AdamTraining: TrainingMethod {
    public var rule: AdamRule
    public var batchSize: Int

    public init(learningRate: Double = 1e-3, batchSize: Int = 256) {
        rule = AdamRule(learningRate: learningRate)
        self.batchSize = batchSize
    }

    public var name: String { "adam" }
    public var settings: [(name: String, value: SettingValue)] {
        [("optimizer", .text("adam")), ("learning_rate", .number(rule.learningRate)), ("batch_size", .integer(batchSize)),
         ("b1", .number(rule.b1)), ("b2", .number(rule.b2)), ("eps", .number(rule.eps))]
    }

    public func validate(for problem: LearningProblem) throws(TrainingError) {
        try validateBatchSize(for: problem)
        try rule.validate()
    }

    public func workingMemory(for problem: LearningProblem) -> Double { 16 * Double(problem.parameterCount) }

    public func makeState(for network: DenseNetwork, problem: LearningProblem) -> AdamRule.State {
        AdamRule.State(count: network.parameterCount)
    }

    public func update(_ state: inout AdamRule.State, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport {
        try batch.check(for: name, network: network)
        batch.forwardNetwork(network)
        batch.evaluatePhysics()
        batch.pullBackLoss()
        batch.backward(network)
        rule.apply(batch.gradient, to: &network.parameters, state: &state)
        return UpdateReport()
    }
}

/// Plain (stochastic) gradient descent on the physics loss: `θ ← θ - η ∇_θ L`, the gradient by
/// backpropagation through the simulator and the network.
public struct GradientDescentTraining: TrainingMethod {
    public var learningRate: Double
    public var batchSize: Int

    public init(learningRate: Double, batchSize: Int) {
        self.learningRate = learningRate
        self.batchSize = batchSize
    }

    public var name: String { "gd" }
    public var settings: [(name: String, value: SettingValue)] {
        [("optimizer", .text("sgd")), ("learning_rate", .number(learningRate)), ("batch_size", .integer(batchSize))]
    }

    public func validate(for problem: LearningProblem) throws(TrainingError) {
        try validateBatchSize(for: problem)
        try requirePositive("gd learning rate", learningRate)
    }

    public func workingMemory(for problem: LearningProblem) -> Double { 0 }

    public func makeState(for network: DenseNetwork, problem: LearningProblem) -> Void {}

    public func update(_ state: inout Void, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport {
        try batch.check(for: name, network: network)
        batch.forwardNetwork(network)
        batch.evaluatePhysics()
        batch.pullBackLoss()
        batch.backward(network)
        let eta = learningRate
        let g = batch.gradient
        for i in network.parameters.indices { network.parameters[i] -= eta * g[i] }
        return UpdateReport()
    }
}
