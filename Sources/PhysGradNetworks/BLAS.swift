internal import CPhysGradLAPACK

/// `C ← α op(A) op(B) + β C` (BLAS `dgemm`, column-major) on raw buffers: the networks' batched
/// passes work on slices of one workspace and of the flat parameter vector, which `Matrix`
/// values cannot view.
@inline(__always)
func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(Swift.max(1, lda)), b, Int32(Swift.max(1, ldb)),
                beta, c, Int32(Swift.max(1, ldc)))
}

/// `C ← α A Aᵀ + β C` (or `α Aᵀ A + β C` with `transpose`) on the lower triangle of the n × n
/// matrix C (BLAS `dsyrk`, column-major); the strict upper triangle is not touched.
@inline(__always)
func syrkLower(
    transpose: Bool, n: Int, k: Int, alpha: Double = 1, _ a: UnsafePointer<Double>, lda: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
) {
    if n == 0 { return }
    cblas_dsyrk(CblasColMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans, Int32(n), Int32(k), alpha, a,
                Int32(Swift.max(1, lda)), beta, c, Int32(Swift.max(1, ldc)))
}
