import PhysGradLinearAlgebra

/// Newton's method on L(y(x)), with H = ∇²ₓL and g = ∇ₓL.
///
/// By default (`Newton()`) a trust-region method a library user can trust on problems whose
/// Hessian is indefinite or nearly singular away from the solution: each step is
/// `p = -(H + λI)⁻¹g` for a shift λ that makes `H + λI` positive definite (Cholesky; indefinite
/// and singular H need no fallback) and bounds what p asks of the model `m(p) = gᵀp + ½ pᵀHp`:
/// p removes at most `1 - ρ²` of the reduction of the full Newton step (of the loss itself when
/// H is not positive definite), with ρ starting at 1/8 and following the ratio q of actual to
/// predicted reduction continuously (``TrustRegion/newton``: at most a threefold fall per
/// step). A step is accepted when the loss falls (q > 10⁻⁴) and otherwise retried with √ρ on
/// the same H; the loss never rises from step to step. With `.trustRegion(.length())` the
/// bound is the step's length instead (Moré-Sorensen, the algorithm of SciPy's
/// `minimize(method="trust-exact")`).
///
/// With a line-search acceptance (``StepAcceptance/fixed``, ``StepAcceptance/backtracking(c1:maximumTrials:)``,
/// ``StepAcceptance/strongWolfe(c1:c2:maximumEvaluations:)``) it is the classical damped method
/// `x_{k+1} = x_k - α H̃⁻¹ g` from `α = η`, where ``HessianPolicy`` says what `H̃` is when H is
/// not positive definite. The chapter's Newton is `Newton(eta: 1/3, policy: .exact, acceptance: .fixed)`.
///
/// The Hessian comes in the problem's declared structure (dense; a diagonal: O(n) steps; a band of
/// width b: `2b + 1` compressed Hessian-vector products and banded Cholesky factorizations,
/// O(n b²) per factorization).
/// Offers ``StepAcceptance/trustRegion(_:)`` (default), `.fixed`, `.backtracking`, `.strongWolfe`.
public struct Newton: SteppingOptimizer {
    /// The first step length tried by a line search, or the step of a fixed one (ignored by the
    /// trust region).
    public var eta: Double
    /// What a line-search step does when H is not positive definite or nearly singular. With the
    /// trust region, ``HessianPolicy/regularize(initialShift:minimumReciprocalCondition:)``'s κ
    /// keeps every system well conditioned (`H + (κ‖H‖₁ + λ)I` when H itself is not positive
    /// definite with reciprocal condition number κ); the other policies let λ go to 0.
    public var policy: HessianPolicy
    public var acceptance: StepAcceptance
    public var tolerances: ConvergenceTolerances
    public var name: String { "newton" }
    public var stepSize: Double? {
        if case .trustRegion = acceptance { return nil }
        return eta
    }

    public init(eta: Double = 1, policy: HessianPolicy = .regularize(), acceptance: StepAcceptance = .trustRegion(.newton),
                tolerances: ConvergenceTolerances = ConvergenceTolerances()) {
        self.eta = eta
        self.policy = policy
        self.acceptance = acceptance
        self.tolerances = tolerances
    }

    public struct State: Sendable {
        public var x: [Double]
        var gradient: [Double]
        var workspace = NewtonWorkspace()
        /// The trust radius Δ (trust region on the length; set at the first step).
        public internal(set) var radius: Double?
        /// The discrepancy ratio ρ (trust region on the reduction; set at the first step).
        public internal(set) var discrepancy: Double?
        /// The last shift λ, a first guess for the next step's.
        var lambda = 0.0
    }

    public func validate() throws(PhysGradError) {
        if !(eta.isFinite && eta > 0) {
            throw .invalidParameter(name: "step size of newton", value: "\(eta)", reason: "must be finite and positive")
        }
        try policy.validate()
        try acceptance.require(oneOf: ["trust-region", "fixed", "backtracking", "strong-wolfe"], method: name)
        try tolerances.validate(for: name)
    }

