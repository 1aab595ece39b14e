/// What can go wrong in a factorization, solve or product, as a value callers can act on.
///
/// LAPACK reports numerical news through a positive `info`; PhysGrad turns it into one of these
/// cases. A negative `info` (an illegal argument) would be a bug in this module, not in the
/// caller's input, and traps. LAPACK does not look for NaN or infinity, so every entry point
/// checks its input first and throws ``nonFinite(operation:argument:index:)``.
public enum LinearAlgebraError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The matrix is exactly singular: in `PA = LU`, `U[pivot, pivot] == 0` (0-based).
    case singular(pivot: Int)
    /// The symmetric matrix is not positive definite: its leading minor of order `order`
    /// (the top-left `order × order` block, 1 ≤ order ≤ n) is not, so Cholesky cannot complete.
    case notPositiveDefinite(order: Int)
    /// Operand shapes do not fit the operation; both shapes are given (a vector of length n is n×1).
    case dimensionMismatch(operation: String, lhs: Shape, rhs: Shape)
    /// The operation needs a square matrix.
    case notSquare(operation: String, shape: Shape)
    /// The operation needs a symmetric matrix; `(row, column)` is the first pair found with
    /// `|a_ij - a_ji|` above the tolerance.
    case notSymmetric(operation: String, row: Int, column: Int)
    /// An input holds NaN or ±infinity; `index` is its first such element (column-major for a
    /// matrix).
    case nonFinite(operation: String, argument: String, index: Int)
    /// The input is finite but the result is not: it overflows the range of `Double` (about
    /// 1.8e308) at element `index` (column-major for a matrix). A solve with a matrix that is
    /// singular to working precision or scaled to the edge of the range (`diag(1e-310)`), an LU
    /// factorization whose growth overflows, an eigenvalue beyond the range. The factorizations
    /// and solves check their results so that no NaN or infinity leaves them unannounced.
    case nonFiniteResult(operation: String, index: Int)
    /// An iterative LAPACK kernel (the eigenvalue or SVD iteration) did not converge;
    /// `info` is LAPACK's count of the elements that failed.
    case noConvergence(operation: String, info: Int)
    /// A scalar argument is outside the operation's domain (a negative damping λ); `reason`
    /// says what the operation needs. Also a dimension, or a LAPACK workspace that grows with
    /// the dimensions, beyond the 32-bit integers of LAPACK and BLAS (`Int32.max`): every
    /// factorization, solve and product checks its sizes before it calls them.
    case invalidArgument(operation: String, argument: String, reason: String)

    public var description: String {
        switch self {
        case .singular(let k):
            return "matrix is singular: U[\(k), \(k)] is exactly zero in the LU factorization"
        case .notPositiveDefinite(let k):
            return "matrix is not positive definite: its leading minor of order \(k) is not"
        case .dimensionMismatch(let op, let l, let r):
            return "\(op): dimension mismatch between \(l) and \(r)"
        case .notSquare(let op, let s):
            return "\(op): needs a square matrix, got \(s)"
        case .notSymmetric(let op, let i, let j):
            return "\(op): matrix is not symmetric (a[\(i), \(j)] differs from a[\(j), \(i)])"
        case .nonFinite(let op, let arg, let i):
            return "\(op): \(arg) holds a non-finite value (NaN or infinity) at element \(i)"
        case .nonFiniteResult(let op, let i):
            return "\(op): the result is not finite at element \(i) although the input is (it overflows Double: the matrix is singular to working precision, or its scale is extreme)"
        case .noConvergence(let op, let info):
            return "\(op): LAPACK iteration did not converge (info = \(info))"
        case .invalidArgument(let op, let arg, let reason):
            return "\(op): \(arg) \(reason)"
        }
    }
}
