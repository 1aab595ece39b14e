// Array-level reverse and forward mode: every operation's adjoint by the dot-product test
// <J v, w> = <v, Jᵀ w> and against central differences, random compositions against the scalar
// tape (same math written on scalars), checkpointed loops against the stored trajectory,
// mixing array and scalar code, memory accounting, and concurrent use.
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

// MARK: - Kernels and operators used by the tests

struct Advect: StencilKernel, Sendable {
    var a = 0.13, d = 0.21
    func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T {
        c - T(a) * (r - l) * (l + c + r) + T(d) * (r - 2 * c + l)
    }
}

struct Wobble: BinaryElementwiseKernel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T {
        T.sin(a) * b + T(Double(i % 3)) * T.exp(0.2 * a * b)
    }
}

struct Parity: ElementwiseKernel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { i % 2 == 1 ? x * x : x }
}

/// A scalar generic model used inside array code: y_i = x_i x_{i+1} + sin x_i (cyclic).
struct ScalarPiece: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        (0..<x.count).map { x[$0] * x[($0 + 1) % x.count] + T.sin(x[$0]) }
    }
}

/// A linear operator of the user's own (a cyclic first difference): checks the protocol path.
struct CyclicDifference: LinearOperator, Sendable {
    let n: Int
    var outputCount: Int { n }
    var inputCount: Int { n }
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<n { y[i] = x[(i + 1) % n] - x[i] }
    }
    func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<n { x[j] = y[(j - 1 + n) % n] - y[j] }
    }
}

func testMatrix(_ m: Int, _ n: Int, seed: UInt64) -> Matrix {
    var r = SplitMix64(seed: seed)
    return Matrix(rows: m, columns: n) { _, _ in r.uniform() }
}

func testBand(_ n: Int) -> BandedOperator {
    BandedOperator(rows: n, columns: n, lower: 2, upper: 1) { i, j in 1 + 0.1 * Double(i) - 0.3 * Double(j - i) }
}

/// One array operation (or a small group) as a model R^n -> R^k, chosen by `op`.
struct OpModel: ArrayModel, Sendable {
    let op: Int
    let n: Int
    static let count = 25

    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let t = x.tape
        switch op {
        case 0: return x + x.rolled(by: 2)
        case 1: return x - TrackedVector.cos(x)
        case 2: return x * TrackedVector.exp(0.3 * x)
        case 3: return x / (2 + TrackedVector.sin(x))
        case 4: return x * x.element(1) + x.sum()            // broadcasting tracked scalars
        case 5: return TrackedVector.tanh(x) + TrackedVector.atan(x) + TrackedVector.sinh(0.5 * x)
        case 6: return TrackedVector.log(3 + x) + TrackedVector.sqrt(2 + x) + TrackedVector.log(onePlus: x * x)
        case 7: return x.power(3) + x.squared() - TrackedVector.expMinusOne(0.1 * x)
        case 8: return TrackedVector.map(Wobble(), x, x.rolled(by: -1))
        case 9: return x.map(Parity())
        case 10: return x.stencil(Advect(), boundary: .periodic)
        case 11: return x.stencil(Advect(), boundary: .fixed(left: 0.3, right: -0.2))
        case 12: return x.strided(from: 1, by: 2) * x.strided(from: 0, by: 2, count: n / 2)
        case 13: return x[2..<(n - 1)] + x.strided(from: n - 1, by: -3)[0..<1]
        case 14: return x.shifted(by: 2, fill: 0.7) * x.shifted(by: -1)
        case 15: return TrackedVector.concatenate([x[0..<3], x * x, x.element(0)])
        case 16: return x.gathered(at: [0, 3, 3, n - 1, 1]).scattered(to: [2, 0, 2, 1, 4], count: 6) * 1.5
        case 17: return (x * x).multiplied(by: testMatrix(n + 2, n, seed: 11))
        case 18: return TrackedVector.sin(x).applying(testBand(n))
        case 19: return (x * x).applying(CyclicDifference(n: n))
        case 20: return x.applying(model: ScalarPiece()) * x
        case 21:
            return TrackedVector.concatenate([x.dot(TrackedVector.cos(x)), x.squaredNorm(), x.norm(),
                                               TrackedVector.mapSum(Wobble(), x, x.rolled(by: 1))])
        case 23:
            // Views handed to operations that copy them first, and a view as an output.
            let odd = x.strided(from: 1, by: 2)
            return TrackedVector.concatenate([odd.rolled(by: 1), x.strided(from: n - 1, by: -2).stencil(Advect(), boundary: .periodic),
                                              (x * x).strided(from: 0, by: 3)])
        case 22: return x.iterated(steps: 7, checkpoints: .binomial(snapshots: 2)) { u in u.stencil(Advect(), boundary: .periodic) }
        default:
            // A custom derivative: y = x³ (by hand), pullback 3x²ȳ, pushforward 3x²ẋ.
            let cube = CustomDerivative<Base>(outputCount: x.count, value: { x, y in
                for i in 0..<x.count { y[i] = x[i] * x[i] * x[i] }
            }, pullback: { x, _, ybar, xbar in
                for i in 0..<x.count { xbar[i] += 3 * x[i] * x[i] * ybar[i] }
            }, pushforward: { x, _, xdot, ydot in
                for i in 0..<x.count { ydot[i] = 3 * x[i] * x[i] * xdot[i] }
            })
            _ = t
            return x.applying(cube) + x
        }
    }
}

