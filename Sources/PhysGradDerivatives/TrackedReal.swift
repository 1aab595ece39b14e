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
/// Comparisons look at the primal value only. Elementary functions record the same partial
/// derivatives as ``Dual`` computes (``ChainRuleScalar``), with the same special points (sqrt
/// at 0 is infinite, integer powers are exact at 0).
///
/// A `TrackedReal` refers to its tape without retaining it: it is valid only while its tape
/// is alive and not reset. It is not `Sendable`.
@frozen
public struct TrackedReal<Base: PhysGradReal>: ChainRuleScalar {
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
    public static prefix func - (operand: TrackedReal) -> TrackedReal {
        _affine(operand, value: -operand.value, scale: -operand.scale)
    }

    @inlinable
    public var reciprocal: TrackedReal? {
        guard let r = value.reciprocal else { return nil }
        return TrackedReal._unary(self, value: r, partial: -r * r)
    }
}

// MARK: - The chain rule: one record with the local partial derivatives

extension TrackedReal {
    /// A record with partial `slope` in `x`.
    @inlinable @inline(__always)
    public static func _chain(_ x: TrackedReal, value: Base, slope: Base) -> TrackedReal {
        _unary(x, value: value, partial: slope)
    }

    /// A record with partial `1 / denominator` in `x`.
    @inlinable @inline(__always)
    public static func _chain(_ x: TrackedReal, value: Base, denominator: Base) -> TrackedReal {
        _unary(x, value: value, partial: 1 / denominator)
    }

    /// A record with partials `dx` in `x` and `dy` in `y`.
    @inlinable @inline(__always)
    public static func _chain(_ x: TrackedReal, _ y: TrackedReal, value: Base, _ dx: Base, _ dy: Base) -> TrackedReal {
        _binary(x, y, value: value, dx, dy)
    }
}
