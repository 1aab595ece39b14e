import PhysGradLinearAlgebra

// Small dense kernels on preallocated column-major storage (leading dimension `ld`), used on the
// 2m x 2m middle matrices of the compact L-BFGS representation. They work in place and allocate
// nothing; m is small (default 10), so plain loops beat a LAPACK call's overhead here.

/// In-place Cholesky factorization `A = UᵀU` of the leading `n x n` block (upper triangle read and
/// overwritten with `U`). Returns false when a pivot is not positive (A not positive definite, or NaN).
@inline(__always)
func choleskyUpper(_ a: UnsafeMutablePointer<Double>, ld: Int, n: Int) -> Bool {
    for j in 0..<n {
        var s = a[j + j * ld]
        for k in 0..<j { s -= a[k + j * ld] * a[k + j * ld] }
        if !(s > 0) { return false }
        let ujj = s.squareRoot()
        a[j + j * ld] = ujj
        var i = j + 1
        while i < n {
            var t = a[j + i * ld]
            for k in 0..<j { t -= a[k + j * ld] * a[k + i * ld] }
            a[j + i * ld] = t / ujj
            i += 1
        }
    }
    return true
}

/// Solves `U x = b` (`transpose == false`) or `Uᵀ x = b` (`transpose == true`) in place in `b`, with `U`
/// the upper triangle of the leading `n x n` block. Returns false when a diagonal element is zero.
@inline(__always)
func solveUpper(_ a: UnsafePointer<Double>, ld: Int, n: Int, _ b: UnsafeMutablePointer<Double>, transpose: Bool) -> Bool {
    for i in 0..<n where a[i + i * ld] == 0 { return false }
    if transpose {
        // Forward substitution with Uᵀ (lower).
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= a[k + i * ld] * b[k] }
            b[i] = s / a[i + i * ld]
        }
    } else {
        var i = n - 1
        while i >= 0 {
            var s = b[i]
            var k = i + 1
            while k < n {
                s -= a[i + k * ld] * b[k]
                k += 1
            }
            b[i] = s / a[i + i * ld]
            i -= 1
        }
    }
    return true
}

// Level-1 kernels on raw pointers, delegating to PhysGradLinearAlgebra's SIMD `Vector` kernels.

@inline(__always)
func dotContiguous(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    Vector.dot(UnsafeBufferPointer(start: x, count: n), UnsafeBufferPointer(start: y, count: n))
}

@inline(__always)
func axpyContiguous(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    Vector.axpy(alpha, UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: y, count: n))
}

@inline(__always)
func norm2Contiguous(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    Vector.norm2(UnsafeBufferPointer(start: x, count: n))
}
