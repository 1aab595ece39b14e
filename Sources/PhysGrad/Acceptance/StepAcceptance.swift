/// How a method turns what it proposes into the step it takes.
///
/// A method proposes a direction `d` from `x` (GD: `-∇L`; Newton: `-H⁻¹∇L`; Gauss-Newton: `-J⁺r`;
/// PG: `y⁻¹(y') - x`; ...) or a local model of the loss (Newton's quadratic
/// `m(p) = L + gᵀp + ½ pᵀHp`). The acceptance policy decides how far to go and whether the
/// result is good enough:
///
/// - ``fixed``: `x + η d`, whatever it does to the loss (the book's GD, Newton, PG, IG and HIG
///   rules): no extra evaluation, no guarantee.
/// - ``backtracking(c1:maximumTrials:)``: start at `α = η` and shrink until the Armijo condition
///   `L(x + α d) <= L(x) + c₁ α ∇L·d` holds (safeguarded interpolation; `PhysGradLineSearch`'s
///   `Backtracking`). One loss value per trial.
/// - ``strongWolfe(c1:c2:maximumEvaluations:)``: the More-Thuente search (the one L-BFGS-B uses,
///   `PhysGradLineSearch`'s `MoreThuente`) for a step with sufficient decrease and
///   `|∇L(x + α d)·d| <= c₂ |∇L(x)·d|`. One loss and gradient per trial.
/// - ``trustRegion(_:)``: for methods with a local model: minimize the model within a radius Δ,
///   accept the step when the ratio `ρ = (L(x) - L(x + p)) / (m(0) - m(p))` of actual to
///   predicted reduction exceeds ``TrustRegion/acceptanceRatio``, and grow or shrink Δ from ρ.
///   The radius lives in the method's state from step to step.
///
/// Under every policy but ``fixed`` the loss never rises from accepted step to accepted step.
/// Which policies a method offers is listed with it; asking for another is a
/// ``PhysGradError/invalidParameter(name:value:reason:)`` before the run starts.
public enum StepAcceptance: Sendable, Hashable {
    case fixed
    case backtracking(c1: Double = 1e-4, maximumTrials: Int = 40)
    case strongWolfe(c1: Double = 1e-4, c2: Double = 0.9, maximumEvaluations: Int = 20)
    case trustRegion(TrustRegion = TrustRegion())

    /// A short name: "fixed", "backtracking", "strong-wolfe", "trust-region".
    public var name: String {
        switch self {
        case .fixed: return "fixed"
        case .backtracking: return "backtracking"
        case .strongWolfe: return "strong-wolfe"
        case .trustRegion: return "trust-region"
        }
    }

    /// `true` unless the policy is ``fixed``: the loss cannot rise from one accepted step to the next.
    public var isMonotone: Bool { self != .fixed }

    /// Checks the parameters.
    func validate(for method: String) throws(PhysGradError) {
        func bad(_ name: String, _ value: Any, _ reason: String) -> PhysGradError {
            .invalidParameter(name: "\(name) of \(method)'s \(self.name) acceptance", value: "\(value)", reason: reason)
        }
        switch self {
        case .fixed:
            break
        case .backtracking(let c1, let trials):
            if !(c1 > 0 && c1 < 1) { throw bad("c1", c1, "must be in (0, 1)") }
            if !(1...1000).contains(trials) { throw bad("maximumTrials", trials, "must be in 1...1000") }
        case .strongWolfe(let c1, let c2, let evaluations):
            if !(c1 > 0 && c1 < 1) { throw bad("c1", c1, "must be in (0, 1)") }
            if !(c2 > c1 && c2 < 1) { throw bad("c2", c2, "must be in (c1, 1)") }
            if !(1...1000).contains(evaluations) { throw bad("maximumEvaluations", evaluations, "must be in 1...1000") }
        case .trustRegion(let t):
            try t.validate(for: method)
        }
    }

    /// Throws unless `self` is one of `allowed`.
    func require(oneOf allowed: [String], method: String) throws(PhysGradError) {
        if !allowed.contains(name) {
            throw .invalidParameter(name: "acceptance of \(method)", value: name,
                                    reason: "\(method) offers \(allowed.joined(separator: ", "))")
        }
        try validate(for: method)
    }
}

