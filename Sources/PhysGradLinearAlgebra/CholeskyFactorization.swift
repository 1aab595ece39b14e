internal import CPhysGradLAPACK

/// The Cholesky factorization `A = L Lᵀ` of a symmetric positive definite matrix (LAPACK
/// `dpotrf`), kept as a value to solve, invert, or take the log-determinant.
///
/// Half the cost of LU (`n³/3` flops) and no pivoting; it exists exactly when `A` is symmetric
/// positive definite, so it doubles as the test for it (a Newton step uses it to ask whether the
/// Hessian is a descent metric).
///
/// ```swift
/// let chol = try CholeskyFactorization(H)   // throws .notPositiveDefinite(order:) otherwise
/// let step = try chol.solve(g)               // H step = g
/// ```
public struct CholeskyFactorization: Sendable {
    /// The lower-triangular factor `L` (zeros above the diagonal).
    public let lower: Matrix

    /// The order `n` of the factorized matrix.
    public var order: Int { lower.rows }

    /// Factorizes the symmetric positive definite matrix `a`.
    ///
    /// - Parameters:
    ///   - a: the matrix to factorize.
    ///   - symmetryTolerance: `a` must satisfy `|a_ij - a_ji| <= symmetryTolerance * max|a|`
    ///     (the default accepts rounding-level asymmetry, e.g. of a computed Hessian). Only the
    ///     lower triangle is used.
    /// - Throws: ``LinearAlgebraError/notSquare(operation:shape:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``,
    ///   ``LinearAlgebraError/notSymmetric(operation:row:column:)``,
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a negative or NaN
    ///   `symmetryTolerance`, and
    ///   ``LinearAlgebraError/notPositiveDefinite(order:)`` with the order of the first leading
    ///   minor that is not positive definite.
    public init(_ a: Matrix, symmetryTolerance: Double = 1e-10) throws(LinearAlgebraError) {
        var f = a
        try Self.factorInPlace(&f, symmetryTolerance: symmetryTolerance)
        lower = f
    }

    /// Factorizes `a` in the storage of a previous factorization of the same order (no
    /// allocation): for loops that factorize a new matrix of the same size every step, where
    /// fresh n² storage would be allocated and faulted in each time. `previous` is consumed;
    /// on a throw nothing is left of it.
    ///
    /// - Throws: the errors of ``init(_:symmetryTolerance:)``.
    public static func factorize(
        _ a: Matrix, reusing previous: consuming CholeskyFactorization?, symmetryTolerance: Double = 1e-10
    ) throws(LinearAlgebraError) -> CholeskyFactorization {
        try factorize(a, shift: 0, reusing: previous, symmetryTolerance: symmetryTolerance)
    }

    /// Factorizes `a + shift · I` in the storage of a previous factorization of the same order
    /// (no allocation): the shifted systems of Levenberg-Marquardt damping and trust-region
    /// subproblems, `(H + λI) p = -g`, for several λ against one H.
    ///
    /// - Throws: the errors of ``init(_:symmetryTolerance:)`` (for `a + shift · I`),
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a non-finite shift, and
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when a diagonal entry
    ///   `a_ii + shift` overflows (its column-major index).
    public static func factorize(
        _ a: Matrix, shift: Double, reusing previous: consuming CholeskyFactorization?, symmetryTolerance: Double = 1e-10
    ) throws(LinearAlgebraError) -> CholeskyFactorization {
        guard shift.isFinite else { throw .nonFinite(operation: "Cholesky factorization", argument: "shift", index: 0) }
        var f: Matrix
        if let storage = previous.take()?.lower, storage.shape == a.shape {
            f = storage
            f.withUnsafeMutableBufferPointer { dst in
                a.withUnsafeBufferPointer { src in _ = dst.update(fromContentsOf: src) }
            }
        } else {
            f = a
        }
        if shift != 0 && f.isSquare {
            let n = f.rows
            var overflow: Int? = nil
            f.withUnsafeMutableBufferPointer { p in
                for i in 0..<n {
                    let k = i + i * n
                    let before = p[k]
                    p[k] += shift
                    if overflow == nil && before.isFinite && !p[k].isFinite { overflow = k }
                }
            }
            if let k = overflow {
                // A finite a_ii + shift that overflows is not a non-finite input (unless a has one).
                try requireFinite(a, "Cholesky factorization", "matrix")
                throw .nonFiniteResult(operation: "Cholesky factorization", index: k)
            }
        }
        try factorInPlace(&f, symmetryTolerance: symmetryTolerance)
        return CholeskyFactorization(factored: f)
    }

    private init(factored: Matrix) { lower = factored }

