// PG with the analytic inverse, fixed steps and the closed-form loss |y - t|² (the fused step):
// trajectories against their closed forms, and against the general step on the same problem
// (the loss type-erased, so the general path runs) as a consistency check; its failures.
import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra
import Testing

/// y = 2x elementwise, L = |y - t|² in closed form, inverse x = y / 2: PG with step η moves
/// y - t by the factor 1 - η per step, so x_k = t/2 + (1 - η)^k (x_0 - t/2) and
/// L_k = (1 - η)^{2k} |2 x_0 - t|².
func doublingProblem(start: [Double], target: [Double], inverse: (@Sendable ([Double]) throws(InverseDomainError) -> [Double])? = nil) -> InverseProblem {
    let n = start.count
    let model = AnalyticModel(inputDimension: n, value: { $0.map { 2 * $0 } },
                              jacobian: { x in Matrix.diagonal([Double](repeating: 2, count: x.count)) })
    let loss = SquaredDistanceObjective(dimension: n, target: target)
    // L(y(x)) summed as the loss sums it, so that the objective is loss ∘ model to the bit.
    let objective = AnalyticObjective(
        dimension: n, value: { x in loss.value(at: x.map { 2 * $0 }) },
        valueAndGradient: { x, g in
            for i in x.indices { g[i] = 4 * (2 * x[i] - target[i]) }
            return loss.value(at: x.map { 2 * $0 })
        })
    return InverseProblem(name: "doubling", model: model, outputDimension: n, loss: loss, objective: objective, start: start,
                          inverse: inverse ?? { y in y.map { $0 / 2 } }, lossHessianStructure: .diagonal, leastSquaresTarget: target)
}

/// The same problem with its loss behind closures (the same numbers): the general PG step runs on it.
func generalPath(_ p: InverseProblem) -> InverseProblem {
    var q = p
    let loss = p.loss
    q.loss = AnalyticObjective(
        dimension: p.outputDimension,
        value: { y in var l = loss; return l.value(at: y) },
        valueAndGradient: { y, g in var l = loss; return l.valueAndGradient(at: y, gradient: &g) },
        hessianVectorProduct: { y, v in var l = loss; return l.hessianVectorProduct(at: y, direction: v) })
    return q
}

func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.1), 1e-300)) }
}

@Suite("PG fused step (analytic inverse, fixed steps, closed-form loss)")
struct FusedPhysicalGradientTests {
    @Test("powers(n): x_k and L_k follow the closed form y_k = 0.7^k y_0", arguments: [2, 10, 1000])
    func powersClosedForm(n: Int) throws {
        let steps = 12
        let r = try optimize(try Problems.powers(n), with: PhysicalGradient(eta: 0.3), options: RunOptions(steps: steps, trace: .scalars))
        // From 3: x_even = 3·0.7^k, x_odd = √(0.7^k · 9) = 3·0.7^(k/2); L_k = (n/2)(9 + 81)·0.49^k.
        let expected = (0..<n).map { $0 % 2 == 0 ? 3 * Double.pow(0.7, Double(steps)) : 3 * Double.pow(0.7, Double(steps) / 2) }
        #expect(maxRelativeError(r.x, expected) <= 1e-13)
        #expect(r.trajectory.loss.count == steps + 1)
        for (k, l) in r.trajectory.loss.enumerated() {
            #expect(abs(l - Double(n / 2) * 90 * Double.pow(0.49, Double(k))) <= 1e-13 * l, "step \(k)")
        }
        #expect(r.loss == r.trajectory.loss.last && r.isSuccess && r.termination == .completedSteps)
        #expect(r.trajectory.reports.allSatisfy { $0.stepLength == 1 && $0.proposedStepLength == 1 && $0.trials == 0 && $0.rejected == 0 })
    }

