// The one interface optimizers use for R^n -> R, whatever the source of the derivatives.
import PhysGradLinearAlgebra

/// An objective R^n -> R with derivatives, as optimizers consume it: they call these methods
/// and never learn whether the derivatives come from automatic differentiation
/// (``AutomaticObjective``), closures written by the user (``AnalyticObjective``) or finite
/// differences of a black box (``FiniteDifferenceObjective``).
///
/// Methods are `mutating` so that conforming types can keep scratch space (a reusable tape,
/// buffers) and evaluate without allocating; conforming types are values, so copies handed to
/// different threads never share that scratch space.
///
/// For an L-BFGS-B objective `(x, g) -> f` on buffers (no allocation per call with
/// ``AutomaticObjective``):
/// ```swift
/// var objective = AutomaticObjective(Rosenbrock(), dimension: n)
/// let fg = { (x: UnsafeBufferPointer<Double>, g: UnsafeMutableBufferPointer<Double>) in
///     objective.valueAndGradient(at: x, gradient: g)
/// }
/// ```
public protocol DifferentiableObjective {
    /// n, the number of inputs.
    var dimension: Int { get }
    /// f(x).
    mutating func value(at x: [Double]) -> Double
    /// f(x), with ∇f(x) written into `gradient` (resized to n if its count differs).
    mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double
    /// f(x), with ∇f(x) written into `gradient` (n elements): the buffer form optimizers such
    /// as L-BFGS-B call. The default copies through arrays; ``AutomaticObjective`` works in place.
    mutating func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double
    /// The dense n x n Hessian ∇²f(x).
    mutating func hessian(at x: [Double]) -> Matrix
    /// The dense Hessian written into `h`, reusing its storage when it is already n x n.
    mutating func hessian(at x: [Double], into h: inout Matrix)
    /// The dense Hessian written into `h`, asking `shouldStop` between blocks of columns: `false`
    /// when it answered `true` (then `h` is incomplete), so a caller's time limit holds inside the
    /// build. The default builds the whole Hessian with ``hessian(at:into:)`` and never asks;
    /// ``ArrayAutomaticObjective`` asks before every 16-column pass.
    mutating func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool
    /// ∇²f(x)·v.
    mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double]
    /// ∇²f(x)·v written into `result` (n elements): the buffer form for loops that must not
    /// allocate (the diagonal of a diagonal Hessian is the product with the all-ones vector).
    /// The default goes through arrays; the array-level ``ArrayAutomaticObjective`` works in place.
    mutating func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                       into result: UnsafeMutableBufferPointer<Double>)
}

extension DifferentiableObjective {
    /// Default: central differences of the gradient (2n gradient evaluations).
    @inlinable
    public mutating func hessian(at x: [Double]) -> Matrix {
        var g = [Double](repeating: 0, count: x.count)
        return FiniteDifferences.hessian(at: x) { xx in
            _ = self.valueAndGradient(at: xx, gradient: &g)
            return g
        }
    }

    /// Default: `h = hessian(at: x)` (no storage reuse).
    @inlinable
    public mutating func hessian(at x: [Double], into h: inout Matrix) {
        h = hessian(at: x)
    }

    /// Default: the whole ``hessian(at:into:)``; `shouldStop` is not asked.
    @inlinable
    public mutating func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool {
        hessian(at: x, into: &h)
        return true
    }

    /// Default: a central difference of the gradient along v (2 gradient evaluations).
    @inlinable
    public mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        return FiniteDifferences.hessianVectorProduct(at: x, direction: v) { xx in
            _ = self.valueAndGradient(at: xx, gradient: &g)
            return g
        }
    }

    /// Default: through arrays.
    @inlinable
    public mutating func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                              into result: UnsafeMutableBufferPointer<Double>) {
        precondition(result.count == x.count && v.count == x.count, "hessianVectorProduct: x, v and result must have the same count")
        let r = hessianVectorProduct(at: Array(x), direction: Array(v))
        for i in 0..<r.count { result[i] = r[i] }
    }

    /// Default: through arrays (two allocations per call).
    @inlinable
    public mutating func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        precondition(gradient.count == x.count, "valueAndGradient: x has \(x.count) entries, gradient \(gradient.count)")
        var g = [Double](repeating: 0, count: x.count)
        let f = valueAndGradient(at: Array(x), gradient: &g)
        for i in 0..<g.count { gradient[i] = g[i] }
        return f
    }

    /// ∇f(x) as a new array.
    @inlinable
    public mutating func gradient(at x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        _ = valueAndGradient(at: x, gradient: &g)
        return g
    }
}

