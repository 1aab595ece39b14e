extension MoreThuente {
    /// How ``search(from:value:slope:maxEvaluations:evaluate:)`` ended.
    public enum SearchOutcome: Sendable, Hashable {
        /// The strong Wolfe conditions hold at `step` (status ``Status/converged``), or no further progress
        /// is possible and `step` is the best point found (``Status/warning``). The last evaluation was at
        /// `step`.
        case accepted(step: Double, status: Status)
        /// `maxEvaluations` evaluations found no acceptable step.
        case tooManyEvaluations
        /// The search rejected its input: `φ'(0)` not negative and finite, `φ(0)` not finite, the
        /// first step outside `[stpmin, stpmax]` (or NaN), or a negative tolerance or `stpmin`
        /// (``MoreThuente/Status/error``).
        case invalidInput
        /// `evaluate` returned `nil` (the caller's budget ran out).
        case abandoned
    }

    /// Runs the search on `φ(α) = f(x + α d)` from the step `initialStep`, given `φ(0) = value` and
    /// `φ'(0) = slope < 0`, evaluating through `evaluate(α) -> (φ(α), φ'(α))` at most `maxEvaluations`
    /// times.
    ///
    /// A trial step whose value or slope is not finite is not extrapolated from: the search backs off
    /// halfway towards the best step so far (``backOff(from:)``) and never returns beyond it.
    @inlinable
    public mutating func search(
        from initialStep: Double, value: Double, slope: Double, maxEvaluations: Int,
        evaluate: (Double) -> (value: Double, slope: Double)?
    ) -> SearchOutcome {
        var step = initialStep
        if start(f0: value, g0: slope, stp: step) == .error { return .invalidInput }
        var evaluations = 0
        while evaluations < maxEvaluations {
            evaluations += 1
            guard let (f, g) = evaluate(step) else { return .abandoned }
            if !f.isFinite || !g.isFinite {
                step = backOff(from: step)
                continue
            }
            let evaluated = step
            switch next(f: f, g: g, stp: &step) {
            case .converged: return .accepted(step: evaluated, status: .converged)
            case .warning: return .accepted(step: evaluated, status: .warning)
            case .error: return .invalidInput
            case .evaluate: continue
            }
        }
        return .tooManyEvaluations
    }
}
