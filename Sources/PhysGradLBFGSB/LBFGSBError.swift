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
    /// n is beyond ``LBFGSBSolver/maximumDimension``.
    case dimensionTooLarge(dimension: Int, limit: Int)
    /// A run's workspace for n = `dimension` and m = `maxcor` would take `bytes` (`nil`: more than
    /// `Int.max`), more than ``LBFGSBOptions/memoryLimit`` allows; see
    /// ``LBFGSBSolver/workspaceBytes(dimension:maxcor:)``.
    case workspaceTooLarge(dimension: Int, maxcor: Int, bytes: Int?, limit: Int)
    /// One forward-difference gradient takes `evaluationsPerGradient` evaluations (n + 1, fixed variables
    /// excepted), and `maxfun` is less than two of them, the fewest an iteration takes (at the start and at
    /// a trial point): the run could not move.
    case finiteDifferencesExceedBudget(evaluationsPerGradient: Int, maxfun: Int)

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
        case let .dimensionTooLarge(dimension, limit):
            return "L-BFGS-B: n = \(dimension) variables is more than the \(limit) that 32-bit indices allow"
        case let .workspaceTooLarge(dimension, maxcor, bytes, limit):
            let size = bytes.map { "\($0) bytes (\(gibibytes($0)))" } ?? "more than \(Int.max) bytes"
            return "L-BFGS-B: n = \(dimension) with maxcor = \(maxcor) needs \(size) of workspace, "
                + "more than memoryLimit = \(limit) bytes (\(gibibytes(limit))); lower maxcor or raise memoryLimit"
        case let .finiteDifferencesExceedBudget(perGradient, maxfun):
            return "L-BFGS-B: a forward-difference gradient takes \(perGradient) evaluations (n + 1) and an iteration "
                + "at least two, more than maxfun = \(maxfun) allows; raise maxfun or give the objective's gradient"
        }
    }
}

/// `bytes` in GiB with one decimal, e.g. "8.0 GiB".
private func gibibytes(_ bytes: Int) -> String {
    let tenths = (Double(bytes) / Double(1 << 30) * 10).rounded()
    return "\(Int(tenths) / 10).\(Int(tenths) % 10) GiB"
}
