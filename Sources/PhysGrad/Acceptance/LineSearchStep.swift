import PhysGradLineSearch
import PhysGradLinearAlgebra

/// The point a line search accepted.
struct AcceptedPoint {
    var x: [Double]
    /// L(x), when the acceptance evaluated it (`nil` for a fixed step).
    var loss: Double?
}

extension ProblemEvaluator {
    /// An estimate of the rounding error of L(y(x)): `4ε (|L| + ‖∇_y L‖₂ ‖y‖₂)`, the change of
    /// L that relative perturbations of size ε in y cause. Differences of L below it are not
    /// signal: a method whose predicted decrease is smaller has converged as far as double
    /// precision allows. One model evaluation and one loss gradient in y.
    public mutating func lossRoundingLevel(at x: [Double]) -> Double {
        let y = model(at: x)
        var gy = [Double](repeating: 0, count: y.count)
        let l = lossInY(at: y, gradient: &gy)
        return 4 * Double.ulpOfOne * (Swift.abs(l) + Vector.norm2(gy) * Vector.norm2(y))
    }

    /// Moves from `x` along the direction `d` as `acceptance` decides, starting at `α = initialStep`:
    /// a fixed step takes `x + α d` unevaluated; backtracking and strong Wolfe searches evaluate
    /// trial points until their conditions hold. `slope` is `∇L(x)·d` (required by the searches;
    /// it must be negative). Records the step length, trials and rejections in `report`.
    ///
    /// A search that finds no acceptable step ends the run: with
    /// ``TerminationReason/convergedByMethod(_:)`` when the decrease it could predict is below
    /// the rounding level of L (the method has converged as far as doubles allow), and with
    /// ``TerminationReason/lineSearchFailed(_:)`` otherwise.
    mutating func acceptAlong(
        _ d: [Double], from x: [Double], loss l0: Double, slope: Double?, initialStep alpha0: Double,
        acceptance: StepAcceptance, report: inout StepReport
    ) throws(StepFailure) -> AcceptedPoint {
        report.proposedStepLength = alpha0
        func point(_ alpha: Double) -> [Double] {
            var p = x
            for i in p.indices { p[i] += alpha * d[i] }
            return p
        }
        switch acceptance {
        case .fixed, .trustRegion:
            report.stepLength = alpha0
            return AcceptedPoint(x: point(alpha0), loss: nil)

        case .backtracking(let c1, let maximumTrials):
            var search = Backtracking(c1: c1)
            var alpha = alpha0
            guard let g0 = slope, g0 < 0, search.start(f0: l0, g0: g0, stp: alpha) == .evaluate else {
                return try decreaseOnly(d, from: x, loss: l0, initialStep: alpha0, maximumTrials: maximumTrials,
                                        slope: slope, report: &report)
            }
            while true {
                try checkDeadline()
                let trial = point(alpha)
                let f = loss(at: trial)
                report.trials += 1
                let tried = alpha
                switch search.next(f: f, stp: &alpha) {
                case .converged:
                    report.stepLength = tried
                    return AcceptedPoint(x: trial, loss: f)
                case .evaluate where report.trials < maximumTrials:
                    report.rejected += 1
                case .evaluate, .stepTooSmall, .error:
                    report.rejected += 1
                    throw noAcceptableStep(x: x, loss: l0, predicted: -alpha0 * g0,
                                           what: "backtracking found no sufficient decrease in \(report.trials) trials")
                }
            }

        case .strongWolfe(let c1, let c2, let maximumEvaluations):
            guard let g0 = slope, g0 < 0 else {
                return try decreaseOnly(d, from: x, loss: l0, initialStep: alpha0, maximumTrials: maximumEvaluations,
                                        slope: slope, report: &report)
            }
            var search = MoreThuente(ftol: c1, gtol: c2, xtol: 0.1, stpmin: 0, stpmax: Swift.max(1e10, 4 * alpha0))
            var alpha = alpha0
            guard search.start(f0: l0, g0: g0, stp: alpha) == .evaluate else {
                throw StepFailure(.lineSearchFailed("invalid start of the strong Wolfe search (step \(alpha0))"))
            }
            var gradient = [Double](repeating: 0, count: x.count)
            var best: AcceptedPoint? = nil
            var bestAlpha = 0.0
            while true {
                try checkDeadline()
                let trial = point(alpha)
                let f = lossAndGradient(at: trial, gradient: &gradient)
                report.trials += 1
                let gd = Vector.dot(gradient, d)
                if !f.isFinite || !gd.isFinite {
                    report.rejected += 1
                    if report.trials >= maximumEvaluations { break }
                    alpha = search.backOff(from: alpha)
                    continue
                }
                if f < (best?.loss ?? l0) {
                    best = AcceptedPoint(x: trial, loss: f)
                    bestAlpha = alpha
                }
                let tried = alpha
                let status = search.next(f: f, g: gd, stp: &alpha)
                if status == .converged {
                    report.stepLength = tried
                    return AcceptedPoint(x: trial, loss: f)
                }
                if status != .evaluate || report.trials >= maximumEvaluations { break }
                report.rejected += 1
            }
            // No point met both conditions: keep the best decrease found, as L-BFGS-B does.
            if let best, let f = best.loss, f <= l0 + c1 * bestAlpha * g0 {
                report.stepLength = bestAlpha
                return best
            }
            throw noAcceptableStep(x: x, loss: l0, predicted: -alpha0 * g0,
                                   what: "the strong Wolfe search found no sufficient decrease in \(report.trials) evaluations")
        }
    }

    /// Halving until the loss decreases, for directions whose slope is unknown or not negative
    /// (an inverse-simulator step need not be a descent direction of L in x).
    private mutating func decreaseOnly(
        _ d: [Double], from x: [Double], loss l0: Double, initialStep alpha0: Double, maximumTrials: Int,
        slope: Double?, report: inout StepReport
    ) throws(StepFailure) -> AcceptedPoint {
        var alpha = alpha0
        while report.trials < maximumTrials {
            try checkDeadline()
            var trial = x
            for i in trial.indices { trial[i] += alpha * d[i] }
            let f = loss(at: trial)
            report.trials += 1
            if f.isFinite && f < l0 {
                report.stepLength = alpha
                return AcceptedPoint(x: trial, loss: f)
            }
            report.rejected += 1
            alpha *= 0.5
        }
        throw noAcceptableStep(x: x, loss: l0, predicted: slope.map { -alpha0 * $0 } ?? .infinity,
                               what: "no decrease along the proposed step in \(report.trials) trials")
    }

    /// The reason a step that found no acceptable point ends the run with: convergence when the
    /// predicted decrease is below L's rounding level at x, a failed line search otherwise.
    mutating func noAcceptableStep(x: [Double], loss: Double, predicted: Double, what: String) -> StepFailure {
        let level = lossRoundingLevel(at: x)
        if Swift.abs(loss) <= level {
            return StepFailure(.convergedByMethod(
                "the loss is at its rounding level (\(OptimizationResult.short(loss)) <= \(OptimizationResult.short(level)))"))
        }
        if predicted.isFinite && predicted >= 0 && predicted <= level {
            return StepFailure(.convergedByMethod(
                "the loss is at its rounding level (predicted decrease \(OptimizationResult.short(predicted)) <= \(OptimizationResult.short(level)))"))
        }
        return StepFailure(.lineSearchFailed(what))
    }
}
