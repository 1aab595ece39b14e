import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

/// The 16-lane forward Jacobians and forward-over-reverse Hessians
/// (`_forwardLanePasses`, `_reverseLanePasses`, `_seeds`, `_StencilRules._laneValues`, SIMD16
/// band products). References: the same models written on scalars (`Derivatives` with
/// `mode: .reverse` / `method: .nestedDuals`, which share no code with the array lanes) and
/// hand-indexed dense matrices.
@Suite("Lane derivatives against scalar references")
struct LaneReferenceTests {
    static let sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 33]

    /// A smooth nonlinear kernel that depends on the position.
    struct Smooth: StencilKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T {
            let w = T(1 + 0.1 * Double(i % 3))
            return c + 0.1 * (l - 2 * c + r) + 0.05 * T.sin(l * r) * w + T.exp(0.1 * c) * (r - l) * 0.2
        }
    }

    /// An upwind kernel: a branch on the value.
    struct Upwind: StencilKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ l: T, _ c: T, _ r: T, at i: Int) -> T {
            if c > 0 { return c - 0.3 * c * (c - l) + 0.01 * r * r }
            return c - 0.3 * c * (r - c) + 0.01 * l * l * l
        }
    }

    struct Cube: ElementwiseKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x * x + T.sin(x) }
    }

    static func stencilScalar<T: PhysGradReal, K: StencilKernel>(_ u: [T], _ k: K, fixed: (Double, Double)?) -> [T] {
        let n = u.count
        return (0..<n).map { i in
            let l = i > 0 ? u[i - 1] : (fixed.map { T($0.0) } ?? u[n - 1])
            let r = i < n - 1 ? u[i + 1] : (fixed.map { T($0.1) } ?? u[0])
            return k(l, u[i], r, at: i)
        }
    }

    /// One stencil node, an iterated upwind loop, an elementwise map, a band product and
    /// a product with x; on tracked vectors and on scalars.
    struct Mixed: ArrayModel, GenericModel, Sendable {
        let fixed: (Double, Double)?
        let steps: Int
        let op: BandedOperator
        init(n: Int, fixed: (Double, Double)?, steps: Int, lower: Int = 2, upper: Int = 1) {
            self.fixed = fixed
            self.steps = steps
            op = BandedOperator(rows: n, columns: n, lower: min(lower, max(n - 1, 0)), upper: min(upper, max(n - 1, 0))) { i, j in
                0.5 + 0.1 * Double(i) - 0.2 * Double(j - i)
            }
        }
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            let b: StencilBoundary<Base> = fixed.map { .fixed(left: Base($0.0), right: Base($0.1)) } ?? .periodic
            let s = x.stencil(Smooth(), boundary: b)
            let u = s.iterated(steps: steps, stencil: Upwind(), boundary: b)
            return u.map(Cube()).applying(op) * x
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            var u = LaneReferenceTests.stencilScalar(x, Smooth(), fixed: fixed)
            for _ in 0..<steps { u = LaneReferenceTests.stencilScalar(u, Upwind(), fixed: fixed) }
            let v = u.enumerated().map { Cube()($0.element, at: $0.offset) }
            let n = x.count
            return (0..<n).map { i in
                var s = T(0)
                for j in 0..<n where j - i <= op.upper && i - j <= op.lower { s += T(op.band[(op.upper + i - j) + j * (op.lower + op.upper + 1)]) * v[j] }
                return s * x[i]
            }
        }
    }

    @Test("dense lane Jacobians of stencil/upwind/band/map models equal the scalar reverse-mode Jacobian", arguments: sizes)
    func jacobians(_ n: Int) {
        var r = SplitMix64(seed: 4242 + UInt64(n))
        for trial in 0..<3 {
            // Values of both signs, and all positive / all negative (the upwind branch taken one way).
            let x = trial == 0 ? r.vector(n, -1, 1) : (trial == 1 ? r.vector(n, 0.1, 1) : r.vector(n, -1, -0.1))
            for fixed in [nil, (0.3, -0.2)] as [(Double, Double)?] {
                for steps in [0, 1, 3] {
                    let model = Mixed(n: n, fixed: fixed, steps: steps)
                    let j = ArrayDerivatives.jacobian(of: model, at: x)
                    let reference = Derivatives.jacobian(of: model, at: x, mode: .reverse)
                    #expect(relativeError(j, reference) <= 1e-12, "n \(n) fixed \(fixed != nil) steps \(steps) trial \(trial)")
                    var auto = ArrayAutomaticModel(model, inputDimension: n)
                    #expect(relativeError(auto.jacobian(at: x), reference) <= 1e-12)
                    let fd = FiniteDifferences.jacobian(at: x) { model($0) }
                    #expect(relativeError(j, fd) <= 1e-6, "FD n \(n)")
                }
            }
        }
    }

    /// f = Σ φ((B x)_i) + Σ x_i⁴ + ½|stencil(x)|² with B lower-banded (bandwidth `b`): the
    /// Hessian's bandwidth is max(b, 2) through the stencil (periodic: wraps around).
    struct BandObjective: ArrayObjective, GenericObjective, Sendable {
        let op: BandedOperator
        let stencil: Bool
        init(n: Int, b: Int, stencil: Bool) {
            op = BandedOperator(rows: n, columns: n, lower: min(b, max(n - 1, 0)), upper: 0) { i, j in 1 + 0.05 * Double(i + 2 * j) }
            self.stencil = stencil
        }
        struct Phi: ElementwiseKernel, Sendable {
            func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { T.log(onePlus: x * x) + 0.1 * x * x * x }
        }
        struct Quartic: ElementwiseKernel, Sendable {
            func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x * x * x * 0.25 }
        }
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            var f = x.applying(op).mapSum(Phi()) + x.mapSum(Quartic())
            if stencil { f = f + x.stencil(Upwind(), boundary: .fixed(left: 0.2, right: -0.4)).squaredNorm() * 0.5 }
            return f
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
            let n = x.count
            var f = T(0)
            for i in 0..<n {
                var s = T(0)
                for j in 0..<n where i - j >= 0 && i - j <= op.lower { s += T(op.band[(i - j) + j * (op.lower + 1)]) * x[j] }
                f += Phi()(s, at: i) + Quartic()(x[i], at: i)
            }
            if stencil {
                for v in LaneReferenceTests.stencilScalar(x, Upwind(), fixed: (0.2, -0.4)) { f += 0.5 * v * v }
            }
            return f
        }
    }

    @Test("dense lane Hessians equal nested-dual Hessians of the scalar objective", arguments: sizes)
    func hessians(_ n: Int) {
        var r = SplitMix64(seed: 99 + UInt64(n))
        let x = r.vector(n, -1, 1)
        for stencil in [false, true] {
            let f = BandObjective(n: n, b: 3, stencil: stencil)
            let h = ArrayDerivatives.hessian(of: f, at: x)
            let reference = Derivatives.hessian(of: f, at: x, method: .nestedDuals)
            #expect(relativeError(h, reference) <= 1e-12, "n \(n) stencil \(stencil)")
            var auto = ArrayAutomaticObjective(f, dimension: n)
            #expect(relativeError(auto.hessian(at: x), reference) <= 1e-12)
        }
        // A stencil objective with periodic ends and an iterated loop.
        struct Loop: ArrayObjective, GenericObjective, Sendable {
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
                x.stencil(Smooth(), boundary: .periodic).iterated(steps: 2, stencil: Upwind(), boundary: .periodic).squaredNorm()
            }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
                var u = LaneReferenceTests.stencilScalar(x, Smooth(), fixed: nil)
                for _ in 0..<2 { u = LaneReferenceTests.stencilScalar(u, Upwind(), fixed: nil) }
                return u.reduce(T(0)) { $0 + $1 * $1 }
            }
        }
        let h = ArrayDerivatives.hessian(of: Loop(), at: x)
        let reference = Derivatives.hessian(of: Loop(), at: x, method: .nestedDuals)
        #expect(relativeError(h, reference) <= 1e-12, "loop n \(n)")
    }

    /// Entry (i, c) of the compressed matrix of `dense` for `coloring`: the sum over the columns of colour c.
    static func compress(_ dense: Matrix, _ coloring: ColumnColoring) -> Matrix {
        var m = Matrix(rows: dense.rows, columns: coloring.count)
        for i in 0..<dense.rows {
            for j in 0..<dense.columns { m[i, coloring.colors[j]] += dense[i, j] }
        }
        return m
    }

    @Test("compressed Jacobians and Hessians with 1, 8, 9, 16, 17, 19, 37 colours equal the compressed dense ones",
          arguments: [1, 8, 9, 16, 17, 19, 37])
    func compressed(_ colours: Int) {
        for n in [1, 5, 16, 17, 40] {
            var r = SplitMix64(seed: 7 * UInt64(n) + UInt64(colours))
            let x = r.vector(n, -1, 1)
            // Cyclic colours (more than the structure needs is fine: the product J S is what is compared).
            let cyclic = try! ColumnColoring(colors: (0..<n).map { $0 % colours }, count: colours)
            // Every column its own colour, permuted, when there are enough colours; colours may go unused.
            var perm = Array(0..<colours)
            for i in stride(from: colours - 1, to: 0, by: -1) { perm.swapAt(i, r.index(i + 1)) }
            let scattered = try! ColumnColoring(colors: (0..<n).map { perm[$0 % colours] }, count: colours)
            let model = Mixed(n: n, fixed: (0.1, 0.2), steps: 2, lower: 3, upper: 4)
            let denseJ = Derivatives.jacobian(of: model, at: x, mode: .reverse)
            let f = BandObjective(n: n, b: 4, stencil: true)
            let denseH = Derivatives.hessian(of: f, at: x, method: .nestedDuals)
            for coloring in [cyclic, scattered] {
                let cj = ArrayDerivatives.compressedJacobian(of: model, at: x, coloring: coloring)
                #expect(relativeError(cj, Self.compress(denseJ, coloring)) <= 1e-12, "J n \(n) colours \(colours)")
                let ch = ArrayDerivatives.compressedHessian(of: f, at: x, coloring: coloring)
                #expect(relativeError(ch, Self.compress(denseH, coloring)) <= 1e-12, "H n \(n) colours \(colours)")
            }
        }
    }

    @Test("a caller's Hessian tape serves two objectives and three sizes in turn, as fresh tapes do")
    func tapeReuse() {
        let tape = ArrayTape<DualLanes<SIMD16<Double>>>(reservingElements: 4)
        var r = SplitMix64(seed: 5)
        for (n, stencil) in [(20, true), (5, false), (33, true), (1, false), (17, false), (16, true)] {
            let x = r.vector(n, -1, 1)
            let f = BandObjective(n: n, b: 2, stencil: stencil)
            var h = [Double](repeating: .nan, count: n * n)
            let done = x.withUnsafeBufferPointer { xb in h.withUnsafeMutableBufferPointer { ArrayDerivatives.hessian(of: f, at: xb, into: $0, tape: tape) } }
            #expect(done)
            let fresh = ArrayDerivatives.hessian(of: f, at: x)
            #expect(h == fresh.elements, "n \(n)")
            let coloring = ColumnColoring.banded(columns: n, lower: 4, upper: 4)
            let c1 = ArrayDerivatives.compressedHessian(of: f, at: x, coloring: coloring, tape: tape)
            let c2 = ArrayDerivatives.compressedHessian(of: f, at: x, coloring: coloring)
            #expect(c1.elements == c2.elements, "compressed n \(n)")
            #expect(relativeError(c1, Self.compress(fresh, coloring)) <= 1e-12)
        }
        // A build stopped after its first pass leaves the tape usable.
        let x = r.vector(40, -1, 1)
        let f = BandObjective(n: 40, b: 2, stencil: true)
        var h = [Double](repeating: 0, count: 1600)
        var asked = 0
        let done = x.withUnsafeBufferPointer { xb in
            h.withUnsafeMutableBufferPointer { ArrayDerivatives.hessian(of: f, at: xb, into: $0, tape: tape, shouldStop: { asked += 1; return true }) }
        }
        #expect(!done && asked == 1)
        #expect(ArrayDerivatives.compressedHessian(of: f, at: x, coloring: .banded(columns: 40, lower: 2, upper: 2), tape: tape).elements
                == ArrayDerivatives.compressedHessian(of: f, at: x, coloring: .banded(columns: 40, lower: 2, upper: 2)).elements)
    }

    @Test("Jacobian shouldStop is asked once per pass after the first: 16 columns per pass above 8", arguments: [8, 9, 16, 17, 33])
    func jacobianPasses(_ n: Int) {
        let x = (0..<n).map { 0.1 * Double($0) - 1 }
        var asked = 0
        let j = ArrayDerivatives.jacobian(of: Mixed(n: n, fixed: nil, steps: 1), at: x, shouldStop: { asked += 1; return false })
        #expect(j != nil)
        #expect(asked == (n <= 8 ? 0 : (n + 15) / 16 - 1), "n \(n): asked \(asked)")
    }
}

