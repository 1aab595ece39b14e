import PhysGradNetworks
import PhysGradRandom

/// One point of a training curve.
public struct TrainingRecord: Sendable, Hashable {
    /// Epochs done (fractional when a run stopped inside an epoch).
    public var epoch: Double
    /// Updates done.
    public var updates: Int
    /// Training time in seconds: the time spent in updates, evaluations excluded (as the book's
    /// notebook counts it).
    public var seconds: Double
    /// The loss per data point over the whole training set, `(1/N) Σ_i |P(c_i, f(x_i; θ)) - y*_i|²`.
    public var loss: Double
}

/// Why a run ended.
public enum TrainingTermination: Sendable, Hashable, CustomStringConvertible {
    /// The requested number of epochs was done.
    case completedEpochs
    /// The time budget was used up.
    case timeLimit
    /// The progress callback asked to stop.
    case stoppedByCallback
    /// A loss or a parameter became NaN or infinite; the run stopped at that update.
    case nonFinite(String)
    /// An update failed (an SVD or eigendecomposition that did not converge); the run stopped
    /// with the parameters from before it.
    case updateFailed(String)

    public var code: String {
        switch self {
        case .completedEpochs: return "completed-epochs"
        case .timeLimit: return "time-limit"
        case .stoppedByCallback: return "callback"
        case .nonFinite: return "non-finite"
        case .updateFailed: return "update-failed"
        }
    }

    public var description: String {
        switch self {
        case .completedEpochs: return "completed the requested epochs"
        case .timeLimit: return "used up the time budget"
        case .stoppedByCallback: return "stopped by the callback"
        case .nonFinite(let what): return "non-finite value: \(what)"
        case .updateFailed(let what): return "an update failed: \(what)"
        }
    }
}

/// A finished run.
public struct TrainingResult: Sendable {
    /// The method's name.
    public var method: String
    /// The method's settings.
    public var settings: [(name: String, value: SettingValue)]
    /// The curve: the initial loss (epoch 0), then points after epochs (``Trainer/recordsEpoch(_:)``)
    /// and the last point.
    public var records: [TrainingRecord]
    /// The network at the end (the last parameters, even when they are not finite).
    public var network: DenseNetwork
    /// The number of singular values the last SVD-based update kept.
    public var lastRank: Int?
    public var termination: TrainingTermination

    /// The loss per data point before training.
    public var initialLoss: Double { records.first?.loss ?? .nan }
    /// The loss per data point at the end.
    public var finalLoss: Double { records.last?.loss ?? .nan }
    public var updates: Int { records.last?.updates ?? 0 }
    public var epochs: Double { records.last?.epoch ?? 0 }
    public var seconds: Double { records.last?.seconds ?? 0 }

    /// `true` when the run ended normally with a finite final loss no higher than its start.
    public var isSuccess: Bool { failure == nil }

    /// Why the run is not a success, or `nil` when it is.
    public var failure: String? {
        if case .nonFinite(let what) = termination { return "non-finite value: \(what)" }
        if case .updateFailed(let what) = termination { return "an update failed: \(what)" }
        if !finalLoss.isFinite { return "the final loss is \(finalLoss)" }
        if finalLoss > initialLoss { return "the final loss is above the initial one" }
        return nil
    }
}

/// What a run does: how long, in which order.
public struct TrainingOptions: Sendable, Hashable {
    /// The training-time budget in seconds (evaluations not counted); checked after every update.
    public var seconds: Double
    /// At most this many epochs (nil: until the time is used up).
    public var epochs: Int?
    /// Visit the samples in a new random order every epoch (from ``shuffleSeed``); the book's
    /// notebook keeps the data set's order.
    public var shuffle: Bool
    public var shuffleSeed: UInt64

    public init(seconds: Double = 10, epochs: Int? = nil, shuffle: Bool = false, shuffleSeed: UInt64 = 0) {
        self.seconds = seconds
        self.epochs = epochs
        self.shuffle = shuffle
        self.shuffleSeed = shuffleSeed
    }

    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)``.
    public func validate() throws(TrainingError) {
        guard seconds.isFinite && seconds > 0 && seconds <= Trainer.maximumSeconds else {
            throw .invalidSetting(name: "seconds", value: "\(seconds)", reason: "must be in (0, \(Int(Trainer.maximumSeconds))]")
        }
        if let e = epochs, !(1...Trainer.maximumEpochs).contains(e) {
            throw .invalidSetting(name: "epochs", value: "\(e)", reason: "must be in 1 ... \(Trainer.maximumEpochs)")
        }
    }
}

