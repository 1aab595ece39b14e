// Gradients, Jacobians, Hessians and their products of Rosenbrock and of random smooth
// compositions, n = 1...50: AD against central differences (relative error <= 1e-6) and
// forward against reverse (<= 1e-12).
import Foundation
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

func point(_ n: Int, seed: UInt64) -> [Double] {
    var r = SplitMix64(seed: seed)
    return r.vector(n, -1.2, 1.2)
}

func matVec(_ m: Matrix, _ v: [Double]) -> [Double] {
    (0..<m.rows).map { i in (0..<m.columns).reduce(0) { $0 + m[i, $1] * v[$1] } }
}

func matTVec(_ m: Matrix, _ w: [Double]) -> [Double] {
    (0..<m.columns).map { j in (0..<m.rows).reduce(0) { $0 + m[$1, j] * w[$1] } }
}

/// Gradient and Hessian checks shared by every objective.
func checkObjective<F: GenericObjective>(_ f: F, at x: [Double], nestedDuals: Bool) {
    let n = x.count
    let (value, g) = Derivatives.valueAndGradient(of: f, at: x)
    #expect(value == f(x), "value on the tape equals the Double value")
    let gForward = Derivatives.forwardGradient(of: f, at: x)
    let gFD = FiniteDifferences.gradient(at: x) { f($0) }
    #expect(relativeError(g, gForward) <= 1e-12, "n=\(n): reverse vs forward gradient")
    #expect(relativeError(g, gFD) <= 1e-6, "n=\(n): reverse gradient vs central differences")

    let h = Derivatives.hessian(of: f, at: x)
    #expect(h.isSymmetric(relativeTolerance: 0), "n=\(n): symmetrized Hessian")
    let hFD = FiniteDifferences.hessian(at: x) { Derivatives.gradient(of: f, at: $0) }
    #expect(relativeError(h, hFD) <= 1e-6, "n=\(n): Hessian vs central differences of the gradient")
    if nestedDuals {
        let hNested = Derivatives.hessian(of: f, at: x, method: .nestedDuals)
        #expect(relativeError(h, hNested) <= 1e-12, "n=\(n): forward-over-reverse vs nested duals")
    }
    if n <= 6 {
        let hValues = FiniteDifferences.hessian(at: x) { f($0) }
        #expect(relativeError(h, hValues) <= 1e-5, "n=\(n): Hessian vs second differences of values")
    }

    var r = SplitMix64(seed: UInt64(n) &* 77)
    let v = r.vector(n)
    let hv = Derivatives.hessianVectorProduct(of: f, at: x, direction: v)
    #expect(relativeError(hv, matVec(h, v)) <= 1e-12, "n=\(n): hvp vs H·v")
    let dd = Derivatives.directionalDerivative(of: f, at: x, direction: v)
    #expect(relativeError(dd, zip(g, v).reduce(0) { $0 + $1.0 * $1.1 }) <= 1e-12, "n=\(n): ∇f·v")
}

@Suite("Drivers against central differences and against each other")
struct DriverTests {
    @Test(arguments: 1...50)
    func rosenbrock(n: Int) {
        checkObjective(StandardFunctions.Rosenbrock(), at: point(n, seed: UInt64(n)), nestedDuals: n <= 20)
    }

    @Test(arguments: 1...50)
    func randomComposition(n: Int) {
        let f = RandomComposition(seed: 1000 + UInt64(n), n: n)
        checkObjective(f, at: point(n, seed: 2000 + UInt64(n)), nestedDuals: n <= 12)
    }

    @Test func extendedRosenbrockAndSumSquareSineMatchTheirHandWrittenGradients() {
        for n in [2, 10, 101] {
            let x = point(n, seed: 9)
            var gHand = [Double]()
            let er = StandardFunctions.ExtendedRosenbrock()
            let fHand = er.valueAndGradient(at: x, gradient: &gHand)
            let (f, g) = Derivatives.valueAndGradient(of: er, at: x)
            #expect(f == fHand)
            #expect(relativeError(g, gHand) <= 1e-14)
            let s = StandardFunctions.SumSquareSine()
            let sHand = s.valueAndGradient(at: x, gradient: &gHand)
            let (sf, sg) = Derivatives.valueAndGradient(of: s, at: x)
            #expect(relativeError(sf, sHand) <= 1e-15)
            #expect(relativeError(sg, gHand) <= 1e-14)
        }
    }

