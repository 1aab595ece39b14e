/// A bound-constrained limited-memory quasi-Newton minimizer: L-BFGS-B 3.0 (Byrd, Lu, Nocedal, Zhu 1995;
/// Zhu, Byrd, Lu, Nocedal 1997, Algorithm 778; Morales & Nocedal 2011), written in Swift and iterate for
/// iterate the algorithm of SciPy's `fmin_l_bfgs_b` / `minimize(method="L-BFGS-B")`.
///
/// It minimizes f(x) subject to `lower <= x <= upper` (infinite bounds mean "no bound"; `lower == upper`
/// fixes a variable). ``LBFGSBRun`` describes an iteration; ``minimize(from:callback:objective:)`` runs
/// one to the end, and ``start(from:)`` hands out a run to step yourself.
///
/// Sturdier than the reference code: a trial point with a non-finite value or gradient makes the line
/// search back off instead of extrapolating; a run never reports success with a non-finite f or
/// gradient; infeasible or NaN bounds, non-finite starting points and sizes beyond the memory limit are
/// typed errors; a starting point outside the box is projected (``LBFGSBResult/startWasProjected``);
/// every evaluation point (finite differences included) lies in the box.
///
/// The solver is a value. A run allocates its workspace once (``workspaceBytes(dimension:maxcor:)``)
/// and nothing per iteration; ``minimize(from:callback:objective:)`` keeps it for the next call. Any
/// number of solvers and runs can work at once on different threads.
///
/// ```swift
/// var solver = try LBFGSBSolver(dimension: 2, lower: [-2, -2], upper: [2, 2])
/// let result = try solver.minimize(from: [-1.2, 1]) { x, g in
///     let t = x[1] - x[0] * x[0]
///     g[0] = -400 * x[0] * t - 2 * (1 - x[0])
///     g[1] = 200 * t
///     return 100 * t * t + (1 - x[0]) * (1 - x[0])
/// }
/// ```
public struct LBFGSBSolver: Sendable {
    /// Number of variables n.
    public let dimension: Int
    /// Settings; validated at every ``start(from:)`` and `minimize`.
    public var options: LBFGSBOptions
    let box: Box
    /// The workspace of the last `minimize`, for the next one.
    private var spareWorkspace: Workspace?

    /// The largest n: the free and active sets are lists of 32-bit indices.
    public static let maximumDimension = Int(Int32.max)

    /// Lower bounds (`-infinity` where there is none).
    public var lower: [Double] { (0..<dimension).map { box.lowerBound($0) } }
    /// Upper bounds (`+infinity` where there is none).
    public var upper: [Double] { (0..<dimension).map { box.upperBound($0) } }

    /// A solver for `dimension` variables with optional bounds (`nil` means none; `-infinity` and
    /// `+infinity` entries mean none for that variable).
    ///
    /// - Throws: ``LBFGSBError/emptyProblem``, ``LBFGSBError/dimensionTooLarge(dimension:limit:)``,
    ///   ``LBFGSBError/dimensionMismatch(name:expected:actual:)``,
    ///   ``LBFGSBError/invalidBound(index:lower:upper:)`` (NaN, `lower = +inf` or `upper = -inf`),
    ///   ``LBFGSBError/infeasibleBounds(index:lower:upper:)`` (`lower > upper`),
    ///   ``LBFGSBError/invalidOption(name:value:reason:)``, or
    ///   ``LBFGSBError/workspaceTooLarge(dimension:maxcor:bytes:limit:)``.
    public init(dimension: Int, lower: [Double]? = nil, upper: [Double]? = nil,
                options: LBFGSBOptions = LBFGSBOptions()) throws(LBFGSBError) {
        guard dimension > 0 else { throw .emptyProblem }
        guard dimension <= Self.maximumDimension else {
            throw .dimensionTooLarge(dimension: dimension, limit: Self.maximumDimension)
        }
        try Self.validate(options, dimension: dimension)
        try Self.validateBounds(lower: lower, upper: upper, dimension: dimension)
        self.dimension = dimension
        self.options = options
        box = Box(dimension: dimension, lower: lower, upper: upper)
    }

