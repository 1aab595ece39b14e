import PhysGradLinearAlgebra

// Small dense kernels on preallocated column-major storage (leading dimension `ld`), used on the
// 2m x 2m middle matrices of the compact L-BFGS representation. They work in place and allocate
// nothing; m is small (default 10), so plain loops beat a LAPACK call's overhead here.

/// In-place Cholesky factorization `A = UᵀU` of the leading `n x n` block (upper triangle read and
/// overwritten with `U`). Returns false when a pivot is not positive (A not positive definite, or NaN);
/// on success every diagonal element of `U` is positive, which the triangular solves below rely on.
///
/// Left-looking (dot-product form, as LAPACK's `dpotf2`): `u_ji = (a_ji - Σ_{k<j} u_kj u_ki) / u_jj`
/// with the sum taken in increasing k. Two rows i are computed per pass over column j, which shares
/// the loads of column j and halves the loop overhead; each sum keeps its own order, so the bits are
/// those of one row at a time.
///
/// `reciprocals`, when given, receives `1/u_jj` (the factor by which the row is scaled): the solves
/// below take them instead of dividing again.
@inline(__always)
func choleskyUpper(_ a: UnsafeMutablePointer<Double>, ld: Int, n: Int,
                   reciprocals: UnsafeMutablePointer<Double>? = nil) -> Bool {
    choleskyUpper(a, ld: ld, n: n, reciprocals: reciprocals, beforeRow: { _ in }, afterRow: { _, _ in })
}

/// ``choleskyUpper(_:ld:n:reciprocals:)`` with work interleaved: `beforeRow(j)` runs before row j of U is
/// computed (it may still finish row j of A, which is read only from then on), `afterRow(j, 1/u_jj)`
/// after it (column j of U is then complete). The factorization is a chain of square roots and
/// divisions; independent work placed in the hooks fills its latency.
@inline(__always)
func choleskyUpper(_ a: UnsafeMutablePointer<Double>, ld: Int, n: Int, reciprocals: UnsafeMutablePointer<Double>?,
                   beforeRow: (Int) -> Void, afterRow: (Int, Double) -> Void) -> Bool {
    var j = 0
    while j < n {
        beforeRow(j)
        let cj = a + j &* ld  // column j
        var s = cj[j]
        var k = 0
        while k < j {
            s -= cj[k] * cj[k]
            k &+= 1
        }
        if !(s > 0) { return false }
        let ujj = s.squareRoot()
        cj[j] = ujj
        let rujj = 1 / ujj  // LAPACK's dpotf2 scales the row by 1/ujj too
        reciprocals?[j] = rujj
        var i = j &+ 1
        while i &+ 1 < n {
            let ci = a + i &* ld, ci1 = ci + ld
            var t = ci[j], t1 = ci1[j]
            k = 0
            while k < j {
                let c = cj[k]
                t -= c * ci[k]
                t1 -= c * ci1[k]
                k &+= 1
            }
            ci[j] = t * rujj
            ci1[j] = t1 * rujj
            i &+= 2
        }
        if i < n {
            let ci = a + i &* ld
            var t = ci[j]
            k = 0
            while k < j {
                t -= cj[k] * ci[k]
                k &+= 1
            }
            ci[j] = t * rujj
        }
        afterRow(j, rujj)
        j &+= 1
    }
    return true
}

/// Solves `U x = b` (`transpose == false`) or `Uᵀ x = b` (`transpose == true`) in place in `b`, with `U`
/// the upper triangle of the leading `n x n` block as left by a successful ``choleskyUpper(_:ld:n:)``
/// (positive diagonal: the solve cannot fail; the result is always true).
///
/// `Uᵀ x = b` in dot-product form, `x_i = (b_i - Σ_{k<i} U[k,i] x_k) · (1/U[i,i])` with the sum in
/// increasing k (column i of U is contiguous); `U x = b` in column form, `x_k = b_k · (1/U[k,k])` then
/// `b_i -= U[i,k] x_k` for i < k (column k contiguous). Both give each component its subtractions in
/// the order of reference BLAS `dtrsv`, and both multiply by the inverted diagonal as OpenBLAS does.
@inline(__always)
func solveUpper(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, transpose: Bool) -> Bool {
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { r in
        let rec = r.baseAddress!
        for i in 0..<n { rec[i] = 1 / a[i &+ i &* ld] }
        solveUpper(a, ld: ld, n: n, b, transpose: transpose, reciprocals: rec)
    }
    return true
}

