internal import CPhysGradLAPACK

/// The thin singular value decomposition `A = U Σ Vᵀ` of an `m × n` matrix (LAPACK `dgesdd`,
/// divide and conquer), with `k = min(m, n)` singular values in descending order.
///
/// `U` is `m × k` and `Vᵀ` is `k × n`, both with orthonormal rows/columns. Pseudo-inverses and
/// their fractional powers come from it directly: with singular values below `τ · σ_max`
/// truncated, `A⁺ = V Σ⁻¹ Uᵀ`, and the half-inverse of the book's HIG update is
/// `V Σ^(-1/2) Uᵀ` (``pseudoInverseProduct(_:power:relativeTruncation:)``).
public struct SingularValueDecomposition: Sendable {
    /// The left singular vectors as the columns of an `m × k` matrix.
    public let u: Matrix
    /// The singular values `σ_0 >= σ_1 >= ... >= σ_{k-1} >= 0`.
    public let singularValues: [Double]
    /// The right singular vectors as the rows of a `k × n` matrix.
    public let vt: Matrix

    /// Decomposes `a`.
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(operation:argument:index:)``,
    ///   ``LinearAlgebraError/noConvergence(operation:info:)`` if the iteration fails,
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` when a dimension or
    ///   `dgesdd`'s workspace (about 7 min(m, n)² doubles) exceeds LAPACK's 32-bit integers.
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        try requireFinite(a, "singular value decomposition", "matrix")
        let m = a.rows, n = a.columns, k = Swift.min(m, n)
        var work = a
        var s = [Double](repeating: 0, count: k)
        var uu = Matrix(rows: m, columns: k)
        var v = Matrix(rows: k, columns: n)
        if k > 0 {
            try requireLAPACKRange("singular value decomposition", m, n)
            // dgesdd's documented minimum for JOBZ = 'S', 3k² + max(max(m, n), 4k² + 4k), and a
            // margin for its blocked optimum (block size 64 times at most 3k: the bidiagonal
            // reduction runs on an m × n with m < 11n/6, or on the k × k triangle of a QR step):
            // LAPACK computes these sizes in 32-bit integers.
            let kk = Double(k)
            try requireLAPACKWorkspace("singular value decomposition",
                                       3 * kk * kk + Swift.max(Double(Swift.max(m, n)), 4 * kk * kk + 4 * kk) + 192 * kk)
            let info = work._elements.withUnsafeMutableBufferPointer { ap in
                uu._elements.withUnsafeMutableBufferPointer { up in
                    v._elements.withUnsafeMutableBufferPointer { vp in
                        LAPACKE_dgesdd(columnMajorLayout, CChar(UInt8(ascii: "S")), lapackInt(m), lapackInt(n),
                                       ap.baseAddress, lapackInt(m), &s, up.baseAddress, lapackInt(m),
                                       vp.baseAddress, lapackInt(k))
                    }
                }
            }
            checkArguments(info, "dgesdd")
            if info > 0 { throw .noConvergence(operation: "singular value decomposition", info: Int(info)) }
        }
        u = uu
        singularValues = s
        vt = v
    }

    /// The number of singular values above `relativeTruncation · σ_max` (a negative
    /// `relativeTruncation` counts as 0; a NaN one, against which no comparison holds, gives 0).
    public func rank(relativeTruncation: Double) -> Int {
        guard let first = singularValues.first, first > 0 else { return 0 }
        let threshold = first * Swift.max(relativeTruncation, 0)
        return singularValues.prefix { $0 > threshold }.count
    }

    /// `V Σ^(-power) Uᵀ b` over the singular values above `relativeTruncation · σ_max` (the
    /// others are dropped): `power = 1` is the truncated pseudo-inverse `A⁺ b`, `power = 1/2`
    /// the half-inverse of half-inverse gradients.
    ///
    /// - Parameters:
    ///   - b: a vector of m entries.
    ///   - power: the exponent applied to the kept singular values (positive).
    ///   - relativeTruncation: singular values `σ_i <= relativeTruncation · σ_0` are dropped.
    /// - Returns: the n entries of the product and the number of singular values kept.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for NaN or infinity in `b` or
    ///   `power`, or a NaN `relativeTruncation`;
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when the product overflows (kept
    ///   singular values tiny against b).
    public func pseudoInverseProduct(
        _ b: [Double], power: Double = 1, relativeTruncation: Double
    ) throws(LinearAlgebraError) -> (product: [Double], rank: Int) {
        guard b.count == u.rows else {
            throw .dimensionMismatch(operation: "pseudo-inverse product", lhs: Shape(rows: vt.columns, columns: u.rows),
                                     rhs: .vector(b.count))
        }
        try requireFinite(b, "pseudo-inverse product", "vector")
        if !power.isFinite { throw .nonFinite(operation: "pseudo-inverse product", argument: "power", index: 0) }
        // A NaN threshold would silently drop every singular value.
        if relativeTruncation.isNaN {
            throw .nonFinite(operation: "pseudo-inverse product", argument: "relativeTruncation", index: 0)
        }
        let r = rank(relativeTruncation: relativeTruncation)
        var coefficients = [Double](repeating: 0, count: singularValues.count)
        if r > 0 {
            // c = Uᵀ b over the kept columns, scaled by σ^(-power).
            u._gemv(b, into: &coefficients, transposed: true)
            for i in 0..<singularValues.count {
                let sigma = singularValues[i]
                coefficients[i] = i < r ? coefficients[i] / (power == 1 ? sigma : _pow(sigma, power)) : 0
            }
        }
        var x = [Double](repeating: 0, count: vt.columns)
        if !singularValues.isEmpty { vt._gemv(coefficients, into: &x, transposed: true) }  // x = V c
        try requireFiniteResult(x, "pseudo-inverse product")
        return (x, r)
    }
}