    /// Throws unless `lower` and `upper` (when given) have `dimension` entries, none NaN, no lower bound
    /// `+infinity`, no upper bound `-infinity`, and `lower <= upper`.
    static func validateBounds(lower: [Double]?, upper: [Double]?, dimension: Int) throws(LBFGSBError) {
        if let lower, lower.count != dimension {
            throw .dimensionMismatch(name: "lower", expected: dimension, actual: lower.count)
        }
        if let upper, upper.count != dimension {
            throw .dimensionMismatch(name: "upper", expected: dimension, actual: upper.count)
        }
        for i in 0..<dimension {
            let a = lower?[i] ?? -.infinity, b = upper?[i] ?? .infinity
            if a.isNaN || b.isNaN || a == .infinity || b == -.infinity {
                throw .invalidBound(index: i, lower: a, upper: b)
            }
            if a > b { throw .infeasibleBounds(index: i, lower: a, upper: b) }
        }
    }

    /// Bounds given as `(lower, upper)` pairs, SciPy style (`nil` for no bound).
    public init(bounds: [(Double?, Double?)], options: LBFGSBOptions = LBFGSBOptions()) throws(LBFGSBError) {
        try self.init(dimension: bounds.count, lower: bounds.map { $0.0 ?? -.infinity },
                      upper: bounds.map { $0.1 ?? .infinity }, options: options)
    }

    /// The bytes of a run's workspace: `8·((2m + 7)n + 11m² + 23m) + 13n` for n variables and m =
    /// `maxcor` pairs (S and Y are 2mn doubles of it); `nil` beyond `Int.max`. The bounds take up to 17n
    /// bytes more, shared by all runs of a solver.
    public static func workspaceBytes(dimension: Int, maxcor: Int) -> Int? {
        guard dimension >= 0, maxcor >= 0 else { return nil }
        return Workspace.byteCount(n: dimension, m: maxcor)
    }

    static func validate(_ options: LBFGSBOptions, dimension: Int) throws(LBFGSBError) {
        try options.validate()
        let bytes = workspaceBytes(dimension: dimension, maxcor: options.maxcor)
        if bytes.map({ $0 > options.memoryLimit }) ?? true {
            throw .workspaceTooLarge(dimension: dimension, maxcor: options.maxcor, bytes: bytes, limit: options.memoryLimit)
        }
    }

    /// A run from `x0` (projected onto the box if outside it), to be advanced with
    /// ``LBFGSBRun/step(objective:)`` or ``LBFGSBRun/step(value:)``. Allocates the run's workspace.
    ///
    /// - Throws: ``LBFGSBError`` for a wrong-length or non-finite `x0`, invalid options or a workspace
    ///   beyond ``LBFGSBOptions/memoryLimit``.
    public func start(from x0: [Double]) throws(LBFGSBError) -> LBFGSBRun {
        try validate(start: x0)
        return LBFGSBRun(box: box, options: options, x0: x0, workspace: Workspace(n: dimension, m: options.maxcor))
    }

    /// ``start(from:)`` on the workspace of the previous `minimize` when it fits.
    private mutating func startReusingWorkspace(from x0: [Double]) throws(LBFGSBError) -> LBFGSBRun {
        try validate(start: x0)
        if var spare = spareWorkspace.take(), spare.m == options.maxcor {
            spare.makeUnique()  // a copy of this solver may share it
            return LBFGSBRun(box: box, options: options, x0: x0, workspace: spare)
        }
        return LBFGSBRun(box: box, options: options, x0: x0, workspace: Workspace(n: dimension, m: options.maxcor))
    }

    /// Throws when `maxfun` cannot pay for two forward-difference gradients (1 + the movable variables
    /// each): an iteration needs at least two, at the start and at a trial point.
    static func checkFiniteDifferenceBudget(box: Box, options: LBFGSBOptions) throws(LBFGSBError) {
        let perGradient = box.movableCount + 1
        if 2 * perGradient > options.maxfun {
            throw .finiteDifferencesExceedBudget(evaluationsPerGradient: perGradient, maxfun: options.maxfun)
        }
    }

    private func validate(start x0: [Double]) throws(LBFGSBError) {
        try Self.validate(options, dimension: dimension)
        if x0.count != dimension { throw .dimensionMismatch(name: "x0", expected: dimension, actual: x0.count) }
        for i in 0..<dimension where !x0[i].isFinite { throw .nonFiniteStart(index: i, value: x0[i]) }
    }