/// Models whose output is a view (strided, reversed) and dense operators on 16 lanes.
@Suite("Lane derivatives: output views and dense operators")
struct LaneViewTests {
    struct Square: ElementwiseKernel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x + T(Double(i)) * x }
    }
    /// y = (x² + i x) at even positions: the output is a strided view of a node.
    struct EvenOutputs: ArrayModel, GenericModel, Sendable {
        let stride: Int
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            let u = x.map(Square())
            return stride > 0 ? u.strided(from: 0, by: stride) : u.strided(from: x.count - 1, by: stride)
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let u = x.enumerated().map { Square()($0.element, at: $0.offset) }
            return stride > 0 ? Swift.stride(from: 0, to: u.count, by: stride).map { u[$0] }
                              : Swift.stride(from: u.count - 1, through: 0, by: stride).map { u[$0] }
        }
    }

    @Test("the Jacobian of a model whose output is a strided view", arguments: [2, 9, 17, 33])
    func stridedOutput(_ n: Int) {
        let x = (0..<n).map { 0.3 + 0.1 * Double($0) }
        for s in [2, -1, 3] {
            let model = EvenOutputs(stride: s)
            #expect(ArrayDerivatives.value(of: model, at: x) == model(x))
            let reference = Derivatives.jacobian(of: model, at: x, mode: .reverse)
            let j = ArrayDerivatives.jacobian(of: model, at: x)
            #expect(relativeError(j, reference) <= 1e-13, "n \(n) stride \(s)")
            let c = ArrayDerivatives.compressedJacobian(of: model, at: x, coloring: .banded(columns: n, lower: 0, upper: 0))
            #expect(relativeError(c, LaneReferenceTests.compress(reference, .banded(columns: n, lower: 0, upper: 0))) <= 1e-13,
                    "compressed n \(n) stride \(s)")
        }
    }

    struct DenseModel: ArrayModel, GenericModel, Sendable {
        let a: Matrix
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            x.map(Square()).multiplied(by: a).map(Square())
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let u = x.enumerated().map { Square()($0.element, at: $0.offset) }
            return (0..<a.rows).map { i in
                var s = T(0)
                for j in 0..<a.columns { s += T(a[i, j]) * u[j] }
                return Square()(s, at: i)
            }
        }
    }

    @Test("dense-operator Jacobians and Hessians on 16 lanes", arguments: [1, 8, 9, 16, 17, 33])
    func dense(_ n: Int) {
        var r = SplitMix64(seed: 31 + UInt64(n))
        var a = Matrix(rows: n + 2, columns: n)
        for i in 0..<(n + 2) { for j in 0..<n { a[i, j] = r.uniform(-1, 1) } }
        let x = r.vector(n, -1, 1)
        let model = DenseModel(a: a)
        #expect(relativeError(ArrayDerivatives.jacobian(of: model, at: x), Derivatives.jacobian(of: model, at: x, mode: .reverse)) <= 1e-12)
        struct Objective: ArrayObjective, GenericObjective, Sendable {
            let m: DenseModel
            func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { m(x).squaredNorm() }
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { m(x).reduce(T(0)) { $0 + $1 * $1 } }
        }
        let f = Objective(m: model)
        #expect(relativeError(ArrayDerivatives.hessian(of: f, at: x), Derivatives.hessian(of: f, at: x, method: .nestedDuals)) <= 1e-12)
    }
}