func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

// MARK: - Every operation

@Suite("Array-level operations")
struct ArrayOperationTests {
    @Test("dot-product test <J v, w> = <v, Jᵀ w> and J v against central differences, every operation",
          arguments: 0..<OpModel.count)
    func adjoints(op: Int) {
        let n = 9
        let model = OpModel(op: op, n: n)
        var r = SplitMix64(seed: 100 + UInt64(op))
        let x = r.vector(n, -1, 1)
        let v = r.vector(n, -1, 1)
        let (y, jv) = ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: v)
        let w = r.vector(y.count, -1, 1)
        let (y2, jtw) = ArrayDerivatives.vectorJacobianProduct(of: model, at: x, cotangent: w)
        #expect(y == y2)
        let lhs = dot(jv, w), rhs = dot(v, jtw)
        #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)), "op \(op): <Jv, w> = \(lhs), <v, Jᵀw> = \(rhs)")
        // J v against central differences of the plain evaluation.
        let fd = FiniteDifferences.jacobianVectorProduct(at: x, direction: v) { ArrayDerivatives.value(of: model, at: $0) }
        #expect(relativeError(jv, fd) <= 1e-6, "op \(op): J v vs central differences")
        // The plain (non-recording) evaluation gives the same values as the recorded one.
        #expect(ArrayDerivatives.value(of: model, at: x) == y)
        // Jacobian by 8-lane forward evaluations agrees with the tangent sweep.
        let j = ArrayDerivatives.jacobian(of: model, at: x)
        #expect(relativeError(matVec(j, v), jv) <= 1e-12, "op \(op): lane Jacobian vs tangent sweep")
        // Gauss-Newton product Jᵀ(J v).
        let gn = ArrayDerivatives.gaussNewtonProduct(of: model, at: x, direction: v)
        #expect(relativeError(gn, matTVec(j, matVec(j, v))) <= 1e-12, "op \(op): Gauss-Newton product")
    }
}

// MARK: - Random compositions against the scalar tape

/// The same composition written twice: on tracked vectors and on scalars.
struct Composition: ArrayObjective, GenericObjective, Sendable {
    let n: Int
    let c: [Double]
    let indices: [Int]

