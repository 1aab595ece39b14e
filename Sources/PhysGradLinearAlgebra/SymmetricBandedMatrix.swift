internal import CPhysGradLAPACK

/// A symmetric n × n *band* matrix: `a_ij = a_ji`, and 0 for `|i - j| > bandwidth`, stored as
/// LAPACK's lower band storage: `a_ij` (i >= j) at `band[(i - j) + j · (bandwidth + 1)]`.
///
/// The normal matrix `JᵀJ` of a banded Jacobian and the Hessian of a sum of local terms have this
/// form. Products (`dsbmv`) cost `4 n · bandwidth` flops, and the shifted Cholesky
/// factorizations of ``ShiftedBandedCholesky`` `n · bandwidth²` instead of `n³/3`.
public struct SymmetricBandedMatrix: Sendable, Hashable {
    /// n.
    public let order: Int
    /// The number of sub-diagonals kd (clamped to n - 1).
    public let bandwidth: Int
    /// The lower band, `bandwidth + 1` rows, column-major.
    public private(set) var band: [Double]

    /// The zero matrix of order n with `bandwidth` sub-diagonals.
    ///
    /// - Precondition: `order >= 0`, `bandwidth >= 0`.
    public init(order n: Int, bandwidth kd: Int) {
        precondition(n >= 0 && kd >= 0, "SymmetricBandedMatrix: negative order or bandwidth")
        order = n
        bandwidth = Swift.min(kd, Swift.max(n - 1, 0))
        band = [Double](repeating: 0, count: (bandwidth + 1) * n)
    }

    /// The matrix whose lower band is `element(i, j)` for `j <= i <= j + bandwidth` (the upper band
    /// is its mirror image and is not asked for).
    public init(order n: Int, bandwidth kd: Int, element: (_ row: Int, _ column: Int) -> Double) {
        self.init(order: n, bandwidth: kd)
        let ld = bandwidth + 1
        for j in 0..<n {
            for i in j..<Swift.min(n, j + ld) { band[(i - j) + j * ld] = element(i, j) }
        }
    }

    /// The band of `products`, the n × (2 bandwidth + 1) matrix of products `A sᶜ` with the cyclic
    /// seeds `sᶜ = Σ_{j ≡ c mod (2 bandwidth + 1)} e_j`: `a_ij = products[i, j mod (2 bandwidth + 1)]`
    /// for `j <= i` (see ``BandedMatrix/init(rows:columns:lower:upper:compressed:)``), then
    /// symmetrized: each stored entry is the mean of `a_ij` and `a_ji` as the products give them.
    ///
    /// - Precondition: `products` has n rows and at least `min(2 bandwidth + 1, n)` columns.
    public init(order n: Int, bandwidth kd: Int, compressed products: Matrix) {
        self.init(order: n, bandwidth: kd)
        let w = bandwidth, colours = 2 * w + 1
        precondition(products.rows == n && products.columns >= Swift.min(colours, n),
                     "SymmetricBandedMatrix: \(products.rows) x \(products.columns) products for order \(n), \(colours) colours")
        products.withUnsafeBufferPointer { p in
            for j in 0..<n {
                for i in j..<Swift.min(n, j + w + 1) {
                    // a_ij from the product of j's colour, a_ji from i's.
                    band[(i - j) + j * (w + 1)] = 0.5 * (p[i + (j % colours) * n] + p[j + (i % colours) * n])
                }
            }
        }
    }

    /// The band of a dense symmetric matrix (entries outside it are dropped; only the lower
    /// triangle is read).
    ///
    /// - Precondition: `a` is square, `bandwidth >= 0`.
    public init(_ a: Matrix, bandwidth kd: Int) {
        precondition(a.isSquare, "SymmetricBandedMatrix: \(a.shape) is not square")
        self.init(order: a.rows, bandwidth: kd) { i, j in a[i, j] }
    }

