import PhysGradLinearAlgebra

/// Errors in what the caller asked for: detected before any step is taken.
public enum PhysGradError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A vector has the wrong number of entries.
    case dimensionMismatch(name: String, expected: Int, actual: Int)
    /// An input holds NaN or ±infinity at `index`.
    case nonFiniteInput(name: String, index: Int)
    /// An option or parameter is out of its range.
    case invalidParameter(name: String, value: String, reason: String)
    /// The method cannot run on this problem (e.g. an analytic inverse the problem does not have).
    case methodNotApplicable(method: String, problem: String, reason: String)
    /// The start is finite but the model output or the loss there is not (overflow, or a point
    /// outside the model's domain): there is nothing to descend from.
    case nonFiniteAtStart(quantity: String)
    /// The run would need more memory than ``RunOptions/memoryLimit`` allows: `what` needs
    /// `bytes`; `suggestion` names the alternatives (a structured Hessian, a first-order method,
    /// a larger limit).
    case exceedsMemoryLimit(what: String, bytes: Int, limit: Int, suggestion: String)

    public var description: String {
        switch self {
        case .dimensionMismatch(let name, let expected, let actual):
            return "\(name) has \(actual) entries, expected \(expected)"
        case .nonFiniteInput(let name, let index):
            return "\(name) holds a non-finite value (NaN or infinity) at index \(index)"
        case .invalidParameter(let name, let value, let reason):
            return "invalid \(name) = \(value): \(reason)"
        case .methodNotApplicable(let method, let problem, let reason):
            return "method \(method) cannot run on problem \(problem): \(reason)"
        case .nonFiniteAtStart(let quantity):
            return "the \(quantity) at the start point is not finite (overflow, or outside the model's domain)"
        case .exceedsMemoryLimit(let what, let bytes, let limit, let suggestion):
            return "\(what) needs \(MemorySize.describe(bytes)), above the memory limit of \(MemorySize.describe(limit)) (RunOptions.memoryLimit); \(suggestion)"
        }
    }
}

/// An analytic inverse y⁻¹ asked for a point outside its domain (for y⁻¹(y) = [y0, sqrt(y1)]:
/// a negative y1).
public struct InverseDomainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The index of the offending entry of y.
    public var index: Int
    /// Its value.
    public var value: Double
    /// Why it is outside the domain.
    public var reason: String

    /// y[`index`] = `value` is outside the domain, because of `reason`.
    public init(index: Int, value: Double, reason: String) {
        self.index = index
        self.value = value
        self.reason = reason
    }

    public var description: String { "y[\(index)] = \(value) is outside the inverse's domain: \(reason)" }
}

/// Why a run ended.
public enum TerminationReason: Sendable, Equatable, CustomStringConvertible {
    /// Took the requested number of steps (a fixed-step run without tolerances).
    case completedSteps
    /// ‖∇L(x)‖∞ fell to the gradient tolerance.
    case convergedGradient
    /// ‖Δx‖∞ fell to the step tolerance.
    case convergedStep
    /// L(x) reached the target loss.
    case reachedTargetLoss
    /// The method's own convergence test (L-BFGS-B: projected gradient or relative reduction).
    case convergedByMethod(String)
    /// A loss, gradient, Hessian or iterate became NaN or infinite; the result holds the last
    /// finite iterate.
    case nonFiniteValue(String)
    /// A factorization failed (a singular Hessian, or an indefinite one under
    /// ``HessianPolicy/requirePositiveDefinite``).
    case linearAlgebraFailure(LinearAlgebraError)
    /// The inverse simulator could not map the y-space step back (outside its domain, or the
    /// numerical inverse failed).
    case inverseFailed(String)
    /// A line search found no acceptable step.
    case lineSearchFailed(String)
    /// The method found no step that lowers the loss although the loss is not at its rounding
    /// level (a trust region shrank to nothing, a model that keeps mispredicting).
    case stalled(String)
    /// The callback returned `.stop`.
    case stoppedByCallback
    /// The run's time limit passed.
    case timeLimit
    /// The method rejected its input once the run started (e.g. an inner solver's setup).
    case invalidInput(String)

    /// `true` for the reasons that mean the method did what was asked (it converged or took its
    /// steps). Whether the run as a whole succeeded also depends on what happened to the loss:
    /// see ``OptimizationResult/isSuccess``.
    public var isSuccess: Bool {
        switch self {
        case .completedSteps, .convergedGradient, .convergedStep, .reachedTargetLoss, .convergedByMethod: return true
        default: return false
        }
    }

    /// A short machine-readable code: `completed-steps`, `converged-gradient`, ...
    public var code: String {
        switch self {
        case .completedSteps: return "completed-steps"
        case .convergedGradient: return "converged-gradient"
        case .convergedStep: return "converged-step"
        case .reachedTargetLoss: return "reached-target-loss"
        case .convergedByMethod: return "converged"
        case .nonFiniteValue: return "non-finite-value"
        case .linearAlgebraFailure: return "linear-algebra-failure"
        case .inverseFailed: return "inverse-failed"
        case .lineSearchFailed: return "line-search-failed"
        case .stalled: return "stalled"
        case .stoppedByCallback: return "stopped-by-callback"
        case .timeLimit: return "time-limit"
        case .invalidInput: return "invalid-input"
        }
    }

    public var description: String {
        switch self {
        case .completedSteps: return "completed the requested steps"
        case .convergedGradient: return "converged: gradient norm below tolerance"
        case .convergedStep: return "converged: step norm below tolerance"
        case .reachedTargetLoss: return "reached the target loss"
        case .convergedByMethod(let why): return "converged: \(why)"
        case .nonFiniteValue(let what): return "stopped: non-finite value (\(what))"
        case .linearAlgebraFailure(let e): return "stopped: \(e)"
        case .inverseFailed(let why): return "stopped: inverse failed (\(why))"
        case .lineSearchFailed(let why): return "stopped: line search failed (\(why))"
        case .stalled(let why): return "stopped: no further progress (\(why))"
        case .stoppedByCallback: return "stopped by the callback"
        case .timeLimit: return "stopped: time limit reached"
        case .invalidInput(let why): return "stopped: invalid input (\(why))"
        }
    }
}

/// Thrown by a method's step to end the run with a reason (the driver catches it).
public struct StepFailure: Error, Sendable {
    /// Why the run ends.
    public var reason: TerminationReason
    /// A failure that ends the run with `reason`.
    public init(_ reason: TerminationReason) { self.reason = reason }
}
