// What Dual, DualLanes and TrackedReal share: a primal value with derivative parts that follow
// the chain rule. Their PhysGradReal conformance beyond field arithmetic (constants, literals,
// comparisons, compound assignment, |x|, the elementary functions) is written once, here.
import RealModule

/// A scalar that carries derivative parts along with its primal ``value``: ``Dual``, ``DualLanes``
/// and ``TrackedReal``.
///
/// A conforming type states how its derivative parts transform when a function is applied
/// (the chain rule, through the three `_chain` requirements) and its field arithmetic (`+`,
/// `-`, `*`, `/`, prefix `-`, `reciprocal`); everything else `PhysGradReal` asks for follows here,
/// once for every such type:
///
/// - constants, literals and conversions (`init(_:)`, `init(exactly:)`, ``zero``): no derivative;
/// - comparisons (`==`, `<`) and |x| (``magnitude``) look at the primal value only, so branches
///   follow the `Double` program (|x| keeps the derivative parts at 0, the right derivative);
/// - every elementary function f as `f(value)` with derivative parts times f'(value), from its
///   textbook derivative; where that derivative is a reciprocal, the parts are divided by its
///   denominator. Special points: `sqrt` and `root` at 0 divide by 0 (±inf, or NaN for a zero
///   part); `pow(x, n)` with an integer n is exact at 0; `pow(x, y)` with a real exponent
///   follows swift-numerics (NaN for x < 0 and for x = y = 0), with partial y·x^(y-1) in x
///   (exactly 1 at x = 0, y = 1) and x^y·log x in y (0 for x ≤ 0).
///
/// Every conforming type evaluates the same formulas in the same order, so the derivative
/// parts of ``DualLanes`` equal those of ``Dual`` lane by lane, bit for bit, and those of
/// ``TrackedReal`` are the same partial derivatives recorded on a tape.
public protocol ChainRuleScalar: PhysGradReal {
    /// The type of the primal value and of the local partial derivatives.
    associatedtype Primal: PhysGradReal
    /// The primal value.
    var value: Primal { get }
    /// The constant `value`: every derivative part 0.
    init(constant value: Primal)
    /// f(x) for a function with value `value` = f(x.value) and derivative `slope` = f'(x.value):
    /// the derivative parts of `x` times `slope`.
    static func _chain(_ x: Self, value: Primal, slope: Primal) -> Self
    /// f(x) for a function with derivative f'(x.value) = 1 / `denominator`: the derivative parts
    /// of `x` divided by `denominator`.
    static func _chain(_ x: Self, value: Primal, denominator: Primal) -> Self
    /// g(x, y) for a function of two arguments with partial derivatives `dx` = ∂g/∂x and
    /// `dy` = ∂g/∂y at the primal values: `dx` times x's derivative parts plus `dy` times y's.
    static func _chain(_ x: Self, _ y: Self, value: Primal, _ dx: Primal, _ dy: Primal) -> Self
}

// MARK: - Constants, comparisons, compound assignment

extension ChainRuleScalar {
    /// The constant `value`, rounded to the primal type, with zero derivative.
    @inlinable @inline(__always)
    public init(_ value: Double) { self.init(constant: Primal(value)) }

    /// The constant `value`, with zero derivative.
    @inlinable @inline(__always)
    public init(_ value: Int) { self.init(constant: Primal(value)) }

    @inlinable @inline(__always)
    public init(floatLiteral value: Double) { self.init(constant: Primal(value)) }

    @inlinable @inline(__always)
    public init(integerLiteral value: Int) { self.init(constant: Primal(value)) }

    /// The constant `source` when the primal type represents it exactly.
    @inlinable
    public init?<T: BinaryInteger>(exactly source: T) {
        guard let v = Primal(exactly: source) else { return nil }
        self.init(constant: v)
    }

    /// The primal value rounded to `Double`.
    @inlinable @inline(__always)
    public var primalValue: Double { value.primalValue }

    /// The constant 0.
    @inlinable @inline(__always)
    public static var zero: Self { Self(constant: 0) }

    /// |x|: `-x` for a negative primal value, else `x` (at 0 the derivative parts are kept: the
    /// right derivative).
    @inlinable @inline(__always)
    public var magnitude: Self { value < 0 ? -self : self }