    /// Tall (k > n), square and wide (k < n) random models.
    @Test(arguments: [(1, 1), (1, 5), (5, 1), (3, 7), (7, 3), (12, 12), (50, 4), (4, 50), (30, 45)])
    func jacobians(n: Int, k: Int) {
        let m = RandomModel(seed: UInt64(31 * n + k), n: n, k: k)
        let x = point(n, seed: UInt64(n * k))
        let jf = Derivatives.jacobian(of: m, at: x, mode: .forward)
        let jr = Derivatives.jacobian(of: m, at: x, mode: .reverse)
        let ja = Derivatives.jacobian(of: m, at: x)
        let jFD = FiniteDifferences.jacobian(at: x) { m($0) }
        #expect(jf.rows == k && jf.columns == n)
        #expect(relativeError(jf, jr) <= 1e-12, "forward vs reverse Jacobian")
        #expect(ja == (k >= n ? jf : jr), "automatic picks forward for tall/square, reverse for wide")
        #expect(relativeError(jf, jFD) <= 1e-6, "Jacobian vs central differences")

        var r = SplitMix64(seed: 5)
        let v = r.vector(n), w = r.vector(k)
        let (y, jv) = Derivatives.jacobianVectorProduct(of: m, at: x, direction: v)
        #expect(y == m(x))
        #expect(relativeError(jv, matVec(jf, v)) <= 1e-12)
        let (y2, wj) = Derivatives.vectorJacobianProduct(of: m, at: x, cotangent: w)
        #expect(y2 == m(x))
        #expect(relativeError(wj, matTVec(jf, w)) <= 1e-12)
        #expect(relativeError(FiniteDifferences.jacobianVectorProduct(at: x, direction: v) { m($0) }, jv) <= 1e-6)
    }

    @Test func differentiableModelAdaptersAgree() {
        let m = RandomModel(seed: 4, n: 6, k: 3)
        let x = point(6, seed: 8)
        var automatic = AutomaticModel(m, inputDimension: 6)
        let exact = Derivatives.jacobian(of: m, at: x)
        var analytic = AnalyticModel(inputDimension: 6, value: { m($0) }, jacobian: { Derivatives.jacobian(of: m, at: $0) })
        var blackBox = FiniteDifferenceModel(inputDimension: 6) { m($0) }
        let v: [Double] = [1, -1, 0.5, 0, 2, 0.25], w: [Double] = [1, 2, -1]
        #expect(automatic.value(at: x) == m(x))
        #expect(automatic.jacobian(at: x) == exact)
        #expect(relativeError(automatic.jacobianVectorProduct(at: x, direction: v), matVec(exact, v)) <= 1e-12)
        #expect(relativeError(automatic.vectorJacobianProduct(at: x, cotangent: w), matTVec(exact, w)) <= 1e-12)
        #expect(relativeError(analytic.jacobianVectorProduct(at: x, direction: v), matVec(exact, v)) <= 1e-12)
        #expect(relativeError(analytic.vectorJacobianProduct(at: x, cotangent: w), matTVec(exact, w)) <= 1e-12)
        #expect(relativeError(blackBox.jacobian(at: x), exact) <= 1e-6)
        #expect(relativeError(blackBox.vectorJacobianProduct(at: x, cotangent: w), matTVec(exact, w)) <= 1e-6)
    }

