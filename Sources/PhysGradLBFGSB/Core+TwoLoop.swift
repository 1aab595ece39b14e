extension Core {
    /// Without bounds (and with memory), the subspace minimization over all variables is the
    /// quasi-Newton step z = x - H g with H = B⁻¹ the limited-memory BFGS inverse: the same
    /// vector the compact form gives through the 2m x 2m matrix K (Byrd, Nocedal, Schnabel
    /// 1994, eq. 2.6 against the two-loop recursion, Nocedal 1980), computed here by the
    /// two-loop recursion in 4·col·n flops instead of building and factorizing K.
    /// The two agree to rounding; iteration and evaluation counts on the reference problems
    /// are SciPy's either way (the tests check them).
    ///
    /// Uses `d` as the recursion's vector and `wa` for the col coefficients αᵢ; writes `z`.
    func twoLoopQuasiNewtonPoint() {
        let q = d
        q.update(from: g, count: n)
        var k = col - 1
        while k >= 0 {
            let p = (head + k) % m
            let rho = 1 / sy[k + m * k]
            let a = rho * dotContiguous(ws + p * n, q, n)
            wa[k] = a
            axpyContiguous(-a, wy + p * n, q, n)
            k -= 1
        }
        let scale = 1 / theta
        for i in 0..<n { q[i] *= scale }
        for k in 0..<col {
            let p = (head + k) % m
            let rho = 1 / sy[k + m * k]
            let b = rho * dotContiguous(wy + p * n, q, n)
            axpyContiguous(wa[k] - b, ws + p * n, q, n)
        }
        for i in 0..<n { z[i] = x[i] - q[i] }
    }
}
