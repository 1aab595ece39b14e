import Foundation
import Testing
import PhysGradLBFGSB

/// `LBFGSBRun`, the solver stepped one iteration at a time: stepping to the end is `minimize`, bit for
/// bit, and the run behaves as a value.
@Suite struct SteppingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var testDescription: String { name }
    }

    /// Every reference problem (unbounded, bounded, fixed variables, a start outside the box, m = 5,
    /// n = 1000 on the fused path), and two with finite differences.
    static let cases = ReferenceTests.cases.map { Case(name: $0.name) }
        + [Case(name: "fd chapter inverse"), Case(name: "fd fixed variable")]

    static func setup(_ name: String) -> (solver: LBFGSBSolver, x0: [Double], objective: Problems.Objective?,
                                          value: ((UnsafeBufferPointer<Double>) -> Double)?) {
        var options = LBFGSBOptions()
        options.trace = .scalars
        switch name {
        case "fd chapter inverse":
            return (try! LBFGSBSolver(dimension: 2, options: options), [3, 3], nil, Problems.inverseValue)
        case "fd fixed variable":
            let inf = Double.infinity
            let solver = try! LBFGSBSolver(dimension: 5, lower: [-inf, -inf, 1, -inf, -inf], upper: [inf, inf, 1, inf, inf],
                                           options: options)
            return (solver, [0, 0, 0, 0, 0], nil, Problems.chainedRosenbrockValue)
        default:
            let p = ReferenceTests.setup(name)
            var o = p.options
            o.trace = .scalars
            return (try! LBFGSBSolver(dimension: p.x0.count, lower: p.lower, upper: p.upper, options: o), p.x0, p.objective, nil)
        }
    }

    static func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }

    @Test(arguments: cases)
    func steppingToTheEndIsMinimize(_ c: Case) throws {
        var (solver, x0, objective, value) = Self.setup(c.name)
        var run = try solver.start(from: x0)
        var records: [LBFGSBIterationRecord] = []
        var steps = 0
        while run.termination == nil {
            let step: LBFGSBStep
            if let objective { step = run.step(objective: objective) } else { step = try run.step(value: value!) }
            steps += 1
            if let record = step.iteration {
                records.append(record)
                #expect(record.iteration == run.iterations && record.f == run.f)
                #expect(record.evaluations == run.evaluations)
            }
            #expect(step.termination == run.termination)
        }
        let stepped = run.result
        let direct: LBFGSBResult
        if let objective { direct = try solver.minimize(from: x0, objective: objective) } else { direct = try solver.minimize(from: x0, value: value!) }
        #expect(Self.bits(stepped.x) == Self.bits(direct.x))
        #expect(Self.bits(stepped.gradient) == Self.bits(direct.gradient))
        #expect(stepped.f.bitPattern == direct.f.bitPattern)
        #expect(stepped.projectedGradientNorm.bitPattern == direct.projectedGradientNorm.bitPattern)
        #expect(stepped.iterations == direct.iterations && stepped.evaluations == direct.evaluations)
        #expect(stepped.gradientEvaluations == direct.gradientEvaluations && stepped.restarts == direct.restarts)
        #expect(stepped.termination == direct.termination && stepped.startWasProjected == direct.startWasProjected)
        #expect(stepped.trace == direct.trace && records == direct.trace)
        // One step per iteration, plus one if the run ended without moving.
        #expect(steps == records.count || steps == records.count + 1)
    }

    @Test func aFinishedRunDoesNothing() throws {
        var run = try LBFGSBSolver(dimension: 2).start(from: [-1.2, 1])
        var calls = 0
        while run.termination == nil { _ = run.step { x, g in calls += 1; return Problems.chainedRosenbrock(x, g) } }
        let before = run.result
        let again = run.step { x, g in calls += 1; return Problems.chainedRosenbrock(x, g) }
        #expect(again.iteration == nil && again.termination == before.termination)
        #expect(calls == before.evaluations && run.evaluations == before.evaluations && run.x == before.x)
    }

    @Test func startAtTheOptimumEndsInTheFirstStep() throws {
        var run = try LBFGSBSolver(dimension: 2).start(from: [1, 3])
        #expect(run.x == [1, 3] && run.termination == nil && run.evaluations == 0)
        let step = run.step(objective: Problems.booth)
        #expect(step.iteration == nil && step.termination == .convergedProjectedGradient)
        #expect(run.evaluations == 1 && run.iterations == 0 && run.f == 0)
    }

    @Test func stopEndsTheRunWhereItIs() throws {
        var run = try LBFGSBSolver(dimension: 10).start(from: Problems.rosenbrockStart(10))
        for _ in 0..<3 { _ = run.step(objective: Problems.chainedRosenbrock) }
        let x = run.x
        run.stop()
        #expect(run.termination == .stoppedByCallback && run.iterations == 3 && run.x == x)
        // The same as minimize with a callback that stops after the third iteration.
        let viaCallback = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), callback: { p in
            p.iteration == 3 ? .stop : .continue
        }, objective: Problems.chainedRosenbrock)
        #expect(viaCallback.x == run.result.x && viaCallback.evaluations == run.evaluations)
        // Stopping a finished run keeps its termination.
        var done = try LBFGSBSolver(dimension: 2).start(from: [1, 3])
        _ = done.step(objective: Problems.booth)
        done.stop()
        #expect(done.termination == .convergedProjectedGradient)
    }

    /// A copy taken mid-run is an independent run: both reach minimize's result, and stepping one does
    /// not move the other.
    @Test func runsAreValues() throws {
        let solver = try LBFGSBSolver(dimension: 100, lower: [Double](repeating: -0.5, count: 100))
        let direct = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(100), lower: [Double](repeating: -0.5, count: 100),
                                               objective: Problems.extendedRosenbrock)
        var run = try solver.start(from: Problems.rosenbrockStart(100))
        for _ in 0..<5 { _ = run.step(objective: Problems.extendedRosenbrock) }
        var copy = run
        let xAtCopy = run.x
        while copy.termination == nil { _ = copy.step(objective: Problems.extendedRosenbrock) }
        #expect(run.x == xAtCopy && run.iterations == 5)
        while run.termination == nil { _ = run.step(objective: Problems.extendedRosenbrock) }
        for r in [run.result, copy.result] {
            #expect(r.x == direct.x && r.iterations == direct.iterations && r.evaluations == direct.evaluations)
        }
    }

    /// The evaluation limit, tested after the callback as SciPy does, wins over its stop.
    @Test func evaluationLimitWinsOverACallbackStop() throws {
        var afterFirst = 0
        _ = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(4), callback: { p in
            afterFirst = p.evaluations
            return .stop
        }, objective: Problems.chainedRosenbrock)
        // With maxfun one less, the first iteration still completes (no trial starts beyond maxfun) and
        // then exceeds it.
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(4), options: LBFGSBOptions(maxfun: afterFirst - 1),
                                          callback: { _ in .stop }, objective: Problems.chainedRosenbrock)
        #expect(r.iterations == 1 && r.evaluations == afterFirst && r.termination == .evaluationLimit)
    }
}
