import PhysGradNetworks

/// `a · b`, or `Int.max` when the product overflows (for sizes that are only estimated).
func saturatingProduct(_ a: Int, _ b: Int) -> Int {
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? .max : p
}

/// One mini-batch and the buffers its update works in, reused from batch to batch (made once
/// per run, sized for the method's batch size; nothing is allocated per update).
///
/// The steps a method combines:
/// - ``forwardNetwork(_:)``: `u_i = f(x_i; θ)` for the batch (BLAS, activations kept for the
///   backward passes);
/// - ``evaluatePhysics()``: `y_i = P(c_i, u_i)`, the residuals `r_i = y_i - y*_i` and the
///   batch loss `L = (1/B) Σ_i |r_i|²` (``loss``), the loss per data point;
/// - ``computePhysicsJacobians()``: `J_i = ∂P/∂u (c_i, u_i)`;
/// - ``pullBackLoss()``: `ū_i = (∂L/∂u_i) = J_iᵀ (2 r_i / B)` through the physics' pullback;
/// - ``backward(_:)``: the parameter gradient `Σ_i (∂u_i/∂θ)ᵀ ū_i` (``gradient``).
public struct TrainingBatch: Sendable {
    public let physics: any TrainingPhysics
    /// The samples in the current batch.
    public internal(set) var count = 0
    /// The most samples per batch.
    public let capacity: Int
    let inputWidth: Int, conditionWidth: Int
    var inputs: [Double]
    var conditions: [Double]
    var targets: [Double]
    /// `u_i`, ``TrainingPhysics/controlCount`` per sample.
    public internal(set) var controls: [Double]
    /// `y_i`.
    public internal(set) var outputs: [Double]
    /// `r_i = y_i - y*_i`.
    public internal(set) var residuals: [Double]
    var scaledResiduals: [Double]
    /// `J_i`, column-major `k × n` per sample (at `i · k · n`).
    public internal(set) var jacobians: [Double]
    /// The cotangent of the controls that ``backward(_:)`` propagates (`n` per sample).
    public var controlCotangent: [Double]
    /// The parameter gradient of the last ``backward(_:)``.
    public internal(set) var gradient: [Double]
    /// The batch's loss per data point at the parameters before the update.
    public internal(set) var loss = Double.nan
    /// Whether ``evaluatePhysics()`` ran since the batch was loaded (``loss`` is NaN before).
    public internal(set) var physicsEvaluated = false
    var workspace: NetworkWorkspace
    /// The widths of the network the buffers were made for.
    let networkWidths: [Int]

    /// Buffers for batches of up to `capacity` samples of `problem`, for `network`, with room for
    /// `jacobianRows` rows of the stacked parameter Jacobian.
    ///
    /// - Precondition: `capacity >= 1`, `jacobianRows >= 0`, `network` the problem's network, and
    ///   ``bytes(problem:capacity:jacobianRows:gram:)`` within memory (``Trainer`` checks the batch
    ///   size, `1 ... min(Trainer.maximumBatchSize, N)`).
    public init(problem: LearningProblem, network: DenseNetwork, capacity: Int, jacobianRows: Int = 0, gram: Bool = false) {
        physics = problem.physics
        self.capacity = capacity
        inputWidth = problem.data.inputWidth
        conditionWidth = problem.data.conditionWidth
        let n = physics.controlCount, k = physics.outputCount
        inputs = [Double](repeating: 0, count: capacity * inputWidth)
        conditions = [Double](repeating: 0, count: capacity * conditionWidth)
        targets = [Double](repeating: 0, count: capacity * k)
        controls = [Double](repeating: 0, count: capacity * n)
        outputs = [Double](repeating: 0, count: capacity * k)
        residuals = outputs
        scaledResiduals = outputs
        jacobians = [Double](repeating: 0, count: capacity * k * n)
        controlCotangent = controls
        gradient = [Double](repeating: 0, count: network.parameterCount)
        workspace = NetworkWorkspace(for: network, capacity: capacity, jacobianRows: jacobianRows, gram: gram)
        networkWidths = network.widths
    }