/// ``solveUpper(_:ld:n:_:transpose:)`` with the inverted diagonal `1/U[i,i]` given (as
/// ``choleskyUpper(_:ld:n:reciprocals:)`` leaves it): no division.
@inline(__always)
func solveUpper(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, transpose: Bool,
                reciprocals rec: UnsafePointer<Double>) {
    assert((0..<n).allSatisfy { a[$0 + $0 * ld] > 0 && rec[$0] == 1 / a[$0 + $0 * ld] },
           "solveUpper needs a factor with a positive diagonal and its reciprocals")
    if transpose {
        forwardSolveDot(a, ld: ld, n: n, b, from: 0, reciprocals: rec)
    } else {
        var k = n &- 1
        while k >= 0 {
            let colk = a + k &* ld
            let bk = b[k] * rec[k]
            b[k] = bk
            subtractScaled(b, colk, bk, k)
            k &-= 1
        }
    }
}

/// `Uᵀ x = b` from component `from` on (`b[0..<from]` are zeros and are not read): dot-product form.
/// Two rows per pass share the loads of x and the loop overhead; each row's sum keeps its order.
@inline(__always)
func forwardSolveDot(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, from f: Int,
                     reciprocals rec: UnsafePointer<Double>) {
    var i = f
    while i &+ 1 < n {
        let ci = a + i &* ld, ci1 = ci + ld
        var s = b[i], s1 = b[i &+ 1]
        var k = f
        while k < i {
            let xk = b[k]
            s -= ci[k] * xk
            s1 -= ci1[k] * xk
            k &+= 1
        }
        let xi = s * rec[i]
        b[i] = xi
        s1 -= ci1[i] * xi
        b[i &+ 1] = s1 * rec[i &+ 1]
        i &+= 2
    }
    if i < n {
        let ci = a + i &* ld
        var s = b[i]
        var k = f
        while k < i {
            s -= ci[k] * b[k]
            k &+= 1
        }
        b[i] = s * rec[i]
    }
}

/// `y[0..<count] -= x[0..<count] * alpha`, element by element (two lanes at a time: the same bits as a
/// scalar loop; written with SIMD2 so that short runs get no vectorizer preamble).
@inline(__always)
func subtractScaled(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ alpha: Double, _ count: Int) {
    let yr = UnsafeMutableRawPointer(y), xr = UnsafeRawPointer(x)
    let a2 = SIMD2<Double>(repeating: alpha)
    var i = 0
    while i &+ 1 < count {
        let o = i &* 8
        let v = yr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            - xr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self) * a2
        yr.storeBytes(of: v, toByteOffset: o, as: SIMD2<Double>.self)
        i &+= 2
    }
    if i < count { y[i] -= x[i] * alpha }
}

/// `Uᵀ X = B` in place for `count` right-hand sides (columns `b + j*ldb`, j < count), `U` as in
/// ``solveUpper(_:ld:n:_:transpose:)``, each by ``forwardSolveDot(_:ld:n:_:from:reciprocals:)``. Leading
/// zeros of a right-hand side stay zero and contribute nothing: they are skipped (exact, up to the sign of zero
/// results; L-BFGS-B's subspace matrix has such triangles of zeros). `first[j]` receives the index of
/// the first nonzero of column j of the result (n if none). The solver uses the interleaved form
/// ``choleskyUpperAndSolve(_:ld:n:reciprocals:_:ldb:count:first:)``; this one is its reference in the tests.
@inline(__always)
func solveUpperTransposed(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, ldb: Int,
                          count: Int, reciprocals rec: UnsafePointer<Double>, first: UnsafeMutablePointer<Int>) {
    var j = 0
    while j < count {
        let bj = b + j &* ldb
        var f = 0
        while f < n && bj[f] == 0 { f &+= 1 }
        forwardSolveDot(a, ld: ld, n: n, bj, from: f, reciprocals: rec)
        // x_f = b_f / U[f,f] is nonzero unless it underflowed: then the leading zeros go on.
        while f < n && bj[f] == 0 { f &+= 1 }
        first[j] = f
        j &+= 1
    }
}

