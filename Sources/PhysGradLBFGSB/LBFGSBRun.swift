import PhysGradLineSearch

/// An L-BFGS-B run that advances one iteration per ``step(objective:)``: made by
/// ``LBFGSBSolver/start(from:)``, stepped until ``termination`` is set, read out by ``result``.
///
/// ```swift
/// var run = try LBFGSBSolver(dimension: 2).start(from: [-1.2, 1])
/// while run.termination == nil {
///     let step = run.step { x, g in rosenbrock(x, g) }
///     print(step.iteration?.f ?? run.f)
/// }
/// let result = run.result
/// ```
///
/// Each step takes one iteration of the algorithm (the first also evaluates f and ∇f at the start):
/// 1. the correction pair of the previous step enters the limited-memory matrix B, unless it fails the
///    curvature test `sᵀy > eps·(-gᵀd)·step`;
/// 2. the generalized Cauchy point of the model `gᵀs + ½sᵀBs` along the projected steepest-descent path
///    (`GeneralizedCauchyPoint`; skipped without bounds once B has memory: it is x);
/// 3. the minimizer x̂ of the model over the variables free there (`SubspaceMinimization`; without
///    bounds and for n < 256 the same step by the two-loop recursion of `CompactBFGSMatrix`);
/// 4. a More-Thuente line search along d = x̂ - x that never leaves the box;
/// 5. the stopping tests, in SciPy's order: iteration limit, evaluation limit, time limit, projected
///    gradient, relative reduction.
///
/// When B breaks down (a factorization fails) or the line search fails with memory, B is discarded
/// (``restarts``) and the iteration starts over from steepest descent; a failure without memory ends
/// the run. Stepping it to the end gives exactly what ``LBFGSBSolver/minimize(from:callback:objective:)``
/// returns (which is built on it).
///
/// A value: copies are independent runs (the workspace is copied when a shared copy is stepped).
public struct LBFGSBRun: Sendable {
    let box: Box
    /// The settings of the run.
    public let options: LBFGSBOptions
    var workspace: Workspace
    private var budget: EvaluationBudget
    private var phase = Phase.atStart
    /// f at the current iterate (NaN before the first step: nothing is evaluated yet).
    public private(set) var f = Double.nan
    /// `max_i |P(x - g)_i - x_i|` at the current iterate (NaN before the first step).
    public private(set) var projectedGradientNorm = Double.nan
    /// Iterations (accepted steps) so far.
    public private(set) var iterations = 0
    /// Gradient evaluations so far (exact or by finite differences).
    public private(set) var gradientEvaluations = 0
    /// Times the limited-memory matrix was discarded.
    public private(set) var restarts = 0
    /// True when some `x0[i]` lay outside its bounds and was projected onto the box.
    public let startWasProjected: Bool
    /// Why the run ended; `nil` while it goes on.
    public internal(set) var termination: LBFGSBTermination?
    /// The iterations' records when ``LBFGSBOptions/trace`` asks for them.
    public private(set) var trace: [LBFGSBIterationRecord] = []

    private enum Phase {
        /// f and ∇f at the start are not evaluated yet.
        case atStart
        /// Iterating; the pair of the last accepted step, not yet in B.
        case iterating(pending: AcceptedStep?)
    }

    /// What the memory update needs of an accepted step (s = step·d and y = g - g_previous are in the
    /// workspace).
    private struct AcceptedStep {
        var step: Double
        /// gᵀd at the new and at the previous iterate.
        var slope: Double
        var previousSlope: Double
        /// dᵀd.
        var directionNormSquared: Double
    }

