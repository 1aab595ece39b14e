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
///   (from J's bidiagonal decomposition and B's SVD, LAPACK `dgebrd` and `dbdsdc`; `dgesdd` for
///   a J wider than tall) whose rank is the smallest that removes `1 - ρ²` of the linearized
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
/// A declared banded Jacobian (``InverseProblem/jacobianStructure``) is computed from
/// `lower + upper + 1` compressed products. With the trust region on the reduction, the step is
/// then the Tikhonov-damped `d(λ) = -(JᵀJ + λI)⁻¹ Jᵀr` from banded Cholesky factorizations of the
/// normal equations (O(n b²) instead of an O(n³) SVD), λ chosen for the same `1 - ρ²` target.
/// The normal equations square J's condition number, so they are used only while `JᵀJ` factors
/// with an estimated reciprocal condition number of at least 1e-10;
/// otherwise the step is the dense SVD one above, on the expanded J (n <= 4096). The line-search
/// forms always take the dense pivoted QR.
///
/// Needs the least-squares form of the problem (``InverseProblem/leastSquaresTarget``): one
/// model Jacobian and one or more model evaluations per step.
public struct GaussNewton: SteppingOptimizer {
    public var eta: Double
    public var acceptance: StepAcceptance
    /// No solve keeps a rank whose pivot is at most `relativeTruncation · |R_00|`.
    public var relativeTruncation: Double
    /// The convergence tests; by default SciPy `least_squares`' 1e-8 for ftol, xtol and gtol, as
    /// ``LevenbergMarquardt``'s.
    public var tolerances: ConvergenceTolerances
    /// Bounds on x (`nil`: none; infinite entries: no bound for that variable).
    public var lower: [Double]?
    public var upper: [Double]?
    public var name: String { "gn" }
    public var stepSize: Double? { eta }

