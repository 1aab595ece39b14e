import PhysGradLinearAlgebra

/// Levenberg-Marquardt for least-squares problems, L(x) = |r(x)|² with r = y(x) - t.
///
/// Each step decomposes the model Jacobian once and takes
///
///     p(λ) = argmin ‖J p + r‖² + λ ‖D p‖²,    x_{k+1} = x_k + p(λ),
///
/// solving the damped problem for each trial λ from that decomposition, never the normal
/// equations of a dense J: on the reduction (default, D = I) through J's bidiagonal
/// decomposition `J = Q [B; 0] Pᵀ` (LAPACK `dgebrd`; Eldén's O(n) solve per λ) when J has full
/// column rank, else through its SVD (`dgesdd`); on the length through `J P = Q R` (`dgeqp3`)
/// and Givens rotations on `[R; √λ D]` (O(n²) per λ), `D` scaling the variables by the
/// Jacobian's column norms (the largest seen so far: SciPy's default `x_scale="jac"`). λ comes
/// from the trust region
/// (``StepAcceptance/trustRegion(_:)``), whose state carries over from step to step; the loss
/// never rises from step to step:
///
/// - ``TrustRegion/Measure/reduction`` (default): λ makes the linearized residual lose
///   `1 - ρ²` of what it can lose, `‖J p + r‖² = ψ_min + ρ² (‖r‖² - ψ_min)` (Hanke's
///   regularizing Levenberg-Marquardt, with ρ adapted from the ratio of actual to predicted
///   reduction). It reaches the solution of ill-posed problems (a diffusion or a viscous flow run
///   backwards), where the classical method fills the directions the model barely sees with
///   large, invisible components.
/// - ``TrustRegion/Measure/length``: Moré's trust-region form, `‖D p‖ ≈ Δ` (MINPACK `lmder`,
///   SciPy's `least_squares(method="lm")`), with MINPACK's radius updates.
///
/// With the trust region on the reduction, when J is numerically rank-deficient (a singular value
/// `σ_k <= κ σ_0`, κ = ``relativeTruncation``), λ never falls below `(κ σ_0)²`, so no step
/// divides rounding by a numerically zero singular value. The trust region on the length is
/// MINPACK's method as it is.
///
/// Convergence (``ConvergenceTolerances``, SciPy's 1e-8 defaults): `ftol` on the relative
/// reductions of `|r|²`, `xtol` on the step relative to `‖D x‖`, `gtol` on the largest cosine
/// between r and a column of J. Reductions, radius or gradient below machine precision end the
/// run as converged at the rounding level.
///
/// Bounds `lower <= x <= upper` (projected Levenberg-Marquardt): variables at a bound whose
/// gradient points out of the box are held fixed for the step, trial points are projected onto
/// the box, and the ratio compares the actual reduction with the linear model's prediction for
/// the projected step.
///
/// A declared banded Jacobian (``InverseProblem/jacobianStructure``) is computed from
/// `lower + upper + 1` compressed products, and `p(λ)` comes from banded Cholesky factorizations
/// of the normal equations (O(n b²) per λ, b = lower + upper, instead of the dense QR and SVD):
/// `(JᵀJ + λI) p = -Jᵀr` on the reduction (D = I), and on the length `(JᵀJ + λD²) p = -Jᵀr` in
/// the variables scaled by D, with MINPACK's iteration for λ (the steps are the dense form's up to
/// rounding). The normal equations square J's condition number, so they are used only while `JᵀJ`
/// (scaled by D on the length) factors with an estimated reciprocal condition number of at least
/// 1e-10 (every solve then keeps about 6 digits more than the acceptance test resolves); otherwise
/// the step is the dense one, on the expanded J (n <= 4096; above, the run stops as stalled and
/// says why). ``StepReport/solve`` tells which: `.cholesky` / `.shiftedCholesky` for the banded
/// step, `.bidiagonal` / `.svd` / `.qr` for the dense one.
public struct LevenbergMarquardt: SteppingOptimizer {
    /// ``StepAcceptance/trustRegion(_:)`` on the reduction (default) or on the length.
    public var acceptance: StepAcceptance
    public var tolerances: ConvergenceTolerances
    /// Δ₀ = `initialFactor` · ‖D x₀‖ (or `initialFactor` when that is 0), for the trust region on
    /// the length; MINPACK's `factor`, 100.
    public var initialFactor: Double
    /// κ: when a singular value `σ_k <= κ σ_0`, the damping stays at least `(κ σ_0)²` (trust region
    /// on the reduction).
    public var relativeTruncation: Double
    /// Bounds on x (`nil`: none; infinite entries: no bound for that variable).
    public var lower: [Double]?
    public var upper: [Double]?
    /// "lm", or "lm-minpack" with the trust region on the length (MINPACK's form).
    public var name: String {
        if case .trustRegion(let region) = acceptance, region.measure == .length { return "lm-minpack" }
        return "lm"
    }
    public var stepSize: Double? { nil }

