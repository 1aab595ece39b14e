internal import CPhysGradLAPACK

/// The LU factorization with partial pivoting `A = P L U` of a square matrix (LAPACK `dgetrf`),
/// kept as a value to solve for many right-hand sides, invert, or take the determinant.
///
/// `L` is unit lower triangular, `U` upper triangular, `P` a permutation. Factorizing costs
/// `2n³/3` flops; each solve `2n²` per right-hand side.
///
/// ```swift
/// let lu = try LUFactorization(A)       // throws .singular(pivot:) if U has a zero pivot
/// let x = try lu.solve(b)               // A x = b
/// let rcond = lu.reciprocalConditionNumber   // ≈ 1 / (‖A‖₁ ‖A⁻¹‖₁)
/// ```
public struct LUFactorization: Sendable {
    /// `L` (below the diagonal, unit diagonal implied) and `U` (on and above it), packed as
    /// LAPACK leaves them.
    public let factors: Matrix
    /// LAPACK's pivot indices, 1-based: in step `i` (0-based), row `i` was interchanged with row
    /// `pivots[i] - 1` (0-based), applied in order `i = 0, 1, ...`.
    public let pivots: [Int32]
    /// `‖A‖₁` of the factorized matrix, for the condition estimate (`+infinity` when the column
    /// sums overflow; the estimate then uses `‖A‖₁ · 2^-64`).
    public let normOne: Double
    /// `‖A‖₁ · 2^-64` when `‖A‖₁` overflows, else `‖A‖₁`; the condition number does not depend on
    /// the scale.
    let scaledNormOne: (value: Double, binaryExponent: Int)

    /// The order `n` of the factorized matrix.
    public var order: Int { factors.rows }

