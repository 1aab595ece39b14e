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
/// The elementary functions are `@inline(__always)`: each is one `Double` function and a few
/// vector operations, and inlining `sinAndCos` into `TrackedReal.sin` measured 10.4 -> 9.4 ms
/// for the n = 1000 Hessian of Σ x² sin x (the two structs of 80 bytes were returned through
/// memory).
///
/// Only first derivatives are carried (nesting is not needed: in forward-over-reverse the tape
/// supplies the other order). Comparisons look at `value` only, as for ``Dual``; the special
/// points of the elementary functions are those of ``Dual`` (sqrt at 0: ±inf or NaN lanes;
/// integer powers exact at 0; real powers follow swift-numerics).
@frozen
public struct DualLanes<Lanes: SIMD>: PhysGradReal where Lanes.Scalar == Double {
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

    @inlinable @inline(__always)
    public init(_ value: Double) { self.init(constant: value) }

    @inlinable @inline(__always)
    public init(_ value: Int) { self.init(constant: Double(value)) }

    @inlinable @inline(__always)
    public init(floatLiteral value: Double) { self.init(constant: value) }

    @inlinable @inline(__always)
    public init(integerLiteral value: Int) { self.init(constant: Double(value)) }

    @inlinable
    public init?<T: BinaryInteger>(exactly source: T) {
        guard let v = Double(exactly: source) else { return nil }
        self.init(constant: v)
    }

    @inlinable @inline(__always)
    public var primalValue: Double { value }

    /// `|x|`: tangents times sign(value); at `value = 0` the tangents are kept (right derivative).
    @inlinable @inline(__always)
    public var magnitude: DualLanes { value < 0 ? -self : self }

    @inlinable @inline(__always)
    public static var zero: DualLanes { DualLanes(constant: 0) }
}

extension DualLanes: Sendable where Lanes: Sendable {}

extension DualLanes: CustomStringConvertible {
    public var description: String { "\(value) + \(tangents)ε" }
}

// MARK: - Comparison (primal value only)

extension DualLanes {
    @inlinable @inline(__always)
    public static func == (lhs: DualLanes, rhs: DualLanes) -> Bool { lhs.value == rhs.value }

    @inlinable @inline(__always)
    public static func < (lhs: DualLanes, rhs: DualLanes) -> Bool { lhs.value < rhs.value }
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
    public static func += (lhs: inout DualLanes, rhs: DualLanes) { lhs = lhs + rhs }

    @inlinable @inline(__always)
    public static func -= (lhs: inout DualLanes, rhs: DualLanes) { lhs = lhs - rhs }

    @inlinable @inline(__always)
    public static func *= (lhs: inout DualLanes, rhs: DualLanes) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public static func /= (lhs: inout DualLanes, rhs: DualLanes) { lhs = lhs / rhs }

    @inlinable @inline(__always)
    public static prefix func - (operand: DualLanes) -> DualLanes {
        DualLanes(value: -operand.value, tangents: -operand.tangents)
    }

    @inlinable @inline(__always)
    public mutating func negate() { self = -self }

    /// `1/x` with tangents `-x'/x²` per lane, when `value` has a reciprocal.
    @inlinable
    public var reciprocal: DualLanes? {
        guard let r = value.reciprocal else { return nil }
        return DualLanes(value: r, tangents: -tangents * r * r)
    }
}

// MARK: - Elementary functions: f(a + Σ b_k ε_k) = f(a) + Σ f'(a)·b_k ε_k

extension DualLanes {
    /// The chain rule: `f(value) + f'(value)·tangents`.
    @inlinable @inline(__always)
    internal static func _chain(_ x: DualLanes, value: Double, slope: Double) -> DualLanes {
        DualLanes(value: value, tangents: slope * x.tangents)
    }

    @inlinable @inline(__always)
    public static func exp(_ x: DualLanes) -> DualLanes {
        let e = Double.exp(x.value)
        return _chain(x, value: e, slope: e)
    }

    @inlinable @inline(__always)
    public static func expMinusOne(_ x: DualLanes) -> DualLanes {
        _chain(x, value: Double.expMinusOne(x.value), slope: Double.exp(x.value))
    }

