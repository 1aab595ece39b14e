// The analytic PG step for the catalog's loss, fused into few passes over n with buffers kept
// across steps.
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// The buffers of a fused PG run: y(x) at the current iterate, the loss there, and the y-space
/// target y' = y - η (y - t) already computed from it.
struct FusedPhysicalGradientBuffers: Sendable {
    /// The loss's target t (`nil`: 0).
    let lossTarget: [Double]?
    /// max |t_i| (0 without a target).
    let lossTargetBound: Double
    /// y(x) at the state's x (valid when ``loss`` is set).
    var y: [Double]
    /// y' = y - η (∇²_y L)⁻¹ ∇_y L at the state's x.
    var target: [Double]
    /// L(y(x)) at the state's x, once evaluated.
    var loss: Double?
    /// `false` when an entry of ``target`` is not finite.
    var targetIsFinite = true
}

extension PhysicalGradient {
    /// The fused step's buffers when this method on this problem takes it: the analytic inverse
    /// with fixed steps, and the closed-form loss L(y) = |y - t|² (`SquaredDistanceObjective`) with
    /// its Hessian declared diagonal. Its y-space step is then `y' = y - η (y - t)` in every
    /// Hessian policy (∇_y L = 2 (y - t), ∇²_y L = 2I: no zero, nothing to shift), and the fused
    /// step computes the same numbers as the general one: `2(y - t) / 2 = y - t` exactly whenever
    /// L is finite.
    func fusedBuffers(for problem: InverseProblem) -> FusedPhysicalGradientBuffers? {
        guard case .analytic = inverse, acceptance == .fixed, problem.inverse != nil,
              problem.lossHessianStructure == .diagonal,
              let loss = problem.loss as? SquaredDistanceObjective, loss.dimension == problem.outputDimension
        else { return nil }
        let k = problem.outputDimension
        let bound = loss.target.map { $0.reduce(0) { Swift.max($0, Swift.abs($1)) } } ?? 0
        return FusedPhysicalGradientBuffers(lossTarget: loss.target, lossTargetBound: bound, y: [Double](repeating: 0, count: k),
                                            target: [Double](repeating: 0, count: k))
    }

    /// One PG step on the fused path: per step one model evaluation (at the new iterate, which
    /// also gives the loss the driver reports and the next step's y), one pass for the loss and
    /// the next y-space target (checking finiteness on the way), the inverse, and a finiteness
    /// check of its answer x', the new iterate. The numbers are those of the general step with a
    /// fixed step.
    func fusedStep(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        if state.fused!.loss == nil { evaluateFused(at: state.x, &state.fused!, &evaluator) }
        guard let loss = state.fused!.loss, loss.isFinite else {
            // Which check of the general step fails: y, or the gradient 2 (y - t).
            let b = state.fused!
            try requireFinite(b.y, "model output y(x)")
            var g = [Double](repeating: 0, count: b.y.count)
            _ = SquaredDistanceObjective(dimension: b.y.count, target: b.lossTarget).valueAndGradient(at: b.y, gradient: &g)
            try requireFinite(g, "gradient of L in y")
            throw StepFailure(.nonFiniteValue("loss L(y(x))"))
        }
        if !state.fused!.targetIsFinite { throw StepFailure(.nonFiniteValue("y-space target")) }
        evaluator.counts.hessians += 1  // ∇²_y L = 2I, in closed form
        var report = StepReport()
        report.proposedStepLength = 1
        report.stepLength = 1
        report.yspaceSolve = .diagonal(shift: 0)  // 2I: positive definite, never shifted

        evaluator.recordInverse(evaluations: 0, iterations: 0)
        let next: [Double]
        do {
            next = try evaluator.problem.inverse!(state.fused!.target)
        } catch {
            throw StepFailure(.inverseFailed(error.description))
        }
        let n = state.x.count
        if next.count != n {
            throw StepFailure(.inverseFailed("the inverse gave \(next.count) entries, expected \(n)"))
        }
        // The new iterate is x' itself, as on the general path with a fixed step.
        try requireFinite(next, "inverse y⁻¹(y')")
        state.x = next
        evaluateFused(at: state.x, &state.fused!, &evaluator)
        return StepOutcome(x: state.x, loss: state.fused!.loss, report: report, iterateIsFinite: true)
    }

    /// y(x) into the buffers, then the loss and the y-space target in one pass.
    private func evaluateFused(at x: [Double], _ b: inout FusedPhysicalGradientBuffers, _ evaluator: inout ProblemEvaluator) {
        x.withUnsafeBufferPointer { xb in b.y.withUnsafeMutableBufferPointer { evaluator.model(at: xb, into: $0) } }
        evaluator.counts.gradients += 1  // L(y) and ∇_y L = 2 (y - t), in the pass below
        let eta = eta
        let t = b.lossTarget
        let (loss, finite) = b.y.withUnsafeBufferPointer { y in
            b.target.withUnsafeMutableBufferPointer { z in
                if let t {
                    return t.withUnsafeBufferPointer { fusedYStep(y, $0.baseAddress, targetBound: b.lossTargetBound, eta: eta, into: z) }
                }
                return fusedYStep(y, nil, targetBound: 0, eta: eta, into: z)
            }
        }
        b.loss = loss
        b.targetIsFinite = finite
    }
}

@inline(__always)
private func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// `L = Σ (y_i - t_i)²` (summed as `SquaredDistanceObjective` sums: four running sums,
/// `((s0 + s1) + (s2 + s3)) + tail`) and `z_i = y_i - η (y_i - t_i)` in one pass; `t` nil: 0.
///
/// Returns L and whether every z_i is finite. That is proved from L where it can be: with
/// `B = max|t| + (1 + η)√L` (`targetBound` is max|t|), every `|z_i| <= |y_i| + η|d_i| <= B`
/// up to rounding, so `B < 2¹⁰²³` leaves no room for an overflow; otherwise z is scanned.
func fusedYStep(_ y: UnsafeBufferPointer<Double>, _ t: UnsafePointer<Double>?, targetBound: Double, eta: Double,
                into z: UnsafeMutableBufferPointer<Double>) -> (loss: Double, targetIsFinite: Bool) {
    let n = y.count
    precondition(z.count == n, "fusedYStep: y has \(n) entries, z \(z.count)")
    guard n > 0, let yp = y.baseAddress, let zp = z.baseAddress else { return (0, true) }
    @inline(__always) func pass(_ difference: (SIMD4<Double>, Int) -> SIMD4<Double>, _ scalar: (Int) -> Double) -> Double {
        var s = SIMD4<Double>.zero
        var i = 0
        while i &+ 4 <= n {
            let yv = load4(yp, i)
            let d = difference(yv, i)
            s += d * d
            store4(yv - eta * d, zp, i)
            i &+= 4
        }
        var tail = 0.0
        while i < n {
            let d = scalar(i)
            tail += d * d
            zp[i] = yp[i] - eta * d
            i &+= 1
        }
        return n < 4 ? tail : ((s[0] + s[1]) + (s[2] + s[3])) + tail
    }
    let loss: Double
    if let t {
        loss = pass({ yv, i in yv - load4(t, i) }, { yp[$0] - t[$0] })
    } else {
        loss = pass({ yv, _ in yv }, { yp[$0] })
    }
    let bound = targetBound + (1 + eta) * loss.squareRoot()
    if bound < 0x1p1023 { return (loss, true) }
    return (loss, Vector.allFinite(UnsafeBufferPointer(z)))
}