    /// A run from `x0` (valid: n finite entries) on `workspace`, sized for `options.maxcor` and not shared
    /// with any other value (it is written here).
    init(box: Box, options: LBFGSBOptions, x0: [Double], workspace: Workspace) {
        self.box = box
        self.options = options
        self.workspace = workspace
        budget = EvaluationBudget(options: options)
        let x = self.workspace.x
        var projected = false
        if box.hasBounds {
            for i in 0..<box.dimension {
                x[i] = box.project(x0[i], i)
                if x[i] != x0[i] { projected = true }
            }
        } else {
            x.update(from: x0, count: box.dimension)
        }
        startWasProjected = projected
        // No gradient yet: NaN, not the zeros of a fresh workspace (or a previous run's gradient), which a
        // run stopped before its first step would report as a converged one.
        self.workspace.g.update(repeating: .nan, count: box.dimension)
        self.workspace.bfgs.reset()
        self.workspace.freeSet.reset()
        box.initialStatus(into: self.workspace.freeSet.status)
        if options.trace != .none { trace.reserveCapacity(min(options.maxiter, 1024)) }
    }

    /// The number of variables.
    public var dimension: Int { box.dimension }
    /// Function evaluations so far (SciPy's nfev; finite-difference evaluations included).
    public var evaluations: Int { budget.evaluations }
    /// The current iterate (the last accepted one; the start before the first iteration).
    public var x: [Double] { Array(UnsafeBufferPointer(start: workspace.x, count: dimension)) }
    /// ∇f at the current iterate (a forward-difference estimate for value-only objectives; NaN before the
    /// first step).
    public var gradient: [Double] { Array(UnsafeBufferPointer(start: workspace.g, count: dimension)) }

    /// The run as a result; a run that has not ended reports ``LBFGSBTermination/stoppedByCallback``.
    public var result: LBFGSBResult {
        LBFGSBResult(
            x: x, f: f, gradient: gradient, projectedGradientNorm: projectedGradientNorm, iterations: iterations,
            evaluations: evaluations, gradientEvaluations: gradientEvaluations,
            termination: termination ?? .stoppedByCallback, startWasProjected: startWasProjected, restarts: restarts,
            trace: trace)
    }

    /// Ends a run that has not ended, at its current iterate, with ``LBFGSBTermination/stoppedByCallback``.
    public mutating func stop() {
        if termination == nil { termination = .stoppedByCallback }
    }

