/// The More-Thuente line search (More & Thuente 1994, MINPACK-2 `dcsrch`/`dcstep`) as a state machine.
///
/// It looks for a step `α` in `[stpmin, stpmax]` satisfying the strong Wolfe conditions for
/// `φ(α) = f(x + α d)`:
///
///     φ(α) <= φ(0) + ftol α φ'(0)        (sufficient decrease)
///     |φ'(α)| <= gtol |φ'(0)|             (curvature)
///
/// by safeguarded cubic/quadratic interpolation inside a shrinking interval of uncertainty,
/// switching to a modified function `ψ(α) = φ(α) - φ(0) - ftol α φ'(0)` in the first stage.
/// L-BFGS-B uses `ftol = 1e-3`, `gtol = 0.9`, `xtol = 0.1`, `stpmin = 0`.
public struct MoreThuente: Sendable, Hashable {
    /// What the search asks for next, or how it ended.
    public enum Status: Sendable, Hashable {
        /// Evaluate φ and φ' at the (updated) step and call ``MoreThuente/next(f:g:stp:)`` again.
        case evaluate
        /// The strong Wolfe conditions hold at the step.
        case converged
        /// No further progress is possible (rounding, xtol, stpmax or stpmin reached); the step is the best
        /// point found and L-BFGS-B accepts it, as the original code does.
        case warning
        /// The input was invalid: `stp` outside `[stpmin, stpmax]` (or NaN), `φ'(0)` not negative and
        /// finite, `φ(0)` not finite, or a negative (or NaN) `ftol`, `gtol`, `xtol` or `stpmin`.
        case error
    }

    /// Sufficient-decrease parameter of the Armijo condition (0 < ftol < 1).
    public let ftol: Double
    /// Curvature parameter (ftol < gtol < 1 for the strong Wolfe conditions).
    public let gtol: Double
    /// Relative width of the interval of uncertainty below which the search gives up.
    public let xtol: Double
    /// The smallest step.
    public let stpmin: Double
    /// The largest step of the current search: the one given to ``init(ftol:gtol:xtol:stpmin:stpmax:)``,
    /// lowered by ``backOff(from:)`` until the next ``start(f0:g0:stp:)``.
    public private(set) var stpmax: Double
    /// The largest step as given, which every ``start(f0:g0:stp:)`` restores.
    private let initialStpmax: Double

    /// `true` once an interval containing a point satisfying the conditions is known.
    public private(set) var brackt = false
    private var stage = 1
    private var finit = 0.0, ginit = 0.0, gtest = 0.0
    private var width = 0.0, width1 = 0.0
    /// The step with the lowest (modified) value so far.
    public private(set) var stx = 0.0
    private var fx = 0.0, gx = 0.0
    private var sty = 0.0, fy = 0.0, gy = 0.0
    private var stmin = 0.0, stmax = 0.0
    /// Trials stay above this step: the highest non-finite trial below the best step (inside the
    /// interval of uncertainty) that ``backOff(from:)`` saw; -inf after ``start(f0:g0:stp:)``.
    private var lowerLimit = -Double.infinity

    /// A search with L-BFGS-B's tolerances and steps limited to `[stpmin, stpmax]`.
    public init(ftol: Double = 1e-3, gtol: Double = 0.9, xtol: Double = 0.1, stpmin: Double = 0, stpmax: Double) {
        self.ftol = ftol
        self.gtol = gtol
        self.xtol = xtol
        self.stpmin = stpmin
        self.stpmax = stpmax
        self.initialStpmax = stpmax
    }

    /// Starts a search at `stp` from `φ(0) = f0`, `φ'(0) = g0`, forgetting every earlier search (its
    /// ``backOff(from:)`` limits included). Returns `.evaluate` (evaluate at `stp`) or `.error` (see
    /// ``Status/error``).
    public mutating func start(f0: Double, g0: Double, stp: Double) -> Status {
        stpmax = initialStpmax
        lowerLimit = -.infinity
        guard stp >= stpmin, stp <= stpmax, g0 < 0, g0.isFinite, f0.isFinite, stpmax >= stpmin,
              ftol >= 0, gtol >= 0, xtol >= 0, stpmin >= 0 else { return .error }
        brackt = false
        stage = 1
        finit = f0
        ginit = g0
        gtest = ftol * g0
        width = stpmax - stpmin
        width1 = width / 0.5
        stx = 0
        fx = f0
        gx = g0
        sty = 0
        fy = f0
        gy = g0
        stmin = 0
        stmax = stp + 4.0 * stp
        return .evaluate
    }

