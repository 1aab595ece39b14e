// Elementary functions of dual numbers: f(a + b·ε) = f(a) + f'(a)·b·ε.
import RealModule

extension Dual {
    /// Applies the chain rule: `f(value) + f'(value)·derivative·ε`.
    @inlinable @inline(__always)
    internal static func _chain(_ x: Dual, value: Base, slope: Base) -> Dual {
        Dual(value: value, derivative: slope * x.derivative)
    }

    @inlinable public static func exp(_ x: Dual) -> Dual {
        let e = Base.exp(x.value)
        return _chain(x, value: e, slope: e)
    }

    @inlinable public static func expMinusOne(_ x: Dual) -> Dual {
        _chain(x, value: Base.expMinusOne(x.value), slope: Base.exp(x.value))
    }

    @inlinable public static func log(_ x: Dual) -> Dual {
        Dual(value: Base.log(x.value), derivative: x.derivative / x.value)
    }

    @inlinable public static func log(onePlus x: Dual) -> Dual {
        Dual(value: Base.log(onePlus: x.value), derivative: x.derivative / (1 + x.value))
    }

    @inlinable public static func sin(_ x: Dual) -> Dual {
        let (s, c) = Base.sinAndCos(x.value)
        return _chain(x, value: s, slope: c)
    }

    @inlinable public static func cos(_ x: Dual) -> Dual {
        let (s, c) = Base.sinAndCos(x.value)
        return _chain(x, value: c, slope: -s)
    }

    /// sin and cos from one `Base.sinAndCos` of the value.
    @inlinable public static func sinAndCos(_ x: Dual) -> (sin: Dual, cos: Dual) {
        let (s, c) = Base.sinAndCos(x.value)
        return (Dual(value: s, derivative: c * x.derivative), Dual(value: c, derivative: -s * x.derivative))
    }

    /// d tan = (1 + tan²).
    @inlinable public static func tan(_ x: Dual) -> Dual {
        let t = Base.tan(x.value)
        return _chain(x, value: t, slope: 1 + t * t)
    }

    /// d asin = 1/sqrt((1-x)(1+x)): infinite at ±1.
    @inlinable public static func asin(_ x: Dual) -> Dual {
        Dual(value: Base.asin(x.value),
             derivative: x.derivative / Base.sqrt((1 - x.value) * (1 + x.value)))
    }

    /// d acos = -1/sqrt((1-x)(1+x)): infinite at ±1.
    @inlinable public static func acos(_ x: Dual) -> Dual {
        Dual(value: Base.acos(x.value),
             derivative: -x.derivative / Base.sqrt((1 - x.value) * (1 + x.value)))
    }

    @inlinable public static func atan(_ x: Dual) -> Dual {
        Dual(value: Base.atan(x.value), derivative: x.derivative / (1 + x.value * x.value))
    }

    @inlinable public static func sinh(_ x: Dual) -> Dual {
        _chain(x, value: Base.sinh(x.value), slope: Base.cosh(x.value))
    }

    @inlinable public static func cosh(_ x: Dual) -> Dual {
        _chain(x, value: Base.cosh(x.value), slope: Base.sinh(x.value))
    }

    /// d tanh = 1 - tanh².
    @inlinable public static func tanh(_ x: Dual) -> Dual {
        let t = Base.tanh(x.value)
        return _chain(x, value: t, slope: 1 - t * t)
    }

    @inlinable public static func asinh(_ x: Dual) -> Dual {
        Dual(value: Base.asinh(x.value), derivative: x.derivative / Base.sqrt(1 + x.value * x.value))
    }

    /// d acosh = 1/(sqrt(x-1)·sqrt(x+1)): infinite at 1.
    @inlinable public static func acosh(_ x: Dual) -> Dual {
        Dual(value: Base.acosh(x.value),
             derivative: x.derivative / (Base.sqrt(x.value - 1) * Base.sqrt(x.value + 1)))
    }

    /// d atanh = 1/((1-x)(1+x)): infinite at ±1.
    @inlinable public static func atanh(_ x: Dual) -> Dual {
        Dual(value: Base.atanh(x.value), derivative: x.derivative / ((1 - x.value) * (1 + x.value)))
    }

    /// d sqrt = 1/(2 sqrt x). At x = 0 the derivative part is derivative/0: ±inf, or NaN where
    /// the derivative part is 0 (see the type's documentation).
    @inlinable public static func sqrt(_ x: Dual) -> Dual {
        let s = Base.sqrt(x.value)
        return Dual(value: s, derivative: x.derivative / (s + s))
    }

    /// d root(x, n) = 1/(n·root(x,n)^(n-1)): infinite at 0 like `sqrt`.
    @inlinable public static func root(_ x: Dual, _ n: Int) -> Dual {
        let r = Base.root(x.value, n)
        return Dual(value: r, derivative: x.derivative / (Base(n) * Base.pow(r, n - 1)))
    }

    /// x^n for an integer n: d = n·x^(n-1), exact at x = 0 (x⁰ has derivative 0).
    @inlinable public static func pow(_ x: Dual, _ n: Int) -> Dual {
        if n == 0 { return Dual(value: 1, derivative: 0) }
        return _chain(x, value: Base.pow(x.value, n), slope: Base(n) * Base.pow(x.value, n - 1))
    }

    /// x^y for a real exponent (swift-numerics semantics: NaN for x < 0 and for x = y = 0).
    /// Partials: y·x^(y-1) in x (exactly 1 at x = 0, y = 1) and x^y·log x in y (0 when x ≤ 0).
    @inlinable public static func pow(_ x: Dual, _ y: Dual) -> Dual {
        let p = Base.pow(x.value, y.value)
        // y·x^(y-1), except at x = 0, y = 1 where swift-numerics gives pow(0, 0) = NaN and the
        // partial is exactly 1.
        let dx: Base = x.value == 0 && y.value == 1 ? 1 : y.value * Base.pow(x.value, y.value - 1)
        let dy: Base = x.value > 0 ? p * Base.log(x.value) : 0
        return Dual(value: p, derivative: dx * x.derivative + dy * y.derivative)
    }

    /// atan2(y, x): partials x/(x²+y²) in y and -y/(x²+y²) in x.
    @inlinable public static func atan2(y: Dual, x: Dual) -> Dual {
        let r2 = x.value * x.value + y.value * y.value
        return Dual(value: Base.atan2(y: y.value, x: x.value),
                    derivative: (x.value * y.derivative - y.value * x.derivative) / r2)
    }
}