    /// Takes one iteration with an objective that returns f(x) and writes ∇f(x) into its second argument
    /// (x is only valid during the call, and always in the box). On a run that has ended, returns its
    /// termination without evaluating.
    public mutating func step(
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) -> LBFGSBStep {
        let n = dimension
        return advance(checkingTime: false) { x, g, _, budget in
            budget.evaluations += 1
            return .value(objective(UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: g, count: n)))
        }
    }

    /// Takes one iteration with a value-only objective, its gradient by forward differences (see
    /// ``LBFGSBSolver/minimize(from:callback:value:)``). The time limit is also tested before every
    /// evaluation, and no evaluation starts once more than `maxfun` were made: a gradient cut short ends
    /// the run at the last accepted iterate.
    ///
    /// - Throws: ``LBFGSBError/finiteDifferencesExceedBudget(evaluationsPerGradient:maxfun:)`` when `maxfun`
    ///   is less than two gradients, the fewest one iteration takes (before any evaluation).
    public mutating func step(value: (UnsafeBufferPointer<Double>) -> Double) throws(LBFGSBError) -> LBFGSBStep {
        try LBFGSBSolver.checkFiniteDifferenceBudget(box: box, options: options)
        let differences = ForwardDifferenceGradient(box: box, eps: options.eps)
        return advance(checkingTime: true) { x, g, scratch, budget in
            differences.evaluate(x: x, g: g, scratch: scratch, budget: &budget, value: value)
        }
    }

    /// Evaluates f and ∇f at `x` into `g`, counting in the budget; the third argument is n doubles of
    /// scratch.
    typealias Evaluate = (UnsafePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                          inout EvaluationBudget) -> Evaluation

    /// One step (see the type's documentation). `checkingTime`: test the time limit before every
    /// evaluation (finite differences), not only after each iteration.
    mutating func advance(checkingTime: Bool, evaluate: Evaluate) -> LBFGSBStep {
        if let termination { return LBFGSBStep(iteration: nil, termination: termination) }
        workspace.makeUnique()
        switch phase {
        case .atStart:
            phase = .iterating(pending: nil)
            if let end = evaluateStart(evaluate) { return finish(end) }
        case .iterating(let pending):
            if let pending { updateMemory(with: pending) }
        }

        // Until a step is accepted: a breakdown of B, or a failed search with memory, restarts from
        // steepest descent; a failed search without memory ends the run.
        let accepted: AcceptedStep
        let previousF = f
        searching: while true {
            guard let target = findSearchTarget() else {
                restart()
                continue
            }
            switch lineSearch(toward: target, evaluate: evaluate, checkingTime: checkingTime) {
            case .accepted(let step):
                accepted = step
                break searching
            case .failed(let why):
                if workspace.bfgs.count == 0 { return finish(.lineSearchFailed(why)) }
                restart()
            case .stopped(let why):
                return finish(why)
            }
        }

        iterations += 1
        projectedGradientNorm = box.projectedGradientNorm(x: workspace.x, g: workspace.g)
        let record = LBFGSBIterationRecord(
            iteration: iterations, f: f, projectedGradientNorm: projectedGradientNorm, evaluations: evaluations,
            step: accepted.step, freeVariables: workspace.freeSet.freeCount, corrections: workspace.bfgs.count)
        if options.trace == .scalars { trace.append(record) }
        termination = stoppingTest(previousF: previousF)
        phase = .iterating(pending: accepted)
        return LBFGSBStep(iteration: record, termination: termination)
    }

    private mutating func finish(_ why: LBFGSBTermination) -> LBFGSBStep {
        termination = why
        return LBFGSBStep(iteration: nil, termination: why)
    }

    /// Forgets the limited-memory matrix: the next search direction is steepest descent.
    private mutating func restart() {
        workspace.bfgs.reset()
        restarts += 1
    }

    /// f and ∇f at the start; the run's termination if it ends there.
    private mutating func evaluateStart(_ evaluate: Evaluate) -> LBFGSBTermination? {
        let x = workspace.x, g = workspace.g, n = dimension
        switch evaluate(x, g, workspace.scratch, &budget) {
        case .value(let value):
            f = value
            gradientEvaluations += 1
        case .stopped(let why, let value):
            f = value
            projectedGradientNorm = box.projectedGradientNorm(x: x, g: g)
            return why
        }
        var finite = f.isFinite
        if finite { for i in 0..<n where !g[i].isFinite { finite = false; break } }
        projectedGradientNorm = box.projectedGradientNorm(x: x, g: g)
        if !finite { return .nonFiniteValue }
        if projectedGradientNorm <= options.pgtol { return .convergedProjectedGradient }
        return nil
    }

    /// The tests after an accepted step, in SciPy's order.
    private func stoppingTest(previousF: Double) -> LBFGSBTermination? {
        if iterations >= options.maxiter { return .iterationLimit }
        if budget.overEvaluationLimit { return .evaluationLimit }
        if budget.overTimeLimit { return .timeLimit }
        if projectedGradientNorm <= options.pgtol { return .convergedProjectedGradient }
        let tolerance = options.factr * LBFGSBOptions.machineEpsilon
        if previousF - f <= tolerance * max(abs(previousF), abs(f), 1) { return .convergedRelativeReduction }
        return nil
    }

    /// Adds the pair (s, y) = (step·d, g - g_previous) of the last accepted step to B, unless it fails the
    /// curvature test; with bounds, factors B's middle matrix anew (and restarts if that fails).
    private mutating func updateMemory(with accepted: AcceptedStep) {
        let n = dimension
        let step = accepted.step
        let sTy: Double, curvatureFloor: Double
        if step == 1 {
            sTy = accepted.slope - accepted.previousSlope
            curvatureFloor = -accepted.previousSlope
        } else {
            sTy = (accepted.slope - accepted.previousSlope) * step
            curvatureFloor = -accepted.previousSlope * step
        }
        if sTy <= LBFGSBOptions.machineEpsilon * curvatureFloor {
            workspace.bfgs.skipUpdate()
            return
        }
        // s and y straight into the memory's next columns (g_previous is in r, d in d).
        let (s, y) = workspace.bfgs.nextPairColumns
        let squares = formPair(g: workspace.g, previousG: workspace.r, d: workspace.d, step: step, s: s, y: y, n)
        let yNorm = norm2(y, n, squares: squares)
        // Without bounds and from n = 256 on, the quasi-Newton step from g comes next: Wᵀg in the same pass.
        let unconstrainedFused = !box.hasBounds && n >= CompactBFGSMatrix.fusedPassesFrom
        let sTs = step == 1 ? accepted.directionNormSquared : step * step * accepted.directionNormSquared
        workspace.bfgs.add(s: s, y: y, yTy: yNorm * yNorm, sTy: sTy, sTs: sTs,
                           productsForK: unconstrainedFused, gradient: unconstrainedFused ? workspace.g : nil)
        // B's middle matrix serves the Cauchy search and the reduced gradient, which run only with bounds.
        if box.hasBounds && !workspace.bfgs.factorMiddle() { restart() }
    }

    /// Where the line search aims: at a point, or along a Newton step not yet scaled.
    private enum SearchTarget {
        /// x̂ is in `workspace.z`.
        case point
        /// Without bounds, n >= ``CompactBFGSMatrix/fusedPassesFrom``: x̂ = x + scale·`workspace.d`, formed
        /// by the line search's first pass.
        case newtonStep(scale: Double)
    }

    /// The point x̂ the line search aims at: the Cauchy point, then the subspace minimizer. Returns nil
    /// when B broke down (K not positive definite).
    private mutating func findSearchTarget() -> SearchTarget? {
        let n = dimension, x = workspace.x, g = workspace.g, z = workspace.z
        let constrained = box.hasBounds, pairs = workspace.bfgs.count
        if !constrained && pairs > 0 {
            // Without bounds the Cauchy search only matters with B = θI: with memory it is x, and the
            // subspace step is the quasi-Newton step from x.
            if n < CompactBFGSMatrix.fusedPassesFrom {
                // x - Hg by the two-loop recursion.
                let q = workspace.d
                q.update(from: g, count: n)
                workspace.bfgs.multiplyByInverse(q)
                for i in 0..<n { z[i] = x[i] - q[i] }
                return .point
            }
            if workspace.bfgs.addedPairInLastUpdate && !workspace.subspace.formK(bfgs: workspace.bfgs, freeSet: workspace.freeSet) {
                return nil
            }
            let scale = workspace.subspace.unconstrainedStep(g: g, bfgs: workspace.bfgs, into: workspace.d)
            return .newtonStep(scale: scale)
        }
        workspace.cauchy.compute(
            x: x, g: g, box: box, bfgs: workspace.bfgs, status: workspace.freeSet.status,
            projectedGradientNorm: projectedGradientNorm, point: z, direction: workspace.d,
            breakpoints: workspace.t)
        workspace.freeSet.update(afterIteration: iterations, constrained: constrained)
        let refactorK = workspace.freeSet.changed || workspace.bfgs.addedPairInLastUpdate
        if pairs == 0 { return .point }
        guard workspace.freeSet.freeCount != 0 else { return .point }
        if refactorK && !workspace.subspace.formK(bfgs: workspace.bfgs, freeSet: workspace.freeSet) { return nil }
        workspace.subspace.reducedGradient(
            x: x, g: g, z: z, c: workspace.cauchy.c, bfgs: workspace.bfgs, freeSet: workspace.freeSet, into: workspace.r)
        workspace.subspace.step(
            x: x, g: g, box: box, bfgs: workspace.bfgs, freeSet: workspace.freeSet, z: z, r: workspace.r,
            scratch: workspace.scratch)
        return .point
    }

    private enum LineSearchOutcome {
        case accepted(AcceptedStep)
        case failed(LBFGSBLineSearchFailure)
        /// The budget ran out: x, g and f are back at the previous iterate.
        case stopped(LBFGSBTermination)
    }

    /// The More-Thuente search (ftol 1e-3, gtol 0.9, xtol 0.1) along d = z - x from x, with at most
    /// `maxls` evaluations, steps limited to the box (the first step to 1, or 1/‖d‖ without a full box), and
    /// every trial point projected onto the box. On failure x, g and f are restored.
    private mutating func lineSearch(toward target: SearchTarget, evaluate: Evaluate, checkingTime: Bool) -> LineSearchOutcome {
        let n = dimension, x = workspace.x, g = workspace.g, z = workspace.z
        let d = workspace.d, previousX = workspace.t, previousG = workspace.r, scratch = workspace.scratch
        let dTd: Double, previousSlope: Double
        switch target {
        case .point:
            (dTd, previousSlope) = startSearch(z: z, x: x, g: g, d: d, previousX: previousX, previousG: previousG, n)
        case .newtonStep(let scale):
            (dTd, previousSlope) = startSearch(step: d, scale: scale, x: x, g: g, z: z, previousX: previousX,
                                               previousG: previousG, n)
        }
        let dNorm = norm2(d, n, squares: dTd)
        var maxStep = 1e10
        if box.hasBounds {
            if iterations == 0 {
                maxStep = 1
            } else {
                for i in 0..<n { maxStep = box.limitStep(maxStep, i, direction: d[i], from: x[i]) }
            }
        }
        let firstStep = (iterations == 0 && !box.isBoxed) ? min(1 / dNorm, maxStep) : 1
        let previousF = f
        var slope = previousSlope
        var outcome: MoreThuente.SearchOutcome = .invalidInput
        var stopped: LBFGSBTermination?
        if previousSlope < 0 {
            var search = MoreThuente(stpmax: maxStep)
            let box = self.box
            outcome = search.search(from: firstStep, value: previousF, slope: previousSlope, maxEvaluations: options.maxls) { step in
                if let why = budget.exhausted(checkingTime: checkingTime) {
                    stopped = why
                    return nil
                }
                if step == 1 {
                    x.update(from: z, count: n)
                } else {
                    for i in 0..<n { x[i] = step * d[i] + previousX[i] }
                }
                if box.hasBounds {
                    for i in 0..<n { x[i] = box.project(x[i], i) }
                }
                switch evaluate(x, g, scratch, &budget) {
                case .value(let value):
                    f = value
                case .stopped(let why, _):
                    stopped = why
                    return nil
                }
                gradientEvaluations += 1
                slope = dot(g, d, n)
                return (f, slope)
            }
        }
        let failure: LBFGSBLineSearchFailure
        switch outcome {
        case .accepted(let step, _):
            return .accepted(AcceptedStep(step: step, slope: slope, previousSlope: previousSlope,
                                          directionNormSquared: dNorm * dNorm))
        case .tooManyEvaluations: failure = .tooManyEvaluations
        case .invalidInput: failure = previousSlope < 0 ? .noFeasibleStep : .notDescentDirection
        case .abandoned: failure = .tooManyEvaluations
        }
        x.update(from: previousX, count: n)
        g.update(from: previousG, count: n)
        f = previousF
        if let stopped { return .stopped(stopped) }
        return .failed(failure)
    }

    /// What the callback sees (the buffers are valid until the run changes).
    var progress: LBFGSBProgress {
        LBFGSBProgress(
            iteration: iterations, x: UnsafeBufferPointer(start: workspace.x, count: dimension), f: f,
            gradient: UnsafeBufferPointer(start: workspace.g, count: dimension),
            projectedGradientNorm: projectedGradientNorm, evaluations: evaluations)
    }
}

/// What one ``LBFGSBRun/step(objective:)`` did.
public struct LBFGSBStep: Sendable, Equatable {
    /// The record of the iteration when the step accepted a new iterate; `nil` when the run ended without
    /// moving (at the start, on a failed line search, or when the budget ran out mid-search).
    public var iteration: LBFGSBIterationRecord?
    /// Why the run ended, when it did: step again while this is `nil`.
    public var termination: LBFGSBTermination?
}
