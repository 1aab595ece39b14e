import Foundation
import Testing
import PhysGrad
import PhysGradTestSupport
import PhysGradDerivatives
import PhysGradLinearAlgebra

@Suite("The driver: options, trace, callback, termination reasons")
struct DriverTests {
    let seed = Problems.seed()

    @Test("trace policies keep what they promise")
    func tracePolicies() throws {
        let none = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 5, trace: .none))
        #expect(none.trajectory == Trajectory())
        #expect(none.firstUpdate != nil && none.steps == 5)
        let scalars = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 5, trace: .scalars))
        #expect(scalars.trajectory.loss.count == 6 && scalars.trajectory.x.isEmpty && scalars.trajectory.updates.isEmpty)
        #expect(scalars.trajectory.loss[0] == 90)
        let full = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 5, trace: .full))
        #expect(full.trajectory.x.count == 6 && full.trajectory.y.count == 6 && full.trajectory.updates.count == 5)
        #expect(full.trajectory.loss == scalars.trajectory.loss)
        // Same final state whatever the trace.
        #expect(none.x == full.x && scalars.x == full.x && none.loss == full.loss)
        #expect(full.trajectory.updates[0] == Vector.subtract(full.trajectory.x[1], full.trajectory.x[0]))
        #expect(full.y == [full.x[0], full.x[1] * full.x[1]])
    }

    @Test("the callback sees every step and can stop the run")
    func callback() throws {
        var seen: [Int] = []
        let r = try optimize(seed, with: Newton(eta: 1.0 / 3.0, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 10)) { it in
            seen.append(it.step)
            #expect(it.x.count == 2 && it.update.count == 2 && it.loss.isFinite)
            #expect(it.counts.gradients == it.step && it.counts.hessians == it.step)
            return it.step == 3 ? .stop : .proceed
        }
        #expect(seen == [1, 2, 3])
        #expect(r.termination == .stoppedByCallback && r.steps == 3)
        #expect(r.termination.isSuccess == false)
    }

    @Test("a full trace of large iterates stays within traceMemoryLimit")
    func traceWithinBudget() throws {
        // n = k = 2000: one full entry holds x, y and an update, 48,000 bytes of doubles. A budget
        // of 100,000 bytes has room for two entries (the start and the last step), not eight.
        let p = try Problems.powers(2000)
        let budget = 100_000
        let r = try optimize(p, with: GradientDescent(eta: 0.001), options: RunOptions(steps: 50, trace: .full, traceMemoryLimit: budget))
        let t = r.trajectory
        let doubles = (t.x + t.y + t.updates).reduce(0) { $0 + $1.count } + t.loss.count
        #expect(8 * doubles <= budget, "\(t.stepIndices.count) entries, \(8 * doubles) bytes")
        #expect(t.stepIndices == [0, 50] && t.x.last == r.x)
    }

    @Test("the callback also sees the step after which the method stops by itself")
    func callbackSeesConvergedStep() throws {
        // Newton and Gauss-Newton on seed end on their own convergence tests (the gradient test
        // fires at the start of a step, which is still taken); L-BFGS-B on its own.
        for method in [Newton(), GaussNewton(), LBFGSBMethod()] as [any Optimizer] {
            var seen: [Int] = []
            var last: [Double] = []
            let r = try optimize(seed, with: method, options: RunOptions(steps: 200)) { it in
                seen.append(it.step)
                last = it.x
                return .proceed
            }
            guard case .convergedByMethod = r.termination else {
                Issue.record("\(method.name): expected the method's own convergence, got \(r.termination)")
                continue
            }
            #expect(seen == Array(1...r.steps), "\(method.name): \(seen.count) callbacks for \(r.steps) steps")
            #expect(last == r.x, "\(method.name)")
        }
        // Asking to stop on that step leaves the method's reason.
        let stopped = try optimize(seed, with: Newton(), options: RunOptions(steps: 200)) { _ in .stop }
        #expect(stopped.steps == 1 && stopped.termination == .stoppedByCallback)
        let plain = try optimize(seed, with: Newton(), options: RunOptions(steps: 200))
        let atEnd = try optimize(seed, with: Newton(), options: RunOptions(steps: 200)) { it in it.step == plain.steps ? .stop : .proceed }
        #expect(atEnd.steps == plain.steps && atEnd.termination == plain.termination)
    }

    @Test("evaluation counts are the method's own work")
    func counts() throws {
        let gd = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 7))
        #expect(gd.counts.gradients == 7 && gd.counts.hessians == 0 && gd.counts.inverseSolves == 0)
        let pg = try optimize(seed, with: PhysicalGradient(eta: 0.3), options: RunOptions(steps: 4))
        // PG's fixed steps evaluate y at the start and at each new iterate (which gives the
        // driver the loss there, and the next step its y).
        #expect(pg.counts.models == 5 && pg.counts.inverseSolves == 4 && pg.counts.hessians == 4)
    }

    @Test("tolerances: target loss, step and gradient")
    func tolerances() throws {
        let target = try optimize(seed, with: PhysicalGradient(eta: 0.3), options: RunOptions(steps: 100, targetLoss: 1, trace: .scalars))
        #expect(target.termination == .reachedTargetLoss && target.loss <= 1)
        #expect(target.trajectory.loss.dropLast().allSatisfy { $0 > 1 })
        let step = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 1000, stepTolerance: 1e-3, trace: .full))
        #expect(step.termination == .convergedStep)
        #expect(Vector.normInf(step.trajectory.updates.last!) <= 1e-3)
        #expect(step.trajectory.updates.dropLast().allSatisfy { Vector.normInf($0) > 1e-3 })
        let grad = try optimize(seed, with: Newton(eta: 1, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1000, gradientTolerance: 1e-8))
        #expect(grad.termination == .convergedGradient)
        #expect(abs(2 * grad.x[0]) <= 1e-8 && abs(4 * pow(grad.x[1], 3)) <= 1e-8)
    }

    @Test("a time limit of zero stops before the first step")
    func timeLimit() throws {
        let r = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 10, timeLimit: 0))
        #expect(r.termination == .timeLimit && r.steps == 0 && r.x == [3, 3])
    }

    @Test("a time limit of +∞ is no limit")
    func infiniteTimeLimit() throws {
        let r = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 10, timeLimit: .infinity))
        let plain = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 10))
        #expect(r.termination == .completedSteps && r.steps == 10 && r.x == plain.x)
    }

    @Test("zero steps: the start, evaluated")
    func zeroSteps() throws {
        let r = try optimize(seed, with: GradientDescent(eta: 0.01), options: RunOptions(steps: 0))
        #expect(r.steps == 0 && r.x == [3, 3] && r.loss == 90 && r.y == [3, 9] && r.firstUpdate == nil)
        #expect(r.termination == .completedSteps)
    }

    @Test("bad input is a typed error before any step")
    func badInput() {
        #expect(throws: PhysGradError.dimensionMismatch(name: "start", expected: 2, actual: 3)) {
            try optimize(seed, with: GradientDescent(eta: 0.01), from: [1, 2, 3])
        }
        #expect(throws: PhysGradError.nonFiniteInput(name: "start", index: 1)) {
            try optimize(seed, with: GradientDescent(eta: 0.01), from: [1, .nan])
        }
        #expect(throws: PhysGradError.self) { try optimize(seed, with: GradientDescent(eta: -1)) }
        #expect(throws: PhysGradError.self) { try optimize(seed, with: GradientDescent(eta: .nan)) }
        #expect(throws: PhysGradError.self) { try optimize(seed, with: Adam(eta: 0.1, b1: 1)) }
        #expect(throws: PhysGradError.self) { try optimize(seed, with: GradientDescent(eta: 0.1), options: RunOptions(steps: -1)) }
        #expect(throws: PhysGradError.self) {
            try optimize(seed, with: GradientDescent(eta: 0.1), options: RunOptions(gradientTolerance: .infinity))
        }
    }

    @Test("derivative providers of the wrong size are a typed error, not a trap")
    func providerSizes() {
        // y = [x0², x1²], L(y) = |y|²: n = k = 2, with one provider built for 3 entries.
        let model = AutomaticModel(StandardFunctions.Powers(), inputDimension: 2)
        let objective = AutomaticObjective(ComposedObjective(model: StandardFunctions.Powers(), loss: StandardFunctions.SquaredNorm()),
                                           dimension: 2)
        let loss = AutomaticObjective(StandardFunctions.SquaredNorm(), dimension: 2)
        let wrongLoss = InverseProblem(name: "wrong-loss", model: model, outputDimension: 2,
                                       loss: AutomaticObjective(StandardFunctions.SquaredNorm(), dimension: 3),
                                       objective: objective, start: [1, 2])
        #expect(throws: PhysGradError.dimensionMismatch(name: "loss L(y) (loss.dimension)", expected: 2, actual: 3)) {
            try optimize(wrongLoss, with: PhysicalGradient(eta: 0.1, inverse: .numerical(.exact)))
        }
        let wrongObjective = InverseProblem(
            name: "wrong-objective", model: model, outputDimension: 2, loss: loss,
            objective: AutomaticObjective(ComposedObjective(model: StandardFunctions.Powers(), loss: StandardFunctions.SquaredNorm()),
                                          dimension: 3),
            start: [1, 2])
        #expect(throws: PhysGradError.dimensionMismatch(name: "objective L(y(x)) (objective.dimension)", expected: 2, actual: 3)) {
            try optimize(wrongObjective, with: GradientDescent(eta: 0.1))
        }
        var wrongModel = InverseProblem(name: "wrong-model", model: model, outputDimension: 2, loss: loss, objective: objective,
                                        start: [1, 2])
        wrongModel.model = AutomaticModel(StandardFunctions.Powers(), inputDimension: 3)
        #expect(throws: PhysGradError.dimensionMismatch(name: "model input (model.inputDimension)", expected: 2, actual: 3)) {
            try optimize(wrongModel, with: GradientDescent(eta: 0.1))
        }
    }

    @Test("the description writes subnormal losses as numbers")
    func subnormalDescription() throws {
        // L = x² at x = 2.2e-162 is 4.84e-324, which rounds to the smallest subnormal 4.94e-324
        // (written "infe-323" when 10^-324 underflowed to 0); 1.1e-160 gives 1.21e-320.
        for (x, text) in [(2.2e-162, "4.9e-324"), (1.1e-160, "1.2e-320"), (3.0e-155, "9.0e-310")] {
            let p = InverseProblem(name: "tiny", dimension: 1, outputDimension: 1, model: Identity(), loss: SquaredDistance(target: [0]),
                                   start: [x])
            let r = try optimize(p, with: GradientDescent(eta: 0.1), options: RunOptions(steps: 0))
            #expect(r.description == "completed the requested steps; loss \(text) -> \(text) (unchanged)")
        }
    }

    @Test("a step that would leave the finite numbers ends the run with the last finite iterate")
    func divergence() throws {
        // GD with a huge step on x1^4 explodes: 3 -> 3 - 1e3·108 -> ... overflows within a few steps.
        let r = try optimize(seed, with: GradientDescent(eta: 1e3), options: RunOptions(steps: 50, trace: .full))
        guard case .nonFiniteValue = r.termination else {
            Issue.record("expected a non-finite termination, got \(r.termination)")
            return
        }
        #expect(r.x.allSatisfy(\.isFinite) && r.loss.isFinite)
        #expect(r.trajectory.x.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(r.steps < 50)
    }

    @Test("PG whose y-space step lands outside the inverse's domain stops with the reason")
    func inverseOutsideDomain() throws {
        // eta = 3: y1' = y1 - 3·y1 = -2·y1 < 0, and sqrt has no real value there.
        let r = try optimize(seed, with: PhysicalGradient(eta: 3), options: RunOptions(steps: 5))
        #expect(r.termination == .inverseFailed("y[1] = -18.0 is outside the inverse's domain: y_i = x_i^2 cannot be negative"))
        #expect(r.steps == 0 && r.x == [3, 3])
    }

    @Test("Newton on a singular or indefinite Hessian does what its policy says")
    func hessianPolicies() throws {
        // L(x) = x0^2 - x1^2 (a saddle), written as a problem with a dense Hessian diag(2, -2).
        let saddle = InverseProblem(
            name: "saddle", dimension: 2, outputDimension: 2, model: StandardFunctions.Powers(), loss: Saddle(),
            start: [1, 1], objectiveHessianStructure: .dense)
        let exact = try optimize(saddle, with: Newton(eta: 1, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1))
        // The exact Newton step of a quadratic jumps to its stationary point, the saddle.
        #expect(maxDifference(exact.x, [0, 0]) < 1e-12)
        let strict = try optimize(saddle, with: Newton(eta: 1, policy: .requirePositiveDefinite, acceptance: .fixed), options: RunOptions(steps: 1))
        #expect(strict.termination == .linearAlgebraFailure(.notPositiveDefinite(order: 2)))
        #expect(strict.x == [1, 1])
        let regular = try optimize(saddle, with: Newton(eta: 1, policy: .regularize(initialShift: 1e-3), acceptance: .fixed), options: RunOptions(steps: 1))
        #expect(regular.loss < -0.0)  // descended: x1 moved away from 0, L became negative
        // A singular Hessian: L(x) = x0^2 (x1 does not matter).
        let flat = InverseProblem(
            name: "flat", dimension: 2, outputDimension: 2, model: StandardFunctions.Powers(), loss: FirstOnly(),
            start: [1, 1], objectiveHessianStructure: .dense)
        let singular = try optimize(flat, with: Newton(eta: 1, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1))
        #expect(singular.termination == .linearAlgebraFailure(.singular(pivot: 1)))
        let diagonal = InverseProblem(
            name: "flat", dimension: 2, outputDimension: 2, model: StandardFunctions.Powers(), loss: FirstOnly(),
            start: [1, 1], objectiveHessianStructure: .diagonal)
        let singularDiagonal = try optimize(diagonal, with: Newton(eta: 1, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1))
        #expect(singularDiagonal.termination == .linearAlgebraFailure(.singular(pivot: 1)))
        let regularized = try optimize(diagonal, with: Newton(eta: 1, policy: .regularize(initialShift: 1e-3), acceptance: .fixed),
                                       options: RunOptions(steps: 1))
        #expect(regularized.termination == .completedSteps && regularized.x.allSatisfy(\.isFinite))
    }

    @Test("a thinned trace ends with the run's last iterate whatever the step count")
    func thinnedTraceKeepsLastStep() throws {
        // A 1-byte budget keeps the start and the latest entry; runs of every length up to 80 steps
        // thin the trace up to six times, and most end with a step that the last thinning dropped
        // (with 8 entries kept, 57 steps ended the trace at step 48). The unthinned run of the same
        // steps gives each entry's values.
        let p = try Problems.powers(4)
        let reference = try optimize(p, with: GradientDescent(eta: 0.001), options: RunOptions(steps: 80, trace: .full))
        for policy in [TracePolicy.scalars, .full] {
            for steps in 1...80 {
                let r = try optimize(p, with: GradientDescent(eta: 0.001),
                                     options: RunOptions(steps: steps, trace: policy, traceMemoryLimit: 1))
                let t = r.trajectory
                #expect(t.stepIndices.first == 0 && t.stepIndices.last == steps, "\(policy) \(steps): \(t.stepIndices)")
                #expect(zip(t.stepIndices, t.stepIndices.dropFirst()).allSatisfy { $0 < $1 }, "\(t.stepIndices)")
                #expect(t.stepIndices.count <= 2 && t.loss.count == t.stepIndices.count && t.reports.count == t.stepIndices.count - 1)
                #expect(t.loss.last == r.loss)
                for (i, k) in t.stepIndices.enumerated() { #expect(t.loss[i] == reference.trajectory.loss[k]) }
                if policy == .full {
                    #expect(t.x.last == r.x && t.y.last == r.y && t.x.count == t.stepIndices.count)
                    #expect(t.updates.count == t.stepIndices.count - 1)
                    for (i, k) in t.stepIndices.enumerated() {
                        #expect(t.x[i] == reference.trajectory.x[k] && t.y[i] == reference.trajectory.y[k])
                        if i > 0 { #expect(t.updates[i - 1] == reference.trajectory.updates[k - 1]) }
                    }
                }
            }
        }
    }

    @Test("many runs at once give the same bits as one at a time")
    func concurrency() async throws {
        let problem = try Problems.blur(16)
        let sequential = try (0..<8).map { k in
            try optimize(problem, with: PhysicalGradient(eta: 0.5 + 0.05 * Double(k), inverse: .numerical(.exact)),
                         options: RunOptions(steps: 3, trace: .none)).x
        }
        let parallel = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for k in 0..<8 {
                group.addTask {
                    (k, try optimize(problem, with: PhysicalGradient(eta: 0.5 + 0.05 * Double(k), inverse: .numerical(.exact)),
                                     options: RunOptions(steps: 3, trace: .none)).x)
                }
            }
            var out = [[Double]](repeating: [], count: 8)
            for try await (k, x) in group { out[k] = x }
            return out
        }
        #expect(parallel == sequential)
    }
}

/// y = x.
struct Identity: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { x }
}

/// L(y) = y0² - y1 (with y1 = x1²: L = x0² - x1², a saddle at 0).
struct Saddle: GenericObjective, Sendable {
    func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T { y[0] * y[0] - y[1] }
}

/// L(y) = y0²: the Hessian in x is diag(2, 0), singular.
struct FirstOnly: GenericObjective, Sendable {
    func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T { y[0] * y[0] }
}