/// ``choleskyUpper(_:ld:n:reciprocals:)`` of `A` followed by ``solveUpperTransposed(_:ld:n:_:ldb:count:reciprocals:first:)``
/// of `Uᵀ X = B`, interleaved: row j of X is computed right after row j of U (it needs column j of U,
/// complete at that point, and the rows of X above it). The Cholesky is a chain of square roots and
/// divisions; the independent solve work fills its latency. Every value is computed by the same
/// operations in the same order as by the two kernels one after the other. Returns false when the
/// Cholesky fails (the contents of `a` and `b` are then unspecified).
@inline(__always)
func choleskyUpperAndSolve(_ a: UnsafeMutablePointer<Double>, ld: Int, n: Int, reciprocals rec: UnsafeMutablePointer<Double>,
                           _ b: UnsafeMutablePointer<Double>, ldb: Int, count: Int,
                           first: UnsafeMutablePointer<Int>) -> Bool {
    // Leading zeros of the right-hand sides (skipped, as in solveUpperTransposed).
    var r = 0
    while r < count {
        let br = b + r &* ldb
        var f = 0
        while f < n && br[f] == 0 { f &+= 1 }
        first[r] = f
        r &+= 1
    }
    let ok = choleskyUpper(a, ld: ld, n: n, reciprocals: rec, beforeRow: { _ in }) { j, rujj in
        // Row j of X: x_jr = (b_jr - Σ_{f_r <= k < j} U[k,j] x_kr) / U[j,j] for the columns r that have
        // started (f_r <= j).
        let cj = a + j &* ld
        var r = 0
        while r < count {
            let f = first[r]
            if f <= j {
                let br = b + r &* ldb
                var t = br[j]
                var k = f
                while k < j {
                    t -= cj[k] * br[k]
                    k &+= 1
                }
                br[j] = t * rujj
            }
            r &+= 1
        }
    }
    if !ok { return false }
    // x_f = b_f / U[f,f] is nonzero unless it underflowed: then the leading zeros go on.
    r = 0
    while r < count {
        let br = b + r &* ldb
        var f = first[r]
        while f < n && br[f] == 0 { f &+= 1 }
        first[r] = f
        r &+= 1
    }
    return true
}

/// `dst[0..<count] = src[0..<count]` for short, non-overlapping runs (SIMD2 moves, no vectorizer
/// preamble or library call).
@inline(__always)
func copyShort(_ dst: UnsafeMutablePointer<Double>, from src: UnsafePointer<Double>, _ count: Int) {
    let dr = UnsafeMutableRawPointer(dst), sr = UnsafeRawPointer(src)
    var i = 0
    while i &+ 1 < count {
        let o = i &* 8
        dr.storeBytes(of: sr.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self), toByteOffset: o,
                      as: SIMD2<Double>.self)
        i &+= 2
    }
    if i < count { dst[i] = src[i] }
}

// axpy and norm on raw pointers, delegating to PhysGradLinearAlgebra's SIMD `Vector` kernels (dot products:
// StreamingKernels.swift).

@inline(__always)
func axpyContiguous(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    if n < 8 {
        axpySmall(alpha, x, y, n)
        return
    }
    Vector.axpy(alpha, UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: y, count: n))
}

@inline(__always)
func norm2Contiguous(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    Vector.norm2(UnsafeBufferPointer(start: x, count: n))
}
