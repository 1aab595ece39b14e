import PhysGradLinearAlgebra
import PhysGradNetworks

/// Scale-invariant physics training (SIP, Holl, Koltun & Thuerey 2022; the book's "Scale
/// Invariant Physics Training"). Per sample of the batch:
///
/// 1. a Newton step for the loss in y: `Δy_i = η (y*_i - y_i)` (the loss is quadratic in y, so
///    `η = 1` is its full Newton step);
/// 2. the inverse simulator turns it into a new target for the network's output,
///    `x̃_i = u_i + J_i⁺ Δy_i` with the pseudo-inverse of `J_i = ∂P/∂u` through its SVD,
///    singular values below `τ · σ_max` dropped (``Inverse/pseudoInverse(relativeTruncation:)``),
///    or by a saddle-free Newton step on `½|P - y*|²`, `x̃_i = u_i - η |H_i|⁺ J_iᵀ r_i` with
///    `H_i = J_iᵀ J_i + Σ_j r_ij ∇²P_j` and `|H|` its eigendecomposition with absolute
///    eigenvalues (``Inverse/saddleFreeNewton(relativeTruncation:maximumLossChange:)``, the SIP paper's inverse for
///    its sine example; it needs the physics' curvature);
///
/// then the network is trained on the proxy loss `(1/B) Σ_i ½ |u_i - x̃_i|²` (x̃ held constant)
/// with an ``AdamRule`` step. For linear physics such as the oscillators both inverses give the
/// minimum-norm control change that meets the target exactly.
///
/// The book's settings for the oscillators: Adam 1e-3, batch 256, truncation 1e-5. (Its notebook
/// inverts the loss gradient `2 (y - y*) / B` instead of `y* - y`: the same direction at `2/B`
/// of the length, which Adam's normalization makes equivalent up to its `eps`.)
public struct ScaleInvariantTraining: TrainingMethod {
    /// How x̃ is computed from the physics.
    public enum Inverse: Sendable, Hashable {
        /// `x̃ = u + J⁺ Δy`, truncated SVD.
        case pseudoInverse(relativeTruncation: Double)
        /// `x̃ = u - η |H|⁺ Jᵀ r`, eigenvalues `|λ| <= τ max|λ|` dropped. With
        /// `maximumLossChange` = c, the step along an eigenvector whose eigenvalue is not above
        /// the geometric mean of the `|λ|` (flat or negatively curved directions) is at most
        /// `c / |gᵀv|` long, so that it changes the loss by about c at most (the SIP paper's
        /// limiter for its sine example, c = 0.2).
        case saddleFreeNewton(relativeTruncation: Double, maximumLossChange: Double? = nil)

        var truncation: Double {
            switch self {
            case .pseudoInverse(let t), .saddleFreeNewton(let t, _): return t
            }
        }
    }

    public var rule: AdamRule
    public var batchSize: Int
    public var inverse: Inverse
    /// η of the y-space Newton step.
    public var stepInY: Double

    public init(learningRate: Double = 1e-3, batchSize: Int = 256,
                inverse: Inverse = .pseudoInverse(relativeTruncation: 1e-5), stepInY: Double = 1) {
        rule = AdamRule(learningRate: learningRate)
        self.batchSize = batchSize
        self.inverse = inverse
        self.stepInY = stepInY
    }

    public var name: String { "sip" }
    public var settings: [(name: String, value: SettingValue)] {
        let kind: String
        switch inverse {
        case .pseudoInverse: kind = "pseudo-inverse"
        case .saddleFreeNewton: kind = "saddle-free-newton"
        }
        var list: [(name: String, value: SettingValue)] = [
            ("optimizer", .text("adam")), ("learning_rate", .number(rule.learningRate)),
            ("batch_size", .integer(batchSize)), ("inverse", .text(kind)),
            ("truncation", .number(inverse.truncation)), ("step_in_y", .number(stepInY)),
            ("b1", .number(rule.b1)), ("b2", .number(rule.b2)), ("eps", .number(rule.eps))]
        if case .saddleFreeNewton(_, let c?) = inverse { list.append(("maximum_loss_change", .number(c))) }
        return list
    }

    public func validate(for problem: LearningProblem) throws(TrainingError) {
        try validateBatchSize(for: problem)
        try rule.validate()
        try requirePositive("sip step in y", stepInY)
        let t = inverse.truncation
        guard t.isFinite && t >= 0 && t < 1 else {
            throw .invalidSetting(name: "sip truncation", value: "\(t)", reason: "must be in [0, 1)")
        }
        if case .saddleFreeNewton(_, let c?) = inverse, !(c.isFinite && c > 0) {
            throw .invalidSetting(name: "sip maximum loss change", value: "\(c)", reason: "must be finite and positive")
        }
        if case .saddleFreeNewton = inverse, !problem.physics.providesCurvature {
            throw .unsupported(method: name, reason: "the saddle-free Newton inverse needs the curvature of \(problem.physics.name), which it does not provide")
        }
    }

