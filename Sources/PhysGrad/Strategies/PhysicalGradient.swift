import PhysGradDerivatives
import PhysGradLBFGSB
import PhysGradLinearAlgebra

/// How a numerical inverse x' = argmin_x |y(x) - y'|² is computed: L-BFGS-B warm-started at the
/// current x, inside the problem's inverse bounds.
public struct NumericalInverse: Sendable, Equatable {
    /// Where φ's gradient comes from.
    public enum Gradient: Sendable, Hashable {
        /// Forward differences (SciPy's `approx_grad=True`).
        case finiteDifferences
        /// Exact: one reverse-mode pass through the model (or its VJP).
        case exact
    }

    /// Where φ's gradient comes from.
    public var gradient: Gradient
    /// The inner solver's settings (SciPy's names and defaults).
    public var options: LBFGSBOptions
    /// Use the problem's ``InverseProblem/inverseLowerBounds``/``InverseProblem/inverseUpperBounds``.
    public var useProblemBounds: Bool

    /// A numerical inverse with this gradient, inner options and bounds rule.
    public init(gradient: Gradient, options: LBFGSBOptions = LBFGSBOptions(), useProblemBounds: Bool = true) {
        self.gradient = gradient
        self.options = options
        self.useProblemBounds = useProblemBounds
    }

    /// `fmin_l_bfgs_b(approx_grad=True)` with SciPy's default options: forward differences,
    /// factr = 1e7, pgtol = 1e-5.
    public static let finiteDifferences = NumericalInverse(gradient: .finiteDifferences)

    /// Exact gradients and no relative-reduction test (factr = 0, pgtol = 1e-12): the solver
    /// runs until the projected gradient is below 1e-12 or no step decreases φ any more, i.e.
    /// the inverse to near machine precision, for comparing analytic and numerical inversion
    /// without the inner solver's tolerance in the way. (SciPy's default factr = 1e7 stops when
    /// φ decreases by less than 2.2e-9 · max(|φ|, 1): for φ < 1 an absolute test, which limits
    /// |y(x) - y'| to about 1e-4.)
    public static let exact = NumericalInverse(
        gradient: .exact, options: LBFGSBOptions(factr: 0, pgtol: 1e-12))
}

/// Inverse-simulator updates ("physical gradients", PG): a Newton step for L in y-space,
/// mapped back to x through an inverse of the model,
///
///     y' = y(x) - η (∇²_y L)⁻¹ ∇_y L,     x' = y⁻¹(y'),
///
/// with y⁻¹ the problem's analytic inverse, or computed numerically as
/// x' = argmin_x |y(x) - y'|² by L-BFGS-B warm-started at x (``NumericalInverse``).
///
/// Offers ``StepAcceptance/fixed`` (default, the book's update: the new iterate is x' itself) and
/// ``StepAcceptance/backtracking(c1:maximumTrials:)``, which halves the x-space step
/// `x' - x` until the loss decreases (an inverse-simulator step need not be a descent direction
/// of L in x, so sufficient decrease is not asked for). Each numerical inverse is reported per
/// step (``StepReport/inverse``); one that stops short of its target makes the run no success.
/// Under backtracking, a step whose inverse returns the current point ends the run at once:
/// converged when the inverse met its target to its resolution, else stalled, with what the
/// inner solver did (``InverseSolveReport/shortfall``); and a failed line search along an inverse
/// that stopped short says so.
///
/// With the analytic inverse, fixed steps and the closed-form loss `L(y) = |y - t|²`
/// (`SquaredDistanceObjective`, the catalog's loss) declared with a diagonal Hessian, the step is
/// `y' = y - η (y - t)` and runs fused: the model is evaluated once per step, at the new iterate
/// (which gives the loss there and the next step's y), the loss and the target take one pass over
/// n, and x' one finiteness check, with buffers kept across steps. The numbers are those of the
/// general step; the counts show one model evaluation more per run (y at the start).
public struct PhysicalGradient: SteppingOptimizer {
    /// How y' is mapped back to x.
    public enum Inverse: Sendable, Equatable {
        /// The problem's analytic inverse ``InverseProblem/inverse``.
        case analytic
        /// x' = argmin_x |y(x) - y'|² by L-BFGS-B.
        case numerical(NumericalInverse)
    }

    /// The step size η of the y-space step.
    public var eta: Double
    /// How y' is mapped back to x.
    public var inverse: Inverse
    /// For the y-space Newton step.
    public var policy: HessianPolicy
    /// How the x-space step x' - x is accepted.
    public var acceptance: StepAcceptance

    /// PG with step size η, the inverse, the y-space Hessian policy and the acceptance.
    public init(eta: Double, inverse: Inverse = .analytic, policy: HessianPolicy = .exact, acceptance: StepAcceptance = .fixed) {
        self.eta = eta
        self.inverse = inverse
        self.policy = policy
        self.acceptance = acceptance
    }

    public var name: String {
        if case .analytic = inverse { return "pg" }
        return "pg-numerical"
    }
    public var stepSize: Double? { eta }

