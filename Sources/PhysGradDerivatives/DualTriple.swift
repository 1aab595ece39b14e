// Forward mode with three tangent parts held as separate scalars: a + Σ_k b_k ε_k, ε_k ε_l = 0.
import RealModule

/// A value with three directional derivatives held as three scalar fields: the partials of a
/// three-point stencil kernel in one evaluation (implementation detail of the fused stencils,
/// public for inlining).
///
/// The three-part sibling of ``_DualPair``: each part follows the formula of ``Dual`` in the same
/// order, `lanes` records which parts can be nonzero (bit k: `dk`), and a part known to be zero
/// is neither computed nor added, so seed zeros fold away in a loop. For finite numbers every
/// part equals Dual's up to the sign of a zero. Scalar fields keep every operation scalar, so a
/// loop over points that evaluates a kernel on `_DualTriple` vectorizes across points.
@frozen
public struct _DualTriple<Base: PhysGradReal>: ChainRuleScalar {
    /// The primal value.
    public var value: Base
    /// The derivative in direction 0 (exactly 0 when bit 0 of `lanes` is clear).
    public var d0: Base
    /// The derivative in direction 1 (exactly 0 when bit 1 of `lanes` is clear).
    public var d1: Base
    /// The derivative in direction 2 (exactly 0 when bit 2 of `lanes` is clear).
    public var d2: Base
    /// Which parts may be nonzero: bit 0 `d0`, bit 1 `d1`, bit 2 `d2`.
    public var lanes: UInt8

    /// `value + d0·ε_0 + d1·ε_1 + d2·ε_2`, with the parts whose bit `lanes` sets (all by default).
    @inlinable @inline(__always)
    public init(value: Base, d0: Base, d1: Base, d2: Base, lanes: UInt8 = 7) {
        self.value = value
        self.d0 = lanes & 1 != 0 ? d0 : 0
        self.d1 = lanes & 2 != 0 ? d1 : 0
        self.d2 = lanes & 4 != 0 ? d2 : 0
        self.lanes = lanes
    }

    /// A constant: every derivative part 0.
    @inlinable @inline(__always)
    public init(constant value: Base) {
        self.init(value: value, d0: 0, d1: 0, d2: 0, lanes: 0)
    }

    /// Part `bit` of a binary operation: `f(x, y)` when both operands may have it, `fx(x)` or
    /// `fy(y)` when only one does, else 0.
    @inlinable @inline(__always)
    static func _part(_ l: UInt8, _ r: UInt8, _ bit: UInt8, both: @autoclosure () -> Base,
                      left: @autoclosure () -> Base, right: @autoclosure () -> Base) -> Base {
        l & bit != 0 ? (r & bit != 0 ? both() : left()) : (r & bit != 0 ? right() : 0)
    }
}

extension _DualTriple: Sendable where Base: Sendable {}

extension _DualTriple: CustomStringConvertible {
    public var description: String { "\(value) + \(d0)ε₀ + \(d1)ε₁ + \(d2)ε₂" }
}

// MARK: - Field arithmetic (each part: the Dual formula, zero parts skipped)

extension _DualTriple {
    @inlinable @inline(__always)
    public static func + (lhs: _DualTriple, rhs: _DualTriple) -> _DualTriple {
        let l = lhs.lanes, r = rhs.lanes
        return _DualTriple(value: lhs.value + rhs.value,
                           d0: _part(l, r, 1, both: lhs.d0 + rhs.d0, left: lhs.d0, right: rhs.d0),
                           d1: _part(l, r, 2, both: lhs.d1 + rhs.d1, left: lhs.d1, right: rhs.d1),
                           d2: _part(l, r, 4, both: lhs.d2 + rhs.d2, left: lhs.d2, right: rhs.d2), lanes: l | r)
    }

    @inlinable @inline(__always)
    public static func - (lhs: _DualTriple, rhs: _DualTriple) -> _DualTriple {
        let l = lhs.lanes, r = rhs.lanes
        return _DualTriple(value: lhs.value - rhs.value,
                           d0: _part(l, r, 1, both: lhs.d0 - rhs.d0, left: lhs.d0, right: -rhs.d0),
                           d1: _part(l, r, 2, both: lhs.d1 - rhs.d1, left: lhs.d1, right: -rhs.d1),
                           d2: _part(l, r, 4, both: lhs.d2 - rhs.d2, left: lhs.d2, right: -rhs.d2), lanes: l | r)
    }

