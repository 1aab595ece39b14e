import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLBFGSB

@Suite("L-BFGS-B as a method of the driver")
struct LBFGSBMethodTests {
    /// The same solve through LBFGSBSolver directly, with the same exact gradient.
    func direct(_ problem: InverseProblem) throws -> LBFGSBResult {
        var objective = problem.objective
        return try LBFGSBSolver.minimize(from: problem.start) { x, g in objective.valueAndGradient(at: x, gradient: g) }
    }

    @Test("one driver step per L-BFGS-B iteration; same iterates and result as the solver alone")
    func matchesSolver() throws {
        let problem = try Problems.blur(12)
        let reference = try direct(problem)
        var seen = 0
        let r = try optimize(problem, with: LBFGSBMethod(), options: RunOptions(steps: 10_000)) { _ in
            seen += 1
            return .proceed
        }
        #expect(r.termination == .convergedByMethod(reference.message))
        #expect(r.steps == reference.iterations && seen == reference.iterations)
        #expect(r.x == reference.x)
        #expect(r.counts.gradients == reference.evaluations)
        #expect(r.method == "lbfgsb" && r.stepSize == nil)
    }

    @Test("the driver's step limit and callback stop the solver mid-run")
    func driverStops() throws {
        let problem = try Problems.powers(8)
        let three = try optimize(problem, with: LBFGSBMethod(), options: RunOptions(steps: 3))
        #expect(three.steps == 3 && three.termination == .completedSteps)
        let stopped = try optimize(problem, with: LBFGSBMethod(), options: RunOptions(steps: 100)) { $0.step == 2 ? .stop : .proceed }
        #expect(stopped.steps == 2 && stopped.termination == .stoppedByCallback)
        // The iterate after 2 steps is the same either way.
        let two = try optimize(problem, with: LBFGSBMethod(), options: RunOptions(steps: 2))
        #expect(two.x == stopped.x)
    }

    @Test("converges on every catalog problem", arguments: ["seed", "powers", "blur", "burgers"])
    func catalog(name: String) throws {
        let problem: InverseProblem
        switch name {
        case "seed": problem = Problems.seed()
        case "powers": problem = try Problems.powers(20)
        case "blur": problem = try Problems.blur(32)
        default: problem = try Problems.burgers(32)
        }
        let r = try optimize(problem, with: LBFGSBMethod(options: LBFGSBOptions(factr: 10, pgtol: 1e-10)),
                             options: RunOptions(steps: 5000, trace: .none))
        #expect(r.termination.isSuccess, "\(r.termination)")
        // x1^4 terms make the seed/powers minimum flat: L-BFGS-B stops at L ~ 1e-12 there.
        #expect(r.loss < 1e-10, "\(name): loss \(r.loss)")
    }

    @Test("invalid bounds and options are typed errors before the run")
    func validation() {
        #expect(throws: PhysGradError.self) { try optimize(Problems.seed(), with: LBFGSBMethod(lower: [1, 1], upper: [0, 0])) }
        #expect(throws: PhysGradError.self) { try optimize(Problems.seed(), with: LBFGSBMethod(lower: [1])) }
        #expect(throws: PhysGradError.self) { try optimize(Problems.seed(), with: LBFGSBMethod(options: LBFGSBOptions(maxcor: 0))) }
    }
}
