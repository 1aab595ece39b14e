// Array-style functions as the DifferentiableObjective / DifferentiableModel that optimizers use.
import PhysGradLinearAlgebra

/// Tapes and buffers of the array adapters, reused across calls.
@usableFromInline
final class _ArrayWorkspace {
    @usableFromInline let n: Int
    @usableFromInline lazy var values = ArrayTape<Double>(reservingElements: 4 * n + 64, recording: false)
    @usableFromInline lazy var reverse = ArrayTape<Double>(reservingElements: 8 * n + 64)
    @usableFromInline lazy var secondOrder = ArrayTape<Dual<Double>>(reservingElements: 8 * n + 64)
    @usableFromInline lazy var lanes = ArrayTape<DualLanes<SIMD16<Double>>>(reservingElements: 4 * n + 64)

    @usableFromInline init(n: Int) { self.n = n }
}

/// An ``ArrayObjective`` differentiated automatically at the array level: gradients by one
/// recorded evaluation and reverse sweep, Hessian-vector products on `Dual<Double>` elements,
/// dense Hessians 16 columns per pass. Tapes are kept between calls (no allocation per call once
/// warm, buffer forms included).
///
/// A value type: copies share the scratch tapes until one of them evaluates, which then takes
/// its own (copy-on-write), so copies may be used from different threads at once.
@frozen
public struct ArrayAutomaticObjective<F: ArrayObjective>: DifferentiableObjective {
    /// The objective f, written on tracked vectors.
    public var function: F
    /// n, the number of inputs.
    public let dimension: Int
    @usableFromInline var workspace: _ArrayWorkspace
    @usableFromInline let entry: _ArrayObjectiveEntryPoints<F>

    /// f on n inputs, with empty scratch tapes.
    @inlinable
    public init(_ function: F, dimension: Int) {
        self.function = function
        self.dimension = dimension
        workspace = _ArrayWorkspace(n: dimension)
        entry = _ArrayObjectiveEntryPoints()
    }

    @inlinable
    mutating func uniqueWorkspace() -> _ArrayWorkspace {
        if !isKnownUniquelyReferenced(&workspace) { workspace = _ArrayWorkspace(n: dimension) }
        return workspace
    }

    @inlinable
    func check(_ count: Int) {
        precondition(count == dimension, "ArrayAutomaticObjective: x has \(count) entries, expected \(dimension)")
    }

    @inlinable
    public mutating func value(at x: [Double]) -> Double {
        check(x.count)
        let w = uniqueWorkspace()
        return x.withUnsafeBufferPointer { entry.value(function, $0, w) }
    }

    @inlinable
    public mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        check(x.count)
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        let w = uniqueWorkspace()
        return x.withUnsafeBufferPointer { xb in gradient.withUnsafeMutableBufferPointer { entry.valueAndGradient(function, xb, $0, w) } }
    }

    @inlinable
    public mutating func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        check(x.count)
        return entry.valueAndGradient(function, x, gradient, uniqueWorkspace())
    }

    @inlinable
    public mutating func hessian(at x: [Double]) -> Matrix {
        var h = Matrix(rows: 0, columns: 0)
        hessian(at: x, into: &h)
        return h
    }

    @inlinable
    public mutating func hessian(at x: [Double], into h: inout Matrix) {
        _ = hessian(at: x, into: &h, shouldStop: { false })
    }

    @inlinable
    public mutating func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool {
        check(x.count)
        if h.rows != dimension || h.columns != dimension { h = Matrix(rows: dimension, columns: dimension) }
        let w = uniqueWorkspace()
        return x.withUnsafeBufferPointer { xb in h.withUnsafeMutableBufferPointer { entry.hessian(function, xb, $0, w, shouldStop) } }
    }

    @inlinable
    public mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        check(x.count)
        check(v.count)
        var r = [Double](repeating: 0, count: dimension)
        let w = uniqueWorkspace()
        x.withUnsafeBufferPointer { xb in
            v.withUnsafeBufferPointer { vb in r.withUnsafeMutableBufferPointer { _ = entry.hessianVectorProduct(function, xb, vb, $0, w) } }
        }
        return r
    }

    @inlinable
    public mutating func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                              into result: UnsafeMutableBufferPointer<Double>) {
        check(x.count)
        check(v.count)
        check(result.count)
        _ = entry.hessianVectorProduct(function, x, v, result, uniqueWorkspace())
    }

    /// Peak bytes of the reverse-mode tape so far (values, adjoints, loop snapshots).
    public var gradientPeakBytes: Int { mutating get { uniqueWorkspace().reverse.peakBytes } }
}

// The workspace is copy-on-write: a copy that evaluates takes its own (isKnownUniquelyReferenced),
// so no two values ever mutate one workspace.
extension ArrayAutomaticObjective: @unchecked Sendable where F: Sendable {}

/// The drivers as closures made where `F` is concrete, so calls through `any DifferentiableObjective`
/// run specialized code (see `_ObjectiveEntryPoints`).
@usableFromInline
struct _ArrayObjectiveEntryPoints<F: ArrayObjective> {
    @usableFromInline let value: (F, UnsafeBufferPointer<Double>, _ArrayWorkspace) -> Double
    @usableFromInline let valueAndGradient: (F, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ArrayWorkspace) -> Double
    @usableFromInline let hessianVectorProduct:
        (F, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ArrayWorkspace) -> Double
    @usableFromInline let hessian: (F, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ArrayWorkspace, () -> Bool) -> Bool

