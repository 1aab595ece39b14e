import Foundation
import Testing
import PhysGradLBFGSB

/// Sizes a user chooses have a ceiling checked before anything is allocated, and `maxfun` and the time
/// limit hold inside line searches and finite-difference gradients.
@Suite struct SizeLimitTests {
    /// The documented formula, 8·((2m + 7)n + 11m² + 23m) + 13n bytes, worked out by hand.
    @Test func workspaceEstimate() {
        #expect(LBFGSBSolver.workspaceBytes(dimension: 1000, maxcor: 10) == 8 * (27 * 1000 + 1100 + 230) + 13_000)
        #expect(LBFGSBSolver.workspaceBytes(dimension: 2, maxcor: 100_000)
            == 8 * ((200_007 * 2) + 11 * 10_000_000_000 + 2_300_000) + 26)
        #expect(LBFGSBSolver.workspaceBytes(dimension: 2, maxcor: 1_000_000_000_000) == nil)  // beyond Int.max
        #expect(LBFGSBSolver.workspaceBytes(dimension: Int.max, maxcor: 1) == nil)
        #expect(LBFGSBSolver.workspaceBytes(dimension: -1, maxcor: 1) == nil)
    }

    /// Issue 11: `--maxcor 1000000000000` overflowed, `--maxcor 100000` asked for 880 GB.
    @Test(arguments: [100_000, 1_000_000_000_000])
    func hugeMaxcorIsRefused(maxcor: Int) {
        do {
            _ = try LBFGSBSolver.minimize(from: [1, 1], options: LBFGSBOptions(maxcor: maxcor), objective: Problems.beale)
            Issue.record("no error")
        } catch {
            guard case let .workspaceTooLarge(n, m, bytes, limit) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(n == 2 && m == maxcor && limit == LBFGSBOptions.defaultMemoryLimit)
            #expect(bytes == LBFGSBSolver.workspaceBytes(dimension: 2, maxcor: maxcor))
            let message = error.description
            #expect(!message.contains("\n") && message.contains("maxcor = \(maxcor)") && message.contains("memoryLimit"))
        }
    }

    @Test func theMemoryLimitCanBeRaisedOrLowered() throws {
        let need = try #require(LBFGSBSolver.workspaceBytes(dimension: 2, maxcor: 10))
        #expect(throws: LBFGSBError.workspaceTooLarge(dimension: 2, maxcor: 10, bytes: need, limit: need - 1)) {
            try LBFGSBSolver(dimension: 2, options: LBFGSBOptions(memoryLimit: need - 1))
        }
        let r = try LBFGSBSolver.minimize(from: [1, 1], options: LBFGSBOptions(memoryLimit: need), objective: Problems.beale)
        #expect(r.success)
        // A raised limit admits a workspace the default refuses (n = 2, m = 20000: 35 GB; not allocated here).
        var options = LBFGSBOptions(maxcor: 20_000)
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver(dimension: 2, options: options) }
        options.memoryLimit = Int.max
        #expect(throws: Never.self) { try LBFGSBSolver(dimension: 2, options: options) }
        // Options changed after the solver was made are checked again when a run starts.
        var solver = try LBFGSBSolver(dimension: 2)
        solver.options.maxcor = 100_000
        #expect(throws: LBFGSBError.self) { try solver.start(from: [1, 1]) }
        #expect(throws: LBFGSBError.self) { try solver.minimize(from: [1, 1], objective: Problems.beale) }
        #expect(throws: LBFGSBError.invalidOption(name: "memoryLimit", value: "-1", reason: "must be >= 0 bytes")) {
            try LBFGSBSolver(dimension: 2, options: LBFGSBOptions(memoryLimit: -1))
        }
    }

    @Test func dimensionCeiling() {
        #expect(throws: LBFGSBError.dimensionTooLarge(dimension: Int(Int32.max) + 1, limit: Int(Int32.max))) {
            try LBFGSBSolver(dimension: Int(Int32.max) + 1)
        }
        // Below the ceiling the memory limit decides, before anything is allocated (2e9 variables: 450 GB).
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver(dimension: 2_000_000_000) }
    }
}

@Suite struct EvaluationBudgetTests {
    /// maxls has no ceiling: no evaluation of a line search starts once more than maxfun were made.
    /// (f(x) = x + exp(-10x) from 10: SciPy's first search fails after 5 evaluations with maxls = 5.)
    @Test(arguments: [1_000, Int.max])
    func maxfunEndsALineSearch(maxls: Int) throws {
        var evaluations = 0
        let r = try LBFGSBSolver.minimize(from: [10], options: LBFGSBOptions(maxfun: 3, maxls: maxls)) { x, g in
            evaluations += 1
            return EdgeCaseTests.unboundedBelow(x, g)
        }
        #expect(r.termination == .evaluationLimit && !r.success)
        #expect(r.evaluations == 4 && evaluations == 4)
        #expect(r.x == [10] && r.iterations == 0)
    }

