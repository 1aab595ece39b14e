// Level-1 kernels on contiguous memory, in Swift: the same bits on every x86-64 CPU (a BLAS picks its
// kernel, and so its summation order, by CPU).
//
// Every inner product of length n in the solver is summed in one fixed order (``DotAccumulator``), so
// the passes that compute several products at once (``CompactBFGSMatrix``'s fused passes for large n)
// give exactly the bits of separate ``dot(_:_:_:)`` calls. Element-wise updates (axpy) have one
// operation per element and so one result whatever the vector width.

/// A running inner product in the solver's summation order: four partial sums (elements i mod 4) over
/// the blocks of four, combined as (s₀ + s₂) + (s₁ + s₃), then the remaining elements in order.
struct DotAccumulator {
    private var lanes = SIMD4<Double>()

    /// Adds the products of the four elements at `x[i..<i+4]`, `y[i..<i+4]`.
    @inline(__always)
    mutating func add(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, at i: Int) {
        lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self)
            * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// Adds the products of the four elements of `x` with those of `y` (the terms of a block computed in
    /// registers rather than loaded).
    @inline(__always)
    mutating func add(_ x: SIMD4<Double>, _ y: SIMD4<Double>) {
        lanes += x * y
    }

    /// The finished sum, with the elements `from..<n` that do not fill a block.
    @inline(__always)
    func total(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, from: Int, _ n: Int) -> Double {
        let pairs = lanes.lowHalf + lanes.highHalf
        return Self.tail(x, y, from: from, n, startingAt: pairs[0] + pairs[1])
    }

    /// `s + x[from]·y[from] + ... + x[n-1]·y[n-1]`, in order.
    @inline(__always)
    static func tail(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, from: Int, _ n: Int,
                     startingAt s: Double) -> Double {
        var sum = s
        var i = from
        while i < n {
            sum += x[i] * y[i]
            i &+= 1
        }
        return sum
    }
}

/// The number of elements of an n-vector covered by whole blocks of four.
@inline(__always)
func wholeBlocks(_ n: Int) -> Int { n & ~3 }

/// `xᵀy` in the solver's summation order.
@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    if n < 4 { return DotAccumulator.tail(x, y, from: 0, n, startingAt: 0) }  // no block: the same sum
    var sum = DotAccumulator()
    let blocks = wholeBlocks(n)
    var i = 0
    while i < blocks {
        sum.add(x, y, at: i)
        i &+= 4
    }
    return sum.total(x, y, from: blocks, n)
}

/// `y ← y + αx`.
@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}

/// `‖x‖₂ = sqrt(xᵀx)`; when the sum of squares overflows or underflows (elements beyond about 1e154 or
/// below 1e-154), `max|x_i| · ‖x / max|x_i|‖₂` instead, as LAPACK's `dnrm2` guards. NaN in x gives NaN.
func norm2(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    norm2(x, n, squares: dot(x, x, n))
}

/// ``norm2(_:_:)`` when `squares` is already `dot(x, x, n)`.
func norm2(_ x: UnsafePointer<Double>, _ n: Int, squares: Double) -> Double {
    if squares.isFinite && squares > 0x1p-1000 { return squares.squareRoot() }
    if squares.isNaN { return squares }
    var largest = 0.0
    for i in 0..<n { largest = max(largest, abs(x[i])) }
    if largest == 0 || largest.isInfinite { return largest }
    var scaled = 0.0
    for i in 0..<n {
        let r = x[i] / largest
        scaled += r * r
    }
    return largest * scaled.squareRoot()
}

/// `max_i |x_i|` (0 for n = 0), NaN when some x_i is NaN. A maximum does not depend on the order it
/// is taken in, so the four running maxima below give the bits of a plain loop.
func maximumMagnitude(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    var largest = SIMD4<Double>(), sawNaN = SIMDMask<SIMD4<Int64>>()
    let blocks = wholeBlocks(n)
    var i = 0
    while i < blocks {
        let v = load4(x, i), negated = -v
        // NaN compares false everywhere and is caught by v != v.
        let magnitude = v.replacing(with: negated, where: negated .> v)
        largest = largest.replacing(with: magnitude, where: magnitude .> largest)
        sawNaN = sawNaN .| (v .!= v)
        i &+= 4
    }
    var result = max(max(largest[0], largest[1]), max(largest[2], largest[3]))
    var nan = any(sawNaN)
    while i < n {
        let v = x[i]
        if v.isNaN { nan = true }
        result = max(result, abs(v))
        i &+= 1
    }
    return nan ? .nan : result
}

