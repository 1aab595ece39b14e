internal import CPhysGradLAPACK

/// Level-1 vector operations on `[Double]`: the kernels that optimizers run every iteration.
///
/// Vectors are plain Swift arrays. `dot` sums with portable SIMD below n = 32 and calls
/// OpenBLAS's `ddot` from there on; `axpy` is Swift SIMD at every n; `norm2` is the square root
/// of a dot product, with a rescaling pass only when the sum of squares over- or underflows
/// (where LAPACK's `dnrm2` always scales). Which kernel runs where follows the measurements of
/// `scripts/bench linear-algebra` (the README's benchmark section). In-place forms (`axpy`,
/// `scale`) allocate nothing.
///
/// Lengths must agree; a mismatch is a programming error and traps with a message, as an
/// out-of-range `Array` index does. The matrix-level API (products, solves) checks shapes and
/// throws ``LinearAlgebraError`` instead.
public enum Vector {
    /// The inner product `xᵀy = sum_i x_i y_i`.
    @inlinable
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "Vector.dot: lengths \(x.count) and \(y.count) differ")
        return x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dot(xp, yp) } }
    }

    /// The inner product `xᵀy` of two buffers of equal length.
    @inlinable
    public static func dot(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
        let n = Swift.min(x.count, y.count)
        guard n > 0, let xb = x.baseAddress, let yb = y.baseAddress else { return 0 }
        if n >= blasDotThreshold { return _blasDot(n, xb, yb) }
        var i = 0
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
        let xr = UnsafeRawPointer(xb), yr = UnsafeRawPointer(yb)
        while i + 16 <= n {
            acc0 += xr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
                * yr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            acc1 += xr.loadUnaligned(fromByteOffset: (i &+ 8) &* 8, as: SIMD8<Double>.self)
                * yr.loadUnaligned(fromByteOffset: (i &+ 8) &* 8, as: SIMD8<Double>.self)
            i &+= 16
        }
        var s = (acc0 + acc1).sum()
        while i < n {
            s += xb[i] * yb[i]
            i &+= 1
        }
        return s
    }

    /// From this length on, ``dot(_:_:)-(UnsafeBufferPointer<Double>,_)`` calls OpenBLAS's `ddot`.
    public static let blasDotThreshold = 32

    /// `y ← αx + y` (BLAS `axpy`), in place.
    @inlinable
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "Vector.axpy: lengths \(x.count) and \(y.count) differ")
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in axpy(alpha, xp, yp) }
        }
    }

    /// `y ← αx + y` on buffers of equal length.
    @inlinable
    public static func axpy(_ alpha: Double, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        let n = Swift.min(x.count, y.count)
        guard n > 0, let xb = x.baseAddress, let yb = y.baseAddress else { return }
        let a = SIMD8<Double>(repeating: alpha)
        let xr = UnsafeRawPointer(xb), yr = UnsafeMutableRawPointer(yb)
        var i = 0
        while i + 8 <= n {
            let v = yr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
                + a * xr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            yr.storeBytes(of: v, toByteOffset: i &* 8, as: SIMD8<Double>.self)
            i &+= 8
        }
        while i < n {
            yb[i] += alpha * xb[i]
            i &+= 1
        }
    }

    /// `x ← αx`, in place.
    @inlinable
    public static func scale(_ x: inout [Double], by alpha: Double) {
        x.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] *= alpha }
        }
    }

    /// `αx`, a new vector.
    @inlinable
    public static func scaled(_ x: [Double], by alpha: Double) -> [Double] {
        x.map { alpha * $0 }
    }

    /// The Euclidean norm `‖x‖₂ = sqrt(sum_i x_i²)`.
    ///
    /// One fast pass in the common case; when the plain sum of squares overflows or underflows
    /// (elements beyond about 1e154 or below 1e-154) a second pass rescales by `max|x_i|`, so the
    /// result is right wherever it is representable (as LAPACK's `dnrm2` is). NaN in `x` gives NaN.
    @inlinable
    public static func norm2(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { p in norm2(p) }
    }

    /// The Euclidean norm of a buffer; see `norm2(_:)` of an array.
    @inlinable
    public static func norm2(_ x: UnsafeBufferPointer<Double>) -> Double {
        let ss = dot(x, x)
        // 2^-1000 < ss < inf: no underflow or overflow can have spoiled the sum.
        if ss.isFinite && ss > 0x1p-1000 { return ss.squareRoot() }
        if ss.isNaN { return ss }
        // The sum overflowed, or underflowed (possibly to 0): rescale by the largest magnitude.
        let m = normInf(x)
        if m.isInfinite || m.isNaN || m == 0 { return m }
        var s = 0.0
        for v in x {
            let r = v / m
            s += r * r
        }
        return m * s.squareRoot()
    }

    /// The infinity norm `max_i |x_i|` (0 for an empty vector; NaN if any element is NaN).
    @inlinable
    public static func normInf(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { p in normInf(p) }
    }

    /// The infinity norm of a buffer.
    @inlinable
    public static func normInf(_ x: UnsafeBufferPointer<Double>) -> Double {
        let n = x.count
        guard n > 0, let b = x.baseAddress else { return 0 }
        // Fast path: SIMD maxima, plus a NaN detector (v * 0 is NaN exactly for NaN and ±inf).
        var m8 = SIMD8<Double>(), probe = SIMD8<Double>()
        let r = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= n {
            let v = r.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            let a = v.replacing(with: -v, where: v .< 0)
            m8 = m8.replacing(with: a, where: a .> m8)
            probe += v * 0
            i &+= 8
        }
        var m = m8.max()
        var finite = probe.sum() == 0
        while i < n {
            let a = Swift.abs(b[i])
            if a > m { m = a }
            if !a.isFinite { finite = false }
            i &+= 1
        }
        if finite { return m }
        // NaN or infinity somewhere: NaN wins (it propagates), else +inf.
        for v in x where v.isNaN { return v }
        return .infinity
    }

    /// The 1-norm `sum_i |x_i|`.
    @inlinable
    public static func norm1(_ x: [Double]) -> Double {
        var s = 0.0
        for v in x { s += Swift.abs(v) }
        return s
    }

    /// The Euclidean distance `‖x - y‖₂`, without forming `x - y`.
    @inlinable
    public static func distance(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "Vector.distance: lengths \(x.count) and \(y.count) differ")
        // Eight running sums in a fixed order (the same bits on every CPU), then the tail.
        let ss = x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                let n = xb.count
                guard n > 0, let xp = xb.baseAddress, let yp = yb.baseAddress else { return 0.0 }
                let xr = UnsafeRawPointer(xp), yr = UnsafeRawPointer(yp)
                var acc = SIMD8<Double>()
                var i = 0
                while i + 8 <= n {
                    let d = xr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
                        - yr.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
                    acc += d * d
                    i &+= 8
                }
                var s = acc.sum()
                while i < n {
                    let d = xp[i] - yp[i]
                    s += d * d
                    i &+= 1
                }
                return s
            }
        }
        if ss.isFinite && ss > 0x1p-1000 { return ss.squareRoot() }
        return norm2(subtract(x, y))
    }

    /// `true` when every element is finite (no NaN, no ±infinity).
    @inlinable
    public static func allFinite(_ x: [Double]) -> Bool {
        x.withUnsafeBufferPointer { p in allFinite(p) }
    }

    /// `true` when every element of the buffer is finite.
    @inlinable
    public static func allFinite(_ x: UnsafeBufferPointer<Double>) -> Bool {
        // x * 0 is 0 for finite x and NaN for NaN or ±inf: one multiply-add per element,
        // no branch, and a single test at the end.
        var acc = SIMD8<Double>()
        let n = x.count
        guard n > 0, let b = x.baseAddress else { return true }
        let r = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= n {
            acc += r.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self) * 0
            i &+= 8
        }
        var s = acc.sum()
        while i < n {
            s += b[i] * 0
            i &+= 1
        }
        return s == 0
    }

    /// The index of the first non-finite element, or `nil`.
    @inlinable
    public static func firstNonFinite(_ x: [Double]) -> Int? {
        x.firstIndex { !$0.isFinite }
    }

    /// `x + y`, elementwise.
    @inlinable
    public static func add(_ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count, "Vector.add: lengths \(x.count) and \(y.count) differ")
        return elementwise(x, y) { $0 + $1 }
    }

    /// `x - y`, elementwise.
    @inlinable
    public static func subtract(_ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count, "Vector.subtract: lengths \(x.count) and \(y.count) differ")
        return elementwise(x, y) { $0 - $1 }
    }

    /// `x ⊙ y`, the elementwise (Hadamard) product.
    @inlinable
    public static func multiply(_ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count, "Vector.multiply: lengths \(x.count) and \(y.count) differ")
        return elementwise(x, y) { $0 * $1 }
    }

    /// `x ⊘ y`, the elementwise quotient (IEEE semantics: division by zero gives ±inf or NaN).
    @inlinable
    public static func divide(_ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count, "Vector.divide: lengths \(x.count) and \(y.count) differ")
        return elementwise(x, y) { $0 / $1 }
    }

    /// `[f(x₀, y₀), f(x₁, y₁), ...]` for arrays of equal length, in one pass over contiguous memory.
    @inlinable @inline(__always)
    internal static func elementwise(_ x: [Double], _ y: [Double], _ f: (Double, Double) -> Double) -> [Double] {
        let n = x.count
        return [Double](unsafeUninitializedCapacity: n) { out, count in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    for i in 0..<n { out[i] = f(xs[i], ys[i]) }
                }
            }
            count = n
        }
    }
}

/// OpenBLAS's `ddot`, behind a non-inlinable call so that the C module stays an implementation
/// detail of this module.
@usableFromInline
internal func _blasDot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    // CBLAS takes a 32-bit length: longer vectors are summed in chunks (Int32(n) trapped).
    let chunk = Int(Int32.max)
    if n <= chunk { return cblas_ddot(Int32(n), x, 1, y, 1) }
    var s = 0.0
    var start = 0
    while start < n {
        let count = Swift.min(chunk, n - start)
        s += cblas_ddot(Int32(count), x + start, 1, y + start, 1)
        start += count
    }
    return s
}
