import PhysGradLBFGSB

/// L-BFGS-B (`LBFGSBRun` of PhysGradLBFGSB) applied to L(y(x)) itself, with the problem's exact
/// gradients: the quasi-Newton baseline next to GD, Newton and PG.
///
/// Each driver step is one L-BFGS-B iteration (generalized Cauchy point, subspace minimization and
/// line search: one or more evaluations); the first step also evaluates the start. The run ends when
/// the driver's tests stop it (steps, tolerances, callback, time limit) or when L-BFGS-B stops by
/// itself: on its own convergence tests (``TerminationReason/convergedByMethod(_:)``), a failed line
/// search, or its `maxiter`/`maxfun` (``TerminationReason/completedSteps``). Bounds on x are optional.
public struct LBFGSBMethod: SteppingOptimizer {
    /// The solver's settings, SciPy's names and defaults.
    public var options: LBFGSBOptions
    /// Lower bounds on x (`nil`: none; -∞ entries: none for that variable).
    public var lower: [Double]?
    /// Upper bounds on x (`nil`: none; +∞ entries: none for that variable).
    public var upper: [Double]?

    /// L-BFGS-B with these options and bounds.
    public init(options: LBFGSBOptions = LBFGSBOptions(), lower: [Double]? = nil, upper: [Double]? = nil) {
        self.options = options
        self.lower = lower
        self.upper = upper
    }

    public var name: String { "lbfgsb" }
    public var stepSize: Double? { nil }

    public func validate() throws(PhysGradError) {
        do {
            try options.validate()
        } catch {
            throw .invalidParameter(name: "L-BFGS-B options", value: "", reason: error.description)
        }
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {
        do {
            _ = try LBFGSBSolver(dimension: problem.dimension, lower: lower, upper: upper, options: options)
        } catch {
            throw .invalidParameter(name: "L-BFGS-B bounds", value: "", reason: error.description)
        }
    }

    /// The iterate and the method's scratch space.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var run: LBFGSBRun
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        do {
            let solver = try LBFGSBSolver(dimension: x.count, lower: lower, upper: upper, options: options)
            return State(x: x, run: try solver.start(from: x))
        } catch {
            throw StepFailure(.invalidInput(error.description))
        }
    }

    /// One L-BFGS-B iteration. Its own convergence ends the run on the next step (the driver's
    /// callback and tests see the converging iterate first), with the solver's reason.
    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        let step = state.run.step { x, g in evaluator.lossAndGradient(at: x, gradient: g) }
        if step.iteration != nil {
            state.x = state.run.x
            return StepOutcome(x: state.x)
        }
        guard let end = step.termination else { return StepOutcome(x: state.x) }
        let message = end.message
        switch end {
        case .convergedProjectedGradient, .convergedRelativeReduction:
            throw StepFailure(.convergedByMethod(message))
        case .lineSearchFailed:
            throw StepFailure(.lineSearchFailed(message))
        case .nonFiniteValue:
            throw StepFailure(.nonFiniteValue("loss or gradient (L-BFGS-B: \(message))"))
        case .iterationLimit, .evaluationLimit:
            throw StepFailure(.completedSteps)
        case .timeLimit:
            throw StepFailure(.timeLimit)
        case .stoppedByCallback:
            throw StepFailure(.stoppedByCallback)
        }
    }
}
