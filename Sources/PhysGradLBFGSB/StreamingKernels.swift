// Level-1 kernels of the solver and their fused forms for large n.
//
// At large n L-BFGS-B is limited by memory bandwidth, so the passes over the correction matrices S and Y
// are fused: one loop over a column computes every product that column takes part in, where the
// reference code streams it once per product. All dot products of length n share one accumulation
// pattern (`dotContiguous`: two SIMD2 accumulators over 4-element steps, then a sequential tail) so that
// the fused kernels give exactly the bits of separate calls; the pattern keeps four fused dot products
// within the 16 SSE registers of the baseline x86-64 target. Element-wise updates keep the order of
// operations per element.

/// One dot-product accumulator: lanes (i, i+1) and (i+2, i+3) of each 4-element step.
struct Dot4 {
    var a0 = SIMD2<Double>()
    var a1 = SIMD2<Double>()

    @inline(__always)
    mutating func add(_ x: UnsafeRawPointer, _ y: UnsafeRawPointer, _ o: Int) {
        a0 += x.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            * y.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
        a1 += x.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD2<Double>.self)
            * y.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD2<Double>.self)
    }

    /// The finished sum, with the sequential tail `x[from..<n]·y[from..<n]`.
    @inline(__always)
    func total(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, from: Int, _ n: Int) -> Double {
        let v = a0 + a1
        var s = v[0] + v[1]
        var i = from
        while i < n {
            s += x[i] * y[i]
            i &+= 1
        }
        return s
    }
}

/// `xᵀy` over contiguous memory (the solver's one accumulation pattern; reproducible run to run).
@inline(__always)
func dotContiguous(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    if n < 4 {
        // No 4-element step: the pattern reduces to its sequential tail from +0 (0 + 0 = +0 is where the
        // empty accumulators' lane sum starts), without the SIMD setup.
        var s = 0.0
        var i = 0
        while i < n {
            s += x[i] * y[i]
            i &+= 1
        }
        return s
    }
    let n4 = n & ~3
    var acc = Dot4()
    let xr = UnsafeRawPointer(x), yr = UnsafeRawPointer(y)
    var i = 0
    while i < n4 {
        acc.add(xr, yr, i &* 8)
        i &+= 4
    }
    return acc.total(x, y, from: n4, n)
}

/// `ya[j] = y_jᵀv`, `sa[j] = s_jᵀv` for the `col` stored pairs (ring buffer of `m` columns of length `n`
/// starting at `head`): one loop per column.
func fusedDotsWithVector(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                         _ v: UnsafePointer<Double>, ya: UnsafeMutablePointer<Double>, sa: UnsafeMutablePointer<Double>) {
    let n4 = n & ~3
    let vr = UnsafeRawPointer(v)
    var p = head
    for j in 0..<col {
        let y = wy + n * p, s = ws + n * p
        let yr = UnsafeRawPointer(y), sr = UnsafeRawPointer(s)
        var ay = Dot4(), asv = Dot4()
        var i = 0
        while i < n4 {
            let o = i &* 8
            ay.add(yr, vr, o)
            asv.add(sr, vr, o)
            i &+= 4
        }
        ya[j] = ay.total(y, v, from: n4, n)
        sa[j] = asv.total(s, v, from: n4, n)
        p = p + 1 == m ? 0 : p + 1
    }
}

/// `v ← v + Σ_j (a1[j] y_j + a2[j] s_j)`, adding per element in the order y_0, s_0, y_1, s_1, ...
/// (as `axpy(a1[j], y_j)` then `axpy(a2[j], s_j)` for j = 0, 1, ...): one loop per column.
func fusedUpdate(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                 a1: UnsafePointer<Double>, a2: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>) {
    let n4 = n & ~3
    let vr = UnsafeMutableRawPointer(v)
    var p = head
    for j in 0..<col {
        let y = wy + n * p, s = ws + n * p
        let yr = UnsafeRawPointer(y), sr = UnsafeRawPointer(s)
        let c1 = a1[j], c2 = a2[j]
        let b1 = SIMD2<Double>(repeating: c1), b2 = SIMD2<Double>(repeating: c2)
        var i = 0
        while i < n4 {
            let o = i &* 8
            var t0 = vr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            var t1 = vr.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD2<Double>.self)
            t0 = t0 + b1 * yr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            t1 = t1 + b1 * yr.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD2<Double>.self)
            t0 = t0 + b2 * sr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            t1 = t1 + b2 * sr.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD2<Double>.self)
            vr.storeBytes(of: t0, toByteOffset: o, as: SIMD2<Double>.self)
            vr.storeBytes(of: t1, toByteOffset: o &+ 16, as: SIMD2<Double>.self)
            i &+= 4
        }
        while i < n {
            v[i] = (v[i] + c1 * y[i]) + c2 * s[i]
            i &+= 1
        }
        p = p + 1 == m ? 0 : p + 1
    }
}

/// After a new pair (s_new = d, y_new) was stored: for every stored column j (ring order from `head`),
/// `yy[j] = y_newᵀy_j`, `syNew[j] = s_jᵀy_new`, and for j < col - 1 also `dy[j] = dᵀy_j`, `sd[j] = s_jᵀd`.
/// One loop per column.
func fusedNewPairDots(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                      d: UnsafePointer<Double>, yNew: UnsafePointer<Double>,
                      yy: UnsafeMutablePointer<Double>, syNew: UnsafeMutablePointer<Double>,
                      dy: UnsafeMutablePointer<Double>, sd: UnsafeMutablePointer<Double>) {
    let n4 = n & ~3
    let dr = UnsafeRawPointer(d), nr = UnsafeRawPointer(yNew)
    var p = head
    for j in 0..<col {
        let y = wy + n * p, s = ws + n * p
        let yr = UnsafeRawPointer(y), sr = UnsafeRawPointer(s)
        var a = Dot4(), b = Dot4(), c = Dot4(), e = Dot4()
        var i = 0
        if j < col - 1 {
            while i < n4 {
                let o = i &* 8
                a.add(nr, yr, o)
                b.add(sr, nr, o)
                c.add(dr, yr, o)
                e.add(sr, dr, o)
                i &+= 4
            }
            dy[j] = c.total(d, y, from: n4, n)
            sd[j] = e.total(s, d, from: n4, n)
        } else {
            while i < n4 {
                let o = i &* 8
                a.add(nr, yr, o)
                b.add(sr, nr, o)
                i &+= 4
            }
        }
        yy[j] = a.total(yNew, y, from: n4, n)
        syNew[j] = b.total(s, yNew, from: n4, n)
        p = p + 1 == m ? 0 : p + 1
    }
}