@Suite("Lane derivatives: closure loops and scalar nodes")
struct LaneLoopTests {
    struct Step: GenericModel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let n = x.count
            return (0..<n).map { i in T.tanh(x[i]) * 0.5 + 0.25 * x[(i + 1) % n] }
        }
    }
    /// A closure loop of 12 steps (checkpointed) whose step is a stencil, a band product and a scalar-model node.
    struct ClosureLoop: ArrayModel, ArrayObjective, GenericModel, GenericObjective, Sendable {
        let op: BandedOperator
        let objective: Bool
        init(n: Int, objective: Bool) {
            op = BandedOperator(rows: n, columns: n, lower: min(1, n - 1), upper: min(2, n - 1)) { i, j in i == j ? 0.7 : 0.1 * Double(j - i) }
            self.objective = objective
        }
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            let op = self.op
            let y = x.iterated(steps: 12) { u in
                u.stencil(LaneReferenceTests.Upwind(), boundary: .periodic).applying(op).applying(model: Step())
            }
            return objective ? y.squaredNorm() : y
        }
        func model<T: PhysGradReal>(_ x: [T]) -> [T] {
            var u = x
            let n = x.count
            for _ in 0..<12 {
                let s = LaneReferenceTests.stencilScalar(u, LaneReferenceTests.Upwind(), fixed: nil)
                let b: [T] = (0..<n).map { i in
                    var acc = T(0)
                    for j in 0..<n where j - i <= op.upper && i - j <= op.lower { acc += T(op.band[(op.upper + i - j) + j * (op.lower + op.upper + 1)]) * s[j] }
                    return acc
                }
                u = Step()(b)
            }
            return u
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { model(x) }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { model(x).reduce(T(0)) { $0 + $1 * $1 } }
    }

    @Test("closure loops with stencils, band products and scalar nodes", arguments: [1, 2, 9, 17])
    func closureLoop(_ n: Int) {
        var r = SplitMix64(seed: 13 + UInt64(n))
        let x = r.vector(n, -1, 1)
        let m = ClosureLoop(n: n, objective: false)
        let jr: Matrix = Derivatives.jacobian(of: m, at: x, mode: .reverse)
        #expect(relativeError(ArrayDerivatives.jacobian(of: m, at: x), jr) <= 1e-12, "J n \(n)")
        let f = ClosureLoop(n: n, objective: true)
        let hr = Derivatives.hessian(of: f, at: x, method: .nestedDuals)
        #expect(relativeError(ArrayDerivatives.hessian(of: f, at: x), hr) <= 1e-11, "H n \(n)")
    }
}

