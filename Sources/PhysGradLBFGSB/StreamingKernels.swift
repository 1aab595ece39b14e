// Fused passes over the correction matrices S and Y for large n, where L-BFGS-B is limited by memory
// bandwidth: each pass reads every column of S and Y once, in blocks that keep the shared vectors in
// L1, where the reference code streams them separately (two to four times per iteration).
//
// Every dot product keeps exactly the accumulation pattern of PhysGradLinearAlgebra's `Vector.dot`
// (two SIMD8 accumulators over 16-element steps, then a sequential scalar tail), so fused results are
// bit-identical to separate `dotContiguous` calls; element-wise updates keep the order of operations
// per element. Accumulators live in caller-provided scratch (16 doubles per dot product).

/// Elements per block (a multiple of 16). Measured at n = 1e5: blocks that keep the shared vector in L1
/// are slower (each switch between the 2m column streams defeats the prefetcher); one block per pass wins.
let streamBlock = 1 << 20

@inline(__always)
private func loadAcc(_ p: UnsafeMutablePointer<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
    let r = UnsafeRawPointer(p)
    return (r.loadUnaligned(as: SIMD8<Double>.self), r.loadUnaligned(fromByteOffset: 64, as: SIMD8<Double>.self))
}

@inline(__always)
private func storeAcc(_ p: UnsafeMutablePointer<Double>, _ a: (SIMD8<Double>, SIMD8<Double>)) {
    let r = UnsafeMutableRawPointer(p)
    r.storeBytes(of: a.0, as: SIMD8<Double>.self)
    r.storeBytes(of: a.1, toByteOffset: 64, as: SIMD8<Double>.self)
}

/// The finished dot product from an accumulator and the scalar tail `x[from..<n]·y[from..<n]`.
@inline(__always)
private func finish(_ acc: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                    from: Int, _ n: Int) -> Double {
    let a = loadAcc(acc)
    var s = (a.0 + a.1).sum()
    var i = from
    while i < n {
        s += x[i] * y[i]
        i &+= 1
    }
    return s
}

/// Adds `x[lo..<hi]·y[lo..<hi]` (16-element steps) into the accumulator.
@inline(__always)
private func accumulate(_ acc: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                        _ lo: Int, _ hi: Int) {
    var (a0, a1) = loadAcc(acc)
    let xr = UnsafeRawPointer(x), yr = UnsafeRawPointer(y)
    var i = lo
    while i < hi {
        let o = i &* 8
        a0 += xr.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
            * yr.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
        a1 += xr.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD8<Double>.self)
            * yr.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD8<Double>.self)
        i &+= 16
    }
    storeAcc(acc, (a0, a1))
}

/// `ya[j] = y_jᵀv`, `sa[j] = s_jᵀv` for the `col` stored pairs (ring buffer of `m` columns of length `n`
/// starting at `head`), in one blocked pass. `scratch` holds `32 * col` doubles.
func fusedDotsWithVector(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                         _ v: UnsafePointer<Double>, ya: UnsafeMutablePointer<Double>, sa: UnsafeMutablePointer<Double>,
                         scratch: UnsafeMutablePointer<Double>) {
    let n16 = n & ~15
    scratch.initialize(repeating: 0, count: 32 * col)
    var lo = 0
    while lo < n16 {
        let hi = min(lo &+ streamBlock, n16)
        var p = head
        for j in 0..<col {
            accumulate(scratch + 32 * j, wy + n * p, v, lo, hi)
            accumulate(scratch + 32 * j + 16, ws + n * p, v, lo, hi)
            p = p + 1 == m ? 0 : p + 1
        }
        lo = hi
    }
    var p = head
    for j in 0..<col {
        ya[j] = finish(scratch + 32 * j, wy + n * p, v, from: n16, n)
        sa[j] = finish(scratch + 32 * j + 16, ws + n * p, v, from: n16, n)
        p = p + 1 == m ? 0 : p + 1
    }
}

/// `v ← v + Σ_j (a1[j] y_j + a2[j] s_j)`, adding per element in the order y_0, s_0, y_1, s_1, ...
/// (as `axpy(a1[j], y_j)` then `axpy(a2[j], s_j)` for j = 0, 1, ...), in one blocked pass.
func fusedUpdate(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                 a1: UnsafePointer<Double>, a2: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>) {
    var lo = 0
    let vr = UnsafeMutableRawPointer(v)
    while lo < n {
        let hi = min(lo &+ streamBlock, n)
        let hi8 = lo &+ ((hi &- lo) & ~7)
        var p = head
        for j in 0..<col {
            let y = wy + n * p, s = ws + n * p
            let yr = UnsafeRawPointer(y), sr = UnsafeRawPointer(s)
            let c1 = a1[j], c2 = a2[j]
            let b1 = SIMD8<Double>(repeating: c1), b2 = SIMD8<Double>(repeating: c2)
            var i = lo
            while i < hi8 {
                let o = i &* 8
                var t = vr.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                t = t + b1 * yr.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                t = t + b2 * sr.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                vr.storeBytes(of: t, toByteOffset: o, as: SIMD8<Double>.self)
                i &+= 8
            }
            while i < hi {
                v[i] = (v[i] + c1 * y[i]) + c2 * s[i]
                i &+= 1
            }
            p = p + 1 == m ? 0 : p + 1
        }
        lo = hi
    }
}

/// After a new pair (s_new, y_new) was stored: for every stored column j (ring order from `head`),
/// `yy[j] = y_newᵀy_j`, `sy[j] = s_jᵀy_new`, and for j < col - 1 also `dy[j] = dᵀy_j`, `sd[j] = s_jᵀd`
/// (d is s_new). One blocked pass; `scratch` holds `64 * col` doubles.
func fusedNewPairDots(ws: UnsafePointer<Double>, wy: UnsafePointer<Double>, n: Int, m: Int, head: Int, col: Int,
                      d: UnsafePointer<Double>, yNew: UnsafePointer<Double>,
                      yy: UnsafeMutablePointer<Double>, syNew: UnsafeMutablePointer<Double>,
                      dy: UnsafeMutablePointer<Double>, sd: UnsafeMutablePointer<Double>,
                      scratch: UnsafeMutablePointer<Double>) {
    let n16 = n & ~15
    scratch.initialize(repeating: 0, count: 64 * col)
    var lo = 0
    while lo < n16 {
        let hi = min(lo &+ streamBlock, n16)
        var p = head
        for j in 0..<col {
            let y = wy + n * p, s = ws + n * p
            let acc = scratch + 64 * j
            accumulate(acc, yNew, y, lo, hi)
            accumulate(acc + 16, s, yNew, lo, hi)
            if j < col - 1 {
                accumulate(acc + 32, d, y, lo, hi)
                accumulate(acc + 48, s, d, lo, hi)
            }
            p = p + 1 == m ? 0 : p + 1
        }
        lo = hi
    }
    var p = head
    for j in 0..<col {
        let y = wy + n * p, s = ws + n * p
        let acc = scratch + 64 * j
        yy[j] = finish(acc, yNew, y, from: n16, n)
        syNew[j] = finish(acc + 16, s, yNew, from: n16, n)
        if j < col - 1 {
            dy[j] = finish(acc + 32, d, y, from: n16, n)
            sd[j] = finish(acc + 48, s, d, from: n16, n)
        }
        p = p + 1 == m ? 0 : p + 1
    }
}