    public init(eta: Double = 1, acceptance: StepAcceptance = .trustRegion(), relativeTruncation: Double = 1e-8,
                tolerances: ConvergenceTolerances = ConvergenceTolerances(gradient: 1e-8, step: 1e-8, loss: 1e-8),
                lower: [Double]? = nil, upper: [Double]? = nil) {
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

    /// The Jacobian, its QR factors and a copy: about 3 k n doubles. With a declared band (trust
    /// region): O((lower + upper + 1) n), plus the dense path's memory up to the dense fallback's
    /// limit (n <= 4096).
    public func workingMemory(for problem: InverseProblem) -> Int {
        if case .banded(let l, let u) = problem.jacobianStructure, case .trustRegion = acceptance {
            return BandedNormalEquations.workingMemory(problem, lower: l, upper: u, dense: leastSquaresMemory(problem))
        }
        return leastSquaresMemory(problem)
    }

    public struct State: Sendable {
        public var x: [Double]
        var box: Box
        /// The discrepancy ratio ρ (trust region on the reduction).
        public internal(set) var discrepancy: Double?
        /// The last damping λ of a banded step (a first guess for the next).
        var damping = 0.0
        /// The banded factorization's storage (declared banded Jacobian).
        var bandedStorage = ShiftedBandedCholesky()
        /// The residual and loss at the point the last full step reached.
        var residual: (x: [Double], r: [Double], loss: Double)?
        /// The memory of J's bidiagonal decomposition and B's SVD, reused from step to step (dense trust-region steps).
        var bidiagonalWorkspace = BidiagonalWorkspace()
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        let box: Box
        do { box = try Box(lower: lower, upper: upper, dimension: x.count) } catch {
            throw StepFailure(.invalidInput(error.description))
        }
        return State(x: box.project(x), box: box)
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        // The residual at the point a full step reached was kept; any other point is evaluated.
        let (r, loss) = state.residual.take().flatMap { $0.x == state.x ? ($0.r, $0.loss) : nil } ?? evaluator.residual(at: state.x)
        guard loss.isFinite else { throw StepFailure(.nonFiniteValue("residual")) }
        try evaluator.checkDeadline()
        // A declared band: J from compressed products, and with the trust region the steps from
        // banded normal equations; the line-search forms take the rank-revealing dense QR.
        var band = try evaluator.bandedJacobian(at: state.x)
        var j: Matrix? = nil
        if case .trustRegion = acceptance {} else if let b = band {
            j = b.dense
            band = nil
        }
        if band == nil && j == nil { j = try evaluator.jacobian(at: state.x) }
        if !(band?.isFinite ?? j!.isFinite) { throw StepFailure(.nonFiniteValue("Jacobian")) }
        var g = [Double](repeating: 0, count: state.x.count)
        if let j { g = gradientOfSquares(j, r) } else { try? band!.multiply(r, into: &g, transposed: true, alpha: 2) }
        return try tolerances.stepping(from: state.box.projectedGradient(state.x, g)) { () throws(StepFailure) -> StepOutcome in
            try step(&state, r: r, loss: loss, jacobian: j, band: band, gradient: g, evaluator: &evaluator)
        }
    }

    /// The step from the state's point, whose residual, Jacobian (dense or banded) and gradient are known.
    private func step(
        _ state: inout State, r: [Double], loss: Double, jacobian: Matrix?, band: BandedMatrix?, gradient g: [Double],
        evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        try evaluator.checkDeadline()

        var report = StepReport()
        let free = state.box.freeVariables(state.x, gradient: g)
        if case .trustRegion(let region) = acceptance {
            if let band {
                return try bandedDiscrepancyStep(&state, r: r, loss: loss, jacobian: band, gradient: g, free: free, region: region,
                                                 report: &report, evaluator: &evaluator)
            }
            return try discrepancyStep(&state, r: r, loss: loss, jacobian: jacobian!, free: free, region: region,
                                       report: &report, evaluator: &evaluator)
        }
        let j = jacobian!
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
    /// One step of the trust region on the reduction: the truncated SVD `J = U Σ Vᵀ`
    /// (``LeastSquaresSVD``: J's bidiagonal decomposition and B's SVD, or `dgesdd` when J is wider
    /// than tall) of rank q, the smallest whose Gauss-Newton step removes `1 - ρ²` of the
    /// linearized reduction the largest allowed rank can, `Σ_{i<q} (uᵢᵀr)² >= (1 - ρ²) Σ_{i<q_max} (uᵢᵀr)²`;
    /// then backtracking along that step. A step whose search fails retries with a larger ρ.
    func discrepancyStep(
        _ state: inout State, r: [Double], loss: Double, jacobian: Matrix, free: [Int], region: TrustRegion,
        report: inout StepReport, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        let a = free.count == state.x.count ? jacobian : jacobian.selectingColumns(free)
        let svd: LeastSquaresSVD
        do { svd = try LeastSquaresSVD(a, residual: r, workspace: &state.bidiagonalWorkspace) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        let sigma = svd.singularValues, c = svd.c
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
        let g = gradientOfSquares(jacobian, r)
        let n = state.x.count
        return try truncatedSteps(&state, loss: loss, full: full, gradient: g, region: region, report: &report,
                                  evaluator: &evaluator) { target throws(StepFailure) in
            var rank = maximumRank
            for q in 0...maximumRank where reduction[q] >= target {
                rank = q
                break
            }
            var coefficients = [Double](repeating: 0, count: c.count)
            for i in 0..<rank { coefficients[i] = -c[i] / sigma[i] }
            let s: [Double]
            do throws(LinearAlgebraError) { s = try svd.v(coefficients) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
            var d = [Double](repeating: 0, count: n)
            for (k, v) in free.enumerated() { d[v] = s[k] }
            return (d, reduction[rank], .svd(rank: rank, count: c.count))
        }
    }

    /// One step of the trust region on the reduction with a banded J: instead of a truncated SVD,
    /// the Tikhonov-damped step `d(λ) = -(JᵀJ + λI)⁻¹ Jᵀr` from banded Cholesky factorizations of
    /// the normal equations (``BandedNormalEquations``), with λ chosen so that `d` removes
    /// `1 - ρ²` of the linearized reduction of the Gauss-Newton step (to within 10%): the same
    /// discrepancy rule, with Tikhonov's smooth filter `σ²/(σ² + λ)` in place of the truncation's
    /// 0 or 1. When `JᵀJ` is too ill-conditioned for the normal equations, the step is the dense one.
    func bandedDiscrepancyStep(
        _ state: inout State, r: [Double], loss: Double, jacobian band: BandedMatrix, gradient g: [Double], free: [Int],
        region: TrustRegion, report: inout StepReport, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        guard var equations = BandedNormalEquations.make(jacobian: band, residual: r, free: free, storage: state.bandedStorage) else {
            try BandedNormalEquations.requireDenseFallback(columns: band.columns)
            return try discrepancyStep(&state, r: r, loss: loss, jacobian: band.dense, free: free, region: region,
                                       report: &report, evaluator: &evaluator)
        }
        defer { state.bandedStorage = equations.storage }
        let full = equations.full.decrease
        let outputNorm = Vector.norm2(Vector.add(r, evaluator.problem.leastSquaresTarget ?? []))
        if let done = tolerances.leastSquaresTest(fullReduction: full, loss: loss,
                                                  residualNorm: Vector.norm2(r), outputNorm: outputNorm) {
            throw StepFailure(done)
        }
        var guess = state.damping
        let outcome = try truncatedSteps(&state, loss: loss, full: full, gradient: g, region: region, report: &report,
                                         evaluator: &evaluator) { target throws(StepFailure) in
            guard let (d, lambda, predicted) = equations.step(forDecrease: target, guess: guess) else {
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: band.columns)))
            }
            guess = lambda
            return (d, predicted, lambda > 0 ? .shiftedCholesky(shift: lambda) : .cholesky)
        }
        state.damping = guess
        return outcome
    }

    /// The trials of one step on the reduction: for ρ, the step `d` (every variable; 0 where held)
    /// that `step(target)` gives for the target `(1 - ρ²)` of the full reduction, with the
    /// reduction it predicts and its solve; then backtracking along it. A step whose search fails
    /// retries with a larger ρ.
    private func truncatedSteps(
        _ state: inout State, loss: Double, full: Double, gradient g: [Double], region: TrustRegion, report: inout StepReport,
        evaluator: inout ProblemEvaluator,
        step: (_ target: Double) throws(StepFailure) -> (d: [Double], predicted: Double, solve: LinearSolve)
    ) throws(StepFailure) -> StepOutcome {
        var rho = state.discrepancy ?? region.initialRatio
        while true {
            try evaluator.checkDeadline()
            let (d, predicted, solve) = try step((1 - rho * rho) * full)
            report.solve = solve
            var search = StepReport()
            let accepted: AcceptedPoint
            do {
                // The full step through the residual, kept for the next step when it is taken;
                // backtracking from the interpolated length otherwise.
                let full = state.box.project(Vector.add(state.x, d))
                let slope = Vector.dot(g, Vector.subtract(full, state.x))
                let c1 = 1e-4  // the Armijo constant of `.backtracking()`
                let (r1, f1) = evaluator.residual(at: full)
                search.trials = 1
                if f1.isFinite && slope < 0 && f1 <= loss + c1 * slope {
                    search.stepLength = 1
                    accepted = AcceptedPoint(x: full, loss: f1)
                    state.residual = (full, r1, f1)
                } else {
                    search.rejected = 1
                    // The minimizer of the quadratic through L(x), the slope and L(x + d), within [0.1, 0.5].
                    let curvature = f1 - loss - slope
                    let alpha = f1.isFinite && slope < 0 && curvature > 0 ? Swift.min(0.5, Swift.max(0.1, -slope / (2 * curvature))) : 0.5
                    accepted = try evaluator.acceptProjected(d, from: state.x, loss: loss, gradient: g, box: state.box,
                                                             initialStep: slope < 0 ? alpha : 1, acceptance: .backtracking(),
                                                             report: &search)
                }
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
            let quality = predicted > 0 ? (loss - f) / predicted : 0
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
    /// The Euclidean norms of the columns.
    var columnNorms: [Double] {
        withUnsafeBufferPointer { a in
            (0..<columns).map { c in
                var s = 0.0
                for i in (c * rows)..<((c + 1) * rows) { s += a[i] * a[i] }
                return s.squareRoot()
            }
        }
    }

    /// The columns `indices` of the matrix, in that order.
    func selectingColumns(_ indices: [Int]) -> Matrix {
        Matrix(rows: rows, columns: indices.count) { i, j in self[i, indices[j]] }
    }
}