@Suite("Lane derivatives: empty inputs and caller tapes")
struct LaneEdgeTests {
    struct MapModel: ArrayModel, ArrayObjective, Sendable {
        struct K: ElementwiseKernel, Sendable {
            func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { T.exp(x) * x }
        }
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { x.map(K()) }
    }
    struct MapSum: ArrayObjective, Sendable {
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { x.mapSum(MapModel.K()) }
    }

    @Test("n = 0: empty Jacobians, Hessians and compressed products")
    func empty() {
        let j = ArrayDerivatives.jacobian(of: MapModel(), at: [])
        #expect(j.rows == 0 && j.columns == 0)
        let h = ArrayDerivatives.hessian(of: MapSum(), at: [])
        #expect(h.rows == 0 && h.columns == 0)
        let none = try! ColumnColoring(colors: [], count: 0)
        #expect(ArrayDerivatives.compressedJacobian(of: MapModel(), at: [], coloring: none).columns == 0)
        #expect(ArrayDerivatives.compressedHessian(of: MapSum(), at: [], coloring: none).columns == 0)
        let one = ColumnColoring.banded(columns: 0, lower: 1, upper: 1)
        #expect(ArrayDerivatives.compressedJacobian(of: MapModel(), at: [], coloring: one).columns == one.count)
    }

