import Foundation
import PhysGrad
import PhysGradTestSupport
import PhysGradDerivatives
import PhysGradLBFGSB
import Testing

/// Analytic against approximate inversion (issue 16): the chapter's numbers through
/// ``InversionStudy``, agreement with SciPy's run of the same procedure
/// (scripts/make_inversion_reference.py), and the exact-gradient inverse's accuracy up to n = 1000.
@Suite("Inversion study")
struct InversionStudyTests {
    static func scipyCase(_ problem: String, _ n: Int) throws -> [String: Any]? {
        let cases = try loadReference("inversion-scipy-reference.json")["cases"] as? [[String: Any]] ?? []
        return cases.first { $0["problem"] as? String == problem && ($0["dimension"] as? NSNumber)?.intValue == n }
    }

    @Test("the chapter's numbers: MAE 9.94e-7 with finite differences, as SciPy's; <= 1e-9 with exact gradients")
    func chapter() throws {
        let result = try InversionStudy().run(on: Problems.seed())
        let scipy = try loadReference("seed-reference.json", of: "PhysGradExamplesTests")["scipy"] as! [String: Any]
        let mae = number(scipy["mae_vs_analytic_pg"])
        #expect(result.eta == 0.3 && result.steps == 10 && result.reference.name == "analytic")
        let fd = try #require(result.comparison(named: "finite-differences"))
        #expect(abs(fd.meanAbsoluteError - mae) <= 0.05 * mae)
        #expect(String(format: "%.3g", fd.meanAbsoluteError) == "9.94e-07")
        #expect(String(format: "%f", fd.meanAbsoluteError) == "0.000001")  // what the chapter prints
        let exact = try #require(result.comparison(named: "exact"))
        #expect(exact.meanAbsoluteError <= 1e-9)
        #expect(result.isSuccess)
        // Each inner solve as SciPy's, step by step.
        let perStep = scipy["per_step"] as! [[String: Any]]
        #expect(fd.steps.count == 11 && perStep.count == 10)
        for (s, ref) in zip(fd.steps.dropFirst(), perStep) {
            let inverse = try #require(s.inverse)
            #expect(inverse.iterations == Int(number(ref["nit"])), "step \(s.step)")
            #expect(inverse.evaluations == Int(number(ref["funcalls"])), "step \(s.step)")
            #expect(inverse.converged)
        }
    }

    @Test("the chapter's own MAE, computed from the trajectories of three separate runs, is the study's")
    func sameAsSeparateRuns() throws {
        let problem = try Problems.powers(6)
        let options = RunOptions(steps: 10, trace: .full)
        let pg = try optimize(problem, with: PhysicalGradient(eta: 0.3), options: options)
        let fd = try optimize(problem, with: PhysicalGradient(eta: 0.3, inverse: .numerical(.finiteDifferences)), options: options)
        let study = try InversionStudy(variants: [.finiteDifferences]).run(on: problem)
        let c = study.comparisons[0]
        #expect(c.meanAbsoluteError == (try Metrics.meanAbsoluteError(fd.trajectory.x, pg.trajectory.x)))
        for (k, s) in c.steps.enumerated() {
            let errors = zip(fd.trajectory.x[k], pg.trajectory.x[k]).map { abs($0 - $1) }
            #expect(s.step == k)
            #expect(abs(s.meanAbsoluteError - errors.reduce(0, +) / 6) <= 1e-15 * max(1, s.meanAbsoluteError))
            #expect(s.maximumError == errors.max())
            #expect(s.loss == fd.trajectory.loss[k] && s.referenceLoss == pg.trajectory.loss[k])
            #expect(s.inverse == (k == 0 ? nil : fd.trajectory.reports[k - 1].inverse))
        }
        #expect(c.maximumError == c.steps.map(\.maximumError).max())
        #expect(c.steps[0].meanAbsoluteError == 0 && c.steps[0].maximumError == 0)
        #expect(c.run.innerEvaluations == fd.counts.inverseEvaluations)
        #expect(c.run.innerIterations == fd.counts.inverseIterations)
        #expect(study.reference.steps.map(\.loss) == pg.trajectory.loss)
    }

