// The catalog's array-style derivative providers against the scalar generic models they replaced:
// the same problems built the former way (scalar tape) agree to 1e-12 in values, gradients,
// Hessian-vector products, VJPs and in whole runs of every method.
import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra
import Testing

/// The problem as the catalog built it before: generic scalar models on the scalar tape.
func scalarTapeProblem(_ p: InverseProblem) -> InverseProblem {
    let n = p.dimension
    var q: InverseProblem
    switch p.name {
    case "powers", "seed":
        q = InverseProblem(name: p.name, dimension: n, outputDimension: n, model: StandardFunctions.Powers(),
                           loss: StandardFunctions.SquaredNorm(), start: p.start, solution: p.solution, inverse: p.inverse)
    case "blur":
        var m = p.model
        let target = m.value(at: p.solution!)
        q = InverseProblem(name: p.name, dimension: n, outputDimension: n, model: BlurModel(kernel: BlurModel.kernel(width: Problems.blurWidth)),
                           loss: SquaredDistance(target: target), start: p.start, solution: p.solution, inverse: p.inverse)
    default:
        let model = BurgersModel(cells: n)
        q = InverseProblem(name: p.name, dimension: n, outputDimension: n, model: model,
                           loss: SquaredDistance(target: model(p.solution!)), start: p.start, solution: p.solution)
    }
    q.stepSizes = p.stepSizes
    q.objectiveHessianStructure = p.objectiveHessianStructure
    q.lossHessianStructure = p.lossHessianStructure
    return q
}

func relErr(_ a: [Double], _ b: [Double]) -> Double {
    var num = 0.0, den = 1e-300
    for i in 0..<a.count { num = max(num, abs(a[i] - b[i])); den = max(den, abs(b[i])) }
    return num / den
}

@Suite("Catalog on array-level derivatives")
struct ArrayCatalogTests {
    static let problems: [(String, Int)] = [("powers", 2), ("powers", 50), ("blur", 1), ("blur", 16), ("blur", 40), ("burgers", 3), ("burgers", 24)]

    @Test("values and derivatives equal the scalar-tape providers to 1e-12", arguments: problems.indices)
    func providers(index: Int) throws {
        let (name, n) = Self.problems[index]
        let p = name == "powers" ? try Problems.powers(n) : name == "blur" ? try Problems.blur(n) : try Problems.burgers(n)
        let q = scalarTapeProblem(p)
        let x = (0..<n).map { 0.7 * Double.sin(Double($0) + 1) }
        let v = (0..<n).map { Double.cos(3 * Double($0)) }
        var (pm, qm) = (p.model, q.model)
        #expect(relErr(pm.value(at: x), qm.value(at: x)) <= 1e-12)
        #expect(relErr(pm.vectorJacobianProduct(at: x, cotangent: v), qm.vectorJacobianProduct(at: x, cotangent: v)) <= 1e-12)
        #expect(relErr(pm.jacobianVectorProduct(at: x, direction: v), qm.jacobianVectorProduct(at: x, direction: v)) <= 1e-12)
        var (po, qo) = (p.objective, q.objective)
        #expect(relErr([po.value(at: x)], [qo.value(at: x)]) <= 1e-12)
        #expect(relErr(po.gradient(at: x), qo.gradient(at: x)) <= 1e-12)
        #expect(relErr(po.hessianVectorProduct(at: x, direction: v), qo.hessianVectorProduct(at: x, direction: v)) <= 1e-12)
        if n <= 40 { #expect(relErr(po.hessian(at: x).elements, qo.hessian(at: x).elements) <= 1e-12, "\(name)(\(n)) Hessian") }
        var (pl, ql) = (p.loss, q.loss)
        #expect(relErr(pl.gradient(at: x), ql.gradient(at: x)) <= 1e-12)
        #expect(relErr(pl.hessianVectorProduct(at: x, direction: v), ql.hessianVectorProduct(at: x, direction: v)) <= 1e-12)
        var (pphi, qphi) = (p.inverseObjective(v), q.inverseObjective(v))
        #expect(relErr(pphi.gradient(at: x), qphi.gradient(at: x)) <= 1e-12)
    }

    @Test("powers' numerical-inverse objective (one map-sum) equals the model composed with the squared distance, bit for bit",
          arguments: [2, 4, 10, 1000, 1002])
    func powersInverseObjective(n: Int) throws {
        let x = (0..<n).map { 2 * Double.sin(1.7 * Double($0) + Double(n)) }, target = (0..<n).map { 1 + 2 * Double.cos(0.3 * Double($0)) }
        var fused = try Problems.powers(n).inverseObjective(target)
        var composed = ArrayAutomaticObjective(ComposedArrayObjective(model: StandardFunctions.Powers(), loss: ArraySquaredDistance(target: target)),
                                               dimension: n)
        var g1 = [Double](repeating: 0, count: n), g2 = g1
        #expect(fused.valueAndGradient(at: x, gradient: &g1) == composed.valueAndGradient(at: x, gradient: &g2))
        #expect(g1 == g2)
        #expect(fused.hessianVectorProduct(at: x, direction: target) == composed.hessianVectorProduct(at: x, direction: target))
    }

    @Test("runs of every method end where the scalar-tape problem's runs end, to 1e-12", arguments: problems.indices)
    func runs(index: Int) throws {
        let (name, n) = Self.problems[index]
        let p = name == "powers" ? try Problems.powers(n) : name == "blur" ? try Problems.blur(n) : try Problems.burgers(n)
        let q = scalarTapeProblem(p)
        let options = RunOptions(steps: 4, trace: .none)
        var methods: [(String, (InverseProblem) throws -> OptimizationResult)] = [
            ("gd", { try optimize($0, with: GradientDescent(eta: p.stepSizes[.gd]!), options: options) }),
            ("newton", { try optimize($0, with: Newton(eta: 0.5, policy: .regularize(initialShift: 1e-3), acceptance: .fixed), options: options) }),
            ("pg-numerical", { try optimize($0, with: PhysicalGradient(eta: 0.5, inverse: .numerical(.exact)), options: options) }),
        ]
        if p.inverse != nil { methods.append(("pg", { try optimize($0, with: PhysicalGradient(eta: 0.5), options: options) })) }
        for (method, run) in methods {
            let a = try run(p), b = try run(q)
            // The exact numerical inverse runs L-BFGS-B until no step decreases φ (factr 0): the
            // last iterations, and so the end point within the inverse's 1e-8 accuracy, depend on
            // rounding (blur's band product is BLAS dgbmv now, a loop before).
            let tolerance = method == "pg-numerical" && name == "blur" ? 1e-9 : 1e-12
            #expect(relErr(a.x, b.x) <= tolerance, "\(name)(\(n)) \(method): \(relErr(a.x, b.x))")
            #expect(a.termination == b.termination)
        }
    }
}
