// A vector recorded on an ArrayTape: one node per array operation.
import RealModule

/// A vector of `count` elements on an ``ArrayTape``: the value type of array-style models.
///
/// Operations on tracked vectors compute their values at once and append one node each to the
/// tape (nothing when the tape does not record or every operand is a constant): elementwise
/// arithmetic and elementary functions (broadcasting a count-1 vector over the other operand),
/// fused maps and stencils of small generic kernels, slices, shifts and rolls, gathers and
/// scatters, reductions, linear operators (dense and banded matrices through BLAS, or your
/// own), custom derivatives, generic scalar code, and checkpointed time loops.
///
/// A scalar is a count-1 vector (what ``sum()``, ``dot(_:)`` and ``squaredNorm()`` return).
///
/// A tracked vector refers to its tape without retaining it: it is valid while the tape is
/// alive and until its next `reset()` (checked), and it is not `Sendable`. Vectors of different
/// tapes must not be combined (checked).
@frozen
public struct TrackedVector<Base: PhysGradReal> {
    /// The tape that owns the values.
    public unowned(unsafe) let tape: ArrayTape<Base>
    /// The node that computed this vector (-1 for constants).
    public let node: Int32
    /// The tape's reset count when this vector was made (it is valid only while they match).
    @usableFromInline let generation: UInt32
    /// The number of elements.
    public let count: Int
    /// Element i is at `_values[i · stride]` (a strided view shares its source's storage); read
    /// through `values`, which fills a driver's lazily seeded input first.
    @usableFromInline let _values: UnsafeMutablePointer<Base>
    /// Distance between elements in `values` (1 except for views made by ``strided(from:by:count:)``).
    @usableFromInline let stride: Int
    /// Where element 0 sits in the node's arrays (its values, adjoint and tangent).
    @usableFromInline let offset: Int

    @inlinable @inline(__always)
    init(tape: ArrayTape<Base>, node: Int32, count: Int, values: UnsafeMutablePointer<Base>) {
        self.tape = tape
        self.node = node
        self.generation = tape._arena.pointee.generation
        self.count = count
        self._values = values
        self.stride = 1
        self.offset = 0
    }

    @inlinable @inline(__always)
    init(tape: ArrayTape<Base>, node: Int32, count: Int, values: UnsafeMutablePointer<Base>, stride: Int, offset: Int) {
        self.tape = tape
        self.node = node
        self.generation = tape._arena.pointee.generation
        self.count = count
        self._values = values
        self.stride = stride
        self.offset = offset
    }

    /// The element storage, filled first if it is a split input whose values are not yet
    /// written (`ArrayTape/_splitInput(_:x:v:product:)`).
    @inlinable @inline(__always)
    var values: UnsafeMutablePointer<Base> {
        _checkCurrent()
        if _slowPath(node >= 0 && node == tape._lazyInput) { tape._fillLazyInput() }
        return _values
    }

    /// Stops with a precondition failure when the tape was reset since this vector was made
    /// (its node and values then belong to later operations, or to nothing).
    @inlinable @inline(__always)
    public func _checkCurrent() {
        precondition(generation == tape._arena.pointee.generation, "TrackedVector: used after its tape's reset()")
    }

    /// Whether this vector is all of its node's array (not a view of part of it).
    @inlinable
    public var _isWhole: Bool {
        _checkCurrent()
        return stride == 1 && offset == 0 && (node < 0 || tape.nodes[Int(node)].count == count)
    }

    /// This vector as a whole node of its own: views are copied (one recorded copy), others returned as they are.
    /// Every operation except the fused maps starts with it; the maps read views in place.
    @inlinable
    public func _contiguous() -> TrackedVector {
        if _isWhole { return self }
        return _materialize()
    }

    /// Whether derivatives flow through this vector (false for constants and on tapes that do not record).
    @inlinable public var isTracked: Bool { node >= 0 }

    /// The element values (valid until the tape's next `reset()`); a strided view is copied first.
    @inlinable public var buffer: UnsafeBufferPointer<Base> {
        let c = stride == 1 ? self : _contiguous()
        return UnsafeBufferPointer(start: c.values, count: count)
    }

    /// The element values as an array.
    @inlinable public var array: [Base] {
        if stride == 1 { return Array(UnsafeBufferPointer(start: values, count: count)) }
        return [Base](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count { (out.baseAddress! + i).initialize(to: values[i &* stride]) }
            initialized = count
        }
    }

    /// The value of element `i`.
    @inlinable public subscript(i: Int) -> Base {
        precondition(i >= 0 && i < count, "TrackedVector: index \(i) out of 0..<\(count)")
        return values[i &* stride]
    }

    /// The value of a count-1 vector.
    @inlinable public var scalarValue: Base {
        precondition(count == 1, "TrackedVector: scalarValue of a vector with \(count) elements")
        return values[0]
    }

    /// A count-1 constant on `tape`.
    @inlinable
    public static func constant(_ value: Base, on tape: ArrayTape<Base>) -> TrackedVector {
        tape.constant(repeating: value, count: 1)
    }

    @inlinable @inline(__always)
    func _checkSameTape(_ other: TrackedVector) {
        precondition(tape === other.tape, "TrackedVector: operands recorded on different tapes")
        _checkCurrent()
        other._checkCurrent()
    }
}

// MARK: - Kernels

/// A function of one element, written once generically: `y_i = f(x_i, i)`. Its derivatives come
/// from evaluating it on ``Dual`` / ``DualLanes`` numbers inside the loop that applies it.
/// The index lets a kernel depend on the position (parity, variable coefficients).
public protocol ElementwiseKernel {
    func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T
}