    public func workingMemory(for problem: LearningProblem) -> Double {
        let n = Double(problem.physics.controlCount), k = Double(problem.physics.outputCount)
        // Adam's moments; per sample one SVD (k × n) or one n × n eigendecomposition; the physics'
        // Jacobian scratch.
        return 16 * Double(problem.parameterCount) + 8 * (3 * n * n + 3 * k * n + 4 * n) + problem.physics.jacobianScratchBytes
    }

    /// The first-order work plus one small decomposition per sample (`30 n³` flops, generous).
    public func flopsPerUpdate(for problem: LearningProblem) -> Double {
        let n = Double(problem.physics.controlCount)
        return Double(batchSize) * (6 * Double(problem.parameterCount) + 30 * n * n * n)
    }

    public struct State: Sendable {
        var adam: AdamRule.State
    }

    public func makeState(for network: DenseNetwork, problem: LearningProblem) -> State {
        State(adam: AdamRule.State(count: network.parameterCount))
    }

    public func update(_ state: inout State, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport {
        try batch.check(for: name, network: network)
        batch.forwardNetwork(network)
        batch.evaluatePhysics()
        batch.computePhysicsJacobians()
        let n = batch.physics.controlCount, k = batch.physics.outputCount, count = batch.count
        let scale = 1 / Double(count)
        var smallestRank = Int.max
        for i in 0..<count {
            let j = Matrix(rows: k, columns: n, columnMajor: Array(batch.jacobians[(i * k * n)..<((i + 1) * k * n)]))
            let residual = Array(batch.residuals[(i * k)..<((i + 1) * k)])
            let (step, rank) = try inverseStep(j, residual: residual, sample: i, batch: batch)
            smallestRank = Swift.min(smallestRank, rank)
            // ∂/∂u_i of (1/B) ½|u_i - x̃_i|² = (u_i - x̃_i)/B = -step/B.
            for c in 0..<n { batch.controlCotangent[i * n + c] = -scale * step[c] }
        }
        batch.backward(network)
        rule.apply(batch.gradient, to: &network.parameters, state: &state.adam)
        return UpdateReport(rank: smallestRank)
    }

    /// `x̃_i - u_i` for sample i.
    func inverseStep(_ j: Matrix, residual r: [Double], sample i: Int, batch: TrainingBatch) throws(TrainingError) -> ([Double], Int) {
        do {
            switch inverse {
            case .pseudoInverse(let tau):
                let svd = try SingularValueDecomposition(j)
                return try svd.pseudoInverseProduct(r.map { -stepInY * $0 }, power: 1, relativeTruncation: tau)
            case .saddleFreeNewton(let tau, let limit):
                let n = j.columns, c = batch.conditionWidth
                var curvature = [Double](repeating: 0, count: n * n)
                batch.conditions.withUnsafeBufferPointer { cp in
                    batch.controls.withUnsafeBufferPointer { up in
                        r.withUnsafeBufferPointer { rp in
                            curvature.withUnsafeMutableBufferPointer { hp in
                                batch.physics.curvature(condition: UnsafeBufferPointer(rebasing: cp[(i * c)..<(i * c + c)]),
                                                        control: UnsafeBufferPointer(rebasing: up[(i * n)..<(i * n + n)]),
                                                        residual: rp, into: hp)
                            }
                        }
                    }
                }
                // H = JᵀJ + curvature, g = Jᵀ r.
                var h = try j.transposed() * j
                h = try h + Matrix(rows: n, columns: n, columnMajor: curvature)
                let g = try j.transposed() * r
                let eig = try SymmetricEigendecomposition(h)
                let magnitudes = eig.eigenvalues.map(abs)
                let largest = magnitudes.max() ?? 0
                // The geometric mean of |λ| (the limiter's threshold).
                let mean = Double.exp(magnitudes.reduce(0) { $0 + Double.log($1) } / Double(n))
                var step = [Double](repeating: 0, count: n)
                var rank = 0
                for (e, lambda) in eig.eigenvalues.enumerated() where abs(lambda) > tau * largest && largest > 0 {
                    let v = eig.eigenvectors.column(e)
                    let gv = zip(v, g).reduce(0) { $0 + $1.0 * $1.1 }
                    var length = stepInY * abs(gv) / abs(lambda)
                    if let limit, !(lambda > mean), gv != 0 { length = Swift.min(length, limit / abs(gv)) }
                    let coefficient = gv > 0 ? -length : length
                    for c in 0..<n { step[c] += coefficient * v[c] }
                    rank += 1
                }
                return (step, rank)
            }
        } catch {
            throw .linearAlgebra("sip inverse of sample \(i): \(error)")
        }
    }
}
