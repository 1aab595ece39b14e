// Functions written once, generic over PhysGradReal, that the drivers differentiate.

/// A scalar function R^n -> R written once, generic over the scalar type (an objective or a
/// loss). The drivers in ``Derivatives`` evaluate it on `Double`, ``Dual`` and ``TrackedReal``.
///
/// ```swift
/// struct Rosenbrock: GenericObjective {
///     @inlinable func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
///         var f: T = 0
///         for i in 0..<(x.count - 1) {
///             let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
///             f += 100 * a * a + b * b
///         }
///         return f
///     }
/// }
/// ```
/// Mark the method `@inlinable` when callers live in another module, so it is specialized for
/// each scalar type (otherwise every operation goes through a witness table).
public protocol GenericObjective {
    /// f(x). `x.count` is the dimension the caller chose.
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T
}

/// A vector function R^n -> R^k written once, generic over the scalar type (a physics model).
public protocol GenericModel {
    /// y(x), with the same number of outputs for every scalar type.
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T]
}

/// `loss(model(x))`: the composition L(y(x)) of a loss and a model, itself a ``GenericObjective``.
@frozen
public struct ComposedObjective<Model: GenericModel, Loss: GenericObjective>: GenericObjective {
    /// The model y.
    public var model: Model
    /// The loss L.
    public var loss: Loss

    /// L ∘ y.
    @inlinable
    public init(model: Model, loss: Loss) {
        self.model = model
        self.loss = loss
    }

    /// L(y(x)).
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { loss(model(x)) }
}

extension ComposedObjective: Sendable where Model: Sendable, Loss: Sendable {}