    /// Minimizes an objective that returns f(x) and writes ∇f(x) into its second argument.
    ///
    /// - Parameters:
    ///   - x0: starting point (projected onto the box if outside it).
    ///   - callback: called after every iteration; return `.stop` to end the run (an iteration or
    ///     evaluation limit reached in the same iteration takes precedence, as in SciPy).
    ///   - objective: `(x, gradient) -> f`; x is only valid during the call, and always in the box.
    /// - Throws: ``LBFGSBError`` for a wrong-length or non-finite `x0`, invalid options or a workspace
    ///   beyond ``LBFGSBOptions/memoryLimit``.
    public mutating func minimize(
        from x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        var run = try startReusingWorkspace(from: x0)
        while run.termination == nil {
            let step = run.step(objective: objective)
            report(step, of: &run, to: callback)
        }
        return finish(run)
    }

    /// Minimizes a value-only objective, with the gradient by forward differences as SciPy's
    /// `approx_grad=True`: `∂f/∂x_i ≈ (f(x + h_i e_i) - f(x)) / h_i` with `h_i = eps` (1e-8), or
    /// `sqrt(2^-52)·sign(x_i)·max(1, |x_i|)` when `x_i + eps` rounds to `x_i`; next to a bound the step
    /// is flipped (or shortened to the distance to the far bound) so that no evaluation leaves the box.
    /// Fixed variables (`lower == upper`) get a zero derivative without an evaluation. Every gradient costs
    /// `1 + (number of non-fixed variables)` evaluations, all counted in ``LBFGSBResult/evaluations``.
    ///
    /// The budget holds inside a gradient: no evaluation starts once more than `maxfun` were made or
    /// (with ``LBFGSBOptions/timeLimit``) once the time is up. A gradient cut short ends the run at the
    /// last accepted iterate with ``LBFGSBTermination/evaluationLimit`` or
    /// ``LBFGSBTermination/timeLimit``.
    ///
    /// - Throws: as ``minimize(from:callback:objective:)``, and
    ///   ``LBFGSBError/finiteDifferencesExceedBudget(evaluationsPerGradient:maxfun:)`` when `maxfun` is
    ///   less than two gradients, the fewest one iteration takes (the run could not move).
    public mutating func minimize(
        from x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        value: (UnsafeBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        try Self.checkFiniteDifferenceBudget(box: box, options: options)
        var run = try startReusingWorkspace(from: x0)
        while run.termination == nil {
            let step = try run.step(value: value)
            report(step, of: &run, to: callback)
        }
        return finish(run)
    }

    /// The run's result; its workspace becomes the spare.
    private mutating func finish(_ run: consuming LBFGSBRun) -> LBFGSBResult {
        let result = run.result
        spareWorkspace = run.workspace
        return result
    }

    /// Hands an accepted iterate to the callback. A stop request ends the run unless the iteration
    /// already reached the iteration or evaluation limit (SciPy tests those after the callback).
    private func report(_ step: LBFGSBStep, of run: inout LBFGSBRun,
                        to callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)?) {
        guard step.iteration != nil, let callback, callback(run.progress) == .stop else { return }
        switch run.termination {
        case .iterationLimit?, .evaluationLimit?: break
        default: run.termination = .stoppedByCallback
        }
    }

    /// One-shot form of ``minimize(from:callback:objective:)``.
    public static func minimize(
        from x0: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
        options: LBFGSBOptions = LBFGSBOptions(),
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        var solver = try LBFGSBSolver(dimension: x0.count, lower: lower, upper: upper, options: options)
        return try solver.minimize(from: x0, callback: callback, objective: objective)
    }

    /// One-shot form of ``minimize(from:callback:value:)`` (finite-difference gradient).
    public static func minimize(
        from x0: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
        options: LBFGSBOptions = LBFGSBOptions(),
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        value: (UnsafeBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        var solver = try LBFGSBSolver(dimension: x0.count, lower: lower, upper: upper, options: options)
        return try solver.minimize(from: x0, callback: callback, value: value)
    }
}