    @inlinable @inline(__always)
    public static func log(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.log(x.value), tangents: x.tangents / x.value)
    }

    @inlinable @inline(__always)
    public static func log(onePlus x: DualLanes) -> DualLanes {
        DualLanes(value: Double.log(onePlus: x.value), tangents: x.tangents / (1 + x.value))
    }

    @inlinable @inline(__always)
    public static func sin(_ x: DualLanes) -> DualLanes {
        let (s, c) = Double.sinAndCos(x.value)
        return _chain(x, value: s, slope: c)
    }

    @inlinable @inline(__always)
    public static func cos(_ x: DualLanes) -> DualLanes {
        let (s, c) = Double.sinAndCos(x.value)
        return _chain(x, value: c, slope: -s)
    }

    /// sin and cos from one `Double.sinAndCos` of the value.
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: DualLanes) -> (sin: DualLanes, cos: DualLanes) {
        let (s, c) = Double.sinAndCos(x.value)
        return (DualLanes(value: s, tangents: c * x.tangents), DualLanes(value: c, tangents: -s * x.tangents))
    }

    /// d tan = 1 + tan².
    @inlinable @inline(__always)
    public static func tan(_ x: DualLanes) -> DualLanes {
        let t = Double.tan(x.value)
        return _chain(x, value: t, slope: 1 + t * t)
    }

    /// d asin = 1/sqrt((1-x)(1+x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func asin(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.asin(x.value),
                  tangents: x.tangents / Double.sqrt((1 - x.value) * (1 + x.value)))
    }

    /// d acos = -1/sqrt((1-x)(1+x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func acos(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.acos(x.value),
                  tangents: -x.tangents / Double.sqrt((1 - x.value) * (1 + x.value)))
    }

    /// d atan = 1/(1 + x²).
    @inlinable @inline(__always)
    public static func atan(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.atan(x.value), tangents: x.tangents / (1 + x.value * x.value))
    }

    @inlinable @inline(__always)
    public static func sinh(_ x: DualLanes) -> DualLanes {
        _chain(x, value: Double.sinh(x.value), slope: Double.cosh(x.value))
    }

    @inlinable @inline(__always)
    public static func cosh(_ x: DualLanes) -> DualLanes {
        _chain(x, value: Double.cosh(x.value), slope: Double.sinh(x.value))
    }

    /// d tanh = 1 - tanh².
    @inlinable @inline(__always)
    public static func tanh(_ x: DualLanes) -> DualLanes {
        let t = Double.tanh(x.value)
        return _chain(x, value: t, slope: 1 - t * t)
    }

    /// d asinh = 1/sqrt(1 + x²).
    @inlinable @inline(__always)
    public static func asinh(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.asinh(x.value), tangents: x.tangents / Double.sqrt(1 + x.value * x.value))
    }

    /// d acosh = 1/(sqrt(x-1)·sqrt(x+1)): infinite at 1.
    @inlinable @inline(__always)
    public static func acosh(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.acosh(x.value),
                  tangents: x.tangents / (Double.sqrt(x.value - 1) * Double.sqrt(x.value + 1)))
    }

    /// d atanh = 1/((1-x)(1+x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func atanh(_ x: DualLanes) -> DualLanes {
        DualLanes(value: Double.atanh(x.value), tangents: x.tangents / ((1 - x.value) * (1 + x.value)))
    }

    /// d sqrt = 1/(2 sqrt x). At x = 0 each lane is tangent/0: ±inf, or NaN for a zero tangent.
    @inlinable @inline(__always)
    public static func sqrt(_ x: DualLanes) -> DualLanes {
        let s = Double.sqrt(x.value)
        return DualLanes(value: s, tangents: x.tangents / (s + s))
    }

    /// d root(x, n) = 1/(n·root(x,n)^(n-1)): infinite at 0 like `sqrt`.
    @inlinable @inline(__always)
    public static func root(_ x: DualLanes, _ n: Int) -> DualLanes {
        let r = Double.root(x.value, n)
        return DualLanes(value: r, tangents: x.tangents / (Double(n) * Double.pow(r, n - 1)))
    }

    /// x^n for an integer n: d = n·x^(n-1), exact at x = 0 (x⁰ has derivative 0).
    @inlinable @inline(__always)
    public static func pow(_ x: DualLanes, _ n: Int) -> DualLanes {
        if n == 0 { return DualLanes(constant: 1) }
        return _chain(x, value: Double.pow(x.value, n), slope: Double(n) * Double.pow(x.value, n - 1))
    }

    /// x^y for a real exponent (swift-numerics semantics: NaN for x < 0 and for x = y = 0).
    /// Partials: y·x^(y-1) in x (exactly 1 at x = 0, y = 1) and x^y·log x in y (0 when x ≤ 0).
    @inlinable @inline(__always)
    public static func pow(_ x: DualLanes, _ y: DualLanes) -> DualLanes {
        let p = Double.pow(x.value, y.value)
        let dx: Double = x.value == 0 && y.value == 1 ? 1 : y.value * Double.pow(x.value, y.value - 1)
        let dy: Double = x.value > 0 ? p * Double.log(x.value) : 0
        return DualLanes(value: p, tangents: dx * x.tangents + dy * y.tangents)
    }

    /// atan2(y, x): partials x/(x²+y²) in y and -y/(x²+y²) in x.
    @inlinable @inline(__always)
    public static func atan2(y: DualLanes, x: DualLanes) -> DualLanes {
        let r2 = x.value * x.value + y.value * y.value
        return DualLanes(value: Double.atan2(y: y.value, x: x.value),
                         tangents: (x.value * y.tangents - y.value * x.tangents) / r2)
    }
}
