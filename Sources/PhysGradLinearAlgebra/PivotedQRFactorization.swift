internal import CPhysGradLAPACK

/// The QR factorization with column pivoting `A P = Q R` of an `m × n` matrix (LAPACK `dgeqp3`),
/// kept as a value to solve least-squares problems and to read the triangular factor.
///
/// `P` orders the columns so that `|R_00| >= |R_11| >= ...`: the diagonal of `R` reveals the
/// numerical rank, and a least-squares solve can drop the trailing columns whose `|R_kk|` falls
/// below `rcond · |R_00|` (a *basic* solution, as MINPACK's Gauss-Newton and
/// Levenberg-Marquardt steps use). Unlike the normal equations `AᵀA x = Aᵀb`, which square the
/// condition number, solving through `Q` and `R` loses only as many digits as `A` itself
/// demands.
///
/// ```swift
/// let qr = try PivotedQRFactorization(J)          // J P = Q R
/// let step = try qr.solve(residual, rcond: 1e-12) // argmin ‖J s - r‖₂ (basic solution)
/// ```
public struct PivotedQRFactorization: Sendable {
    /// m, the number of rows of A.
    public let rows: Int
    /// n, the number of columns of A.
    public let columns: Int
    /// `R` in and above the diagonal, the Householder vectors of `Q` below (LAPACK's layout).
    @usableFromInline let factors: Matrix
    @usableFromInline let tau: [Double]
    /// The column permutation, 0-based: column `j` of `A P` is column `permutation[j]` of `A`.
    public let permutation: [Int]

