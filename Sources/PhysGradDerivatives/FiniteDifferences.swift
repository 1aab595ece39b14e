// Central finite differences: derivatives of black boxes, and an independent check of AD.
import PhysGradLinearAlgebra

/// Central finite differences for functions given only as `Double` closures.
///
/// Steps are chosen to balance truncation error O(h²) against rounding error O(eps/h) for
/// first differences: h = cbrt(eps)·max(1, |x_i|) ≈ 6.1e-6·max(1, |x_i|), giving about
/// eps^(2/3) ≈ 4e-11 relative accuracy for smooth functions of unit scale; for second
/// differences of values (error O(h²) + O(eps/h²)) h = eps^(1/4)·max(1, |x_i|) ≈ 1.2e-4, giving
/// about sqrt(eps) ≈ 1e-8. Each step is rounded so that x + h is exactly representable
/// (h = (x + h) - x), which removes the representation error of the step itself.
public enum FiniteDifferences {
    /// cbrt(eps) for Double.
    public static let firstOrderStepScale: Double = 6.055454452393343e-06
    /// eps^(1/4) for Double.
    public static let secondOrderStepScale: Double = 1.220703125e-04

    /// The central-difference step at coordinate value `x` for relative scale `scale`:
    /// `scale · max(1, |x|)`, rounded so that `x + h` is exactly representable.
    @inlinable
    public static func step(at x: Double, scale: Double = firstOrderStepScale) -> Double {
        let h = scale * Swift.max(1, abs(x))
        let t = x + h
        return t - x
    }

    /// f'(x) ≈ (f(x+h) - f(x-h)) / 2h.
    @inlinable
    public static func derivative(at x: Double, of f: (Double) -> Double) -> Double {
        let h = step(at: x)
        return (f(x + h) - f(x - h)) / (2 * h)
    }