    /// Mutable access to the band for this module's kernels.
    mutating func _withBand<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        try band.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// `a_ij` (0 outside the band). Setting `a_ij` sets `a_ji` too; outside the band it traps.
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < order && column >= 0 && column < order, "SymmetricBandedMatrix: index out of range")
            let (i, j) = row >= column ? (row, column) : (column, row)
            return i - j > bandwidth ? 0 : band[(i - j) + j * (bandwidth + 1)]
        }
        set {
            let (i, j) = row >= column ? (row, column) : (column, row)
            precondition(j >= 0 && i < order && i - j <= bandwidth, "SymmetricBandedMatrix: (\(row), \(column)) is outside the band")
            band[(i - j) + j * (bandwidth + 1)] = newValue
        }
    }

    /// `true` when every stored entry is finite.
    public var isFinite: Bool { Vector.allFinite(band) }

    /// The matrix of absolute values `|a_ij|`.
    public var absolute: SymmetricBandedMatrix {
        var a = self
        for i in a.band.indices { a.band[i] = Swift.abs(a.band[i]) }
        return a
    }

    /// Multiplies every entry by `alpha`.
    public mutating func scale(by alpha: Double) { Vector.scale(&band, by: alpha) }

    /// `A ← S A S` for the diagonal `S = diag(s)`: `a_ij ← s_i a_ij s_j` (a congruence, so the
    /// result is symmetric and keeps A's inertia for nonzero s).
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)`` unless `s` has n entries.
    public mutating func scaleSymmetrically(by s: [Double]) throws(LinearAlgebraError) {
        guard s.count == order else {
            throw .dimensionMismatch(operation: "symmetric diagonal scaling", lhs: Shape(rows: order, columns: order), rhs: .vector(s.count))
        }
        let n = order, ld = bandwidth + 1
        band.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                let sj = s[j]
                for i in j..<Swift.min(n, j + ld) { a[(i - j) + j * ld] *= s[i] * sj }
            }
        }
    }

    /// The diagonal.
    public var diagonalElements: [Double] { (0..<order).map { band[$0 * (bandwidth + 1)] } }

    /// The dense matrix.
    public var dense: Matrix {
        Matrix(rows: order, columns: order) { i, j in Swift.abs(i - j) <= bandwidth ? self[i, j] : 0 }
    }

    /// Row sums of `|a_ij|` off the diagonal (Gershgorin radii).
    public var offDiagonalRowSums: [Double] {
        let n = order, ld = bandwidth + 1
        var s = [Double](repeating: 0, count: n)
        band.withUnsafeBufferPointer { a in
            s.withUnsafeMutableBufferPointer { sums in
                for j in 0..<n {
                    let column = j * ld - j
                    var own = 0.0
                    for i in (j + 1)..<Swift.max(j + 1, Swift.min(n, j + ld)) {
                        let v = Swift.abs(a[column + i])
                        sums[i] += v
                        own += v
                    }
                    sums[j] += own
                }
            }
        }
        return s
    }

    /// `‖A‖₁ = ‖A‖∞`, the largest absolute column sum (NaN if an entry is NaN).
    public var normOne: Double {
        let off = offDiagonalRowSums
        var m = 0.0
        for i in 0..<order {
            let s = off[i] + Swift.abs(band[i * (bandwidth + 1)])
            // `Swift.max` would drop a NaN sum (NaN compares false): propagate it.
            if s.isNaN { return s }
            m = Swift.max(m, s)
        }
        return m
    }

    /// The Frobenius norm, computed without overflow or underflow (as ``Matrix/normFrobenius``).
    public var normFrobenius: Double {
        let n = order, ld = bandwidth + 1
        func sumOfSquares(_ divisor: Double) -> Double {
            var s = 0.0
            for j in 0..<n {
                let d = band[j * ld] / divisor
                s += d * d
                for i in (j + 1)..<Swift.max(j + 1, Swift.min(n, j + ld)) {
                    let v = band[(i - j) + j * ld] / divisor
                    s += 2 * v * v
                }
            }
            return s
        }
        let s = sumOfSquares(1)
        // 2^-1000 < s < inf: no square can have overflowed or lost its digits to underflow.
        if s.isFinite && s > 0x1p-1000 { return s.squareRoot() }
        if s.isNaN { return s }
        // Rescale by the largest magnitude (only the referenced band entries are nonzero).
        let m = Vector.normInf(band)
        if m.isInfinite || m.isNaN || m == 0 { return m }
        return m * sumOfSquares(m).squareRoot()
    }

    /// `y ← α A x + β y` (BLAS `dsbmv`), without allocating. With `β = 0`, `y`'s old contents are ignored.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for an order beyond
    ///   BLAS's 32-bit integers.
    public func multiply(_ x: [Double], into y: inout [Double], alpha: Double = 1, beta: Double = 0) throws(LinearAlgebraError) {
        guard x.count == order, y.count == order else {
            throw .dimensionMismatch(operation: "sbmv", lhs: Shape(rows: order, columns: order),
                                     rhs: .vector(x.count == order ? y.count : x.count))
        }
        guard order > 0 else { return }
        try requireLAPACKRange("sbmv", order, bandwidth + 1)
        band.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_dsbmv(CblasColMajor, CblasLower, Int32(order), Int32(bandwidth), alpha, a.baseAddress,
                                Int32(bandwidth + 1), xp.baseAddress, 1, beta, yp.baseAddress, 1)
                }
            }
        }
    }

    /// `A x`.
    public func multiply(_ x: [Double]) throws(LinearAlgebraError) -> [Double] {
        var y = [Double](repeating: 0, count: order)
        try multiply(x, into: &y)
        return y
    }
}

