import Foundation
import Testing
@testable import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// A nonlinear model on a ring of n cells with a periodic band: y_i = Σ_{d = -upper}^{lower}
/// c_id g(x_{(i - d) mod n}), g(x) = x + sin(x)/2 (so ∂y_i/∂x_j ≠ 0 only for (i - j) mod n in
/// the band), c_i0 = 3 and the other coefficients in [-0.5, 0.5): J = C diag(g') is well
/// conditioned.
private struct RingModel: GenericModel, Sendable {
    let n: Int, lower: Int, upper: Int
    let c: [Double]  // c_id at i * (lower + upper + 1) + (d + upper)

    init(n: Int, lower: Int, upper: Int) {
        self.n = n
        self.lower = lower
        self.upper = upper
        let w = lower + upper + 1
        c = (0..<(n * w)).map { p in p % w == upper ? 3 : 0.5 * sin(12.9898 * Double(p) + 0.3) }
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        (0..<n).map { i in
            var s = T(0)
            for d in -upper...lower {
                let j = ((i - d) % n + n) % n
                s += T(c[i * (lower + upper + 1) + d + upper]) * (x[j] + T.sin(x[j]) / 2)
            }
            return s
        }
    }
}

/// Whether row i is in column j's periodic band.
private func inBand(_ i: Int, _ j: Int, n: Int, lower: Int, upper: Int) -> Bool {
    let d = ((i - j) % n + n) % n
    return d <= lower || n - d <= upper
}

private func ringProblem(n: Int, lower: Int, upper: Int, structure: JacobianStructure) -> InverseProblem {
    let m = RingModel(n: n, lower: lower, upper: upper)
    var model = AutomaticModel(m, inputDimension: n)
    let solution = (0..<n).map { sin(2 * Double.pi * Double($0) / Double(n)) }
    var p = InverseProblem(name: "ring", dimension: n, outputDimension: n, model: m,
                           loss: SquaredDistance(target: model.value(at: solution)),
                           start: [Double](repeating: 0, count: n), solution: solution)
    p.jacobianStructure = structure
    return p
}

@Suite("Declared periodic band: colouring, compressed Jacobian, checks")
struct PeriodicBandTests {
    @Test("columns of one colour never share a row of the periodic band; at most n colours")
    func coloringSeparatesColumns() {
        for n in 1...40 {
            for (lower, upper) in [(0, 0), (1, 1), (2, 0), (0, 3), (3, 2), (5, 5), (9, 12), (20, 20), (45, 3)] {
                let coloring = ColumnColoring.periodicBanded(columns: n, lower: lower, upper: upper)
                #expect(coloring.colors.count == n)
                #expect(coloring.count >= 1 && coloring.count <= max(n, 1))
                #expect(coloring.colors.allSatisfy { $0 >= 0 && $0 < coloring.count })
                for j in 0..<n {
                    for k in (j + 1)..<max(n, j + 1) where coloring.colors[j] == coloring.colors[k] {
                        let shared = (0..<n).contains { inBand($0, j, n: n, lower: lower, upper: upper) && inBand($0, k, n: n, lower: lower, upper: upper) }
                        #expect(!shared, "n = \(n), band (\(lower), \(upper)): columns \(j) and \(k) share a row")
                    }
                }
            }
        }
        // A band of width w on a ring that w divides takes w colours.
        #expect(ColumnColoring.periodicBanded(columns: 256, lower: 63, upper: 63).count == 128)
        #expect(ColumnColoring.periodicBanded(columns: 30, lower: 1, upper: 1).count == 3)
    }

    @Test("the compressed periodic Jacobian equals the dense AD one (1e-12 relative)",
          arguments: [(n: 12, lower: 1, upper: 1), (n: 17, lower: 2, upper: 3), (n: 9, lower: 4, upper: 4), (n: 5, lower: 3, upper: 2)])
    func compressedEqualsDense(case c: (n: Int, lower: Int, upper: Int)) throws {
        let p = ringProblem(n: c.n, lower: c.lower, upper: c.upper, structure: .periodicBanded(lower: c.lower, upper: c.upper))
        let x = (0..<c.n).map { 0.4 + 0.3 * sin(1.7 * Double($0)) }
        try p.validateDeclaredStructure(at: x, jacobian: true, hessian: false)
        var evaluator = ProblemEvaluator(p)
        let compressed = try #require(try evaluator.periodicBandedJacobian(at: x))
        var model = p.model
        let dense = model.jacobian(at: x)
        #expect(relative(compressed, dense) <= 1e-12)
        #expect(relative(try evaluator.jacobian(at: x), dense) <= 1e-12)
        // The wrap-around corners are there.
        #expect(dense[0, c.n - 1] != 0 && compressed[0, c.n - 1] == dense[0, c.n - 1])
    }

    @Test("Gauss-Newton and LM reach the solution with the periodic band declared")
    func methodsConverge() throws {
        let p = ringProblem(n: 40, lower: 2, upper: 2, structure: .periodicBanded(lower: 2, upper: 2))
        for method in [GaussNewton(), LevenbergMarquardt()] as [any Optimizer] {
            let result = try optimize(p, with: method, options: RunOptions(steps: 50))
            #expect(result.isSuccess)
            #expect(Vector.distance(result.x, p.solution!) <= 1e-8)
            #expect(result.counts.jacobians >= 1)
        }
    }

    @Test("burgers(256) declares its periodic band, and its compressed Jacobian equals the dense one")
    func burgers() throws {
        let p = try Problems.burgers(256)
        #expect(p.jacobianStructure == .periodicBanded(lower: 63, upper: 63))
        #expect(try Problems.burgers(64).jacobianStructure == .dense)
        let x = (0..<256).map { 0.5 * sin(2 * Double.pi * Double($0) / 256) }
        var evaluator = ProblemEvaluator(p)
        let compressed = try #require(try evaluator.periodicBandedJacobian(at: x))
        var model = p.model
        #expect(relative(compressed, model.jacobian(at: x)) <= 1e-12)
    }

    @Test("a periodic band too narrow, negative, or on a non-square model is refused before the run")
    func refused() throws {
        func refuses(_ p: InverseProblem) {
            #expect {
                try optimize(p, with: GaussNewton(), options: RunOptions(steps: 1))
            } throws: { error in
                guard case PhysGradError.invalidParameter(name: "jacobianStructure", _, _) = error else { return false }
                return true
            }
        }
        refuses(ringProblem(n: 20, lower: 2, upper: 2, structure: .periodicBanded(lower: 1, upper: 2)))
        refuses(ringProblem(n: 20, lower: 2, upper: 2, structure: .periodicBanded(lower: -1, upper: 2)))
        // A band that is not periodic is not a periodic band of the same width either way round.
        refuses(ringProblem(n: 20, lower: 2, upper: 2, structure: .banded(lower: 2, upper: 2)))
        var wide = try Problems.blur(12)
        wide.jacobianStructure = .periodicBanded(lower: 1, upper: 1)
        refuses(wide)  // blur's band is not periodic and wider than 1
        let tall = InverseProblem(name: "tall", dimension: 3, outputDimension: 4, model: TallModel(),
                                  loss: SquaredDistance(target: [0, 0, 0, 0]), start: [1, 2, 3])
        var tallPeriodic = tall
        tallPeriodic.jacobianStructure = .periodicBanded(lower: 1, upper: 1)
        refuses(tallPeriodic)
    }
}

/// y = (x0, x1, x2, x0 x2): four outputs of three unknowns.
private struct TallModel: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { [x[0], x[1], x[2], x[0] * x[2]] }
}