// MARK: - Automatic differentiation

/// Scratch space of ``AutomaticObjective``: tapes and input buffers, reused across calls.
@usableFromInline
final class _ObjectiveWorkspace {
    @usableFromInline let tape: ReverseTape<Double>
    @usableFromInline var variables: [TrackedReal<Double>] = []
    @usableFromInline lazy var secondOrderTape = ReverseTape<Dual<Double>>(reservingCapacity: 1 << 12)
    @usableFromInline var secondOrderVariables: [TrackedReal<Dual<Double>>] = []

    @usableFromInline
    init(dimension: Int) {
        tape = ReverseTape<Double>(reservingCapacity: 8 * dimension + 64)
    }
}

/// A ``GenericObjective`` differentiated automatically: gradients by reverse mode on a tape
/// kept between calls (no allocation per call once warm), Hessian-vector products and dense
/// Hessians by forward-over-reverse (8 columns per pass, ``HessianMethod/forwardOverReverseLanes``).
///
/// A value type: copies share the scratch tape until one of them evaluates, which then takes
/// its own (copy-on-write), so copies may be used from different threads at once.
@frozen
public struct AutomaticObjective<F: GenericObjective>: DifferentiableObjective {
    /// The objective f, written generically.
    public var function: F
    /// n, the number of inputs.
    public let dimension: Int
    @usableFromInline var workspace: _ObjectiveWorkspace
    @usableFromInline let entry: _ObjectiveEntryPoints<F>

    /// f on n inputs, with an empty scratch tape.
    @inlinable
    public init(_ function: F, dimension: Int) {
        self.function = function
        self.dimension = dimension
        self.workspace = _ObjectiveWorkspace(dimension: dimension)
        self.entry = _ObjectiveEntryPoints()
    }

    @inlinable
    mutating func uniqueWorkspace() -> _ObjectiveWorkspace {
        if !isKnownUniquelyReferenced(&workspace) { workspace = _ObjectiveWorkspace(dimension: dimension) }
        return workspace
    }

    @inlinable
    public mutating func value(at x: [Double]) -> Double {
        precondition(x.count == dimension, "AutomaticObjective: x has \(x.count) entries, expected \(dimension)")
        return entry.value(function, x)
    }

    @inlinable
    public mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        precondition(x.count == dimension, "AutomaticObjective: x has \(x.count) entries, expected \(dimension)")
        return entry.valueAndGradient(function, x, &gradient, uniqueWorkspace())
    }

    @inlinable
    public mutating func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        precondition(x.count == dimension, "AutomaticObjective: x has \(x.count) entries, expected \(dimension)")
        return entry.valueAndGradientBuffer(function, x, gradient, uniqueWorkspace())
    }

    @inlinable
    public mutating func hessian(at x: [Double]) -> Matrix {
        precondition(x.count == dimension, "AutomaticObjective: x has \(x.count) entries, expected \(dimension)")
        return entry.hessian(function, x)
    }

    @inlinable
    public mutating func hessian(at x: [Double], into h: inout Matrix) {
        precondition(x.count == dimension, "AutomaticObjective: x has \(x.count) entries, expected \(dimension)")
        entry.hessianInto(function, x, &h)
    }

    @inlinable
    public mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        precondition(x.count == dimension && v.count == dimension,
                     "AutomaticObjective: x and v must have \(dimension) entries")
        return entry.hessianVectorProduct(function, x, v, uniqueWorkspace())
    }
}

/// The derivative drivers of ``AutomaticObjective``, as closures made where `F` is concrete.
///
/// A protocol witness of a generic type runs the generic (unspecialized) implementation: called
/// through `any DifferentiableObjective`, `AutomaticObjective<F>.hessian` would evaluate `F` on
/// dual and tracked scalars through witness tables. Closures created in the (inlinable, so
/// specialized) initializer carry specialized code, and the witnesses only forward to them.
@usableFromInline
struct _ObjectiveEntryPoints<F: GenericObjective> {
    @usableFromInline let value: (F, [Double]) -> Double
    @usableFromInline let valueAndGradient: (F, [Double], inout [Double], _ObjectiveWorkspace) -> Double
    @usableFromInline let valueAndGradientBuffer:
        (F, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ObjectiveWorkspace) -> Double
    @usableFromInline let hessian: (F, [Double]) -> Matrix
    @usableFromInline let hessianInto: (F, [Double], inout Matrix) -> Void
    @usableFromInline let hessianVectorProduct: (F, [Double], [Double], _ObjectiveWorkspace) -> [Double]