    /// Factorizes the square matrix `a`.
    ///
    /// - Throws: ``LinearAlgebraError/notSquare(operation:shape:)``;
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinite entries;
    ///   ``LinearAlgebraError/singular(pivot:)`` when an exact zero pivot appears (the matrix is
    ///   singular to working precision in the strictest sense; nearly singular matrices factorize,
    ///   and ``reciprocalConditionNumber`` tells how nearly);
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when the elimination's growth
    ///   overflows (entries near the top of the range, `[[1e308, 1e308], [-1e308, 1e308]]`), and
    ///   when a pivot is subnormal (below 2.2e-308: OpenBLAS's `dgetrf` scales the column by the
    ///   pivot's reciprocal, which overflows: `diag(1e-310, 1)` throws this with OpenBLAS).
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        try requireSquare(a, "LU factorization")
        try requireFinite(a, "LU factorization", "matrix")
        try requireLAPACKRange("LU factorization", a.rows)
        let n = a.rows
        var f = a
        var ipiv = [LAPACKInt](repeating: 0, count: n)
        normOne = a.normOne
        if normOne.isFinite {
            scaledNormOne = (normOne, 0)
        } else {
            var largest = 0.0
            a.withUnsafeBufferPointer { p in
                for j in 0..<n {
                    var sum = 0.0
                    for i in 0..<n { sum += Swift.abs(p[i + j * n]) * 0x1p-64 }
                    largest = Swift.max(largest, sum)
                }
            }
            scaledNormOne = (largest, 64)
        }
        if n > 0 {
            let info = f._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dgetrf_work(columnMajorLayout, lapackInt(n), lapackInt(n), p.baseAddress, lapackInt(n), &ipiv)
            }
            checkArguments(info, "dgetrf")
            if info > 0 { throw .singular(pivot: Int(info) - 1) }
            try requireFiniteResult(f._elements, "LU factorization")
        }
        factors = f
        pivots = ipiv.map { Int32($0) }
    }

    /// Solves `A x = b`.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `b.count != n`;
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a non-finite `b`;
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows
    ///   (`solve(Matrix([[1e-310, 0], [0, 1e-310]]), [1, 1])`).
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch(operation: "LU solve", lhs: factors.shape, rhs: .vector(b.count))
        }
        try requireFinite(b, "LU solve", "right-hand side")
        var x = b
        solveInPlace(&x, nrhs: 1)
        try requireFiniteResult(x, "LU solve")
        return x
    }

    /// Solves `A X = B` for all columns of `B` at once.
    public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard b.rows == order else {
            throw .dimensionMismatch(operation: "LU solve", lhs: factors.shape, rhs: b.shape)
        }
        try requireFinite(b, "LU solve", "right-hand side")
        try requireLAPACKRange("LU solve", b.columns)
        var x = b
        solveInPlace(&x._elements, nrhs: b.columns)
        try requireFiniteResult(x._elements, "LU solve")
        return x
    }

    private func solveInPlace(_ x: inout [Double], nrhs: Int) {
        let n = order
        guard n > 0, nrhs > 0 else { return }
        let ipiv = pivots.map { LAPACKInt($0) }
        let info = factors._elements.withUnsafeBufferPointer { a in
            x.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dgetrs_work(columnMajorLayout, CChar(UInt8(ascii: "N")), lapackInt(n), lapackInt(nrhs),
                                    a.baseAddress, lapackInt(n), ipiv, bp.baseAddress, lapackInt(n))
            }
        }
        checkArguments(info, "dgetrs")
    }

    /// The inverse `A⁻¹` (LAPACK `dgetri`). Prefer ``solve(_:)-([Double])`` to multiplying by
    /// the inverse: it is cheaper and more accurate.
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when an entry of the
    ///   inverse overflows.
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        var inv = factors
        let n = order
        guard n > 0 else { return inv }
        let ipiv = pivots.map { LAPACKInt($0) }
        let info = inv._elements.withUnsafeMutableBufferPointer { p in
            LAPACKE_dgetri(columnMajorLayout, lapackInt(n), p.baseAddress, lapackInt(n), ipiv)
        }
        checkArguments(info, "dgetri")
        // info > 0 cannot happen: init already threw for a zero pivot.
        precondition(info == 0, "dgetri found a zero pivot that dgetrf did not")
        try requireFiniteResult(inv._elements, "LU inverse")
        return inv
    }

    /// The determinant `det A = ±prod_i U_ii` (the sign from the row interchanges).
    /// May overflow or underflow for large `n`; ``logAbsDeterminant`` does not.
    public var determinant: Double {
        // Multiply mantissas and add binary exponents separately, so that intermediate products
        // neither overflow nor underflow; only the final result can.
        var mantissa = 1.0
        var exponent = 0
        for i in 0..<order {
            let u = factors[i, i]
            if u == 0 { return 0 }
            mantissa *= u.significand * (u < 0 ? -1 : 1)
            exponent += Int(u.exponent)
            // keep mantissa in [1, 2)
            exponent += Int(mantissa.exponent)
            mantissa = Double(sign: mantissa.sign, exponent: 0, significand: mantissa.significand)
            if Int(pivots[i]) != i + 1 { mantissa = -mantissa }
        }
        return Double(sign: mantissa.sign, exponent: exponent, significand: mantissa.magnitude)
    }

    /// `(log|det A|, sign(det A))`, computed without overflow.
    public var logAbsDeterminant: (logAbs: Double, sign: Double) {
        var sign = 1.0
        var logAbs = 0.0
        for i in 0..<order {
            let u = factors[i, i]
            if u < 0 { sign = -sign }
            logAbs += _log(Swift.abs(u))
            if Int(pivots[i]) != i + 1 { sign = -sign }
        }
        return (logAbs, sign)
    }

    /// An estimate of the reciprocal condition number `1 / (‖A‖₁ ‖A⁻¹‖₁)` (LAPACK `dgecon`):
    /// near 1 for a well-conditioned matrix, near machine epsilon (2.2e-16) or below for one that
    /// is singular to working precision. Costs `O(n²)`. Matrices whose 1-norm overflows are
    /// estimated at a smaller scale (the condition number is scale-invariant).
    public var reciprocalConditionNumber: Double {
        let n = order
        guard n > 0 else { return 1 }
        var rcond = 0.0
        let info = factors._elements.withUnsafeBufferPointer { a in
            LAPACKE_dgecon(columnMajorLayout, CChar(UInt8(ascii: "1")), lapackInt(n), a.baseAddress, lapackInt(n),
                           scaledNormOne.value, &rcond)
        }
        checkArguments(info, "dgecon")
        return Double(sign: .plus, exponent: -scaledNormOne.binaryExponent, significand: rcond)
    }
}
