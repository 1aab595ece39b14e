/// Input errors that stop L-BFGS-B before the first evaluation.
///
/// Numerical trouble during a run (a failed line search, a non-finite value) is not an error:
/// it is reported by ``LBFGSBResult/termination`` together with the best point found.
public enum LBFGSBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problem has no variables.
    case emptyProblem
    /// `x0`, `lower` or `upper` has the wrong length.
    case dimensionMismatch(name: String, expected: Int, actual: Int)
    /// `lower[index] > upper[index]`: the box is empty.
    case infeasibleBounds(index: Int, lower: Double, upper: Double)
    /// A bound is NaN (use `-infinity` / `+infinity` for "no bound"), or `lower == +inf` / `upper == -inf`.
    case invalidBound(index: Int, lower: Double, upper: Double)
    /// `x0[index]` is NaN or infinite.
    case nonFiniteStart(index: Int, value: Double)
    /// An option is out of range; see ``LBFGSBOptions/validate()``.
    case invalidOption(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .emptyProblem:
            return "L-BFGS-B: the problem has no variables"
        case let .dimensionMismatch(name, expected, actual):
            return "L-BFGS-B: \(name) has \(actual) elements, expected \(expected)"
        case let .infeasibleBounds(index, lower, upper):
            return "L-BFGS-B: lower bound \(lower) > upper bound \(upper) for variable \(index)"
        case let .invalidBound(index, lower, upper):
            return "L-BFGS-B: invalid bounds [\(lower), \(upper)] for variable \(index) (NaN, or lower = +inf, or upper = -inf)"
        case let .nonFiniteStart(index, value):
            return "L-BFGS-B: x0[\(index)] = \(value) is not finite"
        case let .invalidOption(name, value, reason):
            return "L-BFGS-B: option \(name) = \(value) \(reason)"
        }
    }
}