/// A function of two elements, `y_i = f(a_i, b_i, i)`.
public protocol BinaryElementwiseKernel {
    func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T
}

/// A function of three elements, `y_i = f(a_i, b_i, c_i, i)`; as a stencil,
/// `y_i = f(u_{i-1}, u_i, u_{i+1}, i)`.
public protocol StencilKernel {
    func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, _ c: T, at i: Int) -> T
    /// The partials of the kernel in its tracked arguments (bit j of `mask`: argument j) at
    /// (a, b, c): an implementation detail with a default (one evaluation on dual lanes); the
    /// adapters of one- and two-argument kernels use fewer lanes.
    func _partials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base)
    /// The value and the partials of the kernel at (a, b, c), as `(callAsFunction, _partials)`
    /// give them: an implementation detail with a default (the two calls); the adapters of one-
    /// and two-argument kernels take both from one evaluation.
    func _valueAndPartials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base, Base)
}

extension StencilKernel {
    @inlinable @inline(__always)
    public func _partials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base) {
        _partials3(self, a, b, c, i, mask)
    }

    @inlinable @inline(__always)
    public func _valueAndPartials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base, Base) {
        let (da, db, dc) = _partials(a, b, c, at: i, mask: mask)
        return (self(a, b, c, at: i), da, db, dc)
    }
}

@frozen @usableFromInline
struct _Unary3<K: ElementwiseKernel>: StencilKernel {
    @usableFromInline let k: K
    @inlinable init(_ k: K) { self.k = k }
    @inlinable @inline(__always)
    func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, _ c: T, at i: Int) -> T { k(a, at: i) }

    /// One dual evaluation (nested for Dual<Double> elements: the partial and its ε-part).
    @inlinable @inline(__always)
    func _partials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base) {
        if Base.self == Dual<Double>.self {
            let d = unsafeBitCast(a, to: Dual<Double>.self)
            let r = k(Dual(value: d, derivative: Dual<Double>(constant: 1)), at: i)
            return (unsafeBitCast(r.derivative, to: Base.self), 0, 0)
        }
        return (k(Dual(value: a, derivative: 1), at: i).derivative, 0, 0)
    }

    /// The same evaluation as ``_partials(_:_:_:at:mask:)``; its value part is the value.
    @inlinable @inline(__always)
    func _valueAndPartials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base, Base) {
        let r = k(Dual(value: a, derivative: 1), at: i)
        return (r.value, r.derivative, 0, 0)
    }
}

@frozen @usableFromInline
struct _Binary3<K: BinaryElementwiseKernel>: StencilKernel {
    @usableFromInline let k: K
    @inlinable init(_ k: K) { self.k = k }
    @inlinable @inline(__always)
    func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, _ c: T, at i: Int) -> T { k(a, b, at: i) }

    /// One evaluation on ``_DualPair`` (scalar parts for Double elements, so loops over it
    /// vectorize; nested pairs for Dual<Double>; `_DualPair<Base>` for other elements).
    @inlinable @inline(__always)
    func _partials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base) {
        if Base.self == Double.self {
            typealias P = _DualPair<Double>
            let r = k(P(value: unsafeBitCast(a, to: Double.self), d0: 1, d1: 0, lanes: 1),
                      P(value: unsafeBitCast(b, to: Double.self), d0: 0, d1: 1, lanes: 2), at: i)
            return (unsafeBitCast(r.d0, to: Base.self), unsafeBitCast(r.d1, to: Base.self), 0)
        }
        if Base.self == Dual<Double>.self {
            let r = _nested(a, b, i)
            return (unsafeBitCast(Dual(value: r.value.d0, derivative: r.d0.d0), to: Base.self),
                    unsafeBitCast(Dual(value: r.value.d1, derivative: r.d0.d1), to: Base.self), 0)
        }
        let r = k(_DualPair(value: a, d0: 1, d1: 0, lanes: UInt8(truncatingIfNeeded: mask & 1)),
                  _DualPair(value: b, d0: 0, d1: 1, lanes: UInt8(truncatingIfNeeded: mask & 2)), at: i)
        return (r.d0, r.d1, 0)
    }

    /// `k` at Dual<Double> elements `a + a'ε`, `b + b'ε` on nested pairs: the outer pair's one
    /// part is ε (its bits keep the zero ε-parts of constants out of every product), the inner
    /// pairs' two parts are the partials in a and b. So `value` holds k and its two partials,
    /// `d0` their ε-parts: the directional derivative and the rows of H·(a', b').
    @inlinable @inline(__always)
    func _nested<Base: PhysGradReal>(_ a: Base, _ b: Base, _ i: Int) -> _DualPair<_DualPair<Double>> {
        typealias P = _DualPair<Double>
        typealias Q = _DualPair<P>
        let da = unsafeBitCast(a, to: Dual<Double>.self), db = unsafeBitCast(b, to: Dual<Double>.self)
        return k(Q(value: P(value: da.value, d0: 1, d1: 0, lanes: 1), d0: P(constant: da.derivative), d1: 0, lanes: 1),
                 Q(value: P(value: db.value, d0: 0, d1: 1, lanes: 2), d0: P(constant: db.derivative), d1: 0, lanes: 1), at: i)
    }

    /// The same evaluation as ``_partials(_:_:_:at:mask:)`` for Double and Dual<Double>
    /// elements; its value part is the value.
    @inlinable @inline(__always)
    func _valueAndPartials<Base: PhysGradReal>(_ a: Base, _ b: Base, _ c: Base, at i: Int, mask: Int) -> (Base, Base, Base, Base) {
        typealias P = _DualPair<Double>
        if Base.self == Double.self {
            let r = k(P(value: unsafeBitCast(a, to: Double.self), d0: 1, d1: 0, lanes: 1),
                      P(value: unsafeBitCast(b, to: Double.self), d0: 0, d1: 1, lanes: 2), at: i)
            return (unsafeBitCast(r.value, to: Base.self), unsafeBitCast(r.d0, to: Base.self), unsafeBitCast(r.d1, to: Base.self), 0)
        }
        if Base.self == Dual<Double>.self {
            let r = _nested(a, b, i)
            return (unsafeBitCast(Dual(value: r.value.value, derivative: r.d0.value), to: Base.self),
                    unsafeBitCast(Dual(value: r.value.d0, derivative: r.d0.d0), to: Base.self),
                    unsafeBitCast(Dual(value: r.value.d1, derivative: r.d0.d1), to: Base.self), 0)
        }
        let (pa, pb, _) = _partials(a, b, c, at: i, mask: mask)
        return (k(a, b, at: i), pa, pb, 0)
    }
}

