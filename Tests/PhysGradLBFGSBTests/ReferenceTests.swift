import Testing
import PhysGradLBFGSB

/// Iterate-for-iterate agreement with SciPy 1.17.1 on problems of up to about 50 iterations:
/// same termination, |Δnit| <= 1, |Δnfev| <= 2, f* within max(1e-10|f*|, 1e-12), ‖x - x_scipy‖∞ <= 1e-6.
@Suite struct ReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var compareX = true
        var testDescription: String { name }
    }

    static func setup(_ name: String) -> (x0: [Double], lower: [Double]?, upper: [Double]?, options: LBFGSBOptions,
                                          objective: Problems.Objective) {
        var options = LBFGSBOptions()
        switch name {
        case let s where s.hasPrefix("ext_rosenbrock_n"):
            let n = Int(s.dropFirst("ext_rosenbrock_n".count))!
            return (Problems.rosenbrockStart(n), nil, nil, options, Problems.extendedRosenbrock)
        case let s where s.hasPrefix("chained_rosenbrock_n"):
            let n = Int(s.dropFirst("chained_rosenbrock_n".count))!
            return (Problems.rosenbrockStart(n), nil, nil, options, Problems.chainedRosenbrock)
        case "driver1_n25", "driver1_n25_m5":
            if name.hasSuffix("m5") { options.maxcor = 5 }
            let (lo, up) = Problems.driver1Bounds(25)
            return ([Double](repeating: 3, count: 25), lo, up, options, Problems.driver1)
        case let s where s.hasPrefix("bounded_quadratic_n"):
            let n = Int(s.dropFirst("bounded_quadratic_n".count))!
            let q = Problems.quadratic(n)
            return ([Double](repeating: 0, count: n), q.lower, q.upper, options, q.objective)
        case "inverse_2d_exact_grad":
            return ([3, 3], nil, nil, options, Problems.inverse)
        case "beale":
            return ([1, 1], nil, nil, options, Problems.beale)
        case "booth":
            return ([0, 0], nil, nil, options, Problems.booth)
        case "fixed_var_chained_rosenbrock_n5":
            let inf = Double.infinity
            return ([0, 0, 0, 0, 0], [-inf, -inf, 1, -inf, -inf], [inf, inf, 1, inf, inf], options,
                    Problems.chainedRosenbrock)
        case "fixed_var_sep_quadratic_n6":
            let inf = Double.infinity
            return ([Double](repeating: 0, count: 6), [-inf, 0, -inf, 10, -inf, -inf], [inf, 0, inf, 10, inf, inf],
                    options, Problems.separableQuadratic)
        case "x0_outside_bounds_rosenbrock_2d":
            return ([-3, 5], [-2, -2], [0.5, 2], options, Problems.chainedRosenbrock)
        default:
            fatalError("unknown problem \(name)")
        }
    }

    static let cases: [Case] = [
        Case(name: "ext_rosenbrock_n2"), Case(name: "ext_rosenbrock_n10"), Case(name: "ext_rosenbrock_n100"),
        Case(name: "ext_rosenbrock_n1000"), Case(name: "chained_rosenbrock_n2"),
        Case(name: "driver1_n25", compareX: false), Case(name: "driver1_n25_m5", compareX: false),
        Case(name: "bounded_quadratic_n100"), Case(name: "bounded_quadratic_n1000"),
        Case(name: "inverse_2d_exact_grad"), Case(name: "beale"), Case(name: "booth"),
        Case(name: "fixed_var_chained_rosenbrock_n5"), Case(name: "fixed_var_sep_quadratic_n6"),
        Case(name: "x0_outside_bounds_rosenbrock_2d"),
    ]

    @Test(arguments: cases)
    func matchesSciPy(_ c: Case) throws {
        let ref = try #require(Reference.shared.problems[c.name])
        let p = Self.setup(c.name)
        let r = try LBFGSBSolver.minimize(from: p.x0, lower: p.lower, upper: p.upper, options: p.options,
                                          objective: p.objective)
        #expect(r.termination == LBFGSBTermination.fromSciPy(ref.message), "\(r.message) vs \(ref.message)")
        #expect(abs(r.iterations - ref.nit!) <= 1, "nit \(r.iterations) vs SciPy \(ref.nit!)")
        #expect(abs(r.evaluations - ref.nfev!) <= 2, "nfev \(r.evaluations) vs SciPy \(ref.nfev!)")
        #expect(abs(r.f - ref.fun) <= max(1e-10 * abs(ref.fun), 1e-12), "f \(r.f) vs SciPy \(ref.fun)")
        if c.compareX, let xs = ref.x {
            let err = zip(r.x, xs).map { abs($0 - $1) }.max()!
            #expect(err <= 1e-6, "||x - x_scipy||inf = \(err)")
        }
        for i in r.x.indices {
            if let lo = p.lower?[i] { #expect(r.x[i] >= lo) }
            if let up = p.upper?[i] { #expect(r.x[i] <= up) }
        }
        #expect(r.startWasProjected == (c.name == "x0_outside_bounds_rosenbrock_2d"
            || c.name.hasPrefix("fixed_var")))
    }

    /// The chapter's numerical inverse, `fmin_l_bfgs_b(loss, [3, 3], approx_grad=True)`, gives
    /// x = [2.00000003, 1.41421353] in 11 iterations and 36 evaluations.
    @Test func chapterInverseWithFiniteDifferences() throws {
        let ref = try #require(Reference.shared.problems["inverse_2d_fmin_approx_grad"])
        let r = try LBFGSBSolver.minimize(from: [3, 3], value: Problems.inverseValue)
        #expect(r.termination == .convergedProjectedGradient)
        #expect(abs(r.iterations - ref.nit!) <= 1, "nit \(r.iterations)")
        #expect(abs(r.evaluations - ref.nfev!) <= 2, "nfev \(r.evaluations)")
        #expect(abs(r.x[0] - 2.00000003) < 5e-9, "x0 = \(r.x[0])")
        #expect(abs(r.x[1] - 1.41421353) < 5e-9, "x1 = \(r.x[1])")
        let xs = try #require(ref.x)
        #expect(abs(r.x[0] - xs[0]) <= 1e-6 && abs(r.x[1] - xs[1]) <= 1e-6)
        #expect(abs(r.f - ref.fun) <= max(1e-10 * abs(ref.fun), 1e-12))
    }

    /// Larger n: the same iteration count as SciPy (the benchmark's claim), checked where it is quick.
    @Test func extendedRosenbrock10000SameCounts() throws {
        let ref = try #require(Reference.shared.problems["ext_rosenbrock_n10000"])
        let r = try LBFGSBSolver.minimize(from: Problems.rosenbrockStart(10_000), objective: Problems.extendedRosenbrock)
        #expect(r.termination == LBFGSBTermination.fromSciPy(ref.message))
        #expect(abs(r.iterations - ref.nit!) <= 1, "nit \(r.iterations) vs \(ref.nit!)")
        #expect(abs(r.evaluations - ref.nfev!) <= 2, "nfev \(r.evaluations) vs \(ref.nfev!)")
    }
}