    public init(acceptance: StepAcceptance = .trustRegion(),
                tolerances: ConvergenceTolerances = ConvergenceTolerances(gradient: 1e-8, step: 1e-8, loss: 1e-8),
                initialFactor: Double = 100, relativeTruncation: Double = 1e-8, lower: [Double]? = nil, upper: [Double]? = nil) {
        self.acceptance = acceptance
        self.tolerances = tolerances
        self.initialFactor = initialFactor
        self.relativeTruncation = relativeTruncation
        self.lower = lower
        self.upper = upper
    }

    public func validate() throws(PhysGradError) {
        try acceptance.require(oneOf: ["trust-region"], method: name)
        try tolerances.validate(for: name)
        if !(initialFactor.isFinite && initialFactor > 0) {
            throw .invalidParameter(name: "initialFactor of lm", value: "\(initialFactor)", reason: "must be finite and positive")
        }
        if !(relativeTruncation >= 0 && relativeTruncation < 1) {
            throw .invalidParameter(name: "relativeTruncation of lm", value: "\(relativeTruncation)", reason: "must be in [0, 1)")
        }
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {
        try requireLeastSquares(problem, method: name)
        _ = try Box(lower: lower, upper: upper, dimension: problem.dimension)
    }

    /// The Jacobian, its QR factors, R and the rotations' copy: about 2 k n + 2 n² doubles. With a
    /// declared band: O((lower + upper + 1) n), plus the dense path's memory up to the dense
    /// fallback's limit (n <= 4096).
    public func workingMemory(for problem: InverseProblem) -> Int {
        let dense = MemorySize.sum(leastSquaresMemory(problem),
                                   MemorySize.matrices(1, rows: problem.dimension, columns: problem.dimension))
        if case .banded(let l, let u) = problem.jacobianStructure {
            return BandedNormalEquations.workingMemory(problem, lower: l, upper: u, dense: dense)
        }
        return dense
    }

    public struct State: Sendable {
        public var x: [Double]
        var box: Box
        var residual: [Double] = []
        var residualNorm = 0.0
        /// The trust radius Δ (on the length) and the discrepancy ratio ρ (on the reduction),
        /// and the damping λ, carried from step to step.
        public internal(set) var radius = 0.0
        public internal(set) var discrepancy: Double?
        public internal(set) var damping = 0.0
        var diag: [Double] = []
        var started = false
        /// `true` after the first accepted step (until then, every trial also caps Δ at its length).
        var hasTakenStep = false
        /// The banded factorization's storage (declared banded Jacobian).
        var bandedStorage = ShiftedBandedCholesky()
        /// `true` when the last dense step found J short of full column rank: the next goes to the
        /// SVD at once instead of first computing the singular values alone to find out again.
        var denseRankDeficient = false
        /// The memory of J's bidiagonal decomposition and B's SVD, reused from step to step (dense steps).
        var bidiagonalWorkspace = BidiagonalWorkspace()
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        let box: Box
        do { box = try Box(lower: lower, upper: upper, dimension: x.count) } catch {
            throw StepFailure(.invalidInput(error.description))
        }
        var state = State(x: box.project(x), box: box)
        let (r, loss) = evaluator.residual(at: state.x)
        guard loss.isFinite else { throw StepFailure(.nonFiniteValue("residual at the start")) }
        state.residual = r
        state.residualNorm = Vector.norm2(r)
        return state
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        guard case .trustRegion(let region) = acceptance else { throw StepFailure(.invalidInput("lm needs a trust region")) }
        try evaluator.checkDeadline()
        // A declared band: J from compressed products, the step by banded normal equations
        // (trust region on the reduction; MINPACK's form works on the dense J).
        let band = try evaluator.bandedJacobian(at: state.x)
        if let band, !band.isFinite { throw StepFailure(.nonFiniteValue("Jacobian")) }
        var dense: Matrix? = nil
        if band == nil { dense = try evaluator.jacobian(at: state.x) }
        if let dense, !dense.isFinite { throw StepFailure(.nonFiniteValue("Jacobian")) }
        var g = [Double](repeating: 0, count: state.x.count)
        if let dense { g = gradientOfSquares(dense, state.residual) } else { try? band!.multiply(state.residual, into: &g, transposed: true, alpha: 2) }
        let free = state.box.freeVariables(state.x, gradient: g)
        if !state.box.isUnbounded, let done = tolerances.gradientTest(state.box.projectedGradient(state.x, g)) {
            throw StepFailure(done)
        }
        // The scaled gradient test: the largest cosine between r and a column of J.
        let columnNorms = dense?.columnNorms ?? band!.columnNorms
        var gnorm = 0.0
        if state.residualNorm != 0 {
            for i in free where columnNorms[i] > 0 {
                gnorm = Swift.max(gnorm, Swift.abs(g[i]) / 2 / (columnNorms[i] * state.residualNorm))
            }
        }
        if state.box.isUnbounded && gnorm <= tolerances.gradient {
            throw StepFailure(.convergedByMethod("largest cosine between the residual and a Jacobian column \(OptimizationResult.short(gnorm)) <= gtol \(tolerances.gradient)"))
        }
        if let band, region.measure == .length {
            updateScaling(&state, columnNorms: free.map { columnNorms[$0] }, free: free)
            if var model = BandedRadiusModel.make(jacobian: band, residual: state.residual, free: free, diag: state.diag,
                                                  gnorm: gnorm, storage: state.bandedStorage) {
                defer { state.bandedStorage = model.storage }
                return try radiusStep(&state, &model, region: region, evaluator: &evaluator)
            }
            try BandedNormalEquations.requireDenseFallback(columns: band.columns)
            dense = band.dense
        }
        if let dense {
            let jFree = free.count == state.x.count ? dense : dense.selectingColumns(free)
            switch region.measure {
            case .length:
                var model = try linearize(&state, jacobian: dense, jFree: jFree, free: free, gnorm: gnorm)
                return try radiusStep(&state, &model, region: region, evaluator: &evaluator)
            case .reduction:
                return try discrepancyStep(&state, jacobian: dense, jFree: jFree, free: free, region: region,
                                           evaluator: &evaluator)
            }
        }
        return try bandedDiscrepancyStep(&state, jacobian: band!, free: free, region: region, evaluator: &evaluator)
    }

    /// Moré's scaling D of the trust region on the length (SciPy's `x_scale="jac"`): J's column
    /// norms on the first step (1 for a zero column), then the largest seen; and on the first step
    /// the radius Δ₀ = `initialFactor` · ‖D x₀‖ (or `initialFactor` when that is 0).
    /// `columnNorms` are those of the free variables' columns, in `free`'s order.
    private func updateScaling(_ state: inout State, columnNorms: [Double], free: [Int]) {
        let n = state.x.count
        if !state.started {
            state.diag = [Double](repeating: 1, count: n)
            for (col, i) in free.enumerated() { state.diag[i] = columnNorms[col] == 0 ? 1 : columnNorms[col] }
            let xnorm = Vector.norm2(zip(state.diag, state.x).map { $0 * $1 })
            state.radius = xnorm == 0 ? initialFactor : initialFactor * xnorm
            state.started = true
        }
        for (col, i) in free.enumerated() { state.diag[i] = Swift.max(state.diag[i], columnNorms[col]) }
    }

    /// The QR model of Moré's method at the state's point: J's factors, Qᵀr, the scaling D and
    /// the damping floor.
    private func linearize(
        _ state: inout State, jacobian: Matrix, jFree: Matrix, free: [Int], gnorm: Double
    ) throws(StepFailure) -> DampedModel {
        let m = free.count
        // J P = Q R, padded with zero rows when k < m so that R is square.
        let k = jFree.rows
        let padded = k >= m ? jFree : Matrix(rows: m, columns: m) { i, j in i < k ? jFree[i, j] : 0 }
        let qr: PivotedQRFactorization
        let c: [Double]
        do {
            qr = try PivotedQRFactorization(padded)
            var rPadded = state.residual
            rPadded.append(contentsOf: [Double](repeating: 0, count: padded.rows - k))
            c = try qr.applyQTranspose(rPadded)
        } catch {
            throw StepFailure(.linearAlgebraFailure(error))
        }
        var sub = DampedSubproblem(n: m)
        let rFactor = qr.r
        for j in 0..<m { for i in 0...j { sub.r[i + j * m] = rFactor[i, j] } }
        sub.permutation = qr.permutation
        var columnNorms = [Double](repeating: 0, count: m)
        for j in 0..<m {
            var s = 0.0
            for i in 0..<padded.rows { s += padded[i, j] * padded[i, j] }
            columnNorms[j] = s.squareRoot()
        }
        updateScaling(&state, columnNorms: columnNorms, free: free)
        let diagFree = free.map { state.diag[$0] }
        // Moré's method as MINPACK has it: no damping floor (the trust region on the reduction
        // is the regularizing form).
        let rank = qr.rank(rcond: relativeTruncation)
        let floor = 0.0
        var tail = 0.0
        for i in m..<c.count { tail += c[i] * c[i] }
        return DampedModel(free: free, jacobian: jacobian, sub: sub, qtf: Array(c[0..<m]), tail: tail, diag: diagFree,
                           floor: floor, gnorm: gnorm, rank: rank)
    }

    /// A trial point from the free-variable solution `p` (the step is `-p`), projected onto the box.
    private func trialPoint(_ state: State, free: [Int], _ p: [Double]) -> [Double] {
        var trial = state.x
        for (c, i) in free.enumerated() { trial[i] -= p[c] }
        return state.box.project(trial)
    }

    /// `‖J s + r‖²` for the step `s` actually taken.
    private func linearResidual(_ jacobian: Matrix, _ residual: [Double], _ step: [Double]) throws(StepFailure) -> Double {
        var js = residual
        do { try jacobian.multiply(step, into: &js, alpha: 1, beta: 1) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        return Vector.dot(js, js)
    }

    /// `‖J s + r‖²` for a banded J.
    private func linearResidual(_ jacobian: BandedMatrix, _ residual: [Double], _ step: [Double]) throws(StepFailure) -> Double {
        var js = residual
        do { try jacobian.multiply(step, into: &js, alpha: 1, beta: 1) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        return Vector.dot(js, js)
    }

    /// One step of Hanke's regularizing method on a dense J: the damped step
    /// `p(λ) = -(JᵀJ + λI)⁻¹Jᵀr = -V diag(σ/(σ² + λ)) Uᵀr` (unscaled Tikhonov: its bias towards
    /// small steps keeps the directions J barely sees still) for the λ whose predicted reduction
    /// `Σ (uᵢᵀr)² σᵢ²(σᵢ² + 2λ)/(σᵢ² + λ)²` is `1 - ρ²` of the reduction at the least damping.
    ///
    /// When J has at least as many rows as free columns and no singular value below
    /// `relativeTruncation` of the largest, each λ is solved through J's bidiagonal decomposition
    /// (LAPACK `dgebrd`, about a third of an SVD's work; Eldén's O(n) solve per λ); otherwise
    /// through the SVD (``LeastSquaresSVD``: the same bidiagonal decomposition and B's SVD, or
    /// `dgesdd` when J is wider than tall), whose truncation floor damps the unresolved
    /// directions (after a step that found J short of full rank, the next one goes to the SVD
    /// directly). Either way each λ costs O(n) after the decomposition, so the search is exact.
    private func discrepancyStep(
        _ state: inout State, jacobian: Matrix, jFree: Matrix, free: [Int], region: TrustRegion,
        evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        var bidiagonal: BidiagonalDecomposition?
        if jFree.rows >= jFree.columns, jFree.columns > 0 {
            do { bidiagonal = try BidiagonalDecomposition(jFree, workspace: &state.bidiagonalWorkspace) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        }
        if !state.denseRankDeficient, let b = bidiagonal {
            let sigma: [Double], qtr: [Double]
            do {
                sigma = try b.singularValues()
                qtr = try b.qTransposed(state.residual)
            } catch {
                throw StepFailure(.linearAlgebraFailure(error))
            }
            let threshold = (sigma.first ?? 0) * Swift.max(relativeTruncation, 0)
            if let last = sigma.last, last > threshold {
                return try bidiagonalDiscrepancyStep(&state, jacobian: jacobian, decomposition: b, qtr: qtr, free: free,
                                                     region: region, evaluator: &evaluator)
            }
        }
        let svd: LeastSquaresSVD
        do { svd = try LeastSquaresSVD(jFree, residual: state.residual, bidiagonal: bidiagonal, workspace: &state.bidiagonalWorkspace) } catch {
            throw StepFailure(.linearAlgebraFailure(error))
        }
        return try svdDiscrepancyStep(&state, jacobian: jacobian, svd: svd, free: free, region: region, evaluator: &evaluator)
    }

    /// ``discrepancyStep(_:jacobian:jFree:free:region:evaluator:)`` for a J of full column rank:
    /// with `J = Q [B; 0] Pᵀ` and `c = (Qᵀr)[0 ..< n]`, `p(λ) = -P y(λ)` for
    /// `y(λ) = argmin ‖B y - c‖² + λ‖y‖²`, whose predicted reduction is `‖B y‖² + 2λ‖y‖²`; at
    /// λ = 0 it is `‖c‖²`.
    private func bidiagonalDiscrepancyStep(
        _ state: inout State, jacobian: Matrix, decomposition b: BidiagonalDecomposition, qtr: [Double], free: [Int],
        region: TrustRegion, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        let n = b.columns
        let r2 = state.residualNorm * state.residualNorm
        let c = Array(qtr.prefix(n))
        let full = Vector.dot(c, c)
        let outputNorm = Vector.norm2(Vector.add(state.residual, evaluator.problem.leastSquaresTarget ?? []))
        if let done = tolerances.leastSquaresTest(fullReduction: full, loss: r2,
                                                  residualNorm: state.residualNorm, outputNorm: outputNorm) {
            throw StepFailure(done)
        }
        var y = [Double](repeating: 0, count: n)
        /// y(λ) into `y` and the reduction it predicts.
        // (c and y have n entries, so the solve cannot throw; a NaN would end the search as below.)
        func predicted(_ lambda: Double) -> Double {
            do {
                try c.withUnsafeBufferPointer { cb throws(LinearAlgebraError) in
                    try y.withUnsafeMutableBufferPointer { yb throws(LinearAlgebraError) in try b.dampedSolve(cb, lambda: lambda, into: yb) }
                }
                return try y.withUnsafeBufferPointer { yb throws(LinearAlgebraError) in try b.bNormSquared(yb) } + 2 * lambda * Vector.dot(y, y)
            } catch {
                return .nan
            }
        }
        // The scale of JᵀJ, where the search for λ starts: σ_max², of which B's largest row or
        // column norm is within a factor √2 (its logarithm, so that no square overflows).
        var rowNorm = 0.0
        for i in 0..<n {
            let e = i < n - 1 ? b.superdiagonal[i] : 0
            rowNorm = Swift.max(rowNorm, _hypot(b.diagonal[i], e))
        }
        let logScale = Swift.max(2 * _log10(rowNorm), _log10(Double.leastNormalMagnitude))
        let (x, residual) = (state.x, state.residual)
        return try dampedSteps(&state, full: full, region: region, evaluator: &evaluator,
                               linearResidual: { step throws(StepFailure) in try linearResidual(jacobian, residual, step) }) { target, rho throws(StepFailure) in
            // The predicted reduction falls from `full` at λ = 0 to 0: bisection on log λ, from a
            // bracket around the scale of JᵀJ.
            var lambda = 0.0
            if full - target > 1e-3 * rho * rho * full {
                var high = logScale + 1
                while predicted(_pow(10, high)) > target && high < 300 { high += 1 }
                var low = high - 1
                while predicted(_pow(10, low)) <= target && low > -300 { low -= 1 }
                for _ in 0..<100 {
                    let mid = 0.5 * (low + high)
                    if predicted(_pow(10, mid)) > target { low = mid } else { high = mid }
                    if high - low < 1e-12 { break }
                }
                lambda = _pow(10, 0.5 * (low + high))
            }
            let reduction = predicted(lambda)
            let p: [Double]
            do throws(LinearAlgebraError) { p = try b.p(y) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
            var step = [Double](repeating: 0, count: x.count)
            for (k, i) in free.enumerated() { step[i] = -p[k] }
            return (step, lambda, reduction, .bidiagonal(columns: n))
        }
    }

    /// ``discrepancyStep(_:jacobian:jFree:free:region:evaluator:)`` through the SVD
    /// `J = U Σ Vᵀ`: `p(λ) = -V diag(σ/(σ² + λ)) Uᵀr` over the singular values,
    /// λ at least `(relativeTruncation · σ_max)²` when some fall below that.
    private func svdDiscrepancyStep(
        _ state: inout State, jacobian: Matrix, svd: LeastSquaresSVD, free: [Int], region: TrustRegion,
        evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        let r2 = state.residualNorm * state.residualNorm
        let c = svd.c
        let sigma = svd.singularValues
        let rank = svd.rank(relativeTruncation: relativeTruncation)
        state.denseRankDeficient = rank < sigma.count
        let floor = rank < sigma.count ? (relativeTruncation * (sigma.first ?? 0)) * (relativeTruncation * (sigma.first ?? 0)) : 0
        func predicted(_ lambda: Double) -> Double {
            var s = 0.0
            for i in sigma.indices where sigma[i] > 0 {
                let s2 = sigma[i] * sigma[i]
                s += c[i] * c[i] * s2 * (s2 + 2 * lambda) / ((s2 + lambda) * (s2 + lambda))
            }
            return s
        }
        let full = predicted(floor)
        let outputNorm = Vector.norm2(Vector.add(state.residual, evaluator.problem.leastSquaresTarget ?? []))
        if let done = tolerances.leastSquaresTest(fullReduction: full, loss: r2,
                                                  residualNorm: state.residualNorm, outputNorm: outputNorm) {
            throw StepFailure(done)
        }
        // What is left of the residual in directions J resolves (singular values above κ σ₀): when
        // nothing, the rest lies where the floor deliberately damps, and further steps would only
        // creep into the directions the problem cannot determine.
        var resolvable = 0.0
        for i in 0..<rank { resolvable += c[i] * c[i] }
        if rank < sigma.count && resolvable <= tolerances.loss * r2 {
            throw StepFailure(.convergedByMethod("the residual left lies in directions J damps below relativeTruncation \(relativeTruncation) of its largest singular value"))
        }
        let (x, residual) = (state.x, state.residual)
        return try dampedSteps(&state, full: full, region: region, evaluator: &evaluator,
                               linearResidual: { step throws(StepFailure) in try linearResidual(jacobian, residual, step) }) { target, rho throws(StepFailure) in
            // The predicted reduction falls from `full` at the floor to 0: bisection on log λ.
            var lambda = floor
            if full - target > 1e-3 * rho * rho * full {
                var low = _log10(Swift.max(floor, 1e-300)), high = low
                repeat { high += 1 } while predicted(_pow(10, high)) > target && high < 300
                for _ in 0..<100 {
                    let mid = 0.5 * (low + high)
                    if predicted(_pow(10, mid)) > target { low = mid } else { high = mid }
                    if high - low < 1e-12 { break }
                }
                lambda = _pow(10, 0.5 * (low + high))
            }
            var coefficients = [Double](repeating: 0, count: sigma.count)
            for i in sigma.indices where sigma[i] > 0 { coefficients[i] = -c[i] * sigma[i] / (sigma[i] * sigma[i] + lambda) }
            let p: [Double]
            do throws(LinearAlgebraError) { p = try svd.v(coefficients) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
            var step = [Double](repeating: 0, count: x.count)
            for (k, i) in free.enumerated() { step[i] = p[k] }
            return (step, lambda, predicted(lambda), .svd(rank: rank, count: sigma.count))
        }
    }

    /// One step of Hanke's regularizing method with a banded J: the damped steps
    /// `p(λ) = -(JᵀJ + λI)⁻¹ Jᵀr` from banded Cholesky factorizations of the normal equations
    /// (``BandedNormalEquations``: O(n b²) per λ), λ found by a safeguarded Newton iteration to
    /// within 10% of the target reduction. When `JᵀJ` is too ill-conditioned for the normal
    /// equations, the step is the dense one (SVD of the expanded J).
    private func bandedDiscrepancyStep(
        _ state: inout State, jacobian band: BandedMatrix, free: [Int], region: TrustRegion, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        guard var equations = BandedNormalEquations.make(jacobian: band, residual: state.residual, free: free,
                                                          storage: state.bandedStorage) else {
            try BandedNormalEquations.requireDenseFallback(columns: band.columns)
            let dense = band.dense
            return try discrepancyStep(&state, jacobian: dense, jFree: free.count == state.x.count ? dense : dense.selectingColumns(free),
                                       free: free, region: region, evaluator: &evaluator)
        }
        defer { state.bandedStorage = equations.storage }
        let r2 = state.residualNorm * state.residualNorm
        let full = equations.full.decrease
        let outputNorm = Vector.norm2(Vector.add(state.residual, evaluator.problem.leastSquaresTarget ?? []))
        if let done = tolerances.leastSquaresTest(fullReduction: full, loss: r2,
                                                  residualNorm: state.residualNorm, outputNorm: outputNorm) {
            throw StepFailure(done)
        }
        let residual = state.residual
        var guess = state.damping
        return try dampedSteps(&state, full: full, region: region, evaluator: &evaluator,
                               linearResidual: { step throws(StepFailure) in try linearResidual(band, residual, step) }) { target, _ throws(StepFailure) in
            guard let (p, lambda, predicted) = equations.step(forDecrease: target, guess: guess) else {
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: band.columns)))
            }
            guess = lambda
            return (p, lambda, predicted, lambda > 0 ? .shiftedCholesky(shift: lambda) : .cholesky)
        }
    }

    /// The trials of one step on the reduction: for ρ, the damped step `p` (every variable; 0 where
    /// held) that `step(target, ρ)` gives for the target `(1 - ρ²) full`, with its damping λ and
    /// predicted reduction and its solve, projected onto the box (the prediction then `|r|² - linearResidual(s)`
    /// for the step s taken); accepted on the ratio of actual to predicted reduction, else ρ grows.
    private func dampedSteps(
        _ state: inout State, full: Double, region: TrustRegion, evaluator: inout ProblemEvaluator,
        linearResidual: (_ step: [Double]) throws(StepFailure) -> Double,
        step: (_ target: Double, _ rho: Double) throws(StepFailure) -> (p: [Double], lambda: Double, predicted: Double, solve: LinearSolve)
    ) throws(StepFailure) -> StepOutcome {
        let r2 = state.residualNorm * state.residualNorm
        var rho = state.discrepancy ?? region.initialRatio
        var report = StepReport()
        while true {
            try evaluator.checkDeadline()
            let (p, lambda, predicted, solve) = try step((1 - rho * rho) * full, rho)
            report.solve = solve
            var trial = state.x
            for i in trial.indices { trial[i] += p[i] }
            trial = state.box.project(trial)
            let taken = Vector.subtract(trial, state.x)
            let (rTrial, lossTrial) = evaluator.residual(at: trial)
            report.trials += 1
            let predictedNow = state.box.isUnbounded ? predicted : r2 - (try linearResidual(taken))
            let quality = lossTrial.isFinite && predictedNow > 0 ? (r2 - lossTrial) / predictedNow : -Double.infinity
            if quality > region.acceptanceRatio && lossTrial < r2 {
                state.discrepancy = region.updatedDiscrepancy(rho, quality: quality)
                state.damping = lambda
                report.discrepancy = state.discrepancy
                report.damping = lambda
                let termination = tolerances.acceptedStepTest(from: state.x, to: trial, before: r2, after: lossTrial,
                                                              full: true)
                state.x = trial
                state.residual = rTrial
                state.residualNorm = lossTrial.squareRoot()
                return StepOutcome(x: trial, loss: lossTrial, report: report, termination: termination)
            }
            report.rejected += 1
            rho = region.discrepancyAfterRejection(rho)
            state.discrepancy = rho
            if rho >= 1 - 1e-9 || report.rejected >= region.maximumRejections {
                let level = evaluator.lossRoundingLevel(at: state.x)
                if predictedNow <= level || lossTrial.isFinite && Swift.abs(r2 - lossTrial) <= level {
                    throw StepFailure(.convergedByMethod("the loss is at its rounding level (no reduction above it possible)"))
                }
                throw StepFailure(.stalled("\(report.rejected) damped steps rejected; discrepancy ratio \(OptimizationResult.short(rho))"))
            }
        }
    }

    /// One step of Moré's trust region on `‖D p‖` (MINPACK `lmder`).
    private func radiusStep<Model: RadiusModel>(
        _ state: inout State, _ model: inout Model, region: TrustRegion, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        let eps = Double.ulpOfOne
        let fnorm = state.residualNorm
        let bounded = !state.box.isUnbounded
        var report = StepReport()
        while true {
            try evaluator.checkDeadline()
            var par = state.damping
            let p = try model.parameter(delta: state.radius, par: &par)
            state.damping = par
            report.solve = model.solveKind(par: par)
            let trial = trialPoint(state, free: model.free, p)
            let step = Vector.subtract(trial, state.x)
            let pnorm = Vector.norm2(zip(state.diag, step).map { $0 * $1 })
            if !state.hasTakenStep { state.radius = Swift.min(state.radius, pnorm) }
            let (rTrial, lossTrial) = evaluator.residual(at: trial)
            report.trials += 1
            let fnorm1 = lossTrial.isFinite ? lossTrial.squareRoot() : .infinity
            let actred = 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) * (fnorm1 / fnorm) : -1
            let prered: Double, dirder: Double
            if bounded {
                // The linear model's relative reduction for the projected step: 1 - ‖J s + r‖² / ‖r‖².
                let linear = try model.jacobianTimes(step, adding: state.residual)
                prered = fnorm == 0 ? 0 : 1 - Vector.dot(linear, linear) / (fnorm * fnorm)
                dirder = -prered
            } else {
                // MINPACK's form, from ‖J p‖ and the damping term.
                let js = try model.jacobianTimes(step, adding: [Double](repeating: 0, count: state.residual.count))
                let t1 = Vector.norm2(js) / fnorm
                let t2 = par.squareRoot() * pnorm / fnorm
                prered = t1 * t1 + t2 * t2 / 0.5
                dirder = -(t1 * t1 + t2 * t2)
            }
            // With bounds the projected step can make the linear model's residual larger than
            // |r| (prered < 0, e.g. when the free variables' step is clipped): it is then no
            // reduction to compare with, and a rise of the loss (actred < 0) over a predicted rise
            // would give a positive ratio and be accepted. Such a step is rejected, as one that
            // predicts no reduction. (MINPACK's prered is never negative: no change without bounds.)
            let ratio = prered > 0 ? actred / prered : 0
            if ratio <= 0.25 {
                var t = actred >= 0 ? 0.5 : 0.5 * dirder / (dirder + 0.5 * actred)
                // MINPACK's t is in (0, 0.5] (dirder < 0); with dirder = -prered > 0 it need not
                // be, and a rejection must not grow the radius.
                if 0.1 * fnorm1 >= fnorm || !(t >= 0.1) { t = 0.1 }
                t = Swift.min(t, 0.5)
                state.radius = t * Swift.min(state.radius, pnorm / 0.1)
                state.damping = par / t
            } else if par == 0 || ratio >= 0.75 {
                state.radius = pnorm / 0.5
                state.damping = 0.5 * par
            }
            let accepted = ratio >= 1e-4 && lossTrial.isFinite
            let xnorm = Vector.norm2(zip(state.diag, accepted ? trial : state.x).map { $0 * $1 })
            if !accepted { report.rejected += 1 }
            var termination: TerminationReason? = nil
            if Swift.abs(actred) <= tolerances.loss && prered >= 0 && prered <= tolerances.loss && 0.5 * ratio <= 1 {
                termination = .convergedByMethod("relative reductions of |r|^2 (actual \(OptimizationResult.short(actred)), predicted \(OptimizationResult.short(prered))) <= ftol \(tolerances.loss)")
            } else if state.radius <= tolerances.step * xnorm {
                termination = .convergedByMethod("trust radius \(OptimizationResult.short(state.radius)) <= xtol |D x|")
            } else if Swift.abs(actred) <= eps && prered >= 0 && prered <= eps && 0.5 * ratio <= 1 || state.radius <= eps * xnorm
                        || model.gnorm <= eps && !bounded {
                termination = .convergedByMethod("the loss is at its rounding level (no reduction above machine precision possible)")
            }
            report.radius = state.radius
            report.damping = par
            if accepted {
                state.x = trial
                state.residual = rTrial
                state.residualNorm = fnorm1
                state.hasTakenStep = true
                return StepOutcome(x: trial, loss: lossTrial, report: report, termination: termination)
            }
            if let termination { throw StepFailure(termination) }
            if report.rejected >= region.maximumRejections {
                throw StepFailure(.stalled("\(report.rejected) damped steps rejected; radius \(OptimizationResult.short(state.radius))"))
            }
        }
    }
}

/// The damped linear least-squares model of one Levenberg-Marquardt step, in the free variables.
struct DampedModel {
    let free: [Int]
    /// The full k × n Jacobian (for J s on the step actually taken).
    let jacobian: Matrix
    var sub: DampedSubproblem
    /// The first m entries of Qᵀr, and the squared norm of the rest (what no step can reduce).
    let qtf: [Double]
    let tail: Double
    /// The damping's scaling D (free variables).
    let diag: [Double]
    /// The least damping allowed.
    let floor: Double
    let gnorm: Double
    let rank: Int

    /// p(λ) = argmin ‖J p - r‖² + λ ‖D p‖² (the method's step is -p).
    mutating func solve(lambda: Double) -> [Double] {
        let root = Swift.max(lambda, 0).squareRoot()
        return sub.solveDamped(diag.map { root * $0 }, qtf)
    }

    /// ‖J p - r‖² = ‖Qᵀr[0..<m] - R Pᵀp‖² + tail.
    func linearResidual(_ p: [Double]) -> Double {
        let m = qtf.count
        var s = tail
        for i in 0..<m {
            var v = qtf[i]
            for j in i..<m { v -= sub.r[i + j * m] * p[sub.permutation[j]] }
            s += v * v
        }
        return s
    }
}