/// Value and the partials of `k` in its tracked arguments (`mask` bit j: argument j is tracked).
/// For `Double` elements one evaluation on ``_DualTriple`` gives all three (scalar parts, so the
/// loops over points vectorize); for other elements one evaluation on `_DualTriple<Base>`.
@inlinable @inline(__always)
func _partials3<K: StencilKernel, Base: PhysGradReal>(
    _ k: K, _ a: Base, _ b: Base, _ c: Base, _ i: Int, _ mask: Int
) -> (Base, Base, Base) {
    if Base.self == Double.self {
        typealias T = _DualTriple<Double>
        let r = k(T(value: unsafeBitCast(a, to: Double.self), d0: 1, d1: 0, d2: 0, lanes: 1),
                  T(value: unsafeBitCast(b, to: Double.self), d0: 0, d1: 1, d2: 0, lanes: 2),
                  T(value: unsafeBitCast(c, to: Double.self), d0: 0, d1: 0, d2: 1, lanes: 4), at: i)
        return (unsafeBitCast(r.d0, to: Base.self), unsafeBitCast(r.d1, to: Base.self), unsafeBitCast(r.d2, to: Base.self))
    }
    if Base.self == Dual<Double>.self {
        // Forward-over-reverse elements: one evaluation on Dual<DualLanes<SIMD4<Double>>> gives the
        // three partials (lanes of the value part) and their ε-parts (lanes of the derivative part).
        typealias L = DualLanes<SIMD4<Double>>
        typealias D = Dual<L>
        let da = unsafeBitCast(a, to: Dual<Double>.self), db = unsafeBitCast(b, to: Dual<Double>.self)
        let dc = unsafeBitCast(c, to: Dual<Double>.self)
        let r = k(D(value: L(value: da.value, tangents: SIMD4(1, 0, 0, 0)), derivative: L(constant: da.derivative)),
                  D(value: L(value: db.value, tangents: SIMD4(0, 1, 0, 0)), derivative: L(constant: db.derivative)),
                  D(value: L(value: dc.value, tangents: SIMD4(0, 0, 1, 0)), derivative: L(constant: dc.derivative)), at: i)
        return (unsafeBitCast(Dual(value: r.value.tangents[0], derivative: r.derivative.tangents[0]), to: Base.self),
                unsafeBitCast(Dual(value: r.value.tangents[1], derivative: r.derivative.tangents[1]), to: Base.self),
                unsafeBitCast(Dual(value: r.value.tangents[2], derivative: r.derivative.tangents[2]), to: Base.self))
    }
    // Other elements (Hessian lanes): one evaluation on _DualTriple<Base>, the untracked
    // arguments' parts known to be zero.
    typealias T = _DualTriple<Base>
    let r = k(T(value: a, d0: 1, d1: 0, d2: 0, lanes: UInt8(truncatingIfNeeded: mask & 1)),
              T(value: b, d0: 0, d1: 1, d2: 0, lanes: UInt8(truncatingIfNeeded: mask & 2)),
              T(value: c, d0: 0, d1: 0, d2: 1, lanes: UInt8(truncatingIfNeeded: mask & 4)), at: i)
    return (r.d0, r.d1, r.d2)
}

// MARK: - Fused maps

