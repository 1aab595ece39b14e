internal import CPhysGradLAPACK

/// A k × n *band* matrix: `a_ij = 0` unless `-upper <= i - j <= lower`, stored as LAPACK's
/// general band storage (`dgbmv`'s layout): `a_ij` at `band[upper + i - j + j · (lower + upper + 1)]`.
///
/// Storage is `(lower + upper + 1) · n` doubles and a product costs `2 (lower + upper + 1) n`
/// flops, so the Jacobian of a local model (a blur kernel, a finite-difference stencil applied
/// to a pointwise response) of a million unknowns fits in a few tens of megabytes.
///
/// The bandwidths given are clamped to what the shape allows (`lower <= k - 1`, `upper <= n - 1`).
///
/// ```swift
/// var j = BandedMatrix(rows: n, columns: n, lower: 1, upper: 1) { i, j in i == j ? 2 : -1 }
/// try j.multiply(v, into: &out)          // J v  (dgbmv)
/// let normal = j.gram()                  // JᵀJ, symmetric with bandwidth lower + upper
/// ```
public struct BandedMatrix: Sendable, Hashable {
    /// k.
    public let rows: Int
    /// n.
    public let columns: Int
    /// The number of sub-diagonals kept.
    public let lower: Int
    /// The number of super-diagonals kept.
    public let upper: Int
    /// The band in LAPACK's general band storage (column-major, `lower + upper + 1` rows).
    public private(set) var band: [Double]

    /// The rows of the band storage, `lower + upper + 1`.
    public var leadingDimension: Int { lower + upper + 1 }

    /// The zero k × n band matrix.
    ///
    /// - Precondition: all four sizes `>= 0`.
    public init(rows: Int, columns: Int, lower: Int, upper: Int) {
        precondition(rows >= 0 && columns >= 0 && lower >= 0 && upper >= 0, "BandedMatrix: negative size")
        self.rows = rows
        self.columns = columns
        self.lower = Swift.min(lower, Swift.max(rows - 1, 0))
        self.upper = Swift.min(upper, Swift.max(columns - 1, 0))
        band = [Double](repeating: 0, count: (self.lower + self.upper + 1) * columns)
    }

    /// The band matrix whose entries inside the band are `element(i, j)`.
    public init(rows: Int, columns: Int, lower: Int, upper: Int, element: (_ row: Int, _ column: Int) -> Double) {
        self.init(rows: rows, columns: columns, lower: lower, upper: upper)
        for j in 0..<columns {
            for i in rowRange(ofColumn: j) { band[self.upper + i - j + j * leadingDimension] = element(i, j) }
        }
    }

    /// The band of `products`, the k × (lower + upper + 1) matrix of products `A sᶜ` with the cyclic
    /// seeds `sᶜ = Σ_{j ≡ c mod (lower + upper + 1)} e_j` (Curtis, Powell & Reid 1974): two columns
    /// of one colour lie at least `lower + upper + 1` apart, so in each row at most one of them is
    /// inside the band, and `a_ij = products[i, j mod (lower + upper + 1)]` exactly.
    ///
    /// - Precondition: `products` has `rows` rows and at least `min(lower + upper + 1, columns)` columns.
    public init(rows: Int, columns: Int, lower: Int, upper: Int, compressed products: Matrix) {
        self.init(rows: rows, columns: columns, lower: lower, upper: upper)
        let colours = leadingDimension
        precondition(products.rows == rows && products.columns >= Swift.min(colours, columns),
                     "BandedMatrix: \(products.rows) x \(products.columns) products for a \(rows) x \(columns) band of \(colours) colours")
        products.withUnsafeBufferPointer { p in
            for j in 0..<columns {
                let c = j % colours
                for i in rowRange(ofColumn: j) { band[self.upper + i - j + j * colours] = p[i + c * rows] }
            }
        }
    }

    /// The rows i of column j inside the band: `max(0, j - upper) ... min(k - 1, j + lower)`.
    @inline(__always)
    public func rowRange(ofColumn j: Int) -> Range<Int> {
        Swift.max(0, j - upper)..<Swift.max(Swift.max(0, j - upper), Swift.min(rows, j + lower + 1))
    }

