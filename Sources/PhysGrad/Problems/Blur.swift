import PhysGradDerivatives
import PhysGradLinearAlgebra

extension Problems {
    /// The Gaussian kernel's width in blur(n): G_ij = exp(-((i - j)/1.5)²).
    public static let blurWidth = 1.5

    /// A nonlinear deconvolution ("blur(n)"): an elementwise cubic response smeared by a
    /// Gaussian kernel,
    ///
    ///     c_i(x) = x_i³ + x_i,   y = G c(x),   G_ij = exp(-((i - j)/1.5)²),   L(y) = |y - y*|²,
    ///
    /// with target y* = G c(x*) for x*_i = sin(2π i/n), start 3 everywhere, solution x*.
    /// G is symmetric positive definite (its symbol is positive: eigenvalues in about
    /// [0.02, 2.66]); it is applied as a band (entries below 1e-18 of the diagonal, |i - j| > 9,
    /// are dropped, which changes y below double rounding). The analytic inverse is
    /// x = c⁻¹(G⁻¹ y): G⁻¹ through its banded Cholesky factorization (bandwidth 9, factorized
    /// once, when the problem is made; O(n)), c⁻¹ by Cardano's formula for the one real root plus
    /// one Newton polish.
    ///
    /// Declared structure: the Jacobian `G diag(3x² + 1)` is a band of half-width 9 and the Hessian
/// of L one of half-width 18, so Newton, Gauss-Newton and Levenberg-Marquardt work on bands
/// (O(n) per step) instead of dense n × n matrices.
///
/// Recommended settings: GD from 1e-4 (∇²L has norm about 2·(3·3² + 1)²·2.66² ≈ 1.1e4 at the
    /// start), PG, IG and HIG from 1 (L is quadratic in y, so PG with η = 1 is exact in one step),
    /// all with backtracking; Newton with its trust region (L is not convex in x: from the start,
    /// ∇²L is indefinite); Gauss-Newton and Levenberg-Marquardt as they come.
    ///
    /// - Throws: ``PhysGradError/invalidParameter(name:value:reason:)`` unless 1 <= n <= ``maximumDimension``.
    public static func blur(_ n: Int) throws(PhysGradError) -> InverseProblem {
        guard n >= 1, n <= maximumDimension else {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "blur(n) needs 1 <= n <= \(maximumDimension)")
        }
        let kernel = BlurModel.kernel(width: blurWidth)
        let w = kernel.count - 1  // G_ij = 0 for |i - j| > w
        let model = BlurModel(kernel: kernel, cells: n)
        let solution = (0..<n).map { _sinTwoPi(Double($0) / Double(n)) }
        // The target through the array-style evaluation, so the loss is exactly 0 at the solution.
        let target = ArrayDerivatives.value(of: model, at: solution)
        // G's banded Cholesky factorization (the analytic inverse): O(n) storage and work.
        let cholesky = try! BandedCholeskyFactorization(order: n, bandwidth: kernel.count - 1) { i, j in
            kernel[i - j]  // SPD by construction; see the doc comment
        }
        var problem = arrayProblem(
            name: "blur", dimension: n, outputDimension: n, model: model, loss: ArraySquaredDistance(target: target), lossTarget: target,
            start: [Double](repeating: 3, count: n), solution: solution,
            inverse: { y throws(InverseDomainError) in
                let c: [Double]
                do {
                    c = try cholesky.solve(y)
                } catch {
                    throw InverseDomainError(index: 0, value: y.first ?? .nan, reason: "\(error)")
                }
                return c.map(inverseCubic)
            },
            stepSizes: [.gd: 1e-4, .newton: 1, .pg: 1, .pgNumerical: 1, .adam: 0.05, .adagrad: 0.5,
                        .rmsprop: 0.01, .gn: 1, .ig: 1, .hig: 1],
            acceptances: [.gd: .backtracking(), .pg: .backtracking(), .pgNumerical: .backtracking(),
                          .ig: .backtracking(), .hig: .backtracking()],
            objectiveHessianStructure: .banded(bandwidth: 2 * w), lossHessianStructure: .diagonal,
            summary: "Nonlinear deconvolution in \(n) dimensions: y = G (x^3 + x), G a Gaussian blur of width 1.5, L = |y - y*|^2, from 3; the solution is x*_i = sin(2 pi i/n).")
        // J = G diag(c'(x)) has G's band; ∇²L = 2 Jᵀ J + 2 diag(c''(x) ⊙ Gᵀ r) twice G's. Both come
        // from compressed products: 2w + 1 = 19 and 4w + 1 = 37 colours, sixteen per evaluation.
        problem.jacobianStructure = .banded(lower: w, upper: w)
        problem.compressedJacobian = { x, coloring in ArrayDerivatives.compressedJacobian(of: model, at: x, coloring: coloring) }
        let objective = ComposedArrayObjective(model: model, loss: ArraySquaredDistance(target: target))
        problem.compressedObjectiveHessian = { x, coloring in
            ArrayDerivatives.compressedHessian(of: objective, at: x, coloring: coloring)
        }
        return problem
    }
}