    @Test("a caller's non-recording tape is not used: the Hessian is (x + 2) eˣ on the diagonal, not zeros")
    func nonRecordingTape() {
        let x = [0.5, -0.25, 1.0]
        let tape = ArrayTape<DualLanes<SIMD16<Double>>>(reservingElements: 64, recording: false)
        var h = [Double](repeating: 0, count: 9)
        let done = x.withUnsafeBufferPointer { xb in h.withUnsafeMutableBufferPointer { ArrayDerivatives.hessian(of: MapSum(), at: xb, into: $0, tape: tape) } }
        #expect(done)
        for i in 0..<3 {
            for j in 0..<3 {
                let expected = i == j ? (x[i] + 2) * Double.exp(x[i]) : 0
                #expect(abs(h[i + 3 * j] - expected) <= 1e-12 * max(1, abs(expected)), "h[\(i), \(j)] = \(h[i + 3 * j])")
            }
        }
        let compressed = ArrayDerivatives.compressedHessian(of: MapSum(), at: x, coloring: try! ColumnColoring(colors: [0, 0, 0], count: 1), tape: tape)
        for i in 0..<3 { #expect(abs(compressed[i, 0] - (x[i] + 2) * Double.exp(x[i])) <= 1e-12 * 5) }
    }
}

@Suite("Lane derivatives: a strided output, by hand")
struct LaneStridedOutputTests {
    @Test("x = [1, 2, 3], y = (x_i² + i x_i) at i = 0, 2: J = [[2, 0, 0], [0, 0, 8]]")
    func minimal() {
        let model = LaneViewTests.EvenOutputs(stride: 2)
        let j = ArrayDerivatives.jacobian(of: model, at: [1, 2, 3])
        #expect(j.elements == [2, 0, 0, 0, 0, 8], "column-major \(j.elements)")
    }
}
