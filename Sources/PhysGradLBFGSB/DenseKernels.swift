// Cholesky factorization and triangular solves on the small (m x m, 2m x 2m) matrices of the compact
// L-BFGS representation, in place on column-major storage; m is small (default 10), so plain loops
// beat a LAPACK call. The summation orders are those of LINPACK's dpofa/dtrsl, which the reference
// L-BFGS-B calls.

/// Factors the leading `n x n` block of `a` (upper triangle read) as `A = UᵀU`, U overwriting the upper
/// triangle, and writes `1/u_jj` to `reciprocals`. Returns false when a pivot is not positive (A not
/// positive definite, or NaN); on success every `u_jj` is positive.
///
/// Dot-product form: `u_jj = sqrt(a_jj - Σ_{k<j} u_kj²)`, `u_ji = (a_ji - Σ_{k<j} u_kj u_ki) / u_jj`,
/// sums in increasing k.
func choleskyUpper(_ a: MatrixView, n: Int, reciprocals: UnsafeMutablePointer<Double>) -> Bool {
    for j in 0..<n {
        let uj = a.column(j)
        var s = uj[j]
        for k in 0..<j { s -= uj[k] * uj[k] }
        if !(s > 0) { return false }
        let ujj = s.squareRoot()
        uj[j] = ujj
        let r = 1 / ujj
        reciprocals[j] = r
        for i in (j + 1)..<n {
            let ui = a.column(i)
            var t = ui[j]
            for k in 0..<j { t -= uj[k] * ui[k] }
            ui[j] = t * r
        }
    }
    return true
}

/// Solves `Uᵀx = b` in place, U the factor left by ``choleskyUpper(_:n:reciprocals:)``:
/// `x_i = (b_i - Σ_{k<i} u_ki x_k) · (1/u_ii)`.
func solveUpperTransposed(_ u: MatrixView, n: Int, reciprocals: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
    for i in 0..<n {
        let ui = u.column(i)
        var s = b[i]
        for k in 0..<i { s -= ui[k] * b[k] }
        b[i] = s * reciprocals[i]
    }
}

/// Solves `Ux = b` in place, U as in ``solveUpperTransposed(_:n:reciprocals:_:)``, by columns:
/// `x_k = b_k · (1/u_kk)`, then `b_i -= u_ik x_k` for i < k.
func solveUpper(_ u: MatrixView, n: Int, reciprocals: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
    var k = n - 1
    while k >= 0 {
        let uk = u.column(k)
        let xk = b[k] * reciprocals[k]
        b[k] = xk
        for i in 0..<k { b[i] -= uk[i] * xk }
        k -= 1
    }
}
