import Testing
import PhysGrad
import PhysGradTestSupport

/// Adam, AdaGrad and RMSProp against optax itself: Tests/PhysGradTests/Resources/optax-reference.json,
/// made by scripts/make_optimizer_reference.py (JAX x64, optax 0.2.8, 25 steps).
@Suite("Adaptive rules match optax")
struct AdaptiveRuleTests {
    @Test("every iterate within 1e-12 (relative) of optax's")
    func matchOptax() throws {
        let reference = try loadReference("optax-reference.json")
        let runs = reference["runs"] as! [[String: Any]]
        #expect(runs.count == 6)
        for run in runs {
            let problem = run["problem"] as! String == "seed" ? Problems.seed() : try Problems.powers(4)
            let lr = number(run["learning_rate"])
            let expected = matrix(run["trajectory"])
            let options = RunOptions(steps: expected.count - 1, trace: .full)
            let result: OptimizationResult
            switch run["method"] as! String {
            case "adam": result = try optimize(problem, with: Adam(eta: lr), from: vector(run["start"]), options: options)
            case "adagrad": result = try optimize(problem, with: AdaGrad(eta: lr), from: vector(run["start"]), options: options)
            case "rmsprop": result = try optimize(problem, with: RMSProp(eta: lr), from: vector(run["start"]), options: options)
            default: Issue.record("unknown method"); continue
            }
            let scale = expected.flatMap { $0 }.map(abs).max()!
            #expect(maxDifference(result.trajectory.x, expected) <= 1e-12 * scale, "\(run["problem"]!) \(run["method"]!)")
        }
    }
}