    @inlinable
    init() {
        value = { f, x in f(x) }
        valueAndGradient = { f, x, g, w in
            Derivatives.valueAndGradient(of: f, at: x, gradient: &g, tape: w.tape, variables: &w.variables)
        }
        valueAndGradientBuffer = { f, x, g, w in
            Derivatives.valueAndGradient(of: f, at: x, gradient: g, tape: w.tape, variables: &w.variables)
        }
        hessian = { f, x in Derivatives.hessian(of: f, at: x, method: .forwardOverReverseLanes) }
        hessianInto = { f, x, h in Derivatives.hessian(of: f, at: x, into: &h) }
        hessianVectorProduct = { f, x, v, w in
            var seeds = (0..<x.count).map { Dual<Double>(value: x[$0], derivative: v[$0]) }
            var result = [Double](repeating: 0, count: x.count)
            _ = Derivatives._hvp(of: f, seeds: &seeds, into: &result,
                                 tape: w.secondOrderTape, variables: &w.secondOrderVariables)
            return result
        }
    }
}

// The closures capture nothing (they are pure functions of their arguments; the generic
// parameter's metatype is immutable), so sharing them between threads is safe.
extension _ObjectiveEntryPoints: @unchecked Sendable {}

// Safe: the only reference type inside is the workspace, which is mutated only by `mutating`
// methods after a uniqueness check (copy-on-write), never through a shared reference.
extension AutomaticObjective: @unchecked Sendable where F: Sendable {}

// MARK: - Analytic derivatives

/// An objective whose derivatives the user wrote by hand. The Hessian and the Hessian-vector
/// product are optional: when absent they come from central differences of the gradient.
public struct AnalyticObjective: DifferentiableObjective, Sendable {
    /// n, the number of inputs.
    public let dimension: Int
    /// f(x).
    public let valueFunction: @Sendable ([Double]) -> Double
    /// f(x), writing ∇f(x) into its second argument.
    public let valueAndGradientFunction: @Sendable ([Double], inout [Double]) -> Double
    /// ∇²f(x), if given.
    public let hessianFunction: (@Sendable ([Double]) -> Matrix)?
    /// (x, v) -> ∇²f(x) v, if given.
    public let hessianVectorProductFunction: (@Sendable ([Double], [Double]) -> [Double])?

    /// An objective from hand-written derivatives.
    ///
    /// - Parameters:
    ///   - dimension: n, the number of inputs.
    ///   - value: f(x).
    ///   - valueAndGradient: f(x), writing ∇f(x) into its second argument (which has n entries).
    ///   - hessian: ∇²f(x), optional.
    ///   - hessianVectorProduct: (x, v) -> ∇²f(x)·v, optional (falls back to `hessian` when given).
    public init(dimension: Int,
                value: @escaping @Sendable ([Double]) -> Double,
                valueAndGradient: @escaping @Sendable ([Double], inout [Double]) -> Double,
                hessian: (@Sendable ([Double]) -> Matrix)? = nil,
                hessianVectorProduct: (@Sendable ([Double], [Double]) -> [Double])? = nil) {
        self.dimension = dimension
        self.valueFunction = value
        self.valueAndGradientFunction = valueAndGradient
        self.hessianFunction = hessian
        self.hessianVectorProductFunction = hessianVectorProduct
    }

    public mutating func value(at x: [Double]) -> Double { valueFunction(x) }

    public mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        if gradient.count != dimension { gradient = [Double](repeating: 0, count: dimension) }
        return valueAndGradientFunction(x, &gradient)
    }

    public mutating func hessian(at x: [Double]) -> Matrix {
        if let hessianFunction { return hessianFunction(x) }
        let f = valueAndGradientFunction
        var g = [Double](repeating: 0, count: dimension)
        return FiniteDifferences.hessian(at: x) { xx in _ = f(xx, &g); return g }
    }

    public mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        if let hessianVectorProductFunction { return hessianVectorProductFunction(x, v) }
        if let hessianFunction {
            let h = hessianFunction(x)
            return (0..<h.rows).map { i in (0..<h.columns).reduce(0) { $0 + h[i, $1] * v[$1] } }
        }
        let f = valueAndGradientFunction
        var g = [Double](repeating: 0, count: dimension)
        return FiniteDifferences.hessianVectorProduct(at: x, direction: v) { xx in _ = f(xx, &g); return g }
    }
}

// MARK: - Black box