/// Trains a network through a physics model with one ``TrainingMethod``: mini-batches of the
/// method's size in the data set's order (or shuffled), `⌊N / B⌋` updates per epoch (the rest of
/// the samples wait for the next epoch, as in the book's notebook), the loss per data point over
/// the whole set recorded after each recorded epoch (``recordsEpoch(_:)``) against epochs,
/// updates and training time, until the epochs are done or the time budget is used up.
///
/// Deterministic: the same problem, network, method and options give the same parameters and
/// losses on the same machine and BLAS thread count, except where the time budget ends the run.
public enum Trainer {
    /// The longest time budget, one day.
    public static let maximumSeconds = 86_400.0
    /// The most epochs.
    public static let maximumEpochs = 10_000_000
    /// The largest batch.
    public static let maximumBatchSize = 65_536
    /// Samples per evaluation chunk.
    static let evaluationChunk = 512

    /// `true` for the epochs after which the loss is recorded: every epoch up to 100, then every
    /// 10th up to 1000, every 100th up to 10⁴, and so on (90 points per decade), so that a
    /// curve stays small however long the run (past 10¹⁸, every 10¹⁶th).
    public static func recordsEpoch(_ epoch: Int) -> Bool {
        var stride = 1, limit = 100
        while epoch > limit && limit <= Int.max / 10 {
            stride *= 10
            limit *= 10
        }
        return epoch % stride == 0
    }

    /// The bytes a run keeps: the batch buffers, the method's own, the evaluation's and the
    /// network's. An estimate made before anything is checked or allocated: it does not trap
    /// for any sizes (products that overflow `Int` count as `Int.max`).
    public static func estimatedBytes(problem: LearningProblem, method: some TrainingMethod) -> Double {
        let needs = method.batchNeeds(for: problem)
        return TrainingBatch.bytes(problem: problem, capacity: method.batchSize,
                                   jacobianRows: saturatingProduct(method.batchSize, needs.jacobianRowsPerSample), gram: needs.gram)
            + method.workingMemory(for: problem)
            + TrainingBatch.bytes(problem: problem, capacity: Swift.min(evaluationChunk, problem.data.count))
            + 8 * Double(problem.parameterCount)
    }

