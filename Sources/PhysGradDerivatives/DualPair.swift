// Forward mode with two tangent parts held as separate scalars: a + b_0 ε_0 + b_1 ε_1, ε_k ε_l = 0.
import RealModule

/// A value with two directional derivatives held as two scalar fields: the partials of a
/// two-argument kernel in one evaluation (implementation detail of the fused array maps,
/// public for inlining).
///
/// The same numbers as ``DualLanes`` `<SIMD2<Double>>` (and as two ``Dual`` evaluations),
/// computed by the same formulas in the same order, so every part is bit-for-bit theirs. The
/// difference is the layout: scalar fields keep every operation scalar, so a loop that
/// evaluates a kernel on `_DualPair` element after element is one the compiler can vectorize
/// across elements (vector-typed lanes stop that). `Base` may be a ``Dual``:
/// `Dual<_DualPair<Double>>` carries the two partials and their directional derivatives, the
/// rows of a Hessian-vector product.
@frozen
public struct _DualPair<Base: PhysGradReal>: ChainRuleScalar {
    /// The primal value.
    public var value: Base
    /// The derivative in direction 0.
    public var d0: Base
    /// The derivative in direction 1.
    public var d1: Base

    /// `value + d0·ε_0 + d1·ε_1`.
    @inlinable @inline(__always)
    public init(value: Base, d0: Base, d1: Base) {
        self.value = value
        self.d0 = d0
        self.d1 = d1
    }

    /// A constant: both derivative parts 0.
    @inlinable @inline(__always)
    public init(constant value: Base) {
        self.value = value
        self.d0 = 0
        self.d1 = 0
    }
}

extension _DualPair: Sendable where Base: Sendable {}

extension _DualPair: CustomStringConvertible {
    public var description: String { "\(value) + \(d0)ε₀ + \(d1)ε₁" }
}

// MARK: - Field arithmetic (each part: the Dual formula)

extension _DualPair {
    @inlinable @inline(__always)
    public static func + (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        _DualPair(value: lhs.value + rhs.value, d0: lhs.d0 + rhs.d0, d1: lhs.d1 + rhs.d1)
    }

    @inlinable @inline(__always)
    public static func - (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        _DualPair(value: lhs.value - rhs.value, d0: lhs.d0 - rhs.d0, d1: lhs.d1 - rhs.d1)
    }

    /// (ab)' = a'·b + a·b' per part.
    @inlinable @inline(__always)
    public static func * (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        _DualPair(value: lhs.value * rhs.value,
                  d0: lhs.d0 * rhs.value + lhs.value * rhs.d0,
                  d1: lhs.d1 * rhs.value + lhs.value * rhs.d1)
    }

    /// (a/b)' = (a' - (a/b)·b') / b per part.
    @inlinable @inline(__always)
    public static func / (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        let q = lhs.value / rhs.value
        return _DualPair(value: q, d0: (lhs.d0 - q * rhs.d0) / rhs.value, d1: (lhs.d1 - q * rhs.d1) / rhs.value)
    }

    @inlinable @inline(__always)
    public static prefix func - (operand: _DualPair) -> _DualPair {
        _DualPair(value: -operand.value, d0: -operand.d0, d1: -operand.d1)
    }

    /// `1/x` with parts `-x'/x²`, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: _DualPair? {
        guard let r = value.reciprocal else { return nil }
        return _DualPair(value: r, d0: -d0 * r * r, d1: -d1 * r * r)
    }
}

// MARK: - The chain rule

extension _DualPair {
    /// `value + slope·parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, value: Base, slope: Base) -> _DualPair {
        _DualPair(value: value, d0: slope * x.d0, d1: slope * x.d1)
    }

    /// `value + parts / denominator`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, value: Base, denominator: Base) -> _DualPair {
        _DualPair(value: value, d0: x.d0 / denominator, d1: x.d1 / denominator)
    }

    /// `value + dx·x.parts + dy·y.parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, _ y: _DualPair, value: Base, _ dx: Base, _ dy: Base) -> _DualPair {
        _DualPair(value: value, d0: dx * x.d0 + dy * y.d0, d1: dx * x.d1 + dy * y.d1)
    }
}
