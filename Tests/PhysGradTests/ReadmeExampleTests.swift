import Foundation
import Testing
// README example: custom-problem (begin)
import PhysGrad
import PhysGradDerivatives

/// A projectile launched at speed x0 (m/s) and angle x1 (rad) on flat ground: its range and
/// peak height, y = [x0² sin(2 x1) / g, x0² sin²(x1) / (2g)]. Written once, generically: the
/// same code runs on Double and on the derivative types.
struct Projectile: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let g = T(9.81)
        let s = T.sin(x[1])
        return [x[0] * x[0] * T.sin(2 * x[1]) / g, x[0] * x[0] * s * s / (2 * g)]
    }
}

/// Which launch gives a range of 100 m and a peak of 20 m?
func solveLaunch() throws -> (numerical: OptimizationResult, analytic: OptimizationResult) {
    var problem = InverseProblem(
        name: "projectile", dimension: 2, outputDimension: 2,
        model: Projectile(), loss: SquaredDistance(target: [100, 20]),
        start: [30, 0.5],
        inverseLowerBounds: [0, 0], inverseUpperBounds: [.infinity, Double.pi / 2])

    // Without an analytic inverse: PG inverts the model numerically (L-BFGS-B, exact gradients).
    let numerical = try optimize(problem, with: PhysicalGradient(eta: 0.5, inverse: .numerical(.exact)),
                                 options: RunOptions(steps: 40, targetLoss: 1e-16))

    // With one: tan(x1) = 4 H / R and x0² = R g / sin(2 x1), for R, H > 0.
    problem.inverse = { y throws(InverseDomainError) in
        guard y[0] > 0 else { throw InverseDomainError(index: 0, value: y[0], reason: "the range must be positive") }
        guard y[1] > 0 else { throw InverseDomainError(index: 1, value: y[1], reason: "the height must be positive") }
        let angle = Double.atan(4 * y[1] / y[0])
        return [(y[0] * 9.81 / Double.sin(2 * angle)).squareRoot(), angle]
    }
    let analytic = try optimize(problem, with: PhysicalGradient(eta: 0.5), options: RunOptions(steps: 40, targetLoss: 1e-16))
    return (numerical, analytic)
}
// README example: custom-problem (end)

@Suite("The README's custom-problem example")
struct ReadmeExampleTests {
    @Test("it runs and both inversions find the launch")
    func runs() throws {
        let (numerical, analytic) = try solveLaunch()
        // R = 100, H = 20: tan(angle) = 0.8, speed² = 100 · 9.81 / sin(2 atan 0.8).
        let angle = Double.atan(0.8)
        let speed = (100 * 9.81 / Double.sin(2 * angle)).squareRoot()
        for r in [numerical, analytic] {
            #expect(r.termination == .reachedTargetLoss, "\(r.method): \(r.termination)")
            #expect(abs(r.x[0] - speed) < 1e-6 && abs(r.x[1] - angle) < 1e-8, "\(r.method): \(r.x)")
        }
    }
}

@Suite("README")
struct ReadmeTests {
    @Test("the README's custom-problem example is this file's, character for character")
    func exampleInSync() throws {
        let here = try String(contentsOfFile: #filePath, encoding: .utf8)
        let readmePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md").path
        let readme = try String(contentsOfFile: readmePath, encoding: .utf8)
        let begin = "// README example: custom-problem (begin)\n", end = "// README example: custom-problem (end)"
        let example = try #require(here.components(separatedBy: begin).dropFirst().first?.components(separatedBy: end).first)
        let block = try #require(readme.components(separatedBy: "<!-- example: custom-problem -->\n```swift\n")
            .dropFirst().first?.components(separatedBy: "```").first)
        #expect(block.trimmingCharacters(in: .whitespacesAndNewlines) == example.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
