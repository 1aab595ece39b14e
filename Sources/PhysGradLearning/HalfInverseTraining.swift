import PhysGradLinearAlgebra
import PhysGradNetworks

/// Half-inverse gradients (HIG, Schnell, Holl & Thuerey 2022; the book's "Half-Inverse
/// Gradients"): network and physics inverted jointly, half way. Per batch, the Jacobian of
/// all `m = B · k` physics outputs with respect to all `P` network parameters,
///
///     J = ∂(P(c_i, f(x_i; θ)))_{i,r} / ∂θ        (m rows, sample after sample),
///
/// with singular value decomposition `J = U Σ Vᵀ`, gives a plain SGD step
///
///     Δθ = -η V Σ^(-1/2) Uᵀ (∂L/∂y)ᵀ,    ∂L/∂y_i = 2 (y_i - y*_i) / B,
///
/// over the singular values `σ > τ σ_max` (the others dropped). `J` is never built by finite
/// differences: each row is a reverse pass through the network seeded with a row of the
/// physics Jacobian, all rows at once. Two ways to decompose it (``Solver``):
///
/// - ``Solver/svd``: `J` is formed (`m × P`) and decomposed by LAPACK's `dgesdd`, then
///   `SingularValueDecomposition.pseudoInverseProduct(_:power:relativeTruncation:)` with
///   power 1/2: the book's algorithm, in float64. About `6 m² P` flops.
/// - ``Solver/gram`` (default): the `m × m` Gram matrix `G = J Jᵀ = U Σ² Uᵀ` is assembled from
///   the layers' factors without forming J (`DenseNetwork.parameterGram(seeds:seedsPerSample:count:workspace:into:)`),
///   decomposed in factored form (LAPACK `dsytrd` and `dstedc`,
///   `FactoredSymmetricEigendecomposition`), and since `V Σ^(-1/2) Uᵀ = Jᵀ U Σ^(-3/2) Uᵀ`, the
///   step is one backward pass with the cotangent `U Σ^(-3/2) Uᵀ ∂L/∂y = G^(-3/4) ∂L/∂y`. About `m² Σ n_l + 9 m³`
///   flops, a small fraction of the SVD's. The price: G's rounding (about `ε σ_max²`) hides
///   singular values below `sqrt(m ε) σ_max` (1.7e-7 σ_max for the oscillators' 128 rows),
///   whose directions in G are noise; they are dropped whatever τ says (``gramFloor(rows:)``;
///   the report's rank says how many were kept). The book's float32 SVD resolves singular values only
///   down to about `m ε_32 σ_max` ≈ 1e-5 σ_max.
///
/// The book's settings for the oscillators: learning rate 1, batch 32, truncation 1e-10.
public struct HalfInverseTraining: TrainingMethod {
    /// How the half-inverse is computed.
    public enum Solver: String, Sendable, Hashable, CaseIterable {
        /// Eigendecomposition of `J Jᵀ` assembled from the layers (no J).
        case gram
        /// `dgesdd` of the formed J.
        case svd
    }

    public var learningRate: Double
    public var batchSize: Int
    /// τ.
    public var relativeTruncation: Double
    public var solver: Solver