    init(n: Int, seed: UInt64) {
        var r = SplitMix64(seed: seed)
        self.n = n
        c = r.vector(4, 0.2, 1.2)
        indices = (0..<5).map { _ in r.index(n) }
    }

    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let a = TrackedVector.sin(x) * x.rolled(by: 1) + TrackedVector.exp(Base(c[0]) * x.shifted(by: -2, fill: 0.5))
        let b = a.stencil(Advect(), boundary: .periodic)
        let cc = b.applying(testBand(n))
        let d = cc.strided(from: 1, by: 2)
        let e = (d / (2 + TrackedVector.cos(d))).squaredNorm()
        let g = x.gathered(at: indices).dot(a[0..<5])
        return e + Base(c[1]) * g * TrackedVector.tanh(x.sum())
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        let a: [T] = (0..<n).map { i in
            let rolled = x[(i - 1 + n) % n]
            let shifted: T = i + 2 < n ? x[i + 2] : 0.5
            return T.sin(x[i]) * rolled + T.exp(T(c[0]) * shifted)
        }
        let k = Advect()
        let b: [T] = (0..<n).map { i in k(a[(i - 1 + n) % n], a[i], a[(i + 1) % n], at: i) }
        let band = testBand(n)
        let cc: [T] = (0..<n).map { i in
            var s: T = 0
            for j in max(0, i - band.lower)..<min(n, i + band.upper + 1) {
                s += T(band.band[(band.upper + i - j) + j * (band.lower + band.upper + 1)]) * b[j]
            }
            return s
        }
        var e: T = 0
        var i = 1
        while i < n {
            let q = cc[i] / (2 + T.cos(cc[i]))
            e += q * q
            i += 2
        }
        var g: T = 0
        for (k, idx) in indices.enumerated() { g += x[idx] * a[k] }
        var s: T = 0
        for v in x { s += v }
        return e + T(c[1]) * g * T.tanh(s)
    }
}

@Suite("Array-level derivatives against the scalar tape")
struct ArrayCompositionTests {
    @Test("gradient, Hessian-vector product and Hessian of random compositions", arguments: [6, 11, 30])
    func compositions(n: Int) {
        for seed in UInt64(1)...3 {
            let f = Composition(n: n, seed: seed &* 31 &+ UInt64(n))
            var r = SplitMix64(seed: seed)
            let x = r.vector(n, -1, 1), v = r.vector(n, -1, 1)
            let (value, g) = ArrayDerivatives.valueAndGradient(of: f, at: x)
            let (scalarValue, scalarG) = Derivatives.valueAndGradient(of: f, at: x)
            #expect(relativeError(value, scalarValue) <= 1e-13)
            #expect(relativeError(g, scalarG) <= 1e-12, "n=\(n) seed \(seed): array vs scalar gradient")
            let fd = FiniteDifferences.gradient(at: x) { ArrayDerivatives.value(of: f, at: $0) }
            #expect(relativeError(g, fd) <= 1e-6, "n=\(n): gradient vs central differences")
            let hv = ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v)
            let scalarHv = Derivatives.hessianVectorProduct(of: f, at: x, direction: v)
            #expect(relativeError(hv, scalarHv) <= 1e-11, "n=\(n): array vs scalar Hessian-vector product")
            if n <= 11 {
                let h = ArrayDerivatives.hessian(of: f, at: x)
                #expect(relativeError(h, Derivatives.hessian(of: f, at: x)) <= 1e-11, "n=\(n): array vs scalar Hessian")
            }
            // Through the optimizer-facing adapter, buffer forms included.
            var o = ArrayAutomaticObjective(f, dimension: n)
            var gb = [Double](repeating: 0, count: n)
            let vb = x.withUnsafeBufferPointer { xb in gb.withUnsafeMutableBufferPointer { o.valueAndGradient(at: xb, gradient: $0) } }
            #expect(vb == value && gb == g)
            var hb = [Double](repeating: 0, count: n)
            x.withUnsafeBufferPointer { xb in v.withUnsafeBufferPointer { vb in hb.withUnsafeMutableBufferPointer {
                o.hessianVectorProduct(at: xb, direction: vb, into: $0)
            } } }
            #expect(hb == hv)
        }
    }

    @Test("a model mixing array operations and scalar generic code equals the all-scalar model")
    func mixing() {
        struct Mixed: ArrayModel, GenericModel {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                let a = TrackedVector.exp(0.5 * x)
                let b = a.applying(model: ScalarPiece())          // scalar code inside
                return b.stencil(Advect(), boundary: .fixed(left: 0, right: 1)) * x
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
                let a = x.map { T.exp(0.5 * $0) }
                let b = ScalarPiece()(a)
                let n = x.count, k = Advect()
                return (0..<n).map { i in
                    k(i == 0 ? 0 : b[i - 1], b[i], i == n - 1 ? 1 : b[i + 1], at: i) * x[i]
                }
            }
        }
        let n = 10
        var r = SplitMix64(seed: 5)
        let x = r.vector(n), v = r.vector(n), w = r.vector(n)
        let (y, jv) = ArrayDerivatives.jacobianVectorProduct(of: Mixed(), at: x, direction: v)
        let (_, jtw) = ArrayDerivatives.vectorJacobianProduct(of: Mixed(), at: x, cotangent: w)
        let scalarJ = Derivatives.jacobian(of: Mixed(), at: x)
        #expect(relativeError(y, Mixed()(x)) <= 1e-15)
        #expect(relativeError(jv, matVec(scalarJ, v)) <= 1e-12)
        #expect(relativeError(jtw, matTVec(scalarJ, w)) <= 1e-12)
        // Second order through the scalar node (its reverse rule runs on a Dual<Double> scalar tape).
        let f = ComposedArrayObjective(model: Mixed(), loss: ArraySquaredNorm())
        let fs = ComposedObjective(model: Mixed(), loss: StandardFunctions.SquaredNorm())
        #expect(relativeError(ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v),
                              Derivatives.hessianVectorProduct(of: fs, at: x, direction: v)) <= 1e-11)
    }
}

