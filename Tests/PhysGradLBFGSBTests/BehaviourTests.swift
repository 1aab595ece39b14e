import Foundation
import Testing
import PhysGradLBFGSB

@Suite struct OptionAndInputValidationTests {
    @Test func defaultsAreSciPys() {
        let o = LBFGSBOptions()
        #expect(o.maxcor == 10 && o.m == 10)
        #expect(o.factr == 1e7 && abs(o.ftol - 2.220446049250313e-09) < 1e-24)
        #expect(o.pgtol == 1e-5 && o.gtol == 1e-5)
        #expect(o.maxiter == 15_000 && o.maxfun == 15_000 && o.maxls == 20 && o.eps == 1e-8)
        var p = o
        p.ftol = 1e-12
        #expect(abs(p.factr - 1e-12 / 0x1p-52) < 1e-6)
    }

    @Test(arguments: [
        ("maxcor", LBFGSBOptions(maxcor: 0)), ("factr", LBFGSBOptions(factr: -1)),
        ("factr", LBFGSBOptions(factr: .nan)), ("pgtol", LBFGSBOptions(pgtol: -1e-5)),
        ("pgtol", LBFGSBOptions(pgtol: .infinity)), ("maxiter", LBFGSBOptions(maxiter: 0)),
        ("maxfun", LBFGSBOptions(maxfun: -3)), ("maxls", LBFGSBOptions(maxls: 0)),
        ("eps", LBFGSBOptions(eps: 0)), ("eps", LBFGSBOptions(eps: .nan)),
        ("timeLimit", LBFGSBOptions(timeLimit: -1)), ("timeLimit", LBFGSBOptions(timeLimit: .nan)),
    ])
    func invalidOptionsThrow(_ name: String, _ options: LBFGSBOptions) {
        do {
            _ = try LBFGSBSolver(dimension: 2, options: options)
            Issue.record("no error for \(name)")
        } catch {
            guard case .invalidOption(let n, _, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(n == name)
            #expect(error.description.contains(name))
        }
    }

    @Test func invalidOptionsAreCaughtAtMinimizeToo() throws {
        var solver = try LBFGSBSolver(dimension: 2)
        solver.options.maxls = 0
        #expect(throws: LBFGSBError.self) { try solver.minimize(from: [0, 0], objective: Problems.booth) }
    }

    @Test func inputErrors() {
        #expect(throws: LBFGSBError.emptyProblem) { try LBFGSBSolver(dimension: 0) }
        #expect(throws: LBFGSBError.dimensionMismatch(name: "lower", expected: 2, actual: 1)) {
            try LBFGSBSolver(dimension: 2, lower: [0])
        }
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver(dimension: 2, lower: [.nan, 0]) }
        #expect(throws: LBFGSBError.invalidBound(index: 1, lower: .infinity, upper: .infinity)) {
            try LBFGSBSolver(dimension: 2, lower: [0, .infinity])
        }
        #expect(throws: LBFGSBError.infeasibleBounds(index: 1, lower: 3, upper: 2)) {
            try LBFGSBSolver(dimension: 2, lower: [0, 3], upper: [1, 2])
        }
        #expect(throws: LBFGSBError.nonFiniteStart(index: 1, value: .infinity)) {
            try LBFGSBSolver.minimize(from: [0, .infinity], objective: Problems.booth)
        }
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver.minimize(from: [0, .nan], value: { _ in 0 }) }
        #expect(throws: LBFGSBError.dimensionMismatch(name: "x0", expected: 2, actual: 3)) {
            var s = try LBFGSBSolver(dimension: 2)
            _ = try s.minimize(from: [0, 0, 0], objective: Problems.booth)
        }
    }

    @Test func sciPyStyleBounds() throws {
        let s = try LBFGSBSolver(bounds: [(nil, 1), (0, nil), (nil, nil)])
        #expect(s.lower == [-.infinity, 0, -.infinity] && s.upper == [1, .infinity, .infinity])
    }
}

