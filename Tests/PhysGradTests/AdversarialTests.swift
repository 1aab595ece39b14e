import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLBFGSB

/// y(x) = [sqrt(x0), x1]: NaN for x0 < 0 (a model with a hole in its domain), target [1, 1].
struct SqrtModel: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { [T.sqrt(x[0]), x[1]] }
}

/// Bad input and numerical faults end in a typed error or a termination reason: never a crash,
/// never a NaN in a result.
@Suite("Adversarial input and faults")
struct AdversarialTests {
    func holeProblem() -> InverseProblem {
        InverseProblem(name: "hole", dimension: 2, outputDimension: 2, model: SqrtModel(),
                       loss: SquaredDistance(target: [1, 1]), start: [0.25, 0], solution: [1, 1])
    }

    func expectClean(_ r: OptimizationResult, _ label: String) {
        let finiteX = r.x.allSatisfy(\.isFinite), finiteY = r.y.allSatisfy(\.isFinite)
        let finiteTrajectory = r.trajectory.x.allSatisfy { $0.allSatisfy(\.isFinite) }
        let finiteLosses = r.trajectory.loss.allSatisfy(\.isFinite)
        #expect(finiteX, "\(label): x \(r.x)")
        #expect(r.loss.isFinite, "\(label): loss \(r.loss)")
        #expect(finiteY, "\(label): y \(r.y)")
        #expect(finiteTrajectory, "\(label): trajectory")
        #expect(finiteLosses, "\(label): losses")
    }

    @Test("a model that is NaN in part of the domain: every method stops or backs off, no NaN escapes")
    func modelWithHole() throws {
        let p = holeProblem()
        // GD with a step that jumps over x0 = 0 into the hole.
        let gd = try optimize(p, with: GradientDescent(eta: 5), options: RunOptions(steps: 20))
        expectClean(gd, "gd")
        // L-BFGS-B backs off from NaN trial points and converges to the solution.
        let lb = try optimize(p, with: LBFGSBMethod(), options: RunOptions(steps: 200))
        expectClean(lb, "lbfgsb")
        #expect(lb.distanceToSolution! < 1e-4, "lbfgsb: \(lb.x) \(lb.termination)")
        // PG with the numerical inverse: the inner solver backs off too.
        let pg = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(.exact)), options: RunOptions(steps: 10))
        expectClean(pg, "pg-numerical")
        #expect(pg.distanceToSolution! < 1e-4, "pg-numerical: \(pg.x) \(pg.termination)")
        // Starting inside the hole, or where the model overflows, is a typed error before any step.
        #expect(throws: PhysGradError.nonFiniteAtStart(quantity: "model output y(x)")) {
            try optimize(p, with: GradientDescent(eta: 0.1), from: [-1, 0], options: RunOptions(steps: 5))
        }
        #expect(throws: PhysGradError.nonFiniteAtStart(quantity: "model output y(x)")) {
            try optimize(Problems.seed(), with: Newton(eta: 1), from: [1e308, 1e308])
        }
        #expect(throws: PhysGradError.nonFiniteAtStart(quantity: "loss L(y(x))")) {
            try optimize(Problems.seed(), with: Newton(eta: 1), from: [1e200, 1])
        }
    }

    @Test("non-finite step sizes, tolerances and options are typed errors", arguments: [Double.nan, .infinity, -.infinity, 0, -1])
    func badNumbers(v: Double) {
        let p = Problems.seed()
        #expect(throws: PhysGradError.self) { try optimize(p, with: GradientDescent(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: Newton(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: PhysicalGradient(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: Adam(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: AdaGrad(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: RMSProp(eta: v)) }
        #expect(throws: PhysGradError.self) { try optimize(p, with: Newton(eta: 1, policy: .regularize(initialShift: v))) }
        if !(v >= 0) || v.isInfinite {
            #expect(throws: PhysGradError.self) { try optimize(p, with: GradientDescent(eta: 0.1), options: RunOptions(stepTolerance: v)) }
        }
        if !(v >= 0) {  // a time limit of +∞ is no limit, as in LBFGSBOptions
            #expect(throws: PhysGradError.self) { try optimize(p, with: GradientDescent(eta: 0.1), options: RunOptions(timeLimit: v)) }
        }
        if v != 0 {  // pgtol = 0 is valid (SciPy's meaning: never stop on the projected gradient)
            #expect(throws: PhysGradError.self) {
                try optimize(p, with: PhysicalGradient(eta: 0.3, inverse: .numerical(NumericalInverse(gradient: .exact, options: LBFGSBOptions(pgtol: v)))))
            }
        }
    }

    @Test("invalid dimensions and starts of every problem are typed errors")
    func dimensions() {
        #expect(throws: PhysGradError.self) { try Problems.powers(-2) }
        #expect(throws: PhysGradError.self) { try Problems.blur(0) }
        #expect(throws: PhysGradError.self) { try Problems.burgers(2) }
        // Absurd sizes are refused before anything is allocated.
        #expect(throws: PhysGradError.self) { try Problems.powers(1 << 40) }
        #expect(throws: PhysGradError.self) { try Problems.blur(Int.max) }
        #expect(throws: PhysGradError.self) { try Problems.burgers(1_000_000) }
        #expect(throws: PhysGradError.dimensionMismatch(name: "start", expected: 2, actual: 0)) {
            try optimize(Problems.seed(), with: GradientDescent(eta: 0.01), from: [])
        }
        #expect(throws: PhysGradError.nonFiniteInput(name: "start", index: 0)) {
            try optimize(Problems.seed(), with: LBFGSBMethod(), from: [.infinity, 1])
        }
    }

    @Test("the numerical inverse alone: bad targets, bounds and starts are typed errors")
    func invertInput() {
        let p = Problems.seed()
        #expect(throws: PhysGradError.nonFiniteInput(name: "target", index: 1)) { try p.invert(target: [2, .nan], from: [3, 3]) }
        #expect(throws: PhysGradError.dimensionMismatch(name: "target", expected: 2, actual: 3)) {
            try p.invert(target: [2, 2, 2], from: [3, 3])
        }
        #expect(throws: PhysGradError.self) { try p.invert(target: [2, 2], from: [3, 3], lower: [4, 0], upper: [3, 5]) }
        #expect(throws: PhysGradError.self) { try p.invert(target: [2, 2], from: [3, 3], lower: [.nan, 0]) }
        // A start outside the bounds is projected, and the result says so.
        let r = try? p.invert(target: [2, 2], from: [3, 3], lower: [0, 0], upper: [2.5, 2.5])
        #expect(r?.solver.startWasProjected == true)
        #expect(r.map { $0.x.allSatisfy(\.isFinite) } == true)
    }

    @Test("a target outside the model's range: the inverse returns the closest point, finite")
    func unreachableTarget() throws {
        // y1 = x1^2 cannot be negative: the best x has x1 = 0.
        let r = try Problems.seed().invert(target: [1, -4], from: [3, 3], using: .exact)
        let finite = r.x.allSatisfy(\.isFinite)
        #expect(finite)
        #expect(abs(r.x[0] - 1) < 1e-8 && abs(r.x[1]) < 1e-3)
        #expect(abs(r.residual - 4) < 1e-6)
    }
}
