// The fused paths of map-sums and maps over views: partials written straight into the source's
// adjoint, partials stored at recording for the driver's buffer, _DualPair's skipped zero parts.
// References: analytic derivatives (Rosenbrock, x² sin x) and the scalar tape on the same math
// written on scalars; sizes cover n < 4 (the plain sum), odd n, and n around the 256-term blocks
// and the vector width.
import PhysGradDerivatives
import PhysGradRandom
import Testing

/// Sizes that reach every tail: n < 4 terms, odd n (an input no term reads), blocks of 256 terms
/// and their remainders, odd and even term counts.
let fusedSizes = [1, 2, 3, 5, 7, 8, 9, 16, 511, 512, 513, 514, 1025, 2051]

/// Extended Rosenbrock: value, gradient and Hessian-vector product from the closed forms.
func rosenbrockReference(_ x: [Double], _ v: [Double]) -> (value: Double, gradient: [Double], hv: [Double]) {
    var f = 0.0
    var g = [Double](repeating: 0, count: x.count), hv = g
    for i in 0..<(x.count / 2) {
        let a = x[2 * i], b = x[2 * i + 1], t = b - a * a
        f += 100 * t * t + (1 - a) * (1 - a)
        g[2 * i] = -400 * a * t - 2 * (1 - a)
        g[2 * i + 1] = 200 * t
        let haa = 1200 * a * a - 400 * b + 2, hab = -400 * a
        hv[2 * i] = haa * v[2 * i] + hab * v[2 * i + 1]
        hv[2 * i + 1] = hab * v[2 * i] + 200 * v[2 * i + 1]
    }
    return (f, g, hv)
}

/// Σ x² sin x: value, gradient and Hessian-vector product from the closed forms.
func squareSineReference(_ x: [Double], _ v: [Double]) -> (value: Double, gradient: [Double], hv: [Double]) {
    var f = 0.0
    var g = [Double](repeating: 0, count: x.count), hv = g
    for i in x.indices {
        let s = Double.sin(x[i]), c = Double.cos(x[i]), y = x[i]
        f += y * y * s
        g[i] = 2 * y * s + y * y * c
        hv[i] = (2 * s + 4 * y * c - y * y * s) * v[i]
    }
    return (f, g, hv)
}

/// A model the way a user writes one: views of x in both orders and at an offset, a map-sum that
/// is not the output (weighted), a second map-sum over x, a map over views, and other operations,
/// all reaching x. Written twice: on tracked vectors and on scalars (the reference).
struct ViewsAndFusedMaps: ArrayObjective, GenericObjective, Sendable {
    struct Pair: BinaryElementwiseKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T {
            let d = b - a * a
            return T.exp(0.3 * a) * d * d + T(Double(i % 3)) * a / (2 + b * b)
        }
    }
    struct Branchy: ElementwiseKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x < 0 ? T.sin(x) * x : x * x * x }
    }

    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let n = x.count, m = (n - 2) / 2
        // Odd elements paired with the next even one, offset 1 (zero adjoint outside the pairs).
        let first = TrackedVector.mapSum(Pair(), x.strided(from: 2, by: 2, count: m), x.strided(from: 1, by: 2, count: m))
        let second = x.mapSum(Branchy())
        let mapped = TrackedVector.map(StandardFunctions.RosenbrockTerm(), x.strided(from: 0, by: 2, count: n / 2),
                                       x.strided(from: 1, by: 2, count: n / 2))
        return 0.5 * first + second * TrackedVector.cos(x.sum()) + (mapped * mapped).sum() * 1e-3
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        let n = x.count, m = (n - 2) / 2
        var first: T = 0
        for i in 0..<m { first += Pair()(x[2 + 2 * i], x[1 + 2 * i], at: i) }
        var second: T = 0, s: T = 0
        for i in 0..<n {
            second += Branchy()(x[i], at: i)
            s += x[i]
        }
        var mapped: T = 0
        for i in 0..<(n / 2) {
            let r = StandardFunctions.RosenbrockTerm()(x[2 * i], x[2 * i + 1], at: i)
            mapped += r * r
        }
        return 0.5 * first + second * T.cos(s) + mapped * 1e-3
    }
}