    /// A dense Hessian, its factor and a copy for shifts: 3 n² doubles (a declared diagonal: O(n);
    /// a declared band of width b: its compressed products, the band and its factor, 4 (b + 1) n).
    public func workingMemory(for problem: InverseProblem) -> Int {
        let n = problem.dimension
        switch problem.objectiveHessianStructure {
        case .diagonal:
            return MemorySize.vectors(12, of: n)
        case .banded(let b):
            return MemorySize.sum(MemorySize.matrices(4, rows: Swift.max(b, 0) + 1, columns: n), MemorySize.vectors(12, of: n))
        case .dense:
            return MemorySize.sum(MemorySize.matrices(3, rows: n, columns: n), MemorySize.vectors(12, of: n))
        }
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, gradient: [Double](repeating: 0, count: x.count))
    }

    public func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        let loss = evaluator.lossAndGradient(at: state.x, gradient: &state.gradient)
        try requireFinite(state.gradient, "gradient")
        return try tolerances.stepping(from: state.gradient) { () throws(StepFailure) -> StepOutcome in
            try step(&state, loss: loss, evaluator: &evaluator)
        }
    }

    /// The step from the state's point, whose loss and gradient are known.
    private func step(_ state: inout State, loss: Double, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        try evaluator.checkDeadline()
        if case .trustRegion(let region) = acceptance {
            return try trustRegionStep(&state, loss: loss, region: region, evaluator: &evaluator)
        }
        var report = StepReport()
        let direction: [Double]
        if evaluator.problem.objectiveHessianStructure == .dense {
            // Hessian and factor rewritten in place: no n² allocation per step.
            try evaluator.objectiveHessian(at: state.x, into: &state.workspace.hessian)
            direction = try newtonDirection(&state.workspace, state.gradient, policy: policy, report: &report)
        } else {
            direction = try newtonDirection(try evaluator.objectiveHessian(at: state.x), state.gradient, policy: policy,
                                            report: &report)
        }
        // direction solves H̃ s = g; the step is -α s.
        let d = direction.map { -$0 }
        let slope = Vector.dot(state.gradient, d)
        let accepted = try evaluator.acceptAlong(d, from: state.x, loss: loss, slope: slope, initialStep: eta,
                                                 acceptance: acceptance, report: &report)
        var termination: TerminationReason? = nil
        if let after = accepted.loss, acceptance != .fixed {
            termination = tolerances.acceptedStepTest(from: state.x, to: accepted.x, before: loss, after: after,
                                                          full: !report.wasShortened)
        }
        state.x = accepted.x
        return StepOutcome(x: state.x, loss: accepted.loss, report: report, termination: termination)
    }

    /// One trust-region step: the subproblem is solved for the current radius, and again for a
    /// smaller one after each rejection, on the same g and H.
    private func trustRegionStep(
        _ state: inout State, loss: Double, region: TrustRegion, evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome {
        var system: ShiftedSymmetricSystem
        if evaluator.problem.objectiveHessianStructure == .dense {
            try evaluator.objectiveHessian(at: state.x, into: &state.workspace.hessian)
            system = ShiftedSymmetricSystem(dense: state.workspace.hessian, reusing: state.workspace.cholesky.take())
        } else {
            switch try evaluator.objectiveHessian(at: state.x) {
            case .diagonal(let d): system = ShiftedSymmetricSystem(diagonal: d)
            case .dense(let h): system = ShiftedSymmetricSystem(dense: h)
            case .banded(let b): system = ShiftedSymmetricSystem(banded: b, reusing: state.workspace.bandedCholesky)
            }
        }
        guard system.isFinite else { throw StepFailure(.nonFiniteValue("Hessian")) }
        // Keep the systems well conditioned: when H is not positive definite with a reciprocal
        // condition number of at least κ, every system solved is H + (κ‖H‖ + λ)I.
        if case .regularize(_, let kappa) = policy, kappa > 0 {
            if !(system.factor(shift: 0) && system.reciprocalCondition() >= kappa) {
                system.baseShift = kappa * system.normOne
            }
        }
        defer {
            state.workspace.cholesky = system.takeStorage()
            if system.isBanded { state.workspace.bandedCholesky = system.bandedStorage }
        }
        if region.measure == .reduction {
            if let outcome = try reductionStep(&state, loss: loss, region: region, system: &system, evaluator: &evaluator) {
                return outcome
            }
        }
        var report = StepReport()
        var radius = state.radius ?? initialRadius(region, &system, state.gradient)
        while true {
            try evaluator.checkDeadline()
            var trial = solveTrustRegionSubproblem(&system, gradient: state.gradient, radius: radius)
            let stepNorm = Vector.norm2(trial.step)
            // The decrease the true model predicts (the subproblem's H carries the base shift).
            trial.predictedDecrease += 0.5 * system.baseShift * stepNorm * stepNorm
            trial.lambda += system.baseShift
            var x = state.x
            for i in x.indices { x[i] += trial.step[i] }
            let f = evaluator.loss(at: x)
            report.trials += 1
            let quality = f.isFinite && trial.predictedDecrease > 0 ? (loss - f) / trial.predictedDecrease : -Double.infinity
            let newRadius = region.updatedRadius(radius, quality: quality, stepNorm: stepNorm)
            if quality > region.acceptanceRatio && f < loss {
                state.radius = newRadius
                report.radius = newRadius
                report.damping = trial.lambda
                report.solve = solveKind(evaluator, trial.lambda)
                let termination = tolerances.acceptedStepTest(from: state.x, to: x, before: loss, after: f, full: !trial.onBoundary)
                state.x = x
                return StepOutcome(x: x, loss: f, report: report, termination: termination)
            }
            report.rejected += 1
            radius = newRadius
            state.radius = radius
            let tooSmall = radius <= Double.ulpOfOne * Swift.max(1, Vector.norm2(state.x))
            if tooSmall || report.rejected >= region.maximumRejections {
                throw endOfProgress(predicted: trial.predictedDecrease, loss: loss, trial: f, at: state.x, evaluator: &evaluator,
                                    what: "\(report.rejected) trust-region steps rejected; radius \(OptimizationResult.short(radius))")
            }
        }
    }

    private func solveKind(_ evaluator: ProblemEvaluator, _ lambda: Double) -> LinearSolve {
        if evaluator.problem.objectiveHessianStructure == .diagonal { return .diagonal(shift: lambda) }
        return lambda > 0 ? .shiftedCholesky(shift: lambda) : .cholesky
    }

    /// Ends a step that found no acceptable point: converged when the decrease the model predicts
    /// (or the change of the loss) is below the loss's rounding level, stalled otherwise.
    private func endOfProgress(
        predicted: Double, loss: Double, trial: Double, at x: [Double], evaluator: inout ProblemEvaluator, what: String
    ) -> StepFailure {
        let level = evaluator.lossRoundingLevel(at: x)
        if predicted > 0 && predicted <= level || trial.isFinite && Swift.abs(loss - trial) <= level {
            return StepFailure(.convergedByMethod(
                "the loss is at its rounding level (predicted decrease \(OptimizationResult.short(predicted)) <= \(OptimizationResult.short(level)))"))
        }
        return StepFailure(.stalled(what))
    }

    /// One step of the trust region on the reduction: the step removes 1 - ρ² of the decrease the
    /// model predicts for its best step (the full Newton step on the shifted H when that is
    /// positive definite; else of L itself, a sum of squares' floor being 0). Returns `nil` when
    /// neither reference exists (an indefinite H with L <= 0), for the caller to fall back on
    /// the trust region on the length.
    private func reductionStep(
        _ state: inout State, loss: Double, region: TrustRegion, system: inout ShiftedSymmetricSystem,
        evaluator: inout ProblemEvaluator
    ) throws(StepFailure) -> StepOutcome? {
        let g = state.gradient
        var full: (step: [Double], decrease: Double)? = nil
        if system.factor(shift: 0) {
            let p = system.solve(g).map { -$0 }
            let d = modelDecrease(&system, g, p)
            if d.isFinite && d > 0 { full = (p, d) }
        }
        let reference: Double
        if let full { reference = full.decrease } else if loss > 0 { reference = loss } else { return nil }
        var rho = state.discrepancy ?? region.initialRatio
        var report = StepReport()
        var lambdaGuess = state.lambda
        while true {
            try evaluator.checkDeadline()
            let target = (1 - rho * rho) * reference
            guard let (p, lambda) = shiftForDecrease(&system, g, target: target, reference: reference, full: full,
                                                     guess: lambdaGuess) else {
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: g.count)))
            }
            lambdaGuess = lambda
            let stepNorm = Vector.norm2(p)
            let predicted = modelDecrease(&system, g, p) + 0.5 * system.baseShift * stepNorm * stepNorm
            var x = state.x
            for i in x.indices { x[i] += p[i] }
            let f = evaluator.loss(at: x)
            report.trials += 1
            let quality = f.isFinite && predicted > 0 ? (loss - f) / predicted : -Double.infinity
            if quality > region.acceptanceRatio && f < loss {
                state.discrepancy = region.updatedDiscrepancy(rho, quality: quality)
                state.lambda = lambda
                report.discrepancy = state.discrepancy
                report.damping = lambda + system.baseShift
                report.solve = solveKind(evaluator, lambda + system.baseShift)
                let termination = tolerances.acceptedStepTest(from: state.x, to: x, before: loss, after: f, full: true)
                state.x = x
                return StepOutcome(x: x, loss: f, report: report, termination: termination)
            }
            report.rejected += 1
            rho = region.discrepancyAfterRejection(rho)
            state.discrepancy = rho
            if rho >= 1 - 1e-9 || report.rejected >= region.maximumRejections {
                throw endOfProgress(predicted: predicted, loss: loss, trial: f, at: state.x, evaluator: &evaluator,
                                    what: "\(report.rejected) trust-region steps rejected; discrepancy ratio \(OptimizationResult.short(rho))")
            }
        }
    }
    /// Δ₀: the given one, else the length of the Newton step when H is positive definite, else
    /// of the Cauchy step, within [1e-3, maximumRadius].
    private func initialRadius(_ region: TrustRegion, _ system: inout ShiftedSymmetricSystem, _ g: [Double]) -> Double {
        if let r = region.initialRadius { return r }
        var length: Double
        if system.factor(shift: 0) {
            length = Vector.norm2(system.solve(g))
        } else {
            let hg = system.multiply(g)
            let curvature = Vector.dot(g, hg)
            let gnorm = Vector.norm2(g)
            length = curvature > 0 ? gnorm * gnorm * gnorm / curvature : gnorm
        }
        if !length.isFinite { length = 1 }
        return Swift.min(Swift.max(length, 1e-3), region.maximumRadius)
    }
}