    public init(learningRate: Double = 1, batchSize: Int = 32, relativeTruncation: Double = 1e-10, solver: Solver = .gram) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.relativeTruncation = relativeTruncation
        self.solver = solver
    }

    public var name: String { "hig" }
    public var settings: [(name: String, value: SettingValue)] {
        [("optimizer", .text("sgd")), ("learning_rate", .number(learningRate)), ("batch_size", .integer(batchSize)),
         ("truncation", .number(relativeTruncation)), ("solver", .text(solver.rawValue))]
    }

    /// The smallest relative singular value the Gram solver keeps for `rows` rows:
    /// `sqrt(rows · ε)`.
    public static func gramFloor(rows: Int) -> Double { (Double(rows) * Double.ulpOfOne).squareRoot() }

    public func batchNeeds(for problem: LearningProblem) -> BatchNeeds {
        BatchNeeds(jacobianRowsPerSample: problem.physics.outputCount, gram: solver == .gram)
    }

    public func validate(for problem: LearningProblem) throws(TrainingError) {
        try validateBatchSize(for: problem)
        try requirePositive("hig learning rate", learningRate)
        guard relativeTruncation.isFinite && relativeTruncation >= 0 && relativeTruncation < 1 else {
            throw .invalidSetting(name: "hig truncation", value: "\(relativeTruncation)", reason: "must be in [0, 1)")
        }
    }

    /// With `m = B k` rows and `P` parameters: ``Solver/svd`` keeps J, its copy in the SVD, `Vᵀ`
    /// and `U`, about `8 (2 m P + min(m, P) (P + m) + 3 min(m, P)²)` bytes with LAPACK's
    /// workspace; ``Solver/gram`` keeps G and its eigenvectors, about `8 (3 m² + m n)` bytes. Both
    /// add the physics' Jacobian scratch (``TrainingPhysics/jacobianScratchBytes``).
    public func workingMemory(for problem: LearningProblem) -> Double {
        let m = Double(batchSize) * Double(problem.physics.outputCount), p = Double(problem.parameterCount)
        let r = Swift.min(m, p), n = Double(problem.physics.controlCount), k = Double(problem.physics.outputCount)
        let scratch = problem.physics.jacobianScratchBytes
        switch solver {
        case .svd: return 8 * (2 * m * p + r * (p + m) + 3 * r * r + m * k * n + 4 * m + p) + scratch
        case .gram: return 8 * (3 * m * m + m * n + 4 * m + p) + scratch
        }
    }

    /// The first-order work, plus for ``Solver/gram`` the Gram matrix (`2 m² Σ n_l`) and its
    /// eigendecomposition (`9 m³`), for ``Solver/svd`` J (`m P`) and its SVD (`6 m P min(m, P)`).
    public func flopsPerUpdate(for problem: LearningProblem) -> Double {
        let m = Double(batchSize) * Double(problem.physics.outputCount), p = Double(problem.parameterCount)
        let base = Double(batchSize) * (6 * p + 40 * Double(problem.physics.outputCount) * Double(problem.physics.controlCount))
        switch solver {
        case .gram: return base + 2 * m * m * problem.widths.dropFirst().reduce(0.0) { $0 + Double($1) } + 9 * m * m * m
        case .svd: return base + m * p + 6 * m * p * Swift.min(m, p)
        }
    }

    public struct State: Sendable {
        var jacobian: [Double]
        var gram: [Double]
        var seeds: [Double]
        var gradientInY: [Double]
        var coefficients: [Double]
    }

    public func makeState(for network: DenseNetwork, problem: LearningProblem) -> State {
        let k = problem.physics.outputCount, rows = batchSize * k
        return State(jacobian: solver == .svd ? [Double](repeating: 0, count: rows * network.parameterCount) : [],
                     gram: solver == .gram ? [Double](repeating: 0, count: rows * rows) : [],
                     seeds: [Double](repeating: 0, count: rows * problem.physics.controlCount),
                     gradientInY: [Double](repeating: 0, count: rows),
                     coefficients: [Double](repeating: 0, count: rows))
    }

    public func update(_ state: inout State, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport {
        // The state holds batchSize samples' rows; a batch may hold fewer (an epoch's last).
        try batch.check(for: name, network: network, jacobianRowsPerSample: batch.physics.outputCount, gram: solver == .gram,
                        maximumCount: batchSize)
        batch.forwardNetwork(network)
        batch.evaluatePhysics()
        batch.computePhysicsJacobians()
        let rows = batch.count * batch.physics.outputCount, p = network.parameterCount
        let scale = 2 / Double(batch.count)
        for e in 0..<rows { state.gradientInY[e] = scale * batch.residuals[e] }
        let gradientInY = rows == state.gradientInY.count ? state.gradientInY : Array(state.gradientInY[0..<rows])
        let rank: Int
        switch solver {
        case .svd:
            batch.stackedParameterJacobian(network, seeds: &state.seeds, into: &state.jacobian)
            let step: [Double]
            do {
                // The first rows · P numbers: the R × P Jacobian (leading dimension R) of this batch.
                let formed = rows * p == state.jacobian.count ? state.jacobian : Array(state.jacobian[0..<(rows * p)])
                let svd = try SingularValueDecomposition(Matrix(rows: rows, columns: p, columnMajor: formed))
                (step, rank) = try svd.pseudoInverseProduct(gradientInY, power: 0.5, relativeTruncation: relativeTruncation)
            } catch {
                throw .linearAlgebra("hig: the SVD of the \(rows) x \(p) Jacobian failed: \(error)")
            }
            let eta = learningRate
            for i in 0..<p { network.parameters[i] -= eta * step[i] }
        case .gram:
            batch.stackedParameterGram(network, seeds: &state.seeds, into: &state.gram)
            do {
                let formed = rows * rows == state.gram.count ? state.gram : Array(state.gram[0..<(rows * rows)])
                var eigen = try FactoredSymmetricEigendecomposition(Matrix(rows: rows, columns: rows, columnMajor: formed))
                let (c, kept) = try Self.halfInverseCoefficients(&eigen, gradientInY, relativeTruncation: relativeTruncation)
                for e in 0..<rows { state.coefficients[e] = c[e] }
                rank = kept
            } catch {
                throw .linearAlgebra("hig: the eigendecomposition of the \(rows) x \(rows) Gram matrix failed: \(error)")
            }
            // Δθ = Jᵀ c: one backward pass with ū_i = Σ_r c_(i,r) (row r of J_i).
            let n = batch.physics.controlCount, k = batch.physics.outputCount
            for i in 0..<batch.count {
                for c in 0..<n {
                    var sum = 0.0
                    for r in 0..<k { sum += state.coefficients[i * k + r] * state.seeds[(i * k + r) * n + c] }
                    batch.controlCotangent[i * n + c] = sum
                }
            }
            batch.backward(network)
            let eta = learningRate
            network.parameters.withUnsafeMutableBufferPointer { theta in
                batch.gradient.withUnsafeBufferPointer { g in
                    for i in 0..<p { theta[i] -= eta * g[i] }
                }
            }
        }
        return UpdateReport(rank: rank)
    }

    /// `c = U Σ^(-3/2) Uᵀ g` from the eigendecomposition `G = U Λ Uᵀ` of `J Jᵀ` (`σ_i = sqrt(λ_i)`,
    /// so `Σ^(-3/2) = Λ^(-3/4)`), over `σ_i > max(τ, gramFloor(m)) σ_max`; and the number kept.
    static func halfInverseCoefficients(
        _ eigen: inout FactoredSymmetricEigendecomposition, _ g: [Double], relativeTruncation: Double
    ) throws(LinearAlgebraError) -> ([Double], Int) {
        guard let lambdaMax = eigen.eigenvalues.last, lambdaMax > 0 else { return ([Double](repeating: 0, count: g.count), 0) }
        let relative = Swift.max(relativeTruncation, gramFloor(rows: g.count))
        let threshold = relative * relative * lambdaMax
        let kept = eigen.eigenvalues.reduce(0) { $0 + ($1 > threshold ? 1 : 0) }
        let c = try eigen.apply(g) { lambda in lambda > threshold ? 1 / (lambda * lambda.squareRoot()).squareRoot() : 0 }
        return (c, kept)
    }
}