/// The parameters of a trust region: what bounds a step, where the bound starts, and the
/// ratio of actual to predicted reduction above which a step is accepted.
///
/// Two measures of a step's size:
///
/// - ``Measure/reduction`` (the default): the step may remove at most a fraction `1 - ρ²` of the
///   reduction its local model predicts for the best step it can take (Hanke's regularizing
///   Levenberg-Marquardt: the discrepancy principle). A large ρ asks the model for little: only
///   the directions the model is sure of move, and directions in which the problem is ill-posed
///   (the model Jacobian damps them by 1e-10 or more) do not pick up amplified rounding or model
///   error. After each accepted step with ratio q of actual to predicted reduction, ρ changes
///   as ``ratioUpdate`` says; a rejected step retries with √ρ. On well-posed problems ρ falls to ``minimumRatio`` within a few steps and
///   the method converges about as fast as without the bound; on ill-posed ones (a diffusion run
///   backwards) it still reaches the solution.
/// - ``Measure/length``: `‖p‖ <= Δ` (Moré & Sorensen; SciPy's `trust-exact`, MINPACK's `lmder`):
///   ρ < 1/4 shrinks Δ to `‖p‖/4`; ρ > 3/4 with `p` on the boundary doubles it (up to
///   ``maximumRadius``).
///
/// Either way a step is accepted when its ratio exceeds ``acceptanceRatio`` (so the loss
/// decreases), and otherwise rejected and the model solved again with a tighter bound, without
/// new derivatives. The ratio ρ or radius Δ lives in the method's state from step to step.
public struct TrustRegion: Sendable, Hashable {
    /// What bounds a step.
    public enum Measure: Sendable, Hashable {
        /// The fraction of the model's best reduction a step may ask for (regularizing).
        case reduction
        /// The step's length (classical).
        case length
    }

    /// How ρ changes after an accepted step whose actual reduction was q times the predicted one
    /// (``Measure/reduction``).
    public enum RatioUpdate: Sendable, Hashable {
        /// ρ^``growthExponent`` (at least ``minimumRatio``) when q > ``goodRatio``, √ρ (at most
        /// ``initialRatio``) when q < 0.5, else unchanged: each good step raises ρ to a power,
        /// asking the next step for far more of the model's reduction.
        case stepwise
        /// ρ · max(1/3, 1 - (2q - 1)³), within [``minimumRatio``, ``initialRatio``]: Nielsen's
        /// continuous update of a Levenberg-Marquardt damping, applied to ρ (for the step
        /// `-(H + λI)⁻¹g` and λ small against a direction's curvature μ, that direction keeps a
        /// fraction λ/μ of its model reduction unrealized, so ρ scales like λ). ρ falls at most
        /// threefold per step (when q >= 0.94), stays put at q = 1/2 and grows up to twofold as
        /// q falls to 0: one good step does not make the next ask for a far longer one.
        case continuous
    }

    /// What bounds a step: its share of the model's reduction, or its length.
    public var measure: Measure
    /// Δ₀ (``Measure/length``); `nil` chooses it from the first model (the length of the first
    /// full step, within [1e-3, ``maximumRadius``]).
    public var initialRadius: Double?
    /// The largest Δ (``Measure/length``).
    public var maximumRadius: Double
    /// ρ₀ (``Measure/reduction``), in (0, 1): the first step removes at most 1 - ρ₀² of the
    /// reduction the model predicts.
    public var initialRatio: Double
    /// The smallest ρ (``Measure/reduction``), in (0, ``initialRatio``].
    public var minimumRatio: Double
    /// The ratio of actual to predicted reduction above which ρ shrinks (``Measure/reduction``
    /// with ``RatioUpdate/stepwise``), in [0.5, 1).
    public var goodRatio: Double
    /// After a good step ρ becomes ρ to this power (``Measure/reduction`` with
    /// ``RatioUpdate/stepwise``), > 1.
    public var growthExponent: Double
    /// How ρ changes after an accepted step (``Measure/reduction``).
    public var ratioUpdate: RatioUpdate
    /// The smallest ratio of actual to predicted reduction at which a step is accepted, in [0, 1/4).
    public var acceptanceRatio: Double
    /// How many trial steps one step may reject before the run ends.
    public var maximumRejections: Int

