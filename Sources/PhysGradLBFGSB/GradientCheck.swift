/// The result of comparing a user's gradient with central differences at one point.
public struct GradientCheck: Sendable, Equatable, CustomStringConvertible {
    /// The point checked.
    public var x: [Double]
    /// The gradient the objective returned.
    public var gradient: [Double]
    /// The central-difference estimate.
    public var estimate: [Double]
    /// The component with the largest relative discrepancy.
    public var worstIndex: Int
    /// `|g_i - ĝ_i| / max(1, |g_i|, |ĝ_i|)` at ``worstIndex``.
    public var worstRelativeError: Double
    /// The tolerance the check used.
    public var tolerance: Double

    /// `true` when every component agrees within ``tolerance`` (and everything is finite).
    public var passed: Bool { worstRelativeError <= tolerance }

    public var description: String {
        if passed {
            return "gradient check passed: largest relative discrepancy \(worstRelativeError) (component \(worstIndex)) <= \(tolerance)"
        }
        return "gradient check FAILED at component \(worstIndex): the objective returned \(gradient[worstIndex]), "
            + "central differences give \(estimate[worstIndex]) (relative discrepancy \(worstRelativeError) > \(tolerance))"
    }
}

extension LBFGSBSolver {
    /// Compares the gradient an objective returns at `x` with central differences of its value,
    /// before trusting it to a run (a wrong gradient is the most common reason for a failed line
    /// search). Steps h_i = cbrt(eps)·max(1, |x_i|), one-sided next to a bound so that no
    /// evaluation leaves `lower`/`upper`; 2n + 1 evaluations.
    ///
    /// The default tolerance, 1e-4 relative, passes correct gradients of smooth functions with
    /// a wide margin (the central-difference error is about 1e-10 relative) and flags
    /// sign errors, missing factors and wrong components.
    ///
    /// A point outside the box is projected onto it first (as a run's start is); ``GradientCheck/x``
    /// is the point checked.
    ///
    /// - Throws: ``LBFGSBError/emptyProblem`` for an empty `x`,
    ///   ``LBFGSBError/dimensionMismatch(name:expected:actual:)`` when `lower` or `upper` does not have one
    ///   entry per component of `x`, ``LBFGSBError/invalidBound(index:lower:upper:)`` and
    ///   ``LBFGSBError/infeasibleBounds(index:lower:upper:)`` as ``init(dimension:lower:upper:options:)``,
    ///   and ``LBFGSBError/nonFiniteStart(index:value:)`` for a non-finite component of `x`.
    public static func checkGradient(
        at x: [Double], lower: [Double]? = nil, upper: [Double]? = nil, tolerance: Double = 1e-4,
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) throws(LBFGSBError) -> GradientCheck {
        let n = x.count
        if n == 0 { throw .emptyProblem }
        try validateBounds(lower: lower, upper: upper, dimension: n)
        for i in 0..<n where !x[i].isFinite { throw .nonFiniteStart(index: i, value: x[i]) }
        // The point checked is x projected onto the box, as a run's start would be.
        let x = (0..<n).map { i in Swift.min(Swift.max(x[i], lower?[i] ?? -.infinity), upper?[i] ?? .infinity) }
        var point = x
        var g = [Double](repeating: 0, count: n)
        var scratch = [Double](repeating: 0, count: n)
        func value(_ p: [Double]) -> Double {
            p.withUnsafeBufferPointer { pb in scratch.withUnsafeMutableBufferPointer { sb in objective(pb, sb) } }
        }
        _ = x.withUnsafeBufferPointer { xb in g.withUnsafeMutableBufferPointer { gb in objective(xb, gb) } }
        var estimate = [Double](repeating: 0, count: n)
        let h0 = 6.055454452393343e-06  // cbrt(2^-52)
        for i in 0..<n {
            let lo = lower?[i] ?? -.infinity, hi = upper?[i] ?? .infinity
            let h = h0 * max(1, abs(x[i]))
            let up = min(x[i] + h, hi), down = max(x[i] - h, lo)
            point[i] = up
            let fUp = value(point)
            point[i] = down
            let fDown = value(point)
            point[i] = x[i]
            estimate[i] = up > down ? (fUp - fDown) / (up - down) : 0
        }
        var worst = 0, worstError = -1.0
        for i in 0..<n {
            let e = abs(g[i] - estimate[i]) / max(1, abs(g[i]), abs(estimate[i]))
            let err = e.isNaN ? Double.infinity : e  // NaN anywhere fails the check
            if err > worstError {
                worstError = err
                worst = i
            }
        }
        worstError = max(worstError, 0)
        return GradientCheck(x: x, gradient: g, estimate: estimate, worstIndex: worst, worstRelativeError: worstError,
                             tolerance: tolerance)
    }
}
