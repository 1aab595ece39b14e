// Reverse-mode scalar: a value plus its node on a ReverseTape.
import RealModule

/// A scalar recorded on a ``ReverseTape`` for reverse-mode differentiation.
///
/// Every operation on tracked scalars computes its value and appends one record (parents and
/// partial derivatives) to the tape of its operands. Constants (literals, `T(someDouble)`) are
/// not on any tape and cost no record when combined with each other; affine operations of a
/// tracked scalar with a constant (`x + c`, `c - x`, `c * x`, `x / c`, `-x`) cost no record
/// either: the scalar carries a scale that the next recorded operation folds into its partials.
///
/// `Base` is the type of values and partials: `TrackedReal<Double>` for gradients,
/// `TrackedReal<Dual<Double>>` for forward-over-reverse Hessian-vector products,
/// `TrackedReal<DualLanes<SIMD8<Double>>>` for dense Hessians 8 columns per pass.
/// Comparisons look at the primal value only. Elementary functions have the same derivatives
/// and the same documented special points as ``Dual`` (sqrt at 0 is infinite, integer powers
/// are exact at 0).
///
/// A `TrackedReal` refers to its tape without retaining it: it is valid only while its tape
/// is alive and not reset. It is not `Sendable`.
@frozen
public struct TrackedReal<Base: PhysGradReal>: PhysGradReal {
    /// The primal value.
    public let value: Base
    /// The derivative of `value` with respect to record `index`. Operations with a constant
    /// that are affine (`x + c`, `c - x`, `c * x`, `x / c`, `-x`) record nothing: they return
    /// the operand's record with an updated value and scale, and the next recorded operation
    /// multiplies its partials by the scales.
    @usableFromInline let scale: Base
    /// Index of this scalar's record on its tape (0 for constants).
    @usableFromInline let index: Int32
    /// The tape's header, nil for constants.
    @usableFromInline let tape: UnsafeMutablePointer<_TapeHeader<Base>>?

    @inlinable @inline(__always)
    init(value: Base, index: Int32, tape: UnsafeMutablePointer<_TapeHeader<Base>>) {
        self.value = value
        self.scale = 1
        self.index = index
        self.tape = tape
    }

    @inlinable @inline(__always)
    init(value: Base, scale: Base, index: Int32, tape: UnsafeMutablePointer<_TapeHeader<Base>>?) {
        self.value = value
        self.scale = scale
        self.index = index
        self.tape = tape
    }

    /// A constant: on no tape, zero derivative.
    @inlinable @inline(__always)
    public init(constant value: Base) {
        self.value = value
        self.scale = 0
        self.index = 0
        self.tape = nil
    }

    /// Whether this scalar is recorded on a tape (false for constants).
    @inlinable
    public var isTracked: Bool { tape != nil }

    @inlinable @inline(__always)
    public init(_ value: Double) { self.init(constant: Base(value)) }

    @inlinable @inline(__always)
    public init(_ value: Int) { self.init(constant: Base(value)) }

    @inlinable @inline(__always)
    public init(floatLiteral value: Double) { self.init(constant: Base(value)) }

    @inlinable @inline(__always)
    public init(integerLiteral value: Int) { self.init(constant: Base(value)) }

    @inlinable
    public init?<T: BinaryInteger>(exactly source: T) {
        guard let v = Base(exactly: source) else { return nil }
        self.init(constant: v)
    }

    @inlinable @inline(__always)
    public var primalValue: Double { value.primalValue }

    @inlinable @inline(__always)
    public static var zero: TrackedReal { TrackedReal(constant: 0) }

    /// `|x|` (derivative `sign(x)`, +1 at 0).
    @inlinable @inline(__always)
    public var magnitude: TrackedReal { value < 0 ? -self : self }

    // MARK: recording

    /// Result of a unary operation with local derivative `partial`.
    @inlinable @inline(__always)
    static func _unary(_ x: TrackedReal, value: Base, partial: Base) -> TrackedReal {
        guard let t = x.tape else { return TrackedReal(constant: value) }
        let i = t.pointee.pushUnary(x.index, partial * x.scale)
        return TrackedReal(value: value, index: i, tape: t)
    }

