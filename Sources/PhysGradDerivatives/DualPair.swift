// Forward mode with two tangent parts held as separate scalars: a + b_0 ε_0 + b_1 ε_1, ε_k ε_l = 0.
import RealModule

/// A value with two directional derivatives held as two scalar fields: the partials of a
/// two-argument kernel in one evaluation (implementation detail of the fused array maps,
/// public for inlining).
///
/// The parts follow the formulas of ``Dual`` (and of ``DualLanes`` `<SIMD2<Double>>`) in the
/// same order, with one difference: `lanes` records which parts can be nonzero (bit 0: `d0`,
/// bit 1: `d1`), and a part that is known to be zero is neither computed nor added. Seeds set one
/// bit each, constants none, and every operation takes the union of its operands' bits, so in
/// a loop the bits are constants the compiler folds: multiplications by seed zeros vanish. For
/// finite numbers every part equals Dual's up to the sign of a zero; a non-finite value no
/// longer turns a part it does not affect into NaN (0·∞). Scalar fields keep every operation
/// scalar, so a loop that evaluates a kernel on `_DualPair` is one the compiler vectorizes
/// across elements (vector-typed lanes stop that). `Base` may be a ``Dual``:
/// `Dual<_DualPair<Double>>` carries the two partials and their directional derivatives, the
/// rows of a Hessian-vector product.
@frozen
public struct _DualPair<Base: PhysGradReal>: ChainRuleScalar {
    /// The primal value.
    public var value: Base
    /// The derivative in direction 0 (exactly 0 when bit 0 of `lanes` is clear).
    public var d0: Base
    /// The derivative in direction 1 (exactly 0 when bit 1 of `lanes` is clear).
    public var d1: Base
    /// Which parts may be nonzero: bit 0 `d0`, bit 1 `d1`.
    public var lanes: UInt8

    /// `value + d0·ε_0 + d1·ε_1`, with the parts whose bit `lanes` sets (both by default).
    @inlinable @inline(__always)
    public init(value: Base, d0: Base, d1: Base, lanes: UInt8 = 3) {
        self.value = value
        self.d0 = lanes & 1 != 0 ? d0 : 0
        self.d1 = lanes & 2 != 0 ? d1 : 0
        self.lanes = lanes
    }

    /// A constant: both derivative parts 0.
    @inlinable @inline(__always)
    public init(constant value: Base) {
        self.value = value
        self.d0 = 0
        self.d1 = 0
        self.lanes = 0
    }

    /// `x + y` over the parts that may be nonzero (`x` where only `l`, `y` where only `r`).
    @inlinable @inline(__always)
    static func _add(_ l: Bool, _ x: @autoclosure () -> Base, _ r: Bool, _ y: @autoclosure () -> Base) -> Base {
        l ? (r ? x() + y() : x()) : (r ? y() : 0)
    }
}

extension _DualPair: Sendable where Base: Sendable {}

extension _DualPair: CustomStringConvertible {
    public var description: String { "\(value) + \(d0)ε₀ + \(d1)ε₁" }
}

// MARK: - Field arithmetic (each part: the Dual formula, zero parts skipped)

extension _DualPair {
    @inlinable @inline(__always)
    public static func + (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        let l = lhs.lanes, r = rhs.lanes
        return _DualPair(value: lhs.value + rhs.value,
                         d0: _add(l & 1 != 0, lhs.d0, r & 1 != 0, rhs.d0),
                         d1: _add(l & 2 != 0, lhs.d1, r & 2 != 0, rhs.d1), lanes: l | r)
    }

    @inlinable @inline(__always)
    public static func - (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        let l = lhs.lanes, r = rhs.lanes
        return _DualPair(value: lhs.value - rhs.value,
                         d0: l & 1 != 0 ? (r & 1 != 0 ? lhs.d0 - rhs.d0 : lhs.d0) : (r & 1 != 0 ? -rhs.d0 : 0),
                         d1: l & 2 != 0 ? (r & 2 != 0 ? lhs.d1 - rhs.d1 : lhs.d1) : (r & 2 != 0 ? -rhs.d1 : 0), lanes: l | r)
    }

    /// (ab)' = a'·b + a·b' per part.
    @inlinable @inline(__always)
    public static func * (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        let l = lhs.lanes, r = rhs.lanes
        return _DualPair(value: lhs.value * rhs.value,
                         d0: _add(l & 1 != 0, lhs.d0 * rhs.value, r & 1 != 0, lhs.value * rhs.d0),
                         d1: _add(l & 2 != 0, lhs.d1 * rhs.value, r & 2 != 0, lhs.value * rhs.d1), lanes: l | r)
    }

    /// (a/b)' = (a' - (a/b)·b') / b per part.
    @inlinable @inline(__always)
    public static func / (lhs: _DualPair, rhs: _DualPair) -> _DualPair {
        let q = lhs.value / rhs.value
        let l = lhs.lanes, r = rhs.lanes
        return _DualPair(value: q,
                         d0: l & 1 != 0 ? (r & 1 != 0 ? (lhs.d0 - q * rhs.d0) / rhs.value : lhs.d0 / rhs.value)
                                        : (r & 1 != 0 ? -(q * rhs.d0) / rhs.value : 0),
                         d1: l & 2 != 0 ? (r & 2 != 0 ? (lhs.d1 - q * rhs.d1) / rhs.value : lhs.d1 / rhs.value)
                                        : (r & 2 != 0 ? -(q * rhs.d1) / rhs.value : 0), lanes: l | r)
    }

    @inlinable @inline(__always)
    public static prefix func - (operand: _DualPair) -> _DualPair {
        _DualPair(value: -operand.value, d0: -operand.d0, d1: -operand.d1, lanes: operand.lanes)
    }

    /// `1/x` with parts `-x'/x²`, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: _DualPair? {
        guard let r = value.reciprocal else { return nil }
        return _DualPair(value: r, d0: -d0 * r * r, d1: -d1 * r * r, lanes: lanes)
    }
}

// MARK: - The chain rule

extension _DualPair {
    /// `value + slope·parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, value: Base, slope: Base) -> _DualPair {
        _DualPair(value: value, d0: x.lanes & 1 != 0 ? slope * x.d0 : 0, d1: x.lanes & 2 != 0 ? slope * x.d1 : 0, lanes: x.lanes)
    }

    /// `value + parts / denominator`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, value: Base, denominator: Base) -> _DualPair {
        _DualPair(value: value, d0: x.lanes & 1 != 0 ? x.d0 / denominator : 0,
                  d1: x.lanes & 2 != 0 ? x.d1 / denominator : 0, lanes: x.lanes)
    }

    /// `value + dx·x.parts + dy·y.parts`.
    @inlinable @inline(__always)
    public static func _chain(_ x: _DualPair, _ y: _DualPair, value: Base, _ dx: Base, _ dy: Base) -> _DualPair {
        let l = x.lanes, r = y.lanes
        return _DualPair(value: value, d0: _add(l & 1 != 0, dx * x.d0, r & 1 != 0, dy * y.d0),
                         d1: _add(l & 2 != 0, dx * x.d1, r & 2 != 0, dy * y.d1), lanes: l | r)
    }
}
