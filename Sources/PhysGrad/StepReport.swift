/// How one step solved its linear system.
public enum LinearSolve: Sendable, Hashable, Codable {
    /// Cholesky of the (Gauss-Newton) Hessian as it is: positive definite and well conditioned.
    case cholesky
    /// Cholesky of `H + τI`: `H` was not positive definite or nearly singular, and was shifted.
    case shiftedCholesky(shift: Double)
    /// `H` was not positive definite and the exact Newton step came from LU (``HessianPolicy/exact``).
    case luFallback
    /// A least-squares solve through QR with column pivoting, with `rank` of `columns` columns kept.
    case qr(rank: Int, columns: Int)
    /// A truncated SVD keeping `rank` of `count` singular values.
    case svd(rank: Int, count: Int)
    /// A damped least-squares solve through the bidiagonal decomposition of a Jacobian with
    /// `columns` columns, all of them kept (full column rank).
    case bidiagonal(columns: Int)
    /// A diagonal system (a declared diagonal Hessian), possibly shifted by `shift`.
    case diagonal(shift: Double)

    /// A short code: "cholesky", "shifted-cholesky", "lu-fallback", "qr", "svd", "bidiagonal", "diagonal".
    public var code: String {
        switch self {
        case .cholesky: return "cholesky"
        case .shiftedCholesky: return "shifted-cholesky"
        case .luFallback: return "lu-fallback"
        case .qr: return "qr"
        case .svd: return "svd"
        case .bidiagonal: return "bidiagonal"
        case .diagonal: return "diagonal"
        }
    }
}

/// What the numerical inverse of one PG step did.
public struct InverseSolveReport: Sendable, Hashable, Codable {
    /// L-BFGS-B's iterations.
    public var iterations: Int
    /// L-BFGS-B's evaluations of φ (finite-difference evaluations included).
    public var evaluations: Int
    /// L-BFGS-B's termination code (`converged-projected-gradient`, `line-search-failed`, ...).
    public var termination: String
    /// `true` when L-BFGS-B stopped on one of its convergence tests.
    public var converged: Bool
    /// `|y(x) - y'|₂`: how far the y-space target was from where the step started.
    public var requested: Double
    /// `|y(x') - y'|₂`: how far the inverse's answer x' is from reaching the target.
    public var residual: Double
    /// `|y'|₂`, the size of the target.
    public var targetNorm: Double

    /// `true` when the solve did not converge, or converged on a tolerance while leaving more than
    /// half of the requested move undone (`residual > requested / 2`) and the target unreached
    /// to half of double precision (`residual > √ε |y'|`): the step then is not the update the
    /// method defines. (Near the solution the requested moves fall below what any inverse
    /// resolves; a residual within `√ε |y'|` reached the target as well as doubles allow.)
    public var stoppedShort: Bool {
        !converged || (residual > 0.5 * requested && residual > Double.ulpOfOne.squareRoot() * targetNorm)
    }

    /// What the solve did, in a phrase: L-BFGS-B's termination, iterations and evaluations, and
    /// how far its answer is from the target against the move asked for.
    public var shortfall: String {
        "L-BFGS-B \(termination) after \(iterations) iterations and \(evaluations) evaluations, "
            + "|y(x') - y'| = \(OptimizationResult.short(residual)) for a requested move of \(OptimizationResult.short(requested))"
    }

    /// The report of one inverse solve.
    public init(iterations: Int, evaluations: Int, termination: String, converged: Bool, requested: Double, residual: Double,
                targetNorm: Double) {
        self.iterations = iterations
        self.evaluations = evaluations
        self.termination = termination
        self.converged = converged
        self.requested = requested
        self.residual = residual
        self.targetNorm = targetNorm
    }
}

/// What the acceptance of one step did, and what the method's linear algebra and inner solves
/// did on the way.
public struct StepReport: Sendable, Hashable, Codable {
    /// The accepted step length α (`x_{k+1} = x_k + α d`) of a fixed or line-search step; `nil`
    /// for trust-region steps.
    public var stepLength: Double?
    /// The step length the method proposed (η), when it has one.
    public var proposedStepLength: Double?
    /// Loss evaluations made by the acceptance (0 for a fixed step).
    public var trials: Int = 0
    /// Trial steps rejected before this one (line-search reductions, trust-region rejections).
    public var rejected: Int = 0
    /// The trust radius after the step, for trust regions on the step length.
    public var radius: Double?
    /// The discrepancy ratio ρ after the step, for trust regions on the reduction
    /// (``TrustRegion/Measure/reduction``): the next step may remove at most 1 - ρ² of what its
    /// model predicts.
    public var discrepancy: Double?
    /// The damping λ (Levenberg-Marquardt, trust-region subproblem) or shift τ added to the
    /// Hessian for the accepted step.
    public var damping: Double?
    /// How the linear system was solved.
    public var solve: LinearSolve?
    /// How the y-space Newton step `(∇²_y L)⁻¹ ∇_y L` of PG and IG was solved (`nil` for other
    /// methods): an indefinite or nearly singular loss Hessian in y shows here as it does in
    /// ``solve`` for Newton.
    public var yspaceSolve: LinearSolve?
    /// The numerical inverse of a PG step.
    public var inverse: InverseSolveReport?

    /// An empty report: a fixed step with nothing to tell.
    public init() {}

    /// `true` when a line search accepted a shorter step than proposed.
    public var wasShortened: Bool {
        if let a = stepLength, let p = proposedStepLength { return a < p }
        return false
    }
}

/// Totals over a run of what its steps reported.
public struct RunDiagnostics: Sendable, Hashable, Codable {
    /// Trial steps rejected (line-search reductions and trust-region rejections).
    public var rejectedTrials = 0
    /// Accepted steps shorter than the method proposed (line searches).
    public var shortenedSteps = 0
    /// Steps whose Hessian (in x, or PG's and IG's in y) was not positive definite and that fell
    /// back to LU.
    public var luFallbacks = 0
    /// Steps whose Hessian (in x, or PG's and IG's in y) was shifted to make it positive definite
    /// and well conditioned.
    public var shiftedSolves = 0
    /// The largest such shift τ.
    public var largestShift = 0.0
    /// Steps whose least-squares solve dropped columns or singular values (rank-deficient).
    public var truncatedSolves = 0
    /// Numerical inverses solved.
    public var inverseSolves = 0
    /// Numerical inverses that stopped short (``InverseSolveReport/stoppedShort``).
    public var inverseSolvesStoppedShort = 0

    /// Zero totals.
    public init() {}

    mutating func add(_ r: StepReport) {
        rejectedTrials += r.rejected
        if r.wasShortened { shortenedSteps += 1 }
        for solve in [r.solve, r.yspaceSolve] {
            switch solve {
            case .luFallback: luFallbacks += 1
            case .shiftedCholesky(let t):
                shiftedSolves += 1
                largestShift = Swift.max(largestShift, t)
            case .diagonal(let t) where t > 0:
                shiftedSolves += 1
                largestShift = Swift.max(largestShift, t)
            case .qr(let rank, let columns) where rank < columns: truncatedSolves += 1
            case .svd(let rank, let count) where rank < count: truncatedSolves += 1
            default: break
            }
        }
        if let inverse = r.inverse {
            inverseSolves += 1
            if inverse.stoppedShort { inverseSolvesStoppedShort += 1 }
        }
    }
}
