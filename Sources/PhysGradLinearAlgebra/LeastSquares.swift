internal import CPhysGradLAPACK

/// The minimum-norm least-squares solution of `A x ≈ b` for any `m × n` matrix (LAPACK
/// `dgelsd`, SVD by divide and conquer).
///
/// `x` minimizes `‖A x - b‖₂`, and among all minimizers has the smallest `‖x‖₂`. Singular values
/// `σ_i <= rcond · σ_max` are treated as zero, which defines the ``rank`` and makes the solve
/// well defined for rank-deficient, over- and under-determined systems alike.
public struct LeastSquaresSolution: Sendable {
    /// The minimum-norm minimizer `x` (length `n`).
    public let solution: [Double]
    /// The effective rank of `A`: the number of singular values above `rcond · σ_max`.
    public let rank: Int
    /// The singular values of `A`, descending.
    public let singularValues: [Double]
    /// The residual norm `‖A x - b‖₂`.
    public let residualNorm: Double
}

/// Solves `min_x ‖A x - b‖₂` with minimum `‖x‖₂` (LAPACK `dgelsd`).
///
/// - Parameters:
///   - a: the m × n matrix A.
///   - b: the right-hand side, m entries.
///   - rcond: relative threshold below which singular values count as zero; a negative value,
///     such as the default `-1`, uses machine precision (LAPACK's convention); `rcond >= 1` drops
///     every singular value (x = 0, rank 0).
/// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `b.count != A.rows`,
///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in A or b, or
///   a NaN `rcond`,
///   ``LinearAlgebraError/noConvergence(operation:info:)`` if the SVD fails,
///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows (singular values
///   above the cut-off but tiny against b).
public func leastSquares(_ a: Matrix, _ b: [Double], rcond: Double = -1) throws(LinearAlgebraError) -> LeastSquaresSolution {
    guard b.count == a.rows else {
        throw .dimensionMismatch(operation: "least squares", lhs: a.shape, rhs: .vector(b.count))
    }
    try requireFinite(a, "least squares", "matrix")
    try requireFinite(b, "least squares", "right-hand side")
    // LAPACKE rejects a NaN rcond as an illegal argument (which would trap in checkArguments).
    if rcond.isNaN { throw .nonFinite(operation: "least squares", argument: "rcond", index: 0) }
    let m = a.rows, n = a.columns
    let ldb = Swift.max(1, m, n)
    guard m > 0, n > 0 else {
        return LeastSquaresSolution(solution: [Double](repeating: 0, count: n), rank: 0, singularValues: [],
                                    residualNorm: Vector.norm2(b))
    }
    try requireLAPACKRange("least squares", ldb)
    var work = a
    var rhs = [Double](repeating: 0, count: ldb)
    for i in 0..<m { rhs[i] = b[i] }
    var s = [Double](repeating: 0, count: Swift.min(m, n))
    var rank: LAPACKInt = 0
    let info = work._elements.withUnsafeMutableBufferPointer { ap in
        rhs.withUnsafeMutableBufferPointer { bp in
            LAPACKE_dgelsd(columnMajorLayout, lapackInt(m), lapackInt(n), 1, ap.baseAddress, lapackInt(Swift.max(1, m)),
                           bp.baseAddress, lapackInt(ldb), &s, rcond, &rank)
        }
    }
    checkArguments(info, "dgelsd")
    if info > 0 { throw .noConvergence(operation: "least squares (SVD)", info: Int(info)) }
    if rcond >= 1 {
        // dgelsd replaces an rcond >= 1 by machine precision; by the definition above, every
        // σ_i <= σ_max <= rcond · σ_max counts as zero.
        return LeastSquaresSolution(solution: [Double](repeating: 0, count: n), rank: 0, singularValues: s,
                                    residualNorm: Vector.norm2(b))
    }
    let x = Array(rhs[0..<n])
    try requireFiniteResult(x, "least squares")
    var r = b
    try! a.multiply(x, into: &r, alpha: 1, beta: -1)  // r = A x - b; shapes agree by construction
    return LeastSquaresSolution(solution: x, rank: Int(rank), singularValues: s, residualNorm: Vector.norm2(r))
}

/// The minimum-norm least-squares solution of `A x ≈ b` through a complete orthogonal
/// factorization (LAPACK `dgelsy`): a QR factorization with column pivoting `A P = Q R`, the rank
/// `r` where `|R_kk|` first falls to `rcond · |R_00|` (by LAPACK's incremental condition
/// estimate; 0 for `rcond >= 1`), and an orthogonal `Z` with `[R₁₁ R₁₂] = [T 0] Z`, so that `x = P Zᵀ [T⁻¹ (Qᵀb)₁; 0]`.
///
/// Cheaper than the SVD of ``leastSquares(_:_:rcond:)`` and, like it, minimum-norm over the
/// rank it keeps: the directions it drops get no component (unlike a basic solution, which
/// zeroes whole variables).
///
/// - Returns: the solution (n entries) and the rank used.
/// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in A or b, or
///   a NaN `rcond`; ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows
///   (diagonal entries of R above the cut-off but tiny against b).
public func minimumNormLeastSquares(_ a: Matrix, _ b: [Double], rcond: Double) throws(LinearAlgebraError) -> (solution: [Double], rank: Int) {
    guard b.count == a.rows else {
        throw .dimensionMismatch(operation: "least squares", lhs: a.shape, rhs: .vector(b.count))
    }
    try requireFinite(a, "least squares", "matrix")
    try requireFinite(b, "least squares", "right-hand side")
    // LAPACKE rejects a NaN rcond as an illegal argument (which would trap in checkArguments).
    if rcond.isNaN { throw .nonFinite(operation: "least squares", argument: "rcond", index: 0) }
    let m = a.rows, n = a.columns
    // rcond >= 1: |R_00| <= rcond · |R_00| already, so the rank is 0 (as PivotedQRFactorization's
    // rank(rcond:) counts it); dgelsy would keep the first column whatever rcond is.
    guard m > 0, n > 0, rcond < 1 else { return ([Double](repeating: 0, count: n), 0) }
    let ldb = Swift.max(1, m, n)
    try requireLAPACKRange("least squares", ldb)
    var work = a
    var rhs = [Double](repeating: 0, count: ldb)
    for i in 0..<m { rhs[i] = b[i] }
    var jpvt = [LAPACKInt](repeating: 0, count: n)
    var rank: LAPACKInt = 0
    let info = work._elements.withUnsafeMutableBufferPointer { ap in
        rhs.withUnsafeMutableBufferPointer { bp in
            LAPACKE_dgelsy(columnMajorLayout, lapackInt(m), lapackInt(n), 1, ap.baseAddress, lapackInt(m),
                           bp.baseAddress, lapackInt(ldb), &jpvt, Swift.max(rcond, 0), &rank)
        }
    }
    checkArguments(info, "dgelsy")
    let x = Array(rhs[0..<n])
    try requireFiniteResult(x, "least squares")
    return (x, Int(rank))
}
