/// Backtracking to sufficient decrease (the Armijo condition) with safeguarded interpolation,
/// as a state machine driven by its caller.
///
/// For `φ(α) = f(x + α d)` with `φ'(0) < 0` it tries `α₀` (the step the method proposed) and
/// accepts the first trial with
///
///     φ(α) <= φ(0) + c₁ α φ'(0)                (sufficient decrease)
///
/// Each rejected trial shrinks the step to the minimizer of the quadratic through `φ(0)`,
/// `φ'(0)` and the last trial (a cubic through the last two once there are two), clamped to
/// `[ρ_lo α, ρ_hi α]` so that the step shrinks by at least `ρ_hi` and at most `ρ_lo` per trial
/// (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.5). A non-finite trial value fails
/// the test and shrinks the step by the midpoint of `[ρ_lo, ρ_hi]`, without interpolation.
public struct Backtracking: Sendable, Hashable {
    /// What the caller does next.
    public enum Status: Sendable, Hashable {
        /// Evaluate φ at the (updated) step and call ``next(f:stp:)`` again.
        case evaluate
        /// The step satisfies the sufficient-decrease condition.
        case converged
        /// The step fell below ``minimumStep`` without sufficient decrease.
        case stepTooSmall
        /// The input was invalid (`φ'(0)` not negative and finite, `φ(0)` not finite, a step that
        /// is not positive and finite, or parameters out of range: ``isValid`` is false).
        case error
    }

    /// The sufficient-decrease parameter `c₁` (0 < c₁ < 1).
    public let c1: Double
    /// The largest factor a rejected step is multiplied by (0 < ρ_lo <= ρ_hi < 1).
    public let shrinkHigh: Double
    /// The smallest factor a rejected step is multiplied by.
    public let shrinkLow: Double
    /// The smallest step tried before giving up, relative to the first step.
    public let minimumStep: Double

    private var f0 = 0.0, g0 = 0.0, first = 0.0
    private var previousStep = 0.0, previousValue = Double.nan

    /// A search with sufficient-decrease parameter `c1` and shrink factors in
    /// `[shrinkLow, shrinkHigh]`; it gives up below `minimumStep` times the first step.
    public init(c1: Double = 1e-4, shrinkLow: Double = 0.1, shrinkHigh: Double = 0.5, minimumStep: Double = 1e-12) {
        self.c1 = c1
        self.shrinkLow = shrinkLow
        self.shrinkHigh = shrinkHigh
        self.minimumStep = minimumStep
    }

    /// `true` when the parameters are in range: `0 < c1 < 1`, `0 < shrinkLow <= shrinkHigh < 1`,
    /// `0 < minimumStep < 1`.
    public var isValid: Bool {
        c1 > 0 && c1 < 1 && shrinkLow > 0 && shrinkLow <= shrinkHigh && shrinkHigh < 1
            && minimumStep > 0 && minimumStep < 1
    }

    /// Starts a search at `stp` from `φ(0) = f0`, `φ'(0) = g0`. Returns `.evaluate` or `.error`
    /// (see ``Status/error``).
    public mutating func start(f0: Double, g0: Double, stp: Double) -> Status {
        guard isValid, g0 < 0, g0.isFinite, f0.isFinite, stp > 0, stp.isFinite else { return .error }
        self.f0 = f0
        self.g0 = g0
        first = stp
        previousStep = 0
        previousValue = .nan
        return .evaluate
    }

    /// The sufficient-decrease bound `φ(0) + c₁ α φ'(0)` at step `stp`.
    public func bound(at stp: Double) -> Double { f0 + c1 * stp * g0 }

    /// Given `f = φ(stp)`, accepts the step or proposes a shorter one in `stp`.
    public mutating func next(f: Double, stp: inout Double) -> Status {
        if f.isFinite && f <= bound(at: stp) { return .converged }
        let current = stp
        var trial: Double
        if !f.isFinite {
            trial = 0.5 * (shrinkLow + shrinkHigh) * current
        } else if !previousValue.isFinite {
            // Minimizer of the quadratic q(α) = f0 + g0 α + a α² through (current, f).
            let a = (f - f0 - g0 * current) / (current * current)
            trial = a > 0 ? -g0 / (2 * a) : shrinkHigh * current
        } else {
            // Minimizer of the cubic through f0, g0 and the last two trials.
            let a1 = current, a0 = previousStep
            let r1 = f - f0 - g0 * a1, r0 = previousValue - f0 - g0 * a0
            let denominator = a0 * a0 * a1 * a1 * (a1 - a0)
            let a = (a0 * a0 * r1 - a1 * a1 * r0) / denominator
            let b = (-a0 * a0 * a0 * r1 + a1 * a1 * a1 * r0) / denominator
            if a == 0 {
                trial = -g0 / (2 * b)
            } else {
                let discriminant = b * b - 3 * a * g0
                trial = discriminant >= 0 ? (-b + discriminant.squareRoot()) / (3 * a) : shrinkHigh * current
            }
        }
        if !trial.isFinite { trial = shrinkHigh * current }
        stp = Swift.min(Swift.max(trial, shrinkLow * current), shrinkHigh * current)
        previousStep = current
        previousValue = f.isFinite ? f : .nan
        return stp < minimumStep * first ? .stepTooSmall : .evaluate
    }
}