    @Test func objectiveAdaptersAgreeAndReuseTheirScratch() {
        let f = RandomComposition(seed: 77, n: 9)
        let x = point(9, seed: 78)
        var automatic = AutomaticObjective(f, dimension: 9)
        var g = [Double](repeating: 0, count: 9)
        let exact = Derivatives.gradient(of: f, at: x)
        // Repeated calls on one objective reuse the tape and give the same bits.
        for _ in 0..<3 {
            #expect(automatic.valueAndGradient(at: x, gradient: &g) == f(x))
            #expect(g == exact)
        }
        let h = Derivatives.hessian(of: f, at: x)
        #expect(automatic.hessian(at: x) == h)
        let v = point(9, seed: 79)
        #expect(automatic.hessianVectorProduct(at: x, direction: v) == Derivatives.hessianVectorProduct(of: f, at: x, direction: v))

        var analytic = AnalyticObjective(dimension: 9, value: { f($0) },
                                         valueAndGradient: { x, g in
                                             let r = Derivatives.valueAndGradient(of: f, at: x)
                                             g = r.gradient
                                             return r.value
                                         })
        #expect(relativeError(analytic.hessian(at: x), h) <= 1e-6)
        #expect(relativeError(analytic.hessianVectorProduct(at: x, direction: v), matVec(h, v)) <= 1e-6)
        var blackBox = FiniteDifferenceObjective(dimension: 9) { f($0) }
        #expect(relativeError(blackBox.gradient(at: x), exact) <= 1e-6)

        // Copies do not share the tape: evaluating a copy leaves the original's results intact.
        var copy = automatic
        let y = point(9, seed: 80)
        var gy = [Double](repeating: 0, count: 9)
        _ = copy.valueAndGradient(at: y, gradient: &gy)
        _ = automatic.valueAndGradient(at: x, gradient: &g)
        #expect(g == exact)
        #expect(gy == Derivatives.gradient(of: f, at: y))
    }

    /// The L-BFGS-B objective form `(UnsafeBufferPointer, UnsafeMutableBufferPointer) -> f`,
    /// for every kind of objective behind the same interface.
    @Test func bufferFormForOptimizers() {
        let f = RandomComposition(seed: 21, n: 7)
        let x = point(7, seed: 22)
        let exact = Derivatives.valueAndGradient(of: f, at: x)
        func run<O: DifferentiableObjective>(_ objective: O) -> (Double, [Double]) {
            var objective = objective
            var g = [Double](repeating: .nan, count: 7)
            var value = 0.0
            let fg = { (xb: UnsafeBufferPointer<Double>, gb: UnsafeMutableBufferPointer<Double>) -> Double in
                objective.valueAndGradient(at: xb, gradient: gb)
            }
            for _ in 0..<2 {
                value = x.withUnsafeBufferPointer { xb in g.withUnsafeMutableBufferPointer { fg(xb, $0) } }
            }
            return (value, g)
        }
        let automatic = run(AutomaticObjective(f, dimension: 7))
        #expect(automatic.0 == exact.value && automatic.1 == exact.gradient)
        let analytic = run(AnalyticObjective(dimension: 7, value: { f($0) }, valueAndGradient: { x, g in
            let r = Derivatives.valueAndGradient(of: f, at: x)
            g = r.gradient
            return r.value
        }))
        #expect(analytic.0 == exact.value && analytic.1 == exact.gradient)
        let blackBox = run(FiniteDifferenceObjective(dimension: 7) { f($0) })
        #expect(blackBox.0 == exact.value && relativeError(blackBox.1, exact.gradient) <= 1e-6)
        let erased = run(AnyDifferentiableObjective(AutomaticObjective(f, dimension: 7)))
        #expect(erased.0 == exact.value && erased.1 == exact.gradient)
    }

    @Test func chainOfModelAndLossEqualsComposition() {
        // ∇(L∘y)(x) = J_y(x)ᵀ ∇L(y(x)).
        let m = RandomModel(seed: 12, n: 5, k: 4)
        let loss = StandardFunctions.SquaredNorm()
        let x = point(5, seed: 13)
        let composed = ComposedObjective(model: m, loss: loss)
        let g = Derivatives.gradient(of: composed, at: x)
        let y = m(x)
        let viaChain = matTVec(Derivatives.jacobian(of: m, at: x), Derivatives.gradient(of: loss, at: y))
        #expect(relativeError(g, viaChain) <= 1e-12)
    }
}

@Suite("Reverse tape")
struct ReverseTapeTests {
    /// ReverseTape's usage example, as its documentation writes it.
    @Test func documentedExample() {
        let tape = ReverseTape<Double>()
        let x = tape.variables([1, 2])
        let y = x[0] * TrackedReal.sin(x[1])
        tape.reverseSweep(from: y)
        let g = x.map { tape.adjoint(of: $0) }   // [sin 2, cos 2]
        #expect(g == [Foundation.sin(2.0), Foundation.cos(2.0)])
    }

