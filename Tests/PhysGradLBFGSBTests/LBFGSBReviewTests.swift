import Foundation
import Testing
import PhysGradLBFGSB

/// Review probes: active bounds with n = 1, m = 1 and m > n against SciPy (the `review_*` problems of
/// scripts/make_lbfgsb_reference.py), the fused unconstrained path against the two-loop one, non-finite
/// values, zero tolerances, options that must fail with a type, and the stepping API's value semantics.
@Suite struct LBFGSBReviewTests {
    /// (x - 2)⁴ + x, the script's `quartic1`.
    static func quartic(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        let t = x[0] - 2
        g[0] = 4 * t * t * t + 1
        return t * t * t * t + x[0]
    }

    /// `max_i |P(x - g)_i - x_i|`, written out independently of the solver.
    static func kkt(_ x: [Double], _ g: [Double], _ lo: [Double]?, _ up: [Double]?) -> Double {
        var r = 0.0
        for i in x.indices {
            let p = min(max(x[i] - g[i], lo?[i] ?? -.infinity), up?[i] ?? .infinity)
            r = max(r, abs(p - x[i]))
        }
        return r
    }

    static let inf = Double.infinity

    static func setup(_ name: String) -> (x0: [Double], lower: [Double]?, upper: [Double]?, options: LBFGSBOptions,
                                          objective: Problems.Objective, compareX: Bool) {
        switch name {
        case "review_quartic_n1_upper":
            return ([-5], nil, [1.2], LBFGSBOptions(), quartic, true)
        case "review_quartic_n1_m1_lower":
            return ([5], [1.5], nil, LBFGSBOptions(maxcor: 1), quartic, true)
        case "review_rosenbrock_n2_m50_upper":
            return ([-1.2, 0.4], [-2, -inf], [2, 0.5], LBFGSBOptions(maxcor: 50), Problems.chainedRosenbrock, true)
        case "review_quartic_n1_free":  // no bounds, more pairs than variables: the two-loop recursion
            return ([-5], nil, nil, LBFGSBOptions(), quartic, true)
        case "review_rosenbrock_n2_m50_free":
            return ([-1.2, 1], nil, nil, LBFGSBOptions(maxcor: 50), Problems.chainedRosenbrock, true)
        case "review_driver1_n25_m1":
            let (lo, up) = Problems.driver1Bounds(25)
            return ([Double](repeating: 3, count: 25), lo, up, LBFGSBOptions(maxcor: 1), Problems.driver1, false)
        case "review_sepquad_n6_mixed":
            return ([Double](repeating: 0, count: 6), [-inf, 3, 2.5, -inf, 0, 7], [0.5, inf, 2.5, inf, 4, 9],
                    LBFGSBOptions(), Problems.separableQuadratic, true)
        case "review_chained_rosenbrock_n10_upper":
            let up = (0..<10).map { $0 % 3 == 0 ? 0.8 : inf }
            return (Problems.rosenbrockStart(10), nil, up, LBFGSBOptions(), Problems.chainedRosenbrock, true)
        default:
            fatalError("unknown problem \(name)")
        }
    }

    /// Same termination as SciPy, |Δnit| <= 1, |Δnfev| <= 2, x within 1e-6, in the box, KKT at convergence.
    @Test(arguments: ["review_quartic_n1_upper", "review_quartic_n1_m1_lower", "review_rosenbrock_n2_m50_upper",
                      "review_quartic_n1_free", "review_rosenbrock_n2_m50_free",
                      "review_driver1_n25_m1", "review_sepquad_n6_mixed", "review_chained_rosenbrock_n10_upper"])
    func matchesSciPy(_ name: String) throws {
        let ref = try #require(Reference.shared.problems[name])
        let p = Self.setup(name)
        var outside = 0
        func inBox(_ x: UnsafeBufferPointer<Double>) -> Bool {
            x.indices.allSatisfy { x[$0] >= p.lower?[$0] ?? -Self.inf && x[$0] <= p.upper?[$0] ?? Self.inf }
        }
        let r = try LBFGSBSolver.minimize(from: p.x0, lower: p.lower, upper: p.upper, options: p.options) { x, g in
            if !inBox(x) { outside += 1 }
            return p.objective(x, g)
        }
        // Finite differences too: no evaluation leaves the box.
        var scratch = [Double](repeating: 0, count: p.x0.count)
        _ = try LBFGSBSolver.minimize(from: p.x0, lower: p.lower, upper: p.upper, options: p.options) { x in
            if !inBox(x) { outside += 1 }
            return scratch.withUnsafeMutableBufferPointer { p.objective(x, $0) }
        }
        #expect(outside == 0)
        #expect(r.termination == LBFGSBTermination.fromSciPy(ref.message), "\(r.message) vs \(ref.message)")
        #expect(abs(r.iterations - ref.nit!) <= 1, "nit \(r.iterations) vs SciPy \(ref.nit!)")
        #expect(abs(r.evaluations - ref.nfev!) <= 2, "nfev \(r.evaluations) vs SciPy \(ref.nfev!)")
        #expect(abs(r.f - ref.fun) <= 1e-8 * max(1, abs(ref.fun)), "f \(r.f) vs SciPy \(ref.fun)")
        if p.compareX, let xs = ref.x {
            let err = zip(r.x, xs).map { abs($0 - $1) }.max()!
            #expect(err <= 1e-6, "||x - x_scipy||inf = \(err)")
        }
        for i in r.x.indices {
            #expect(r.x[i] >= p.lower?[i] ?? -Self.inf && r.x[i] <= p.upper?[i] ?? Self.inf)
        }
        if r.termination == .convergedProjectedGradient {
            #expect(Self.kkt(r.x, r.gradient, p.lower, p.upper) <= 1e-5)
        }
    }

