// Forward mode with several tangent lanes: a + (b_0 ε_0 + ... + b_{K-1} ε_{K-1}), ε_k ε_l = 0.
import RealModule

/// A value with `K = Lanes.scalarCount` independent directional derivatives ("tangent lanes"):
/// `value + Σ_k tangents[k]·ε_k` with all products `ε_k·ε_l = 0`.
///
/// Evaluating a generic model `f` on `DualLanes(value: x, tangents: [v_0 ... v_{K-1}])` (one
/// lane per input direction) gives `f(x)` and the K directional derivatives `f'(x)·v_k` in one
/// evaluation: lane k is exactly what ``Dual`` seeded with `v_k` computes, with the same
/// formulas in the same order, so each lane is bit-for-bit the `Dual<Double>` result. The lanes
/// are a `SIMD` vector (`SIMD8<Double>`: four SSE2 registers), so the K chain-rule updates of
/// an operation are K-wide vector arithmetic and the value and the elementary function are
/// computed once instead of K times.
///
/// Use: `TrackedReal<DualLanes<SIMD8<Double>>>` is forward-over-reverse with 8 directions per
/// taped evaluation, i.e. 8 Hessian columns per pass (``HessianMethod/forwardOverReverseLanes``),
/// and `DualLanes` alone gives 8 Jacobian columns per forward evaluation.
///
/// The elementary functions (``ChainRuleScalar``) are `@inline(__always)`: each is one `Double`
/// function and a few vector operations, and a call would return its 80-byte results through
/// memory.
///
/// Only first derivatives are carried (nesting is not needed: in forward-over-reverse the tape
/// supplies the other order). Comparisons look at `value` only, as for ``Dual``; the special
/// points of the elementary functions are those of ``Dual`` (sqrt at 0: ±inf or NaN lanes;
/// integer powers exact at 0; real powers follow swift-numerics).
@frozen
public struct DualLanes<Lanes: SIMD>: ChainRuleScalar where Lanes.Scalar == Double {
    /// The primal value.
    public var value: Double
    /// The K directional derivatives of `value`, one per lane.
    public var tangents: Lanes

    /// `value + Σ_k tangents[k]·ε_k`.
    @inlinable @inline(__always)
    public init(value: Double, tangents: Lanes) {
        self.value = value
        self.tangents = tangents
    }

    /// A constant: every tangent lane 0.
    @inlinable @inline(__always)
    public init(constant value: Double) {
        self.value = value
        self.tangents = Lanes()
    }

    /// The number of tangent lanes K.
    @inlinable @inline(__always)
    public static var laneCount: Int { Lanes.scalarCount }
}

extension DualLanes: Sendable where Lanes: Sendable {}

extension DualLanes: CustomStringConvertible {
    public var description: String { "\(value) + \(tangents)ε" }
}

// MARK: - Field arithmetic (lane k: the Dual formula on tangents[k])

extension DualLanes {
    @inlinable @inline(__always)
    public static func + (lhs: DualLanes, rhs: DualLanes) -> DualLanes {
        DualLanes(value: lhs.value + rhs.value, tangents: lhs.tangents + rhs.tangents)
    }

    @inlinable @inline(__always)
    public static func - (lhs: DualLanes, rhs: DualLanes) -> DualLanes {
        DualLanes(value: lhs.value - rhs.value, tangents: lhs.tangents - rhs.tangents)
    }

    /// (ab)' = a'·b + a·b' per lane.
    @inlinable @inline(__always)
    public static func * (lhs: DualLanes, rhs: DualLanes) -> DualLanes {
        DualLanes(value: lhs.value * rhs.value,
                  tangents: lhs.tangents * rhs.value + lhs.value * rhs.tangents)
    }

    /// (a/b)' = (a' - (a/b)·b') / b per lane.
    @inlinable @inline(__always)
    public static func / (lhs: DualLanes, rhs: DualLanes) -> DualLanes {
        let q = lhs.value / rhs.value
        return DualLanes(value: q, tangents: (lhs.tangents - q * rhs.tangents) / rhs.value)
    }

    @inlinable @inline(__always)
    public static prefix func - (operand: DualLanes) -> DualLanes {
        DualLanes(value: -operand.value, tangents: -operand.tangents)
    }

    /// `1/x` with tangents `-x'/x²` per lane, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: DualLanes? {
        guard let r = value.reciprocal else { return nil }
        return DualLanes(value: r, tangents: -tangents * r * r)
    }
}

// MARK: - The chain rule: f(a + Σ b_k ε_k) = f(a) + Σ f'(a)·b_k ε_k

extension DualLanes {
    /// `value + slope·tangents`.
    @inlinable @inline(__always)
    public static func _chain(_ x: DualLanes, value: Double, slope: Double) -> DualLanes {
        DualLanes(value: value, tangents: slope * x.tangents)
    }

    /// `value + tangents / denominator`.
    @inlinable @inline(__always)
    public static func _chain(_ x: DualLanes, value: Double, denominator: Double) -> DualLanes {
        DualLanes(value: value, tangents: x.tangents / denominator)
    }

    /// `value + dx·x.tangents + dy·y.tangents`.
    @inlinable @inline(__always)
    public static func _chain(_ x: DualLanes, _ y: DualLanes, value: Double, _ dx: Double, _ dy: Double) -> DualLanes {
        DualLanes(value: value, tangents: dx * x.tangents + dy * y.tangents)
    }
}