    /// Equality of the primal values.
    @inlinable @inline(__always)
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }

    /// Order of the primal values.
    @inlinable @inline(__always)
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    @inlinable @inline(__always)
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

    @inlinable @inline(__always)
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public static func /= (lhs: inout Self, rhs: Self) { lhs = lhs / rhs }

    @inlinable @inline(__always)
    public mutating func negate() { self = -self }
}

// MARK: - Elementary functions: f(x) with derivative parts times f'(x)

extension ChainRuleScalar {
    /// d exp = exp.
    @inlinable @inline(__always)
    public static func exp(_ x: Self) -> Self {
        let e = Primal.exp(x.value)
        return _chain(x, value: e, slope: e)
    }

    /// d (exp - 1) = exp.
    @inlinable @inline(__always)
    public static func expMinusOne(_ x: Self) -> Self {
        _chain(x, value: Primal.expMinusOne(x.value), slope: Primal.exp(x.value))
    }

    /// d log = 1/x.
    @inlinable @inline(__always)
    public static func log(_ x: Self) -> Self {
        _chain(x, value: Primal.log(x.value), denominator: x.value)
    }

    /// d log(1 + x) = 1/(1 + x).
    @inlinable @inline(__always)
    public static func log(onePlus x: Self) -> Self {
        _chain(x, value: Primal.log(onePlus: x.value), denominator: 1 + x.value)
    }

    /// d sin = cos.
    @inlinable @inline(__always)
    public static func sin(_ x: Self) -> Self {
        let (s, c) = Primal.sinAndCos(x.value)
        return _chain(x, value: s, slope: c)
    }

    /// d cos = -sin.
    @inlinable @inline(__always)
    public static func cos(_ x: Self) -> Self {
        let (s, c) = Primal.sinAndCos(x.value)
        return _chain(x, value: c, slope: -s)
    }

