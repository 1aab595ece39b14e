// The one interface optimizers use for models R^n -> R^k, whatever the source of derivatives.
import PhysGradLinearAlgebra

/// A model y: R^n -> R^k with derivatives, as optimizers and inverse-simulator updates consume
/// it, whatever their source: ``AutomaticModel`` (AD), ``AnalyticModel`` (user closures) or
/// ``FiniteDifferenceModel`` (black box).
public protocol DifferentiableModel {
    /// n.
    var inputDimension: Int { get }
    /// y(x), k entries.
    mutating func value(at x: [Double]) -> [Double]
    /// The k x n Jacobian ∂y/∂x.
    mutating func jacobian(at x: [Double]) -> Matrix
    /// The Jacobian, asking `shouldStop` between blocks of columns: `nil` when it answered `true`
    /// (so a caller's time limit holds inside the build). The default builds the whole Jacobian
    /// with ``jacobian(at:)`` and never asks; ``ArrayAutomaticModel`` asks before every 16-column pass.
    mutating func jacobian(at x: [Double], shouldStop: () -> Bool) -> Matrix?
    /// J(x)·v (n entries in, k out).
    mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double]
    /// J(x)ᵀ·w (k entries in, n out).
    mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double]
    /// y(x) written into `y` (k elements): the buffer form for loops that must not allocate.
    /// The default goes through arrays; ``ArrayAutomaticModel`` writes in place.
    mutating func value(at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
    /// The Gauss-Newton product J(x)ᵀ(J(x)·v) (n entries in and out) without forming J, for the
    /// least-squares methods. Default: a JVP then a VJP.
    mutating func gaussNewtonProduct(at x: [Double], direction v: [Double]) -> [Double]
}

extension DifferentiableModel {
    /// Default: the whole ``jacobian(at:)``; `shouldStop` is not asked.
    public mutating func jacobian(at x: [Double], shouldStop: () -> Bool) -> Matrix? { jacobian(at: x) }

    /// Default: through arrays.
    public mutating func value(at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let v = value(at: Array(x))
        precondition(v.count == y.count, "value(at:into:): the model has \(v.count) outputs, the buffer \(y.count)")
        for i in 0..<v.count { y[i] = v[i] }
    }

    /// Default: J(x)ᵀ(J(x)·v) by a JVP and a VJP.
    public mutating func gaussNewtonProduct(at x: [Double], direction v: [Double]) -> [Double] {
        let jv = jacobianVectorProduct(at: x, direction: v)
        return vectorJacobianProduct(at: x, cotangent: jv)
    }

    /// Default: J(x)·v from the Jacobian.
    public mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        let j = jacobian(at: x)
        precondition(j.columns == v.count, "jacobianVectorProduct: v has \(v.count) entries, expected \(j.columns)")
        return (0..<j.rows).map { r in (0..<j.columns).reduce(0) { $0 + j[r, $1] * v[$1] } }
    }

    /// Default: J(x)ᵀ·w from the Jacobian.
    public mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double] {
        let j = jacobian(at: x)
        precondition(j.rows == w.count, "vectorJacobianProduct: w has \(w.count) entries, expected \(j.rows)")
        return (0..<j.columns).map { c in (0..<j.rows).reduce(0) { $0 + j[$1, c] * w[$1] } }
    }
}

/// A ``GenericModel`` differentiated automatically: Jacobians forward (k >= n) or reverse
/// (k < n), JVPs by one dual evaluation, VJPs by one taped evaluation.
@frozen
public struct AutomaticModel<M: GenericModel>: DifferentiableModel {
    /// The model y, written generically.
    public var model: M
    /// n, the number of inputs.
    public let inputDimension: Int
    @usableFromInline let entry: _ModelEntryPoints<M>

    /// y on n inputs.
    @inlinable
    public init(_ model: M, inputDimension: Int) {
        self.model = model
        self.inputDimension = inputDimension
        self.entry = _ModelEntryPoints()
    }

    @inlinable
    public mutating func value(at x: [Double]) -> [Double] { entry.value(model, x) }

    @inlinable
    public mutating func jacobian(at x: [Double]) -> Matrix { entry.jacobian(model, x) }

    @inlinable
    public mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        entry.jacobianVectorProduct(model, x, v)
    }

    @inlinable
    public mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double] {
        entry.vectorJacobianProduct(model, x, w)
    }
}

