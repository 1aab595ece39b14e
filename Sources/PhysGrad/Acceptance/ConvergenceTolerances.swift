import PhysGradLinearAlgebra

/// The convergence tests of the second-order and least-squares methods (Newton, Gauss-Newton,
/// Levenberg-Marquardt, IG, HIG), with SciPy's names (`least_squares`' `ftol`, `xtol`, `gtol`).
/// A test set to 0 fires only on an exact zero (a zero gradient, a step of length 0).
///
/// - `gradient` (gtol, default 1e-8, SciPy's): converged when `‖∇L(x)‖∞ <= gradient` at the point
///   a step starts from; that step is still taken (a Newton-type step from there gains several
///   digits), and the run ends after it. Levenberg-Marquardt uses MINPACK's scale-free form
///   instead, the largest cosine between the residual and a Jacobian column, before the step.
/// - `step` (xtol, default 1e-10): converged when a full accepted step (not shortened by a line
///   search or a trust region on the length) has `‖Δx‖₂ <= step · (step + ‖x‖₂)`; the step is
///   taken, so a method converging superlinearly ends far below this.
/// - `loss` (ftol, default 1e-10): converged when a full accepted step lowers the loss by less
///   than `loss · L`, or (least-squares methods) when the best step's predicted reduction is.
///
/// Whatever the tolerances, a method also stops, as converged, when the decrease its model
/// predicts is below the rounding level of the loss.
///
/// These are the method's own tests; ``RunOptions`` adds the driver's (target loss, absolute
/// gradient and step tolerances, steps, time) for every method.
public struct ConvergenceTolerances: Sendable, Hashable {
    /// gtol: the largest ‖∇L(x)‖∞ that counts as converged.
    public var gradient: Double
    /// xtol: the largest relative step ‖Δx‖₂ / (xtol + ‖x‖₂) that counts as converged.
    public var step: Double
    /// ftol: the largest relative decrease of L that counts as converged.
    public var loss: Double

    /// Tolerances with SciPy's defaults where not given (each finite and >= 0).
    public init(gradient: Double = 1e-8, step: Double = 1e-10, loss: Double = 1e-10) {
        self.gradient = gradient
        self.step = step
        self.loss = loss
    }

    func validate(for method: String) throws(PhysGradError) {
        for (name, v) in [("gradient", gradient), ("step", step), ("loss", loss)] where !(v.isFinite && v >= 0) {
            throw .invalidParameter(name: "\(name) tolerance of \(method)", value: "\(v)", reason: "must be finite and >= 0")
        }
    }

    /// Runs `step`, a step from a point whose gradient is `g`. When ‖g‖∞ meets the gradient test,
    /// the step is still taken and the run ends after it as converged; a step that then finds
    /// nothing better (it fails, other than on the time limit) ends the run as converged too.
    func stepping(from g: [Double], _ step: () throws(StepFailure) -> StepOutcome) throws(StepFailure) -> StepOutcome {
        guard let done = gradientTest(g) else { return try step() }
        do {
            var outcome = try step()
            if outcome.termination == nil { outcome.termination = done }
            return outcome
        } catch {
            if case .timeLimit = error.reason { throw error }
            throw StepFailure(done)
        }
    }

    /// The reason to stop when ‖∇L‖∞ meets the gradient test, or `nil`.
    func gradientTest(_ g: [Double]) -> TerminationReason? {
        let norm = Vector.normInf(g)
        return norm <= gradient ? .convergedByMethod("gradient norm \(OptimizationResult.short(norm)) <= gtol \(gradient)") : nil
    }

    /// The reason to stop after an accepted step from `x` to `newX` that took the loss from `before`
    /// to `after`, or `nil`; only a `full` step (not shortened) can end the run.
    func acceptedStepTest(from x: [Double], to newX: [Double], before: Double, after: Double, full: Bool) -> TerminationReason? {
        guard full else { return nil }
        let dx = Vector.distance(x, newX)
        if dx <= step * (step + Vector.norm2(newX)) {
            return .convergedByMethod("step length \(OptimizationResult.short(dx)) <= xtol relative to |x|")
        }
        if before - after < loss * before {
            return .convergedByMethod("relative loss reduction \(OptimizationResult.short((before - after) / before)) < ftol \(loss)")
        }
        return nil
    }

    /// The reason to stop before a step of a least-squares method whose best step (the full
    /// Gauss-Newton step of the rank or damping allowed) is `fullStep` and would lower
    /// `|r|² = loss` by `fullReduction`, or `nil`: the reduction is below `ftol · |r|²` or below
    /// the rounding level of `|r|²` (`4ε(|r|² + 2|r||y|)`). (A short step is no reason to stop
    /// before it: it is taken, and the test after it decides.)
    func leastSquaresTest(fullReduction: Double, loss: Double, residualNorm: Double, outputNorm: Double) -> TerminationReason? {
        let level = 4 * Double.ulpOfOne * (loss + 2 * residualNorm * outputNorm)
        if fullReduction <= level {
            return .convergedByMethod("the loss is at its rounding level (the best step predicts \(OptimizationResult.short(fullReduction)) <= \(OptimizationResult.short(level)))")
        }
        if fullReduction <= self.loss * loss {
            return .convergedByMethod("the best step's predicted relative reduction \(OptimizationResult.short(fullReduction / loss)) <= ftol \(self.loss)")
        }
        return nil
    }
}