    /// A few vectors of n and k, plus the numerical inverse's L-BFGS-B workspace.
    public func workingMemory(for problem: InverseProblem) -> Int {
        let vectors = MemorySize.vectors(12, of: Swift.max(problem.dimension, problem.outputDimension))
        guard case .numerical(let numerical) = inverse else { return vectors }
        let workspace = LBFGSBSolver.workspaceBytes(dimension: problem.dimension, maxcor: numerical.options.maxcor) ?? .max
        return MemorySize.sum(vectors, workspace)
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        try policy.validate()
        try acceptance.require(oneOf: ["fixed", "backtracking"], method: name)
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {
        switch inverse {
        case .analytic:
            if problem.inverse == nil {
                throw .methodNotApplicable(method: name, problem: problem.name,
                                           reason: "the problem has no analytic inverse; use the numerical one")
            }
        case .numerical(let numerical):
            do {
                try numerical.options.validate()
            } catch {
                throw .invalidParameter(name: "options of the numerical inverse", value: "", reason: error.description)
            }
            if numerical.useProblemBounds {
                for (name, b) in [("inverseLowerBounds", problem.inverseLowerBounds), ("inverseUpperBounds", problem.inverseUpperBounds)] {
                    if let b, b.count != problem.dimension {
                        throw .dimensionMismatch(name: name, expected: problem.dimension, actual: b.count)
                    }
                }
            }
        }
    }

    /// The iterate and the method's scratch space.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var gradient: [Double]
        var solver: LBFGSBSolver?
        /// The fused step's buffers, when it takes it (``PhysicalGradient/fusedBuffers(for:)``).
        var fused: FusedPhysicalGradientBuffers?
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        if let fused = fusedBuffers(for: evaluator.problem) {
            return State(x: x, gradient: [], solver: nil, fused: fused)
        }
        var state = State(x: x, gradient: [Double](repeating: 0, count: evaluator.outputDimension), solver: nil)
        if case .numerical(let numerical) = inverse {
            let p = evaluator.problem
            do {
                state.solver = try LBFGSBSolver(
                    dimension: x.count,
                    lower: numerical.useProblemBounds ? p.inverseLowerBounds : nil,
                    upper: numerical.useProblemBounds ? p.inverseUpperBounds : nil,
                    options: numerical.options)
            } catch {
                throw StepFailure(.inverseFailed("cannot set up the numerical inverse: \(error)"))
            }
        }
        return state
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        if state.fused != nil { return try fusedStep(&state, evaluator: &evaluator) }
        var report = StepReport()
        // Newton step for L in y-space.
        let (y, loss) = try evaluator.modelAndLossInY(at: state.x, gradient: &state.gradient)
        var ySolve = StepReport()
        let direction = try newtonDirection(evaluator.lossHessianInY(at: y), state.gradient, policy: policy, report: &ySolve)
        report.yspaceSolve = ySolve.solve
        var target = y
        for i in target.indices { target[i] -= eta * direction[i] }
        try requireFinite(target, "y-space target")

        // Back to x through the inverse simulator.
        let proposal: [Double]
        switch inverse {
        case .analytic:
            evaluator.recordInverse(evaluations: 0, iterations: 0)
            do {
                proposal = try evaluator.problem.inverse!(target)
            } catch {
                throw StepFailure(.inverseFailed(error.description))
            }
        case .numerical(let numerical):
            let solved = try numericalInverse(target, from: state.x, numerical, &state.solver!, &evaluator)
            proposal = solved.x
            report.inverse = InverseSolveReport(
                iterations: solved.result.iterations, evaluations: solved.result.evaluations,
                termination: solved.result.termination.code, converged: solved.result.termination.isSuccess,
                requested: Vector.distance(y, target), residual: solved.result.f.squareRoot(), targetNorm: Vector.norm2(target))
        }
        try requireFinite(proposal, "inverse y⁻¹(y')")
        if proposal.count != state.x.count {
            throw StepFailure(.inverseFailed("the inverse gave \(proposal.count) entries, expected \(state.x.count)"))
        }
        if acceptance == .fixed {
            // The book's update: the new iterate is x' itself (not x + 1·(x' - x), which can
            // differ from x' by rounding).
            report.proposedStepLength = 1
            report.stepLength = 1
            state.x = proposal
            return StepOutcome(x: state.x, report: report)
        }
        let d = Vector.subtract(proposal, state.x)
        if let inverse = report.inverse, d.allSatisfy({ $0 == 0 }) {
            // The inverse's answer is the current point: no step along it can change the loss.
            if !inverse.stoppedShort {
                throw StepFailure(.convergedByMethod(
                    "the numerical inverse's resolution is reached (it returns the current point, \(OptimizationResult.short(inverse.residual)) from the target)"))
            }
            throw StepFailure(.stalled("the numerical inverse returned the current point, its tolerances met before it moved: \(inverse.shortfall)"))
        }
        let accepted: AcceptedPoint
        do {
            accepted = try evaluator.acceptAlong(d, from: state.x, loss: loss, slope: nil, initialStep: 1,
                                                 acceptance: acceptance, report: &report)
        } catch {
            // The numerical inverse reached its target as well as it resolves it, and still no
            // part of its move lowers the loss: PG has converged as far as its inverse resolves.
            if case .lineSearchFailed(let why) = error.reason, let inverse = report.inverse {
                if !inverse.stoppedShort {
                    throw StepFailure(.convergedByMethod(
                        "the numerical inverse's resolution is reached (its answer, \(OptimizationResult.short(inverse.residual)) from the target, lowers the loss no more)"))
                }
                // The step came from an inverse that did not do its job: say so, with what it did.
                throw StepFailure(.lineSearchFailed("\(why), along the answer of a numerical inverse that stopped short: \(inverse.shortfall)"))
            }
            throw error
        }
        state.x = accepted.x
        return StepOutcome(x: state.x, loss: accepted.loss, report: report)
    }
}

