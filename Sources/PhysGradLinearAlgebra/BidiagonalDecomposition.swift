internal import CPhysGradLAPACK

/// The bidiagonal decomposition `A = Q [B; 0] Pᵀ` of an `m × n` matrix with m >= n (LAPACK
/// `dgebrd`): Q (m × m) and P (n × n) orthogonal, kept as Householder reflections, and B upper
/// bidiagonal (diagonal `d`, superdiagonal `e`).
///
/// It is the first half of an SVD at about a third of its cost, and it is what damped least
/// squares needs (Eldén 1977): since Q and P are orthogonal,
///
///     min ‖A x - b‖² + λ‖x‖²   has   x = P y,   y = argmin ‖B y - c‖² + λ‖y‖²,   c = (Qᵀb)[0 ..< n],
///
/// and the bidiagonal problem is solved for each λ in O(n) (``dampedSolve(_:lambda:into:)``: 2n Givens
/// rotations and a bidiagonal back substitution), so a search over λ costs one decomposition and
/// O(n) per trial instead of a factorization per trial.
public struct BidiagonalDecomposition: Sendable {
    /// m, the number of rows of A.
    public let rows: Int
    /// n, the number of columns of A.
    public let columns: Int
    /// B's diagonal, n entries.
    public let diagonal: [Double]
    /// B's superdiagonal, n - 1 entries (none for n = 0).
    public let superdiagonal: [Double]
    /// The Householder vectors of Q and P in LAPACK's layout, and their scalars.
    let factors: Matrix
    let tauQ: [Double], tauP: [Double]