extension TrackedVector {
    /// The core of every elementwise operation: `y_i = k(a_i, b_i, c_i, i)` (or, with `reduce`,
    /// the count-1 `Σ_i k(a_i, b_i, c_i, i)`), where each operand has `n` elements or one (broadcast).
    /// One node; its reverse and tangent rules evaluate `k` on duals in one loop, so it stores
    /// nothing but its values (one element when reducing).
    @inlinable
    static func _map3<K: StencilKernel>(_ k: K, _ a: TrackedVector, _ b: TrackedVector, _ c: TrackedVector,
                                        reduce: Bool) -> TrackedVector {
        a._checkSameTape(b)
        a._checkSameTape(c)
        let tape = a.tape
        // An empty operand makes the map empty (count-1 operands broadcast to 0 elements too): its
        // sum is 0, as for an empty view of a model with too few elements for one term.
        let n = a.count == 0 || b.count == 0 || c.count == 0 ? 0 : Swift.max(a.count, b.count, c.count)
        precondition((a.count == n || a.count == 1) && (b.count == n || b.count == 1) && (c.count == n || c.count == 1),
                     "TrackedVector: operand sizes \(a.count), \(b.count), \(c.count) do not broadcast")
        // Element strides: 0 broadcasts a count-1 operand; views read their source in place.
        let sa = a.count == 1 ? 0 : a.stride, sb = b.count == 1 ? 0 : b.stride, sc = c.count == 1 ? 0 : c.stride
        let oa = a.offset, ob = b.offset, oc = c.offset
        let wholeA = a._isWhole
        let na = a.node, nb = b.node, nc = c.node
        let mask = (na >= 0 ? 1 : 0) | (nb >= 0 ? 2 : 0) | (nc >= 0 ? 4 : 0)
        let gap: Int = oa - ob
        // The operands interleave in one source: a_i = x[lo + 2i + A], b_i = x[lo + 2i + B].
        // (c is then a constant read at one place: the binary kernels' unused third argument.)
        // (A one-term map reads its operands' views at their strides too: they are not broadcast.)
        let va = a.count == n ? a.stride : sa, vb = b.count == n ? b.stride : sb
        let pair = mask == 3 && na == nb && va == 2 && vb == 2 && sc == 0 && (gap == 1 || gap == -1)
        // One whole tracked operand, the others constants (broadcast or not, e.g. a target).
        let single = mask == 1 && va == 1 && wholeA
        // A map-sum over a Hessian-vector product's input x + vε held as two Double buffers: one
        // pass reads x and v there, and writes the ε-parts of the partials (the rows of H·v)
        // into the driver's result (see ArrayTape._splitInput). a's values stay unread (unfilled).
        let split = reduce && (pair || single) && Base.self == Dual<Double>.self ? tape._claimSplitProduct(na) : nil
        let isSplit = split != nil
        let av = isSplit ? a._values : a.values, bv = isSplit ? b._values : b.values, cv = c.values
        let out = tape._allocate(reduce ? 1 : n)
        // A map-sum over the input whose adjoint a driver holds in its own buffer (the gradient):
        // one pass computes the value and the partials and stores the partials there, so the
        // reverse sweep has nothing left to compute when this sum is the output (seed 1) and
        // nothing else reached the input first (see ArrayTape._claimPrecomputedAdjoint).
        if let split {
            if pair {
                let lo = Swift.min(oa, ob), x = split.x + lo, v = split.v + lo, h = split.product + lo
                out[0] = oa < ob ? _splitPairValueAndProducts(k, x, v, h, n, 0, 1, cv[0], mask)
                                 : _splitPairValueAndProducts(k, x, v, h, n, 1, 0, cv[0], mask)
            } else {
                out[0] = _splitSingleValueAndProducts(k, split.x, split.v, split.product, n, bv, sb, cv, sc, mask)
            }
        } else if reduce && (pair || single), let g = tape._claimPrecomputedAdjoint(na) {
            if pair {
                let lo = Swift.min(oa, ob), x = Swift.min(av, bv)
                out[0] = oa < ob ? _pairValueAndPartials(k, x, g + lo, n, 0, 1, cv[0], mask)
                                 : _pairValueAndPartials(k, x, g + lo, n, 1, 0, cv[0], mask)
            } else {
                out[0] = _singleValueAndPartials(k, av, g, n, bv, sb, cv, sc, mask)
            }
        } else if reduce {
            out[0] = _sum4(n) { i in k(av[i &* sa], bv[i &* sb], cv[i &* sc], at: i) }
        } else if sa == 1 && sb == 1 && sc == 1 {
            for i in 0..<n { out[i] = k(av[i], bv[i], cv[i], at: i) }
        } else if sa == 1 && sb == 0 && sc == 0 {
            let b0 = bv[0], c0 = cv[0]
            for i in 0..<n { out[i] = k(av[i], b0, c0, at: i) }
        } else if sa == 1 && sb == 1 && sc == 0 {
            let c0 = cv[0]
            for i in 0..<n { out[i] = k(av[i], bv[i], c0, at: i) }
        } else if sa == 2 && sb == 2 && sc == 0 {
            for i in 0..<n { out[i] = k(av[2 &* i], bv[2 &* i], cv[0], at: i) }
        } else {
            for i in 0..<n { out[i] = k(av[i &* sa], bv[i &* sb], cv[i &* sc], at: i) }
        }
        guard tape.isRecording, na >= 0 || nb >= 0 || nc >= 0 else {
            return TrackedVector(tape: tape, node: -1, count: reduce ? 1 : n, values: out)
        }
        return tape._record(count: reduce ? 1 : n, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                if isSplit {
                    if tape._useSplitProduct(of: me, source: na, first: pair ? Swift.min(oa, ob) : 0,
                                             count: pair ? 2 &* n : n, weight: ybar[0]) {
                        return
                    }
                    tape._fillLazyInput()  // the rule below reads a's values
                }
                if tape._usePrecomputedAdjoint(of: me, source: na, first: pair ? Swift.min(oa, ob) : 0,
                                               count: pair ? 2 &* n : n, weight: ybar[0]) {
                    return
                }
                let sy = reduce ? 0 : 1
                /// The adjoint of an operand's source, at the operand's first element (zero-filled when new).
                @inline(__always) func target(_ node: Int32, _ offset: Int) -> UnsafeMutablePointer<Base>? {
                    tape._adjointForAdding(node).map { $0 + offset }
                }
                if (sa != 0 || na < 0) && (sb != 0 || nb < 0) && (sc != 0 || nc < 0) {
                    // No tracked operand is broadcast: one loop per set of tracked operands; a whole
                    // operand's new adjoint is written directly (no zero fill) when it is the only one.
                    let w0 = ybar[0]
                    @inline(__always) func partials(_ i: Int) -> (Base, Base, Base, Base) {
                        let (da, db, dc) = k._partials(av[i &* sa], bv[i &* sb], cv[i &* sc], at: i, mask: mask)
                        return (da, db, dc, reduce ? w0 : ybar[i])
                    }
                    if pair {
                        // The operands interleave in one source (its elements lo, lo+2, ... and
                        // lo+1, lo+3, ...): one loop computes both partials and writes them into the
                        // source's adjoint, assigned where it is new (zeros only outside the pairs).
                        let lo = Swift.min(oa, ob), total = tape.nodes[Int(na)].count
                        let x = Swift.min(av, bv), c0 = cv[0]
                        tape._accumulateAdjoint(na) { adjoint, fresh in
                            if fresh {
                                adjoint.initialize(repeating: 0, count: lo)
                                let end: Int = lo + 2 * n
                                (adjoint + end).initialize(repeating: 0, count: total - end)
                            }
                            let g = adjoint + lo
                            if oa < ob {
                                _pairAdjoint(k, x, g, n, 0, 1, c0, mask, reduce ? nil : ybar, w0, fresh)
                            } else {
                                _pairAdjoint(k, x, g, n, 1, 0, c0, mask, reduce ? nil : ybar, w0, fresh)
                            }
                        }
                        return
                    }
                    switch mask {
                    case 1 where wholeA:
                        tape._accumulateAdjoint(na) { pa, fresh in
                            if fresh { for i in 0..<n { let (d, _, _, w) = partials(i); pa[i] = d * w } }
                            else { for i in 0..<n { let (d, _, _, w) = partials(i); pa[i] += d * w } }
                        }
                    case 3:
                        let pa = target(na, oa)!, pb = target(nb, ob)!
                        if sa == 2 && sb == 2 {
                            for i in 0..<n {
                                let (da, db, _, w) = partials(i)
                                pa[2 &* i] += da * w
                                pb[2 &* i] += db * w
                            }
                        } else {
                            for i in 0..<n {
                                let (da, db, _, w) = partials(i)
                                pa[i &* sa] += da * w
                                pb[i &* sb] += db * w
                            }
                        }
                    default:
                        let pa = target(na, oa), pb = target(nb, ob), pc = target(nc, oc)
                        for i in 0..<n {
                            let (da, db, dc, w) = partials(i)
                            if let pa { pa[i &* sa] += da * w }
                            if let pb { pb[i &* sb] += db * w }
                            if let pc { pc[i &* sc] += dc * w }
                        }
                    }
                    return
                }
                // Broadcast operands sum their contributions; full ones add elementwise.
                let pa = sa != 0 ? target(na, oa) : nil
                let pb = sb != 0 ? target(nb, ob) : nil
                let pc = sc != 0 ? target(nc, oc) : nil
                var ra: Base = 0, rb: Base = 0, rc: Base = 0
                for i in 0..<n {
                    let w = ybar[i &* sy]
                    let (da, db, dc) = k._partials(av[i &* sa], bv[i &* sb], cv[i &* sc], at: i, mask: mask)
                    if na >= 0 { if let pa { pa[i &* sa] += da * w } else { ra += da * w } }
                    if nb >= 0 { if let pb { pb[i &* sb] += db * w } else { rb += db * w } }
                    if nc >= 0 { if let pc { pc[i &* sc] += dc * w } else { rc += dc * w } }
                }
                if na >= 0 && sa == 0 { target(na, oa)![0] += ra }
                if nb >= 0 && sb == 0 { target(nb, ob)![0] += rb }
                if nc >= 0 && sc == 0 { target(nc, oc)![0] += rc }
            case .forward:
                if isSplit { tape._fillLazyInput() }
                let ta = tape._tangent(na).map { $0 + oa }, tb = tape._tangent(nb).map { $0 + ob }
                let tc = tape._tangent(nc).map { $0 + oc }
                guard ta != nil || tb != nil || tc != nil else { return }
                let t = tape._newTangent(me)
                var s: Base = 0
                for i in 0..<n {
                    let d = k(Dual(value: av[i &* sa], derivative: ta?[i &* sa] ?? 0),
                              Dual(value: bv[i &* sb], derivative: tb?[i &* sb] ?? 0),
                              Dual(value: cv[i &* sc], derivative: tc?[i &* sc] ?? 0), at: i).derivative
                    if reduce { s += d } else { t[i] = d }
                }
                if reduce { t[0] = s }
            }
        }
    }

    /// `Σ_i k(x[2i + A], x[2i + B], c, i)` summed as the plain map-sum sums, with the partials
    /// stored as `g[2i + A] = ∂k/∂a`, `g[2i + B] = ∂k/∂b` (one evaluation per term).
    @inlinable @inline(__always)
    static func _pairValueAndPartials<K: StencilKernel>(_ k: K, _ x: UnsafeMutablePointer<Base>, _ g: UnsafeMutablePointer<Base>,
                                                        _ n: Int, _ A: Int, _ B: Int, _ c: Base, _ mask: Int) -> Base {
        _blockedSum4(n) { start, m, values in
            for j in 0..<m {
                let i = start &+ j
                let (v, da, db, _) = k._valueAndPartials(x[2 &* i &+ A], x[2 &* i &+ B], c, at: i, mask: mask)
                g[2 &* i &+ A] = da
                g[2 &* i &+ B] = db
                values[j] = v
            }
        }
    }

    /// For `Dual<Double>` elements held as two `Double` buffers (a_i = x[2i + A] + v[2i + A]ε,
    /// b_i likewise at 2i + B): `Σ_i k(a_i, b_i, c, i)` summed as the plain map-sum sums, with the
    /// ε-parts of the partials stored as `h[2i + A] = ∂/∂ε ∂k/∂a`, `h[2i + B] = ∂/∂ε ∂k/∂b`
    /// (their value parts, the gradient, are not kept).
    @inlinable @inline(__always)
    static func _splitPairValueAndProducts<K: StencilKernel>(
        _ k: K, _ x: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ h: UnsafeMutablePointer<Double>,
        _ n: Int, _ A: Int, _ B: Int, _ c: Base, _ mask: Int
    ) -> Base {
        _blockedSum4(n) { start, m, values in
            for j in 0..<m {
                let i = start &+ j, ia = 2 &* i &+ A, ib = 2 &* i &+ B
                let (y, da, db, _) = k._valueAndPartials(unsafeBitCast(Dual(value: x[ia], derivative: v[ia]), to: Base.self),
                                                         unsafeBitCast(Dual(value: x[ib], derivative: v[ib]), to: Base.self),
                                                         c, at: i, mask: mask)
                h[ia] = unsafeBitCast(da, to: Dual<Double>.self).derivative
                h[ib] = unsafeBitCast(db, to: Dual<Double>.self).derivative
                values[j] = y
            }
        }
    }

    /// The one-operand sibling of `_splitPairValueAndProducts(_:_:_:_:_:_:_:_:_:)`:
    /// `Σ_i k(x_i + v_iε, b[i·sb], c[i·sc], i)` with `h[i] = ∂/∂ε ∂k/∂x_i` (b and c constants).
    @inlinable @inline(__always)
    static func _splitSingleValueAndProducts<K: StencilKernel>(
        _ k: K, _ x: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ h: UnsafeMutablePointer<Double>,
        _ n: Int, _ b: UnsafeMutablePointer<Base>, _ sb: Int, _ c: UnsafeMutablePointer<Base>, _ sc: Int, _ mask: Int
    ) -> Base {
        _blockedSum4(n) { start, m, values in
            for j in 0..<m {
                let i = start &+ j
                let (y, d, _, _) = k._valueAndPartials(unsafeBitCast(Dual(value: x[i], derivative: v[i]), to: Base.self),
                                                       b[i &* sb], c[i &* sc], at: i, mask: mask)
                h[i] = unsafeBitCast(d, to: Dual<Double>.self).derivative
                values[j] = y
            }
        }
    }

    /// `Σ_i k(x_i, b[i·sb], c[i·sc], i)` summed as the plain map-sum sums, with `g[i] = ∂k/∂x_i`
    /// (b and c constants; stride 0 broadcasts one element).
    @inlinable @inline(__always)
    static func _singleValueAndPartials<K: StencilKernel>(_ k: K, _ x: UnsafeMutablePointer<Base>, _ g: UnsafeMutablePointer<Base>,
                                                          _ n: Int, _ b: UnsafeMutablePointer<Base>, _ sb: Int,
                                                          _ c: UnsafeMutablePointer<Base>, _ sc: Int, _ mask: Int) -> Base {
        _blockedSum4(n) { start, m, values in
            for j in 0..<m {
                let i = start &+ j
                let (v, d, _, _) = k._valueAndPartials(x[i], b[i &* sb], c[i &* sc], at: i, mask: mask)
                g[i] = d
                values[j] = v
            }
        }
    }

    /// ``_sum4(_:_:)`` of terms computed a block at a time: `fill(start, m, values)` writes the
    /// terms `start ..< start + m` into `values` (a loop without a running sum, which the
    /// compiler vectorizes), then they are summed in exactly `_sum4`'s order.
    @inlinable @inline(__always)
    static func _blockedSum4(_ n: Int, _ fill: (Int, Int, UnsafeMutablePointer<Base>) -> Void) -> Base {
        let block = 256  // a multiple of 4: term i goes to running sum i mod 4, as in _sum4
        return withUnsafeTemporaryAllocation(of: Base.self, capacity: block) { buffer -> Base in
            let values = buffer.baseAddress!
            var s0: Base = 0, s1: Base = 0, s2: Base = 0, s3: Base = 0, tail: Base = 0
            var start = 0
            while start < n {
                let m = Swift.min(block, n &- start)
                fill(start, m, values)
                var j = 0
                while j &+ 4 <= m {
                    s0 += values[j]
                    s1 += values[j &+ 1]
                    s2 += values[j &+ 2]
                    s3 += values[j &+ 3]
                    j &+= 4
                }
                while j < m {
                    tail += values[j]
                    j &+= 1
                }
                start &+= m
            }
            return n < 4 ? tail : ((s0 + s1) + (s2 + s3)) + tail
        }
    }

    /// `Σ_{i<n} term(i)` in the order of every map-sum: four running sums (independent chains
    /// the processor overlaps) added pairwise at the end, `(s0 + s1) + (s2 + s3)`, then the tail;
    /// for n <= 3 the plain left-to-right sum.
    @inlinable @inline(__always)
    static func _sum4(_ n: Int, _ term: (Int) -> Base) -> Base {
        var s0: Base = 0, s1: Base = 0, s2: Base = 0, s3: Base = 0
        var i = 0
        while i &+ 4 <= n {
            s0 += term(i)
            s1 += term(i &+ 1)
            s2 += term(i &+ 2)
            s3 += term(i &+ 3)
            i &+= 4
        }
        var tail: Base = 0
        while i < n {
            tail += term(i)
            i &+= 1
        }
        return n < 4 ? tail : ((s0 + s1) + (s2 + s3)) + tail
    }

    /// The reverse rule of a map over interleaved operands `a_i = x[2i + A]`, `b_i = x[2i + B]`
    /// (A, B = 0, 1 or 1, 0): `g[2i + A] (+)= ∂k/∂a · w_i`, `g[2i + B] (+)= ∂k/∂b · w_i` with
    /// `w_i = ybar[i]`, or `w` for every i when `ybar` is nil (a map-sum). Assigns when `assign`,
    /// adds otherwise. Straight loops over one source and one target, which the compiler
    /// vectorizes for kernels without calls.
    @inlinable @inline(__always)
    static func _pairAdjoint<K: StencilKernel>(_ k: K, _ x: UnsafeMutablePointer<Base>, _ g: UnsafeMutablePointer<Base>,
                                               _ n: Int, _ A: Int, _ B: Int, _ c: Base, _ mask: Int,
                                               _ ybar: UnsafeMutablePointer<Base>?, _ w: Base, _ assign: Bool) {
        if let ybar {
            if assign {
                for i in 0..<n {
                    let (da, db, _) = k._partials(x[2 &* i &+ A], x[2 &* i &+ B], c, at: i, mask: mask)
                    let wi = ybar[i]
                    g[2 &* i &+ A] = da * wi
                    g[2 &* i &+ B] = db * wi
                }
            } else {
                for i in 0..<n {
                    let (da, db, _) = k._partials(x[2 &* i &+ A], x[2 &* i &+ B], c, at: i, mask: mask)
                    let wi = ybar[i]
                    g[2 &* i &+ A] += da * wi
                    g[2 &* i &+ B] += db * wi
                }
            }
        } else if assign {
            for i in 0..<n {
                let (da, db, _) = k._partials(x[2 &* i &+ A], x[2 &* i &+ B], c, at: i, mask: mask)
                g[2 &* i &+ A] = da * w
                g[2 &* i &+ B] = db * w
            }
        } else {
            for i in 0..<n {
                let (da, db, _) = k._partials(x[2 &* i &+ A], x[2 &* i &+ B], c, at: i, mask: mask)
                g[2 &* i &+ A] += da * w
                g[2 &* i &+ B] += db * w
            }
        }
    }

    /// `y_i = k(x_i, i)`: one node, derivatives by duals inside the loop.
    @inlinable
    public func map<K: ElementwiseKernel>(_ k: K) -> TrackedVector {
        let z = TrackedVector.constant(0, on: tape)
        return TrackedVector._map3(_Unary3(k), self, z, z, reduce: false)
    }

    /// `y_i = k(a_i, b_i, i)` (a count-1 operand is broadcast): one node.
    @inlinable
    public static func map<K: BinaryElementwiseKernel>(_ k: K, _ a: TrackedVector, _ b: TrackedVector) -> TrackedVector {
        _map3(_Binary3(k), a, b, TrackedVector.constant(0, on: a.tape), reduce: false)
    }

    /// `y_i = k(a_i, b_i, c_i, i)` (count-1 operands are broadcast): one node.
    @inlinable
    public static func map<K: StencilKernel>(_ k: K, _ a: TrackedVector, _ b: TrackedVector, _ c: TrackedVector) -> TrackedVector {
        _map3(k, a, b, c, reduce: false)
    }

    /// `Σ_i k(x_i, i)` as a count-1 vector: one node that stores no intermediate array.
    @inlinable
    public func mapSum<K: ElementwiseKernel>(_ k: K) -> TrackedVector {
        let z = TrackedVector.constant(0, on: tape)
        return TrackedVector._map3(_Unary3(k), self, z, z, reduce: true)
    }

    /// `Σ_i k(a_i, b_i, i)` as a count-1 vector: one node that stores no intermediate array.
    ///
    /// Views are read in place. When `a` and `b` interleave in one vector (`x.strided(from: j,
    /// by: 2)` and `x.strided(from: j ± 1, by: 2)`), the reverse rule computes both partials in
    /// one evaluation per term and writes them straight into x's adjoint.
    @inlinable
    public static func mapSum<K: BinaryElementwiseKernel>(_ k: K, _ a: TrackedVector, _ b: TrackedVector) -> TrackedVector {
        _map3(_Binary3(k), a, b, TrackedVector.constant(0, on: a.tape), reduce: true)
    }

    /// `Σ_i k(a_i, b_i, c_i, i)` as a count-1 vector.
    @inlinable
    public static func mapSum<K: StencilKernel>(_ k: K, _ a: TrackedVector, _ b: TrackedVector, _ c: TrackedVector) -> TrackedVector {
        _map3(k, a, b, c, reduce: true)
    }
}

