import PhysGradLinearAlgebra

// Small dense kernels on preallocated column-major storage (leading dimension `ld`), used on the
// 2m x 2m middle matrices of the compact L-BFGS representation. They work in place and allocate
// nothing; m is small (default 10), so plain loops beat a LAPACK call's overhead here.

/// In-place Cholesky factorization `A = UᵀU` of the leading `n x n` block (upper triangle read and
/// overwritten with `U`). Returns false when a pivot is not positive (A not positive definite, or NaN).
@inline(__always)
func choleskyUpper(_ a: UnsafeMutablePointer<Double>, ld: Int, n: Int) -> Bool {
    var j = 0
    while j < n {
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
        var i = j &+ 1
        while i < n {
            let ci = a + i &* ld
            var t = ci[j]
            k = 0
            while k < j {
                t -= cj[k] * ci[k]
                k &+= 1
            }
            ci[j] = t * rujj
            i &+= 1
        }
        j &+= 1
    }
    return true
}

/// Solves `U x = b` (`transpose == false`) or `Uᵀ x = b` (`transpose == true`) in place in `b`, with `U`
/// the upper triangle of the leading `n x n` block. Returns false when a diagonal element is zero.
///
/// Column-oriented (as reference BLAS `dtrsm`): each solved component updates the remaining ones
/// with independent operations, so the critical path is one division and one update per row.
@inline(__always)
func solveUpper(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, transpose: Bool) -> Bool {
    solveUpper(a, ld: ld, n: n, b, ldb: n, count: 1, transpose: transpose)
}

/// `count` right-hand sides at once: columns `b + j*ldb`, j < count.
@inline(__always)
func solveUpper(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, ldb: Int,
                count: Int, transpose: Bool) -> Bool {
    for i in 0..<n where a[i + i * ld] == 0 { return false }
    if transpose && count == 1 {
        // One right-hand side: column form, x_k = b_k / U[k,k], then b_i -= U[k,i] x_k for i > k. Each b_i
        // receives its subtractions in increasing k, as in the dot form below, so the bits are the same;
        // the critical path is one multiply and one subtract per row instead of a whole dot product.
        var k = 0
        while k < n {
            let bk = b[k] * (1 / a[k &+ k &* ld])
            b[k] = bk
            var i = k &+ 1
            while i < n {
                b[i] -= a[k &+ i &* ld] * bk
                i &+= 1
            }
            k &+= 1
        }
    } else if transpose {
        // Uᵀ is lower triangular: x_i = (b_i - sum_{k<i} U[k,i] x_k) / U[i,i], subtracting in increasing k
        // (the order of reference dtrsm). Column i of U is contiguous; the right-hand sides interleave.
        // Leading zeros of a right-hand side stay zero and contribute nothing: they are skipped (exact,
        // up to the sign of zero results). L-BFGS-B's subspace matrix has such triangles of zeros.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { first in
            for j in 0..<count {
                let bj = b + j &* ldb
                var f = 0
                while f < n && bj[f] == 0 { f &+= 1 }
                first[j] = f
            }
            var i = 0
            while i < n {
                let ci = a + i &* ld
                let r = 1 / ci[i]  // OpenBLAS's trsm kernels multiply by the inverted diagonal
                var j = 0
                while j < count {
                    let f = first[j]
                    if i >= f {
                        let bj = b + j &* ldb
                        var s = bj[i]
                        var k = f
                        while k < i {
                            s -= ci[k] * bj[k]
                            k &+= 1
                        }
                        bj[i] = s * r
                    }
                    j &+= 1
                }
                i &+= 1
            }
        }
    } else {
        var k = n - 1
        while k >= 0 {
            let rakk = 1 / a[k + k * ld]
            let colk = a + k * ld
            for j in 0..<count {
                let bj = b + j * ldb
                let bk = bj[k] * rakk
                bj[k] = bk
                for i in 0..<k { bj[i] -= colk[i] * bk }
            }
            k -= 1
        }
    }
    return true
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
