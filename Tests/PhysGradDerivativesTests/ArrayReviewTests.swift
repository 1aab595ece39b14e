// Array-level derivatives against references that share no code with them: the scalar tape on
// the same math written on arrays of scalars, and derivatives worked out by hand. Several sweeps
// of one loop recording, long and short loops, shifts and strides at ±Int.max, indices repeated
// or absent, rectangular bands, dense and user operators, count-1 broadcasting, tangent seeds
// on views, tapes that do not record, results written over their inputs, stale vectors, |x| at 0.
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

/// u ↦ 0.999 999 u (a stencil that reads only the centre).
struct Decay: StencilKernel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T { 0.999999 * c }
}

/// A rectangular band (m x n, `lower` sub- and `upper` super-diagonals) and the same matrix dense.
func reviewBand(_ m: Int, _ n: Int, lower: Int, upper: Int) -> (BandedOperator, Matrix) {
    let entry = { (i: Int, j: Int) -> Double in 0.5 + 0.1 * Double(i) - 0.2 * Double(j) + 0.05 * Double(i * j) }
    let band = BandedOperator(rows: m, columns: n, lower: lower, upper: upper, element: entry)
    let dense = Matrix(rows: m, columns: n) { i, j in i - j <= lower && j - i <= upper ? entry(i, j) : 0 }
    return (band, dense)
}

/// A user's operator: a matrix applied by plain loops (the protocol's per-vector path for
/// derivative elements).
struct LoopOperator: LinearOperator {
    let matrix: Matrix
    var outputCount: Int { matrix.rows }
    var inputCount: Int { matrix.columns }
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<matrix.rows { y[i] = (0..<matrix.columns).reduce(0) { $0 + matrix[i, $1] * x[$1] } }
    }
    func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<matrix.columns { x[j] = (0..<matrix.rows).reduce(0) { $0 + matrix[$1, j] * y[$1] } }
    }
}

/// y = A sin(x) + (x₀ x + x_{n-1}) / (3 + x) · Σx: a linear operator A (banded, dense or the
/// user's), and count-1 operands (an element, a sum) broadcast from both sides; the scalar form
/// multiplies by A's matrix by hand.
struct OperatorAndBroadcast<Op: LinearOperator>: ArrayModel, GenericModel {
    let op: Op
    let dense: Matrix
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let n = x.count
        let a = TrackedVector.sin(x).applying(op)
        let b = (x.element(0) * x + x.element(n - 1)) / (3 + x) * x.sum()
        return a + b[0..<min(n, a.count)].sum()
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let n = x.count, m = dense.rows
        let total = x.reduce(T(0), +)
        var s = T(0)
        for i in 0..<min(n, m) { s += (x[0] * x[i] + x[n - 1]) / (3 + x[i]) * total }
        return (0..<m).map { i in
            var y = T(0)
            for j in 0..<n { y += T(dense[i, j]) * T.sin(x[j]) }
            return y + s
        }
    }
}

@Suite("Array derivatives review")
struct ArrayReviewTests {
    @Test("one recording of a checkpointed loop carries several reverse sweeps (and a tangent sweep in between)",
          arguments: [CheckpointSchedule.automatic, .binomial(snapshots: 1), .binomial(snapshots: 3), .storeAll])
    func loopSweptAgain(_ schedule: CheckpointSchedule) {
        let n = 6, steps = 17
        var r = SplitMix64(seed: 41)
        let x = r.vector(n), w1 = r.vector(n), w2 = r.vector(n), v = r.vector(n)
        let scalar = Loop(steps: steps, schedule: .storeAll)
        for direct in [false, true] {
            let tape = ArrayTape<Double>()
            let u = tape.variable(x)
            let y = direct ? u.iterated(steps: steps, stencil: Advect(a: 0.05, d: 0.2), boundary: .periodic, checkpoints: schedule)
                : Loop(steps: steps, schedule: schedule)(u)
            for (k, w) in [w1, w2, w1].enumerated() {
                w.withUnsafeBufferPointer { tape.reverseSweep(from: y, seed: $0) }
                let reference = Derivatives.vectorJacobianProduct(of: scalar, at: x, cotangent: w).product
                #expect(relativeError(tape.adjoint(of: u), reference) <= 1e-12, "sweep \(k), direct \(direct), \(schedule)")
                v.withUnsafeBufferPointer { tape.tangentSweep(inputs: [u], tangents: [$0]) }
                let jv = Derivatives.jacobianVectorProduct(of: scalar, at: x, direction: v).product
                #expect(relativeError(tape.tangent(of: y), jv) <= 1e-12, "tangent after sweep \(k), direct \(direct), \(schedule)")
            }
        }
    }

