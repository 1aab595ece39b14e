import PhysGradDerivatives

extension Problems {
    /// Viscosity ν of burgers(n).
    public static let burgersViscosity = 0.01
    /// Simulated time T of burgers(n): before the sine's shock forms (at t = 1).
    public static let burgersTime = 0.5
    /// The largest n that ``burgers(_:)`` accepts.
    public static let burgersMaximumDimension = 4096
    /// The largest speed for which burgers(n)'s time step is stable.
    public static let burgersSpeedLimit = 1.5

    /// Recovering the initial velocity of the 1-D viscous Burgers equation ("burgers(n)"):
    ///
    ///     u_t + u u_x = ν u_xx,   periodic on [0, 2π),  ν = 0.01,
    ///
    /// x = u(·, 0) on n cells, y = u(·, T) at T = 0.5, L = |y - y*|² with y* the result from
    /// x*_i = sin(2π i/n); start 0 everywhere, solution x*. No analytic inverse: PG uses the
    /// numerical one, with exact reverse-mode gradients through every time step.
    ///
    /// The solver: explicit Euler in time; in space, central differences for diffusion and the
    /// energy-conserving skew-symmetric form of the advection,
    /// u u_x ≈ (u_{i+1} - u_{i-1})(u_{i-1} + u_i + u_{i+1}) / (6 Δx). It is smooth (so its
    /// derivatives exist everywhere) and, for speeds up to ``burgersSpeedLimit``, stable with
    ///
    ///     Δt = 0.9 · min(Δx²/(2ν), 2ν/1.5²),   steps = ceil(T/Δt) (Δt then shortened to T/steps),
    ///
    /// the von Neumann conditions of forward-time central-space advection-diffusion
    /// (d = νΔt/Δx² <= 1/2 and c² <= 2d with c = |u|Δt/Δx).
    ///
    /// The number of time steps grows like n² (Δt ∝ Δx²), so the work of one evaluation grows
    /// like n³ (n cells per step), a gradient's about 3 to 4 times that (the checkpointed loop
    /// evaluates a step at most four times), and a gradient's memory like n² (2 ceil(sqrt(steps))
    /// states of n doubles): n is at most ``burgersMaximumDimension`` (4096 cells: 4,722 steps; one
    /// gradient's tape peaks at 4.9 MB there, 0.39 MB at n = 1024).
    ///
    /// Declared structure: each explicit step couples a cell to its two neighbours, so after
    /// `steps` steps (63 for every n up to 473) ∂y_i/∂x_j is nonzero only for j within `steps`
    /// cells of i around the ring: for n <= 2 · steps + 1 the Jacobian is dense, and above it is
    /// a *periodic* band, declared as ``JacobianStructure/periodicBanded(lower:upper:)`` when its
    /// colouring needs fewer than n colours (n = 256 and 384: 128 colours; n = 473: 158).
    /// The Jacobian is then built from those compressed products and expanded: the same entries,
    /// in half the passes or fewer; the methods take their dense paths with it (the corner blocks
    /// do not fit a banded factorization). The objective's Hessian is declared dense.
    ///
    /// - Throws: ``PhysGradError/invalidParameter(name:value:reason:)`` unless 3 <= n <= 4096.
    public static func burgers(_ n: Int) throws(PhysGradError) -> InverseProblem {
        guard n >= 3, n <= burgersMaximumDimension else {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "burgers(n) needs 3 <= n <= \(burgersMaximumDimension) (its time steps grow like n^2)")
        }
        let model = BurgersModel(cells: n)
        let solution = (0..<n).map { _sinTwoPi(Double($0) / Double(n)) }
        // The target through the array-style evaluation, so the loss is exactly 0 at the solution.
        let target = ArrayDerivatives.value(of: model, at: solution)
        var problem = arrayProblem(
            name: "burgers", dimension: n, outputDimension: n, model: model, loss: ArraySquaredDistance(target: target), lossTarget: target,
            start: [Double](repeating: 0, count: n), solution: solution, inverse: nil,
            stepSizes: [.gd: 0.2, .newton: 1, .pgNumerical: 1, .adam: 0.05, .adagrad: 0.2, .rmsprop: 0.01,
                        .gn: 1, .ig: 1, .hig: 1],
            acceptances: [.gd: .backtracking(), .pgNumerical: .backtracking(), .ig: .backtracking(),
                          .hig: .backtracking()],
            objectiveHessianStructure: .dense, lossHessianStructure: .diagonal,
            summary: "Initial velocity of the viscous Burgers equation on \(n) periodic cells (nu = 0.01, T = 0.5) from its final state; start 0; the solution is x*_i = sin(2 pi i/n).")
        if ColumnColoring.periodicBanded(columns: n, lower: model.steps, upper: model.steps).count < n {
            problem.jacobianStructure = .periodicBanded(lower: model.steps, upper: model.steps)
            problem.compressedJacobian = { x, coloring in ArrayDerivatives.compressedJacobian(of: model, at: x, coloring: coloring) }
        }
        return problem
    }
}

