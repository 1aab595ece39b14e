// Forward-mode automatic differentiation: dual numbers a + b·ε with ε² = 0.
import RealModule

/// A dual number `value + derivative·ε` (ε² = 0): forward-mode automatic differentiation.
///
/// Evaluating a generic model `f` on `Dual(value: x, derivative: v)` gives
/// `Dual(value: f(x), derivative: f'(x)·v)`, exact to rounding: one directional derivative
/// (a Jacobian-vector product) per evaluation. `Base` may itself be a `Dual`:
/// `Dual<Dual<Double>>` seeded with `x + u·ε₁ + v·ε₂` carries `uᵀ∇²f(x)v` in
/// `derivative.derivative`, an exact second derivative.
///
/// Comparisons (`==`, `<`) look at `value` only, so branches in generic code follow the
/// `Double` program. Each elementary function's derivative follows its textbook formula
/// (``ChainRuleScalar``); the documented special points are:
/// - `sqrt(x)` at `x = 0`: derivative `derivative / (2·0)`, i.e. `+inf` for a positive
///   derivative part, `-inf` for a negative one and NaN (0/0) for a zero one: sqrt is not
///   differentiable at 0; regularize (`sqrt(x + tiny)`, `hypot`) where 0 is reachable.
///   `root(x, n)` behaves the same way at 0.
/// - `pow(x, n)` with an integer `n`: exact everywhere, including `x = 0`
///   (d/dx x² = 0 there, d/dx x¹ = 1, d/dx x⁰ = 0).
/// - `pow(x, y)` with a real (dual) exponent follows swift-numerics: NaN for `x < 0` and for
///   `x = y = 0`. At `x = 0`, `y > 0` the partial in `y` is 0 (0^y is constant 0) and the
///   partial in `x` is `y·0^(y-1)` (0 for y > 1, 1 for y = 1, +inf for 0 < y < 1).
@frozen
public struct Dual<Base: PhysGradReal>: ChainRuleScalar {
    /// The primal value.
    public var value: Base
    /// The directional derivative carried along with `value`.
    public var derivative: Base

    /// `value + derivative·ε`.
    @inlinable @inline(__always)
    public init(value: Base, derivative: Base) {
        self.value = value
        self.derivative = derivative
    }

    /// A constant: `value + 0·ε`.
    @inlinable @inline(__always)
    public init(constant value: Base) {
        self.value = value
        self.derivative = 0
    }
}

extension Dual: Sendable where Base: Sendable {}

extension Dual: CustomStringConvertible {
    public var description: String { "\(value) + \(derivative)ε" }
}

// MARK: - Field arithmetic

extension Dual {
    @inlinable @inline(__always)
    public static func + (lhs: Dual, rhs: Dual) -> Dual {
        Dual(value: lhs.value + rhs.value, derivative: lhs.derivative + rhs.derivative)
    }

    @inlinable @inline(__always)
    public static func - (lhs: Dual, rhs: Dual) -> Dual {
        Dual(value: lhs.value - rhs.value, derivative: lhs.derivative - rhs.derivative)
    }

    @inlinable @inline(__always)
    public static func * (lhs: Dual, rhs: Dual) -> Dual {
        Dual(value: lhs.value * rhs.value,
             derivative: lhs.derivative * rhs.value + lhs.value * rhs.derivative)
    }

    /// (a/b)' = (a' - (a/b)·b') / b.
    @inlinable @inline(__always)
    public static func / (lhs: Dual, rhs: Dual) -> Dual {
        let q = lhs.value / rhs.value
        return Dual(value: q, derivative: (lhs.derivative - q * rhs.derivative) / rhs.value)
    }

    @inlinable @inline(__always)
    public static prefix func - (operand: Dual) -> Dual {
        Dual(value: -operand.value, derivative: -operand.derivative)
    }

    /// `1/x` with derivative `-x'/x²`, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: Dual? {
        guard let r = value.reciprocal else { return nil }
        return Dual(value: r, derivative: -derivative * r * r)
    }
}

// MARK: - The chain rule: f(a + b·ε) = f(a) + f'(a)·b·ε

extension Dual {
    /// `value + slope·derivative·ε`.
    @inlinable @inline(__always)
    public static func _chain(_ x: Dual, value: Base, slope: Base) -> Dual {
        Dual(value: value, derivative: slope * x.derivative)
    }

    /// `value + (derivative / denominator)·ε`.
    @inlinable @inline(__always)
    public static func _chain(_ x: Dual, value: Base, denominator: Base) -> Dual {
        Dual(value: value, derivative: x.derivative / denominator)
    }

    /// `value + (dx·x.derivative + dy·y.derivative)·ε`.
    @inlinable @inline(__always)
    public static func _chain(_ x: Dual, _ y: Dual, value: Base, _ dx: Base, _ dy: Base) -> Dual {
        Dual(value: value, derivative: dx * x.derivative + dy * y.derivative)
    }
}
