internal import CPhysGradLAPACK

/// The eigendecomposition of a symmetric matrix kept in factored form,
/// `A = Q (Z diag(λ) Zᵀ) Qᵀ`: the Householder reflectors `Q` of the reduction to a tridiagonal
/// matrix `T = Qᵀ A Q` (LAPACK `dsytrd`) and the eigenvectors `Z` of `T` (`dstedc`, divide and
/// conquer), eigenvalues ascending.
///
/// A function of the matrix applied to a vector, `f(A) b = Q Z f(Λ) Zᵀ Qᵀ b`
/// (``apply(_:function:)``), then costs `O(n²)` without forming A's eigenvectors `Q Z`, which
/// ``SymmetricEigendecomposition`` (`dsyevd`) builds with another `2 n³` flops (about a third of
/// its time at n = 128). For one or a few products per decomposition, as in half-inverse
/// gradients (`f(λ) = λ^(-3/4)` on the kept eigenvalues), this is the cheaper form.
public struct FactoredSymmetricEigendecomposition: Sendable {
    /// The eigenvalues `λ_0 <= λ_1 <= ... <= λ_{n-1}`.
    public let eigenvalues: [Double]
    /// The reflectors below the diagonal of `dsytrd`'s output (its lower triangle form).
    var reflectors: Matrix
    let tau: [Double]
    /// The eigenvectors of T, as columns.
    let z: Matrix

    /// The order n.
    public var order: Int { eigenvalues.count }

    /// Decomposes the symmetric matrix `a` (only its lower triangle is read, after the symmetry
    /// check of ``SymmetricEigendecomposition``).
    ///
    /// - Throws: ``LinearAlgebraError/notSquare(operation:shape:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``,
    ///   ``LinearAlgebraError/notSymmetric(operation:row:column:)``,
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a negative or NaN
    ///   `symmetryTolerance`,
    ///   ``LinearAlgebraError/noConvergence(operation:info:)``,
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when an eigenvalue overflows
    ///   (also when it shows first as an overflow in the tridiagonal reduction, whose norms are
    ///   bounded by the largest |λ|),
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` when `dstedc`'s
    ///   workspace (n² doubles) exceeds LAPACK's 32-bit integers.
    public init(_ a: Matrix, symmetryTolerance: Double = 1e-10) throws(LinearAlgebraError) {
        let operation = "factored symmetric eigendecomposition"
        try requireSquare(a, operation)
        try requireFinite(a, operation, "matrix")
        try requireSymmetryTolerance(symmetryTolerance, operation)
        if let (i, j) = a._firstAsymmetry(relativeTolerance: symmetryTolerance) {
            throw .notSymmetric(operation: operation, row: i, column: j)
        }
        let n = a.rows
        var q = a
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: Swift.max(n - 1, 1))
        var t = e
        var vectors = Matrix(rows: n, columns: n)
        if n > 0 {
            try requireLAPACKRange(operation, n)
            // dstedc's workspace for COMPZ = 'I', 1 + 4n + n², and dsytrd's blocked n·nb (32-bit sizes).
            try requireLAPACKWorkspace(operation, 1 + 68 * Double(n) + Double(n) * Double(n))
            let info = q._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dsytrd(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), p.baseAddress, lapackInt(n), &d, &e, &t)
            }
            checkArguments(info, "dsytrd")
            // dsytrd does not rescale: an overflowing reflector norm leaves inf/NaN in T and τ,
            // which LAPACKE's NaN check of dstedc and dormtr would reject (a trap).
            try requireFiniteResult(d, operation + " (eigenvalues)")
            try requireFiniteResult(e, operation + " (eigenvalues)")
            try requireFiniteResult(t, operation + " (eigenvalues)")
            try requireFiniteResult(q._elements, operation + " (eigenvalues)")
            let info2 = vectors._elements.withUnsafeMutableBufferPointer { zp in
                LAPACKE_dstedc(columnMajorLayout, CChar(UInt8(ascii: "I")), lapackInt(n), &d, &e, zp.baseAddress, lapackInt(n))
            }
            checkArguments(info2, "dstedc")
            if info2 > 0 { throw .noConvergence(operation: operation, info: Int(info2)) }
            try requireFiniteResult(d, operation + " (eigenvalues)")
        }
        eigenvalues = d
        reflectors = q
        tau = t
        z = vectors
    }

    /// `f(A) b = Σ_k f(λ_k) u_k u_kᵀ b`, with `u_k` the eigenvectors of A; `f(λ) = 0` leaves
    /// an eigenpair out (a truncated pseudo-inverse: `f(λ) = λ > τ ? 1/λ : 0`).
    ///
    /// `mutating` because LAPACK's `dormtr` may use the reflectors' storage as scratch (it
    /// restores it); a copy of the decomposition shared with another thread is copied first.
    ///
    /// - Parameters:
    ///   - b: the vector, n entries.
    ///   - function: called once per eigenvalue, in ascending order.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` when `b` has not n
    ///   entries, ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a non-finite
    ///   `b` or a non-finite `f(λ_k)`, ``LinearAlgebraError/nonFiniteResult(operation:index:)``
    ///   when the result overflows (`f(λ) = 1/λ` on an eigenvalue tiny against b).
    public mutating func apply(_ b: [Double], function: (Double) -> Double) throws(LinearAlgebraError) -> [Double] {
        let n = order
        guard b.count == n else {
            throw .dimensionMismatch(operation: "symmetric matrix function", lhs: Shape(rows: n, columns: n), rhs: .vector(b.count))
        }
        try requireFinite(b, "symmetric matrix function", "vector")
        if n == 0 { return [] }
        let weights = eigenvalues.map(function)
        try requireFinite(weights, "symmetric matrix function", "f(eigenvalue)")
        var h = b
        applyReflectors(&h, transposed: true)               // h = Qᵀ b
        var c = [Double](repeating: 0, count: n)
        z._gemv(h, into: &c, transposed: true)             // c = Zᵀ h
        for k in 0..<n { c[k] *= weights[k] }
        z._gemv(c, into: &h, transposed: false)            // h = Z f(Λ) c
        // Before dormtr: LAPACKE rejects a NaN in h as an illegal argument (a trap in checkArguments).
        try requireFiniteResult(h, "symmetric matrix function")
        applyReflectors(&h, transposed: false)              // Q h
        try requireFiniteResult(h, "symmetric matrix function")
        return h
    }

    /// `h ← Qᵀ h` or `h ← Q h` (LAPACK `dormtr`).
    mutating func applyReflectors(_ h: inout [Double], transposed: Bool) {
        let n = order
        guard n > 1 else { return }
        let info = reflectors._elements.withUnsafeMutableBufferPointer { a in
            tau.withUnsafeBufferPointer { t in
                h.withUnsafeMutableBufferPointer { c in
                    LAPACKE_dormtr(columnMajorLayout, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "L")),
                                   CChar(UInt8(ascii: transposed ? "T" : "N")), lapackInt(n), 1,
                                   a.baseAddress, lapackInt(n), t.baseAddress, c.baseAddress, lapackInt(n))
                }
            }
        }
        checkArguments(info, "dormtr")
    }
}
