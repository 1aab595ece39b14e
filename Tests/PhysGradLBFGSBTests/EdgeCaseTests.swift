import Foundation
import Testing
import PhysGradLBFGSB

/// The 17 edge cases of the reference suite: the same outcome class as SciPy, or the sturdier behaviour
/// the issue asks for (documented per case).
@Suite struct EdgeCaseTests {
    func ref(_ name: String) throws -> Reference.Run { try #require(Reference.shared.edgeCases[name]) }

    static func rosenbrock10(_ c: Double) -> Problems.Objective {
        { x, g in
            let t = x[1] - x[0] * x[0]
            g[0] = -c * 10 * x[0] * t - 2 * (1 - x[0])
            g[1] = 20 * t
            return 10 * t * t + (1 - x[0]) * (1 - x[0])
        }
    }

    @Test func gh23161RosenbrockFactr0() throws {
        let s = try ref("gh23161_rosenbrock_b10_factr0")
        let r = try LBFGSBSolver.minimize(from: [-1, 1], options: LBFGSBOptions(factr: 0),
                                          objective: Self.rosenbrock10(4))
        #expect(r.termination.scipyStatus == s.status)
        #expect(r.success)
        #expect(abs(r.iterations - s.nit!) <= 1 && abs(r.evaluations - s.nfev!) <= 2,
                "nit \(r.iterations) nfev \(r.evaluations) vs \(s.nit!) \(s.nfev!)")
        #expect(abs(r.x[0] - 1) < 1e-5 && abs(r.x[1] - 1) < 1e-5)
    }

    @Test func gh23161InconsistentGradient() throws {
        // f and g disagree: no point is stationary for f. SciPy stops on the (wrong) gradient; any
        // outcome is acceptable as long as it is not claimed with a non-finite f and x stays finite.
        let s = try ref("gh23161_verbatim_inconsistent_gradient")
        let r = try LBFGSBSolver.minimize(from: [-1, 1], options: LBFGSBOptions(factr: 0),
                                          objective: Self.rosenbrock10(2))
        #expect(r.termination.scipyStatus == s.status)
        #expect(r.f.isFinite && r.x.allSatisfy(\.isFinite))
        #expect(r.f <= 4.0)  // f(x0) = 4: never worse than the start
        // Line searches fail here with a non-empty memory: the memory is dropped and the run goes on.
        #expect(r.restarts >= 1)
    }

    static func unboundedBelow(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        g[0] = 1 - 10 * exp(-10 * x[0])
        return x[0] + exp(-10 * x[0])
    }

    @Test func gh11718UnboundedBelowMaxls5() throws {
        let s = try ref("gh11718_unbounded_below_maxls5")
        let r = try LBFGSBSolver.minimize(from: [10], options: LBFGSBOptions(maxls: 5), objective: Self.unboundedBelow)
        #expect(r.termination == .lineSearchFailed(.tooManyEvaluations))
        #expect(r.termination.scipyStatus == s.status)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
        #expect(r.x == [10])
    }

    @Test func gh11718UnboundedBelowDefault() throws {
        let s = try ref("gh11718_unbounded_below_default")
        let r = try LBFGSBSolver.minimize(from: [10], objective: Self.unboundedBelow)
        #expect(r.termination == .convergedProjectedGradient)
        #expect(abs(r.iterations - s.nit!) <= 1 && abs(r.evaluations - s.nfev!) <= 2)
        #expect(abs(r.x[0] - s.x![0]) < 1e-6)
    }

    @Test func wrongGradientBias() throws {
        let s = try ref("wrong_gradient_bias")
        let r = try LBFGSBSolver.minimize(from: [0, 0, 0]) { x, g in
            var f = 0.0
            for i in 0..<3 {
                f += (x[i] - 1) * (x[i] - 1)
                g[i] = 2 * (x[i] - 1) + 0.5
            }
            return f
        }
        #expect(r.termination == .convergedProjectedGradient)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
        #expect(r.x.allSatisfy { abs($0 - 0.75) < 1e-12 })
    }

    @Test func wrongGradientSign() throws {
        let s = try ref("wrong_gradient_sign")
        let r = try LBFGSBSolver.minimize(from: [0, 0, 0]) { x, g in
            var f = 0.0
            for i in 0..<3 {
                f += (x[i] - 1) * (x[i] - 1)
                g[i] = -2 * (x[i] - 1)
            }
            return f
        }
        #expect(r.termination == .lineSearchFailed(.tooManyEvaluations))
        #expect(r.termination.scipyStatus == s.status && !r.success)
        #expect(r.evaluations == s.nfev)
        #expect(r.x == [0, 0, 0] && r.f == 3)
    }

    @Test func nanEverywhere() throws {
        // Sturdier: SciPy spends 21 evaluations and reports ABNORMAL with f = nan; we stop at once.
        let s = try ref("nan_everywhere")
        let r = try LBFGSBSolver.minimize(from: [1, 2]) { _, g in
            g[0] = .nan
            g[1] = .nan
            return .nan
        }
        #expect(!s.success && s.status == 2)
        #expect(r.termination == .nonFiniteValue && !r.success && r.termination.scipyStatus == 2)
        #expect(r.evaluations == 1 && r.x == [1, 2])
    }