// MARK: - Built-in kernels

/// Kernels of the built-in elementwise operations (public for inlining).
public enum _Kernels {
    @frozen public struct Add: BinaryElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T { a + b }
    }
    @frozen public struct Subtract: BinaryElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T { a - b }
    }
    @frozen public struct Multiply: BinaryElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T { a * b }
    }
    @frozen public struct Divide: BinaryElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T { a / b }
    }
    @frozen public struct Identity: ElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x }
    }
    @frozen public struct Negate: ElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { -x }
    }
    @frozen public struct Square: ElementwiseKernel {
        @inlinable public init() {}
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x }
    }
    @frozen public struct Power: ElementwiseKernel {
        public let n: Int
        @inlinable public init(_ n: Int) { self.n = n }
        @inlinable @inline(__always) public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { T.pow(x, n) }
    }
    /// An elementary function chosen by a code (one kernel type for all of them).
    @frozen public struct Elementary: ElementwiseKernel {
        public enum Function: Sendable { case sin, cos, tan, exp, expMinusOne, log, logOnePlus, sqrt, tanh, sinh, cosh, atan, asin, acos }
        public let function: Function
        @inlinable public init(_ function: Function) { self.function = function }
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T {
            switch function {
            case .sin: return T.sin(x)
            case .cos: return T.cos(x)
            case .tan: return T.tan(x)
            case .exp: return T.exp(x)
            case .expMinusOne: return T.expMinusOne(x)
            case .log: return T.log(x)
            case .logOnePlus: return T.log(onePlus: x)
            case .sqrt: return T.sqrt(x)
            case .tanh: return T.tanh(x)
            case .sinh: return T.sinh(x)
            case .cosh: return T.cosh(x)
            case .atan: return T.atan(x)
            case .asin: return T.asin(x)
            case .acos: return T.acos(x)
            }
        }
    }
}