    /// (ab)' = a'·b + a·b' per part.
    @inlinable @inline(__always)
    public static func * (lhs: _DualTriple, rhs: _DualTriple) -> _DualTriple {
        let l = lhs.lanes, r = rhs.lanes, a = lhs.value, b = rhs.value
        return _DualTriple(value: a * b,
                           d0: _part(l, r, 1, both: lhs.d0 * b + a * rhs.d0, left: lhs.d0 * b, right: a * rhs.d0),
                           d1: _part(l, r, 2, both: lhs.d1 * b + a * rhs.d1, left: lhs.d1 * b, right: a * rhs.d1),
                           d2: _part(l, r, 4, both: lhs.d2 * b + a * rhs.d2, left: lhs.d2 * b, right: a * rhs.d2), lanes: l | r)
    }

    /// (a/b)' = (a' - (a/b)·b') / b per part.
    @inlinable @inline(__always)
    public static func / (lhs: _DualTriple, rhs: _DualTriple) -> _DualTriple {
        let q = lhs.value / rhs.value, b = rhs.value
        let l = lhs.lanes, r = rhs.lanes
        return _DualTriple(value: q,
                           d0: _part(l, r, 1, both: (lhs.d0 - q * rhs.d0) / b, left: lhs.d0 / b, right: -(q * rhs.d0) / b),
                           d1: _part(l, r, 2, both: (lhs.d1 - q * rhs.d1) / b, left: lhs.d1 / b, right: -(q * rhs.d1) / b),
                           d2: _part(l, r, 4, both: (lhs.d2 - q * rhs.d2) / b, left: lhs.d2 / b, right: -(q * rhs.d2) / b),
                           lanes: l | r)
    }

    @inlinable @inline(__always)
    public static prefix func - (operand: _DualTriple) -> _DualTriple {
        _DualTriple(value: -operand.value, d0: -operand.d0, d1: -operand.d1, d2: -operand.d2, lanes: operand.lanes)
    }

    /// `1/x` with parts `-x'/x²`, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: _DualTriple? {
        guard let r = value.reciprocal else { return nil }
        return _DualTriple(value: r, d0: -d0 * r * r, d1: -d1 * r * r, d2: -d2 * r * r, lanes: lanes)
    }
}

// MARK: - The chain rule

extension _DualTriple {
    /// `value + slope·parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualTriple, value: Base, slope: Base) -> _DualTriple {
        let l = x.lanes
        return _DualTriple(value: value, d0: l & 1 != 0 ? slope * x.d0 : 0, d1: l & 2 != 0 ? slope * x.d1 : 0,
                           d2: l & 4 != 0 ? slope * x.d2 : 0, lanes: l)
    }

    /// `value + parts / denominator`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualTriple, value: Base, denominator: Base) -> _DualTriple {
        let l = x.lanes
        return _DualTriple(value: value, d0: l & 1 != 0 ? x.d0 / denominator : 0, d1: l & 2 != 0 ? x.d1 / denominator : 0,
                           d2: l & 4 != 0 ? x.d2 / denominator : 0, lanes: l)
    }

    /// `value + dx·x.parts + dy·y.parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualTriple, _ y: _DualTriple, value: Base, _ dx: Base, _ dy: Base) -> _DualTriple {
        let l = x.lanes, r = y.lanes
        return _DualTriple(value: value,
                           d0: _part(l, r, 1, both: dx * x.d0 + dy * y.d0, left: dx * x.d0, right: dy * y.d0),
                           d1: _part(l, r, 2, both: dx * x.d1 + dy * y.d1, left: dx * x.d1, right: dy * y.d1),
                           d2: _part(l, r, 4, both: dx * x.d2 + dy * y.d2, left: dx * x.d2, right: dy * y.d2), lanes: l | r)
    }
}