// MARK: - Checkpointed loops

/// u_T of T Advect steps, as an array model with a checkpoint schedule.
struct Loop: ArrayModel, GenericModel, Sendable {
    let steps: Int
    let schedule: CheckpointSchedule
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        x.iterated(steps: steps, checkpoints: schedule) { u in u.stencil(Advect(a: 0.05, d: 0.2), boundary: .periodic) }
    }
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        var u = x
        let n = x.count, k = Advect(a: 0.05, d: 0.2)
        for _ in 0..<steps { u = (0..<n).map { i in k(u[(i - 1 + n) % n], u[i], u[(i + 1) % n], at: i) } }
        return u
    }
}

@Suite("Checkpointed time loops")
struct CheckpointTests {
    @Test("every schedule gives the stored-trajectory gradient to rounding",
          arguments: [1, 2, 5, 17, 40])
    func schedules(steps: Int) {
        let n = 12
        var r = SplitMix64(seed: UInt64(steps))
        let x = r.vector(n), w = r.vector(n), v = r.vector(n)
        let reference = ArrayDerivatives.vectorJacobianProduct(of: Loop(steps: steps, schedule: .storeAll), at: x, cotangent: w)
        let scalar = Derivatives.vectorJacobianProduct(of: Loop(steps: steps, schedule: .storeAll), at: x, cotangent: w)
        #expect(relativeError(reference.product, scalar.product) <= 1e-12, "array vs scalar tape")
        for schedule in [CheckpointSchedule.automatic, .binomial(snapshots: 0), .binomial(snapshots: 1), .binomial(snapshots: 3)] {
            let got = ArrayDerivatives.vectorJacobianProduct(of: Loop(steps: steps, schedule: schedule), at: x, cotangent: w)
            #expect(got.value == reference.value)
            #expect(got.product == reference.product, "T=\(steps) \(schedule): same operations, same bits")
        }
        let jv = ArrayDerivatives.jacobianVectorProduct(of: Loop(steps: steps, schedule: .automatic), at: x, direction: v).product
        #expect(relativeError(jv, Derivatives.jacobianVectorProduct(of: Loop(steps: steps, schedule: .storeAll), at: x, direction: v).product) <= 1e-12)
    }