    /// Result of a binary operation with local partials `partial0` in `x`, `partial1` in `y`.
    @inlinable @inline(__always)
    static func _binary(_ x: TrackedReal, _ y: TrackedReal, value: Base, _ partial0: Base, _ partial1: Base) -> TrackedReal {
        if let t = x.tape {
            let i: Int32
            if let ty = y.tape {
                precondition(t == ty, "TrackedReal: operands recorded on different tapes")
                // x op x (squares): one parent, so the sweep updates one slot once.
                i = x.index == y.index ? t.pointee.pushUnary(x.index, partial0 * x.scale + partial1 * y.scale)
                                       : t.pointee.push(x.index, partial0 * x.scale, y.index, partial1 * y.scale)
            } else {
                i = t.pointee.pushUnary(x.index, partial0 * x.scale)
            }
            return TrackedReal(value: value, index: i, tape: t)
        } else if let t = y.tape {
            return TrackedReal(value: value, index: t.pointee.pushUnary(y.index, partial1 * y.scale), tape: t)
        }
        return TrackedReal(constant: value)
    }
}

extension TrackedReal: CustomStringConvertible {
    public var description: String { tape == nil ? "\(value)" : "\(value) (tape node \(index))" }
}

// MARK: - Comparison (primal value only)

extension TrackedReal {
    @inlinable @inline(__always)
    public static func == (lhs: TrackedReal, rhs: TrackedReal) -> Bool { lhs.value == rhs.value }

    @inlinable @inline(__always)
    public static func < (lhs: TrackedReal, rhs: TrackedReal) -> Bool { lhs.value < rhs.value }
}

// MARK: - Field arithmetic

extension TrackedReal {
    /// `x` shifted and scaled by constants: same record, no tape entry.
    @inlinable @inline(__always)
    static func _affine(_ x: TrackedReal, value: Base, scale: Base) -> TrackedReal {
        TrackedReal(value: value, scale: scale, index: x.index, tape: x.tape)
    }

    @inlinable @inline(__always)
    public static func + (lhs: TrackedReal, rhs: TrackedReal) -> TrackedReal {
        if rhs.tape == nil { return _affine(lhs, value: lhs.value + rhs.value, scale: lhs.scale) }
        if lhs.tape == nil { return _affine(rhs, value: lhs.value + rhs.value, scale: rhs.scale) }
        return _binary(lhs, rhs, value: lhs.value + rhs.value, 1, 1)
    }

    @inlinable @inline(__always)
    public static func - (lhs: TrackedReal, rhs: TrackedReal) -> TrackedReal {
        if rhs.tape == nil { return _affine(lhs, value: lhs.value - rhs.value, scale: lhs.scale) }
        if lhs.tape == nil { return _affine(rhs, value: lhs.value - rhs.value, scale: -rhs.scale) }
        return _binary(lhs, rhs, value: lhs.value - rhs.value, 1, -1)
    }

    @inlinable @inline(__always)
    public static func * (lhs: TrackedReal, rhs: TrackedReal) -> TrackedReal {
        if rhs.tape == nil { return _affine(lhs, value: lhs.value * rhs.value, scale: lhs.scale * rhs.value) }
        if lhs.tape == nil { return _affine(rhs, value: lhs.value * rhs.value, scale: lhs.value * rhs.scale) }
        return _binary(lhs, rhs, value: lhs.value * rhs.value, rhs.value, lhs.value)
    }

    /// Partials 1/y and -(x/y)/y.
    @inlinable @inline(__always)
    public static func / (lhs: TrackedReal, rhs: TrackedReal) -> TrackedReal {
        let q = lhs.value / rhs.value
        if rhs.tape == nil { return _affine(lhs, value: q, scale: lhs.scale / rhs.value) }
        return _binary(lhs, rhs, value: q, 1 / rhs.value, -q / rhs.value)
    }

    @inlinable @inline(__always)
    public static func += (lhs: inout TrackedReal, rhs: TrackedReal) { lhs = lhs + rhs }

    @inlinable @inline(__always)
    public static func -= (lhs: inout TrackedReal, rhs: TrackedReal) { lhs = lhs - rhs }

    @inlinable @inline(__always)
    public static func *= (lhs: inout TrackedReal, rhs: TrackedReal) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public static func /= (lhs: inout TrackedReal, rhs: TrackedReal) { lhs = lhs / rhs }

    @inlinable @inline(__always)
    public static prefix func - (operand: TrackedReal) -> TrackedReal {
        _affine(operand, value: -operand.value, scale: -operand.scale)
    }

    @inlinable @inline(__always)
    public mutating func negate() { self = -self }

    @inlinable
    public var reciprocal: TrackedReal? {
        guard let r = value.reciprocal else { return nil }
        return TrackedReal._unary(self, value: r, partial: -r * r)
    }
}

// MARK: - Elementary functions

