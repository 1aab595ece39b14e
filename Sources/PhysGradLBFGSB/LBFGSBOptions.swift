/// Settings of an L-BFGS-B run, with SciPy's names and defaults
/// (`scipy.optimize.minimize(method="L-BFGS-B")` and `fmin_l_bfgs_b`).
///
/// The run stops at the first of
/// - `max_i |P(x - g)_i - x_i| <= pgtol` (projected-gradient infinity norm; `P` projects onto the box),
/// - `(f_k - f_{k+1}) <= factr * eps * max(|f_k|, |f_{k+1}|, 1)` with `eps = 2^-52` (relative reduction),
/// - `maxiter` iterations, more than `maxfun` function evaluations (tested after each iteration, as SciPy
///   does, and before every evaluation inside a line search or a finite-difference gradient),
///   `timeLimit` seconds, or a callback asking to stop.
///
/// Sizes: a run's workspace takes ``LBFGSBSolver/workspaceBytes(dimension:maxcor:)``, about
/// `(16m + 69)n + 88m²` bytes for n variables and m = `maxcor`, and may not exceed `memoryLimit`;
/// n is at most ``LBFGSBSolver/maximumDimension``. `maxls` and `maxfun` allocate nothing (a line search
/// ends after `maxls` evaluations, and no evaluation starts once more than `maxfun` were made).
///
/// ``validate()`` checks every field and throws ``LBFGSBError/invalidOption(name:value:reason:)``.
public struct LBFGSBOptions: Sendable, Equatable {
    /// Number of correction pairs `m` kept in the limited-memory matrix (SciPy `maxcor`, `m`). Default 10.
    public var maxcor: Int = 10
    /// Relative-reduction factor: stop when the decrease is at most `factr * eps` relative (SciPy `factr`,
    /// default 1e7, i.e. `ftol = 1e7 * 2^-52 ≈ 2.22e-9`).
    public var factr: Double = 1e7
    /// Projected-gradient tolerance (SciPy `pgtol` / `gtol`). Default 1e-5.
    public var pgtol: Double = 1e-5
    /// Maximum number of iterations (accepted steps). Default 15000.
    public var maxiter: Int = 15_000
    /// Maximum number of function evaluations; finite-difference evaluations count. Default 15000.
    public var maxfun: Int = 15_000
    /// Maximum number of function evaluations in one line search. Default 20.
    public var maxls: Int = 20
    /// Absolute forward-difference step for value-only objectives (SciPy `eps` / `epsilon`). Default 1e-8.
    public var eps: Double = 1e-8
    /// Wall-clock limit in seconds since the run started, any t >= 0 (0: stop at the first test,
    /// +∞ or `nil` (default): no limit); tested after each iteration and, with finite-difference
    /// gradients, before every evaluation. PhysGrad's `RunOptions.timeLimit` has the same meaning
    /// and hands an inner L-BFGS-B solve what is left of it.
    public var timeLimit: Double? = nil
    /// What the result's ``LBFGSBResult/trace`` records. Default: nothing.
    public var trace: LBFGSBTraceLevel = .none
    /// The most memory a run's workspace may take, in bytes (``LBFGSBSolver/workspaceBytes(dimension:maxcor:)``);
    /// larger problems are refused with ``LBFGSBError/workspaceTooLarge(dimension:maxcor:bytes:limit:)``
    /// before anything is allocated. Default ``defaultMemoryLimit``.
    public var memoryLimit: Int = LBFGSBOptions.defaultMemoryLimit

    /// 8 GiB: n up to about 3.8e7 with the default `maxcor` of 10.
    public static let defaultMemoryLimit = 8 << 30

    /// SciPy's defaults.
    public init() {}

    /// Options with SciPy's defaults changed where given.
    public init(maxcor: Int = 10, factr: Double = 1e7, pgtol: Double = 1e-5, maxiter: Int = 15_000,
                maxfun: Int = 15_000, maxls: Int = 20, eps: Double = 1e-8, timeLimit: Double? = nil,
                trace: LBFGSBTraceLevel = .none, memoryLimit: Int = LBFGSBOptions.defaultMemoryLimit) {
        self.maxcor = maxcor
        self.factr = factr
        self.pgtol = pgtol
        self.maxiter = maxiter
        self.maxfun = maxfun
        self.maxls = maxls
        self.eps = eps
        self.timeLimit = timeLimit
        self.trace = trace
        self.memoryLimit = memoryLimit
    }

    /// The machine epsilon `2^-52` that `factr` multiplies.
    public static let machineEpsilon: Double = 0x1p-52

    /// `minimize`'s `ftol = factr * 2^-52`; setting it sets `factr = ftol / 2^-52`.
    public var ftol: Double {
        get { factr * Self.machineEpsilon }
        set { factr = newValue / Self.machineEpsilon }
    }

    /// `minimize`'s name for ``pgtol``.
    public var gtol: Double {
        get { pgtol }
        set { pgtol = newValue }
    }

    /// `fmin_l_bfgs_b`'s name for ``maxcor``.
    public var m: Int {
        get { maxcor }
        set { maxcor = newValue }
    }

    /// Throws ``LBFGSBError/invalidOption(name:value:reason:)`` for the first invalid field:
    /// `maxcor >= 1`, `factr >= 0` and finite, `pgtol >= 0` and finite, `maxiter >= 1`, `maxfun >= 1`,
    /// `maxls >= 1`, `eps > 0` and finite, `timeLimit >= 0` when given (not NaN), `memoryLimit >= 0`.
    public func validate() throws(LBFGSBError) {
        if maxcor < 1 { throw .invalidOption(name: "maxcor", value: "\(maxcor)", reason: "must be at least 1") }
        if !(factr >= 0) || !factr.isFinite {
            throw .invalidOption(name: "factr", value: "\(factr)", reason: "must be finite and >= 0")
        }
        if !(pgtol >= 0) || !pgtol.isFinite {
            throw .invalidOption(name: "pgtol", value: "\(pgtol)", reason: "must be finite and >= 0")
        }
        if maxiter < 1 { throw .invalidOption(name: "maxiter", value: "\(maxiter)", reason: "must be at least 1") }
        if maxfun < 1 { throw .invalidOption(name: "maxfun", value: "\(maxfun)", reason: "must be at least 1") }
        if maxls < 1 { throw .invalidOption(name: "maxls", value: "\(maxls)", reason: "must be at least 1") }
        if !(eps > 0) || !eps.isFinite {
            throw .invalidOption(name: "eps", value: "\(eps)", reason: "must be finite and > 0")
        }
        if let t = timeLimit, !(t >= 0) {
            throw .invalidOption(name: "timeLimit", value: "\(t)", reason: "must be >= 0 seconds")
        }
        if memoryLimit < 0 {
            throw .invalidOption(name: "memoryLimit", value: "\(memoryLimit)", reason: "must be >= 0 bytes")
        }
    }
}

/// How much of the run ``LBFGSBResult/trace`` keeps (the first two levels of PhysGrad's
/// `TracePolicy`, which adds x and y(x) for runs through a model).
public enum LBFGSBTraceLevel: Sendable, Equatable {
    /// No trace (no allocation during the run).
    case none
    /// One ``LBFGSBIterationRecord`` (scalars only) per iteration.
    case scalars
}
