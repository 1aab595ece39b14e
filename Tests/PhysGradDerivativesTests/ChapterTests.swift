// The chapter's derivatives at x = [3, 3] (y = [x0, x1²], L = |y|²).
// Reference values: shared/reference/seed.json, "derivatives_at_start" (float64 recomputation of
// the chapter's JAX output): y = [3, 9], L = 90, dL/dy = [6, 18], J_y = [[1, 0], [0, 6]],
// grad_x L = [6, 108], H_x = diag(2, 108), H_y = 2I. Copied here so that tests do not depend
// on the shared folder's location.
import PhysGradDerivatives
import PhysGradLinearAlgebra
import Testing

@Suite("Chapter: y(x) = [x0, x1²], L = |y|² at x = [3, 3]")
struct ChapterTests {
    let x: [Double] = [3, 3]
    let model = StandardFunctions.Powers()
    let loss = StandardFunctions.SquaredNorm()

    @Test func valuesMatchTheChapter() {
        #expect(Derivatives.value(of: model, at: x) == [3, 9])
        #expect(Derivatives.value(of: StandardFunctions.powersLoss, at: x) == 90)
    }

    @Test func lossGradientWithRespectToY() {
        let y = Derivatives.value(of: model, at: x)
        #expect(Derivatives.gradient(of: loss, at: y) == [6, 18])
        #expect(Derivatives.forwardGradient(of: loss, at: y) == [6, 18])
    }

    @Test(arguments: [JacobianMode.forward, .reverse, .automatic])
    func jacobianOfY(mode: JacobianMode) throws {
        let j = Derivatives.jacobian(of: model, at: x, mode: mode)
        #expect(j == Matrix([[1, 0], [0, 6]]))
        // The chapter's sanity check: J⁻¹(J x) = x.
        let back = try solve(j, try j * x)
        #expect(relativeError(back, x) <= 1e-15)
    }

    @Test func gradientWithRespectToX() {
        let f = StandardFunctions.powersLoss
        #expect(Derivatives.gradient(of: f, at: x) == [6, 108])
        #expect(Derivatives.forwardGradient(of: f, at: x) == [6, 108])
        // Chain rule by hand: J_yᵀ dL/dy.
        let vjp = Derivatives.vectorJacobianProduct(of: model, at: x, cotangent: [6, 18]).product
        #expect(vjp == [6, 108])
    }

    @Test(arguments: [HessianMethod.forwardOverReverse, .forwardOverReverseLanes, .nestedDuals])
    func hessians(method: HessianMethod) {
        #expect(Derivatives.hessian(of: StandardFunctions.powersLoss, at: x, method: method) == Matrix.diagonal([2, 108]))
        #expect(Derivatives.hessian(of: loss, at: [3, 9], method: method) == Matrix.identity(2) * 2)
    }

    @Test func everyObjectiveSourceAgrees() {
        var automatic = AutomaticObjective(StandardFunctions.powersLoss, dimension: 2)
        var analytic = AnalyticObjective(
            dimension: 2,
            value: { x in x[0] * x[0] + x[1] * x[1] * x[1] * x[1] },
            valueAndGradient: { x, g in
                g[0] = 2 * x[0]
                g[1] = 4 * x[1] * x[1] * x[1]
                return x[0] * x[0] + x[1] * x[1] * x[1] * x[1]
            })
        var blackBox = FiniteDifferenceObjective(dimension: 2) { x in x[0] * x[0] + x[1] * x[1] * x[1] * x[1] }
        var g = [0.0, 0.0]
        #expect(automatic.valueAndGradient(at: x, gradient: &g) == 90 && g == [6, 108])
        #expect(analytic.valueAndGradient(at: x, gradient: &g) == 90 && g == [6, 108])
        #expect(blackBox.valueAndGradient(at: x, gradient: &g) == 90)
        #expect(relativeError(g, [6, 108]) <= 1e-9)
        #expect(automatic.hessian(at: x) == Matrix.diagonal([2, 108]))
        #expect(relativeError(analytic.hessian(at: x), Matrix.diagonal([2, 108])) <= 1e-8)
        #expect(relativeError(blackBox.hessian(at: x), Matrix.diagonal([2, 108])) <= 1e-6)
        var erased = [AnyDifferentiableObjective(automatic), AnyDifferentiableObjective(analytic),
                      AnyDifferentiableObjective(blackBox)]
        for k in erased.indices {
            #expect(relativeError(erased[k].gradient(at: x), [6, 108]) <= 1e-9)
            #expect(relativeError(erased[k].hessianVectorProduct(at: x, direction: [1, 1]), [2, 108]) <= 1e-6)
        }
    }
}

extension Matrix {
    static func * (m: Matrix, s: Double) -> Matrix { Matrix(rows: m.rows, columns: m.columns, columnMajor: m.elements.map { s * $0 }) }
}
