internal import CPhysGradLAPACK

/// The Cholesky factorization `A = L Lᵀ` of a symmetric positive definite *band* matrix
/// (LAPACK `dpbtrf`): `a_ij = 0` for `|i - j| > bandwidth`.
///
/// Storage and work grow with `n · bandwidth` and `n · bandwidth²` instead of `n²` and `n³`, so
/// a blur kernel, a finite-difference Laplacian or a banded Hessian of a million unknowns is
/// factorized in milliseconds. Each solve costs `4 n · bandwidth` flops.
///
/// ```swift
/// // The 1-D Laplacian with Dirichlet ends: 2 on the diagonal, -1 next to it.
/// let chol = try BandedCholeskyFactorization(order: n, bandwidth: 1) { i, j in i == j ? 2 : -1 }
/// let u = try chol.solve(f)
/// ```
public struct BandedCholeskyFactorization: Sendable {
    /// The order n.
    public let order: Int
    /// The number of sub-diagonals kd (0 for a diagonal matrix).
    public let bandwidth: Int
    /// L in LAPACK's lower band storage: `L[i, j]` at `band[(i - j) + j * (bandwidth + 1)]`.
    public let band: [Double]

    /// Factorizes the symmetric band matrix whose lower band is `element(i, j)` for
    /// `j <= i <= min(n - 1, j + bandwidth)` (the upper band is its mirror image and is not asked for).
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a NaN or infinite
    ///   element (its index in band storage), ``LinearAlgebraError/notPositiveDefinite(order:)``,
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for an order or band
    ///   beyond LAPACK's 32-bit integers (checked before the band is allocated).
    /// - Precondition: `order >= 0`, `bandwidth >= 0`.
    public init(order n: Int, bandwidth kd: Int, element: (_ row: Int, _ column: Int) -> Double) throws(LinearAlgebraError) {
        precondition(n >= 0 && kd >= 0, "BandedCholeskyFactorization: negative order or bandwidth")
        let kd = min(kd, max(n - 1, 0))
        // Before `ld * n`, which overflows Int (a trap) for an order and band near 2^32.
        try requireLAPACKRange("banded Cholesky factorization", n, kd + 1)
        let ld = kd + 1
        var ab = [Double](repeating: 0, count: ld * n)
        for j in 0..<n {
            for i in j...min(n - 1, j + kd) { ab[(i - j) + j * ld] = element(i, j) }
        }
        order = n
        bandwidth = kd
        band = ab
        try _factorize()
    }

    private init(order: Int, bandwidth: Int, band: [Double]) {
        self.order = order
        self.bandwidth = bandwidth
        self.band = band
    }

    private mutating func _factorize() throws(LinearAlgebraError) {
        try requireFinite(band, "banded Cholesky factorization", "matrix band")
        guard order > 0 else { return }
        try requireLAPACKRange("banded Cholesky factorization", order, bandwidth + 1)
        var ab = band
        let (n, kd) = (order, bandwidth)
        let info = ab.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpbtrf_work(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), lapackInt(kd), p.baseAddress,
                                lapackInt(kd + 1))
        }
        checkArguments(info, "dpbtrf")
        if info > 0 { throw .notPositiveDefinite(order: Int(info)) }
        self = BandedCholeskyFactorization(order: n, bandwidth: kd, band: ab)
    }

    /// Solves `A x = b` (LAPACK `dpbtrs`).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``, and
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch(operation: "banded Cholesky solve", lhs: Shape(rows: order, columns: order), rhs: .vector(b.count))
        }
        try requireFinite(b, "banded Cholesky solve", "right-hand side")
        guard order > 0 else { return b }
        var x = b
        let (n, kd) = (order, bandwidth)
        let info = band.withUnsafeBufferPointer { ab in
            x.withUnsafeMutableBufferPointer { xp in
                LAPACKE_dpbtrs_work(columnMajorLayout, CChar(UInt8(ascii: "L")), lapackInt(n), lapackInt(kd), 1,
                                    ab.baseAddress, lapackInt(kd + 1), xp.baseAddress, lapackInt(n))
            }
        }
        checkArguments(info, "dpbtrs")
        try requireFiniteResult(x, "banded Cholesky solve")
        return x
    }

    /// `log det A = 2 Σ log L_ii`.
    public var logDeterminant: Double {
        var s = 0.0
        for j in 0..<order { s += _log(band[j * (bandwidth + 1)]) }
        return 2 * s
    }
}