    /// Factorizes `a` (any shape; `min(m, n)` Householder reflections).
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(operation:argument:index:)``;
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when a column norm overflows
    ///   (entries near the top of Double's range; `dgeqp3` does not rescale).
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        try requireFinite(a, "QR factorization", "matrix")
        let m = a.rows, n = a.columns
        rows = m
        columns = n
        var f = a
        var t = [Double](repeating: 0, count: Swift.min(m, n))
        var jpvt = [LAPACKInt](repeating: 0, count: n)
        if m > 0 && n > 0 {
            try requireLAPACKRange("QR factorization", m, n)
            let info = f._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dgeqp3(columnMajorLayout, lapackInt(m), lapackInt(n), p.baseAddress,
                               lapackInt(m), &jpvt, &t)
            }
            checkArguments(info, "dgeqp3")
            // An overflowing column norm leaves R_kk = ±inf and a NaN τ, which LAPACKE's NaN check
            // of dormqr would reject (a trap) in every later Qᵀb.
            try requireFiniteResult(f._elements, "QR factorization")
            try requireFiniteResult(t, "QR factorization")
        }
        factors = f
        tau = t
        permutation = jpvt.map { Int($0) - 1 }
    }

    /// The diagonal of `R`, `min(m, n)` entries with non-increasing magnitude.
    public var rDiagonal: [Double] { (0..<Swift.min(rows, columns)).map { factors[$0, $0] } }

    /// The `min(m, n) × n` upper-trapezoidal factor `R`.
    public var r: Matrix {
        let k = Swift.min(rows, columns)
        return Matrix(rows: k, columns: columns) { i, j in i <= j ? factors[i, j] : 0 }
    }

    /// The numerical rank: the number of leading diagonal entries with `|R_kk| > rcond · |R_00|`
    /// (a negative `rcond` counts as 0; a NaN one, against which no comparison holds, gives 0).
    /// A zero matrix has rank 0.
    public func rank(rcond: Double) -> Int {
        let d = rDiagonal
        guard let first = d.first, first != 0 else { return 0 }
        let threshold = Swift.abs(first) * Swift.max(rcond, 0)
        var k = 0
        while k < d.count, Swift.abs(d[k]) > threshold { k += 1 }
        return k
    }

    /// `Qᵀ b` for a vector of m entries (LAPACK `dormqr`).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``.
    public func applyQTranspose(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == rows else {
            throw .dimensionMismatch(operation: "QR: Qᵀb", lhs: Shape(rows: rows, columns: rows), rhs: .vector(b.count))
        }
        try requireFinite(b, "QR: Qᵀb", "vector")
        var c = b
        let k = tau.count
        guard rows > 0, k > 0 else { return c }
        let info = factors._elements.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { cp in
                LAPACKE_dormqr(columnMajorLayout, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")),
                               lapackInt(rows), 1, lapackInt(k), a.baseAddress, lapackInt(rows), tau,
                               cp.baseAddress, lapackInt(rows))
            }
        }
        checkArguments(info, "dormqr")
        return c
    }

    /// The basic least-squares solution of `A x ≈ b` with the columns beyond the numerical rank
    /// (``rank(rcond:)``) set to zero: with `r` the rank, `R[0..<r, 0..<r] z = (Qᵀb)[0..<r]` and
    /// `x[permutation[j]] = z[j]` for `j < r`, `0` otherwise. For a matrix of full column rank
    /// this is the unique minimizer of `‖A x - b‖₂`.
    ///
    /// - Parameters:
    ///   - b: the right-hand side, m entries.
    ///   - rcond: the relative threshold on `|R_kk| / |R_00|` below which columns are dropped
    ///     (`0` keeps every column with a non-zero diagonal).
    /// - Returns: the solution and the rank used.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in b or a
    ///   NaN `rcond`; ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows
    ///   (a kept `|R_kk|` tiny against b).
    public func solve(_ b: [Double], rcond: Double) throws(LinearAlgebraError) -> (solution: [Double], rank: Int) {
        let c = try applyQTranspose(b)
        // A NaN threshold would silently give rank 0 and x = 0.
        if rcond.isNaN { throw .nonFinite(operation: "QR solve", argument: "rcond", index: 0) }
        let r = rank(rcond: rcond)
        var z = Array(c[0..<r])
        // Back substitution with the leading r × r block of R.
        var i = r - 1
        while i >= 0 {
            var s = z[i]
            for j in (i + 1)..<r { s -= factors[i, j] * z[j] }
            z[i] = s / factors[i, i]
            i -= 1
        }
        var x = [Double](repeating: 0, count: columns)
        for j in 0..<r { x[permutation[j]] = z[j] }
        try requireFiniteResult(x, "QR solve")
        return (x, r)
    }

    /// The minimum-norm least-squares solution of the rank-`rank` truncation of `A x ≈ b`, from
    /// `c = Qᵀb` (``applyQTranspose(_:)``): with `R₁ = R[0..<rank, 0..<n]` reduced to
    /// `[T 0] Z` by orthogonal transformations from the right (LAPACK `dtzrzf`),
    /// `x = P Zᵀ [T⁻¹ c[0..<rank]; 0]` (LAPACK `dormrz`). Among all x minimizing
    /// `‖R₁ Pᵀx - c[0..<rank]‖`, it has the smallest `‖x‖₂`: directions beyond the rank get no
    /// component, whichever variables carry them (a basic solution would zero whole variables).
    ///
    /// - Parameters:
    ///   - c: `Qᵀb`, at least `rank` entries.
    ///   - rank: how many leading rows of R to keep, `0 ... min(m, n)`.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` for a rank out of range
    ///   or too short a `c`; ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or
    ///   infinity in `c[0..<rank]`; ``LinearAlgebraError/singular(pivot:)`` for a zero pivot within
    ///   the rank; ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows.
    public func minimumNormSolution(qtb c: [Double], rank: Int) throws(LinearAlgebraError) -> [Double] {
        let n = columns
        guard rank >= 0, rank <= Swift.min(rows, n), c.count >= rank else {
            throw .dimensionMismatch(operation: "minimum-norm solve (rank \(rank))", lhs: Shape(rows: rows, columns: n),
                                     rhs: .vector(c.count))
        }
        try requireFinite(Array(c[0..<rank]), "minimum-norm solve", "qtb")
        guard rank > 0 else { return [Double](repeating: 0, count: n) }
        for k in 0..<rank where factors[k, k] == 0 { throw .singular(pivot: k) }
        // R₁ (rank × n), upper trapezoidal.
        var r1 = Matrix(rows: rank, columns: n) { i, j in i <= j ? factors[i, j] : 0 }
        var tauZ = [Double](repeating: 0, count: rank)
        if rank < n {
            let info = r1._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dtzrzf(columnMajorLayout, lapackInt(rank), lapackInt(n), p.baseAddress, lapackInt(rank), &tauZ)
            }
            checkArguments(info, "dtzrzf")
        }
        // T y = c₁ (T: the leading rank × rank upper triangle of r1).
        var y = [Double](repeating: 0, count: n)
        var i = rank - 1
        while i >= 0 {
            var s = c[i]
            for j in (i + 1)..<rank { s -= r1[i, j] * y[j] }
            y[i] = s / r1[i, i]
            i -= 1
        }
        // Before dormrz: LAPACKE rejects a NaN in y as an illegal argument (a trap in checkArguments).
        // Z is orthogonal, so an overflow here is one in x.
        try requireFiniteResult(y, "minimum-norm solve")
        if rank < n {
            let info = r1._elements.withUnsafeBufferPointer { a in
                y.withUnsafeMutableBufferPointer { yp in
                    LAPACKE_dormrz(columnMajorLayout, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")),
                                   lapackInt(n), 1, lapackInt(rank), lapackInt(n - rank), a.baseAddress,
                                   lapackInt(rank), tauZ, yp.baseAddress, lapackInt(n))
                }
            }
            checkArguments(info, "dormrz")
        }
        var x = [Double](repeating: 0, count: n)
        for j in 0..<n { x[permutation[j]] = y[j] }
        try requireFiniteResult(x, "minimum-norm solve")
        return x
    }
}
