import PhysGradLBFGSB

/// L-BFGS-B (`LBFGSBSolver` of PhysGradLBFGSB) applied to L(y(x)) itself, with the problem's exact
/// gradients: the quasi-Newton baseline next to GD, Newton and PG.
///
/// Each driver step is one L-BFGS-B iteration (one generalized Cauchy point, subspace
/// minimization and line search, i.e. one or more evaluations). The run ends when the driver's
/// tests stop it (steps, tolerances, callback, time limit) or when L-BFGS-B stops by itself
/// (its own convergence tests, ``TerminationReason/convergedByMethod(_:)``, or a failed line
/// search). Bounds on x are optional.
public struct LBFGSBMethod: Optimizer {
    /// The solver's settings, SciPy's names and defaults; `maxiter` is the driver's `steps`.
    public var options: LBFGSBOptions
    public var lower: [Double]?
    public var upper: [Double]?

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

    public struct State: Sendable {
        public var x: [Double]
        var solver: LBFGSBSolver
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        do {
            return State(x: x, solver: try LBFGSBSolver(dimension: x.count, lower: lower, upper: upper, options: options))
        } catch {
            throw StepFailure(.invalidInput(error.description))
        }
    }

    public func iterate(
        _ state: inout State, evaluator: inout ProblemEvaluator,
        next: (StepOutcome, EvaluationCounts) throws(StepFailure) -> Bool
    ) throws(StepFailure) -> TerminationReason? {
        var counts = evaluator.counts
        var failure: StepFailure?
        var stoppedByDriver = false
        var outcome: Result<LBFGSBResult, LBFGSBError>!
        // The solver's callback is an optional closure (so formally escaping); it is only called
        // during `minimize`.
        withoutActuallyEscaping(next) { next in
            outcome = Result { () throws(LBFGSBError) -> LBFGSBResult in
              try state.solver.minimize(
                from: state.x,
                callback: { progress in
                    do throws(StepFailure) {
                        if try next(StepOutcome(x: Array(progress.x)), counts) { return .continue }
                        stoppedByDriver = true
                    } catch {
                        failure = error
                    }
                    return .stop
                },
                objective: { x, g in
                    let f = evaluator.lossAndGradient(at: x, gradient: g)
                    counts = evaluator.counts
                    return f
                })
            }
        }
        let result: LBFGSBResult
        switch outcome! {
        case .success(let r): result = r
        case .failure(let error): throw StepFailure(.invalidInput(error.description))
        }
        if let failure { throw failure }
        state.x = result.x
        if stoppedByDriver { return nil }
        switch result.termination {
        case .convergedProjectedGradient, .convergedRelativeReduction:
            return .convergedByMethod(result.message)
        case .lineSearchFailed:
            return .lineSearchFailed(result.message)
        case .nonFiniteValue:
            return .nonFiniteValue("loss or gradient (L-BFGS-B: \(result.message))")
        case .iterationLimit, .evaluationLimit:
            return .completedSteps
        case .timeLimit:
            return .timeLimit
        case .stoppedByCallback:
            return .stoppedByCallback
        }
    }
}