    /// A trust region with these settings (the defaults regularize by the reduction).
    public init(measure: Measure = .reduction, initialRadius: Double? = nil, maximumRadius: Double = 1e10,
                initialRatio: Double = 0.5, minimumRatio: Double = 1e-6, goodRatio: Double = 0.75, growthExponent: Double = 4,
                acceptanceRatio: Double = 1e-4, maximumRejections: Int = 60, ratioUpdate: RatioUpdate = .stepwise) {
        self.measure = measure
        self.initialRadius = initialRadius
        self.maximumRadius = maximumRadius
        self.initialRatio = initialRatio
        self.minimumRatio = minimumRatio
        self.goodRatio = goodRatio
        self.growthExponent = growthExponent
        self.ratioUpdate = ratioUpdate
        self.acceptanceRatio = acceptanceRatio
        self.maximumRejections = maximumRejections
    }

    /// The reduction measure as Newton uses it by default: the first step may leave ρ₀² = 1/64
    /// of the model's reduction, and ρ then follows the ratio continuously
    /// (``RatioUpdate/continuous``: at most a threefold fall per step, at most 1/8 after a poor
    /// step). Newton's model carries the Hessian's own second-order terms, which mislead on
    /// ill-posed problems and far from the solution sooner than a Gauss-Newton model does; a
    /// stepwise rule that squares ρ after each good step alternates there between steps that ask
    /// too much (rejected, or followed by poor ones) and steps that ask too little, while the
    /// continuous rule's slower fall keeps the directions an ill-posed problem barely sees as
    /// still as the stepwise rule from ρ₀ = 1/2 does.
    public static let newton = TrustRegion(initialRatio: 0.125, ratioUpdate: .continuous)

    /// A classical trust region on the step length.
    public static func length(initialRadius: Double? = nil, maximumRadius: Double = 1e10) -> TrustRegion {
        TrustRegion(measure: .length, initialRadius: initialRadius, maximumRadius: maximumRadius)
    }

    func validate(for method: String) throws(PhysGradError) {
        func bad(_ name: String, _ value: Any, _ reason: String) -> PhysGradError {
            .invalidParameter(name: "\(name) of \(method)'s trust region", value: "\(value)", reason: reason)
        }
        if let r = initialRadius, !(r.isFinite && r > 0) { throw bad("initialRadius", r, "must be finite and positive") }
        if !(maximumRadius > 0) || maximumRadius.isNaN { throw bad("maximumRadius", maximumRadius, "must be positive") }
        if let r = initialRadius, r > maximumRadius { throw bad("initialRadius", r, "must not exceed maximumRadius \(maximumRadius)") }
        if !(initialRatio > 0 && initialRatio < 1) { throw bad("initialRatio", initialRatio, "must be in (0, 1)") }
        if !(minimumRatio > 0 && minimumRatio <= initialRatio) {
            throw bad("minimumRatio", minimumRatio, "must be in (0, initialRatio]")
        }
        if !(goodRatio >= 0.5 && goodRatio < 1) { throw bad("goodRatio", goodRatio, "must be in [0.5, 1)") }
        if !(growthExponent > 1 && growthExponent <= 64) { throw bad("growthExponent", growthExponent, "must be in (1, 64]") }
        if !(acceptanceRatio >= 0 && acceptanceRatio < 0.25) { throw bad("acceptanceRatio", acceptanceRatio, "must be in [0, 0.25)") }
        if !(1...10_000).contains(maximumRejections) { throw bad("maximumRejections", maximumRejections, "must be in 1...10000") }
    }

    /// The radius after a trial step of length `stepNorm` with ratio `quality` inside radius `radius`.
    func updatedRadius(_ radius: Double, quality: Double, stepNorm: Double) -> Double {
        if !(quality >= 0.25) { return 0.25 * Swift.min(radius, stepNorm) }
        if quality > 0.75 && stepNorm >= 0.99 * radius { return Swift.min(2 * radius, maximumRadius) }
        return radius
    }

    /// ρ after an accepted step whose actual reduction was `quality` times the predicted one.
    func updatedDiscrepancy(_ rho: Double, quality: Double) -> Double {
        if ratioUpdate == .continuous {
            let s = 2 * quality - 1
            let factor = quality.isFinite ? Swift.max(1.0 / 3, 1 - s * s * s) : 1
            return Swift.min(initialRatio, Swift.max(minimumRatio, rho * factor))
        }
        if quality > goodRatio { return Swift.max(minimumRatio, _pow(rho, growthExponent)) }
        if quality < 0.5 { return Swift.min(initialRatio, rho.squareRoot()) }
        return rho
    }

    /// ρ after a rejected step: ask for less.
    func discrepancyAfterRejection(_ rho: Double) -> Double { rho.squareRoot() }
}
