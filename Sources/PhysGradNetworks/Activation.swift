import PhysGradDerivatives

/// The elementwise function of a dense layer, `a = σ(z)`.
///
/// | case | σ(z) | σ'(z), from a = σ(z) |
/// | --- | --- | --- |
/// | ``tanh`` | tanh z | 1 - a² |
/// | ``relu`` | max(z, 0), NaN for NaN | 1 for a > 0, else 0 (the derivative at 0 is taken as 0) |
/// | ``linear`` | z | 1 |
///
/// Each derivative is a function of the activation `a` alone, so the backward passes keep only
/// the activations of a batch, never the pre-activations.
public enum Activation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case tanh
    case relu
    case linear

    public var description: String { rawValue }

    /// σ(z), for any scalar type of the derivatives module (duals, tape scalars).
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ z: T) -> T {
        switch self {
        case .tanh: return T.tanh(z)
        case .relu: return z > 0 || z != z ? z : 0  // NaN stays NaN; at 0 the constant 0 (derivative 0)
        case .linear: return z
        }
    }

    /// σ'(z) from the activation a = σ(z).
    @inlinable @inline(__always)
    public func derivative(fromActivation a: Double) -> Double {
        switch self {
        case .tanh: return 1 - a * a
        case .relu: return a > 0 ? 1 : 0
        case .linear: return 1
        }
    }
}
