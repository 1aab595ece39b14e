// The Hessian-vector product driver's split path: a map-sum over x that reads x and v from the
// caller's buffers and writes the rows of H·v straight into the result, and its fallbacks (x
// read by another operation before or after the map-sum, a weight with an ε-part). References:
// the closed forms (Rosenbrock, x² sin x), the scalar tape on the same math written on scalars,
// and the general path (a Dual<Double> tape swept directly, seeds x + vε, no driver hooks).
import PhysGradDerivatives
import PhysGradRandom
import Testing

/// The point every split test evaluates at.
func splitTestPoint(_ n: Int) -> [Double] { uniformValues(seed: 21 &+ UInt64(n), count: n).map { 2 * $0 - 0.5 } }

/// The direction every split test multiplies by.
func splitTestDirection(_ n: Int) -> [Double] { uniformValues(seed: 5, count: n) }

/// H·v and f by the general path: seeds x + vε copied into a tape, one reverse sweep, the
/// ε-parts of x's adjoint.
func generalHessianVectorProduct<F: ArrayObjective>(_ f: F, _ x: [Double], _ v: [Double]) -> (value: Double, hv: [Double]) {
    let tape = ArrayTape<Dual<Double>>()
    let xv = tape.variable(zip(x, v).map { Dual(value: $0, derivative: $1) })
    let y = f(xv)
    tape.reverseSweep(from: y)
    return (y.scalarValue.value, tape.adjoint(of: xv).map(\.derivative))
}

/// The driver on a reused tape (twice: the second call reuses its arena), checked against the
/// general path and the scalar tape; returns whether the product came from the split path.
@discardableResult
func checkSplitDriver<F: ArrayObjective & GenericObjective>(_ f: F, n: Int, exact: Bool = true,
                                                           sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let x = splitTestPoint(n), v = splitTestDirection(n)
    let general = generalHessianVectorProduct(f, x, v)
    let scalarHv = Derivatives.hessianVectorProduct(of: f, at: x, direction: v)
    let scalarValue = Derivatives.valueAndGradient(of: f, at: x).value
    let tape = ArrayTape<Dual<Double>>(reservingElements: 16)
    var split = false
    for _ in 0..<2 {
        var hv = [Double](repeating: .nan, count: n)
        let value = x.withUnsafeBufferPointer { xb in
            v.withUnsafeBufferPointer { vb in
                hv.withUnsafeMutableBufferPointer {
                    ArrayDerivatives.hessianVectorProduct(of: f, at: xb, direction: vb, into: $0, tape: tape)
                }
            }
        }
        if exact {
            // Same kernel evaluations, same sums: equal (up to the sign of a zero, which == ignores).
            #expect(value == general.value, "\(F.self) n=\(n): value", sourceLocation: sourceLocation)
            #expect(hv == general.hv, "\(F.self) n=\(n): hvp against the general path", sourceLocation: sourceLocation)
        } else {
            #expect(relativeError(value, general.value) <= 1e-14, "\(F.self) n=\(n): value", sourceLocation: sourceLocation)
            #expect(relativeError(hv, general.hv) <= 1e-13, "\(F.self) n=\(n): hvp against the general path",
                    sourceLocation: sourceLocation)
        }
        #expect(relativeError(value, scalarValue) <= 1e-13, "\(F.self) n=\(n): value", sourceLocation: sourceLocation)
        #expect(relativeError(hv, scalarHv) <= 1e-11, "\(F.self) n=\(n): hvp against the scalar tape",
                sourceLocation: sourceLocation)
        split = tape._lastProductWasSplit
    }
    // The array entry point (a fresh tape) agrees too.
    #expect(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v) == general.hv || !exact,
            "\(F.self) n=\(n): array entry point", sourceLocation: sourceLocation)
    return split
}

/// A constant weight ≠ 1 on a map-sum over swapped views (b first, a second) at an offset, and
/// over x directly: the split product is scaled.
struct ScaledSums: ArrayObjective, GenericObjective, Sendable {
    let swapped: Bool
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        if !swapped { return -2.5 * x.mapSum(StandardFunctions.SquareSineTerm()) }
        let m = (x.count - 1) / 2
        return 0.75 * TrackedVector.mapSum(StandardFunctions.RosenbrockTerm(), x.strided(from: 2, by: 2, count: m),
                                           x.strided(from: 1, by: 2, count: m))
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f: T = 0
        if !swapped {
            for v in x { f += StandardFunctions.SquareSineTerm()(v, at: 0) }
            return -2.5 * f
        }
        for i in 0..<((x.count - 1) / 2) { f += StandardFunctions.RosenbrockTerm()(x[2 + 2 * i], x[1 + 2 * i], at: i) }
        return 0.75 * f
    }
}

/// A nonlinear function of the map-sum: its adjoint weight has an ε-part, so the rule computes
/// as usual (on the filled seeds).
struct LogOfSum: ArrayObjective, GenericObjective, Sendable {
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        TrackedVector.log(1 + StandardFunctions.ExtendedRosenbrock()(x))
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { T.log(1 + StandardFunctions.ExtendedRosenbrock()(x)) }
}

