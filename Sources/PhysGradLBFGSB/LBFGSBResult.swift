/// Why an L-BFGS-B run stopped.
public enum LBFGSBTermination: Sendable, Equatable, CustomStringConvertible {
    /// `max_i |P(x - g)_i - x_i| <= pgtol`.
    case convergedProjectedGradient
    /// `(f_k - f_{k+1}) <= factr * eps * max(|f_k|, |f_{k+1}|, 1)`.
    case convergedRelativeReduction
    /// `maxiter` iterations were made.
    case iterationLimit
    /// More than `maxfun` function evaluations were made: found after an iteration (as SciPy), or before
    /// an evaluation inside a line search or a finite-difference gradient, which is then abandoned (x is
    /// the last accepted iterate).
    case evaluationLimit
    /// `timeLimit` seconds passed: found after an iteration, or (finite-difference gradients) before an
    /// evaluation, abandoning the line search or gradient (x is the last accepted iterate).
    case timeLimit
    /// The line search found no acceptable step with an empty memory (steepest descent); `x` is the last
    /// accepted iterate.
    case lineSearchFailed(LBFGSBLineSearchFailure)
    /// The objective returned a non-finite value or gradient at the starting point.
    case nonFiniteValue
    /// The callback asked to stop (or ``LBFGSBRun/stop()`` ended the run).
    case stoppedByCallback

    /// True for the two convergence tests (f and the gradient are then finite).
    public var isSuccess: Bool {
        switch self {
        case .convergedProjectedGradient, .convergedRelativeReduction: return true
        default: return false
        }
    }

    /// SciPy's `status`: 0 converged, 1 iteration or evaluation limit, 2 anything else.
    public var scipyStatus: Int {
        switch self {
        case .convergedProjectedGradient, .convergedRelativeReduction: return 0
        case .iterationLimit, .evaluationLimit: return 1
        default: return 2
        }
    }

    /// A short machine-readable code: `converged-projected-gradient`, `converged-relative-reduction`,
    /// `iteration-limit`, `evaluation-limit`, `time-limit`, `line-search-failed`, `non-finite-value`,
    /// `stopped-by-callback`.
    public var code: String {
        switch self {
        case .convergedProjectedGradient: return "converged-projected-gradient"
        case .convergedRelativeReduction: return "converged-relative-reduction"
        case .iterationLimit: return "iteration-limit"
        case .evaluationLimit: return "evaluation-limit"
        case .timeLimit: return "time-limit"
        case .lineSearchFailed: return "line-search-failed"
        case .nonFiniteValue: return "non-finite-value"
        case .stoppedByCallback: return "stopped-by-callback"
        }
    }

    /// A readable message (SciPy's wording where SciPy has one).
    public var message: String {
        switch self {
        case .convergedProjectedGradient: return "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
        case .convergedRelativeReduction: return "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"
        case .iterationLimit: return "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        case .evaluationLimit: return "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
        case .timeLimit: return "STOP: TIME LIMIT EXCEEDED"
        case .lineSearchFailed(let why): return "ABNORMAL: LINE SEARCH FAILED (\(why.message))"
        case .nonFiniteValue: return "ABNORMAL: NON-FINITE FUNCTION VALUE OR GRADIENT AT THE STARTING POINT"
        case .stoppedByCallback: return "STOP: CALLBACK REQUESTED HALT"
        }
    }

    public var description: String { message }
}

/// Why a line search (along a steepest-descent direction, after any restart) failed.
public enum LBFGSBLineSearchFailure: Sendable, Equatable {
    /// `maxls` evaluations gave no step satisfying the strong Wolfe conditions
    /// (in SciPy this is the bare "ABNORMAL").
    case tooManyEvaluations
    /// The search direction is not a descent direction: `g'd >= 0` (for example a wrong gradient).
    case notDescentDirection
    /// The maximum step to the boundary of the box is zero or the More-Thuente search rejected its input.
    case noFeasibleStep

    /// What went wrong, in a phrase.
    public var message: String {
        switch self {
        case .tooManyEvaluations: return "no acceptable step within maxls evaluations"
        case .notDescentDirection: return "search direction is not a descent direction (g'd >= 0)"
        case .noFeasibleStep: return "no feasible step along the search direction"
        }
    }
}

/// One iteration of the trace (``LBFGSBTraceLevel/scalars``).
public struct LBFGSBIterationRecord: Sendable, Equatable {
    /// Iteration number, 1-based.
    public var iteration: Int
    /// f at the new iterate.
    public var f: Double
    /// Projected-gradient infinity norm at the new iterate.
    public var projectedGradientNorm: Double
    /// Function evaluations so far.
    public var evaluations: Int
    /// Accepted step length along the search direction `d = x̂ - x` (1 = the subspace minimizer).
    public var step: Double
    /// Number of free variables at the generalized Cauchy point.
    public var freeVariables: Int
    /// Correction pairs in memory after this iteration.
    public var corrections: Int
}

/// What the callback sees after each iteration. The buffers are valid only during the call.
public struct LBFGSBProgress {
    /// Iteration number, 1-based.
    public var iteration: Int
    /// The new iterate.
    public var x: UnsafeBufferPointer<Double>
    /// f(x).
    public var f: Double
    /// ∇f(x).
    public var gradient: UnsafeBufferPointer<Double>
    /// `max_i |P(x - g)_i - x_i|`.
    public var projectedGradientNorm: Double
    /// Function evaluations so far.
    public var evaluations: Int
}

/// The callback's answer.
public enum LBFGSBCallbackDecision: Sendable {
    case `continue`
    case stop
}

/// The outcome of an L-BFGS-B run.
public struct LBFGSBResult: Sendable {
    /// The last accepted iterate (the best point: L-BFGS-B only accepts decreasing steps). Always in the box.
    public var x: [Double]
    /// f(x) (NaN for a run stopped before its first step).
    public var f: Double
    /// ∇f(x) (a forward-difference estimate for value-only objectives). When the time limit cut the very
    /// first finite-difference gradient short (``LBFGSBTermination/timeLimit`` with 0 iterations), the
    /// components it did not reach are NaN; all are NaN for a run stopped before its first step.
    public var gradient: [Double]
    /// `max_i |P(x - g)_i - x_i|` (NaN when ``gradient`` holds a NaN).
    public var projectedGradientNorm: Double
    /// Iterations (accepted steps), as SciPy's `nit`.
    public var iterations: Int
    /// Function evaluations, as SciPy's `nfev` (finite-difference evaluations included).
    public var evaluations: Int
    /// Gradient evaluations (exact or by finite differences), as SciPy's `njev`.
    public var gradientEvaluations: Int
    /// Why the run stopped.
    public var termination: LBFGSBTermination
    /// True when some `x0[i]` lay outside its bounds and was projected onto the box.
    public var startWasProjected: Bool
    /// Times the limited-memory matrix was discarded (restart after a failed line search or a
    /// numerical breakdown).
    public var restarts: Int
    /// Per-iteration records when ``LBFGSBOptions/trace`` asks for them; empty otherwise.
    public var trace: [LBFGSBIterationRecord]

    /// Shorthand for `termination.isSuccess`.
    public var success: Bool { termination.isSuccess }
    /// Shorthand for `termination.message`.
    public var message: String { termination.message }
}