/// The Cholesky factorization `A + σI = L Lᵀ` of a symmetric band matrix shifted by σ (the
/// algorithm of LAPACK's `dpbtf2`), kept in storage that the next factorization reuses: the shifted systems of
/// Levenberg-Marquardt damping and trust-region subproblems, `(A + λI) p = -g`, for several λ
/// against one A, without an allocation per λ. `n · bandwidth²` flops per factorization,
/// `4 n · bandwidth` per solve.
///
/// ```swift
/// var chol = ShiftedBandedCholesky()
/// try chol.factorize(jtj, shift: lambda)       // throws .notPositiveDefinite(order:) otherwise
/// let p = try chol.solve(g)
/// ```
public struct ShiftedBandedCholesky: Sendable {
    /// n (0 before the first factorization).
    public private(set) var order = 0
    /// The number of sub-diagonals of L.
    public private(set) var bandwidth = 0
    /// σ of the last factorization.
    public private(set) var shift = 0.0
    /// `true` when the last factorization succeeded (solves need one).
    public private(set) var isFactored = false
    /// L in LAPACK's lower band storage.
    public private(set) var band: [Double] = []
    /// `1 / l_jj`: the solves multiply by these (a multiplication is off the dependency chain from
    /// one unknown to the next far sooner than a division).
    private var reciprocals: [Double] = []

    public init() {}

