import PhysGradLinearAlgebra

/// Half-inverse gradients (HIG, Schnell, Holl & Thuerey 2022): the loss gradient in y mapped
/// back to x through the half-inverse of the model Jacobian,
///
///     Δx = -η V Σ^(-1/2) Uᵀ (∂L/∂y)ᵀ,
///
/// from the SVD `J = U Σ Vᵀ` (J's bidiagonal decomposition and B's SVD, `dgebrd` and `dbdsdc`,
/// U and V applied to vectors, not formed; `dgesdd` for a J wider than tall), with singular values below
/// ``relativeTruncation`` · σ_max dropped. Between GD (`Jᵀ`, power +1) and the inverse (`J⁺`,
/// power -1), it keeps the direction information of the inverse at half its scale sensitivity.
/// Offers ``StepAcceptance/fixed`` (default, the book's plain step) and
/// ``StepAcceptance/backtracking(c1:maximumTrials:)`` from α = η.
public struct HalfInverseGradients: SteppingOptimizer {
    /// The step size η.
    public var eta: Double
    /// Singular values `σ_i <= relativeTruncation · σ_0` are dropped.
    public var relativeTruncation: Double
    /// How the step Δx is accepted.
    public var acceptance: StepAcceptance
    /// When an accepted (non-fixed) step counts as converged.
    public var tolerances: ConvergenceTolerances
    public var name: String { "hig" }
    public var stepSize: Double? { eta }

    /// HIG with step size η, the truncation, acceptance and tolerances.
    public init(eta: Double, relativeTruncation: Double = 1e-10, acceptance: StepAcceptance = .fixed,
                tolerances: ConvergenceTolerances = ConvergenceTolerances()) {
        self.eta = eta
        self.relativeTruncation = relativeTruncation
        self.acceptance = acceptance
        self.tolerances = tolerances
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        try validateSVDMethod(name: name, relativeTruncation: relativeTruncation, acceptance: acceptance, tolerances: tolerances)
    }

    public func workingMemory(for problem: InverseProblem) -> Int { svdMemory(problem) }

    /// The iterate and the method's scratch space.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var gradient: [Double]
        /// The memory of J's bidiagonal decomposition and B's SVD, reused from step to step.
        var bidiagonalWorkspace = BidiagonalWorkspace()
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, gradient: [Double](repeating: 0, count: evaluator.outputDimension))
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        var report = StepReport()
        let (_, loss) = try evaluator.modelAndLossInY(at: state.x, gradient: &state.gradient)
        try evaluator.checkDeadline()
        let jacobian = try evaluator.jacobian(at: state.x)
        let (h, rank) = try svdProduct(jacobian, state.gradient, power: 0.5, relativeTruncation: relativeTruncation,
                                       workspace: &state.bidiagonalWorkspace)
        report.solve = .svd(rank: rank, count: Swift.min(jacobian.rows, jacobian.columns))
        return try finishSVDStep(&state.x, direction: h.map { -$0 }, jacobian: jacobian, gradientInY: state.gradient,
                                 loss: loss, eta: eta, acceptance: acceptance, tolerances: tolerances, report: &report,
                                 evaluator: &evaluator)
    }
}