    /// f''(x) ≈ (f(x+h) - 2f(x) + f(x-h)) / h², h = eps^(1/4)·max(1,|x|).
    @inlinable
    public static func secondDerivative(at x: Double, of f: (Double) -> Double) -> Double {
        let h = step(at: x, scale: secondOrderStepScale)
        return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)
    }

    /// ∇f(x) by 2n evaluations of f.
    @inlinable
    public static func gradient(at x: [Double], of f: ([Double]) -> Double) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        var scratch = x
        gradient(at: x, into: &g, scratch: &scratch, of: f)
        return g
    }

    /// ∇f(x) into `gradient` by 2n evaluations of f, using `scratch` (a copy of x is made in it;
    /// no allocation when both buffers already have n elements and are uniquely referenced).
    @inlinable
    public static func gradient(
        at x: [Double], into gradient: inout [Double], scratch: inout [Double], of f: ([Double]) -> Double
    ) {
        let n = x.count
        if gradient.count != n { gradient = [Double](repeating: 0, count: n) }
        if scratch.count != n { scratch = x } else { for i in 0..<n { scratch[i] = x[i] } }
        for i in 0..<n {
            let xi = x[i]
            let h = step(at: xi)
            scratch[i] = xi + h
            let fp = f(scratch)
            scratch[i] = xi - h
            let fm = f(scratch)
            scratch[i] = xi
            gradient[i] = (fp - fm) / (2 * h)
        }
    }

    /// The k x n Jacobian of y(x) by 2n evaluations of y.
    @inlinable
    public static func jacobian(at x: [Double], of y: ([Double]) -> [Double]) -> Matrix {
        let n = x.count
        var scratch = x
        var columns: [Double] = []
        var k = -1
        for j in 0..<n {
            let xj = x[j]
            let h = step(at: xj)
            scratch[j] = xj + h
            let yp = y(scratch)
            scratch[j] = xj - h
            let ym = y(scratch)
            scratch[j] = xj
            if k < 0 { k = yp.count; columns.reserveCapacity(k * n) }
            precondition(yp.count == k && ym.count == k, "FiniteDifferences.jacobian: output count changed")
            for r in 0..<k { columns.append((yp[r] - ym[r]) / (2 * h)) }
        }
        if k < 0 { k = y(x).count }
        return Matrix(rows: k, columns: n, columnMajor: columns)
    }

    /// J(x)·v ≈ (y(x + hv) - y(x - hv)) / 2h with h = cbrt(eps)·max(1, |x|∞) / |v|∞; exactly 0
    /// for v = 0, and NaN (without evaluating y off x) when v has a NaN entry.
    @inlinable
    public static func jacobianVectorProduct(at x: [Double], direction v: [Double], of y: ([Double]) -> [Double]) -> [Double] {
        precondition(x.count == v.count, "FiniteDifferences: x has \(x.count) entries, v has \(v.count)")
        let vNorm = Vector.normInf(v)
        guard vNorm > 0 else { return [Double](repeating: vNorm == 0 ? 0 : .nan, count: y(x).count) }
        let h = firstOrderStepScale * Swift.max(1, Vector.normInf(x)) / vNorm
        let yp = y(zip(x, v).map { $0 + h * $1 })
        let ym = y(zip(x, v).map { $0 - h * $1 })
        return zip(yp, ym).map { ($0 - $1) / (2 * h) }
    }

    /// ∇²f(x) from an exact or approximate gradient by central differences of the gradient
    /// (2n gradient evaluations), symmetrized as (H + Hᵀ)/2.
    @inlinable
    public static func hessian(at x: [Double], gradient g: ([Double]) -> [Double]) -> Matrix {
        let n = x.count
        var scratch = x
        var h = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let xj = x[j]
            let s = step(at: xj)
            scratch[j] = xj + s
            let gp = g(scratch)
            scratch[j] = xj - s
            let gm = g(scratch)
            scratch[j] = xj
            for i in 0..<n { h[i + j * n] = (gp[i] - gm[i]) / (2 * s) }
        }
        for j in 0..<n {
            for i in 0..<j {
                let m = 0.5 * (h[i + j * n] + h[j + i * n])
                h[i + j * n] = m
                h[j + i * n] = m
            }
        }
        return Matrix(rows: n, columns: n, columnMajor: h)
    }

    /// ∇²f(x) from values only: second central differences with h_i = eps^(1/4)·max(1,|x_i|),
    /// 1 + 2n + 2n(n-1) evaluations; accuracy about sqrt(eps) relative to the scale of f.
    @inlinable
    public static func hessian(at x: [Double], value f: ([Double]) -> Double) -> Matrix {
        let n = x.count
        var s = x
        var h = [Double](repeating: 0, count: n * n)
        let f0 = f(x)
        let steps = x.map { step(at: $0, scale: secondOrderStepScale) }
        for i in 0..<n {
            let hi = steps[i]
            s[i] = x[i] + hi
            let fp = f(s)
            s[i] = x[i] - hi
            let fm = f(s)
            s[i] = x[i]
            h[i + i * n] = (fp - 2 * f0 + fm) / (hi * hi)
            for j in 0..<i {
                let hj = steps[j]
                s[i] = x[i] + hi; s[j] = x[j] + hj
                let fpp = f(s)
                s[j] = x[j] - hj
                let fpm = f(s)
                s[i] = x[i] - hi
                let fmm = f(s)
                s[j] = x[j] + hj
                let fmp = f(s)
                s[i] = x[i]; s[j] = x[j]
                let hij = (fpp - fpm - fmp + fmm) / (4 * hi * hj)
                h[i + j * n] = hij
                h[j + i * n] = hij
            }
        }
        return Matrix(rows: n, columns: n, columnMajor: h)
    }

    /// ∇²f(x)·v ≈ (∇f(x + hv) - ∇f(x - hv)) / 2h with h = cbrt(eps)·max(1, |x|∞) / |v|∞ (0 for
    /// v = 0, NaN when v has a NaN entry).
    @inlinable
    public static func hessianVectorProduct(at x: [Double], direction v: [Double], gradient g: ([Double]) -> [Double]) -> [Double] {
        jacobianVectorProduct(at: x, direction: v, of: g)
    }
}