    @Test func tapesAreReusableAcrossEvaluations() {
        let tape = ReverseTape<Double>(reservingCapacity: 16)  // forces growth
        let f = RandomComposition(seed: 3, n: 20)
        var variables: [TrackedReal<Double>] = []
        var g = [Double](repeating: 0, count: 20)
        for k in 0..<5 {
            let x = point(20, seed: UInt64(k))
            let v = Derivatives.valueAndGradient(of: f, at: x, gradient: &g, tape: tape, variables: &variables)
            let fresh = Derivatives.valueAndGradient(of: f, at: x)
            #expect(v == fresh.value)
            #expect(g == fresh.gradient)
        }
    }

    @Test func severalSweepsOnOneRecording() {
        let tape = ReverseTape<Double>()
        let x = tape.variables([1.5, -0.5])
        let y0 = x[0] * x[1], y1 = TrackedReal.exp(x[0]) + x[1]
        tape.reverseSweep(from: y0)
        #expect(tape.adjoint(of: x[0]) == -0.5 && tape.adjoint(of: x[1]) == 1.5)
        tape.reverseSweep(from: y1)
        #expect(tape.adjoint(of: x[0]) == Double.exp(1.5) && tape.adjoint(of: x[1]) == 1)
        tape.reverseSweep(from: [y0, y1], seeds: [2, 3])
        #expect(tape.adjoint(of: x[0]) == 2 * -0.5 + 3 * Double.exp(1.5))
        #expect(tape.adjoint(of: x[1]) == 2 * 1.5 + 3)
    }

    @Test func intermediateAdjointsAreAvailable() {
        // y = sin(x)·x²: ∂y/∂s = x² for s = sin x, ∂y/∂q = sin x for q = x², ∂y/∂x = cos x·x² + 2x sin x.
        let tape = ReverseTape<Double>()
        let x = tape.variable(0.8)
        let s = TrackedReal.sin(x), q = x * x
        let y = s * q
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: y) == 1)
        #expect(tape.adjoint(of: s) == 0.8 * 0.8)
        #expect(tape.adjoint(of: q) == Double.sin(0.8))
        #expect(relativeError(tape.adjoint(of: x), Double.cos(0.8) * 0.64 + 1.6 * Double.sin(0.8)) <= 1e-15)
    }

    @Test func chainsLongerThanTheInitialCapacity() {
        // A long chain exercises growth and the sweep's register-carried chain.
        let tape = ReverseTape<Double>(reservingCapacity: 4)
        let x = tape.variable(1.0001)
        var y = x
        for _ in 0..<10_000 { y = y * 1.0001 + x * 0.5 - 0.5 * x }
        tape.reverseSweep(from: y)
        #expect(relativeError(tape.adjoint(of: x), Double.pow(1.0001, 10_000)) <= 1e-12)
    }

    @Test func variablesCreatedAfterOperationsStillGetAdjoints() {
        let tape = ReverseTape<Double>()
        let a = tape.variable(2)
        let s = a * a
        let b = tape.variable(3)  // interleaved with operations
        let y = s * b
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: a) == 12)
        #expect(tape.adjoint(of: b) == 4)
    }
}

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test func concurrentGradientsEqualSequentialOnes() async {
        let f = RandomComposition(seed: 99, n: 40)
        let points = (0..<64).map { point(40, seed: 500 + UInt64($0)) }
        let sequential = points.map { Derivatives.valueAndGradient(of: f, at: $0) }
        let concurrent = await withTaskGroup(of: (Int, Double, [Double]).self) { group in
            for (i, x) in points.enumerated() {
                group.addTask {
                    let r = Derivatives.valueAndGradient(of: f, at: x)
                    return (i, r.value, r.gradient)
                }
            }
            var results = [(Double, [Double])](repeating: (0, []), count: points.count)
            for await (i, v, g) in group { results[i] = (v, g) }
            return results
        }
        for i in points.indices {
            #expect(concurrent[i].0 == sequential[i].value)
            #expect(concurrent[i].1 == sequential[i].gradient)
        }
    }

    @Test func copiesOfOneAutomaticObjectiveRunConcurrently() async {
        let f = RandomComposition(seed: 98, n: 30)
        let objective = AutomaticObjective(f, dimension: 30)
        let points = (0..<32).map { point(30, seed: 900 + UInt64($0)) }
        let expected = points.map { Derivatives.gradient(of: f, at: $0) }
        let hvpExpected = points.map { Derivatives.hessianVectorProduct(of: f, at: $0, direction: $0) }
        let results = await withTaskGroup(of: (Int, [Double], [Double]).self) { group in
            for (i, x) in points.enumerated() {
                group.addTask {
                    var mine = objective  // a copy per task: copy-on-write scratch
                    var g = [Double](repeating: 0, count: 30)
                    var last = [Double]()
                    for _ in 0..<10 { _ = mine.valueAndGradient(at: x, gradient: &g); last = g }
                    return (i, last, mine.hessianVectorProduct(at: x, direction: x))
                }
            }
            var out = [([Double], [Double])](repeating: ([], []), count: points.count)
            for await (i, g, hv) in group { out[i] = (g, hv) }
            return out
        }
        for i in points.indices {
            #expect(results[i].0 == expected[i])
            #expect(results[i].1 == hvpExpected[i])
        }
    }
}