    @Test("the finite-difference column agrees with SciPy's within 10% (relative)", arguments: ["powers", "blur"])
    func scipy(_ name: String) throws {
        let ref = try #require(try Self.scipyCase(name, 10), "run scripts/make_inversion_reference.py")
        let problem = name == "powers" ? try Problems.powers(10) : try Problems.blur(10)
        let result = try InversionStudy(variants: [.finiteDifferences]).run(on: problem)
        #expect(result.eta == number(ref["eta"]) && result.steps == Int(number(ref["steps"])))
        let mae = number(ref["mae"])
        let fd = result.comparisons[0]
        #expect(abs(fd.meanAbsoluteError - mae) <= 0.1 * mae, "PhysGrad \(fd.meanAbsoluteError), SciPy \(mae)")
        #expect(fd.comparedSteps == 10)
    }

    @Test("exact gradients invert to within 1e-9 (MAE) on powers and blur", arguments: [
        ("powers", 2), ("powers", 10), ("powers", 100), ("blur", 2), ("blur", 10), ("blur", 100),
    ])
    func exactSmall(_ name: String, _ n: Int) throws {
        let problem = name == "powers" ? try Problems.powers(n) : try Problems.blur(n)
        try Self.checkExact(problem)
    }

    /// The exact-gradient inverse's MAE against the analytic one is at most 1e-9 over ten
    /// steps. On powers every solve converges and reaches its target; on blur, PG with η = 1 is
    /// at the solution after one step, and each later target lies closer to the current point
    /// than the inverse's tolerance resolves: those solves stay put, within √ε |y'| of their
    /// target, which counts as reaching it, so the runs of README's table (n >= 10) succeed too.
    static func checkExact(_ problem: InverseProblem) throws {
        let result = try InversionStudy(variants: [.exact]).run(on: problem)
        let c = result.comparisons[0]
        let n = problem.dimension
        #expect(c.meanAbsoluteError <= 1e-9, "\(problem.name)(\(n)): \(c.meanAbsoluteError)")
        #expect(c.comparedSteps == 10 && c.run.result.termination == .completedSteps)
        #expect(c.steps.dropFirst().allSatisfy { $0.inverse?.converged == true })
        if problem.name == "powers" {
            #expect(c.run.result.isSuccess && result.isSuccess)
        } else {
            #expect(c.run.result.loss <= 1e-20 && c.steps[1].inverse?.stoppedShort == false)
            if n >= 10 {
                #expect(c.run.result.isSuccess && c.run.result.diagnostics.inverseSolvesStoppedShort == 0,
                        "\(problem.name)(\(n)): \(c.run.result)")
            }
        }
    }

    @Test("exact gradients invert to within 1e-9 (MAE) at n = 1000", arguments: ["powers", "blur"])
    func exactAtOneThousand(_ name: String) throws {
        let problem = name == "powers" ? try Problems.powers(1000) : try Problems.blur(1000)
        try Self.checkExact(problem)
    }

    @Test("a numerical inverse of the caller's: tighter tolerances bring forward differences closer")
    func customVariant() throws {
        let tight = InversionVariant(
            name: "fd-tight", inverse: NumericalInverse(gradient: .finiteDifferences, options: LBFGSBOptions(factr: 10, pgtol: 1e-10)))
        let result = try InversionStudy(variants: [.finiteDifferences, tight]).run(on: Problems.seed())
        let loose = try #require(result.comparison(named: "finite-differences"))
        let close = try #require(result.comparison(named: "fd-tight"))
        #expect(close.meanAbsoluteError < loose.meanAbsoluteError / 10)
        #expect(close.run.innerEvaluations > loose.run.innerEvaluations)
    }

    @Test("without an analytic inverse, the reference is a tight exact-gradient run")
    func referenceRun() throws {
        let problem = try Problems.burgers(8)
        let result = try InversionStudy().run(on: problem)
        #expect(result.eta == 1)
        #expect(result.reference.name == "exact" && result.reference.inverse == .exact)
        let exact = try #require(result.comparison(named: "exact"))
        #expect(exact.isReference && exact.meanAbsoluteError == 0)
        let fd = try #require(result.comparison(named: "finite-differences"))
        #expect(!fd.isReference && fd.meanAbsoluteError > 0 && fd.meanAbsoluteError.isFinite)
        #expect(fd.steps.count == result.reference.steps.count)
        #expect(throws: PhysGradError.self) { try InversionStudy(reference: .analytic).run(on: problem) }
    }

    @Test("a run that stops early is compared over the steps it took, and is no success")
    func earlyStop() throws {
        // Forward differences that cannot pay for one iteration (2 (n + 1) evaluations): the
        // first inverse fails.
        let starved = InversionVariant(
            name: "starved", inverse: NumericalInverse(gradient: .finiteDifferences, options: LBFGSBOptions(maxfun: 3)))
        let result = try InversionStudy(variants: [starved, .exact]).run(on: Problems.seed())
        let c = try #require(result.comparison(named: "starved"))
        #expect(c.comparedSteps == 0 && c.steps.count == 1)
        #expect(!c.run.result.isSuccess)
        if case .inverseFailed = c.run.result.termination {} else { Issue.record("\(c.run.result.termination)") }
        #expect(!result.isSuccess)
        #expect(result.comparison(named: "exact")!.comparedSteps == 10)
    }

    @Test("a reference that stops early: the variants still take their steps, compared as far as it went")
    func referenceStopsEarly() throws {
        // eta = 3 sends y1 = x1^2 below 0 on the first step: outside the analytic inverse's domain.
        let result = try InversionStudy(eta: 3).run(on: Problems.seed())
        if case .inverseFailed = result.reference.result.termination {} else { Issue.record("\(result.reference.result.termination)") }
        #expect(result.reference.steps.count == 1)
        for c in result.comparisons {
            #expect(c.comparedSteps == 0 && c.meanAbsoluteError == 0)
            #expect(c.run.result.steps == 10 && c.run.steps.count == 11)
            #expect(!result.isSuccess(c))
        }
        #expect(!result.isSuccess)
    }

    @Test("what cannot run is refused before anything runs")
    func refusals() throws {
        let seed = Problems.seed()
        func refused(_ study: InversionStudy, _ problem: InverseProblem = Problems.seed()) -> PhysGradError? {
            do {
                _ = try study.run(on: problem)
                return nil
            } catch {
                return error
            }
        }
        #expect(refused(InversionStudy(variants: [])) != nil)
        #expect(refused(InversionStudy(variants: [.exact, InversionVariant(name: "exact", inverse: .finiteDifferences)])) != nil)
        #expect(refused(InversionStudy(variants: [InversionVariant(name: "", inverse: .exact)])) != nil)
        #expect(refused(InversionStudy(eta: 0)) != nil)
        #expect(refused(InversionStudy(eta: .nan)) != nil)
        #expect(refused(InversionStudy(steps: -1)) != nil)
        #expect(refused(InversionStudy(start: [1, 2, 3])) != nil)
        #expect(refused(InversionStudy(start: [1, .infinity])) != nil)
        #expect(refused(InversionStudy(variants: [InversionVariant(name: "bad", inverse: NumericalInverse(
            gradient: .exact, options: LBFGSBOptions(maxcor: 0)))])) != nil)
        if case .exceedsMemoryLimit? = refused(InversionStudy(steps: 1_000_000, memoryLimit: 1 << 20)) {} else {
            Issue.record("a study above the memory limit must be refused")
        }
        var noStep = seed
        noStep.stepSizes = [:]
        if case .methodNotApplicable? = refused(InversionStudy(), noStep) {} else { Issue.record("no step size") }
        #expect(try InversionStudy(eta: 0.5).run(on: noStep).eta == 0.5)
        #expect(InversionStudy().estimatedBytes(dimension: 1000) >= 8 * 1000 * 11 + 65 * 1000)
        try InversionStudy().validate(for: seed)
        #expect(throws: PhysGradError.self) { try InversionStudy(eta: -1).validate(for: seed) }
        // What the driver refuses before a run, validate(for:) refuses too: a model whose output
        // is not the declared k, a start where the model is not finite.
        let wrongK = InverseProblem(name: "wrong-k", dimension: 2, outputDimension: 3, model: StandardFunctions.Powers(),
                                    loss: StandardFunctions.SquaredNorm(), start: [3, 3], stepSizes: [.pg: 0.3])
        let expected = PhysGradError.dimensionMismatch(name: "model output y(start) (outputDimension)", expected: 3, actual: 2)
        #expect(throws: expected) { try InversionStudy().validate(for: wrongK) }
        #expect(throws: expected) { try InversionStudy().run(on: wrongK) }
        #expect(throws: PhysGradError.nonFiniteAtStart(quantity: "model output y(x)")) {
            try InversionStudy(start: [1, 1e200]).validate(for: seed)
        }
    }
}
