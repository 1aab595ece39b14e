import Testing
import PhysGrad
import PhysGradExamples
import PhysGradLinearAlgebra
import PhysGradTestSupport

/// The chapter's numbers: Tests/PhysGradExamplesTests/Resources/seed-reference.json, made by
/// scripts/make_seed_reference.py (float64 with exact derivatives, SciPy's L-BFGS-B, and the
/// chapter's printed float32 values).
@Suite("The chapter as a library call")
struct ChapterTests {
    let report: ChapterReport
    let reference: [String: Any]

    init() throws {
        report = try Chapter.run()
        reference = try loadReference("seed-reference.json", of: "PhysGradExamplesTests")
    }

    var float64: [String: Any] { reference["float64"] as! [String: Any] }
    var printed: [String: Any] { reference["printed"] as! [String: Any] }
    var scipy: [String: Any] { reference["scipy"] as! [String: Any] }

    @Test("test calls, Jacobians, sanity check and gradient at [3, 3]")
    func derivativesAtStart() {
        let calls = printed["test_calls"] as! [String: Any]
        #expect(report.y0 == vector(calls["y"]))
        #expect(report.lossOfY0 == number(calls["L_y"]) && report.loss0 == number(calls["L_x"]))
        #expect(report.lossGradientInY == vector(printed["jacobian_L_y"]))
        #expect(report.jacobian == Matrix(matrix(printed["jacobian_y"])))
        #expect(report.sanityCheck == vector(printed["sanity_check"]))
        #expect(report.gradient == vector(printed["gradient_L_x"]))
    }

    @Test("GD, Newton and PG iterates: within 1e-12 of float64, 1e-6 of the printed float32 values")
    func iterates() {
        for (name, result) in [("gd", report.gd), ("newton", report.newton), ("pg", report.pg)] {
            #expect(result.steps == 10 && result.termination == .completedSteps)
            let x = result.trajectory.x
            #expect(maxDifference(x, matrix(float64[name])) <= 1e-12, "\(name) vs float64")
            #expect(maxDifference(Array(x[1...]), matrix(printed[name])) <= 1e-6, "\(name) vs printed")
        }
    }

    @Test("final distances 2.63, 0.925, 0.51 and diagonal lengths 1.053930, 1.264911, 1.356443")
    func metrics() {
        let d = float64["final_distance"] as! [String: Any]
        #expect(abs(report.distances.gd - number(d["gd"])) <= 1e-12)
        #expect(abs(report.distances.newton - number(d["newton"])) <= 1e-12)
        #expect(abs(report.distances.pg - number(d["pg"])) <= 1e-12)
        // As printed: to the chapter's digits.
        #expect(String(format: "%.2f", report.distances.gd) == "2.63")
        #expect(String(format: "%.3f", report.distances.newton) == "0.925")
        #expect(String(format: "%.2f", report.distances.pg) == "0.51")
        let l = float64["diagonal_length_first_update"] as! [String: Any]
        #expect(abs(report.diagonalLengths.gd - number(l["gd"])) <= 1e-12)
        #expect(abs(report.diagonalLengths.newton - number(l["newton"])) <= 1e-12)
        #expect(abs(report.diagonalLengths.pg - number(l["pg"])) <= 1e-12)
        #expect(String(format: "%f %f %f", report.diagonalLengths.gd, report.diagonalLengths.newton,
                       report.diagonalLengths.pg) == "1.053930 1.264911 1.356443")
    }

    @Test("y-space trajectories")
    func ySpace() {
        #expect(maxDifference(report.gd.trajectory.y, matrix(float64["gd_y"])) <= 1e-12)
        #expect(maxDifference(report.newton.trajectory.y, matrix(float64["newton_y"])) <= 1e-12)
        // PG's y(x_k) equals the y-space targets up to the rounding of sqrt then square.
        #expect(maxDifference(report.pgY, matrix(float64["pg_y_targets"])) <= 1e-12)
        #expect(report.gdY.count == 9 && report.newtonY.count == 9 && report.pgY.count == 10)
    }

    @Test("the numerical inverse's test: y(x) = [2, 2] from [3, 3] gives [2.00000003, 1.41421353], as SciPy")
    func inverseTest() {
        let t = scipy["bfgs_test"] as! [String: Any]
        #expect(maxDifference(report.inverseTest.x, vector(t["x"])) <= 1e-10)
        #expect(String(format: "%.8f %.8f", report.inverseTest.x[0], report.inverseTest.x[1]) == "2.00000003 1.41421353")
        #expect(report.inverseTest.solver.iterations == Int(number(t["nit"])))
        #expect(report.inverseTest.solver.evaluations == Int(number(t["funcalls"])))
    }

    @Test("PG with the numerical inverse: within 1e-7 of SciPy's run; MAE ~1e-6 (FD), <= 1e-9 (exact)")
    func numericalInverse() {
        #expect(maxDifference(report.pgNumerical.trajectory.x, matrix(scipy["pg_numerical"])) <= 1e-7)
        #expect(maxDifference(Array(report.pgNumerical.trajectory.x[1...]), matrix(printed["pg_numerical"])) <= 1e-6)
        let mae = number(scipy["mae_vs_analytic_pg"])
        #expect(abs(report.maeFiniteDifferences - mae) <= 0.05 * mae)
        #expect(String(format: "%f", report.maeFiniteDifferences) == "0.000001")
        #expect(report.maeExact <= 1e-9)
        // The inner solver's work, step by step, as SciPy's.
        #expect(report.pgNumerical.counts.inverseSolves == 10)
        let perStep = (scipy["per_step"] as! [[String: Any]])
        #expect(report.pgNumerical.counts.inverseEvaluations == perStep.reduce(0) { $0 + Int(number($1["funcalls"])) })
        #expect(report.pgNumerical.counts.inverseIterations == perStep.reduce(0) { $0 + Int(number($1["nit"])) })
    }
}

@Suite("The chapter, concurrently")
struct ChapterConcurrencyTests {
    @Test("100 chapter runs in a task group equal one sequential run, bit for bit")
    func chapter() async throws {
        let reference = try Chapter.run()
        let runs = try await withThrowingTaskGroup(of: ChapterReport.self) { group in
            for _ in 0..<100 { group.addTask { try Chapter.run() } }
            var out: [ChapterReport] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(runs.count == 100)
        for r in runs {
            #expect(r.gd.trajectory.x == reference.gd.trajectory.x)
            #expect(r.newton.trajectory.x == reference.newton.trajectory.x)
            #expect(r.pg.trajectory.x == reference.pg.trajectory.x)
            #expect(r.pgNumerical.trajectory.x == reference.pgNumerical.trajectory.x)
            #expect(r.pgNumericalExact.trajectory.x == reference.pgNumericalExact.trajectory.x)
            #expect(r.inverseTest.x == reference.inverseTest.x)
            #expect(r.maeFiniteDifferences == reference.maeFiniteDifferences)
        }
    }
}