// MARK: - Arithmetic (elementwise, count-1 operands broadcast)

extension TrackedVector {
    @inlinable public static func + (lhs: TrackedVector, rhs: TrackedVector) -> TrackedVector { map(_Kernels.Add(), lhs, rhs) }
    @inlinable public static func - (lhs: TrackedVector, rhs: TrackedVector) -> TrackedVector { map(_Kernels.Subtract(), lhs, rhs) }
    @inlinable public static func * (lhs: TrackedVector, rhs: TrackedVector) -> TrackedVector { map(_Kernels.Multiply(), lhs, rhs) }
    @inlinable public static func / (lhs: TrackedVector, rhs: TrackedVector) -> TrackedVector { map(_Kernels.Divide(), lhs, rhs) }
    @inlinable public static prefix func - (x: TrackedVector) -> TrackedVector { x.map(_Kernels.Negate()) }

    @inlinable public static func + (lhs: TrackedVector, rhs: Base) -> TrackedVector { lhs + constant(rhs, on: lhs.tape) }
    @inlinable public static func + (lhs: Base, rhs: TrackedVector) -> TrackedVector { constant(lhs, on: rhs.tape) + rhs }
    @inlinable public static func - (lhs: TrackedVector, rhs: Base) -> TrackedVector { lhs - constant(rhs, on: lhs.tape) }
    @inlinable public static func - (lhs: Base, rhs: TrackedVector) -> TrackedVector { constant(lhs, on: rhs.tape) - rhs }
    @inlinable public static func * (lhs: TrackedVector, rhs: Base) -> TrackedVector { lhs * constant(rhs, on: lhs.tape) }
    @inlinable public static func * (lhs: Base, rhs: TrackedVector) -> TrackedVector { constant(lhs, on: rhs.tape) * rhs }
    @inlinable public static func / (lhs: TrackedVector, rhs: Base) -> TrackedVector { lhs / constant(rhs, on: lhs.tape) }
    @inlinable public static func / (lhs: Base, rhs: TrackedVector) -> TrackedVector { constant(lhs, on: rhs.tape) / rhs }