    /// Checks `f` and overwrites it with L (zeros above the diagonal).
    private static func factorInPlace(_ f: inout Matrix, symmetryTolerance: Double) throws(LinearAlgebraError) {
        try requireSquare(f, "Cholesky factorization")
        try requireFinite(f, "Cholesky factorization", "matrix")
        try requireLAPACKRange("Cholesky factorization", f.rows)
        try requireSymmetryTolerance(symmetryTolerance, "Cholesky factorization")
        if let (i, j) = f._firstAsymmetry(relativeTolerance: symmetryTolerance) {
            throw .notSymmetric(operation: "Cholesky factorization", row: i, column: j)
        }
        let n = f.rows
        guard n > 0 else { return }
        let info = f._elements.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpotrf_work(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), p.baseAddress, lapackInt(n))
        }
        checkArguments(info, "dpotrf")
        if info > 0 { throw .notPositiveDefinite(order: Int(info)) }
        // LAPACK leaves the strict upper triangle untouched: clear it so `lower` is L.
        f.withUnsafeMutableBufferPointer { p in
            for j in 1..<Swift.max(n, 1) { for i in 0..<j { p[i + j * n] = 0 } }
        }
    }

    /// Solves `A x = b` by two triangular solves.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``, and
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch(operation: "Cholesky solve", lhs: lower.shape, rhs: .vector(b.count))
        }
        try requireFinite(b, "Cholesky solve", "right-hand side")
        var x = b
        solveInPlace(&x, nrhs: 1)
        try requireFiniteResult(x, "Cholesky solve")
        return x
    }

    /// Solves `A X = B` for all columns of `B`.
    public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard b.rows == order else {
            throw .dimensionMismatch(operation: "Cholesky solve", lhs: lower.shape, rhs: b.shape)
        }
        try requireFinite(b, "Cholesky solve", "right-hand side")
        try requireLAPACKRange("Cholesky solve", b.columns)
        var x = b
        solveInPlace(&x._elements, nrhs: b.columns)
        try requireFiniteResult(x._elements, "Cholesky solve")
        return x
    }

    private func solveInPlace(_ x: inout [Double], nrhs: Int) {
        let n = order
        guard n > 0, nrhs > 0 else { return }
        let info = lower._elements.withUnsafeBufferPointer { a in
            x.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dpotrs_work(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), lapackInt(nrhs),
                                    a.baseAddress, lapackInt(n), bp.baseAddress, lapackInt(n))
            }
        }
        checkArguments(info, "dpotrs")
    }

    /// Solves `L x = b` with the lower factor alone (BLAS `dtrsv`): `‖x‖₂² = bᵀA⁻¹b`.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``, and
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows.
    public func solveLower(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch(operation: "triangular solve", lhs: lower.shape, rhs: .vector(b.count))
        }
        try requireFinite(b, "triangular solve", "right-hand side")
        var x = b
        let n = order
        guard n > 0 else { return x }
        lower._elements.withUnsafeBufferPointer { a in
            x.withUnsafeMutableBufferPointer { xp in
                cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), a.baseAddress, Int32(n),
                            xp.baseAddress, 1)
            }
        }
        try requireFiniteResult(x, "triangular solve")
        return x
    }

    /// An estimate of the reciprocal condition number `1 / (‖A‖₁ ‖A⁻¹‖₁)` (LAPACK `dpocon`,
    /// O(n²)), given `‖A‖₁` of the factorized matrix. Near 0 the matrix is numerically
    /// singular: a solve with it amplifies rounding by about the condition number. An `anorm`
    /// that is not finite and positive (NaN, infinity, 0 or less) gives 0.
    public func reciprocalConditionNumber(oneNorm anorm: Double) -> Double {
        let n = order
        guard n > 0 else { return 1 }
        guard anorm.isFinite, anorm > 0 else { return 0 }
        var rcond = 0.0
        let info = lower._elements.withUnsafeBufferPointer { a in
            LAPACKE_dpocon(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), a.baseAddress, lapackInt(n),
                           anorm, &rcond)
        }
        checkArguments(info, "dpocon")
        return rcond
    }

    /// The inverse `A⁻¹` (LAPACK `dpotri`), symmetric.
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when an entry overflows.
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        var inv = lower
        let n = order
        guard n > 0 else { return inv }
        let info = inv._elements.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpotri_work(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), p.baseAddress, lapackInt(n))
        }
        checkArguments(info, "dpotri")
        precondition(info == 0, "dpotri found a zero diagonal that dpotrf did not")
        inv.withUnsafeMutableBufferPointer { p in
            for j in 0..<n { for i in (j + 1)..<Swift.max(n, j + 1) { p[j + i * n] = p[i + j * n] } }
        }
        try requireFiniteResult(inv._elements, "Cholesky inverse")
        return inv
    }

    /// `log det A = 2 sum_i log L_ii`, without overflow.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<order { s += _log(lower[i, i]) }
        return 2 * s
    }
}
