import PhysGradLineSearch

/// A bound-constrained limited-memory quasi-Newton minimizer: L-BFGS-B 3.0 (Byrd, Lu, Nocedal, Zhu 1995;
/// Zhu, Byrd, Lu, Nocedal 1997, Algorithm 778; Morales & Nocedal 2011), written in Swift and iterate for
/// iterate the algorithm of SciPy's `fmin_l_bfgs_b` / `minimize(method="L-BFGS-B")`.
///
/// It minimizes f(x) subject to `lower <= x <= upper` (infinite bounds mean "no bound"; `lower == upper`
/// fixes a variable). Each iteration
/// 1. finds the generalized Cauchy point of the quadratic model `gᵀs + ½sᵀBs` along the projected
///    steepest-descent path (B the compact limited-memory BFGS matrix `θI - WMWᵀ` of `maxcor` pairs),
/// 2. minimizes the model over the variables still free there (direct primal method with the 2011
///    projection rule; for unconstrained problems with n < 256, the equal quasi-Newton step by the
///    two-loop recursion, which skips building the 2m x 2m middle matrix),
/// 3. searches along the resulting direction with the More-Thuente line search (ftol 1e-3, gtol 0.9,
///    xtol 0.1), never leaving the box, and
/// 4. updates B with the new pair unless `sᵀy <= eps·(-gᵀd)·stp` (curvature test).
///
/// Sturdier than the reference code: a trial point with a non-finite value or gradient makes the line
/// search back off instead of extrapolating; a run never reports success with a non-finite f or
/// gradient; infeasible or NaN bounds and non-finite starting points are typed errors; a starting point
/// outside the box is projected (``LBFGSBResult/startWasProjected``); every evaluation point (finite
/// differences included) lies in the box.
///
/// The solver is a value: it owns its workspace (`(2m + 5)n + 11m² + 12m` doubles and `3n` 32-bit
/// indices), allocates nothing per iteration, and any number of solvers can run at once on different
/// threads.
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
    /// Lower bounds (`-infinity` where there is none).
    public var lower: [Double] { lowerStorage.isEmpty ? [Double](repeating: -.infinity, count: dimension) : lowerStorage }
    /// Upper bounds (`+infinity` where there is none).
    public var upper: [Double] { upperStorage.isEmpty ? [Double](repeating: .infinity, count: dimension) : upperStorage }
    /// The bounds, or empty when no variable has a bound on that side (saves 8n bytes per side).
    private let lowerStorage: [Double]
    private let upperStorage: [Double]
    /// Settings; validated at every ``minimize(from:callback:objective:)``.
    public var options: LBFGSBOptions

    private let kinds: [BoundKind]
    private var storage: [Double] = []
    private var indexStorage: [Int32] = []
    private var storageCorrections = 0

    /// A solver for `dimension` variables with optional bounds (`nil` means none; `-infinity` and
    /// `+infinity` entries mean none for that variable).
    ///
    /// - Throws: ``LBFGSBError/emptyProblem``, ``LBFGSBError/dimensionMismatch(name:expected:actual:)``,
    ///   ``LBFGSBError/invalidBound(index:lower:upper:)`` (NaN, `lower = +inf` or `upper = -inf`),
    ///   ``LBFGSBError/infeasibleBounds(index:lower:upper:)`` (`lower > upper`), or an
    ///   ``LBFGSBError/invalidOption(name:value:reason:)``.
    public init(dimension: Int, lower: [Double]? = nil, upper: [Double]? = nil,
                options: LBFGSBOptions = LBFGSBOptions()) throws(LBFGSBError) {
        guard dimension > 0 else { throw .emptyProblem }
        let lo = lower ?? [Double](repeating: -.infinity, count: dimension)
        let up = upper ?? [Double](repeating: .infinity, count: dimension)
        if lo.count != dimension { throw .dimensionMismatch(name: "lower", expected: dimension, actual: lo.count) }
        if up.count != dimension { throw .dimensionMismatch(name: "upper", expected: dimension, actual: up.count) }
        var kinds = [BoundKind](repeating: 0, count: dimension)
        for i in 0..<dimension {
            let a = lo[i], b = up[i]
            if a.isNaN || b.isNaN || a == .infinity || b == -.infinity {
                throw .invalidBound(index: i, lower: a, upper: b)
            }
            if a > b { throw .infeasibleBounds(index: i, lower: a, upper: b) }
            let hasLower = a > -.infinity, hasUpper = b < .infinity
            kinds[i] = hasLower ? (hasUpper ? 2 : 1) : (hasUpper ? 3 : 0)
        }
        try options.validate()
        self.dimension = dimension
        self.lowerStorage = lo.contains { $0 > -.infinity } ? lo : []
        self.upperStorage = up.contains { $0 < .infinity } ? up : []
        self.options = options
        self.kinds = kinds
    }

    /// Bounds given as `(lower, upper)` pairs, SciPy style (`nil` for no bound).
    public init(bounds: [(Double?, Double?)], options: LBFGSBOptions = LBFGSBOptions()) throws(LBFGSBError) {
        try self.init(dimension: bounds.count, lower: bounds.map { $0.0 ?? -.infinity },
                      upper: bounds.map { $0.1 ?? .infinity }, options: options)
    }

    /// Minimizes an objective that returns f(x) and writes ∇f(x) into its second argument.
    ///
    /// - Parameters:
    ///   - x0: starting point (projected onto the box if outside it).
    ///   - callback: called after every iteration; return `.stop` to end the run.
    ///   - objective: `(x, gradient) -> f`; x is only valid during the call, and always in the box.
    /// - Throws: ``LBFGSBError`` for a wrong-length or non-finite `x0` or invalid options.
    public mutating func minimize(
        from x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        let n = dimension
        return try run(x0: x0, callback: callback) { x, g in
            let f = objective(UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: g, count: n))
            return (f, 1)
        }
    }

    /// Minimizes a value-only objective, with the gradient by forward differences as SciPy's
    /// `approx_grad=True`: `∂f/∂x_i ≈ (f(x + h_i e_i) - f(x)) / h_i` with `h_i = eps` (1e-8), or
    /// `sqrt(2^-52)·sign(x_i)·max(1, |x_i|)` when `x_i + eps` rounds to `x_i`; next to a bound the step
    /// is flipped (or shortened to the distance to the far bound) so that no evaluation leaves the box.
    /// Fixed variables (`lower == upper`) get a zero derivative without an evaluation. Every gradient costs
    /// `1 + (number of non-fixed variables)` evaluations, all counted in ``LBFGSBResult/evaluations``.
    public mutating func minimize(
        from x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil,
        value: (UnsafeBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> LBFGSBResult {
        let n = dimension
        let eps = options.eps
        var scratch = [Double](repeating: 0, count: n)
        let lo = lowerStorage, up = upperStorage, kinds = self.kinds
        return try scratch.withUnsafeMutableBufferPointer { (sp) throws(LBFGSBError) -> LBFGSBResult in
            let s = sp.baseAddress!
            return try run(x0: x0, callback: callback) { x, g in
                s.update(from: x, count: n)
                let f0 = value(UnsafeBufferPointer(start: s, count: n))
                var evals = 1
                for i in 0..<n {
                    let xi = x[i]
                    let lb = lo.isEmpty ? -.infinity : lo[i], ub = up.isEmpty ? .infinity : up[i]
                    if kinds[i] == 2 && lb == ub {
                        g[i] = 0
                        continue
                    }
                    var h = eps
                    if (xi + h) - xi == 0 {
                        h = LBFGSBOptions.machineEpsilon.squareRoot() * (xi >= 0 ? 1 : -1) * max(1, abs(xi))
                    }
                    let lowerDist = xi - lb, upperDist = ub - xi
                    let trial = xi + h
                    let violated = trial < lb || trial > ub
                    let fitting = abs(h) <= max(lowerDist, upperDist)
                    if !fitting {
                        h = upperDist >= lowerDist ? upperDist : -lowerDist
                    } else if violated {
                        h = -h
                    }
                    let xh = min(max(xi + h, lb), ub)
                    s[i] = xh
                    let fi = value(UnsafeBufferPointer(start: s, count: n))
                    s[i] = xi
                    evals += 1
                    g[i] = (fi - f0) / (xh - xi)
                }
                return (f0, evals)
            }
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

    // MARK: - The driver

    private mutating func prepareStorage(m: Int) {
        let n = dimension
        let doubles = 2 * m * n + 5 * n + 2 * m * m + 8 * m * m + m * m + 8 * m + 2 * m + 2 * m
        if storageCorrections != m || storage.count != doubles {
            storage = [Double](repeating: 0, count: doubles)
            indexStorage = [Int32](repeating: 0, count: 3 * n)
            storageCorrections = m
        }
    }

    private mutating func run(
        x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)?,
        evaluate: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> (Double, Int)
    ) throws(LBFGSBError) -> LBFGSBResult {
        try options.validate()
        let n = dimension
        if x0.count != n { throw .dimensionMismatch(name: "x0", expected: n, actual: x0.count) }
        for i in 0..<n where !x0[i].isFinite { throw .nonFiniteStart(index: i, value: x0[i]) }
        let opts = options
        let m = opts.maxcor
        prepareStorage(m: m)

        var x = x0
        var g = [Double](repeating: 0, count: n)
        var trace: [LBFGSBIterationRecord] = []
        if opts.trace != .none { trace.reserveCapacity(min(opts.maxiter, 1024)) }
        let clock = ContinuousClock()
        let started = clock.now

        var f = 0.0
        var pgNorm = 0.0
        var iterations = 0
        var nfev = 0
        var njev = 0
        var restarts = 0
        var projected = false
        var termination = LBFGSBTermination.nonFiniteValue

        storage.withUnsafeMutableBufferPointer { sp in
        indexStorage.withUnsafeMutableBufferPointer { ip in
        x.withUnsafeMutableBufferPointer { xb in
        g.withUnsafeMutableBufferPointer { gb in
        // Without bounds on a side, a one-element stand-in: it is never read (every access is guarded by
        // the bound kind).
        (lowerStorage.isEmpty ? [-Double.infinity] : lowerStorage).withUnsafeBufferPointer { lb in
        (upperStorage.isEmpty ? [Double.infinity] : upperStorage).withUnsafeBufferPointer { ub in
        kinds.withUnsafeBufferPointer { kb in
            var base = sp.baseAddress!
            func take(_ count: Int) -> UnsafeMutablePointer<Double> {
                defer { base += count }
                return base
            }
            let ib = ip.baseAddress!
            var core = Core(
                n: n, m: m, l: lb.baseAddress!, u: ub.baseAddress!, nbd: kb.baseAddress!,
                x: xb.baseAddress!, g: gb.baseAddress!,
                ws: take(m * n), wy: take(m * n), sy: take(m * m), ss: take(m * m), wt: take(m * m),
                wn: take(4 * m * m), snd: take(4 * m * m), wnRecip: take(2 * m),
                z: take(n), r: take(n), d: take(n), t: take(n), xp: take(n), wa: take(8 * m),
                newRow: take(2 * m),
                index: ib, iwhere: ib + n, indx2: ib + 2 * n)
            let xptr = xb.baseAddress!, gptr = gb.baseAddress!

            // Project x0 onto the box.
            for i in 0..<n {
                let p = core.project(xptr[i], i)
                if p != xptr[i] {
                    xptr[i] = p
                    projected = true
                }
            }
            core.classify()

            // f and g at x0.
            let (f0, e0) = evaluate(xptr, gptr)
            f = f0
            nfev += e0
            njev += 1
            var finite = f.isFinite
            if finite { for i in 0..<n where !gptr[i].isFinite { finite = false; break } }
            if !finite {
                termination = .nonFiniteValue
                pgNorm = core.projectedGradientNorm()
                return
            }
            pgNorm = core.projectedGradientNorm()
            if pgNorm <= opts.pgtol {
                termination = .convergedProjectedGradient
                return
            }

            let tol = opts.factr * LBFGSBOptions.machineEpsilon
            var iter = 0
            var wrk = false
            while true {
                // 1. Generalized Cauchy point (skipped without bounds once B != θI: z = x).
                if !core.constrained && core.col > 0 {
                    core.z.update(from: xptr, count: n)
                    wrk = core.updatd
                } else {
                    if !core.cauchy(pgNorm: pgNorm) {
                        core.resetMemory()
                        restarts += 1
                        continue
                    }
                    wrk = core.freev(iteration: iter)
                }
                // 2. Subspace minimization over the free variables. Without bounds and for small
                //    n, the two-loop recursion gives the same step without building K (2-D
                //    Rosenbrock whole call: 33 -> 11 us); from n = 256 on, the fused compact-form
                //    passes over S and Y measured faster.
                if !core.constrained && core.col != 0 && n < Core.fusedThreshold {
                    core.twoLoopQuasiNewtonPoint()
                } else if core.nfree != 0 && core.col != 0 {
                    var ok = true
                    if wrk { ok = core.formk() }
                    if ok { ok = core.cmprlb() }
                    if ok { ok = core.subsm() }
                    if !ok {
                        core.resetMemory()
                        restarts += 1
                        continue
                    }
                }
                // 3. Line search along d = z - x.
                let d = core.d, t = core.t, r = core.r, z = core.z
                for i in 0..<n { d[i] = z[i] - xptr[i] }
                let dnorm = norm2Contiguous(d, n)
                let dtd = dnorm * dnorm
                var stpmx = 1e10
                if core.constrained {
                    if iter == 0 {
                        stpmx = 1
                    } else {
                        for i in 0..<n { stpmx = core.limitStep(stpmx, i, d: d[i], from: xptr[i]) }
                    }
                }
                var stp = (iter == 0 && !core.boxed) ? min(1 / dnorm, stpmx) : 1
                t.update(from: xptr, count: n)
                r.update(from: gptr, count: n)
                let fold = f
                var gd = dotContiguous(gptr, d, n)
                let gdold = gd
                var failure: LBFGSBLineSearchFailure? = nil
                var search = MoreThuente(stpmax: stpmx)
                if !(gd < 0) {
                    failure = .notDescentDirection
                } else if search.start(f0: f, g0: gd, stp: stp) == .error {
                    failure = .noFeasibleStep
                } else {
                    var ifun = 0
                    while true {
                        ifun += 1
                        if ifun - 1 >= opts.maxls {
                            failure = .tooManyEvaluations
                            break
                        }
                        if stp == 1 {
                            xptr.update(from: z, count: n)
                        } else {
                            for i in 0..<n { xptr[i] = stp * d[i] + t[i] }
                        }
                        if core.constrained {
                            for i in 0..<n { xptr[i] = core.project(xptr[i], i) }
                        }
                        let (fv, ev) = evaluate(xptr, gptr)
                        f = fv
                        nfev += ev
                        njev += 1
                        gd = dotContiguous(gptr, d, n)
                        if !f.isFinite || !gd.isFinite {
                            stp = search.backOff(from: stp)
                            continue
                        }
                        let status = search.next(f: f, g: gd, stp: &stp)
                        if status == .converged || status == .warning { break }
                        if status == .error {
                            failure = .noFeasibleStep
                            break
                        }
                    }
                }
                if let why = failure {
                    xptr.update(from: t, count: n)
                    gptr.update(from: r, count: n)
                    f = fold
                    if core.col == 0 {
                        termination = .lineSearchFailed(why)
                        pgNorm = core.projectedGradientNorm()
                        return
                    }
                    core.resetMemory()
                    restarts += 1
                    continue
                }

                // 4. New iterate: report, then test for termination.
                iter += 1
                iterations = iter
                pgNorm = core.projectedGradientNorm()
                if opts.trace == .scalars {
                    trace.append(LBFGSBIterationRecord(
                        iteration: iter, f: f, projectedGradientNorm: pgNorm, evaluations: nfev, step: stp,
                        freeVariables: core.nfree, corrections: core.col))
                }
                var stop: LBFGSBTermination? = nil
                if let callback {
                    let progress = LBFGSBProgress(
                        iteration: iter, x: UnsafeBufferPointer(start: xptr, count: n), f: f,
                        gradient: UnsafeBufferPointer(start: gptr, count: n), projectedGradientNorm: pgNorm,
                        evaluations: nfev)
                    if callback(progress) == .stop { stop = .stoppedByCallback }
                }
                if iter >= opts.maxiter {
                    stop = .iterationLimit
                } else if nfev > opts.maxfun {
                    stop = .evaluationLimit
                } else if stop == nil, let limit = opts.timeLimit {
                    let e = (clock.now - started).components
                    if Double(e.seconds) + Double(e.attoseconds) * 1e-18 > limit { stop = .timeLimit }
                }
                if let stop {
                    termination = stop
                    return
                }
                if pgNorm <= opts.pgtol {
                    termination = .convergedProjectedGradient
                    return
                }
                if fold - f <= tol * max(abs(fold), abs(f), 1) {
                    termination = .convergedRelativeReduction
                    return
                }

                // 5. Update the limited-memory matrix with s = stp·d, y = g - g_old.
                for i in 0..<n { r[i] = gptr[i] - r[i] }
                let rnorm = norm2Contiguous(r, n)
                let rr = rnorm * rnorm
                let dr: Double
                let ddum: Double
                if stp == 1 {
                    dr = gd - gdold
                    ddum = -gdold
                } else {
                    dr = (gd - gdold) * stp
                    for i in 0..<n { d[i] *= stp }
                    ddum = -gdold * stp
                }
                if dr <= LBFGSBOptions.machineEpsilon * ddum {
                    core.updatd = false  // skip the update: curvature condition fails
                    continue
                }
                core.updatd = true
                core.iupdat += 1
                core.matupd(rr: rr, dr: dr, stp: stp, dtd: dtd)
                // T = θSᵀS + LD⁻¹Lᵀ serves only the Cauchy search and r = -Zᵀ(B(z - x) + g), which run
                // only with bounds (without bounds and with memory, z = x): skip it when there are none.
                if core.constrained && !core.formt() {
                    core.resetMemory()
                    restarts += 1
                }
            }
        }}}}}}}

        return LBFGSBResult(
            x: x, f: f, gradient: g, projectedGradientNorm: pgNorm, iterations: iterations,
            evaluations: nfev, gradientEvaluations: njev, termination: termination,
            startWasProjected: projected, restarts: restarts, trace: trace)
    }
}