    @Test("a target t: L_k = (1 - η)^{2k} L_0 and x_k = t/2 + (1 - η)^k (x_0 - t/2)", arguments: [1, 7, 64])
    func targetClosedForm(n: Int) throws {
        let start = (0..<n).map { 1 + Double($0) / 3 }
        let target = (0..<n).map { Double.sin(Double($0)) - 0.5 }
        let eta = 0.25, steps = 9
        let r = try optimize(doublingProblem(start: start, target: target), with: PhysicalGradient(eta: eta),
                             options: RunOptions(steps: steps, trace: .scalars))
        let f = Double.pow(1 - eta, Double(steps))
        let expected = (0..<n).map { target[$0] / 2 + f * (start[$0] - target[$0] / 2) }
        for i in 0..<n { #expect(abs(r.x[i] - expected[i]) <= 1e-13 * (1 + abs(expected[i])), "x[\(i)]") }
        let l0 = zip(start, target).reduce(0) { $0 + (2 * $1.0 - $1.1) * (2 * $1.0 - $1.1) }
        for (k, l) in r.trajectory.loss.enumerated() {
            #expect(abs(l - Double.pow(1 - eta, 2 * Double(k)) * l0) <= 1e-12 * l0, "step \(k)")
        }
    }

    @Test("the fused step gives the general step's numbers, reports and diagnostics", arguments: [2, 6, 50])
    func sameAsGeneralStep(n: Int) throws {
        let cases: [(InverseProblem, Double)] = [
            (try Problems.powers(n), 0.3), (try Problems.powers(n), 0.9),
            (doublingProblem(start: (0..<n).map { Double($0) - 2.5 }, target: (0..<n).map { Double.cos(Double($0)) }), 0.6),
        ]
        for (p, eta) in cases {
            for trace in [TracePolicy.none, .full] {
                let options = RunOptions(steps: 15, trace: trace)
                let fused = try optimize(p, with: PhysicalGradient(eta: eta), options: options)
                let general = try optimize(generalPath(p), with: PhysicalGradient(eta: eta), options: options)
                // The iterates are the same to the bit. The losses after the start come from
                // L(y) here and from the problem's objective there: the same sums in the same
                // order today, equal to rounding in any case.
                #expect(fused.x == general.x && fused.y == general.y)
                #expect(abs(fused.loss - general.loss) <= 1e-14 * general.loss)
                let (a, b) = (fused.trajectory, general.trajectory)
                #expect(a.x == b.x && a.y == b.y && a.updates == b.updates && a.reports == b.reports && a.stepIndices == b.stepIndices)
                #expect(a.loss.count == b.loss.count && zip(a.loss, b.loss).allSatisfy { abs($0 - $1) <= 1e-14 * $1 })
                #expect(fused.firstUpdate == general.firstUpdate && fused.diagnostics == general.diagnostics)
                #expect(fused.termination == general.termination && fused.isSuccess == general.isSuccess)
                // The fused step evaluates y at the start and at every new iterate (the loss
                // the driver reports comes from it); the general step at every iterate it
                // steps from, the driver the loss at each new one.
                #expect(fused.counts.models == 16 && fused.counts.gradients == 16 && general.counts.models == 15)
                #expect(fused.counts.hessians == 15 && fused.counts.inverseSolves == 15 && general.counts.inverseSolves == 15)
            }
        }
    }

    @Test("the callback sees the update x_k - x_{k-1} and the step tolerance still stops the run")
    func updatesWhenAsked() throws {
        var updates: [[Double]] = []
        var xs: [[Double]] = [try Problems.powers(4).start]
        let r = try optimize(try Problems.powers(4), with: PhysicalGradient(eta: 0.3), options: RunOptions(steps: 5)) { it in
            updates.append(it.update)
            xs.append(it.x)
            return .proceed
        }
        #expect(updates.count == 5 && r.steps == 5)
        for k in 0..<5 { #expect(updates[k] == Vector.subtract(xs[k + 1], xs[k])) }
        // PG with η = 0.5 halves y each step: |Δx|∞ shrinks, the tolerance stops it.
        let tol = try optimize(try Problems.powers(4), with: PhysicalGradient(eta: 0.5), options: RunOptions(steps: 1000, stepTolerance: 1e-6))
        #expect(tol.termination == .convergedStep && tol.steps < 1000)
    }

    @Test("failures: a non-finite or wrong-length inverse, an overflowing target, a negative y under √")
    func failures() throws {
        let start: [Double] = [1, 2, 3]
        let target: [Double] = [0, 0, 0]
        let nanInverse = doublingProblem(start: start, target: target, inverse: { y in y.map { _ in .nan } })
        let shortInverse = doublingProblem(start: start, target: target, inverse: { y in Array(y.dropLast()) })
        let cases: [(InverseProblem, Double, TerminationReason)] = [
            (nanInverse, 0.5, .nonFiniteValue("inverse y⁻¹(y')")),
            (shortInverse, 0.5, .inverseFailed("the inverse gave 2 entries, expected 3")),
            // y - η (y - t) with η = 1e308 overflows.
            (doublingProblem(start: start, target: target), 1e308, .nonFiniteValue("y-space target")),
        ]
        for (p, eta, reason) in cases {
            let fused = try optimize(p, with: PhysicalGradient(eta: eta), options: RunOptions(steps: 3))
            let general = try optimize(generalPath(p), with: PhysicalGradient(eta: eta), options: RunOptions(steps: 3))
            #expect(fused.termination == reason && general.termination == reason)
            #expect(fused.steps == 0 && fused.x == start && !fused.isSuccess)
        }
        // η = 3 sends y' = -2y: the odd entries' square roots are undefined.
        let powers = try optimize(try Problems.powers(4), with: PhysicalGradient(eta: 3), options: RunOptions(steps: 3))
        let general = try optimize(generalPath(try Problems.powers(4)), with: PhysicalGradient(eta: 3), options: RunOptions(steps: 3))
        guard case .inverseFailed(let why) = powers.termination else {
            Issue.record("expected an inverse failure, got \(powers.termination)")
            return
        }
        // From 3: y = (3, 9, 3, 9), y' = -2y; the first odd entry is y'[1] = -18.
        #expect(why.hasPrefix("y[1] = -18.0 is outside the inverse's domain"))
        #expect(powers.termination == general.termination && powers.steps == 0)
    }

    @Test("a target near the largest double: the target's finiteness is scanned, and the run proceeds")
    func hugeTarget() throws {
        // y = 2x meets the target exactly in the first two entries, so L = 2.25 is small while
        // max|t| + (1 + η)√L is above 2¹⁰²³.
        let target: [Double] = [1e308, -1e308, 0.5]
        let start: [Double] = [0.5e308, -0.5e308, 1]
        let p = doublingProblem(start: start, target: target)
        let fused = try optimize(p, with: PhysicalGradient(eta: 0.5), options: RunOptions(steps: 4, trace: .scalars))
        let general = try optimize(generalPath(p), with: PhysicalGradient(eta: 0.5), options: RunOptions(steps: 4, trace: .scalars))
        #expect(fused.termination == .completedSteps && fused.steps == 4 && fused.isSuccess)
        #expect(fused.trajectory.loss.first == 2.25 && fused.loss == 2.25 / 256)
        #expect(fused.x == general.x && fused.trajectory.loss == general.trajectory.loss)
    }

    @Test("powers: the model's values and the inverse are the closed forms x_i, x_i² and y_i, √y_i", arguments: [2, 4, 6, 10, 1002])
    func powersModelAndInverse(n: Int) throws {
        let p = try Problems.powers(n)
        var model = p.model
        let x: [Double] = (0..<n).map { (i: Int) -> Double in Double.sin(Double(i) * 1.3) * 4 }
        let y = model.value(at: x)
        let expectedY: [Double] = (0..<n).map { (i: Int) -> Double in i % 2 == 1 ? x[i] * x[i] : x[i] }
        #expect(y == expectedY)
        var buffer = [Double](repeating: .nan, count: n)
        x.withUnsafeBufferPointer { xb in buffer.withUnsafeMutableBufferPointer { model.value(at: xb, into: $0) } }
        #expect(buffer == y)
        let target: [Double] = (0..<n).map { (i: Int) -> Double in i % 2 == 1 ? Double(i) / 7 : -Double(i) }
        let inverse = try p.inverse!(target)
        let expectedX: [Double] = (0..<n).map { (i: Int) -> Double in i % 2 == 1 ? target[i].squareRoot() : target[i] }
        #expect(inverse == expectedX)
        // A negative or NaN y_i at an odd i is outside the domain, reported at the first such i.
        for bad: Double in [-1e-300, -4.0, .nan] {
            var t = target
            t[n - 1] = bad
            if n > 4 { t[3] = bad }
            let first = n > 4 ? 3 : n - 1
            do throws(InverseDomainError) {
                _ = try p.inverse!(t)
                Issue.record("y[\(first)] = \(bad) was accepted")
            } catch {
                #expect(error.index == first && (error.value == bad || (bad.isNaN && error.value.isNaN)))
            }
        }
        // +∞ and NaN at even entries are inside the domain (x_i = y_i); the step checks finiteness.
        var t = target
        t[0] = Double.nan
        t[1] = Double.infinity
        let out = try p.inverse!(t)
        #expect(out[0].isNaN && out[1] == .infinity)
    }
}