extension TrackedReal {
    @inlinable public static func exp(_ x: TrackedReal) -> TrackedReal {
        let e = Base.exp(x.value)
        return _unary(x, value: e, partial: e)
    }

    @inlinable public static func expMinusOne(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.expMinusOne(x.value), partial: Base.exp(x.value))
    }

    @inlinable public static func log(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.log(x.value), partial: 1 / x.value)
    }

    @inlinable public static func log(onePlus x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.log(onePlus: x.value), partial: 1 / (1 + x.value))
    }

    @inlinable public static func sin(_ x: TrackedReal) -> TrackedReal {
        let (s, c) = Base.sinAndCos(x.value)
        return _unary(x, value: s, partial: c)
    }

    @inlinable public static func cos(_ x: TrackedReal) -> TrackedReal {
        let (s, c) = Base.sinAndCos(x.value)
        return _unary(x, value: c, partial: -s)
    }

    @inlinable public static func sinAndCos(_ x: TrackedReal) -> (sin: TrackedReal, cos: TrackedReal) {
        let (s, c) = Base.sinAndCos(x.value)
        return (_unary(x, value: s, partial: c), _unary(x, value: c, partial: -s))
    }

    @inlinable public static func tan(_ x: TrackedReal) -> TrackedReal {
        let t = Base.tan(x.value)
        return _unary(x, value: t, partial: 1 + t * t)
    }

    @inlinable public static func asin(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.asin(x.value), partial: 1 / Base.sqrt((1 - x.value) * (1 + x.value)))
    }

    @inlinable public static func acos(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.acos(x.value), partial: -1 / Base.sqrt((1 - x.value) * (1 + x.value)))
    }

    @inlinable public static func atan(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.atan(x.value), partial: 1 / (1 + x.value * x.value))
    }

    @inlinable public static func sinh(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.sinh(x.value), partial: Base.cosh(x.value))
    }

    @inlinable public static func cosh(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.cosh(x.value), partial: Base.sinh(x.value))
    }

    @inlinable public static func tanh(_ x: TrackedReal) -> TrackedReal {
        let t = Base.tanh(x.value)
        return _unary(x, value: t, partial: 1 - t * t)
    }

    @inlinable public static func asinh(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.asinh(x.value), partial: 1 / Base.sqrt(1 + x.value * x.value))
    }

    @inlinable public static func acosh(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.acosh(x.value), partial: 1 / (Base.sqrt(x.value - 1) * Base.sqrt(x.value + 1)))
    }

    @inlinable public static func atanh(_ x: TrackedReal) -> TrackedReal {
        _unary(x, value: Base.atanh(x.value), partial: 1 / ((1 - x.value) * (1 + x.value)))
    }

    /// Partial 1/(2 sqrt x): +inf at 0 (see ``Dual`` for the special points).
    @inlinable public static func sqrt(_ x: TrackedReal) -> TrackedReal {
        let s = Base.sqrt(x.value)
        return _unary(x, value: s, partial: 1 / (s + s))
    }

    @inlinable public static func root(_ x: TrackedReal, _ n: Int) -> TrackedReal {
        let r = Base.root(x.value, n)
        return _unary(x, value: r, partial: 1 / (Base(n) * Base.pow(r, n - 1)))
    }

    /// x^n, partial n·x^(n-1), exact at 0 (0 for n = 0).
    @inlinable public static func pow(_ x: TrackedReal, _ n: Int) -> TrackedReal {
        if n == 0 { return TrackedReal(constant: 1) }
        return _unary(x, value: Base.pow(x.value, n), partial: Base(n) * Base.pow(x.value, n - 1))
    }

    /// x^y, partials y·x^(y-1) (exactly 1 at x = 0, y = 1) and x^y·log x (0 when x ≤ 0).
    @inlinable public static func pow(_ x: TrackedReal, _ y: TrackedReal) -> TrackedReal {
        let p = Base.pow(x.value, y.value)
        // y·x^(y-1), except at x = 0, y = 1 where swift-numerics gives pow(0, 0) = NaN and the
        // partial is exactly 1.
        let dx: Base = x.value == 0 && y.value == 1 ? 1 : y.value * Base.pow(x.value, y.value - 1)
        let dy: Base = x.value > 0 ? p * Base.log(x.value) : 0
        return _binary(x, y, value: p, dx, dy)
    }

    @inlinable public static func atan2(y: TrackedReal, x: TrackedReal) -> TrackedReal {
        let r2 = x.value * x.value + y.value * y.value
        return _binary(y, x, value: Base.atan2(y: y.value, x: x.value), x.value / r2, -y.value / r2)
    }
}
