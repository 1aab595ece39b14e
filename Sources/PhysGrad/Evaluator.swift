import PhysGradDerivatives
import PhysGradLinearAlgebra

/// How many evaluations a run cost, by kind.
public struct EvaluationCounts: Sendable, Hashable, Codable {
    /// Values of L(y(x)) alone.
    public var losses = 0
    /// Gradients ∇ₓL (each also gives the value).
    public var gradients = 0
    /// Hessians (dense, or the diagonal of a diagonal one) of L in x or in y.
    public var hessians = 0
    /// Evaluations of the model y(x).
    public var models = 0
    /// Calls of the inverse simulator (analytic or numerical).
    public var inverseSolves = 0
    /// Objective evaluations made inside numerical inverses (L-BFGS-B's nfev, summed).
    public var inverseEvaluations = 0
    /// Iterations made inside numerical inverses (L-BFGS-B's nit, summed).
    public var inverseIterations = 0
    /// Jacobians ∂y/∂x of the model (Gauss-Newton, Levenberg-Marquardt, IG, HIG).
    public var jacobians = 0

    public init() {}
}

/// A value of the Hessian in one of the declared structures.
public enum StructuredHessian: Sendable {
    case dense(Matrix)
    /// The diagonal of a diagonal Hessian.
    case diagonal([Double])
    /// The band of a banded Hessian.
    case banded(SymmetricBandedMatrix)

    /// `true` when every entry is finite.
    public var isFinite: Bool {
        switch self {
        case .dense(let h): return h.isFinite
        case .diagonal(let d): return Vector.allFinite(d)
        case .banded(let b): return b.isFinite
        }
    }
}

/// A problem as a method sees it during a run: every evaluation goes through here and is
/// counted. Holds its own copy of the problem (and so its own scratch space).
public struct ProblemEvaluator: Sendable {
    public private(set) var problem: InverseProblem
    /// What the method has evaluated so far.
    public internal(set) var counts = EvaluationCounts()
    /// When the run must end (from ``RunOptions/timeLimit``); `nil` for no limit.
    public internal(set) var deadline: ContinuousClock.Instant?

    public init(_ problem: InverseProblem) {
        self.problem = problem
    }

    /// `true` once the run's time limit has passed.
    public var timeIsUp: Bool {
        guard let deadline else { return false }
        return ContinuousClock.now >= deadline
    }

    /// Seconds left before the time limit (at least a microsecond), or `nil` without a limit.
    public var remainingSeconds: Double? {
        guard let deadline else { return nil }
        let d = (deadline - ContinuousClock.now).components
        return Swift.max(1e-6, Double(d.seconds) + Double(d.attoseconds) * 1e-18)
    }

    /// Throws ``StepFailure`` with ``TerminationReason/timeLimit`` once the time limit has
    /// passed: methods call it between the evaluations of one step (trial points, damping
    /// updates), so that a limit holds inside a step too.
    public func checkDeadline() throws(StepFailure) {
        if timeIsUp { throw StepFailure(.timeLimit) }
    }

    public var dimension: Int { problem.dimension }
    public var outputDimension: Int { problem.outputDimension }

    /// L(y(x)).
    public mutating func loss(at x: [Double]) -> Double {
        counts.losses += 1
        return problem.objective.value(at: x)
    }