@inline(__always)
func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// The start of a line search in one pass: `d = z - x`, `previousX = x`, `previousG = g`; returns dᵀd and
/// gᵀd, each with the bits of ``dot(_:_:_:)``.
func startSearch(z: UnsafePointer<Double>, x: UnsafePointer<Double>, g: UnsafePointer<Double>,
                 d: UnsafeMutablePointer<Double>, previousX: UnsafeMutablePointer<Double>,
                 previousG: UnsafeMutablePointer<Double>, _ n: Int) -> (dTd: Double, gTd: Double) {
    startSearch(x: x, g: g, d: d, previousX: previousX, previousG: previousG, n,
                block: { xv, i in load4(z, i) - xv }, element: { i in z[i] - x[i] })
}

/// ``startSearch(z:x:g:d:previousX:previousG:_:)`` for the target x̂ = x + scale·step, formed in the same
/// pass: `z = x + scale·step`, then `d = z - x` (in place of `step`).
func startSearch(step d: UnsafeMutablePointer<Double>, scale: Double, x: UnsafePointer<Double>,
                 g: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>, previousX: UnsafeMutablePointer<Double>,
                 previousG: UnsafeMutablePointer<Double>, _ n: Int) -> (dTd: Double, gTd: Double) {
    let scalev = SIMD4(repeating: scale)
    return startSearch(
        x: x, g: g, d: d, previousX: previousX, previousG: previousG, n,
        block: { xv, i in
            let zv = xv + load4(d, i) * scalev
            store4(zv, z, i)
            return zv - xv
        },
        element: { i in
            z[i] = x[i] + d[i] * scale
            return z[i] - x[i]
        })
}

/// The pass of both: `block(x[i..<i+4], i)` and `element(i)` give d (and write z when they form it).
@inline(__always)
private func startSearch(x: UnsafePointer<Double>, g: UnsafePointer<Double>, d: UnsafeMutablePointer<Double>,
                         previousX: UnsafeMutablePointer<Double>, previousG: UnsafeMutablePointer<Double>, _ n: Int,
                         block: (SIMD4<Double>, Int) -> SIMD4<Double>, element: (Int) -> Double) -> (dTd: Double, gTd: Double) {
    let blocks = wholeBlocks(n)
    var dd = DotAccumulator(), gd = DotAccumulator()
    var i = 0
    while i < blocks {
        let xv = load4(x, i), gv = load4(g, i)
        let dv = block(xv, i)
        store4(dv, d, i)
        store4(xv, previousX, i)
        store4(gv, previousG, i)
        dd.add(dv, dv)
        gd.add(gv, dv)
        i &+= 4
    }
    while i < n {
        d[i] = element(i)
        previousX[i] = x[i]
        previousG[i] = g[i]
        i &+= 1
    }
    // With no whole block the lanes are zero and total() sums from +0, as dot does.
    return (dd.total(d, d, from: blocks, n), gd.total(g, d, from: blocks, n))
}

/// The new correction pair in one pass: `y = g - previousG`, `s = step·d` (d itself when step is 1);
/// returns yᵀy with the bits of ``dot(_:_:_:)``.
func formPair(g: UnsafePointer<Double>, previousG: UnsafePointer<Double>, d: UnsafePointer<Double>, step: Double,
              s: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    let blocks = wholeBlocks(n)
    let stepv = SIMD4(repeating: step)
    var yy = DotAccumulator()
    var i = 0
    while i < blocks {
        let yv = load4(g, i) - load4(previousG, i)
        store4(yv, y, i)
        store4(load4(d, i) * stepv, s, i)
        yy.add(yv, yv)
        i &+= 4
    }
    while i < n {
        y[i] = g[i] - previousG[i]
        s[i] = d[i] * step
        i &+= 1
    }
    return yy.total(y, y, from: blocks, n)
}

