import PhysGradLinearAlgebra

/// Gradient descent: x_{k+1} = x_k - α ∇ₓL(y(x_k)), with α = η or chosen by a line search.
///
/// One gradient per step. Its steps follow the gradient's scaling, which for y = [x0, x1²],
/// L = |y|² at [3, 3] is [6, 108], far from the diagonal path to the minimum. Offers
/// ``StepAcceptance/fixed`` (default), ``StepAcceptance/backtracking(c1:maximumTrials:)`` and
/// ``StepAcceptance/strongWolfe(c1:c2:maximumEvaluations:)``, which start from α = η.
public struct GradientDescent: SteppingOptimizer {
    /// The step size η (the first trial of a line search).
    public var eta: Double
    /// How the step along -∇L is accepted.
    public var acceptance: StepAcceptance
    public var name: String { "gd" }
    public var stepSize: Double? { eta }

    /// Gradient descent with step size η, accepted as `acceptance` says.
    public init(eta: Double, acceptance: StepAcceptance = .fixed) {
        self.eta = eta
        self.acceptance = acceptance
    }

    /// The iterate and the method's scratch space.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var gradient: [Double]
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        try acceptance.require(oneOf: ["fixed", "backtracking", "strong-wolfe"], method: name)
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, gradient: [Double](repeating: 0, count: x.count))
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        let loss = evaluator.lossAndGradient(at: state.x, gradient: &state.gradient)
        try requireFinite(state.gradient, "gradient")
        if acceptance == .fixed {
            for i in state.x.indices { state.x[i] -= eta * state.gradient[i] }
            var report = StepReport()
            report.stepLength = eta
            report.proposedStepLength = eta
            return StepOutcome(x: state.x, report: report)
        }
        var report = StepReport()
        let d = state.gradient.map { -$0 }
        let slope = -Vector.dot(state.gradient, state.gradient)
        let accepted = try evaluator.acceptAlong(d, from: state.x, loss: loss, slope: slope, initialStep: eta,
                                                 acceptance: acceptance, report: &report)
        state.x = accepted.x
        return StepOutcome(x: state.x, loss: accepted.loss, report: report)
    }
}
