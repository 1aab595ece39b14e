/// Newton's method: x_{k+1} = x_k - η H⁻¹ ∇ₓL, H = ∇²ₓL(y(x_k)).
///
/// The Hessian comes in the problem's declared structure (dense: Cholesky, LU when not positive
/// definite; diagonal: a division); ``HessianPolicy`` says what happens when it is not positive
/// definite or singular. The chapter uses η = 1/3.
public struct Newton: SteppingOptimizer {
    public var eta: Double
    public var policy: HessianPolicy
    public var name: String { "newton" }
    public var stepSize: Double? { eta }

    public init(eta: Double, policy: HessianPolicy = .exact) {
        self.eta = eta
        self.policy = policy
    }

    public struct State: Sendable {
        public var x: [Double]
        var gradient: [Double]
        var workspace = NewtonWorkspace()
    }

    public func validate() throws(PhysGradError) {
        if !(eta.isFinite && eta > 0) {
            throw .invalidParameter(name: "step size of newton", value: "\(eta)", reason: "must be finite and positive")
        }
        if case .regularize(let t) = policy, !(t.isFinite && t > 0) {
            throw .invalidParameter(name: "initialShift", value: "\(t)", reason: "must be finite and positive")
        }
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, gradient: [Double](repeating: 0, count: x.count))
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        _ = evaluator.lossAndGradient(at: state.x, gradient: &state.gradient)
        try requireFinite(state.gradient, "gradient")
        let direction: [Double]
        if evaluator.problem.objectiveHessianStructure == .dense {
            // Hessian and factor rewritten in place: no n² allocation per step.
            evaluator.objectiveHessian(at: state.x, into: &state.workspace.hessian)
            direction = try newtonDirection(&state.workspace, state.gradient, policy: policy)
        } else {
            direction = try newtonDirection(evaluator.objectiveHessian(at: state.x), state.gradient, policy: policy)
        }
        for i in state.x.indices { state.x[i] -= eta * direction[i] }
        return StepOutcome(x: state.x)
    }
}