/// The drivers of ``AutomaticModel`` as closures made where `M` is concrete, so that calls
/// through `any DifferentiableModel` run specialized code (see `_ObjectiveEntryPoints`).
@usableFromInline
struct _ModelEntryPoints<M: GenericModel> {
    @usableFromInline let value: (M, [Double]) -> [Double]
    @usableFromInline let jacobian: (M, [Double]) -> Matrix
    @usableFromInline let jacobianVectorProduct: (M, [Double], [Double]) -> [Double]
    @usableFromInline let vectorJacobianProduct: (M, [Double], [Double]) -> [Double]

    @inlinable
    init() {
        value = { m, x in m(x) }
        jacobian = { m, x in Derivatives.jacobian(of: m, at: x) }
        jacobianVectorProduct = { m, x, v in Derivatives.jacobianVectorProduct(of: m, at: x, direction: v).product }
        vectorJacobianProduct = { m, x, w in Derivatives.vectorJacobianProduct(of: m, at: x, cotangent: w).product }
    }
}

// The closures capture nothing (they are pure functions of their arguments; the generic
// parameter's metatype is immutable), so sharing them between threads is safe.
extension _ModelEntryPoints: @unchecked Sendable {}

extension AutomaticModel: Sendable where M: Sendable {}

/// A model whose Jacobian the user wrote by hand (JVP and VJP optional; from the Jacobian
/// otherwise).
public struct AnalyticModel: DifferentiableModel, Sendable {
    /// n, the number of inputs.
    public let inputDimension: Int
    /// y(x).
    public let valueFunction: @Sendable ([Double]) -> [Double]
    /// The k x n Jacobian J(x).
    public let jacobianFunction: @Sendable ([Double]) -> Matrix
    /// (x, v) -> J(x) v, if given.
    public let jvpFunction: (@Sendable ([Double], [Double]) -> [Double])?
    /// (x, w) -> J(x)ᵀ w, if given.
    public let vjpFunction: (@Sendable ([Double], [Double]) -> [Double])?

    /// A model from its value and Jacobian, and optionally its JVP and VJP (otherwise products
    /// with the Jacobian).
    public init(inputDimension: Int,
                value: @escaping @Sendable ([Double]) -> [Double],
                jacobian: @escaping @Sendable ([Double]) -> Matrix,
                jacobianVectorProduct: (@Sendable ([Double], [Double]) -> [Double])? = nil,
                vectorJacobianProduct: (@Sendable ([Double], [Double]) -> [Double])? = nil) {
        self.inputDimension = inputDimension
        self.valueFunction = value
        self.jacobianFunction = jacobian
        self.jvpFunction = jacobianVectorProduct
        self.vjpFunction = vectorJacobianProduct
    }

    public mutating func value(at x: [Double]) -> [Double] { valueFunction(x) }
    public mutating func jacobian(at x: [Double]) -> Matrix { jacobianFunction(x) }

    public mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        if let jvpFunction { return jvpFunction(x, v) }
        let j = jacobianFunction(x)
        return (0..<j.rows).map { r in (0..<j.columns).reduce(0) { $0 + j[r, $1] * v[$1] } }
    }

    public mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double] {
        if let vjpFunction { return vjpFunction(x, w) }
        let j = jacobianFunction(x)
        return (0..<j.columns).map { c in (0..<j.rows).reduce(0) { $0 + j[$1, c] * w[$1] } }
    }
}

/// A value-only model: Jacobians and JVPs by central differences (2n and 2 evaluations).
public struct FiniteDifferenceModel: DifferentiableModel, Sendable {
    /// n, the number of inputs.
    public let inputDimension: Int
    /// y(x).
    public let valueFunction: @Sendable ([Double]) -> [Double]

    /// A model known only by its values.
    public init(inputDimension: Int, value: @escaping @Sendable ([Double]) -> [Double]) {
        self.inputDimension = inputDimension
        self.valueFunction = value
    }

    public mutating func value(at x: [Double]) -> [Double] { valueFunction(x) }
    public mutating func jacobian(at x: [Double]) -> Matrix { FiniteDifferences.jacobian(at: x, of: valueFunction) }
    public mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        FiniteDifferences.jacobianVectorProduct(at: x, direction: v, of: valueFunction)
    }
}