    @Test("loops of 0, 1, 2 and 3 steps with 0, 1, more than T and a negative number of snapshots",
          arguments: [0, 1, 2, 3])
    func shortLoops(_ steps: Int) {
        let n = 4
        var r = SplitMix64(seed: 43)
        let x = r.vector(n), v = r.vector(n), w = r.vector(n)
        let scalar = Loop(steps: steps, schedule: .storeAll)
        let fs = ComposedObjective(model: scalar, loss: StandardFunctions.SquaredNorm())
        for schedule in [CheckpointSchedule.binomial(snapshots: 0), .binomial(snapshots: 1), .binomial(snapshots: 50),
                         .binomial(snapshots: -2), .automatic, .storeAll] {
            let model = Loop(steps: steps, schedule: schedule)
            let label = "T \(steps) \(schedule)"
            #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w).product,
                                  Derivatives.vectorJacobianProduct(of: scalar, at: x, cotangent: w).product) <= 1e-12, "vjp, \(label)")
            #expect(relativeError(ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v).product,
                                  Derivatives.jacobianVectorProduct(of: scalar, at: x, direction: v).product) <= 1e-12, "jvp, \(label)")
            let f = ComposedArrayObjective(model: model, loss: ArraySquaredNorm())
            #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v),
                                  Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11, "hvp, \(label)")
        }
    }

    @Test("a loop of 200 000 steps that stores every state reverses (no recursion as deep as the loop)")
    func longStoreAllLoop() async {
        await #expect(processExitsWith: .success) {
            let tape = ArrayTape<Double>()
            let u = tape.variable([0.5])
            let y = u.iterated(steps: 200_000, stencil: Decay(), boundary: .fixed(left: 0, right: 0), checkpoints: .storeAll)
            tape.reverseSweep(from: y)
            // y = 0.999999^T u, so dy/du = 0.999999^T = exp(T log 0.999999) ≈ e^-1.
            let expected = Double.exp(200_000 * Double.log(0.999999))
            precondition(abs(tape.adjoint(of: u)[0] - expected) <= 1e-9, "adjoint \(tape.adjoint(of: u)[0]), expected \(expected)")
        }
    }

    @Test("drivers handed a tape that does not record still differentiate")
    func nonRecordingTapes() {
        let n = 5
        var r = SplitMix64(seed: 47)
        let x = r.vector(n), v = r.vector(n), w = r.vector(n)
        let model = Loop(steps: 3, schedule: .automatic)
        let f = ComposedArrayObjective(model: model, loss: ArraySquaredNorm())
        let fs = ComposedObjective(model: model, loss: StandardFunctions.SquaredNorm())
        let plain = ArrayTape<Double>(recording: false)
        var g = [Double](repeating: 0, count: n)
        let value = x.withUnsafeBufferPointer { xb in
            g.withUnsafeMutableBufferPointer { ArrayDerivatives.valueAndGradient(of: f, at: xb, gradient: $0, tape: plain) }
        }
        #expect(relativeError(value, Derivatives.value(of: fs, at: x)) <= 1e-14)
        #expect(relativeError(g, Derivatives.gradient(of: fs, at: x)) <= 1e-12, "gradient")
        #expect(relativeError(ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v, tape: plain).product,
                              Derivatives.jacobianVectorProduct(of: model, at: x, direction: v).product) <= 1e-12, "jvp")
        let jtw = Derivatives.vectorJacobianProduct(of: model, at: x, cotangent: w).product
        #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w, tape: plain).product, jtw) <= 1e-12,
                "vjp")
        let jv = Derivatives.jacobianVectorProduct(of: model, at: x, direction: v).product
        #expect(relativeError(ArrayDerivatives.gaussNewtonProduct(of: model, at: x, direction: v, tape: plain),
                              Derivatives.vectorJacobianProduct(of: model, at: x, cotangent: jv).product) <= 1e-12, "Gauss-Newton")
        var hv = [Double](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in
            v.withUnsafeBufferPointer { vb in
                hv.withUnsafeMutableBufferPointer {
                    _ = ArrayDerivatives.hessianVectorProduct(of: f, at: xb, direction: vb, into: $0,
                                                              tape: ArrayTape<Dual<Double>>(recording: false))
                }
            }
        }
        #expect(relativeError(hv, Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11, "hvp")
    }

    @Test("shifts and rolls by any amount, up to ±Int.max and Int.min")
    func extremeShifts() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([1, 2, 3])
        for s in [3, 4, -3, -100, Int.max, Int.max - 2, Int.min, Int.min + 1] {
            let y = x.shifted(by: s, fill: 7)
            #expect(y.array == [7, 7, 7], "shift \(s)")
            tape.reverseSweep(from: (y * x).sum())
            #expect(tape.adjoint(of: x) == [7, 7, 7], "shift \(s)")
        }
        // Int.max and Int.min are 1 mod 3, as 4 is.
        for (s, expected) in [(Int.max, [3.0, 1, 2]), (Int.min, [3.0, 1, 2]), (-1, [2.0, 3, 1]), (4, [3.0, 1, 2])] {
            #expect(x.rolled(by: s).array == expected, "roll \(s)")
        }
    }

    @Test("strides up to ±Int.max and Int.min take one element, as the default count says")
    func extremeStrides() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([1, 2, 3])
        #expect(x.strided(from: 1, by: Int.max).array == [2])
        #expect(x.strided(from: 2, by: Int.min).array == [3])
        #expect(x.strided(from: 0, by: -Int.max).array == [1])
        #expect(x.strided(from: 2, by: -1).array == [3, 2, 1] && x.strided(from: 0, by: 2).array == [1, 3])
        #expect(x.strided(from: 3, by: 1).count == 0 && x.strided(from: -1, by: -1).count == 0)
        let y = x.strided(from: 2, by: Int.min) * x.strided(from: 1, by: Int.max, count: 1)
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: x) == [0, 3, 2])
    }

    @Test("a vector used after its tape's reset stops with a precondition failure")
    func staleVector() async {
        await #expect(processExitsWith: .failure) {
            let tape = ArrayTape<Double>()
            let x = tape.variable([1, 2, 3])
            let y = x * x
            tape.reset()
            // y's node index and arena room now belong to these.
            let z = tape.variable([5, 6, 7])
            _ = (y + z * 2).sum()
        }
    }

    @Test("tangent seeds given on views of the input land on those elements only")
    func tangentSeedsOnViews() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([1, 2, 3, 4, 5])
        let y = x.squared()
        [1.0, 1].withUnsafeBufferPointer { tape.tangentSweep(inputs: [x[1..<3]], tangents: [$0]) }
        #expect(tape.tangent(of: y) == [0, 4, 6, 0, 0])
        [1.0, 2, 3].withUnsafeBufferPointer { tape.tangentSweep(inputs: [x.strided(from: 4, by: -2)], tangents: [$0]) }
        #expect(tape.tangent(of: y) == [6, 0, 12, 0, 10])
    }

    @Test("gathers and scatters with repeated indices, no indices, and one element, by hand")
    func gathersAndScatters() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([2, 3, 5])
        let g = x.gathered(at: [2, 2, 0])
        #expect(g.array == [5, 5, 2])
        [1.0, 2, 3].withUnsafeBufferPointer { tape.reverseSweep(from: g, seed: $0) }
        #expect(tape.adjoint(of: x) == [3, 0, 3])
        [0.5, 7, 11].withUnsafeBufferPointer { tape.tangentSweep(inputs: [x], tangents: [$0]) }
        #expect(tape.tangent(of: g) == [11, 11, 0.5])
        let s = x.scattered(to: [1, 1, 0], count: 4)
        #expect(s.array == [5, 5, 0, 0])
        [1.0, 2, 3, 4].withUnsafeBufferPointer { tape.reverseSweep(from: s, seed: $0) }
        #expect(tape.adjoint(of: x) == [2, 2, 1])
        [0.5, 7, 11].withUnsafeBufferPointer { tape.tangentSweep(inputs: [x], tangents: [$0]) }
        #expect(tape.tangent(of: s) == [11, 7.5, 0, 0])
        // No indices: an empty gather sums to 0; an empty vector scatters to zeros.
        let none = x.gathered(at: []).sum()
        tape.reverseSweep(from: none)
        #expect(none.scalarValue == 0 && tape.adjoint(of: x) == [0, 0, 0])
        let zeros = x[0..<0].scattered(to: [], count: 2) + x.element(1)
        tape.reverseSweep(from: zeros.sum())
        #expect(zeros.array == [3, 3] && tape.adjoint(of: x) == [0, 2, 0])
        // One element gathered many times and scattered back: 4 x₁ on x₁'s place.
        let one = x.element(1).gathered(at: [0, 0, 0, 0]).scattered(to: [0, 0, 0, 0], count: 1)
        tape.reverseSweep(from: one)
        #expect(one.scalarValue == 12 && tape.adjoint(of: x) == [0, 4, 0])
    }

    @Test("rectangular bands, dense and user operators, and count-1 operands broadcast from either side, against the scalar tape",
          arguments: [(5, 3, 3, 1), (2, 6, 0, 3), (1, 1, 0, 0), (4, 4, 0, 0), (3, 2, 5, 5)])
    func operatorsAndBroadcasting(_ m: Int, _ n: Int, _ lower: Int, _ upper: Int) {
        let (band, dense) = reviewBand(m, n, lower: lower, upper: upper)
        check(OperatorAndBroadcast(op: band, dense: dense), m, n)
        check(OperatorAndBroadcast(op: DenseOperator(dense), dense: dense), m, n)
        check(OperatorAndBroadcast(op: LoopOperator(matrix: dense), dense: dense), m, n)
    }

    func check<Op: LinearOperator>(_ model: OperatorAndBroadcast<Op>, _ m: Int, _ n: Int) {
        var r = SplitMix64(seed: UInt64(m * 10 + n))
        let x = r.vector(n), v = r.vector(n), w = r.vector(m)
        let (y, jv) = ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v)
        #expect(relativeError(y, model(x)) <= 1e-14)
        #expect(relativeError(jv, Derivatives.jacobianVectorProduct(of: model, at: x, direction: v).product) <= 1e-12)
        #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w).product,
                              Derivatives.vectorJacobianProduct(of: model, at: x, cotangent: w).product) <= 1e-12)
        let scalarJV = Derivatives.jacobianVectorProduct(of: model, at: x, direction: v).product
        #expect(relativeError(ArrayDerivatives.gaussNewtonProduct(of: model, at: x, direction: v),
                              Derivatives.vectorJacobianProduct(of: model, at: x, cotangent: scalarJV).product) <= 1e-12)
        let f = ComposedArrayObjective(model: model, loss: ArraySquaredNorm())
        let fs = ComposedObjective(model: model, loss: StandardFunctions.SquaredNorm())
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v),
                              Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11)
        #expect(relativeError(ArrayDerivatives.hessian(of: f, at: x), Derivatives.hessian(of: fs, at: x)) <= 1e-11)
    }

    @Test("one tape reused by every driver, for inputs of different sizes, equals fresh tapes")
    func oneTapeForEverything() {
        let tape = ArrayTape<Double>(reservingElements: 1)
        for n in [7, 2, 12, 1] {
            var r = SplitMix64(seed: UInt64(n))
            let x = r.vector(n), v = r.vector(n), w = r.vector(n)
            let model = Loop(steps: 5, schedule: .binomial(snapshots: 2))
            let f = ComposedArrayObjective(model: model, loss: ArraySquaredNorm())
            #expect(ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w, tape: tape).product
                    == ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w).product)
            var g = [Double](repeating: 0, count: n)
            _ = x.withUnsafeBufferPointer { xb in
                g.withUnsafeMutableBufferPointer { ArrayDerivatives.valueAndGradient(of: f, at: xb, gradient: $0, tape: tape) }
            }
            #expect(g == ArrayDerivatives.gradient(of: f, at: x))
            #expect(ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v, tape: tape).product
                    == ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v).product)
            #expect(ArrayDerivatives.gaussNewtonProduct(of: model, at: x, direction: v, tape: tape)
                    == ArrayDerivatives.gaussNewtonProduct(of: model, at: x, direction: v))
        }
    }

    @Test("a gradient written over x")
    func gradientOverX() {
        struct Twice: ArrayObjective {
            // Σ x² + Σ x: the map-sum's partials must not land in x's buffer before Σ x reads it.
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { x.squaredNorm() + x.sum() }
        }
        let x = [0.5, -1, 2, 3, -0.25]
        var buffer = x
        let tape = ArrayTape<Double>()
        let value = buffer.withUnsafeMutableBufferPointer {
            ArrayDerivatives.valueAndGradient(of: Twice(), at: UnsafeBufferPointer($0), gradient: $0, tape: tape)
        }
        #expect(value == x.reduce(0) { $0 + $1 * $1 + $1 })
        #expect(buffer == x.map { 2 * $0 + 1 })
    }

    @Test("a Hessian-vector product written over its own direction buffer")
    func productOverItsDirection() {
        struct SquaredSum: ArrayObjective {
            // (Σ x_i²)²: the map-sum's weight 2 Σ x² has an ε-part, so the split product is not used.
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                let s = x.squaredNorm()
                return s * s
            }
        }
        let x = [0.5, -1, 2], v = [1.0, 0.25, -0.5]
        // H = 4 (x·x) I + 8 x xᵀ.
        let xx = 0.25 + 1 + 4, xv = 0.5 - 0.25 - 1
        let expected = (0..<3).map { 4 * xx * v[$0] + 8 * x[$0] * xv }
        let tape = ArrayTape<Dual<Double>>()
        var overV = v
        x.withUnsafeBufferPointer { xb in
            overV.withUnsafeMutableBufferPointer { buffer in
                _ = ArrayDerivatives.hessianVectorProduct(of: SquaredSum(), at: xb, direction: UnsafeBufferPointer(buffer),
                                                          into: buffer, tape: tape)
            }
        }
        #expect(relativeError(overV, expected) <= 1e-14, "over v")
        var overX = x
        v.withUnsafeBufferPointer { vb in
            overX.withUnsafeMutableBufferPointer { buffer in
                _ = ArrayDerivatives.hessianVectorProduct(of: SquaredSum(), at: UnsafeBufferPointer(buffer), direction: vb,
                                                          into: buffer, tape: tape)
            }
        }
        #expect(relativeError(overX, expected) <= 1e-14, "over x")
        // The split path (a map-sum times a constant) in place: H = 6 I.
        struct Scaled: ArrayObjective {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { 3 * x.squaredNorm() }
        }
        var overV2 = v
        x.withUnsafeBufferPointer { xb in
            overV2.withUnsafeMutableBufferPointer { buffer in
                _ = ArrayDerivatives.hessianVectorProduct(of: Scaled(), at: xb, direction: UnsafeBufferPointer(buffer),
                                                          into: buffer, tape: tape)
            }
        }
        #expect(overV2 == v.map { 6 * $0 }, "split path over v")
    }

    @Test("a loop whose step runs a loop of its own or reads a reversed view, and a custom derivative with more outputs than inputs")
    func nestedLoopAndCustomDerivative() {
        struct Nested: ArrayModel, GenericModel {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                let y = x.iterated(steps: 4, checkpoints: .binomial(snapshots: 1)) { u in
                    u.iterated(steps: 3, checkpoints: .binomial(snapshots: 1)) { $0.stencil(Advect(a: 0.05, d: 0.2), boundary: .periodic) } * 0.9
                }
                // (y, y²) by hand: pullback ȳ₁ + 2 y ȳ₂, pushforward (ẏ, 2 y ẏ).
                let n = y.count
                let pair = CustomDerivative<Base>(outputCount: 2 * n, value: { y, out in
                    for i in 0..<n { out[i] = y[i]; out[n + i] = y[i] * y[i] }
                }, pullback: { y, _, outbar, ybar in
                    for i in 0..<n { ybar[i] += outbar[i] + 2 * y[i] * outbar[n + i] }
                }, pushforward: { y, _, ydot, outdot in
                    for i in 0..<n { outdot[i] = ydot[i]; outdot[n + i] = 2 * y[i] * ydot[i] }
                })
                return y.applying(pair)
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
                var u = x
                for _ in 0..<4 { u = Loop(steps: 3, schedule: .storeAll)(u).map { $0 * 0.9 } }
                return u + u.map { $0 * $0 }
            }
        }
        // A step that reads its state through a reversed view (copied on the runners, recorded on the recorder).
        struct Flip: ArrayModel, GenericModel {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                x.iterated(steps: 6, checkpoints: .binomial(snapshots: 2)) { u in
                    TrackedVector.sin(u.strided(from: u.count - 1, by: -1)) + 0.5 * u
                }.strided(from: 0, by: 2)
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
                var u = x
                for _ in 0..<6 { u = (0..<u.count).map { T.sin(u[u.count - 1 - $0]) + 0.5 * u[$0] } }
                return stride(from: 0, to: u.count, by: 2).map { u[$0] }
            }
        }
        let n = 5
        var r = SplitMix64(seed: 53)
        let x = r.vector(n), v = r.vector(n), w = r.vector(2 * n)
        let w3 = Array(w[0..<3])
        #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: Flip(), at: x, cotangent: w3).product,
                              Derivatives.vectorJacobianProduct(of: Flip(), at: x, cotangent: w3).product) <= 1e-12)
        #expect(relativeError(ArrayDerivatives.gaussNewtonProduct(of: Flip(), at: x, direction: v),
                              Derivatives.vectorJacobianProduct(of: Flip(), at: x, cotangent:
                                Derivatives.jacobianVectorProduct(of: Flip(), at: x, direction: v).product).product) <= 1e-12)
        #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: Nested(), at: x, cotangent: w).product,
                              Derivatives.vectorJacobianProduct(of: Nested(), at: x, cotangent: w).product) <= 1e-12)
        #expect(relativeError(ArrayDerivatives.jacobianVectorProduct(of: Nested(), at: x, direction: v).product,
                              Derivatives.jacobianVectorProduct(of: Nested(), at: x, direction: v).product) <= 1e-12)
        let f = ComposedArrayObjective(model: Nested(), loss: ArraySquaredNorm())
        let fs = ComposedObjective(model: Nested(), loss: StandardFunctions.SquaredNorm())
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v),
                              Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11)
    }

    @Test("the type-erased objective hands its time limit and buffers to an array-level objective")
    func erasedObjectiveForwardsEverything() {
        let n = 40
        let f = ComposedArrayObjective(model: Loop(steps: 2, schedule: .automatic), loss: ArraySquaredNorm())
        var erased = AnyDifferentiableObjective(ArrayAutomaticObjective(f, dimension: n))
        let x = SplitMix64(seed: 59).vectorOf(n)
        var asked = 0
        var h = Matrix(rows: n, columns: n)
        let complete = erased.hessian(at: x, into: &h, shouldStop: { asked += 1; return true })
        #expect(!complete && asked == 1, "stopped after the first pass")
    }

    @Test("a sum adds in the order its documentation states")
    func sumOrder() {
        let tape = ArrayTape<Double>()
        // ((1e16 + 1) + (-1e16 + 1)) + 1 = (1e16 - 1e16) + 1 = 1 (x + 1 rounds to x at |x| = 1e16);
        // in index order it would be 2.
        let s = tape.variable([1e16, 1, -1e16, 1, 1]).sum()
        #expect(s.scalarValue == 1)
    }

    @Test("empty matrices and empty inputs")
    func emptyOperators() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([1, 2, 3])
        let y = x.multiplied(by: Matrix(rows: 0, columns: 3))
        #expect(y.count == 0)
        tape.reverseSweep(from: y.sum() + x.squaredNorm())
        #expect(tape.adjoint(of: x) == [2, 4, 6])
        let e = tape.variable([])
        let z = e.multiplied(by: Matrix(rows: 2, columns: 0)) + x[0..<2]
        tape.reverseSweep(from: z.sum())
        #expect(z.array == [1, 2] && tape.adjoint(of: x) == [1, 1, 0])
        #expect(ArrayDerivatives.gradient(of: StandardFunctions.ExtendedRosenbrock(), at: []) == [])
        #expect(ArrayDerivatives.hessianVectorProduct(of: StandardFunctions.ExtendedRosenbrock(), at: [], direction: []) == [])
    }

    @Test("|x| at 0 in fused maps: the right derivative 1 (as the scalar tape), never NaN; x/|x| at 0 is the documented NaN")
    func absoluteValueAtZero() {
        struct AbsSum: ArrayObjective, GenericObjective {
            struct Abs: ElementwiseKernel {
                func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x.magnitude }
            }
            struct AbsDifference: BinaryElementwiseKernel {
                func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T { (a - b).magnitude * a }
            }
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                let m = x.count / 2
                return x.mapSum(Abs()) + TrackedVector.mapSum(AbsDifference(), x.strided(from: 0, by: 2, count: m),
                                                              x.strided(from: 1, by: 2, count: m))
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
                var s = T(0)
                for v in x { s += v.magnitude }
                for i in 0..<(x.count / 2) { s += (x[2 * i] - x[2 * i + 1]).magnitude * x[2 * i] }
                return s
            }
        }
        let x = [0.0, 0, -1, -1, 2, 0]
        let v = [1.0, -2, 0.5, 3, -1, 4]
        let g = ArrayDerivatives.gradient(of: AbsSum(), at: x)
        // By hand with d|u|/du = 1 at u = 0: Σ|x| gives (1, 1, -1, -1, 1, 1); |a - b|·a has partials
        // sign(a - b)·a + |a - b| in a and -sign(a - b)·a in b: (0, 0), (-1, 1), (4, -2).
        #expect(g == [1, 1, -2, 0, 5, -1])
        #expect(g == Derivatives.gradient(of: AbsSum(), at: x))
        #expect(ArrayDerivatives.hessianVectorProduct(of: AbsSum(), at: x, direction: v)
                == Derivatives.hessianVectorProduct(of: AbsSum(), at: x, direction: v))
        struct Norm: ArrayObjective {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { x.norm() }
        }
        #expect(ArrayDerivatives.gradient(of: Norm(), at: [0, 0]).allSatisfy { $0.isNaN }, "documented: x/|x| at 0")
        #expect(relativeError(ArrayDerivatives.gradient(of: Norm(), at: [3, -4]), [0.6, -0.8]) <= 1e-15)
    }

    @Test("scalar generic code with more inputs than outputs, and with no outputs, inside an array model")
    func scalarCodeOfOtherShapes() {
        struct Pairs: GenericModel {
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
                (0..<(x.count / 2)).map { T.exp(x[2 * $0]) * x[2 * $0 + 1] }
            }
        }
        struct Outer: ArrayModel, GenericModel {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                let y = TrackedVector.sin(x).applying(model: Pairs())
                return TrackedVector.concatenate([y * y, x.element(0).applying(model: Pairs()), x.applying(objective: StandardFunctions.SquaredNorm())])
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
                let y = Pairs()(x.map { T.sin($0) })
                return y.map { $0 * $0 } + [x.reduce(T(0)) { $0 + $1 * $1 }]
            }
        }
        for n in [1, 2, 5, 6] {
            var r = SplitMix64(seed: UInt64(60 + n))
            let x = r.vector(n), v = r.vector(n), w = r.vector(n / 2 + 1)
            #expect(relativeError(ArrayDerivatives.vectorJacobianProduct(of: Outer(), at: x, cotangent: w).product,
                                  Derivatives.vectorJacobianProduct(of: Outer(), at: x, cotangent: w).product) <= 1e-13, "n \(n)")
            #expect(relativeError(ArrayDerivatives.jacobianVectorProduct(of: Outer(), at: x, direction: v).product,
                                  Derivatives.jacobianVectorProduct(of: Outer(), at: x, direction: v).product) <= 1e-13, "n \(n)")
            let f = ComposedArrayObjective(model: Outer(), loss: ArraySquaredNorm())
            let fs = ComposedObjective(model: Outer(), loss: StandardFunctions.SquaredNorm())
            #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v),
                                  Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11, "n \(n)")
        }
    }
}