/// x' = argmin_x |y(x) - target|² by L-BFGS-B from `start`, counted in `evaluator`, within the
/// run's remaining time.
func numericalInverse(
    _ target: [Double], from start: [Double], _ numerical: NumericalInverse, _ solver: inout LBFGSBSolver,
    _ evaluator: inout ProblemEvaluator
) throws(StepFailure) -> (x: [Double], result: LBFGSBResult) {
    let result: LBFGSBResult
    do {
        if let remaining = evaluator.remainingSeconds {
            solver.options.timeLimit = Swift.min(numerical.options.timeLimit ?? .infinity, remaining)
        }
        result = try minimizeDistance(evaluator.problem.inverseObjective(target), from: start, numerical.gradient, &solver)
    } catch {
        throw StepFailure(.inverseFailed("numerical inverse: \(error)"))
    }
    evaluator.recordInverse(evaluations: result.evaluations, iterations: result.iterations)
    if result.termination == .timeLimit { throw StepFailure(.timeLimit) }
    guard result.f.isFinite, result.x.allSatisfy(\.isFinite) else {
        throw StepFailure(.inverseFailed("numerical inverse: \(result.message)"))
    }
    return (result.x, result)
}

/// Runs L-BFGS-B on φ from `start`, with φ's exact gradient or forward differences.
func minimizeDistance(
    _ objective: any DifferentiableObjective & Sendable, from start: [Double], _ gradient: NumericalInverse.Gradient,
    _ solver: inout LBFGSBSolver
) throws(LBFGSBError) -> LBFGSBResult {
    var phi = objective
    switch gradient {
    case .finiteDifferences:
        var xBuffer = [Double](repeating: 0, count: start.count)
        return try solver.minimize(from: start) { xp in
            _ = xBuffer.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: xp) }
            return phi.value(at: xBuffer)
        }
    case .exact:
        // The buffer form: the array-level objectives evaluate straight from L-BFGS-B's x into its g.
        return try solver.minimize(from: start) { xp, gp in phi.valueAndGradient(at: xp, gradient: gp) }
    }
}

/// The outcome of ``InverseProblem/invert(target:from:using:lower:upper:)``.
public struct InversionResult: Sendable {
    /// The x found: the numerical y⁻¹(target).
    public var x: [Double]
    /// |y(x) - target|₂, how well x reproduces the target.
    public var residual: Double
    /// The inner solver's full report (iterations, evaluations, termination, ...).
    public var solver: LBFGSBResult
}

extension InverseProblem {
    /// The numerical inverse alone: x = argmin_x |y(x) - target|² by L-BFGS-B from `start`,
    /// within `lower`/`upper` (default: the problem's inverse bounds when `using.useProblemBounds`).
    ///
    /// `Problems.seed().invert(target: [2, 2], from: [3, 3])` gives [2.00000003, 1.41421353] in
    /// 11 iterations and 36 evaluations, as SciPy's `fmin_l_bfgs_b(approx_grad=True)` does.
    /// - Throws: ``PhysGradError`` for wrong dimensions, non-finite input or invalid bounds/options.
    public func invert(
        target: [Double], from start: [Double], using numerical: NumericalInverse = .finiteDifferences,
        lower: [Double]? = nil, upper: [Double]? = nil
    ) throws(PhysGradError) -> InversionResult {
        try validate(point: start, name: "start")
        if target.count != outputDimension {
            throw .dimensionMismatch(name: "target", expected: outputDimension, actual: target.count)
        }
        if let i = target.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(name: "target", index: i) }
        let lo = lower ?? (numerical.useProblemBounds ? inverseLowerBounds : nil)
        let up = upper ?? (numerical.useProblemBounds ? inverseUpperBounds : nil)
        do {
            var solver = try LBFGSBSolver(dimension: dimension, lower: lo, upper: up, options: numerical.options)
            let result = try minimizeDistance(inverseObjective(target), from: start, numerical.gradient, &solver)
            var m = model
            let y = m.value(at: result.x)
            return InversionResult(x: result.x, residual: Vector.distance(y, target), solver: result)
        } catch {
            throw .invalidParameter(name: "inverse", value: "", reason: error.description)
        }
    }
}