/// `-(gᵀp + ½ pᵀH̃p)`, the decrease the (shifted) model predicts for the step p.
func modelDecrease(_ system: inout ShiftedSymmetricSystem, _ g: [Double], _ p: [Double]) -> Double {
    let hp = system.multiply(p)
    return -(Vector.dot(g, p) + 0.5 * Vector.dot(p, hp))
}

/// `½ pᵀH̃p + λ‖p‖²`, the decrease the (shifted) model predicts for the step `p = -(H̃ + λI)⁻¹ g`
/// of the last factorization: `-(gᵀp + ½ pᵀH̃p)` without its cancellation.
func solvedStepDecrease(_ system: inout ShiftedSymmetricSystem, _ p: [Double], lambda: Double) -> Double {
    let hp = system.multiply(p)
    return 0.5 * Vector.dot(p, hp) + lambda * Vector.dot(p, p)
}

/// λ >= 0 whose step `p = -(H̃ + λI)⁻¹ g` the model credits with a decrease within 10% of
/// `target` (and of what it leaves of `reference`), found by a safeguarded Newton iteration inside
/// a bracket, with φ'(λ) = -λ ‖L⁻¹p‖²: on φ itself, or, when the full step is known, on the square
/// root of what p leaves of its decrease (which grows like λ² below H̃'s spectrum); returns the
/// step and λ, or `nil` if no shift makes H̃ + λI positive definite.
/// `full` is the step at λ = 0 when H̃ is positive definite.
func shiftForDecrease(
    _ system: inout ShiftedSymmetricSystem, _ g: [Double], target: Double, reference: Double,
    full: (step: [Double], decrease: Double)?, guess: Double
) -> (step: [Double], lambda: Double)? {
    if let full, full.decrease <= target * (1 + 1e-12) { return (full.step, 0) }
    // Within 10% of the target and of what the target leaves of the reference.
    let tolerance = 0.1 * Swift.max(Swift.min(target, reference - target), Double.ulpOfOne * reference)
    var low = 0.0           // φ(low) > target, or H̃ + low·I not positive definite
    var high = Double.infinity
    let gnorm = Vector.norm2(g)
    var lambda = guess > 0 ? guess : Swift.max(1e-12, gnorm * gnorm / Swift.max(target, Double.leastNormalMagnitude) * 1e-3)
    var best: (step: [Double], lambda: Double)? = nil
    for _ in 0..<100 {
        guard lambda.isFinite, lambda > 0 else { break }
        if !system.factor(shift: lambda) {
            low = Swift.max(low, lambda)
            lambda = high.isFinite ? (low * high).squareRoot() : 10 * lambda
            continue
        }
        var p = system.solve(g)
        for i in p.indices { p[i] = -p[i] }
        let phi = solvedStepDecrease(&system, p, lambda: lambda)
        if !phi.isFinite {
            low = Swift.max(low, lambda)
            lambda = high.isFinite ? (low * high).squareRoot() : 10 * lambda
            continue
        }
        if Swift.abs(phi - target) <= tolerance { return (p, lambda) }
        if phi > target { low = lambda } else { high = lambda; best = (p, lambda) }
        let qnorm = system.lowerSolveNorm(p)
        let slope = lambda * qnorm * qnorm  // -φ'(λ)
        var next = lambda + (phi - target) / slope
        if let full, full.decrease - phi > 0, full.decrease > target {
            // With H̃ positive definite: what the step leaves of the full step's decrease,
            // δ(λ) = φ(0) - φ(λ), grows like λ² while λ is below the spectrum, so Newton on √δ.
            // Safeguards that stay on the far side of the root: λ √(δ*/δ) from below (δ/λ² falls
            // with λ), and from above also λ φ/target (λ φ(λ) grows with λ; φ falls like 1/λ
            // above the spectrum).
            let deficit = full.decrease - phi, wanted = full.decrease - target
            let root = deficit.squareRoot()
            next = lambda - (root - wanted.squareRoot()) * 2 * root / slope
            if !(next.isFinite && next > low && next < high) {
                next = lambda * (wanted / deficit).squareRoot()
                if phi < target { next = Swift.min(next, lambda * phi / target) }
            }
        }
        if next.isFinite && next > low && next < high {
            lambda = next
        } else if high.isFinite {
            lambda = low > 0 ? (low * high).squareRoot() : 0.5 * high
        } else {
            lambda *= 10
        }
        if high.isFinite && high - low <= 1e-13 * high { break }
    }
    return best
}