/// x read by a non-fused operation before the map-sum (the claim is refused: another node
/// recorded after x may reach its adjoint later in the sweep) or after it (its adjoint is no
/// longer new when the map-sum's rule runs).
struct OtherUseOfX: ArrayObjective, GenericObjective, Sendable {
    let before: Bool
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        if before {
            let s = TrackedVector.sin(x)
            return StandardFunctions.ExtendedRosenbrock()(x) + (s * s).sum()
        }
        let r = StandardFunctions.ExtendedRosenbrock()(x)
        return r + (TrackedVector.sin(x) * x).sum()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f = StandardFunctions.ExtendedRosenbrock()(x)
        for v in x { f += before ? T.sin(v) * T.sin(v) : T.sin(v) * v }
        return f
    }
}

/// x's values read (not its adjoint) by an operation after the map-sum: the seeds are filled
/// then, the product stays split.
struct ValuesReadAfter: ArrayObjective, GenericObjective, Sendable {
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let r = x.mapSum(StandardFunctions.SquareSineTerm())
        let c = x.tape.constant(x.array)  // a constant copy of x: read, not differentiated
        return r + 0 * c.sum()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { StandardFunctions.SumSquareSine()(x) }
}

/// A node recorded between x and the map-sum that reaches x's adjoint without reading x's
/// values (written on the tape's hooks, as a custom operation could be): z = 3(x - x₀) at
/// x = x₀ + vε, whose values 0 + 3vε it takes from x₀ and v it was given, and f = rosenbrock(x)
/// + |z|². The map-sum must not claim the split product, since z's rule adds to x's adjoint
/// after the map-sum's rule.
struct HiddenUseOfX: ArrayObjective, GenericObjective, Sendable {
    let x0: [Double], v: [Double]
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        precondition(Base.self == Dual<Double>.self && x.count == x0.count,
                     "HiddenUseOfX: for Hessian-vector products at x₀")
        let tape = x.tape, n = x.count, source = x.node
        let values = tape._allocate(n)
        for i in 0..<n { values[i] = unsafeBitCast(Dual(value: 0, derivative: 3 * v[i]), to: Base.self) }
        let z = tape._record(count: n, values: values) { tape, me, sweep in
            guard sweep == .reverse, let zbar = tape._adjoint(me) else { return }
            tape._accumulateAdjointSparse(source) { a in for i in 0..<n { a[i] += 3 * zbar[i] } }
        }
        return StandardFunctions.ExtendedRosenbrock()(x) + (z * z).sum()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f = StandardFunctions.ExtendedRosenbrock()(x)
        for i in x.indices {
            let z = 3 * (x[i] - T(x0[i]))
            f += z * z
        }
        return f
    }
}

let splitSizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 512, 513, 1025, 2051]

@Suite("Hessian-vector products: the split path and its fallbacks")
struct HessianVectorSplitTests {
    @Test("Rosenbrock and Σ x² sin x: split products equal the general path's and the closed forms",
          arguments: splitSizes)
    func splitPath(n: Int) {
        let rosenbrock = StandardFunctions.ExtendedRosenbrock(), squareSine = StandardFunctions.SumSquareSine()
        #expect(checkSplitDriver(rosenbrock, n: n) == (n >= 2), "n=\(n): Rosenbrock takes the split path from one pair on")
        #expect(checkSplitDriver(squareSine, n: n) == (n >= 1), "n=\(n): x² sin x takes the split path from one element on")
        let x = uniformValues(seed: 42 &+ UInt64(n), count: n), v = uniformValues(seed: 7, count: n)
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: rosenbrock, at: x, direction: v),
                              rosenbrockReference(x, v).hv) <= 1e-13)
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: squareSine, at: x, direction: v),
                              squareSineReference(x, v).hv) <= 1e-13)
    }

    @Test("constant weights ≠ 1 scale the split product (swapped offset views, odd n)", arguments: [3, 4, 5, 9, 258, 513])
    func weights(n: Int) {
        #expect(checkSplitDriver(ScaledSums(swapped: false), n: n, exact: false))
        #expect(checkSplitDriver(ScaledSums(swapped: true), n: n, exact: false))
    }

    @Test("fallbacks: a weight with an ε-part, x used by another operation before or after the map-sum, or reached unread",
          arguments: [1, 2, 3, 8, 9, 513])
    func fallbacks(n: Int) {
        #expect(!checkSplitDriver(LogOfSum(), n: n, exact: false))
        #expect(!checkSplitDriver(OtherUseOfX(before: true), n: n, exact: false))
        #expect(!checkSplitDriver(OtherUseOfX(before: false), n: n, exact: false))
        #expect(checkSplitDriver(ValuesReadAfter(), n: n, exact: false) == (n >= 1))
        #expect(!checkSplitDriver(HiddenUseOfX(x0: splitTestPoint(n), v: splitTestDirection(n)), n: n, exact: false))
    }

    @Test("a Double tape and a Dual tape reused across drivers after split products")
    func tapesReused() {
        let n = 37
        let x = uniformValues(seed: 1, count: n), v = uniformValues(seed: 2, count: n)
        var o = ArrayAutomaticObjective(OtherUseOfX(before: false), dimension: n)
        var p = ArrayAutomaticObjective(StandardFunctions.ExtendedRosenbrock(), dimension: n)
        let reference = Derivatives.hessianVectorProduct(of: OtherUseOfX(before: false), at: x, direction: v)
        for _ in 0..<3 {
            #expect(relativeError(p.hessianVectorProduct(at: x, direction: v), rosenbrockReference(x, v).hv) <= 1e-13)
            #expect(relativeError(o.hessianVectorProduct(at: x, direction: v), reference) <= 1e-11)
        }
    }
}
