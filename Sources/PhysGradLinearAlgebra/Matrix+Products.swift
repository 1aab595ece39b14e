internal import CPhysGradLAPACK

extension Matrix {
    /// The matrix-vector product `y = A x` (BLAS `gemv`).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `x.count != columns`;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a dimension beyond
    ///   BLAS's 32-bit integers.
    public static func * (a: Matrix, x: [Double]) throws(LinearAlgebraError) -> [Double] {
        var y = [Double](repeating: 0, count: a.rows)
        try a.multiply(x, into: &y)
        return y
    }

    /// The matrix product `C = A B` (BLAS `gemm`).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `A.columns != B.rows`;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a dimension beyond
    ///   BLAS's 32-bit integers.
    public static func * (a: Matrix, b: Matrix) throws(LinearAlgebraError) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        try a.multiply(b, into: &c)
        return c
    }

    /// `y ← α op(A) x + β y` with `op(A) = A` or `Aᵀ` (BLAS `dgemv`), writing into `y` without
    /// allocating. With `β = 0`, `y`'s old contents are ignored (even NaN).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when the lengths do not fit;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a dimension beyond
    ///   BLAS's 32-bit integers.
    public func multiply(
        _ x: [Double], into y: inout [Double], transposed: Bool = false,
        alpha: Double = 1, beta: Double = 0
    ) throws(LinearAlgebraError) {
        let (outRows, inner) = transposed ? (columns, rows) : (rows, columns)
        guard x.count == inner else {
            throw .dimensionMismatch(operation: "gemv", lhs: transposed ? Shape(rows: columns, columns: rows) : shape,
                                     rhs: .vector(x.count))
        }
        guard y.count == outRows else {
            throw .dimensionMismatch(operation: "gemv (output)", lhs: .vector(outRows), rhs: .vector(y.count))
        }
        if outRows == 0 { return }
        if inner == 0 {
            if beta == 0 { for i in y.indices { y[i] = 0 } } else { Vector.scale(&y, by: beta) }
            return
        }
        try requireLAPACKRange("gemv", rows, columns)
        _gemv(x, into: &y, transposed: transposed, alpha: alpha, beta: beta)
    }

    /// `y ← α op(A) x + β y` for lengths the caller has checked (and `rows, columns > 0`).
    func _gemv(_ x: [Double], into y: inout [Double], transposed: Bool, alpha: Double = 1, beta: Double = 0) {
        let m = rows, n = columns
        _elements.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_dgemv(CblasColMajor, transposed ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), alpha, a.baseAddress, Int32(Swift.max(1, m)),
                                xp.baseAddress, 1, beta, yp.baseAddress, 1)
                }
            }
        }
    }

    /// `C ← α op(A) op(B) + β C` (BLAS `dgemm`), writing into `C` without allocating.
    /// With `β = 0`, `C`'s old contents are ignored.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when the shapes do not fit;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a dimension beyond
    ///   BLAS's 32-bit integers.
    public func multiply(
        _ b: Matrix, into c: inout Matrix, transposeSelf: Bool = false, transposeOther: Bool = false,
        alpha: Double = 1, beta: Double = 0
    ) throws(LinearAlgebraError) {
        let (m, k) = transposeSelf ? (columns, rows) : (rows, columns)
        let (kb, n) = transposeOther ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kb else {
            throw .dimensionMismatch(operation: "gemm", lhs: Shape(rows: m, columns: k), rhs: Shape(rows: kb, columns: n))
        }
        guard c.rows == m, c.columns == n else {
            throw .dimensionMismatch(operation: "gemm (output)", lhs: Shape(rows: m, columns: n), rhs: c.shape)
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            c.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = beta == 0 ? 0 : beta * p[i] } }
            return
        }
        try requireLAPACKRange("gemm", m, n, k, rows, b.rows)
        let lda = Int32(Swift.max(1, rows)), ldb = Int32(Swift.max(1, b.rows)), ldc = Int32(Swift.max(1, m))
        _elements.withUnsafeBufferPointer { ap in
            b._elements.withUnsafeBufferPointer { bp in
                c._elements.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(CblasColMajor,
                                transposeSelf ? CblasTrans : CblasNoTrans,
                                transposeOther ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha, ap.baseAddress, lda,
                                bp.baseAddress, ldb, beta, cp.baseAddress, ldc)
                }
            }
        }
    }

    /// `A + B`, elementwise.
    public static func + (a: Matrix, b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard a.shape == b.shape else { throw .dimensionMismatch(operation: "add", lhs: a.shape, rhs: b.shape) }
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: Vector.add(a._elements, b._elements))
    }

    /// `A - B`, elementwise.
    public static func - (a: Matrix, b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard a.shape == b.shape else { throw .dimensionMismatch(operation: "subtract", lhs: a.shape, rhs: b.shape) }
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: Vector.subtract(a._elements, b._elements))
    }

    /// `αA`.
    @inlinable
    public static func * (alpha: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, columnMajor: Vector.scaled(a._elements, by: alpha))
    }
}