/// The output is a map-sum over x, but another operation reaches x before it in the reverse
/// sweep (its adjoint is no longer new when the map-sum's rule runs).
struct SumThenNorm: ArrayObjective, GenericObjective, Sendable {
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let m = x.count / 2
        let s = TrackedVector.mapSum(StandardFunctions.RosenbrockTerm(), x.strided(from: 1, by: 2, count: m),
                                     x.strided(from: 0, by: 2, count: m))
        return s + x.squaredNorm()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f: T = 0
        for i in 0..<(x.count / 2) { f += StandardFunctions.RosenbrockTerm()(x[2 * i + 1], x[2 * i], at: i) }
        for v in x { f += v * v }
        return f
    }
}

/// A weighted map-sum over swapped, offset views alone: its stored partials are used and scaled.
struct WeightedPairs: ArrayObjective, GenericObjective, Sendable {
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let m = (x.count - 2) / 2
        return 0.5 * TrackedVector.mapSum(ViewsAndFusedMaps.Pair(), x.strided(from: 2, by: 2, count: m),
                                          x.strided(from: 1, by: 2, count: m))
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f: T = 0
        for i in 0..<((x.count - 2) / 2) { f += ViewsAndFusedMaps.Pair()(x[2 + 2 * i], x[1 + 2 * i], at: i) }
        return 0.5 * f
    }
}

/// A map-sum over x that the result does not use (it stored its partials and is never reached).
struct UnusedSum: ArrayObjective, GenericObjective, Sendable {
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        _ = x.mapSum(StandardFunctions.SquareSineTerm())
        return TrackedVector.sin(x).squaredNorm()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f: T = 0
        for v in x { f += T.sin(v) * T.sin(v) }
        return f
    }
}