/// The final velocity of burgers(n) after ``steps`` explicit time steps; see ``Problems/burgers(_:)``.
///
/// Written on scalars (`GenericModel`) and on tracked vectors (`ArrayModel`: each time step
/// is one periodic stencil, in a checkpointed stencil loop, so a gradient keeps
/// `snapshots + 1` states of n doubles plus the tapes of one step instead of every state: with the
/// default schedule (2 ceil(sqrt(steps)) snapshots) the tape's peak at n = 1024 (296 steps) is
/// 393 KB, 48 states).
public struct BurgersModel: GenericModel, ArrayModel, Sendable {
    /// The number of cells n on the periodic domain [0, 2π).
    public let cells: Int
    /// The cell width Δx = 2π/n.
    public let dx: Double
    /// The time step Δt = time / steps.
    public let dt: Double
    /// The number of time steps: the fewest whose Δt is within 0.9 of the explicit scheme's
    /// stability limits min(Δx²/(2ν), 2ν/speedLimit²).
    public let steps: Int
    /// The viscosity ν.
    public let viscosity: Double
    /// Which states a reverse sweep keeps (default: `.automatic`, 2 ceil(sqrt(steps)) snapshots).
    public var checkpoints: CheckpointSchedule = .automatic

    /// One explicit step at a cell from its neighbours: the scheme of ``Problems/burgers(_:)``.
    @frozen public struct Step: StencilKernel, Sendable {
        /// Δt/(6Δx) and νΔt/Δx².
        public let a: Double, d: Double
        /// The step with a = Δt/(6Δx) and d = νΔt/Δx².
        @inlinable public init(a: Double, d: Double) {
            self.a = a
            self.d = d
        }
        /// u_i' = u_i - a (u_{i+1} - u_{i-1})(u_{i-1} + u_i + u_{i+1}) + d (u_{i+1} - 2u_i + u_{i-1}).
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T {
            c - T(a) * (r - l) * (l + c + r) + T(d) * (r - 2 * c + l)
        }
    }

    /// The model on `cells` cells run to `time` with viscosity `viscosity`, its time step stable for
    /// speeds up to `speedLimit`. Needs `viscosity > 0` and a finite `time > 0`: otherwise the
    /// number of steps is not a finite positive count, and the initializer (infinite count) or an
    /// evaluation (negative count) stops the process (``Problems/burgers(_:)`` uses the defaults).
    public init(cells: Int, viscosity: Double = Problems.burgersViscosity, time: Double = Problems.burgersTime,
                speedLimit: Double = Problems.burgersSpeedLimit) {
        self.cells = cells
        self.viscosity = viscosity
        dx = 2 * Double.pi / Double(cells)
        let stable = 0.9 * min(dx * dx / (2 * viscosity), 2 * viscosity / (speedLimit * speedLimit))
        steps = Int((time / stable).rounded(.up))
        dt = time / Double(steps)
    }

    /// The velocity after ``steps`` steps from the initial velocity x.
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let n = x.count
        let a = T(dt / (6 * dx)), d = T(viscosity * dt / (dx * dx))
        var u = x
        var next = x
        for _ in 0..<steps {
            for i in 0..<n {
                let l = u[i == 0 ? n - 1 : i - 1], c = u[i], r = u[i == n - 1 ? 0 : i + 1]
                next[i] = c - a * (r - l) * (l + c + r) + d * (r - 2 * c + l)
            }
            swap(&u, &next)
        }
        return u
    }

    /// Array-style: ``steps`` periodic stencil steps in a checkpointed loop.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let kernel = Step(a: dt / (6 * dx), d: viscosity * dt / (dx * dx))
        return x.iterated(steps: steps, stencil: kernel, boundary: .periodic, checkpoints: checkpoints)
    }
}