    /// Factorizes `a + shift · I` in this value's storage.
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(operation:argument:index:)`` for a non-finite entry
    ///   or shift, ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when a diagonal entry
    ///   `a_jj + shift` overflows (its index in band storage),
    ///   ``LinearAlgebraError/notPositiveDefinite(order:)`` (the value then holds no factor).
    public mutating func factorize(_ a: SymmetricBandedMatrix, shift sigma: Double) throws(LinearAlgebraError) {
        isFactored = false
        guard sigma.isFinite else { throw .nonFinite(operation: "banded Cholesky factorization", argument: "shift", index: 0) }
        try requireFinite(a.band, "banded Cholesky factorization", "matrix band")
        let n = a.order, kd = a.bandwidth, ld = kd + 1
        if band.count == a.band.count {
            band.withUnsafeMutableBufferPointer { dst in a.band.withUnsafeBufferPointer { src in _ = dst.update(fromContentsOf: src) } }
        } else {
            band = a.band
        }
        order = n
        bandwidth = kd
        shift = sigma
        guard n > 0 else {
            isFactored = true
            return
        }
        if reciprocals.count != n { reciprocals = [Double](repeating: 0, count: n) }
        var overflow: Int? = nil
        let failed = band.withUnsafeMutableBufferPointer { p in
            reciprocals.withUnsafeMutableBufferPointer { r -> Int? in
                if sigma != 0 {
                    for j in 0..<n { p[j * ld] += sigma }
                    // Finite a_jj and σ can sum to ±infinity: that is an overflow, not a verdict on
                    // definiteness.
                    for j in 0..<n where !p[j * ld].isFinite {
                        overflow = j * ld
                        return nil
                    }
                }
                return Self.factorInPlace(p, reciprocals: r, n: n, kd: kd)
            }
        }
        if let index = overflow { throw .nonFiniteResult(operation: "banded Cholesky factorization", index: index) }
        if let k = failed { throw .notPositiveDefinite(order: k) }
        isFactored = true
    }

    private func check(_ b: [Double], _ operation: String) throws(LinearAlgebraError) {
        // Whether the last factorization succeeded depends on the data (a shift too small for an
        // indefinite A), so a solve without one is a typed error, not a trap.
        guard isFactored else {
            throw .invalidArgument(operation: operation, argument: "the factorization",
                                   reason: "is missing: the last factorize(_:shift:) threw, or none ran")
        }
        guard b.count == order else {
            throw .dimensionMismatch(operation: operation, lhs: Shape(rows: order, columns: order), rhs: .vector(b.count))
        }
        try requireFinite(b, operation, "right-hand side")
    }

    /// Solves `(A + σI) x = b` in place (two triangular band solves, as LAPACK's `dpbtrs`).
    ///
    /// - Throws: ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` unless the last
    ///   factorization succeeded (``isFactored``),
    ///   ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``,
    ///   ``LinearAlgebraError/nonFinite(operation:argument:index:)``, and
    ///   ``LinearAlgebraError/nonFiniteResult(operation:index:)`` when x overflows.
    public func solve(_ b: inout [Double]) throws(LinearAlgebraError) {
        try check(b, "banded Cholesky solve")
        guard order > 0 else { return }
        band.withUnsafeBufferPointer { l in
            reciprocals.withUnsafeBufferPointer { d in
                b.withUnsafeMutableBufferPointer { x in
                    Self.forward(l, d, x, n: order, kd: bandwidth)
                    Self.backward(l, d, x, n: order, kd: bandwidth)
                }
            }
        }
        try requireFiniteResult(b, "banded Cholesky solve")
    }

