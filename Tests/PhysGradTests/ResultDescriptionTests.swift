import Testing
import PhysGrad

/// `OptimizationResult.description` in the form its doc comment, ReadingAResult and the README
/// quote: "loss 90.0 -> 0.072 (decreased)", "loss 1.2e5 ... (ROSE above the start)".
@Suite struct ResultDescriptionTests {
    @Test("the chapter's PG: loss 90.0 -> 0.072 (decreased)")
    func decreased() throws {
        // L = x0² + x1⁴ from [3, 3]: 9 + 81 = 90; PG's tenth iterate has L = 0.0718 (the chapter).
        let r = try optimize(Problems.seed(), with: PhysicalGradient(eta: 0.3), options: RunOptions(steps: 10))
        #expect(r.description == "completed the requested steps; loss 90.0 -> 0.072 (decreased)")
    }

    @Test("one fixed GD step of 0.2 on the seed problem: loss 90.0 -> 1.2e5 (ROSE above the start)")
    func rose() throws {
        // x = [3, 3] - 0.2 [6, 108] = [1.8, -18.6]: L = 3.24 + 119,688.3 = 1.2e5.
        let r = try optimize(Problems.seed(), with: GradientDescent(eta: 0.2), options: RunOptions(steps: 1))
        #expect(r.description == "completed the requested steps; loss 90.0 -> 1.2e5 (ROSE above the start)")
        #expect(!r.isSuccess)
    }
}