    static func xlogx(count: inout Int, _ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        if x[0] > 0 {
            g[0] = log(x[0]) + 1
            return x[0] * log(x[0])
        }
        count += 1
        g[0] = .nan
        return .nan
    }

    @Test func nanInLineSearch() throws {
        // Sturdier: on a NaN trial value the search backs off instead of extrapolating into NaN.
        let s = try ref("nan_in_line_search")
        var nanCount = 0
        let r = try LBFGSBSolver.minimize(from: [3]) { x, g in Self.xlogx(count: &nanCount, x, g) }
        #expect(r.success && s.success)
        #expect(abs(r.x[0] - exp(-1.0)) < 1e-6)
        #expect(r.f.isFinite && r.gradient.allSatisfy(\.isFinite))
        #expect(nanCount < 18, "NaN evaluations: \(nanCount) (SciPy: 18)")
        #expect(r.evaluations <= s.nfev!)
    }

    @Test func nanInLineSearchWithBounds() throws {
        let s = try ref("nan_in_line_search_with_bounds")
        var nanCount = 0
        let r = try LBFGSBSolver.minimize(from: [3], lower: [1e-12]) { x, g in Self.xlogx(count: &nanCount, x, g) }
        #expect(r.success && nanCount == 0)
        #expect(abs(r.iterations - s.nit!) <= 1 && abs(r.evaluations - s.nfev!) <= 2)
        #expect(abs(r.x[0] - s.x![0]) < 1e-6)
    }

    @Test func maxiter5() throws {
        let s = try ref("maxiter_5")
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), options: LBFGSBOptions(maxiter: 5),
                                          objective: Problems.chainedRosenbrock)
        #expect(r.termination == .iterationLimit && r.termination.scipyStatus == s.status)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
        #expect(abs(r.f - s.fun) <= 1e-10 * abs(s.fun))
        #expect(zip(r.x, s.x!).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test func maxfun10() throws {
        let s = try ref("maxfun_10")
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), options: LBFGSBOptions(maxfun: 10),
                                          objective: Problems.chainedRosenbrock)
        #expect(r.termination == .evaluationLimit && r.termination.scipyStatus == s.status)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
        #expect(abs(r.f - s.fun) <= 1e-10 * abs(s.fun))
    }

    @Test func callbackStopsAtThird() throws {
        let s = try ref("callback_stopiteration_at_3")
        var seen: [Double] = []
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10), callback: { p in
            seen.append(p.f)
            return seen.count == 3 ? .stop : .continue
        }, objective: Problems.chainedRosenbrock)
        #expect(r.termination == .stoppedByCallback && !r.success)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
        #expect(abs(r.f - s.fun) <= 1e-10 * abs(s.fun))
        #expect(seen.count == 3 && seen[2] == r.f)
    }

    @Test func allVariablesFixed() throws {
        let r = try LBFGSBSolver.minimize(from: [0, 0], lower: [1, 3], upper: [1, 3], objective: Problems.booth)
        #expect(r.success && r.x == [1, 3] && r.f == 0)
        #expect(r.evaluations == 1 && r.iterations == 0 && r.startWasProjected)
    }

    @Test func x0AlreadyOptimal() throws {
        let s = try ref("x0_already_optimal")
        let r = try LBFGSBSolver.minimize(from: [1, 3], objective: Problems.booth)
        #expect(r.termination == .convergedProjectedGradient)
        #expect(r.iterations == s.nit && r.evaluations == s.nfev)
    }

    @Test func fixedVariableWithFiniteDifferences() throws {
        // SciPy's minimize drops fixed variables before finite differencing (gh-12869); we keep them in
        // the solver and give them a zero derivative without an evaluation. Same outcome class and x*.
        let s = try ref("fixed_var_chained_rosenbrock_n5_fd_grad")
        let inf = Double.infinity
        let r = try LBFGSBSolver.minimize(from: [0, 0, 0, 0, 0], lower: [-inf, -inf, 1, -inf, -inf],
                                          upper: [inf, inf, 1, inf, inf], value: Problems.chainedRosenbrockValue)
        #expect(r.success && s.success)
        #expect(r.x[2] == 1)
        #expect(r.x.allSatisfy { abs($0 - 1) < 2e-5 }, "\(r.x)")
        #expect(r.evaluations == 5 * r.gradientEvaluations)  // 1 + 4 non-fixed variables per gradient
    }

    @Test func infeasibleBounds() throws {
        let s = try ref("infeasible_bounds_lb_gt_ub")
        #expect(s.raised != nil)
        #expect(throws: LBFGSBError.infeasibleBounds(index: 0, lower: 2, upper: 1)) {
            try LBFGSBSolver.minimize(from: [0, 0], lower: [2, 0], upper: [1, 5], objective: Problems.booth)
        }
    }

    @Test func float32Gradient() throws {
        let s = try ref("float32_gradient")
        let r = try LBFGSBSolver.minimize(from: [0, 0]) { x, g in
            let f = Problems.booth(x, g)
            g[0] = Double(Float(g[0]))
            g[1] = Double(Float(g[1]))
            return f
        }
        #expect(r.termination == .convergedProjectedGradient)
        #expect(abs(r.iterations - s.nit!) <= 1 && abs(r.evaluations - s.nfev!) <= 2)
        #expect(zip(r.x, s.x!).allSatisfy { abs($0 - $1) <= 1e-6 })
    }
}