    /// Runs `method` from `network` on `problem`.
    ///
    /// - Parameters:
    ///   - problem: the physics, the network's shape and the data set.
    ///   - method: the update (Adam, SIP, HIG, GD) with its settings.
    ///   - network: the starting weights; its widths and activations must be the problem's.
    ///   - options: the time budget, an epoch limit and the shuffling.
    ///   - progress: called with every record as it is made (the first is the initial loss);
    ///     return `false` to stop the run.
    /// - Throws: ``TrainingError`` for invalid settings or options (a batch size outside
    ///   `1 ... min(maximumBatchSize, N)` even when the method does not check it, a problem
    ///   whose parts no longer fit together, a network with the wrong number of parameters or a
    ///   non-finite one), before anything runs. What
    ///   goes wrong during the run (a non-finite value, a failed decomposition) ends it with a
    ///   ``TrainingTermination`` in the result, which keeps the curve so far.
    public static func train<M: TrainingMethod>(
        _ problem: LearningProblem, method: M, from network: DenseNetwork, options: TrainingOptions = TrainingOptions(),
        progress: (TrainingRecord) -> Bool = { _ in true }
    ) throws(TrainingError) -> TrainingResult {
        try options.validate()
        // The problem's parts are public variables: check that they still fit together.
        try LearningProblem.checkConsistency(name: problem.name, physics: problem.physics, widths: problem.widths,
                                             activations: problem.activations, data: problem.data)
        // A user's method may not check its batch size; the buffers below need 1 ... N.
        try method.validateBatchSize(for: problem)
        try method.validate(for: problem)
        guard network.widths == problem.widths, network.activations == problem.activations else {
            throw .invalidSetting(name: "network", value: "\(network.widths)", reason: "is not the problem's network \(problem.widths)")
        }
        guard network.parameters.count == problem.parameterCount else {
            throw .invalidSetting(name: "network parameters", value: "\(network.parameters.count) numbers",
                                  reason: "the network \(problem.widths) has \(problem.parameterCount)")
        }
        if let i = network.parameters.firstIndex(where: { !$0.isFinite }) {
            throw .invalidSetting(name: "network parameter \(i)", value: "\(network.parameters[i])", reason: "must be finite")
        }
        var net = network
        var state = method.makeState(for: net, problem: problem)
        let data = problem.data
        let b = method.batchSize
        var batch = TrainingBatch(problem: problem, network: net, method: method)
        var evaluator = LossEvaluator(problem: problem, network: net)
        let batchesPerEpoch = data.count / b
        var order = Array(0..<data.count)
        var shuffler = SplitMix64(seed: options.shuffleSeed)

        var records: [TrainingRecord] = []
        var seconds = 0.0, updates = 0, epoch = 0
        var lastRank: Int?
        var stop: TrainingTermination?
        let clock = ContinuousClock()

        /// Records the loss after `epochs`; sets `stop` when the callback declines or the loss is
        /// not finite.
        func record(_ epochs: Double) {
            let r = TrainingRecord(epoch: epochs, updates: updates, seconds: seconds, loss: evaluator.loss(of: net))
            records.append(r)
            let proceed = progress(r)
            if stop == nil && !r.loss.isFinite {
                stop = .nonFinite("the loss after \(updates) updates is \(r.loss)")
            } else if stop == nil && !proceed {
                stop = .stoppedByCallback
            }
        }
        record(0)

        training: while stop == nil {
            if let e = options.epochs, epoch >= e { break }
            if options.shuffle {
                for i in stride(from: order.count - 1, to: 0, by: -1) {
                    order.swapAt(i, Int(shuffler.next() % UInt64(i + 1)))
                }
            }
            for index in 0..<batchesPerEpoch {
                batch.load(data, order: order, start: index * b, count: b)
                let start = clock.now
                let report: UpdateReport
                do {
                    report = try method.update(&state, network: &net, batch: &batch)
                } catch {
                    seconds += Self.seconds(clock.now - start)
                    // A decomposition that failed on a non-finite batch loss is the loss's failure.
                    stop = batch.physicsEvaluated && !batch.loss.isFinite
                        ? .nonFinite("the batch loss of update \(updates + 1) is \(batch.loss) (the update stopped: \(error))")
                        : .updateFailed("update \(updates + 1): \(error)")
                    record(Double(epoch) + Double(index) / Double(batchesPerEpoch))
                    break training
                }
                seconds += Self.seconds(clock.now - start)
                updates += 1
                lastRank = report.rank ?? lastRank
                if !batch.loss.isFinite {
                    stop = .nonFinite("the batch loss of update \(updates) is \(batch.loss)")
                } else if let i = net.parameters.firstIndex(where: { !$0.isFinite }) {
                    stop = .nonFinite("parameter \(i) after update \(updates) is \(net.parameters[i])")
                } else if seconds >= options.seconds {
                    stop = .timeLimit
                }
                if stop != nil {
                    // Stopped inside the epoch (or at its end): record where.
                    let done = index + 1 == batchesPerEpoch
                    if done { epoch += 1 }
                    record(Double(epoch) + (done ? 0 : Double(index + 1) / Double(batchesPerEpoch)))
                    break training
                }
            }
            epoch += 1
            let isLast = options.epochs.map { epoch >= $0 } ?? false
            if isLast || recordsEpoch(epoch) { record(Double(epoch)) }
        }
        // The last point is always a record of the final state.
        if let last = records.last, last.updates != updates { record(Double(epoch)) }
        let termination = stop ?? .completedEpochs
        return TrainingResult(method: method.name, settings: method.settings, records: records, network: net,
                              lastRank: lastRank, termination: termination)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// The loss per data point over a whole data set, `(1/N) Σ_i |P(c_i, f(x_i; θ)) - y*_i|²`, in
/// chunks of 512 samples.
public struct LossEvaluator: Sendable {
    let problem: LearningProblem
    var batch: TrainingBatch
    let order: [Int]

    public init(problem: LearningProblem, network: DenseNetwork) {
        self.problem = problem
        batch = TrainingBatch(problem: problem, network: network, capacity: Swift.min(Trainer.evaluationChunk, problem.data.count))
        order = Array(0..<problem.data.count)
    }

    /// The loss per data point of `network` over the problem's data.
    ///
    /// - Precondition: `network` has the widths of the network the evaluator was made for and
    ///   its `DenseNetwork.parameterCount` parameters (``Trainer/train(_:method:from:options:progress:)``
    ///   checks both before it evaluates).
    public mutating func loss(of network: DenseNetwork) -> Double {
        let n = problem.data.count
        var total = 0.0
        var start = 0
        while start < n {
            let count = Swift.min(batch.capacity, n - start)
            batch.load(problem.data, order: order, start: start, count: count)
            batch.forwardNetwork(network)
            batch.evaluatePhysics()
            total += batch.loss * Double(count)
            start += count
        }
        return total / Double(n)
    }
}