@Suite("Fused maps over views")
struct FusedMapTests {
    @Test("extended Rosenbrock: value, gradient and hvp against the closed forms", arguments: fusedSizes)
    func rosenbrock(n: Int) {
        let x = uniformValues(seed: 42 &+ UInt64(n), count: n), v = uniformValues(seed: 7, count: n)
        let f = StandardFunctions.ExtendedRosenbrock()
        let ref = rosenbrockReference(x, v)
        var o = ArrayAutomaticObjective(f, dimension: n)
        // Twice through the adapter (the second call reuses its tapes), once on a fresh tape.
        for _ in 0..<2 {
            var g = [Double](repeating: .nan, count: n)
            let value = o.valueAndGradient(at: x, gradient: &g)
            #expect(relativeError(value, ref.value) <= 1e-13)
            #expect(relativeError(g, ref.gradient) <= 1e-13, "n=\(n): gradient")
            #expect(value == o.value(at: x), "the recorded value is the plain evaluation's")
            #expect(relativeError(o.hessianVectorProduct(at: x, direction: v), ref.hv) <= 1e-13, "n=\(n): hvp")
        }
        let (value, g) = ArrayDerivatives.valueAndGradient(of: f, at: x)
        #expect(relativeError(value, ref.value) <= 1e-13)
        #expect(relativeError(g, ref.gradient) <= 1e-13)
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v), ref.hv) <= 1e-13)
    }

    @Test("Σ x² sin x: value, gradient and hvp against the closed forms", arguments: fusedSizes)
    func squareSine(n: Int) {
        let x = uniformValues(seed: 3 &+ UInt64(n), count: n).map { 3 * $0 }, v = uniformValues(seed: 9, count: n)
        let ref = squareSineReference(x, v)
        var o = ArrayAutomaticObjective(StandardFunctions.SumSquareSine(), dimension: n)
        for _ in 0..<2 {
            var g = [Double](repeating: .nan, count: n)
            let value = o.valueAndGradient(at: x, gradient: &g)
            #expect(relativeError(value, ref.value) <= 1e-13)
            #expect(relativeError(g, ref.gradient) <= 1e-13, "n=\(n): gradient")
            #expect(relativeError(o.hessianVectorProduct(at: x, direction: v), ref.hv) <= 1e-13, "n=\(n): hvp")
        }
    }

    @Test("a user-style model mixing views, fused maps and other operations equals the scalar tape",
          arguments: [4, 5, 9, 10, 515, 1026])
    func userModel(n: Int) {
        checkAgainstScalarTape(ViewsAndFusedMaps(), n: n)
        checkAgainstScalarTape(WeightedPairs(), n: n)
    }

    @Test("a map-sum whose input another operation reached first, and one nothing reaches",
          arguments: [2, 3, 8, 9, 513])
    func claimsThatCannotBeUsed(n: Int) {
        checkAgainstScalarTape(SumThenNorm(), n: n)
        checkAgainstScalarTape(UnusedSum(), n: n)
    }

    func checkAgainstScalarTape<F: ArrayObjective & GenericObjective>(_ f: F, n: Int) {
        let x = uniformValues(seed: 11 &+ UInt64(n), count: n), v = uniformValues(seed: 13, count: n)
        let (scalarValue, scalarG) = Derivatives.valueAndGradient(of: f, at: x)
        let scalarHv = Derivatives.hessianVectorProduct(of: f, at: x, direction: v)
        var o = ArrayAutomaticObjective(f, dimension: n)
        for _ in 0..<2 {
            var g = [Double](repeating: .nan, count: n)
            let value = o.valueAndGradient(at: x, gradient: &g)
            #expect(relativeError(value, scalarValue) <= 1e-13)
            #expect(relativeError(g, scalarG) <= 1e-12, "\(F.self) n=\(n): gradient")
            #expect(relativeError(o.hessianVectorProduct(at: x, direction: v), scalarHv) <= 1e-11, "\(F.self) n=\(n): hvp")
        }
        // The reverse rules without a driver's buffer (a tape swept directly) agree too.
        let tape = ArrayTape<Double>()
        let xv = tape.variable(x)
        tape.reverseSweep(from: f(xv))
        #expect(relativeError(tape.adjoint(of: xv), scalarG) <= 1e-12, "\(F.self) n=\(n): plain sweep")
    }

    @Test("_DualPair's parts are two Dual evaluations' (skipped parts are exact zeros)")
    func dualPairMatchesDual() {
        var r = SplitMix64(seed: 21)
        for op in 0..<smoothBlockCount {
            for _ in 0..<20 {
                let a = r.uniform(-1.5, 1.5), b = r.uniform(-1.5, 1.5)
                let p = smoothBlock(op, _DualPair(value: a, d0: 1, d1: 0, lanes: 1), _DualPair(value: b, d0: 0, d1: 1, lanes: 2))
                let da = smoothBlock(op, Dual(value: a, derivative: 1), Dual(constant: b))
                let db = smoothBlock(op, Dual(constant: a), Dual(value: b, derivative: 1))
                #expect(p.value == da.value && p.d0 == da.derivative && p.d1 == db.derivative, "block \(op) at (\(a), \(b))")
                // One argument seeded: the other part is never computed and stays exactly 0.
                let q = smoothBlock(op, _DualPair(value: a, d0: 1, d1: 0, lanes: 1), _DualPair(constant: b))
                #expect(q.d0 == da.derivative && q.d1 == 0 && q.lanes == 1, "block \(op): one seed")
            }
        }
    }
}

// MARK: - Three-part duals and stencils

/// A three-argument function built from the smooth blocks (every elementary function, both
/// argument orders, a quotient), for comparing ``_DualTriple`` with ``Dual``.
func smoothTriple<T: PhysGradReal>(_ op: Int, _ a: T, _ b: T, _ c: T) -> T {
    smoothBlock(op, a, b) * c - smoothBlock((op + 7) % smoothBlockCount, c, a) / (2 + b * b) + smoothBlock(op, b - c, a)
}