    /// Decomposes `a`.
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(operation:argument:index:)``;
    ///   ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `a` has fewer
    ///   rows than columns (decompose `aᵀ` instead);
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when a Householder norm
    ///   overflows (entries near the top of Double's range; `dgebrd` does not rescale).
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        var workspace = BidiagonalWorkspace()
        try self.init(a, workspace: &workspace)
    }

    /// Decomposes `a` in `workspace`'s memory: the copy of `a` that becomes the factors and
    /// LAPACK's work array are kept there from call to call, so repeated decompositions of one
    /// shape touch the same pages instead of fresh ones. The decomposition shares the
    /// workspace's storage (copy-on-write): once it is dropped, the next call writes in place.
    ///
    /// - Throws: as ``init(_:)``.
    public init(_ a: Matrix, workspace: inout BidiagonalWorkspace) throws(LinearAlgebraError) {
        try requireFinite(a, "bidiagonal decomposition", "matrix")
        let m = a.rows, n = a.columns
        guard m >= n else {
            throw .dimensionMismatch(operation: "bidiagonal decomposition (needs at least as many rows as columns)",
                                     lhs: Shape(rows: m, columns: n), rhs: Shape(rows: n, columns: n))
        }
        try requireLAPACKRange("bidiagonal decomposition", m, n)
        rows = m
        columns = n
        // The workspace's copy, held only here while LAPACK writes it (so it is not copied again).
        var f = workspace.factors
        workspace.factors = Matrix(rows: 0, columns: 0)
        if f.rows == m && f.columns == n && m * n > 0 {
            f._elements.withUnsafeMutableBufferPointer { p in
                a._elements.withUnsafeBufferPointer { p.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
            }
        } else {
            f = a
        }
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: Swift.max(n - 1, 0))
        var tq = [Double](repeating: 0, count: n), tp = [Double](repeating: 0, count: n)
        if n > 0 {
            var eFull = [Double](repeating: 0, count: n)  // LAPACK wants room for n - 1, at least 1
            // The work array's size from LAPACK's query, grown when a larger shape asks for more.
            var size = 0.0
            let query = f._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dgebrd_work(columnMajorLayout, lapackInt(m), lapackInt(n), p.baseAddress, lapackInt(m),
                                    &d, &eFull, &tq, &tp, &size, -1)
            }
            checkArguments(query, "dgebrd")
            let lwork = Swift.max(1, Int(size))
            if workspace.reflectorWork.count < lwork { workspace.reflectorWork = [Double](repeating: 0, count: lwork) }
            let info = f._elements.withUnsafeMutableBufferPointer { p in
                workspace.reflectorWork.withUnsafeMutableBufferPointer { w in
                    LAPACKE_dgebrd_work(columnMajorLayout, lapackInt(m), lapackInt(n), p.baseAddress, lapackInt(m),
                                        &d, &eFull, &tq, &tp, w.baseAddress, lapackInt(w.count))
                }
            }
            checkArguments(info, "dgebrd")
            e = Array(eFull.prefix(n - 1))
            // An overflowing norm leaves ±inf in B and a NaN τ, which LAPACKE's NaN check of dormbr
            // would reject (a trap) in every later Qᵀb.
            if !(Vector.allFinite(d) && Vector.allFinite(e) && Vector.allFinite(tq) && Vector.allFinite(tp)
                 && Vector.allFinite(f._elements)) {
                workspace.factors = f
                try requireFiniteResult(d, "bidiagonal decomposition")
                try requireFiniteResult(e, "bidiagonal decomposition")
                try requireFiniteResult(f._elements, "bidiagonal decomposition")
                try requireFiniteResult(tq + tp, "bidiagonal decomposition")
            }
        }
        diagonal = d
        superdiagonal = e
        factors = f
        tauQ = tq
        tauP = tp
        workspace.factors = f
    }

    /// `Qᵀ b` (m entries): its first n are the right-hand side of the bidiagonal problem, the rest
    /// the part of b that A cannot reach.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` unless b has m
    ///   entries; ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in b.
    public func qTransposed(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == rows else {
            throw .dimensionMismatch(operation: "bidiagonal decomposition: Qᵀb", lhs: Shape(rows: rows, columns: columns), rhs: Shape(rows: b.count, columns: 1))
        }
        try requireFinite(b, "bidiagonal decomposition: Qᵀb", "b")
        var c = b
        if rows > 0 && columns > 0 {
            let info = factors._elements.withUnsafeBufferPointer { p in
                LAPACKE_dormbr(columnMajorLayout, CChar(UInt8(ascii: "Q")), CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")),
                               lapackInt(rows), 1, lapackInt(columns), p.baseAddress, lapackInt(rows), tauQ, &c, lapackInt(rows))
            }
            checkArguments(info, "dormbr")
        }
        return c
    }

    /// `P y` (n entries), the solution in A's variables of a problem solved in B's.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` unless y has n
    ///   entries; ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in y.
    public func p(_ y: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard y.count == columns else {
            throw .dimensionMismatch(operation: "bidiagonal decomposition: P y", lhs: Shape(rows: columns, columns: columns), rhs: Shape(rows: y.count, columns: 1))
        }
        try requireFinite(y, "bidiagonal decomposition: P y", "y")
        var x = y
        if columns > 1 {
            let info = factors._elements.withUnsafeBufferPointer { p in
                LAPACKE_dormbr(columnMajorLayout, CChar(UInt8(ascii: "P")), CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "N")),
                               lapackInt(columns), 1, lapackInt(rows), p.baseAddress, lapackInt(rows), tauP, &x, lapackInt(columns))
            }
            checkArguments(info, "dormbr")
        }
        return x
    }

    /// The singular values of B (and of A), descending, without vectors (LAPACK `dbdsqr`: O(n²)).
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(operation:info:)`` if the iteration fails.
    public func singularValues() throws(LinearAlgebraError) -> [Double] {
        let n = columns
        guard n > 0 else { return [] }
        var d = diagonal
        var e = superdiagonal + [0]
        // No vectors: VT, U and C are not referenced (LAPACKE still wants their leading dimensions).
        var vt = [Double](repeating: 0, count: 1), u = [Double](repeating: 0, count: 1), c = [Double](repeating: 0, count: 1)
        let info = LAPACKE_dbdsqr(columnMajorLayout, CChar(UInt8(ascii: "U")), lapackInt(n), 0, 0, 0, &d, &e,
                                  &vt, 1, &u, 1, &c, 1)
        checkArguments(info, "dbdsqr")
        if info > 0 { throw .noConvergence(operation: "bidiagonal singular values", info: Int(info)) }
        return d
    }

    /// The SVD of B, `B = U_B Σ V_Bᵀ` (LAPACK `dbdsdc`, divide and conquer). With it,
    /// `A = (Q [U_B; 0]) Σ (P V_B)ᵀ` is A's SVD, and a truncated solve needs only
    /// `U_Bᵀ (Qᵀb)[0 ..< n]` and `P (V_B w)`: two O(mn) reflector applications and two n × n
    /// products, where `dgesdd` also forms A's m × n and n × n singular vectors.
    ///
    /// - Returns: `u` (n × n, columns U_B's singular vectors), the singular values, descending,
    ///   and `vt` (n × n, rows V_B's).
    /// - Throws: as ``bidiagonalSVD(workspace:)``.
    public func bidiagonalSVD() throws(LinearAlgebraError) -> (u: Matrix, singularValues: [Double], vt: Matrix) {
        var workspace = BidiagonalWorkspace()
        return try bidiagonalSVD(workspace: &workspace)
    }

    /// ``bidiagonalSVD()`` in `workspace`'s memory: LAPACK's work arrays (3n² + 4n doubles and 8n
    /// integers) and the two n × n factors are kept there from call to call, so repeated SVDs of
    /// one order (a least-squares step per iteration) touch the same pages instead of fresh ones.
    /// The returned `u` and `vt` share the workspace's storage (copy-on-write): once they are
    /// dropped, the next call writes in place; while they are alive, it allocates.
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(operation:info:)`` if the iteration fails;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` when the work array
    ///   (3n² + 4n doubles) exceeds LAPACK's 32-bit integers (n > 26 754).
    public func bidiagonalSVD(workspace: inout BidiagonalWorkspace) throws(LinearAlgebraError)
        -> (u: Matrix, singularValues: [Double], vt: Matrix)
    {
        let n = columns
        if workspace.u.rows != n || workspace.u.columns != n { workspace.u = Matrix(rows: n, columns: n) }
        if workspace.vt.rows != n || workspace.vt.columns != n { workspace.vt = Matrix(rows: n, columns: n) }
        guard n > 0 else { return (workspace.u, [], workspace.vt) }
        // dbdsdc sizes and indexes its 3n² + 4n work array in 32-bit integers.
        try requireLAPACKWorkspace("bidiagonal singular value decomposition", 3 * Double(n) * Double(n) + 4 * Double(n))
        let lwork = 3 * n * n + 4 * n
        if workspace.work.count < lwork { workspace.work = [Double](repeating: 0, count: lwork) }
        if workspace.iwork.count < 8 * n { workspace.iwork = [LAPACKInt](repeating: 0, count: 8 * n) }
        var d = diagonal
        var e = superdiagonal + [0]
        // compq = "I": Q and IQ are not referenced.
        var q = [Double](repeating: 0, count: 1)
        var iq = [LAPACKInt](repeating: 0, count: 1)
        let info = workspace.u._elements.withUnsafeMutableBufferPointer { up in
            workspace.vt._elements.withUnsafeMutableBufferPointer { vp in
                workspace.work.withUnsafeMutableBufferPointer { w in
                    workspace.iwork.withUnsafeMutableBufferPointer { iw in
                        LAPACKE_dbdsdc_work(columnMajorLayout, CChar(UInt8(ascii: "U")), CChar(UInt8(ascii: "I")), lapackInt(n), &d, &e,
                                            up.baseAddress, lapackInt(n), vp.baseAddress, lapackInt(n), &q, &iq,
                                            w.baseAddress, iw.baseAddress)
                    }
                }
            }
        }
        checkArguments(info, "dbdsdc")
        if info > 0 { throw .noConvergence(operation: "bidiagonal singular value decomposition", info: Int(info)) }
        return (workspace.u, d, workspace.vt)
    }

    /// `y = argmin ‖B y - c‖² + λ‖y‖²` for λ >= 0 (c: n entries), i.e. `(BᵀB + λI) y = Bᵀc`, by
    /// Givens rotations that reduce `[B; √λ I]` to upper bidiagonal form (two per column; the
    /// rows of √λ I meet B's rows in turn, so nothing fills in beyond one entry) and a back
    /// substitution: O(n), no allocation beyond `y`. For λ = 0, B must be nonsingular (all of
    /// `diagonal` nonzero); otherwise entries of y are not finite. λ = +∞ gives y = 0, the limit.
    /// The rotations are formed without squaring B's entries beyond Double's range, so B may be
    /// scaled anywhere from 1e-300 to 1e300. c must be finite (it is not checked: the routine
    /// runs once per trial λ).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when c or y has
    ///   fewer than n entries; ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a
    ///   NaN λ; ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for λ < 0.
    public func dampedSolve(_ c: UnsafeBufferPointer<Double>, lambda: Double, into y: UnsafeMutableBufferPointer<Double>)
        throws(LinearAlgebraError)
    {
        let n = columns
        guard c.count >= n, y.count >= n else {
            throw .dimensionMismatch(operation: "bidiagonal decomposition: damped solve", lhs: Shape(rows: n, columns: n),
                                     rhs: Shape(rows: Swift.min(c.count, y.count), columns: 1))
        }
        if lambda.isNaN { throw .nonFinite(operation: "bidiagonal decomposition: damped solve", argument: "lambda", index: 0) }
        if lambda < 0 {
            throw .invalidArgument(operation: "bidiagonal decomposition: damped solve", argument: "lambda = \(lambda)",
                                   reason: "must be >= 0")
        }
        guard n > 0 else { return }
        if lambda == .infinity {
            for i in 0..<n { y[i] = 0 }
            return
        }
        let mu = lambda.squareRoot()
        diagonal.withUnsafeBufferPointer { d in
            superdiagonal.withUnsafeBufferPointer { e in
                // The reduced rows: R's diagonal in y (overwritten by the solution at the end),
                // R's superdiagonal is cs_i · e_i, stored in `rs` (reusing y is impossible: both are
                // needed in the back substitution), the rotated right-hand side in `z`.
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * n) { scratch in
                    let rd = scratch.baseAddress!, rs = rd + n, z = rs + n
                    // The one row left over from earlier columns: `fill` in the current column,
                    // right-hand side `g`.
                    var fill = 0.0, g = 0.0
                    for i in 0..<n {
                        // Merge √λ's row i (√λ in column i, right-hand side 0) into the left-over row.
                        let a = _hypotenuse(fill, mu)
                        if a > 0 { g *= fill / a }
                        // Rotate B's row i (d_i, e_i; c_i) against it (a, 0; g).
                        let di = d[i], r = _hypotenuse(di, a)
                        let cs = r > 0 ? di / r : 1, sn = r > 0 ? a / r : 0
                        rd[i] = r
                        z[i] = cs * c[i] + sn * g
                        g = cs * g - sn * c[i]
                        if i < n - 1 {
                            rs[i] = cs * e[i]
                            fill = -sn * e[i]
                        }
                    }
                    // R y = z, R upper bidiagonal.
                    y[n - 1] = z[n - 1] / rd[n - 1]
                    var i = n - 2
                    while i >= 0 {
                        y[i] = (z[i] - rs[i] * y[i + 1]) / rd[i]
                        i -= 1
                    }
                }
            }
        }
    }

    /// `‖B y‖²`, for the reduction `‖c‖² - ‖c - B y‖² = ‖B y‖² + 2λ‖y‖²` that a damped solution
    /// predicts (that form has no cancellation). y is not checked (it is a damped solution's
    /// output): NaN or infinity in it, or a square beyond Double's range, propagates to the result.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when y has fewer than n entries.
    public func bNormSquared(_ y: UnsafeBufferPointer<Double>) throws(LinearAlgebraError) -> Double {
        let n = columns
        guard y.count >= n else {
            throw .dimensionMismatch(operation: "bidiagonal decomposition: ‖B y‖²", lhs: Shape(rows: n, columns: n), rhs: Shape(rows: y.count, columns: 1))
        }
        var s = 0.0
        for i in 0..<n {
            let v = diagonal[i] * y[i] + (i < n - 1 ? superdiagonal[i] * y[i + 1] : 0)
            s += v * v
        }
        return s
    }
}

/// `√(x² + z²)` without overflow or underflow in the squares: the plain formula while x² + z² is
/// a normal number well inside Double's range (one comparison), else scaled by max(|x|, |z|).
@inline(__always)
func _hypotenuse(_ x: Double, _ z: Double) -> Double {
    let s = x * x + z * z
    if s >= 0x1p-960 && s <= 0x1p960 { return s.squareRoot() }
    let ax = Swift.abs(x), az = Swift.abs(z), t = Swift.max(ax, az)
    if t == 0 || !t.isFinite { return t }
    let u = Swift.min(ax, az) / t
    return t * (1 + u * u).squareRoot()
}

/// Memory that ``BidiagonalDecomposition/init(_:workspace:)`` and
/// ``BidiagonalDecomposition/bidiagonalSVD(workspace:)`` keep from call to call: the m × n factors,
/// LAPACK's work arrays (`dgebrd`'s; `dbdsdc`'s 3n² + 4n doubles and 8n integers) and the two
/// n × n factors U_B and V_Bᵀ, grown to the largest sizes seen. Empty until first used.
public struct BidiagonalWorkspace: Sendable {
    var factors = Matrix(rows: 0, columns: 0)
    var reflectorWork: [Double] = []
    var work: [Double] = []
    var iwork: [LAPACKInt] = []
    var u = Matrix(rows: 0, columns: 0)
    var vt = Matrix(rows: 0, columns: 0)

    /// An empty workspace.
    public init() {}
}