    /// L(y(x)), with ∇ₓL written into `gradient`.
    public mutating func lossAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        counts.gradients += 1
        return problem.objective.valueAndGradient(at: x, gradient: &gradient)
    }

    /// L(y(x)), with ∇ₓL written into `gradient`; the allocation-free form for inner loops.
    public mutating func lossAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        counts.gradients += 1
        return problem.objective.valueAndGradient(at: x, gradient: gradient)
    }

    /// `shouldStop` for derivative builds: `true` once the time limit has passed.
    private var deadlinePassed: () -> Bool {
        let deadline = deadline
        return { deadline.map { ContinuousClock.now >= $0 } ?? false }
    }

    /// ∇²ₓL(y(x)) in the problem's declared structure (a band from `2 bandwidth + 1` compressed
    /// Hessian-vector products). A dense build stops between its column passes once the time
    /// limit has passed (objectives that support it, as the array-level ones do).
    ///
    /// - Throws: ``StepFailure`` with ``TerminationReason/timeLimit`` when the build was stopped.
    public mutating func objectiveHessian(at x: [Double]) throws(StepFailure) -> StructuredHessian {
        counts.hessians += 1
        switch problem.objectiveHessianStructure {
        case .dense:
            var h = Matrix(rows: 0, columns: 0)
            guard problem.objective.hessian(at: x, into: &h, shouldStop: deadlinePassed) else { throw StepFailure(.timeLimit) }
            return .dense(h)
        case .diagonal:
            return .diagonal(problem.objective.hessianVectorProduct(at: x, direction: [Double](repeating: 1, count: x.count)))
        case .banded(let b):
            let coloring = ColumnColoring.banded(columns: x.count, lower: b, upper: b)
            let products = problem.compressedObjectiveHessian?(x, coloring) ?? problem.objective.compressedHessian(at: x, coloring: coloring)
            guard products.rows == x.count, products.columns == coloring.count else {
                throw StepFailure(.invalidInput("compressedObjectiveHessian gave \(products.rows) x \(products.columns) products, expected \(x.count) x \(coloring.count)"))
            }
            return .banded(SymmetricBandedMatrix(order: x.count, bandwidth: b, compressed: products))
        }
    }

    /// The dense ∇²ₓL(y(x)) written into `h`, reusing its storage (for Newton steps on problems
    /// without a declared structure). The build stops between its column passes once the time
    /// limit has passed (objectives that support it, as the array-level ones do).
    ///
    /// - Throws: ``StepFailure`` with ``TerminationReason/timeLimit`` when the build was stopped.
    public mutating func objectiveHessian(at x: [Double], into h: inout Matrix) throws(StepFailure) {
        counts.hessians += 1
        guard problem.objective.hessian(at: x, into: &h, shouldStop: deadlinePassed) else { throw StepFailure(.timeLimit) }
    }

    /// y(x).
    public mutating func model(at x: [Double]) -> [Double] {
        counts.models += 1
        return problem.model.value(at: x)
    }

    /// y(x) written into `y` (k entries), without allocating when the model writes in place.
    public mutating func model(at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        counts.models += 1
        problem.model.value(at: x, into: y)
    }

    /// The k × n Jacobian ∂y/∂x of the model at x (a declared band or periodic band computed
    /// compressed, then expanded). A dense build stops between its column passes once the time
    /// limit has passed (models that support it, as the array-level ones do).
    ///
    /// - Throws: ``StepFailure`` with ``TerminationReason/timeLimit`` when the build was stopped.
    public mutating func jacobian(at x: [Double]) throws(StepFailure) -> Matrix {
        if let band = try bandedJacobian(at: x) { return band.dense }
        if let j = try periodicBandedJacobian(at: x) { return j }
        counts.jacobians += 1
        guard let j = problem.model.jacobian(at: x, shouldStop: deadlinePassed) else { throw StepFailure(.timeLimit) }
        return j
    }

    /// The Jacobian ∂y/∂x in its declared band, from `lower + upper + 1` compressed products
    /// (``InverseProblem/compressedJacobian``, else one JVP per colour); `nil` when the problem
    /// declares no band (``InverseProblem/jacobianStructure``).
    ///
    /// - Throws: ``StepFailure`` with ``TerminationReason/invalidInput(_:)`` when the products do not
    ///   have k rows and one column per colour.
    public mutating func bandedJacobian(at x: [Double]) throws(StepFailure) -> BandedMatrix? {
        guard case .banded(let lower, let upper) = problem.jacobianStructure else { return nil }
        counts.jacobians += 1
        let k = problem.outputDimension, n = x.count
        // The band as stored (clamped to the shape), whose colours the decompression assumes.
        let l = Swift.max(0, Swift.min(lower, k - 1)), u = Swift.max(0, Swift.min(upper, n - 1))
        let coloring = ColumnColoring.banded(columns: n, lower: l, upper: u)
        let products = problem.compressedJacobian?(x, coloring) ?? problem.model.compressedJacobian(at: x, coloring: coloring)
        guard products.rows == k, products.columns == coloring.count else {
            throw StepFailure(.invalidInput("the compressed Jacobian has \(products.rows) x \(products.columns) products, expected \(k) x \(coloring.count)"))
        }
        return BandedMatrix(rows: k, columns: n, lower: l, upper: u, compressed: products)
    }

    /// The dense Jacobian of a declared periodic band (``JacobianStructure/periodicBanded(lower:upper:)``)
    /// from the compressed products of `ColumnColoring.periodicBanded(columns:lower:upper:)`
    /// (``InverseProblem/compressedJacobian``, else one JVP per colour), the entries outside the
    /// band zero; `nil` when the problem declares no periodic band.
    ///
    /// - Throws: ``StepFailure`` with ``TerminationReason/invalidInput(_:)`` when k ≠ n or the
    ///   products do not have k rows and one column per colour.
    public mutating func periodicBandedJacobian(at x: [Double]) throws(StepFailure) -> Matrix? {
        guard case .periodicBanded(let lower, let upper) = problem.jacobianStructure else { return nil }
        let k = problem.outputDimension, n = x.count
        guard k == n else { throw StepFailure(.invalidInput("a periodic band needs k = n, got k = \(k), n = \(n)")) }
        counts.jacobians += 1
        let coloring = ColumnColoring.periodicBanded(columns: n, lower: lower, upper: upper)
        let products = problem.compressedJacobian?(x, coloring) ?? problem.model.compressedJacobian(at: x, coloring: coloring)
        guard products.rows == k, products.columns == coloring.count else {
            throw StepFailure(.invalidInput("the compressed Jacobian has \(products.rows) x \(products.columns) products, expected \(k) x \(coloring.count)"))
        }
        var j = Matrix(rows: k, columns: n)
        // Column c's rows c - upper ... c + lower around the ring (every row when the band covers it).
        let below = Swift.min(Swift.max(lower, 0), n - 1), above = Swift.min(Swift.max(upper, 0), n - 1 - below)
        for c in 0..<n {
            let colour = coloring.colors[c]
            var i = c - above
            if i < 0 { i += n }
            for _ in 0...(below + above) {
                j[i, c] = products[i, colour]
                i += 1
                if i == n { i = 0 }
            }
        }
        return j
    }

    /// The residual r(x) = y(x) - t of a least-squares problem (L = |r|², t its
    /// ``InverseProblem/leastSquaresTarget``), and L = |r|². One model evaluation.
    public mutating func residual(at x: [Double]) -> (residual: [Double], loss: Double) {
        counts.models += 1
        var r = problem.model.value(at: x)
        let t = problem.leastSquaresTarget ?? []
        var loss = 0.0
        if r.count == t.count {
            for i in r.indices {
                r[i] -= t[i]
                loss += r[i] * r[i]
            }
        } else {
            loss = .nan
        }
        return (r, loss)
    }

    /// L(y) with ∇_y L, for a point in y-space.
    public mutating func lossInY(at y: [Double], gradient: inout [Double]) -> Double {
        counts.gradients += 1
        return problem.loss.valueAndGradient(at: y, gradient: &gradient)
    }

    /// ∇²_y L(y) in the problem's declared structure.
    public mutating func lossHessianInY(at y: [Double]) -> StructuredHessian {
        counts.hessians += 1
        switch problem.lossHessianStructure {
        case .dense:
            return .dense(problem.loss.hessian(at: y))
        case .diagonal:
            return .diagonal(problem.loss.hessianVectorProduct(at: y, direction: [Double](repeating: 1, count: y.count)))
        case .banded(let b):
            let coloring = ColumnColoring.banded(columns: y.count, lower: b, upper: b)
            return .banded(SymmetricBandedMatrix(order: y.count, bandwidth: b, compressed: problem.loss.compressedHessian(at: y, coloring: coloring)))
        }
    }

    mutating func recordInverse(evaluations: Int, iterations: Int) {
        counts.inverseSolves += 1
        counts.inverseEvaluations += evaluations
        counts.inverseIterations += iterations
    }
}