    /// The separable problem's solution is known: every bound kind active, a fixed variable, a start
    /// outside the box.
    @Test func mixedBoundsAnalytic() throws {
        let p = Self.setup("review_sepquad_n6_mixed")
        let r = try LBFGSBSolver.minimize(from: p.x0, lower: p.lower, upper: p.upper, objective: p.objective)
        let exact: [Double] = [0.5, 3, 2.5, 4, 4, 7]
        #expect(r.success && r.startWasProjected)
        #expect(zip(r.x, exact).allSatisfy { abs($0 - $1) <= 1e-8 }, "\(r.x)")
    }

    /// Chained Rosenbrock on the first 10 of n variables (the others do not enter f): without bounds,
    /// n = 255 takes the two-loop recursion and n = 256, 300 the fused compact form; all follow the n = 10 run.
    /// With m = 50 the memory holds more pairs than f has variables (S and Y of rank <= 10).
    @Test(arguments: [10, 50])
    func fusedPathFollowsTwoLoopPath(maxcor: Int) throws {
        func run(_ n: Int) throws -> LBFGSBResult {
            let x0 = Problems.rosenbrockStart(10) + [Double](repeating: 0.3, count: n - 10)
            return try LBFGSBSolver.minimize(from: x0, options: LBFGSBOptions(maxcor: maxcor)) { x, g in
                for i in 10..<n { g[i] = 0 }
                return Problems.chainedRosenbrock(UnsafeBufferPointer(rebasing: x[0..<10]),
                                                  UnsafeMutableBufferPointer(rebasing: g[0..<10]))
            }
        }
        let base = try run(10)
        #expect(base.success)
        for n in [255, 256, 300] {
            let r = try run(n)
            #expect(r.termination == base.termination, "n = \(n): \(r.message) vs \(base.message), restarts \(r.restarts) vs \(base.restarts)")
            #expect(abs(r.iterations - base.iterations) <= 1 && abs(r.evaluations - base.evaluations) <= 2,
                    "n = \(n): nit \(r.iterations) vs \(base.iterations), nfev \(r.evaluations) vs \(base.evaluations)")
            #expect(zip(r.x, base.x).map { abs($0 - $1) }.max()! <= 1e-6, "n = \(n)")
            #expect(r.x[10...].allSatisfy { $0 == 0.3 }, "n = \(n): a variable f ignores moved")
        }
    }

    /// A non-finite f or gradient at the start ends the run with `.nonFiniteValue` (one NaN component, -inf
    /// with a finite gradient, and by finite differences); never success.
    @Test func nonFiniteAtTheStart() throws {
        let nanComponent = try LBFGSBSolver.minimize(from: [1, 1], lower: [0, 0], upper: [2, 2]) { x, g in
            g[0] = 1
            g[1] = .nan
            return x[0] + x[1]
        }
        #expect(nanComponent.termination == .nonFiniteValue && !nanComponent.success && nanComponent.evaluations == 1)
        let minusInf = try LBFGSBSolver.minimize(from: [1]) { _, g in
            g[0] = 1
            return -.infinity
        }
        #expect(minusInf.termination == .nonFiniteValue && !minusInf.success)
        // Finite differences: f is finite at x0 but NaN one step to the right.
        let fd = try LBFGSBSolver.minimize(from: [1, 1]) { x in x[0] > 1 ? .nan : x[0] * x[0] + x[1] * x[1] }
        #expect(fd.termination == .nonFiniteValue && !fd.success)
    }

    /// f finite everywhere, the gradient NaN left of 0.5 (finite differences: f NaN there): the search backs
    /// off, the run ends at a finite point right of 0.5 with a typed termination.
    @Test func nonFiniteOnlyAtTrialPoints() throws {
        let exact = try LBFGSBSolver.minimize(from: [3, 1], lower: [-10, -10], upper: [10, 10]) { x, g in
            g[0] = x[0] < 0.5 ? .nan : 2 * x[0]
            g[1] = 2 * (x[1] - 1)
            return x[0] * x[0] + (x[1] - 1) * (x[1] - 1)
        }
        let fd = try LBFGSBSolver.minimize(from: [3, 1], lower: [-10, -10], upper: [10, 10]) { x in
            x[0] < 0.5 ? .nan : x[0] * x[0] + (x[1] - 1) * (x[1] - 1)
        }
        // An unlimited line search still ends: maxfun stops the back-off.
        let unlimited = try LBFGSBSolver.minimize(from: [3], options: LBFGSBOptions(maxfun: 200, maxls: .max)) { x, g in
            g[0] = 2 * x[0]
            return x[0] < 0.5 ? .nan : x[0] * x[0]
        }
        for r in [exact, fd, unlimited] {
            #expect(r.f.isFinite && r.gradient.allSatisfy(\.isFinite) && r.x[0] >= 0.5, "\(r.x) \(r.message)")
            #expect(!r.success || r.projectedGradientNorm <= 1e-5 || r.termination == .convergedRelativeReduction)
        }
    }

    /// A gradient whose square overflows (‖d‖ = inf, so the first step 1/‖d‖ is 0): the run cannot move
    /// and must not call that convergence.
    @Test func overflowingGradientIsNoConvergence() throws {
        for lower in [nil, [-Double.infinity, -1e300]] as [[Double]?] {
            let r = try LBFGSBSolver.minimize(from: [1e50, 1e50], lower: lower) { x, g in
                g[0] = 2e150 * x[0]
                g[1] = 2e150 * x[1]
                return 1e150 * (x[0] * x[0] + x[1] * x[1])
            }
            #expect(!r.success, "\(r.message), x = \(r.x), f = \(r.f), nit = \(r.iterations), nfev = \(r.evaluations)")
            #expect(r.f.isFinite && r.gradient.allSatisfy(\.isFinite))
        }
    }

    /// pgtol = 0 and factr = 0: the run still ends (not at the iteration limit), at the known KKT point.
    @Test func zeroTolerancesEnd() throws {
        let q = Problems.quadratic(100)
        let r = try LBFGSBSolver.minimize(from: [Double](repeating: 0, count: 100), lower: q.lower, upper: q.upper,
                                          options: LBFGSBOptions(factr: 0, pgtol: 0, maxiter: 5000), objective: q.objective)
        #expect(r.termination != .iterationLimit && r.termination != .evaluationLimit, "\(r.message)")
        // Like SciPy it ends (with a failed line search) just short of exact stationarity.
        #expect(Self.kkt(r.x, r.gradient, q.lower, q.upper) <= 1e-6, "\(r.message)")
    }

    /// Out-of-range options and sizes are typed errors, never traps.
    @Test func extremeOptionsAreTypedErrors() {
        let bad: [(String, LBFGSBOptions)] = [
            ("maxcor", LBFGSBOptions(maxcor: -1)), ("maxcor", LBFGSBOptions(maxcor: .min)),
            ("maxls", LBFGSBOptions(maxls: -1)), ("eps", LBFGSBOptions(eps: .infinity)),
            ("pgtol", LBFGSBOptions(pgtol: .nan)), ("timeLimit", LBFGSBOptions(timeLimit: -.infinity)),
            ("memoryLimit", LBFGSBOptions(memoryLimit: -1)),
        ]
        for (name, options) in bad {
            #expect { try LBFGSBSolver(dimension: 3, options: options) } throws: { error in
                guard case .invalidOption(let n, _, _)? = error as? LBFGSBError else { return false }
                return n == name
            }
        }
        var ftol = LBFGSBOptions()
        ftol.ftol = .nan
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver(dimension: 3, options: ftol) }
        #expect(throws: LBFGSBError.workspaceTooLarge(dimension: 3, maxcor: .max, bytes: nil,
                                                      limit: LBFGSBOptions.defaultMemoryLimit)) {
            try LBFGSBSolver(dimension: 3, options: LBFGSBOptions(maxcor: .max))
        }
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver(dimension: LBFGSBSolver.maximumDimension) }
        #expect(throws: LBFGSBError.dimensionTooLarge(dimension: .max, limit: LBFGSBSolver.maximumDimension)) {
            try LBFGSBSolver(dimension: .max)
        }
        #expect(throws: LBFGSBError.emptyProblem) { try LBFGSBSolver(dimension: -1) }
        #expect(throws: LBFGSBError.emptyProblem) { try LBFGSBSolver(bounds: []) }
        #expect(throws: LBFGSBError.emptyProblem) { try LBFGSBSolver.minimize(from: [], value: { _ in 0 }) }
        // Huge limits are fine.
        #expect(throws: Never.self) {
            try LBFGSBSolver.minimize(from: [0, 0], options: LBFGSBOptions(maxiter: .max, maxfun: .max, maxls: .max,
                                                                           timeLimit: .infinity),
                                      objective: Problems.booth)
        }
    }

    /// A run stopped before its first step has evaluated nothing: its result must not claim f(x) = 0 or a
    /// zero gradient (which reads as "converged").
    @Test func stopBeforeTheFirstStep() throws {
        var run = try LBFGSBSolver(dimension: 2).start(from: [0, 0])
        #expect(run.f.isNaN && run.gradient.allSatisfy(\.isNaN))
        run.stop()
        let r = run.result
        #expect(r.termination == .stoppedByCallback && r.evaluations == 0 && r.iterations == 0)
        #expect(r.f.isNaN && r.projectedGradientNorm.isNaN && r.gradient.allSatisfy(\.isNaN))
        var calls = 0
        let again = try run.step(value: { _ in calls += 1; return 0 })
        #expect(again.iteration == nil && again.termination == .stoppedByCallback && calls == 0)
    }

    /// A run copied before its first step, and one copied mid-run on the fused path (n = 300, no bounds),
    /// stepped independently (also concurrently): each copy gives what a fresh run gives.
    @Test func copiesAreIndependent() async throws {
        let solver = try LBFGSBSolver(dimension: 2, lower: [-10, -10], upper: [10, 10])
        var a = try solver.start(from: [0, 0])
        var b = a
        while a.termination == nil { _ = a.step(objective: Problems.booth) }
        let shifted: Problems.Objective = { x, g in
            g[0] = 2 * (x[0] - 5)
            g[1] = 2 * (x[1] + 1)
            return (x[0] - 5) * (x[0] - 5) + (x[1] + 1) * (x[1] + 1)
        }
        while b.termination == nil { _ = b.step(objective: shifted) }
        #expect(abs(a.x[0] - 1) < 1e-6 && abs(a.x[1] - 3) < 1e-6 && abs(b.x[0] - 5) < 1e-6 && abs(b.x[1] + 1) < 1e-6)

        let n = 300
        let direct = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(n), objective: Problems.extendedRosenbrock)
        var run = try LBFGSBSolver(dimension: n).start(from: Problems.rosenbrockStart(n))
        for _ in 0..<5 { _ = run.step(objective: Problems.extendedRosenbrock) }
        let x5 = run.x, f5 = run.f
        let copies = [run, run, run]
        let results = await withTaskGroup(of: LBFGSBResult.self) { group in
            for copy in copies {
                group.addTask {
                    var c = copy
                    while c.termination == nil { _ = c.step(objective: Problems.extendedRosenbrock) }
                    return c.result
                }
            }
            var all: [LBFGSBResult] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(run.x == x5 && run.f == f5 && run.iterations == 5)
        for r in results {
            #expect(r.iterations == direct.iterations && r.evaluations == direct.evaluations)
            #expect(zip(r.x, direct.x).map { abs($0 - $1) }.max()! <= 1e-9)
        }
    }

    /// checkGradient with bounds of the wrong length is a typed error, not an out-of-range trap; so is an
    /// empty x (whose failed check's description indexed component 0).
    @Test func gradientCheckRejectsWrongLengths() {
        #expect(throws: LBFGSBError.emptyProblem) {
            let check = try LBFGSBSolver.checkGradient(at: [], tolerance: -1) { _, _ in 0 }
            _ = check.description
        }
        #expect(throws: LBFGSBError.dimensionMismatch(name: "lower", expected: 2, actual: 1)) {
            try LBFGSBSolver.checkGradient(at: [0, 0], lower: [0], objective: Problems.booth)
        }
        #expect(throws: LBFGSBError.dimensionMismatch(name: "upper", expected: 2, actual: 3)) {
            try LBFGSBSolver.checkGradient(at: [0, 0], upper: [1, 1, 1], objective: Problems.booth)
        }
    }
}