    @Test("the binomial schedule stays within its repetition bound and its memory figure")
    func costAndMemory() {
        let n = 64, steps = 100
        let x = SplitMix64(seed: 9).vectorOf(n)
        for s in [1, 3, 10] {
            let tape = ArrayTape<Double>()
            let v = tape.variable(x)
            let y = Loop(steps: steps, schedule: .binomial(snapshots: s))(v)
            tape.reverseSweep(from: y.squaredNorm())
            // r: the smallest repetition number with C(s + r, s) >= T; every step runs at most r + 1
            // times as an advance plus once recorded.
            var r = 1
            while binomial(s + r, s) < steps { r += 1 }
            #expect(tape.loopStepEvaluations <= (r + 1) * steps, "s=\(s): \(tape.loopStepEvaluations) step evaluations, r=\(r)")
            #expect(tape.loopStepEvaluations >= 2 * steps)
            // Snapshots and the adjoint: (s + 1) states; the stated bound on the loop's own bytes holds.
            let stateBytes = CheckpointSchedule.binomial(snapshots: s).stateBytes(steps: steps, stateCount: n, element: Double.self)
            #expect(stateBytes == (s + 1) * n * 8)
            #expect(tape.peakBytes >= stateBytes)
        }
        // Memory grows with the snapshot count, not with T.
        func peak(_ steps: Int) -> Int {
            let tape = ArrayTape<Double>()
            let v = tape.variable(x)
            tape.reverseSweep(from: Loop(steps: steps, schedule: .binomial(snapshots: 4))(v).squaredNorm())
            return tape.peakBytes
        }
        #expect(peak(400) == peak(100))
    }