/// A value-only objective: gradients by central differences (2n evaluations per gradient,
/// about eps^(2/3) relative accuracy), Hessians by second differences of values. The last
/// resort (SciPy's `approx_grad=True` takes forward differences instead: n + 1 evaluations,
/// about eps^(1/2) accuracy). Keeps a scratch copy of x between calls.
public struct FiniteDifferenceObjective: DifferentiableObjective, Sendable {
    /// n, the number of inputs.
    public let dimension: Int
    /// f(x).
    public let valueFunction: @Sendable ([Double]) -> Double
    @usableFromInline var scratch: [Double] = []

    /// An objective known only by its values.
    public init(dimension: Int, value: @escaping @Sendable ([Double]) -> Double) {
        self.dimension = dimension
        self.valueFunction = value
    }

    public mutating func value(at x: [Double]) -> Double { valueFunction(x) }

    public mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        FiniteDifferences.gradient(at: x, into: &gradient, scratch: &scratch, of: valueFunction)
        return valueFunction(x)
    }

    public mutating func hessian(at x: [Double]) -> Matrix {
        FiniteDifferences.hessian(at: x, value: valueFunction)
    }
}

// MARK: - Type erasure

@usableFromInline
class _AnyObjectiveBox {
    func copy() -> _AnyObjectiveBox { fatalError("abstract") }
    var dimension: Int { fatalError("abstract") }
    func value(at x: [Double]) -> Double { fatalError("abstract") }
    func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double { fatalError("abstract") }
    func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double { fatalError("abstract") }
    func hessian(at x: [Double]) -> Matrix { fatalError("abstract") }
    func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool { fatalError("abstract") }
    func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] { fatalError("abstract") }
    func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                              into result: UnsafeMutableBufferPointer<Double>) { fatalError("abstract") }
}

final class _ConcreteObjectiveBox<O: DifferentiableObjective>: _AnyObjectiveBox {
    var base: O
    init(_ base: O) { self.base = base }
    override func copy() -> _AnyObjectiveBox { _ConcreteObjectiveBox(base) }
    override var dimension: Int { base.dimension }
    override func value(at x: [Double]) -> Double { base.value(at: x) }
    override func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        base.valueAndGradient(at: x, gradient: &gradient)
    }
    override func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        base.valueAndGradient(at: x, gradient: gradient)
    }
    override func hessian(at x: [Double]) -> Matrix { base.hessian(at: x) }
    override func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool {
        base.hessian(at: x, into: &h, shouldStop: shouldStop)
    }
    override func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        base.hessianVectorProduct(at: x, direction: v)
    }
    override func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                       into result: UnsafeMutableBufferPointer<Double>) {
        base.hessianVectorProduct(at: x, direction: v, into: result)
    }
}

/// Any ``DifferentiableObjective``, type-erased (for catalogs and heterogeneous storage): every
/// requirement goes to the wrapped objective's own implementation (its buffer forms, its
/// Hessian's `shouldStop`). Value semantics by copy-on-write. Costs one dynamic dispatch per call.
public struct AnyDifferentiableObjective: DifferentiableObjective {
    @usableFromInline var box: _AnyObjectiveBox

    /// `objective`, erased.
    public init<O: DifferentiableObjective>(_ objective: O) {
        box = _ConcreteObjectiveBox(objective)
    }

    public var dimension: Int { box.dimension }

    @usableFromInline
    mutating func uniqueBox() -> _AnyObjectiveBox {
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        return box
    }

    public mutating func value(at x: [Double]) -> Double { uniqueBox().value(at: x) }
    public mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        uniqueBox().valueAndGradient(at: x, gradient: &gradient)
    }
    public mutating func valueAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        uniqueBox().valueAndGradient(at: x, gradient: gradient)
    }
    public mutating func hessian(at x: [Double]) -> Matrix { uniqueBox().hessian(at: x) }
    public mutating func hessian(at x: [Double], into h: inout Matrix) {
        _ = uniqueBox().hessian(at: x, into: &h, shouldStop: { false })
    }
    public mutating func hessian(at x: [Double], into h: inout Matrix, shouldStop: () -> Bool) -> Bool {
        uniqueBox().hessian(at: x, into: &h, shouldStop: shouldStop)
    }
    public mutating func hessianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        uniqueBox().hessianVectorProduct(at: x, direction: v)
    }
    public mutating func hessianVectorProduct(at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                              into result: UnsafeMutableBufferPointer<Double>) {
        uniqueBox().hessianVectorProduct(at: x, direction: v, into: result)
    }
}