    /// Issue 11: forward differences are refused before any evaluation when maxfun cannot pay for two
    /// gradients, the fewest an iteration takes (n = 200000 used to run n + 1 evaluations per gradient,
    /// for days, before maxfun was tested).
    @Test(arguments: [10_000, 200_000])
    func finiteDifferencesBeyondMaxfunAreRefused(n: Int) {
        var evaluations = 0
        #expect(throws: LBFGSBError.finiteDifferencesExceedBudget(evaluationsPerGradient: n + 1, maxfun: 15_000)) {
            try LBFGSBSolver.minimize(from: [Double](repeating: 0, count: n)) { _ in
                evaluations += 1
                return 0
            }
        }
        #expect(evaluations == 0)
        let message = LBFGSBError.finiteDifferencesExceedBudget(evaluationsPerGradient: n + 1, maxfun: 15_000).description
        #expect(message.contains("maxfun = 15000") && message.contains("\(n + 1) evaluations") && !message.contains("\n"))
        // Exactly two gradients are allowed.
        #expect(throws: Never.self) {
            try LBFGSBSolver.minimize(from: [0, 0], options: LBFGSBOptions(maxfun: 6)) { x in x[0] * x[0] + x[1] * x[1] }
        }
    }

    @Test func fixedVariablesCostNoEvaluation() throws {
        // 10 variables, 2 fixed: two gradients of 9 evaluations fit in maxfun = 18; with one variable less
        // fixed they would not.
        var lower = [Double](repeating: -5, count: 10), upper = [Double](repeating: 5, count: 10)
        lower[3] = 1; upper[3] = 1
        lower[7] = 2; upper[7] = 2
        let x0 = [Double](repeating: 0, count: 10)
        var run = try LBFGSBSolver(dimension: 10, lower: lower, upper: upper, options: LBFGSBOptions(maxfun: 18)).start(from: x0)
        while run.termination == nil { _ = try run.step(value: Problems.chainedRosenbrockValue) }
        // Two gradients (18), then one trial value (19 > maxfun) and no more.
        #expect(run.evaluations == 19 && run.termination == .evaluationLimit)
        upper[7] = 3
        #expect(throws: LBFGSBError.finiteDifferencesExceedBudget(evaluationsPerGradient: 10, maxfun: 18)) {
            var run = try LBFGSBSolver(dimension: 10, lower: lower, upper: upper, options: LBFGSBOptions(maxfun: 18)).start(from: x0)
            _ = try run.step(value: Problems.chainedRosenbrockValue)
        }
    }

    /// A gradient cut short by maxfun: the run ends at the last accepted iterate, with its value and
    /// complete gradient, after exactly maxfun + 1 evaluations.
    @Test(arguments: [102, 120, 200])
    func maxfunStopsInsideAGradient(maxfun: Int) throws {
        let n = 50
        var points: [[Double]] = []
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(n), options: LBFGSBOptions(maxfun: maxfun),
                                          callback: { p in points.append(Array(p.x)); return .continue },
                                          value: Problems.chainedRosenbrockValue)
        #expect(r.termination == .evaluationLimit)
        #expect(r.evaluations == maxfun + 1, "nfev \(r.evaluations)")
        #expect(r.x == (points.last ?? Problems.rosenbrockStart(n)) && r.iterations == points.count)
        #expect(r.f == r.x.withUnsafeBufferPointer { Problems.chainedRosenbrockValue($0) })
        #expect(r.gradient.allSatisfy(\.isFinite) && r.projectedGradientNorm.isFinite)
    }

    /// The time limit cuts the first gradient: the result is the start, its value, and a gradient whose
    /// components not reached are NaN (and said so by the termination).
    @Test func timeLimitStopsInsideTheFirstGradient() throws {
        let n = 40
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(n), options: LBFGSBOptions(timeLimit: 1e-9),
                                          value: Problems.chainedRosenbrockValue)
        #expect(r.termination == .timeLimit && !r.success && r.iterations == 0)
        #expect(r.evaluations < n + 1)
        #expect(r.x == Problems.rosenbrockStart(n))
        #expect(r.f == r.x.withUnsafeBufferPointer { Problems.chainedRosenbrockValue($0) })
        #expect(r.gradient.last!.isNaN && r.projectedGradientNorm.isNaN)
    }

    /// With exact gradients the limits are SciPy's: tested after each iteration (the maxfun_10 edge case
    /// checks the counts against SciPy), and maxfun also before each evaluation of a line search.
    @Test func exactGradientsKeepSciPysAfterIterationTest() throws {
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), options: LBFGSBOptions(maxfun: 10),
                                          objective: Problems.chainedRosenbrock)
        #expect(r.termination == .evaluationLimit && r.evaluations == 11 && r.iterations == 10)
    }
}