    /// `a_ij` (0 outside the band). Setting an entry outside the band traps.
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "BandedMatrix: index out of range")
            let d = row - column
            return d > lower || -d > upper ? 0 : band[upper + d + column * leadingDimension]
        }
        set {
            let d = row - column
            precondition(row >= 0 && row < rows && column >= 0 && column < columns && d <= lower && -d <= upper,
                         "BandedMatrix: (\(row), \(column)) is outside the band")
            band[upper + d + column * leadingDimension] = newValue
        }
    }

    /// `true` when every stored entry is finite.
    public var isFinite: Bool { Vector.allFinite(band) }

    /// The matrix of absolute values `|a_ij|`.
    public var absolute: BandedMatrix {
        var a = self
        for i in a.band.indices { a.band[i] = Swift.abs(a.band[i]) }
        return a
    }

    /// The dense k × n matrix.
    public var dense: Matrix {
        var m = Matrix(rows: rows, columns: columns)
        let ld = leadingDimension, k = rows
        m.withUnsafeMutableBufferPointer { p in
            for j in 0..<columns {
                for i in rowRange(ofColumn: j) { p[i + j * k] = band[upper + i - j + j * ld] }
            }
        }
        return m
    }

    /// The Euclidean norms of the columns.
    public var columnNorms: [Double] {
        let ld = leadingDimension
        return band.withUnsafeBufferPointer { a in
            (0..<columns).map { j in
                let r = rowRange(ofColumn: j)
                return Vector.norm2(UnsafeBufferPointer(rebasing: a[(upper + r.lowerBound - j + j * ld)..<(upper + r.upperBound - j + j * ld)]))
            }
        }
    }

    /// `y ← α op(A) x + β y` with `op(A) = A` or `Aᵀ` (BLAS `dgbmv`), without allocating. With
    /// `β = 0`, `y`'s old contents are ignored.
    ///
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``;
    ///   ``LinearAlgebraError/invalidArgument(operation:argument:reason:)`` for a size beyond
    ///   BLAS's 32-bit integers.
    public func multiply(
        _ x: [Double], into y: inout [Double], transposed: Bool = false, alpha: Double = 1, beta: Double = 0
    ) throws(LinearAlgebraError) {
        let (outRows, inner) = transposed ? (columns, rows) : (rows, columns)
        guard x.count == inner, y.count == outRows else {
            throw .dimensionMismatch(operation: "gbmv", lhs: transposed ? Shape(rows: columns, columns: rows) : Shape(rows: rows, columns: columns),
                                     rhs: .vector(x.count == inner ? y.count : x.count))
        }
        if outRows == 0 { return }
        if inner == 0 {
            if beta == 0 { for i in y.indices { y[i] = 0 } } else { Vector.scale(&y, by: beta) }
            return
        }
        try requireLAPACKRange("gbmv", rows, columns, leadingDimension)
        band.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_dgbmv(CblasColMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
                                Int32(lower), Int32(upper), alpha, a.baseAddress, Int32(leadingDimension),
                                xp.baseAddress, 1, beta, yp.baseAddress, 1)
                }
            }
        }
    }

    /// `AᵀA`, symmetric with bandwidth `lower + upper` (at most n - 1): the normal matrix of a
    /// banded least-squares problem, `n (lower + upper + 1)²/2` multiply-adds.
    public func gram() -> SymmetricBandedMatrix {
        var g = SymmetricBandedMatrix(order: columns, bandwidth: lower + upper)
        gram(into: &g)
        return g
    }

    /// `AᵀA` written into `g`, reusing its storage when it has the right order and bandwidth.
    public func gram(into g: inout SymmetricBandedMatrix) {
        let kd = Swift.min(lower + upper, Swift.max(columns - 1, 0))
        if g.order != columns || g.bandwidth != kd { g = SymmetricBandedMatrix(order: columns, bandwidth: kd) }
        let ld = leadingDimension, gld = kd + 1, n = columns
        let (k, lower, upper) = (rows, self.lower, self.upper)
        band.withUnsafeBufferPointer { a in
            g._withBand { out in
                guard let a = a.baseAddress, let out = out.baseAddress else { return }
                for j in 0..<n {
                    // Rows max(0, j - upper) ..< min(k, j + lower + 1) of column j are inside the band;
                    // column c's row i sits at a[upper - c + c·ld + i].
                    let jLow = Swift.max(0, j - upper), jHigh = Swift.min(k, j + lower + 1)
                    let aj = a + (upper - j + j * ld)
                    let column = out + j * gld
                    for c in j..<Swift.min(n, j + kd + 1) {
                        // Rows where both columns j and c are inside the band.
                        let lo = Swift.max(jLow, c - upper), hi = Swift.min(jHigh, c + lower + 1)
                        var s = 0.0
                        if lo < hi {
                            // Four lanes of partial sums: a plain sum is one dependent add per row.
                            let ac = a + (upper - c + c * ld)
                            var lanes = SIMD4<Double>()
                            var i = lo
                            let x = UnsafeRawPointer(aj), y = UnsafeRawPointer(ac)
                            while i &+ 4 <= hi {
                                lanes += x.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                                    * y.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                                i &+= 4
                            }
                            s = lanes.sum()
                            while i < hi {
                                s += aj[i] * ac[i]
                                i &+= 1
                            }
                        }
                        column[c - j] = s
                    }
                }
            }
        }
    }
}
