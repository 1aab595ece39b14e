import PhysGradLinearAlgebra

/// Inverse gradients (IG), the book's linearized inverse-simulator update: the y-space Newton
/// step of PG, mapped back to x through the truncated pseudo-inverse of the model Jacobian,
///
///     Δy = -(∇²_y L)⁻¹ ∇_y L,    Δx = J⁺ Δy,    x_{k+1} = x_k + η Δx,
///
/// with `J⁺ = V Σ⁻¹ Uᵀ` from the SVD of J over the singular values above ``relativeTruncation`` ·
/// σ_max: J's bidiagonal decomposition `J = Q B Pᵀ` and B's SVD (LAPACK `dgebrd`, `dbdsdc`), the
/// reflectors Q and P applied to the two vectors involved rather than formed (`dgesdd` for a J
/// wider than tall). For L = |y - y*|² this is `Δx = η J⁺ (y* - y)`, the Gauss-Newton
/// step scaled by η. Offers ``StepAcceptance/fixed`` (default, the book's rule) and
/// ``StepAcceptance/backtracking(c1:maximumTrials:)`` from α = η.
public struct InverseGradients: SteppingOptimizer {
    /// The step size η.
    public var eta: Double
    /// Singular values `σ_i <= relativeTruncation · σ_0` are dropped from the pseudo-inverse.
    public var relativeTruncation: Double
    /// How the step Δx is accepted.
    public var acceptance: StepAcceptance
    /// For the y-space Newton step.
    public var policy: HessianPolicy
    /// When an accepted (non-fixed) step counts as converged.
    public var tolerances: ConvergenceTolerances
    public var name: String { "ig" }
    public var stepSize: Double? { eta }

    /// IG with step size η, the truncation, acceptance, y-space Hessian policy and tolerances.
    public init(eta: Double, relativeTruncation: Double = 1e-10, acceptance: StepAcceptance = .fixed,
                policy: HessianPolicy = .exact, tolerances: ConvergenceTolerances = ConvergenceTolerances()) {
        self.eta = eta
        self.relativeTruncation = relativeTruncation
        self.acceptance = acceptance
        self.policy = policy
        self.tolerances = tolerances
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        try validateSVDMethod(name: name, relativeTruncation: relativeTruncation, acceptance: acceptance, tolerances: tolerances)
        try policy.validate()
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
        let (y, loss) = try evaluator.modelAndLossInY(at: state.x, gradient: &state.gradient)
        var ySolve = StepReport()
        let dy = try newtonDirection(evaluator.lossHessianInY(at: y), state.gradient, policy: policy, report: &ySolve)
            .map { -$0 }
        report.yspaceSolve = ySolve.solve
        try evaluator.checkDeadline()
        let jacobian = try evaluator.jacobian(at: state.x)
        let (d, rank) = try svdProduct(jacobian, dy, power: 1, relativeTruncation: relativeTruncation, workspace: &state.bidiagonalWorkspace)
        report.solve = .svd(rank: rank, count: Swift.min(jacobian.rows, jacobian.columns))
        return try finishSVDStep(&state.x, direction: d, jacobian: jacobian, gradientInY: state.gradient, loss: loss,
                                 eta: eta, acceptance: acceptance, tolerances: tolerances, report: &report,
                                 evaluator: &evaluator)
    }
}

/// Checks the parameters shared by IG and HIG beyond the step size.
func validateSVDMethod(
    name: String, relativeTruncation: Double, acceptance: StepAcceptance, tolerances: ConvergenceTolerances
) throws(PhysGradError) {
    if !(relativeTruncation >= 0 && relativeTruncation < 1) {
        throw .invalidParameter(name: "relativeTruncation of \(name)", value: "\(relativeTruncation)", reason: "must be in [0, 1)")
    }
    try acceptance.require(oneOf: ["fixed", "backtracking"], method: name)
    try tolerances.validate(for: name)
}

/// The Jacobian, the SVD's copy of it and its factors: about 2 k n + k·min + min·n + 4 min² doubles.
func svdMemory(_ problem: InverseProblem) -> Int {
    let n = problem.dimension, k = problem.outputDimension, s = Swift.min(n, k)
    return MemorySize.sum(MemorySize.matrices(2, rows: k, columns: n), MemorySize.matrices(1, rows: k, columns: s),
                          MemorySize.matrices(1, rows: s, columns: n), MemorySize.matrices(4, rows: s, columns: s),
                          MemorySize.vectors(16, of: Swift.max(n, k)))
}

/// `V Σ^(-power) Uᵀ b` for the model Jacobian J, over the singular values above
/// `relativeTruncation · σ_0` (``LeastSquaresSVD``: J's bidiagonal decomposition and B's SVD
/// with the reflectors applied to b and to the result, or `dgesdd` for a J wider than tall).
func svdProduct(_ jacobian: Matrix, _ b: [Double], power: Double, relativeTruncation: Double,
                workspace: inout BidiagonalWorkspace) throws(StepFailure) -> (product: [Double], rank: Int)
{
    guard jacobian.isFinite else { throw StepFailure(.nonFiniteValue("Jacobian")) }
    try requireFinite(b, "right-hand side")
    do {
        let svd = try LeastSquaresSVD(jacobian, residual: b, workspace: &workspace)
        let sigma = svd.singularValues, rank = svd.rank(relativeTruncation: relativeTruncation)
        var coefficients = [Double](repeating: 0, count: sigma.count)
        for i in 0..<rank { coefficients[i] = svd.c[i] / (power == 1 ? sigma[i] : _pow(sigma[i], power)) }
        return (try svd.v(coefficients), rank)
    } catch {
        throw StepFailure(.linearAlgebraFailure(error))
    }
}

/// Takes the step `x + α d` of IG or HIG under `acceptance` from α = η, with the gradient test
/// before it and the step and loss tests after an accepted (non-fixed) step.
func finishSVDStep(
    _ x: inout [Double], direction d: [Double], jacobian: Matrix, gradientInY gy: [Double], loss: Double, eta: Double,
    acceptance: StepAcceptance, tolerances: ConvergenceTolerances, report: inout StepReport,
    evaluator: inout ProblemEvaluator
) throws(StepFailure) -> StepOutcome {
    try requireFinite(d, "step")
    var gx = [Double](repeating: 0, count: jacobian.columns)
    var jd = [Double](repeating: 0, count: jacobian.rows)
    do {
        try jacobian.multiply(gy, into: &gx, transposed: true)
        try jacobian.multiply(d, into: &jd)
    } catch {
        throw StepFailure(.linearAlgebraFailure(error))
    }
    return try tolerances.stepping(from: gx) { () throws(StepFailure) -> StepOutcome in
        let accepted = try evaluator.acceptAlong(d, from: x, loss: loss, slope: Vector.dot(gy, jd), initialStep: eta,
                                                 acceptance: acceptance, report: &report)
        var termination: TerminationReason? = nil
        if let after = accepted.loss, acceptance != .fixed {
            termination = tolerances.acceptedStepTest(from: x, to: accepted.x, before: loss, after: after,
                                                      full: !report.wasShortened)
        }
        x = accepted.x
        return StepOutcome(x: x, loss: accepted.loss, report: report, termination: termination)
    }
}