    /// sin and cos from one `sinAndCos` of the primal value.
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: Self) -> (sin: Self, cos: Self) {
        let (s, c) = Primal.sinAndCos(x.value)
        return (_chain(x, value: s, slope: c), _chain(x, value: c, slope: -s))
    }

    /// d tan = 1 + tan².
    @inlinable @inline(__always)
    public static func tan(_ x: Self) -> Self {
        let t = Primal.tan(x.value)
        return _chain(x, value: t, slope: 1 + t * t)
    }

    /// d asin = 1/sqrt((1 - x)(1 + x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func asin(_ x: Self) -> Self {
        _chain(x, value: Primal.asin(x.value), denominator: Primal.sqrt((1 - x.value) * (1 + x.value)))
    }

    /// d acos = -1/sqrt((1 - x)(1 + x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func acos(_ x: Self) -> Self {
        _chain(x, value: Primal.acos(x.value), denominator: -Primal.sqrt((1 - x.value) * (1 + x.value)))
    }

    /// d atan = 1/(1 + x²).
    @inlinable @inline(__always)
    public static func atan(_ x: Self) -> Self {
        _chain(x, value: Primal.atan(x.value), denominator: 1 + x.value * x.value)
    }

    /// d sinh = cosh.
    @inlinable @inline(__always)
    public static func sinh(_ x: Self) -> Self {
        _chain(x, value: Primal.sinh(x.value), slope: Primal.cosh(x.value))
    }

    /// d cosh = sinh.
    @inlinable @inline(__always)
    public static func cosh(_ x: Self) -> Self {
        _chain(x, value: Primal.cosh(x.value), slope: Primal.sinh(x.value))
    }

    /// d tanh = 1 - tanh² = 1/cosh². For |x| <= 1 the slope is 1 - tanh²; above, where tanh
    /// approaches ±1 and 1 - tanh² cancels (all digits lost from |x| ≈ 19 on, where tanh rounds
    /// to ±1), it is (1/cosh x)², accurate until it underflows near |x| = 372.
    @inlinable @inline(__always)
    public static func tanh(_ x: Self) -> Self {
        let t = Primal.tanh(x.value)
        if x.value.magnitude > 1 {
            let r = 1 / Primal.cosh(x.value)
            return _chain(x, value: t, slope: r * r)
        }
        return _chain(x, value: t, slope: 1 - t * t)
    }

    /// d asinh = 1/sqrt(1 + x²); for |x| > 2⁵⁰⁰, where x² would overflow and sqrt(1 + x²) is |x|
    /// to double precision, the denominator is |x|.
    @inlinable @inline(__always)
    public static func asinh(_ x: Self) -> Self {
        let a = x.value.magnitude
        return _chain(x, value: Primal.asinh(x.value),
                      denominator: a > Primal(0x1p500) ? a : Primal.sqrt(1 + x.value * x.value))
    }

    /// d acosh = 1/(sqrt(x - 1)·sqrt(x + 1)): infinite at 1.
    @inlinable @inline(__always)
    public static func acosh(_ x: Self) -> Self {
        _chain(x, value: Primal.acosh(x.value),
               denominator: Primal.sqrt(x.value - 1) * Primal.sqrt(x.value + 1))
    }

    /// d atanh = 1/((1 - x)(1 + x)): infinite at ±1.
    @inlinable @inline(__always)
    public static func atanh(_ x: Self) -> Self {
        _chain(x, value: Primal.atanh(x.value), denominator: (1 - x.value) * (1 + x.value))
    }

    /// d sqrt = 1/(2 sqrt x). At x = 0 the derivative parts are divided by 0: ±inf, or NaN for
    /// a zero part (sqrt is not differentiable there; regularize where 0 is reachable).
    @inlinable @inline(__always)
    public static func sqrt(_ x: Self) -> Self {
        let s = Primal.sqrt(x.value)
        return _chain(x, value: s, denominator: s + s)
    }

    /// d root(x, n) = 1/(n·root(x, n)^(n-1)): infinite at 0, like `sqrt` (for n = Int.min,
    /// root^(n-1) is computed as rootⁿ/root).
    @inlinable @inline(__always)
    public static func root(_ x: Self, _ n: Int) -> Self {
        let r = Primal.root(x.value, n)
        let power = n == Int.min ? Primal.pow(r, n) / r : Primal.pow(r, n - 1)
        return _chain(x, value: r, denominator: Primal(n) * power)
    }

    /// xⁿ for an integer n: d = n·x^(n-1), exact at x = 0 (x⁰ is the constant 1). For n = Int.min,
    /// whose n - 1 is not an `Int`, x^(n-1) is computed as xⁿ/x.
    @inlinable @inline(__always)
    public static func pow(_ x: Self, _ n: Int) -> Self {
        if n == 0 { return Self(constant: 1) }
        let p = Primal.pow(x.value, n)
        let below = n == Int.min ? p / x.value : Primal.pow(x.value, n - 1)
        return _chain(x, value: p, slope: Primal(n) * below)
    }

    /// x^y for a real exponent (swift-numerics: NaN for x < 0 and for x = y = 0), with partials
    /// y·x^(y-1) in x (exactly 1 at x = 0, y = 1, where swift-numerics' pow(0, 0) is NaN) and
    /// x^y·log x in y (0 for x ≤ 0, where 0^y is constant).
    @inlinable @inline(__always)
    public static func pow(_ x: Self, _ y: Self) -> Self {
        let p = Primal.pow(x.value, y.value)
        let dx: Primal = x.value == 0 && y.value == 1 ? 1 : y.value * Primal.pow(x.value, y.value - 1)
        let dy: Primal = x.value > 0 ? p * Primal.log(x.value) : 0
        return _chain(x, y, value: p, dx, dy)
    }

    /// atan2(y, x), the angle of the point (x, y) in (-π, π]: partials x/(x² + y²) in y and
    /// -y/(x² + y²) in x (NaN at the origin). Where x² + y² would lose precision to underflow
    /// (below 2⁻⁹⁶⁸) or overflow, both coordinates are first divided by m = max(|x|, |y|):
    /// the partials are (x/m)/s/m and -(y/m)/s/m with s = (x/m)² + (y/m)² in [1, 2], accurate
    /// for every finite point but the origin.
    @inlinable @inline(__always)
    public static func atan2(y: Self, x: Self) -> Self {
        let value = Primal.atan2(y: y.value, x: x.value)
        let r2 = x.value * x.value + y.value * y.value
        if !(r2 >= Primal(0x1p-968) && r2 <= Primal(Double.greatestFiniteMagnitude)) {
            let m = Swift.max(x.value.magnitude, y.value.magnitude)
            if m > 0 && m <= Primal(Double.greatestFiniteMagnitude) {
                let xs = x.value / m, ys = y.value / m
                let s = xs * xs + ys * ys
                return _chain(y, x, value: value, xs / s / m, -ys / s / m)
            }
        }
        return _chain(y, x, value: value, x.value / r2, -y.value / r2)
    }
}