struct ConstantModel: GenericModel {
    let k: Int
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { (0..<k).map { T($0) } }
}

@Suite("Edge cases")
struct EdgeCaseTests {
    @Test func emptyInputs() {
        let f = StandardFunctions.SquaredNorm()
        #expect(Derivatives.gradient(of: f, at: []) == [])
        #expect(Derivatives.hessian(of: f, at: []).rows == 0)
        #expect(Derivatives.hessian(of: f, at: [], method: .nestedDuals).rows == 0)
        let j = Derivatives.jacobian(of: ConstantModel(k: 2), at: [])
        #expect(j.rows == 2 && j.columns == 0)
    }

    @Test(arguments: [JacobianMode.forward, .reverse, .automatic])
    func outputsIndependentOfTheInputs(mode: JacobianMode) {
        let j = Derivatives.jacobian(of: ConstantModel(k: 3), at: [1, 2], mode: mode)
        #expect(j == Matrix(rows: 3, columns: 2))
        let none = Derivatives.jacobian(of: ConstantModel(k: 0), at: [1, 2], mode: mode)
        #expect(none.rows == 0 && none.columns == 2)
    }

    @Test func constantObjectiveHasZeroDerivatives() {
        struct Constant: GenericObjective {
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { 4.5 }
        }
        #expect(Derivatives.valueAndGradient(of: Constant(), at: [1, 2, 3]) == (4.5, [0, 0, 0]))
        #expect(Derivatives.hessian(of: Constant(), at: [1, 2]) == Matrix(rows: 2, columns: 2))
    }

    /// A central-difference product along a direction with a NaN entry is NaN, as J·v is, not the
    /// product with the zero direction; the zero direction still gives exactly 0.
    @Test func finiteDifferenceProductsAlongANaNDirection() {
        let y: @Sendable ([Double]) -> [Double] = { [$0[0] * $0[1], $0[0]] }
        #expect(FiniteDifferences.jacobianVectorProduct(at: [1, 2], direction: [.nan, 1], of: y).allSatisfy { $0.isNaN })
        #expect(FiniteDifferences.jacobianVectorProduct(at: [1, 2], direction: [0, 0], of: y) == [0, 0])
        var model = FiniteDifferenceModel(inputDimension: 2, value: y)
        #expect(model.jacobianVectorProduct(at: [1, 2], direction: [1, .nan]).allSatisfy { $0.isNaN })
        var objective = FiniteDifferenceObjective(dimension: 2) { $0[0] * $0[0] * $0[1] }
        #expect(objective.hessianVectorProduct(at: [1, 2], direction: [.nan, .nan]).allSatisfy { $0.isNaN })
    }
}

@Suite("Hessian into reused storage")
struct HessianIntoTests {
    @Test("hessian(of:at:into:) equals hessian(of:at:), also through AutomaticObjective")
    func into() {
        let x = (0..<37).map { 0.1 * Double($0) - 1.3 }
        let f = StandardFunctions.ExtendedRosenbrock()
        var h = Matrix(rows: 0, columns: 0)
        Derivatives.hessian(of: f, at: x, into: &h)
        #expect(h == Derivatives.hessian(of: f, at: x))
        let y = x.map { $0 * 0.5 }
        Derivatives.hessian(of: f, at: y, into: &h)  // same shape: storage reused
        #expect(h == Derivatives.hessian(of: f, at: y))
        var objective = AutomaticObjective(f, dimension: x.count)
        var g = Matrix(rows: 3, columns: 3)
        objective.hessian(at: x, into: &g)
        #expect(g == objective.hessian(at: x))
    }
}