    @inlinable
    init() {
        value = { f, x, w in ArrayDerivatives.value(of: f, at: x, tape: w.values) }
        valueAndGradient = { f, x, g, w in ArrayDerivatives.valueAndGradient(of: f, at: x, gradient: g, tape: w.reverse) }
        hessianVectorProduct = { f, x, v, r, w in
            ArrayDerivatives.hessianVectorProduct(of: f, at: x, direction: v, into: r, tape: w.secondOrder)
        }
        hessian = { f, x, h, w, stop in ArrayDerivatives.hessian(of: f, at: x, into: h, tape: w.lanes, shouldStop: stop) }
    }
}

// The closures capture nothing; the workspace is passed in by a caller that owns it uniquely.
extension _ArrayObjectiveEntryPoints: @unchecked Sendable {}

/// An ``ArrayModel`` differentiated automatically at the array level: JVPs by a tangent sweep,
/// VJPs by a reverse sweep, Gauss-Newton products Jᵀ(J v) by both on one recording, Jacobians
/// 16 columns per evaluation (one evaluation of 8 for n <= 8). Values into caller buffers without
/// allocation.
@frozen
public struct ArrayAutomaticModel<M: ArrayModel>: DifferentiableModel {
    /// The model y, written on tracked vectors.
    public var model: M
    /// n, the number of inputs.
    public let inputDimension: Int
    @usableFromInline var workspace: _ArrayWorkspace
    @usableFromInline let entry: _ArrayModelEntryPoints<M>

    /// y on n inputs, with empty scratch tapes.
    @inlinable
    public init(_ model: M, inputDimension: Int) {
        self.model = model
        self.inputDimension = inputDimension
        workspace = _ArrayWorkspace(n: inputDimension)
        entry = _ArrayModelEntryPoints()
    }

    @inlinable
    mutating func uniqueWorkspace() -> _ArrayWorkspace {
        if !isKnownUniquelyReferenced(&workspace) { workspace = _ArrayWorkspace(n: inputDimension) }
        return workspace
    }

    @inlinable
    func check(_ count: Int) {
        precondition(count == inputDimension, "ArrayAutomaticModel: x has \(count) entries, expected \(inputDimension)")
    }

    @inlinable
    public mutating func value(at x: [Double]) -> [Double] {
        check(x.count)
        return x.withUnsafeBufferPointer { entry.value(model, $0, uniqueWorkspace()) }
    }

    @inlinable
    public mutating func value(at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        check(x.count)
        entry.valueInto(model, x, y, uniqueWorkspace())
    }

    @inlinable
    public mutating func jacobian(at x: [Double]) -> Matrix {
        check(x.count)
        return entry.jacobian(model, x, { false })!
    }

    @inlinable
    public mutating func jacobian(at x: [Double], shouldStop: () -> Bool) -> Matrix? {
        check(x.count)
        return entry.jacobian(model, x, shouldStop)
    }

    @inlinable
    public mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        check(x.count)
        return entry.jvp(model, x, v, uniqueWorkspace())
    }

    @inlinable
    public mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double] {
        check(x.count)
        return entry.vjp(model, x, w, uniqueWorkspace())
    }

    @inlinable
    public mutating func gaussNewtonProduct(at x: [Double], direction v: [Double]) -> [Double] {
        check(x.count)
        return entry.gaussNewton(model, x, v, uniqueWorkspace())
    }
}

// Copy-on-write workspace, as ArrayAutomaticObjective's.
extension ArrayAutomaticModel: @unchecked Sendable where M: Sendable {}

@usableFromInline
struct _ArrayModelEntryPoints<M: ArrayModel> {
    @usableFromInline let value: (M, UnsafeBufferPointer<Double>, _ArrayWorkspace) -> [Double]
    @usableFromInline let valueInto: (M, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ArrayWorkspace) -> Void
    @usableFromInline let jacobian: (M, [Double], () -> Bool) -> Matrix?
    @usableFromInline let jvp: (M, [Double], [Double], _ArrayWorkspace) -> [Double]
    @usableFromInline let vjp: (M, [Double], [Double], _ArrayWorkspace) -> [Double]
    @usableFromInline let gaussNewton: (M, [Double], [Double], _ArrayWorkspace) -> [Double]

    @inlinable
    init() {
        value = { m, x, w in
            w.values.reset()
            let y = m(w.values._constant(borrowing: x)).array
            w.values.reset()
            return y
        }
        valueInto = { m, x, y, w in ArrayDerivatives.value(of: m, at: x, into: y, tape: w.values) }
        jacobian = { m, x, stop in ArrayDerivatives.jacobian(of: m, at: x, shouldStop: stop) }
        jvp = { m, x, v, w in ArrayDerivatives.jacobianVectorProduct(of: m, at: x, direction: v, tape: w.reverse).product }
        vjp = { m, x, c, w in ArrayDerivatives.vectorJacobianProduct(of: m, at: x, cotangent: c, tape: w.reverse).product }
        gaussNewton = { m, x, v, w in ArrayDerivatives.gaussNewtonProduct(of: m, at: x, direction: v, tape: w.reverse) }
    }
}

extension _ArrayModelEntryPoints: @unchecked Sendable {}

/// An ``ArrayModel`` written on scalars: a ``GenericModel`` applied as one node
/// (``TrackedVector/applying(model:)``), so scalar generic code can sit inside array-style models.
@frozen
public struct ScalarModelNode<M: GenericModel>: ArrayModel {
    /// The scalar generic model.
    public var model: M
    /// `model` as an array model.
    @inlinable public init(_ model: M) { self.model = model }
    /// `model(x)` as one node on x's tape.
    @inlinable public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { x.applying(model: model) }
}

extension ScalarModelNode: Sendable where M: Sendable {}