    /// `x_i²`.
    @inlinable public func squared() -> TrackedVector { map(_Kernels.Square()) }
    /// `x_iⁿ` (integer power: exact at 0).
    @inlinable public func power(_ n: Int) -> TrackedVector { map(_Kernels.Power(n)) }

    @inlinable public static func sin(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.sin)) }
    @inlinable public static func cos(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.cos)) }
    @inlinable public static func tan(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.tan)) }
    @inlinable public static func exp(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.exp)) }
    @inlinable public static func expMinusOne(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.expMinusOne)) }
    @inlinable public static func log(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.log)) }
    @inlinable public static func log(onePlus x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.logOnePlus)) }
    @inlinable public static func sqrt(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.sqrt)) }
    @inlinable public static func tanh(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.tanh)) }
    @inlinable public static func sinh(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.sinh)) }
    @inlinable public static func cosh(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.cosh)) }
    @inlinable public static func atan(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.atan)) }
    @inlinable public static func asin(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.asin)) }
    @inlinable public static func acos(_ x: TrackedVector) -> TrackedVector { x.map(_Kernels.Elementary(.acos)) }
}

// MARK: - Reductions

extension TrackedVector {
    /// `Σ x_i` (count 1), summed as every map-sum: term i goes to running sum `s_(i mod 4)`,
    /// except the last `n mod 4` terms, which form `tail`; the result is
    /// `((s0 + s1) + (s2 + s3)) + tail` (for fewer than 4 elements, the left-to-right sum).
    @inlinable public func sum() -> TrackedVector { mapSum(_Kernels.Identity()) }
    /// `Σ x_i y_i` (count 1).
    @inlinable public func dot(_ other: TrackedVector) -> TrackedVector {
        precondition(count == other.count, "TrackedVector.dot: \(count) and \(other.count) elements")
        return TrackedVector.mapSum(_Kernels.Multiply(), self, other)
    }
    /// `Σ x_i²` (count 1).
    @inlinable public func squaredNorm() -> TrackedVector { mapSum(_Kernels.Square()) }
    /// `sqrt(Σ x_i²)` (count 1); its derivative x/|x| is infinite or NaN at 0, as `sqrt`'s.
    @inlinable public func norm() -> TrackedVector { TrackedVector.sqrt(squaredNorm()) }
}