    /// A loop of one stencil, written either way.
    struct StencilLoop: ArrayModel, Sendable {
        let steps: Int, schedule: CheckpointSchedule, direct: Bool, fixed: Bool
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            let k = Advect(a: 0.05, d: 0.2)
            let boundary: StencilBoundary<Base> = fixed ? .fixed(left: 0.3, right: -0.2) : .periodic
            let y = direct ? x.iterated(steps: steps, stencil: k, boundary: boundary, checkpoints: schedule)
                : x.iterated(steps: steps, checkpoints: schedule) { $0.stencil(k, boundary: boundary) }
            return y * y
        }
    }

    @Test("a stencil loop on the state buffers equals the loop of stencil nodes bit for bit",
          arguments: [1, 2, 3, 17], [CheckpointSchedule.automatic, .binomial(snapshots: 0), .binomial(snapshots: 2), .storeAll])
    func stencilLoop(_ n: Int, _ schedule: CheckpointSchedule) {
        let x = SplitMix64(seed: 31).vectorOf(n), v = SplitMix64(seed: 32).vectorOf(n), w = SplitMix64(seed: 33).vectorOf(n)
        for fixed in [false, true] {
            for steps in [0, 1, 5, 12] {
                let a = StencilLoop(steps: steps, schedule: schedule, direct: true, fixed: fixed)
                let b = StencilLoop(steps: steps, schedule: schedule, direct: false, fixed: fixed)
                let label = "n \(n) steps \(steps) fixed \(fixed) \(schedule)"
                let va = ArrayDerivatives.vectorJacobianProduct(of: a, at: x, cotangent: w)
                let vb = ArrayDerivatives.vectorJacobianProduct(of: b, at: x, cotangent: w)
                #expect(va.value == vb.value && va.product == vb.product, "values and vjp, \(label)")
                #expect(ArrayDerivatives.jacobianVectorProduct(of: a, at: x, direction: v).product
                        == ArrayDerivatives.jacobianVectorProduct(of: b, at: x, direction: v).product, "jvp, \(label)")
                let fa = ComposedArrayObjective(model: a, loss: ArraySquaredNorm())
                let fb = ComposedArrayObjective(model: b, loss: ArraySquaredNorm())
                #expect(ArrayDerivatives.hessianVectorProduct(of: fa, at: x, direction: v)
                        == ArrayDerivatives.hessianVectorProduct(of: fb, at: x, direction: v), "hvp, \(label)")
                if n <= 3 {
                    #expect(ArrayDerivatives.hessian(of: fa, at: x) == ArrayDerivatives.hessian(of: fb, at: x), "Hessian, \(label)")
                }
            }
        }
        // And both against the scalar model (the gradient of |y|² with y the periodic loop).
        let f = ComposedArrayObjective(model: StencilLoop(steps: 7, schedule: schedule, direct: true, fixed: false), loss: ArraySquaredNorm())
        struct Scalar: GenericObjective {
            let loop: Loop
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { loop(x).reduce(0) { $0 + ($1 * $1) * ($1 * $1) } }
        }
        let g = ArrayDerivatives.valueAndGradient(of: f, at: x).gradient
        let reference = Derivatives.valueAndGradient(of: Scalar(loop: Loop(steps: 7, schedule: .storeAll)), at: x).gradient
        #expect(relativeError(g, reference) <= 1e-12, "n \(n): stencil loop vs scalar tape")
    }

    @Test("a step that returns its input: the state and the adjoint pass through unchanged",
          arguments: [CheckpointSchedule.automatic, .binomial(snapshots: 0), .binomial(snapshots: 2), .storeAll])
    func identitySteps(_ schedule: CheckpointSchedule) {
        let n = 7, steps = 9
        let x = SplitMix64(seed: 21).vectorOf(n), w = SplitMix64(seed: 22).vectorOf(n)
        let tape = ArrayTape<Double>()
        let v = tape.variable(x)
        let y = v.iterated(steps: steps, checkpoints: schedule) { $0 }
        #expect(y.array == x)
        w.withUnsafeBufferPointer { tape.reverseSweep(from: y, seed: $0) }
        #expect(tape.adjoint(of: v) == w)
        // Forward mode through the same loop.
        let t = SplitMix64(seed: 23).vectorOf(n)
        t.withUnsafeBufferPointer { tape.tangentSweep(inputs: [v], tangents: [$0]) }
        #expect(tape.tangent(of: y) == t)
    }

    @Test("the automatic schedule keeps 2 ceil(sqrt(T)) snapshots and recomputes a step at most twice",
          arguments: [1, 2, 3, 5, 17, 100, 401, 1000])
    func automaticSchedule(_ steps: Int) {
        let n = 8
        var root = 0
        while root * root < steps { root += 1 }
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: steps) == min(2 * root, steps - 1))
        let tape = ArrayTape<Double>()
        let y = Loop(steps: steps, schedule: .automatic)(tape.variable(SplitMix64(seed: 4).vectorOf(n)))
        tape.reverseSweep(from: y.squaredNorm())
        // The forward pass, at most two recomputations, and once recorded, per step.
        #expect(tape.loopStepEvaluations <= 3 * steps, "T=\(steps): \(tape.loopStepEvaluations) step evaluations")
    }

    @Test("the automatic schedule's snapshot count and the state bytes do not overflow for step counts near Int.max")
    func hugeStepCounts() {
        // ceil(sqrt(T)) by hand: 10^18 = (10^9)², 3037000499² < Int.max < 3037000500².
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: 1_000_000_000_000_000_000) == 2_000_000_000)
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: 1_000_000_000_000_000_001) == 2_000_000_002)
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: 999_999_999_999_999_999) == 2_000_000_000)
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: Int.max) == 6_074_001_000)
        #expect(CheckpointSchedule.storeAll.stateBytes(steps: Int.max, stateCount: 1000, element: Double.self) == Int.max)
        #expect(CheckpointSchedule.automatic.stateBytes(steps: Int.max, stateCount: 1000, element: Double.self)
                == 6_074_001_001 * 8000)
    }

    func binomial(_ a: Int, _ b: Int) -> Int {
        var r = 1.0
        for k in 0..<b { r = r * Double(a - k) / Double(k + 1) }
        return Int(r.rounded())
    }
}

extension SplitMix64 {
    func vectorOf(_ n: Int) -> [Double] {
        var copy = self
        return copy.vector(n)
    }
}

