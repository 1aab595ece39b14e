import PhysGradDerivatives

extension Problems {
    /// The largest n that ``heat(_:steps:diffusion:)`` accepts.
    public static let heatMaximumDimension = 100_000
    /// The largest number of time steps of ``heat(_:steps:diffusion:)``.
    public static let heatMaximumSteps = 100_000

    /// Recovering the initial temperature of the 1-D periodic heat equation ("heat(n)"), a linear
    /// and severely ill-posed inverse problem:
    ///
    ///     u_i ← u_i + r (u_{i-1} - 2 u_i + u_{i+1})   (explicit, periodic),   y = u after T steps,
    ///
    /// x = u at time 0 on n cells, L = |y - y*|² with y* the result from the bump
    /// x*_i = exp(-((i - n/2) / (n/8))²); start 0 everywhere, solution x*. The model is y = Aᵀ x
    /// with A's eigenvalues `1 - 4r sin²(πk/n)`: for n = 64, T = 50 and r = 0.1 the highest
    /// frequencies are damped by 0.6⁵⁰ ≈ 1e-11, so ∇²L = 2 (A^T)ᵀA^T has condition number about
    /// 1e22: singular in double precision. The bump's content in those frequencies is below 1e-12,
    /// so the solution is recoverable to about 1e-8 by a method that does not amplify rounding
    /// in them (a trust region, damping, or a truncated solve).
    ///
    /// Recommended settings: GD 0.5 with backtracking (∇²L <= 2), Newton with its trust region,
    /// Gauss-Newton and Levenberg-Marquardt as they come, IG and HIG from 1 with backtracking,
    /// PG with the numerical inverse (exact gradients) from 1 with backtracking. No analytic inverse.
    ///
    /// - Parameters:
    ///   - n: the number of cells, 3 ... ``heatMaximumDimension``.
    ///   - steps: the number of time steps T, 1 ... ``heatMaximumSteps``.
    ///   - diffusion: r = κΔt/Δx², in (0, 1/2] (the explicit scheme's stability limit).
    /// - Throws: ``PhysGradError/invalidParameter(name:value:reason:)`` outside these ranges.
    public static func heat(_ n: Int, steps: Int = 50, diffusion: Double = 0.1) throws(PhysGradError) -> InverseProblem {
        guard n >= 3, n <= heatMaximumDimension else {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "heat(n) needs 3 <= n <= \(heatMaximumDimension)")
        }
        guard steps >= 1, steps <= heatMaximumSteps else {
            throw .invalidParameter(name: "steps", value: "\(steps)", reason: "heat needs 1 <= steps <= \(heatMaximumSteps)")
        }
        guard diffusion > 0, diffusion <= 0.5 else {
            throw .invalidParameter(name: "diffusion", value: "\(diffusion)", reason: "heat needs 0 < r <= 1/2 (explicit stability)")
        }
        let model = HeatModel(steps: steps, diffusion: diffusion)
        let width = Double(n) / 8
        let solution = (0..<n).map { i -> Double in
            let t = (Double(i) - Double(n) / 2) / width
            return _exp(-t * t)
        }
        // The target through the array-style evaluation, so the loss is exactly 0 at the solution.
        let target = ArrayDerivatives.value(of: model, at: solution)
        return arrayProblem(
            name: "heat", dimension: n, outputDimension: n, model: model, loss: ArraySquaredDistance(target: target), lossTarget: target,
            start: [Double](repeating: 0, count: n), solution: solution, inverse: nil,
            stepSizes: [.gd: 0.5, .newton: 1, .pgNumerical: 1, .adam: 0.05, .adagrad: 0.2, .rmsprop: 0.01,
                        .gn: 1, .ig: 1, .hig: 1],
            acceptances: [.gd: .backtracking(), .pgNumerical: .backtracking(), .ig: .backtracking(),
                          .hig: .backtracking()],
            objectiveHessianStructure: .dense, lossHessianStructure: .diagonal,
            summary: "Initial temperature of the periodic heat equation on \(n) cells after \(steps) explicit steps (r = \(diffusion)) from its final state; start 0; the solution is a Gaussian bump of width n/8.")
    }
}

/// The temperature after ``steps`` explicit steps of the periodic heat equation; see
/// ``Problems/heat(_:steps:diffusion:)``.
///
/// Written on scalars (`GenericModel`) and on tracked vectors (`ArrayModel`: the steps as a
/// checkpointed stencil loop, ``Step``), the same arithmetic in the same order.
public struct HeatModel: GenericModel, ArrayModel, Sendable {
    /// The number of explicit time steps.
    public let steps: Int
    /// r = κΔt/Δx² (stable for r <= 1/2).
    public let diffusion: Double

    /// The model of `steps` steps with r = `diffusion`. `steps` must be >= 0: evaluating a model
    /// with a negative count stops the process (``Problems/heat(_:steps:diffusion:)`` checks its
    /// arguments and throws instead).
    public init(steps: Int, diffusion: Double) {
        self.steps = steps
        self.diffusion = diffusion
    }

    /// One explicit step at a cell from its neighbours: u_i + r (u_{i-1} - 2u_i + u_{i+1}).
    @frozen public struct Step: StencilKernel, Sendable {
        /// r.
        public let r: Double
        /// The step with diffusion number r.
        @inlinable public init(r: Double) { self.r = r }
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ rr: T, at i: Int) -> T { c + T(r) * (l - 2 * c + rr) }
    }

    /// Array-style: ``steps`` periodic stencil steps in a checkpointed stencil loop.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        x.iterated(steps: steps, stencil: Step(r: diffusion), boundary: .periodic)
    }

    /// The temperature after ``steps`` steps u_i' = u_i + r (u_{i-1} - 2u_i + u_{i+1}) from x.
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let n = x.count
        let r = T(diffusion)
        var u = x
        var next = x
        for _ in 0..<steps {
            for i in 0..<n {
                let l = u[i == 0 ? n - 1 : i - 1], c = u[i], rr = u[i == n - 1 ? 0 : i + 1]
                next[i] = c + r * (l - 2 * c + rr)
            }
            swap(&u, &next)
        }
        return u
    }
}