/// A stencil with every kind of operation (products, a quotient, transcendental functions and a
/// position-dependent coefficient).
struct RichStencil: StencilKernel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T {
        c - 0.2 * (r - l) * (l + c + r) + T.sin(l * r) / (2 + c * c) + T(Double(i % 3)) * 0.1 * T.exp(0.3 * (r - 2 * c + l))
    }
}

/// Two stencil steps and a weighted sum of squares, written on tracked vectors and on scalars.
struct TwoStencilSteps: ArrayObjective, GenericObjective, Sendable {
    let periodic: Bool
    var boundaryValues: (Double, Double) { (0.3, -0.7) }

    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let b: StencilBoundary<Base> = periodic ? .periodic : .fixed(left: Base(boundaryValues.0), right: Base(boundaryValues.1))
        let y = x.stencil(RichStencil(), boundary: b).stencil(RichStencil(), boundary: b)
        return (y * y).sum()
    }

    func step<T: PhysGradReal>(_ u: [T]) -> [T] {
        let n = u.count
        let left: T = periodic ? u[n - 1] : T(boundaryValues.0), right: T = periodic ? u[0] : T(boundaryValues.1)
        return (0..<n).map { i in RichStencil()(i == 0 ? left : u[i - 1], u[i], i == n - 1 ? right : u[i + 1], at: i) }
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        let y = step(step(x))
        var s: T = 0
        for v in y { s += v * v }
        return s
    }
}

@Suite("Three-part duals and stencils")
struct DualTripleTests {
    @Test("_DualTriple's parts are three Dual evaluations' (skipped parts are exact zeros)")
    func dualTripleMatchesDual() {
        var r = SplitMix64(seed: 31)
        typealias T = _DualTriple<Double>
        for op in 0..<smoothBlockCount {
            for _ in 0..<20 {
                let a = r.uniform(-1.2, 1.2), b = r.uniform(-1.2, 1.2), c = r.uniform(-1.2, 1.2)
                let p = smoothTriple(op, T(value: a, d0: 1, d1: 0, d2: 0, lanes: 1), T(value: b, d0: 0, d1: 1, d2: 0, lanes: 2),
                                     T(value: c, d0: 0, d1: 0, d2: 1, lanes: 4))
                let da = smoothTriple(op, Dual(value: a, derivative: 1), Dual(constant: b), Dual(constant: c))
                let db = smoothTriple(op, Dual(constant: a), Dual(value: b, derivative: 1), Dual(constant: c))
                let dc = smoothTriple(op, Dual(constant: a), Dual(constant: b), Dual(value: c, derivative: 1))
                #expect(p.value == da.value && p.d0 == da.derivative && p.d1 == db.derivative && p.d2 == dc.derivative,
                        "block \(op) at (\(a), \(b), \(c))")
                #expect(p.lanes == 7)
                // Only the middle argument seeded: the other parts are never computed and stay exactly 0.
                let q = smoothTriple(op, T(constant: a), T(value: b, d0: 0, d1: 1, d2: 0, lanes: 2), T(constant: c))
                #expect(q.value == db.value && q.d0 == 0 && q.d1 == db.derivative && q.d2 == 0 && q.lanes == 2, "block \(op): one seed")
            }
        }
    }

    @Test("stencil gradients and hvps equal the scalar tape's, periodic and fixed ends",
          arguments: [1, 2, 3, 4, 5, 7, 8, 9, 17, 1024, 1031])
    func stencilsAgainstScalarTape(n: Int) {
        FusedMapTests().checkAgainstScalarTape(TwoStencilSteps(periodic: true), n: n)
        FusedMapTests().checkAgainstScalarTape(TwoStencilSteps(periodic: false), n: n)
    }
}