    /// Throws unless a batch is loaded and the buffers fit `network` and an update that needs
    /// `jacobianRowsPerSample` rows per sample (with `gram`, the Gram scratch) for at most
    /// `maximumCount` samples: the checks that spare the updates the passes' preconditions.
    func check(for method: String, network: DenseNetwork, jacobianRowsPerSample: Int = 0, gram: Bool = false,
               maximumCount: Int = .max) throws(TrainingError) {
        guard count >= 1 else { throw .invalidSetting(name: "\(method) batch", value: "empty", reason: "load samples first") }
        guard count <= maximumCount else {
            throw .invalidSetting(name: "\(method) batch", value: "\(count) samples", reason: "the method's batch size is \(maximumCount)")
        }
        guard network.widths == networkWidths, network.parameters.count == network.parameterCount,
              gradient.count == network.parameterCount else {
            throw .invalidSetting(name: "\(method) batch", value: "for network \(networkWidths)",
                                  reason: "the network \(network.widths) with \(network.parameters.count) parameters is not the one the batch was made for")
        }
        guard count * jacobianRowsPerSample <= workspace.jacobianRows, !gram || jacobianRowsPerSample == 0 || workspace.supportsGram else {
            throw .invalidSetting(name: "\(method) batch", value: "\(workspace.jacobianRows) Jacobian rows\(gram && !workspace.supportsGram ? ", no Gram scratch" : "")",
                                  reason: "the update needs \(count * jacobianRowsPerSample)\(gram ? " with the Gram scratch" : ""): make the batch with init(problem:network:method:)")
        }
    }

    /// The buffers for `method`'s batches on `problem`.
    public init<M: TrainingMethod>(problem: LearningProblem, network: DenseNetwork, method: M) {
        let needs = method.batchNeeds(for: problem)
        self.init(problem: problem, network: network, capacity: method.batchSize,
                  jacobianRows: method.batchSize * needs.jacobianRowsPerSample, gram: needs.gram)
    }

    /// The bytes of a batch's buffers (not counting a method's own).
    public static func bytes(problem: LearningProblem, capacity: Int, jacobianRows: Int = 0, gram: Bool = false) -> Double {
        let n = Double(problem.physics.controlCount), k = Double(problem.physics.outputCount)
        let d = problem.data
        let perSample = Double(d.inputWidth) + Double(d.conditionWidth) + 4 * k + 2 * n + k * n
        return 8 * Double(capacity) * perSample + 8 * Double(problem.parameterCount)
            + NetworkWorkspace.bytes(widths: problem.widths, capacity: capacity, jacobianRows: jacobianRows, gram: gram)
    }

    /// Loads samples `order[start ..< start + count]` of `data` as the current batch.
    ///
    /// - Precondition: `1 <= count <= capacity`, the indices within the data set, `data` the
    ///   problem's data set (the widths the batch was made for).
    public mutating func load(_ data: TrainingData, order: [Int], start: Int, count: Int) {
        precondition(count >= 1 && count <= capacity)
        self.count = count
        let k = physics.outputCount
        for b in 0..<count {
            let i = order[start + b]
            for j in 0..<inputWidth { inputs[b * inputWidth + j] = data.inputs[i * inputWidth + j] }
            for j in 0..<conditionWidth { conditions[b * conditionWidth + j] = data.conditions[i * conditionWidth + j] }
            for j in 0..<k { targets[b * k + j] = data.targets[i * k + j] }
        }
        loss = .nan
        physicsEvaluated = false
    }

    /// `u_i = f(x_i; θ)` for the batch.
    public mutating func forwardNetwork(_ network: DenseNetwork) {
        let count = self.count
        inputs.withUnsafeBufferPointer { x in
            controls.withUnsafeMutableBufferPointer { u in
                network.forward(x, count: count, workspace: &workspace, output: u)
            }
        }
    }

    /// `y_i = P(c_i, u_i)`, `r_i = y_i - y*_i`, and ``loss`` `= (1/B) Σ |r_i|²`.
    public mutating func evaluatePhysics() {
        let physics = self.physics, count = self.count
        let k = physics.outputCount
        var total = 0.0
        conditions.withUnsafeBufferPointer { cp in
            controls.withUnsafeBufferPointer { up in
                outputs.withUnsafeMutableBufferPointer { yp in
                    physics.evaluate(conditions: cp, controls: up, count: count, outputs: yp)
                }
            }
        }
        for e in 0..<(count * k) {
            let r = outputs[e] - targets[e]
            residuals[e] = r
            total += r * r
        }
        loss = total / Double(count)
        physicsEvaluated = true
    }

