import PhysGradLinearAlgebra

/// Gauss-Newton for least-squares problems, L(x) = |r(x)|² with r = y(x) - t:
///
///     d = argmin_d ‖J d + r‖₂   (J = ∂y/∂x),   x_{k+1} = x_k + α d,
///
/// with `d` from a QR factorization with column pivoting of J (LAPACK `dgeqp3`), never from the
/// normal equations `JᵀJ d = -Jᵀr`, which square J's condition number, and minimum-norm over
/// the rank it keeps (a complete orthogonal factorization, `dtzrzf`): the directions it drops
/// get no component, whichever variables carry them.
///
/// Which rank, and how far to go:
///
/// - ``StepAcceptance/trustRegion(_:)`` on the reduction (default): a truncated SVD of J
///   (LAPACK `dgesdd`) whose rank is the smallest that removes `1 - ρ²` of the linearized
///   residual the full rank can remove (the discrepancy principle), then backtracking along the
///   step; ρ adapts from the ratio of actual to predicted reduction, and a step whose search
///   fails retries with a larger ρ (a smaller rank).
///   On ill-posed problems the directions the model barely sees stay untouched until the
///   residual calls for them; on well-posed ones ρ falls within a few steps and the step is the
///   full Gauss-Newton step.
/// - ``StepAcceptance/backtracking(c1:maximumTrials:)``, ``StepAcceptance/strongWolfe(c1:c2:maximumEvaluations:)``
///   or ``StepAcceptance/fixed``: the rank where the pivots stay above ``relativeTruncation`` ·
///   `|R_00|`, and a line search from α = η (or the step η as it is).
///
/// Bounds `lower <= x <= upper` are handled by projection: variables at a bound whose gradient
/// points out of the box are held fixed for the step, the others solve the reduced problem,
/// and every trial point is projected onto the box.
///
/// Needs the least-squares form of the problem (``InverseProblem/leastSquaresTarget``): one
/// model Jacobian and one or more model evaluations per step.
public struct GaussNewton: SteppingOptimizer {
    public var eta: Double
    public var acceptance: StepAcceptance
    /// No solve keeps a rank whose pivot is at most `relativeTruncation · |R_00|`.
    public var relativeTruncation: Double
    public var tolerances: ConvergenceTolerances
    /// Bounds on x (`nil`: none; infinite entries: no bound for that variable).
    public var lower: [Double]?
    public var upper: [Double]?
    public var name: String { "gn" }
    public var stepSize: Double? { eta }

    public init(eta: Double = 1, acceptance: StepAcceptance = .trustRegion(), relativeTruncation: Double = 1e-8,
                tolerances: ConvergenceTolerances = ConvergenceTolerances(), lower: [Double]? = nil, upper: [Double]? = nil) {
        self.eta = eta
        self.acceptance = acceptance
        self.relativeTruncation = relativeTruncation
        self.tolerances = tolerances
        self.lower = lower
        self.upper = upper
    }