@Suite struct BehaviourTests {
    /// Every evaluation point lies in the box: exact gradients and finite differences, starts inside and
    /// outside, variables fixed and at bounds.
    @Test(arguments: [false, true])
    func everyEvaluationInsideTheBox(finiteDifferences: Bool) throws {
        let n = 40
        let q = Problems.quadratic(n)
        var lower = q.lower, upper = q.upper
        lower[5] = 0.25
        upper[5] = 0.25  // fixed
        lower[7] = 0
        upper[7] = 1e-9  // a box thinner than the finite-difference step
        let x0 = (0..<n).map { 3 * sin(Double($0)) }  // partly outside the box
        var outside = 0
        var evaluations = 0
        func check(_ x: UnsafeBufferPointer<Double>) {
            evaluations += 1
            for i in 0..<n where x[i] < lower[i] || x[i] > upper[i] { outside += 1 }
        }
        var solver = try LBFGSBSolver(dimension: n, lower: lower, upper: upper)
        let r: LBFGSBResult
        if finiteDifferences {
            var g = [Double](repeating: 0, count: n)
            r = try solver.minimize(from: x0) { x in
                check(x)
                return g.withUnsafeMutableBufferPointer { q.objective(x, $0) }
            }
        } else {
            r = try solver.minimize(from: x0) { x, g in
                check(x)
                return q.objective(x, g)
            }
        }
        #expect(outside == 0)
        #expect(evaluations == r.evaluations)
        #expect(r.success && r.startWasProjected)
        #expect(r.x[5] == 0.25)
        for i in 0..<n { #expect(r.x[i] >= lower[i] && r.x[i] <= upper[i]) }
    }

    @Test func finiteDifferenceStepNextToABound() throws {
        // At x = upper the forward step would leave the box: it is flipped to a backward difference.
        var points: [[Double]] = []
        let r = try LBFGSBSolver.minimize(from: [1, 0.5], lower: [-1, -1], upper: [1, 1],
                                          options: LBFGSBOptions(maxiter: 1)) { x in
            points.append(Array(x))
            return (x[0] - 2) * (x[0] - 2) + x[1] * x[1]
        }
        #expect(points.allSatisfy { $0[0] <= 1 && $0[0] >= -1 })
        #expect(points[1][0] == 1 - 1e-8)  // the first difference for x0 = 1 steps backward
        #expect(r.x[0] == 1)
    }

    @Test func traceRecordsEveryIteration() throws {
        var options = LBFGSBOptions()
        options.trace = .scalars
        let r = try LBFGSBSolver.minimize(from: [-1.2, 1], options: options, objective: Problems.chainedRosenbrock)
        #expect(r.trace.count == r.iterations)
        #expect(r.trace.last?.f == r.f && r.trace.last?.evaluations == r.evaluations)
        #expect(zip(r.trace, r.trace.dropFirst()).allSatisfy { $1.f <= $0.f })
        let plain = try LBFGSBSolver.minimize(from: [-1.2, 1], objective: Problems.chainedRosenbrock)
        #expect(plain.trace.isEmpty && plain.x == r.x)
    }

    @Test func timeLimitStops() throws {
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), options: LBFGSBOptions(timeLimit: 1e-9)) { x, g in
            Problems.chainedRosenbrock(x, g)
        }
        #expect(r.termination == .timeLimit && r.iterations == 1 && !r.success)
    }

    /// A time limit of 0 stops at the first test (after the first iteration); +∞ is no limit.
    @Test func timeLimitZeroAndInfinity() throws {
        let zero = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), options: LBFGSBOptions(timeLimit: 0)) { x, g in
            Problems.chainedRosenbrock(x, g)
        }
        #expect(zero.termination == .timeLimit && zero.iterations == 1 && !zero.success)
        let none = try LBFGSBSolver.minimize(from: [-1.2, 1], options: LBFGSBOptions(timeLimit: .infinity),
                                             objective: Problems.chainedRosenbrock)
        let plain = try LBFGSBSolver.minimize(from: [-1.2, 1], objective: Problems.chainedRosenbrock)
        #expect(none.success && none.termination == plain.termination && none.x == plain.x)
    }

    @Test func callbackSeesStateAndIterationLimitWins() throws {
        var iterations: [Int] = []
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(4), options: LBFGSBOptions(maxiter: 2),
                                          callback: { p in
            iterations.append(p.iteration)
            #expect(p.x.count == 4 && p.gradient.count == 4 && p.projectedGradientNorm > 0)
            return .stop
        }, objective: Problems.chainedRosenbrock)
        #expect(iterations == [1])
        #expect(r.termination == .stoppedByCallback)
        let r2 = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(4), options: LBFGSBOptions(maxiter: 1),
                                           callback: { _ in .stop }, objective: Problems.chainedRosenbrock)
        #expect(r2.termination == .iterationLimit)  // as SciPy: the limit is tested after the callback
    }

    @Test func reusedSolverAndManyThreadsGiveIdenticalBits() async throws {
        var solver = try LBFGSBSolver(dimension: 100)
        let a = try solver.minimize(from: Problems.rosenbrockStart(100), objective: Problems.extendedRosenbrock)
        let b = try solver.minimize(from: Problems.rosenbrockStart(100), objective: Problems.extendedRosenbrock)
        #expect(a.x == b.x && a.iterations == b.iterations)
        let shared = solver
        let results = await withTaskGroup(of: [Double].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var s = shared  // value semantics: each task has its own workspace
                    return (try? s.minimize(from: Problems.rosenbrockStart(100), objective: Problems.extendedRosenbrock))?.x ?? []
                }
            }
            var all: [[Double]] = []
            for await x in group { all.append(x) }
            return all
        }
        #expect(results.count == 8 && results.allSatisfy { $0 == a.x })
    }

    @Test func neverSuccessWithNonFiniteValues() throws {
        // A gradient that turns infinite away from the start: the search backs off, the result is finite.
        let r = try LBFGSBSolver.minimize(from: [2]) { x, g in
            if x[0] < 0.5 {
                g[0] = .infinity
                return -.infinity
            }
            g[0] = 2 * (x[0] - 0.4)
            return (x[0] - 0.4) * (x[0] - 0.4)
        }
        #expect(r.f.isFinite && r.gradient.allSatisfy(\.isFinite) && r.x[0] >= 0.5)
        #expect(!r.success || r.projectedGradientNorm <= 1e-5)
    }

    @Test func messagesAreReadable() {
        #expect(LBFGSBTermination.convergedProjectedGradient.message == "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL")
        #expect(LBFGSBTermination.lineSearchFailed(.notDescentDirection).message.contains("descent"))
        #expect(LBFGSBTermination.evaluationLimit.scipyStatus == 1)
        #expect(LBFGSBTermination.nonFiniteValue.scipyStatus == 2)
    }
}