/// y = G c(x), c_i = x_i³ + x_i, with G the banded Gaussian kernel: written on scalars
/// (`GenericModel`) and on tracked vectors (`ArrayModel`: one fused map and one banded
/// product through BLAS `dgbmv`, the form the catalog differentiates).
public struct BlurModel: GenericModel, ArrayModel, Sendable {
    /// g_d = G_{i, i±d} for d = 0, 1, ..., w.
    public let kernel: [Double]

    /// G for the number of cells given at initialization (built once; other sizes build their own).
    public let band: BandedOperator?

    /// The model with kernel `kernel` (g_0, g_1, ...: at least one entry; with an empty kernel the
    /// model stops the process).
    public init(kernel: [Double]) {
        self.kernel = kernel
        band = nil
    }

    /// The model with G prepared for `cells` cells (the array-style evaluation then builds nothing);
    /// `kernel` as in ``init(kernel:)``.
    public init(kernel: [Double], cells: Int) {
        self.kernel = kernel
        band = BlurModel.bandOperator(kernel: kernel, cells: cells)
    }

    /// c_i = x_i³ + x_i.
    @frozen public struct Response: ElementwiseKernel, Sendable {
        @inlinable public init() {}
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x * x + x }
    }

    /// G as a symmetric band operator for `n` cells (entries beyond the kernel's width are zero).
    public static func bandOperator(kernel: [Double], cells n: Int) -> BandedOperator {
        let w = Swift.min(kernel.count - 1, Swift.max(n - 1, 0))
        return BandedOperator(rows: n, columns: n, lower: w, upper: w) { i, j in kernel[abs(i - j)] }
    }

    /// Array-style: y = G (x³ + x), one map and one banded product.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let g = band.flatMap { $0.inputCount == x.count ? $0 : nil } ?? BlurModel.bandOperator(kernel: kernel, cells: x.count)
        return x.map(Response()).applying(g)
    }

    /// exp(-(d/width)²) for d = 0, 1, ... while it is at least 1e-18: about 6.44 |width| + 1
    /// entries. Empty for a width that is not finite and nonzero (NaN, ±∞, 0), whose kernel has
    /// no such end.
    public static func kernel(width: Double) -> [Double] {
        guard width.isFinite, width != 0 else { return [] }
        var k: [Double] = []
        var d = 0.0
        while true {
            let v = _exp(-(d / width) * (d / width))
            if !(v >= 1e-18) { break }
            k.append(v)
            d += 1
        }
        return k
    }

    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let n = x.count
        let w = kernel.count - 1
        var c = x
        for i in 0..<n { c[i] = x[i] * x[i] * x[i] + x[i] }
        var y = [T](repeating: 0, count: n)
        for i in 0..<n {
            var s = T(kernel[0]) * c[i]
            var d = 1
            while d <= w {
                if i - d >= 0 { s += T(kernel[d]) * c[i - d] }
                if i + d < n { s += T(kernel[d]) * c[i + d] }
                d += 1
            }
            y[i] = s
        }
        return y
    }
}

/// The real root of x³ + x = v (c is strictly increasing, so there is exactly one):
/// Cardano's formula x = a - 1/(3a), a = cbrt(v/2 + sqrt(v²/4 + 1/27)) for v >= 1e-3 (the
/// series v - v³ below, where the formula cancels; odd symmetry for v < 0), then one Newton step. Relative error ~1 ulp for every
/// finite v.
public func inverseCubic(_ v: Double) -> Double {
    if v == 0 || !v.isFinite { return v }
    let m = abs(v)
    var x: Double
    if m < 1e-3 {
        // a - 1/(3a) cancels for small m; the series x = m - m³ + 3m⁵ - ... is exact here.
        x = m - m * m * m
    } else {
        let half = m / 2
        // sqrt(half² + 1/27) without overflowing for huge m.
        let s = half > 1e150 ? half : (half * half + 1.0 / 27.0).squareRoot()
        let a = _cbrt(half + s)
        x = a - 1 / (3 * a)
    }
    let f = x * x * x + x - m
    x -= f / (3 * x * x + 1)
    return v < 0 ? -x : x
}