struct SquaredDistanceScalar: GenericObjective {
    let target: [Double]
    func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T {
        var s: T = 0
        for i in 0..<y.count { let d = y[i] - T(target.isEmpty ? 0 : target[i]); s += d * d }
        return s
    }
}

// MARK: - Tapes, memory, concurrency

@Suite("Array tapes")
struct ArrayTapeTests {
    @Test("reset reuses the arena: repeated gradients reserve no more memory")
    func reuse() {
        let f = Composition(n: 50, seed: 3)
        var o = ArrayAutomaticObjective(f, dimension: 50)
        let x = SplitMix64(seed: 2).vectorOf(50)
        var g = [Double](repeating: 0, count: 50)
        _ = o.valueAndGradient(at: x, gradient: &g)
        let first = o.gradientPeakBytes
        for _ in 0..<5 { _ = o.valueAndGradient(at: x, gradient: &g) }
        #expect(o.gradientPeakBytes == first)
    }

    @Test("the closed-form squared distance equals its array-level and scalar forms")
    func squaredDistance() {
        for n in [1, 3, 4, 7, 64] {
            var r = SplitMix64(seed: UInt64(n))
            let y = r.vector(n), t = r.vector(n), v = r.vector(n)
            for target in [nil, t] {
                let closed = SquaredDistanceObjective(dimension: n, target: target)
                let f = ArraySquaredDistance(target: target ?? [Double](repeating: 0, count: n))
                let (value, g) = ArrayDerivatives.valueAndGradient(of: f, at: y)
                var gc = [Double](repeating: 0, count: n)
                #expect(closed.valueAndGradient(at: y, gradient: &gc) == value, "same sums, same bits")
                #expect(gc == g)
                #expect(relativeError(closed.value(at: y), Derivatives.value(of: SquaredDistanceScalar(target: target ?? []), at: y)) <= 1e-14)
                #expect(closed.hessianVectorProduct(at: y, direction: v) == ArrayDerivatives.hessianVectorProduct(of: f, at: y, direction: v))
                #expect(relativeError(closed.hessian(at: y), ArrayDerivatives.hessian(of: f, at: y)) == 0)
            }
        }
    }

    @Test("a tape that does not record computes the same values and records nothing")
    func plain() {
        let tape = ArrayTape<Double>(recording: false)
        let x = tape.constant([1, 2, 3])
        let y = (TrackedVector.sin(x) * x).sum()
        #expect(tape.nodeCount == 0)
        #expect(y.scalarValue == Double.sin(1) * 1 + Double.sin(2) * 2 + Double.sin(3) * 3)
    }

    @Test("constants carry no derivative; a derivative that reaches nothing is zero")
    func constants() {
        let tape = ArrayTape<Double>()
        let x = tape.variable([1, 2])
        let c = tape.constant([3, 4])
        let y = (x * c).sum() + c.sum()
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: x) == [3, 4])
        #expect(tape.adjoint(of: c) == [0, 0])
        let unused = tape.variable([5])
        let z = x.sum()
        tape.reverseSweep(from: z)
        #expect(tape.adjoint(of: unused) == [0])
    }

    @Test("copies of an adapter are used from many tasks at once with the same results")
    func concurrency() async {
        let n = 40
        let f = Composition(n: n, seed: 8)
        let shared = ArrayAutomaticObjective(f, dimension: n)
        let model = ArrayAutomaticModel(Loop(steps: 9, schedule: .automatic), inputDimension: n)
        let x = SplitMix64(seed: 4).vectorOf(n)
        let expected = ArrayDerivatives.gradient(of: f, at: x)
        let expectedVJP = ArrayDerivatives.vectorJacobianProduct(of: Loop(steps: 9, schedule: .storeAll), at: x, cotangent: x).product
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var o = shared
                    var m = model
                    var ok = true
                    for _ in 0..<20 {
                        ok = ok && o.gradient(at: x) == expected
                        ok = ok && m.vectorJacobianProduct(at: x, cotangent: x) == expectedVJP
                    }
                    return ok
                }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 8 && results.allSatisfy { $0 })
    }
}