    /// `J_i = ∂P/∂u` at every sample of the batch.
    public mutating func computePhysicsJacobians() {
        let physics = self.physics, count = self.count
        conditions.withUnsafeBufferPointer { cp in
            controls.withUnsafeBufferPointer { up in
                jacobians.withUnsafeMutableBufferPointer { jp in
                    physics.jacobian(conditions: cp, controls: up, count: count, into: jp)
                }
            }
        }
    }

    /// ``controlCotangent`` `= ∂L/∂u_i = (∂P/∂u)ᵀ (2 r_i / B)`: backpropagation through the
    /// simulator (after ``evaluatePhysics()``).
    public mutating func pullBackLoss() {
        let physics = self.physics, count = self.count
        let scale = 2 / Double(count)
        for e in 0..<(count * physics.outputCount) { scaledResiduals[e] = scale * residuals[e] }
        conditions.withUnsafeBufferPointer { cp in
            controls.withUnsafeBufferPointer { up in
                scaledResiduals.withUnsafeBufferPointer { yp in
                    controlCotangent.withUnsafeMutableBufferPointer { gp in
                        physics.pullback(conditions: cp, controls: up, cotangents: yp, count: count, into: gp)
                    }
                }
            }
        }
    }

    /// ``gradient`` `= Σ_i (∂u_i/∂θ)ᵀ ū_i` with `ū` = ``controlCotangent`` (after
    /// ``forwardNetwork(_:)`` of the same batch).
    public mutating func backward(_ network: DenseNetwork) {
        let count = self.count
        controlCotangent.withUnsafeBufferPointer { cp in
            gradient.withUnsafeMutableBufferPointer { gp in
                network.backward(outputCotangent: cp, count: count, workspace: &workspace, gradient: gp)
            }
        }
    }

    /// The Gram matrix `J Jᵀ` (`B k × B k`, column-major) of the stacked Jacobian of
    /// ``stackedParameterJacobian(_:seeds:into:)``, without forming J
    /// (`DenseNetwork.parameterGram(seeds:seedsPerSample:count:workspace:into:)`); `seeds` is
    /// scratch of `B k n` numbers and keeps the seeds (rows of the `J_i`) on return.
    public mutating func stackedParameterGram(_ network: DenseNetwork, seeds: inout [Double], into gram: inout [Double]) {
        let k = physics.outputCount, count = self.count
        fillSeeds(&seeds)
        seeds.withUnsafeBufferPointer { sp in
            gram.withUnsafeMutableBufferPointer { gp in
                network.parameterGram(seeds: sp, seedsPerSample: k, count: count, workspace: &workspace, into: gp)
            }
        }
    }

    /// Seed (i, r) = row r of J_i, `n` numbers at `(i k + r) n`.
    func fillSeeds(_ seeds: inout [Double]) {
        let n = physics.controlCount, k = physics.outputCount
        for i in 0..<count {
            for r in 0..<k {
                for c in 0..<n { seeds[(i * k + r) * n + c] = jacobians[i * k * n + r + c * k] }
            }
        }
    }

    /// The stacked Jacobian `∂P(c_i, f(x_i; θ))/∂θ` of the batch (after ``forwardNetwork(_:)``
    /// and ``computePhysicsJacobians()``): `B k` rows (sample i's k outputs at rows
    /// `i k ..< (i + 1) k`) by `DenseNetwork.parameterCount` columns, column-major, written to
    /// `jacobian`; `seeds` is scratch of `B k n` numbers.
    public mutating func stackedParameterJacobian(
        _ network: DenseNetwork, seeds: inout [Double], into jacobian: inout [Double]
    ) {
        let k = physics.outputCount, count = self.count
        fillSeeds(&seeds)
        seeds.withUnsafeBufferPointer { sp in
            jacobian.withUnsafeMutableBufferPointer { jp in
                network.parameterJacobian(seeds: sp, seedsPerSample: k, count: count, workspace: &workspace, into: jp)
            }
        }
    }
}
