/// Gradient descent: x_{k+1} = x_k - η ∇ₓL(y(x_k)).
///
/// One gradient per step. The chapter's first method (η = 0.01): its steps follow the
/// gradient's scaling, which for y = [x0, x1²] at [3, 3] is [6, 108], far from the diagonal
/// path to the minimum.
public struct GradientDescent: SteppingOptimizer {
    public var eta: Double
    public var name: String { "gd" }
    public var stepSize: Double? { eta }

    public init(eta: Double) { self.eta = eta }

    public struct State: Sendable {
        public var x: [Double]
        var gradient: [Double]
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, gradient: [Double](repeating: 0, count: x.count))
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        _ = evaluator.lossAndGradient(at: state.x, gradient: &state.gradient)
        try requireFinite(state.gradient, "gradient")
        for i in state.x.indices { state.x[i] -= eta * state.gradient[i] }
        return StepOutcome(x: state.x)
    }
}
