internal import CPhysGradLAPACK

/// The eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix (LAPACK `dsyevd`,
/// divide and conquer), with eigenvalues in ascending order and orthonormal eigenvectors.
///
/// Used to inspect a Hessian: its smallest eigenvalue says whether a Newton step descends,
/// and `λ_max / λ_min` is its condition number.
public struct SymmetricEigendecomposition: Sendable {
    /// The eigenvalues `λ_0 <= λ_1 <= ... <= λ_{n-1}`.
    public let eigenvalues: [Double]
    /// The eigenvectors as columns: `A V[:, k] = λ_k V[:, k]`, `VᵀV = I`.
    public let eigenvectors: Matrix

    /// Decomposes the symmetric matrix `a` (only its lower triangle is read, after a symmetry
    /// check with the same tolerance as ``CholeskyFactorization``).
    ///
    /// - Throws: ``LinearAlgebraError/notSquare(operation:shape:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``,
    ///   ``LinearAlgebraError/notSymmetric(operation:row:column:)``,
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a negative or NaN
    ///   `symmetryTolerance`,
    ///   ``LinearAlgebraError/noConvergence(operation:info:)``,
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when an eigenvalue overflows
    ///   (entries near the top of the range),
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` when `dsyevd`'s
    ///   workspace (2n² doubles) exceeds LAPACK's 32-bit integers.
    public init(_ a: Matrix, symmetryTolerance: Double = 1e-10) throws(LinearAlgebraError) {
        try requireSquare(a, "symmetric eigendecomposition")
        try requireFinite(a, "symmetric eigendecomposition", "matrix")
        try requireSymmetryTolerance(symmetryTolerance, "symmetric eigendecomposition")
        if let (i, j) = a._firstAsymmetry(relativeTolerance: symmetryTolerance) {
            throw .notSymmetric(operation: "symmetric eigendecomposition", row: i, column: j)
        }
        let n = a.rows
        var v = a
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            try requireLAPACKRange("symmetric eigendecomposition", n)
            // dsyevd's workspace for JOBZ = 'V', 1 + 6n + 2n², and its blocked optimum (32-bit sizes).
            try requireLAPACKWorkspace("symmetric eigendecomposition", 1 + 70 * Double(n) + 2 * Double(n) * Double(n))
            let info = v._elements.withUnsafeMutableBufferPointer { p in
                LAPACKE_dsyevd(columnMajorLayout, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")),
                               lapackInt(n), p.baseAddress, lapackInt(n), &w)
            }
            checkArguments(info, "dsyevd")
            if info > 0 { throw .noConvergence(operation: "symmetric eigendecomposition", info: Int(info)) }
            try requireFiniteResult(w, "symmetric eigendecomposition (eigenvalues)")
            try requireFiniteResult(v._elements, "symmetric eigendecomposition (eigenvectors)")
        }
        eigenvalues = w
        eigenvectors = v
    }

    /// `V diag(λ) Vᵀ`, the matrix this decomposition represents.
    public func reconstructed() -> Matrix {
        let n = eigenvalues.count
        var vl = eigenvectors
        for j in 0..<n { for i in 0..<n { vl[i, j] *= eigenvalues[j] } }
        var out = Matrix(rows: n, columns: n)
        // Shapes agree by construction.
        try! vl.multiply(eigenvectors, into: &out, transposeOther: true)
        return out
    }
}
