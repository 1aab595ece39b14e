import PhysGradLinearAlgebra

/// Bounds `lower <= x <= upper` on the unknowns of a least-squares method (infinite entries:
/// no bound for that variable).
struct Box: Sendable {
    let lower: [Double]?
    let upper: [Double]?

    /// - Throws: ``PhysGradError`` for bounds of the wrong length, NaN bounds, `lower > upper`, a lower
    ///   bound of +∞ or an upper bound of -∞.
    init(lower: [Double]?, upper: [Double]?, dimension n: Int) throws(PhysGradError) {
        for (name, b) in [("lower", lower), ("upper", upper)] {
            guard let b else { continue }
            if b.count != n { throw .dimensionMismatch(name: "\(name) bounds", expected: n, actual: b.count) }
            if let i = b.firstIndex(where: \.isNaN) { throw .nonFiniteInput(name: "\(name) bounds", index: i) }
        }
        // A lower bound of +∞ or an upper bound of -∞ leaves no finite point: projecting onto it
        // would start the run at ±∞.
        if let l = lower, let i = l.firstIndex(of: .infinity) {
            throw .invalidParameter(name: "bounds", value: "lower[\(i)] = inf", reason: "need finite points in the box: lower < +inf")
        }
        if let u = upper, let i = u.firstIndex(of: -.infinity) {
            throw .invalidParameter(name: "bounds", value: "upper[\(i)] = -inf", reason: "need finite points in the box: upper > -inf")
        }
        if let l = lower, let u = upper, let i = (0..<n).first(where: { l[$0] > u[$0] }) {
            throw .invalidParameter(name: "bounds", value: "lower[\(i)] = \(l[i]) > upper[\(i)] = \(u[i])",
                                    reason: "need lower <= upper")
        }
        self.lower = lower?.contains(where: { $0 > -.infinity }) == true ? lower : nil
        self.upper = upper?.contains(where: { $0 < .infinity }) == true ? upper : nil
    }

    var isUnbounded: Bool { lower == nil && upper == nil }

    /// The nearest point of the box.
    func project(_ x: [Double]) -> [Double] {
        guard !isUnbounded else { return x }
        var p = x
        for i in p.indices {
            if let l = lower, p[i] < l[i] { p[i] = l[i] }
            if let u = upper, p[i] > u[i] { p[i] = u[i] }
        }
        return p
    }

    /// `P(x - g) - x`: the projected steepest-descent step, whose ∞-norm vanishes exactly at the
    /// first-order (KKT) points of the box-constrained problem.
    func projectedGradient(_ x: [Double], _ g: [Double]) -> [Double] {
        guard !isUnbounded else { return g }
        let p = project(Vector.subtract(x, g))
        return Vector.subtract(x, p)
    }

    /// The variables not held at a bound: those not at a lower bound with the gradient pushing
    /// down, nor at an upper bound with it pushing up.
    func freeVariables(_ x: [Double], gradient g: [Double]) -> [Int] {
        guard !isUnbounded else { return Array(x.indices) }
        return x.indices.filter { i in
            if let l = lower, x[i] <= l[i], g[i] > 0 { return false }
            if let u = upper, x[i] >= u[i], g[i] < 0 { return false }
            return true
        }
    }
}

extension ProblemEvaluator {
    /// ``acceptAlong(_:from:loss:slope:initialStep:acceptance:report:)`` inside a box: without
    /// bounds exactly that; with bounds, every trial point is projected, `x(α) = P(x + α d)`,
    /// and backtracking asks for sufficient decrease along the projected step,
    /// `L(x(α)) <= L(x) + c₁ ∇L·(x(α) - x)` (a strong Wolfe search is replaced by backtracking).
    mutating func acceptProjected(
        _ d: [Double], from x: [Double], loss l0: Double, gradient g: [Double], box: Box, initialStep alpha0: Double,
        acceptance: StepAcceptance, report: inout StepReport
    ) throws(StepFailure) -> AcceptedPoint {
        if box.isUnbounded {
            return try acceptAlong(d, from: x, loss: l0, slope: Vector.dot(g, d), initialStep: alpha0,
                                   acceptance: acceptance, report: &report)
        }
        report.proposedStepLength = alpha0
        func point(_ alpha: Double) -> [Double] {
            var p = x
            for i in p.indices { p[i] += alpha * d[i] }
            return box.project(p)
        }
        let c1: Double, maximumTrials: Int
        switch acceptance {
        case .fixed, .trustRegion:
            report.stepLength = alpha0
            return AcceptedPoint(x: point(alpha0), loss: nil)
        case .backtracking(let c, let trials):
            (c1, maximumTrials) = (c, trials)
        case .strongWolfe(let c, _, let evaluations):
            (c1, maximumTrials) = (c, evaluations)
        }
        var alpha = alpha0
        var firstSlope: Double? = nil
        while report.trials < maximumTrials {
            try checkDeadline()
            let trial = point(alpha)
            let slope = Vector.dot(g, Vector.subtract(trial, x))
            if firstSlope == nil { firstSlope = slope }
            let f = loss(at: trial)
            report.trials += 1
            if f.isFinite && f <= l0 + c1 * slope && slope < 0 {
                report.stepLength = alpha
                return AcceptedPoint(x: trial, loss: f)
            }
            report.rejected += 1
            alpha *= 0.5
        }
        throw noAcceptableStep(x: x, loss: l0, predicted: -(firstSlope ?? 0),
                               what: "projected backtracking found no sufficient decrease in \(report.trials) trials")
    }
}