    public func validate() throws(PhysGradError) {
        if !(eta.isFinite && eta > 0) {
            throw .invalidParameter(name: "step size of gn", value: "\(eta)", reason: "must be finite and positive")
        }
        if !(relativeTruncation >= 0 && relativeTruncation < 1) {
            throw .invalidParameter(name: "relativeTruncation of gn", value: "\(relativeTruncation)", reason: "must be in [0, 1)")
        }
        try acceptance.require(oneOf: ["trust-region", "backtracking", "strong-wolfe", "fixed"], method: name)
        if case .trustRegion(let region) = acceptance, region.measure != .reduction {
            throw .invalidParameter(name: "acceptance of gn", value: "trust region on the length",
                                    reason: "gn's trust region is on the reduction; for one on the length use lm")
        }
        try tolerances.validate(for: name)
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {
        try requireLeastSquares(problem, method: name)
        _ = try Box(lower: lower, upper: upper, dimension: problem.dimension)
    }

    /// The Jacobian, its QR factors and a copy: about 3 k n doubles.
    public func workingMemory(for problem: InverseProblem) -> Int {
        leastSquaresMemory(problem)
    }

    public struct State: Sendable {
        public var x: [Double]
        var box: Box
        /// The discrepancy ratio ρ (trust region on the reduction).
        public internal(set) var discrepancy: Double?
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        let box: Box
        do { box = try Box(lower: lower, upper: upper, dimension: x.count) } catch {
            throw StepFailure(.invalidInput(error.description))
        }
        return State(x: box.project(x), box: box)
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        let (r, loss) = evaluator.residual(at: state.x)
        guard loss.isFinite else { throw StepFailure(.nonFiniteValue("residual")) }
        try evaluator.checkDeadline()
        let j = evaluator.jacobian(at: state.x)
        guard j.isFinite else { throw StepFailure(.nonFiniteValue("Jacobian")) }
        let g = gradientOfSquares(j, r)
        return try tolerances.stepping(from: state.box.projectedGradient(state.x, g)) { () throws(StepFailure) -> StepOutcome in
            try step(&state, r: r, loss: loss, jacobian: j, gradient: g, evaluator: &evaluator)
        }
    }

    /// The step from the state's point, whose residual, Jacobian and gradient are known.
    private func step(
        _ state: inout State, r: [Double], loss: Double, jacobian j: Matrix, gradient g: [Double],
        evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        try evaluator.checkDeadline()

        var report = StepReport()
        let free = state.box.freeVariables(state.x, gradient: g)
        if case .trustRegion(let region) = acceptance {
            return try discrepancyStep(&state, r: r, loss: loss, jacobian: j, free: free, region: region,
                                       report: &report, evaluator: &evaluator)
        }
        var d = [Double](repeating: 0, count: state.x.count)
        do {
            let (s, rank) = try minimumNormLeastSquares(free.count == state.x.count ? j : j.selectingColumns(free), r,
                                                         rcond: relativeTruncation)
            for (k, i) in free.enumerated() { d[i] = -s[k] }
            report.solve = .qr(rank: rank, columns: free.count)
        } catch {
            throw StepFailure(.linearAlgebraFailure(error))
        }
        let accepted = try evaluator.acceptProjected(
            d, from: state.x, loss: loss, gradient: g, box: state.box, initialStep: eta, acceptance: acceptance, report: &report)
        var termination: TerminationReason? = nil
        if let after = accepted.loss, acceptance != .fixed {
            termination = tolerances.acceptedStepTest(from: state.x, to: accepted.x, before: loss, after: after,
                                                          full: !report.wasShortened)
        }
        state.x = accepted.x
        return StepOutcome(x: state.x, loss: accepted.loss, report: report, termination: termination)
    }
}

extension GaussNewton {
    /// One step of the trust region on the reduction: the truncated SVD `J = U Σ Vᵀ` (LAPACK
    /// `dgesdd`) of rank q, the smallest whose Gauss-Newton step removes `1 - ρ²` of the
    /// linearized reduction the largest allowed rank can, `Σ_{i<q} (uᵢᵀr)² >= (1 - ρ²) Σ_{i<q_max} (uᵢᵀr)²`;
    /// then backtracking along that step. A step whose search fails retries with a larger ρ.
    func discrepancyStep(
        _ state: inout State, r: [Double], loss: Double, jacobian: Matrix, free: [Int], region: TrustRegion,
        report: inout StepReport, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        let a = free.count == state.x.count ? jacobian : jacobian.selectingColumns(free)
        let svd: SingularValueDecomposition
        var c = [Double](repeating: 0, count: Swift.min(a.rows, a.columns))
        do {
            svd = try SingularValueDecomposition(a)
            try svd.u.multiply(r, into: &c, transposed: true)
        } catch {
            throw StepFailure(.linearAlgebraFailure(error))
        }
        let maximumRank = svd.rank(relativeTruncation: relativeTruncation)
        // reduction[q] = Σ_{i<q} c_i²: what the rank-q step removes from the linearized |r|².
        var reduction = [Double](repeating: 0, count: maximumRank + 1)
        for q in 0..<maximumRank { reduction[q + 1] = reduction[q] + c[q] * c[q] }
        let full = reduction[maximumRank]
        let outputNorm = Vector.norm2(Vector.add(r, evaluator.problem.leastSquaresTarget ?? []))
        if let done = tolerances.leastSquaresTest(fullReduction: full, loss: loss,
                                                  residualNorm: Vector.norm2(r), outputNorm: outputNorm) {
            throw StepFailure(done)
        }
        var rho = state.discrepancy ?? region.initialRatio
        let g = gradientOfSquares(jacobian, r)
        while true {
            try evaluator.checkDeadline()
            let target = (1 - rho * rho) * full
            var rank = maximumRank
            for q in 0...maximumRank where reduction[q] >= target {
                rank = q
                break
            }
            var coefficients = [Double](repeating: 0, count: c.count)
            for i in 0..<rank { coefficients[i] = -c[i] / svd.singularValues[i] }
            var s = [Double](repeating: 0, count: a.columns)
            do { try svd.vt.multiply(coefficients, into: &s, transposed: true) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
            var d = [Double](repeating: 0, count: state.x.count)
            for (k, v) in free.enumerated() { d[v] = s[k] }
            report.solve = .svd(rank: rank, count: c.count)
            var search = StepReport()
            let accepted: AcceptedPoint
            do {
                accepted = try evaluator.acceptProjected(d, from: state.x, loss: loss, gradient: g, box: state.box,
                                                         initialStep: 1, acceptance: .backtracking(), report: &search)
            } catch {
                // No decrease along this step: ask the model for less.
                report.trials += search.trials
                report.rejected += search.rejected
                guard case .lineSearchFailed = error.reason else { throw error }
                rho = region.discrepancyAfterRejection(rho)
                state.discrepancy = rho
                if rho >= 1 - 1e-9 || report.rejected >= region.maximumRejections {
                    throw StepFailure(.stalled("\(report.rejected) truncated steps rejected; discrepancy ratio \(OptimizationResult.short(rho))"))
                }
                continue
            }
            report.trials += search.trials
            report.rejected += search.rejected
            report.stepLength = search.stepLength
            report.proposedStepLength = 1
            let f = accepted.loss ?? loss
            let quality = reduction[rank] > 0 ? (loss - f) / reduction[rank] : 0
            state.discrepancy = search.stepLength == 1 ? region.updatedDiscrepancy(rho, quality: quality)
                : Swift.min(region.initialRatio, rho.squareRoot())
            report.discrepancy = state.discrepancy
            let termination = tolerances.acceptedStepTest(from: state.x, to: accepted.x, before: loss, after: f,
                                                          full: search.stepLength == 1)
            state.x = accepted.x
            return StepOutcome(x: state.x, loss: f, report: report, termination: termination)
        }
    }
}

/// ∇ₓ|r|² = 2 Jᵀr.
func gradientOfSquares(_ j: Matrix, _ r: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: j.columns)
    do { try j.multiply(r, into: &g, transposed: true, alpha: 2) } catch { return [Double](repeating: .nan, count: j.columns) }
    return g
}

/// Throws unless the problem has the least-squares form L(y) = |y - t|².
func requireLeastSquares(_ problem: InverseProblem, method: String) throws(PhysGradError) {
    guard let t = problem.leastSquaresTarget else {
        throw .methodNotApplicable(method: method, problem: problem.name,
                                   reason: "it needs a least-squares loss L(y) = |y - t|^2 (set leastSquaresTarget)")
    }
    if t.count != problem.outputDimension {
        throw .dimensionMismatch(name: "leastSquaresTarget", expected: problem.outputDimension, actual: t.count)
    }
}

/// The Jacobian (k × n), a factorization's copy of it, and R (n × n), plus vectors.
func leastSquaresMemory(_ problem: InverseProblem) -> Int {
    let n = problem.dimension, k = Swift.max(problem.outputDimension, n)
    return MemorySize.sum(MemorySize.matrices(2, rows: k, columns: n), MemorySize.matrices(1, rows: n, columns: n),
                          MemorySize.vectors(16, of: k))
}

extension Matrix {
    /// The columns `indices` of the matrix, in that order.
    func selectingColumns(_ indices: [Int]) -> Matrix {
        Matrix(rows: rows, columns: indices.count) { i, j in self[i, indices[j]] }
    }
}