    /// Given `f = φ(stp)` and `g = φ'(stp)`, tests convergence or proposes the next `stp`.
    public mutating func next(f: Double, g: Double, stp: inout Double) -> Status {
        let ftest = finit + stp * gtest
        if stage == 1 && f <= ftest && g >= 0 { stage = 2 }

        var status = Status.evaluate
        if brackt && (stp <= stmin || stp >= stmax) { status = .warning }
        if brackt && stmax - stmin <= xtol * stmax { status = .warning }
        if stp == stpmax && f <= ftest && g <= gtest { status = .warning }
        if stp == stpmin && (f > ftest || g >= gtest) { status = .warning }
        if f <= ftest && abs(g) <= gtol * (-ginit) { status = .converged }
        if status != .evaluate { return status }

        if stage == 1 && f <= fx && f > ftest {
            // First stage with a lower but not sufficiently lower value: work on ψ.
            var fxm = fx - stx * gtest
            var fym = fy - sty * gtest
            var gxm = gx - gtest
            var gym = gy - gtest
            let fm = f - stp * gtest
            let gm = g - gtest
            Self.cstep(stx: &stx, fx: &fxm, dx: &gxm, sty: &sty, fy: &fym, dy: &gym, stp: &stp,
                       fp: fm, dp: gm, brackt: &brackt, stpmin: stmin, stpmax: stmax)
            fx = fxm + stx * gtest
            fy = fym + sty * gtest
            gx = gxm + gtest
            gy = gym + gtest
        } else {
            Self.cstep(stx: &stx, fx: &fx, dx: &gx, sty: &sty, fy: &fy, dy: &gy, stp: &stp,
                       fp: f, dp: g, brackt: &brackt, stpmin: stmin, stpmax: stmax)
        }

        // Bisect when the interval does not shrink fast enough.
        if brackt {
            if abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }
            width1 = width
            width = abs(sty - stx)
        }
        if brackt {
            stmin = max(min(stx, sty), lowerLimit)
            stmax = max(stx, sty)
        } else {
            stmin = stp + 1.1 * (stp - stx)
            stmax = stp + 4.0 * (stp - stx)
        }
        stp = max(stp, stpmin)
        stp = min(stp, stpmax)
        // At or below a step that gave a non-finite value: halfway between it and the best step.
        if stp <= lowerLimit { stp = lowerLimit + 0.5 * (stx - lowerLimit) }
        if (brackt && (stp <= stmin || stp >= stmax)) || (brackt && stmax - stmin <= xtol * stmax) {
            stp = stx
        }
        return .evaluate
    }

    /// Called after a trial step gave a non-finite value: never go at or beyond `badStep` again in this
    /// search (seen from the best step ``stx``). Returns the next trial step, halfway between the best
    /// step and `badStep`. When `badStep` lies above the best step, that halfway step becomes
    /// ``stpmax``; when it lies below it (inside the interval of uncertainty), later trials stay
    /// above `badStep`: a proposed step at or below the highest such bad step is moved halfway
    /// between it and the best step.
    public mutating func backOff(from badStep: Double) -> Double {
        let s = stx + 0.5 * (badStep - stx)
        if badStep < stx {
            lowerLimit = max(lowerLimit, badStep)
        } else {
            stpmax = min(stpmax, s)
            if !brackt { stmax = min(stmax, s) }
        }
        return s
    }

    /// One safeguarded step (MINPACK-2 `dcstep`): updates the interval `[stx, sty]` with the new point
    /// `(stp, fp, dp)` and computes the next trial step from cubic, quadratic and secant models.
    static func cstep(stx: inout Double, fx: inout Double, dx: inout Double,
                      sty: inout Double, fy: inout Double, dy: inout Double,
                      stp: inout Double, fp: Double, dp: Double, brackt: inout Bool,
                      stpmin: Double, stpmax: Double) {
        let sgnd = dp * (dx / abs(dx))
        var stpf: Double
        if fp > fx {
            // Case 1: higher value; the minimum is bracketed.
            let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp < stx { gamma = -gamma }
            let p = (gamma - dx) + theta
            let q = ((gamma - dx) + gamma) + dp
            let r = p / q
            let stpc = stx + r * (stp - stx)
            let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
            if abs(stpc - stx) < abs(stpq - stx) {
                stpf = stpc
            } else {
                stpf = stpc + (stpq - stpc) / 2.0
            }
            brackt = true
        } else if sgnd < 0 {
            // Case 2: lower value, derivatives of opposite sign; bracketed.
            let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = ((gamma - dp) + gamma) + dx
            let r = p / q
            let stpc = stp + r * (stx - stp)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
            brackt = true
        } else if abs(dp) < abs(dx) {
            // Case 3: lower value, same sign, derivative magnitude decreases.
            let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * max(0.0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = (gamma + (dx - dp)) + gamma
            let r = p / q
            let stpc: Double
            if r < 0 && gamma != 0 {
                stpc = stp + r * (stx - stp)
            } else if stp > stx {
                stpc = stpmax
            } else {
                stpc = stpmin
            }
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            if brackt {
                stpf = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
                if stp > stx {
                    stpf = min(stp + 0.66 * (sty - stp), stpf)
                } else {
                    stpf = max(stp + 0.66 * (sty - stp), stpf)
                }
            } else {
                stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
                stpf = min(stpmax, stpf)
                stpf = max(stpmin, stpf)
            }
        } else {
            // Case 4: lower value, same sign, derivative magnitude does not decrease.
            if brackt {
                let theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
                let s = max(abs(theta), abs(dy), abs(dp))
                var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
                if stp > sty { gamma = -gamma }
                let p = (gamma - dp) + theta
                let q = ((gamma - dp) + gamma) + dy
                let r = p / q
                stpf = stp + r * (sty - stp)
            } else if stp > stx {
                stpf = stpmax
            } else {
                stpf = stpmin
            }
        }
        // Update the interval of uncertainty.
        if fp > fx {
            sty = stp
            fy = fp
            dy = dp
        } else {
            if sgnd < 0 {
                sty = stx
                fy = fx
                dy = dx
            }
            stx = stp
            fx = fp
            dx = dp
        }
        stp = stpf
    }
}