    /// `(A + σI)⁻¹ b`.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        var x = b
        try solve(&x)
        return x
    }

    /// Solves `L x = b` with the lower factor alone (as BLAS `dtbsv`): `‖x‖₂² = bᵀ(A + σI)⁻¹b`.
    ///
    /// - Throws: as the in-place `solve(_:)`.
    public func solveLower(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try check(b, "banded triangular solve")
        var x = b
        guard order > 0 else { return x }
        band.withUnsafeBufferPointer { l in
            reciprocals.withUnsafeBufferPointer { d in x.withUnsafeMutableBufferPointer { Self.forward(l, d, $0, n: order, kd: bandwidth) } }
        }
        try requireFiniteResult(x, "banded triangular solve")
        return x
    }

    // The kernels: column-oriented, so every inner loop runs over contiguous storage. For the
    // narrow bands of this module's users (kd <= 40) they take a fraction of LAPACK's `dpbtf2`
    // (one BLAS `dsyr` call per column) and `dpbtrs` time; LAPACK's blocked `dpbtrf` wins only for
    // much wider bands, where n · kd² dominates any call overhead.

    /// Right-looking Cholesky of the lower band `l` (n columns, kd sub-diagonals) in place, with
    /// `1/l_jj` in `reciprocals`; returns the order of the first leading minor that is not
    /// positive definite, or `nil`.
    private static func factorInPlace(_ l: UnsafeMutableBufferPointer<Double>, reciprocals: UnsafeMutableBufferPointer<Double>,
                                      n: Int, kd: Int) -> Int? {
        guard let base = l.baseAddress else { return nil }
        let ld = kd + 1
        for j in 0..<n {
            let column = base + j * ld
            let d = column[0]
            guard d > 0, d.isFinite else { return j + 1 }
            let root = d.squareRoot()
            column[0] = root
            let inverse = 1 / root
            reciprocals[j] = inverse
            let kn = Swift.min(kd, n - 1 - j)
            guard kn > 0 else { continue }
            for r in 1...kn { column[r] *= inverse }
            // The trailing kn × kn triangle: A[j + r, j + c] -= L[j + r, j] L[j + c, j], r >= c;
            // column j + c of the band holds rows j + c ... j + kn contiguously from its diagonal.
            for c in 1...kn {
                let lc = column[c]
                if lc == 0 { continue }
                let target = base + (j + c) * ld, source = column + c
                for t in 0..<(kn - c + 1) { target[t] -= source[t] * lc }
            }
        }
        return nil
    }

    // Both triangular solves are column sweeps in axpy form: once x_j is known, it is removed from
    // the equations of the unknowns still to come, so the chain from one unknown to the next is
    // one multiply-subtract and one multiply by 1/l_jj (a dot-product form waits for a whole sum,
    // and a division, per unknown).

    /// x ← L⁻¹ x.
    private static func forward(_ l: UnsafeBufferPointer<Double>, _ reciprocals: UnsafeBufferPointer<Double>,
                                _ x: UnsafeMutableBufferPointer<Double>, n: Int, kd: Int) {
        guard let base = l.baseAddress, let xs = x.baseAddress else { return }
        let ld = kd + 1
        for j in 0..<n {
            let column = base + j * ld
            let v = xs[j] * reciprocals[j]
            xs[j] = v
            let kn = Swift.min(kd, n - 1 - j)
            if kn > 0 && v != 0 {
                let tail = xs + j
                for r in 1...kn { tail[r] -= column[r] * v }
            }
        }
    }

    /// x ← L⁻ᵀ x: for j = n-1 down to 0, x_j ← x_j / l_jj, then x_i ← x_i - l_ji x_j for the
    /// i < j in the band (row j of L, read along the band's anti-diagonal).
    private static func backward(_ l: UnsafeBufferPointer<Double>, _ reciprocals: UnsafeBufferPointer<Double>,
                                 _ x: UnsafeMutableBufferPointer<Double>, n: Int, kd: Int) {
        guard let base = l.baseAddress, let xs = x.baseAddress else { return }
        let ld = kd + 1
        var j = n - 1
        while j >= 0 {
            let v = xs[j] * reciprocals[j]
            xs[j] = v
            let kn = Swift.min(kd, j)
            if kn > 0 && v != 0 {
                // l_{j, j-r} sits at band[r + (j - r) ld] = band[j ld - r (ld - 1)].
                let row = base + j * ld
                for r in 1...kn { xs[j &- r] -= (row - r &* kd).pointee * v }
            }
            j -= 1
        }
    }

    /// An estimate of the reciprocal condition number `1 / (‖A + σI‖₁ ‖(A + σI)⁻¹‖₁)`, given
    /// `‖A + σI‖₁`; 0 without a successful factorization, and for an `anorm` that is not finite
    /// and positive (NaN, infinity, 0 or less).
    ///
    /// `‖(A + σI)⁻¹‖₁` comes from Hager's and Higham's 1-norm estimator (Higham 1988, the method of
    /// LAPACK's `dlacn2`, which `dpbcon` runs): with B = (A + σI)⁻¹ symmetric, starting from
    /// x = (1/n, ..., 1/n), y = B x, ξ = sign(y), z = B ξ; while some |z_j| exceeds zᵀx, x = e_j and
    /// again (at most five rounds, and, as in `dlacn2`, only while ‖y‖₁ grows and sign(y) changes);
    /// the estimate is the largest ‖y‖₁ seen and, as a safeguard
    /// against the rare matrices that fool it, `2 ‖B b‖₁ / (3n)` with `b_i = ±(1 + i/(n - 1))`
    /// alternating. Each product is two triangular band solves with the factor: O(n · bandwidth)
    /// in all, where `dpbcon`'s overflow-guarded solves (`dlatbs`) can take O(n²) when the factor
    /// is badly scaled. The estimate never exceeds the true norm and is usually within a factor of
    /// 3 of it. A solve that overflows means a numerically singular matrix: 0.
    public func reciprocalConditionNumber(oneNorm anorm: Double) -> Double {
        guard isFactored else { return 0 }
        let n = order, kd = bandwidth
        guard n > 0 else { return 1 }
        guard anorm.isFinite, anorm > 0 else { return 0 }
        // x, y = B x, z = B sign(y) and sign(y) in one buffer, solved in place: no allocation per round.
        var work = [Double](repeating: 0, count: 4 * n)
        let estimate: Double = band.withUnsafeBufferPointer { l in reciprocals.withUnsafeBufferPointer { d in
            work.withUnsafeMutableBufferPointer { w in
                let x = UnsafeMutableBufferPointer(rebasing: w[0..<n])
                let y = UnsafeMutableBufferPointer(rebasing: w[n..<(2 * n)])
                let z = UnsafeMutableBufferPointer(rebasing: w[(2 * n)..<(3 * n)])
                let signs = UnsafeMutableBufferPointer(rebasing: w[(3 * n)..<(4 * n)])
                func apply(_ v: UnsafeMutableBufferPointer<Double>) -> Double? {
                    Self.forward(l, d, v, n: n, kd: kd)
                    Self.backward(l, d, v, n: n, kd: kd)
                    var norm = 0.0
                    for i in 0..<n { norm += Swift.abs(v[i]) }
                    return norm.isFinite ? norm : nil
                }
                var estimate = 0.0
                for i in 0..<n { x[i] = 1 / Double(n) }
                var previous = -1
                for round in 0..<5 {
                    for i in 0..<n { y[i] = x[i] }
                    guard let norm = apply(y) else { return 0 }
                    // As dlacn2: stop when the estimate no longer grows or sign(y) repeats.
                    if round > 0 && norm <= estimate { break }
                    estimate = norm
                    var repeated = round > 0
                    for i in 0..<n {
                        let sign: Double = y[i] >= 0 ? 1 : -1
                        if sign != signs[i] { repeated = false }
                        signs[i] = sign
                        z[i] = sign
                    }
                    if repeated { break }
                    guard apply(z) != nil else { return 0 }
                    var j = 0
                    var ztx = 0.0
                    for i in 0..<n {
                        if Swift.abs(z[i]) > Swift.abs(z[j]) { j = i }
                        ztx += z[i] * x[i]
                    }
                    if j == previous || Swift.abs(z[j]) <= ztx { break }
                    previous = j
                    for i in 0..<n { x[i] = 0 }
                    x[j] = 1
                }
                let step = n > 1 ? 1 / Double(n - 1) : 0
                for i in 0..<n {
                    let magnitude: Double = 1 + Double(i) * step
                    y[i] = i % 2 == 0 ? magnitude : -magnitude
                }
                guard let norm = apply(y) else { return 0 }
                return Swift.max(estimate, 2 * norm / (3 * Double(n)))
            }
        } }
        guard estimate.isFinite, estimate > 0 else { return 0 }
        return 1 / (anorm * estimate)
    }
}
