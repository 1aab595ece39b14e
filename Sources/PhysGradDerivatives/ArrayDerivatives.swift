// Array-style models and objectives, their derivative drivers, and their adapters to the
// DifferentiableObjective / DifferentiableModel protocols that optimizers consume.
import PhysGradLinearAlgebra

/// A scalar function R^n -> R written once on ``TrackedVector``s, generic over the element type:
/// the array-level counterpart of ``GenericObjective``. Returns a count-1 vector.
///
/// ```swift
/// struct ExtendedRosenbrock: ArrayObjective {
///     struct Term: BinaryElementwiseKernel {
///         func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T {
///             let d = b - a * a, e = 1 - a
///             return 100 * (d * d) + e * e
///         }
///     }
///     func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
///         TrackedVector.mapSum(Term(), x.strided(from: 0, by: 2), x.strided(from: 1, by: 2))
///     }
/// }
/// ```
public protocol ArrayObjective {
    /// f(x) as a count-1 vector on x's tape.
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base>
}

/// A model R^n -> R^k written once on ``TrackedVector``s: the array-level counterpart of ``GenericModel``.
public protocol ArrayModel {
    /// y(x) on x's tape, with the same count for every element type.
    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base>
}

/// `loss(model(x))`.
@frozen
public struct ComposedArrayObjective<Model: ArrayModel, Loss: ArrayObjective>: ArrayObjective {
    /// The model y.
    public var model: Model
    /// The loss L.
    public var loss: Loss
    /// L ∘ y.
    @inlinable public init(model: Model, loss: Loss) {
        self.model = model
        self.loss = loss
    }
    /// L(y(x)).
    @inlinable public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> { loss(model(x)) }
}

extension ComposedArrayObjective: Sendable where Model: Sendable, Loss: Sendable {}

/// `L(y) = |y - target|² = Σ (y_i - target_i)²` as one fused node.
@frozen
public struct ArraySquaredDistance: ArrayObjective, Sendable {
    /// The target y*.
    public var target: [Double]
    /// |y - target|².
    @inlinable public init(target: [Double]) { self.target = target }

    @frozen @usableFromInline struct _Term: BinaryElementwiseKernel {
        @inlinable init() {}
        @inlinable @inline(__always)
        func callAsFunction<T: PhysGradReal>(_ y: T, _ t: T, at i: Int) -> T { let d = y - t; return d * d }
    }

    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ y: TrackedVector<Base>) -> TrackedVector<Base> {
        precondition(y.count == target.count, "ArraySquaredDistance: y has \(y.count) entries, target \(target.count)")
        return TrackedVector.mapSum(_Term(), y, y.tape.constant(doubles: target))
    }
}

/// `L(y) = |y|² = Σ y_i²` as one fused node.
@frozen
public struct ArraySquaredNorm: ArrayObjective, Sendable {
    @inlinable public init() {}
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ y: TrackedVector<Base>) -> TrackedVector<Base> { y.squaredNorm() }
}

/// Derivatives of array-style functions (``ArrayObjective``, ``ArrayModel``).
///
/// Every driver takes an optional tape to reuse (it is reset first): with reused tapes and
/// buffer arguments, nothing is allocated per call once warm. The derivative drivers sweep the
/// tape, which a tape made with `recording: false` cannot: they use a recording tape of their
/// own instead of such a tape. Costs: a gradient or a VJP is one
/// recorded evaluation and one reverse sweep; a JVP one recorded evaluation and one tangent
/// sweep; a Hessian-vector product one evaluation and sweep on `Dual<Double>` elements; a
/// Gauss-Newton product Jᵀ(J v) one recorded evaluation, one tangent and one reverse sweep.
public enum ArrayDerivatives {
    // MARK: objectives

    /// f(x) on a tape that records nothing (the plain evaluation).
    @inlinable
    public static func value<F: ArrayObjective>(of f: F, at x: UnsafeBufferPointer<Double>, tape: ArrayTape<Double>? = nil) -> Double {
        let tape = tape ?? ArrayTape<Double>(reservingElements: 4 * x.count + 64, recording: false)
        tape.reset()
        let y = f(tape._constant(borrowing: x)).scalarValue
        tape.reset()  // nothing may keep pointing at the caller's x
        return y
    }

    /// f(x) for an array.
    @inlinable
    public static func value<F: ArrayObjective>(of f: F, at x: [Double]) -> Double {
        x.withUnsafeBufferPointer { value(of: f, at: $0) }
    }

    /// f(x), writing ∇f(x) into `gradient` (x.count elements).
    ///
    /// `gradient` is x's adjoint from the start of the evaluation: a map-sum over x (or over
    /// interleaved views `x.strided(from: j, by: 2)`, `x.strided(from: j ± 1, by: 2)`) computes its
    /// value and partials in one pass and leaves the partials there, so when that sum is the
    /// result (times any constant), the reverse sweep has nothing left to compute for it. The
    /// gradient is the one the reverse rules give otherwise, to rounding. `gradient` may be x's
    /// own buffer (x is then copied onto the tape first).
    @inlinable
    public static func valueAndGradient<F: ArrayObjective>(
        of f: F, at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>, tape: ArrayTape<Double>
    ) -> Double {
        precondition(gradient.count == x.count, "valueAndGradient: x has \(x.count) entries, gradient \(gradient.count)")
        let tape = _recording(tape, elements: 8 * x.count + 64)
        tape.reset()
        // x is read in place and the gradient accumulated in place: no copies in or out.
        // The gradient buffer is x's adjoint from the start: a map-sum over x may store its
        // partials there while recording (ArrayTape._claimPrecomputedAdjoint). A gradient
        // written over x (the same memory) is copied out after the sweep instead, x copied in.
        let inPlace = x.count > 0 && UnsafeRawPointer(gradient.baseAddress!) < UnsafeRawPointer(x.baseAddress! + x.count)
            && UnsafeRawPointer(x.baseAddress!) < UnsafeRawPointer(gradient.baseAddress! + x.count)
        let v = inPlace ? tape.variable(x) : tape._variable(borrowing: x)
        if !inPlace, let g = gradient.baseAddress { tape._externalAdjoint = (v.node, g) }
        let y = f(v)
        precondition(y.count == 1, "ArrayObjective: f returned \(y.count) elements, expected 1")
        precondition(y.tape === tape, "ArrayObjective: f returned a vector of another tape")
        tape.reverseSweep(from: y)
        tape.copyAdjoint(of: v, into: gradient)
        tape._externalAdjoint = nil
        let value = y.scalarValue
        tape.reset()  // nothing may keep pointing at the caller's x
        return value
    }

    /// f(x) and ∇f(x).
    @inlinable
    public static func valueAndGradient<F: ArrayObjective>(of f: F, at x: [Double]) -> (value: Double, gradient: [Double]) {
        var g = [Double](repeating: 0, count: x.count)
        let tape = ArrayTape<Double>(reservingElements: 8 * x.count + 64)
        let v = x.withUnsafeBufferPointer { xb in
            g.withUnsafeMutableBufferPointer { valueAndGradient(of: f, at: xb, gradient: $0, tape: tape) }
        }
        return (v, g)
    }

    /// ∇f(x).
    @inlinable
    public static func gradient<F: ArrayObjective>(of f: F, at x: [Double]) -> [Double] { valueAndGradient(of: f, at: x).gradient }

    /// ∇²f(x)·v by forward-over-reverse on `Dual<Double>` elements (x + vε), written into `result`;
    /// returns f(x).
    ///
    /// x and v are read in place. When f begins with a map-sum over x (or over interleaved views
    /// `x.strided(from: j, by: 2)`, `x.strided(from: j ± 1, by: 2)`) whose result f scales by a
    /// constant, that map-sum reads x and v from their buffers and writes the ε-parts of its
    /// partials, the rows of H·v, straight into `result`: no `Dual` seed array is filled and
    /// nothing is copied out. Otherwise the seeds x + vε are filled on first use and H·v is
    /// taken from x's adjoint after the sweep (map-sums over x still store their partials at
    /// recording, as in ``valueAndGradient(of:at:gradient:tape:)``). Both give the same product
    /// to rounding. `result` may be the buffer of v or of x (an in-place product): then the seeds
    /// are filled first and `result` is written after the sweep.
    @inlinable
    public static func hessianVectorProduct<F: ArrayObjective>(
        of f: F, at x: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
        into result: UnsafeMutableBufferPointer<Double>, tape: ArrayTape<Dual<Double>>
    ) -> Double {
        precondition(x.count == v.count && result.count == x.count, "hessianVectorProduct: x, v and result must have the same count")
        let tape = _recording(tape, elements: 8 * x.count + 64)
        tape.reset()
        let n = x.count
        let seeds = tape._allocate(n)
        let xv = tape._variable(borrowing: UnsafeBufferPointer(start: seeds, count: n))
        if n > 0, let xb = x.baseAddress, let vb = v.baseAddress, let rb = result.baseAddress {
            let bytes = n * MemoryLayout<Double>.stride
            @inline(__always) func overlaps(_ p: UnsafePointer<Double>) -> Bool {
                UnsafeRawPointer(rb) < UnsafeRawPointer(p) + bytes && UnsafeRawPointer(p) < UnsafeRawPointer(rb) + bytes
            }
            if overlaps(xb) || overlaps(vb) {
                // result is written over x or v: the seeds now, result only after the sweep.
                for i in 0..<n { seeds[i] = Dual(value: xb[i], derivative: vb[i]) }
            } else {
                // The seeds are filled when first read (never, when a map-sum takes x and v directly).
                tape._splitInput(xv.node, x: xb, v: vb, product: rb)
            }
            // x's adjoint in a buffer of its own from the start, as in valueAndGradient.
            tape._externalAdjoint = (xv.node, tape._allocate(n))
        }
        let y = f(xv)
        precondition(y.count == 1 && y.tape === tape, "ArrayObjective: f must return one element on its tape")
        tape.reverseSweep(from: y)
        let split = tape._splitHeld
        if split {
            // result is already H·v.
        } else if let a = tape._adjoint(xv.node) {
            for i in 0..<n { result[i] = a[i].derivative }
        } else {
            for i in 0..<n { result[i] = 0 }
        }
        let value = y.scalarValue.value
        tape.reset()  // nothing may keep pointing at the caller's x, v and result
        tape._lastProductWasSplit = split
        return value
    }

    /// ∇²f(x)·v.
    @inlinable
    public static func hessianVectorProduct<F: ArrayObjective>(of f: F, at x: [Double], direction v: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: x.count)
        let tape = ArrayTape<Dual<Double>>(reservingElements: 8 * x.count + 64)
        x.withUnsafeBufferPointer { xb in
            v.withUnsafeBufferPointer { vb in
                r.withUnsafeMutableBufferPointer { _ = hessianVectorProduct(of: f, at: xb, direction: vb, into: $0, tape: tape) }
            }
        }
        return r
    }

    /// The dense Hessian ∇²f(x) into `h` (n² entries, column-major), 16 columns per
    /// forward-over-reverse pass on `DualLanes<SIMD16<Double>>` elements, symmetrized as (H + Hᵀ)/2.
    ///
    /// `shouldStop` is asked before every pass after the first; when it answers `true` the build
    /// ends there and returns `false`, with `h` incomplete (a caller's time limit holds inside
    /// the n/16 passes). `tape`, when given, is reused (reset before every pass); a tape made with
    /// `recording: false` cannot carry a reverse sweep and is not used (a recording one is made).
    @inlinable @discardableResult
    public static func hessian<F: ArrayObjective>(of f: F, at x: UnsafeBufferPointer<Double>, into h: UnsafeMutableBufferPointer<Double>,
                                                  tape: ArrayTape<DualLanes<SIMD16<Double>>>? = nil,
                                                  shouldStop: () -> Bool = { false }) -> Bool {
        let n = x.count
        precondition(h.count == n * n, "hessian: output has \(h.count) entries, expected \(n * n)")
        let tape = _recording(tape, elements: 8 * n + 64)
        guard _reverseLanePasses(of: f, at: x, seeds: nil, tape: tape, into: h, shouldStop: shouldStop) else { return false }
        for j in 0..<n {
            for i in 0..<j {
                let s = 0.5 * (h[i + j * n] + h[j + i * n])
                h[i + j * n] = s
                h[j + i * n] = s
            }
        }
        return true
    }

    /// `tape` when it records, else a new recording tape reserving `elements` (derivative drivers
    /// sweep the tape, which a tape made with `recording: false` cannot).
    @inlinable
    static func _recording<B: PhysGradReal>(_ tape: ArrayTape<B>?, elements: Int) -> ArrayTape<B> {
        if let tape, tape.isRecording { return tape }
        return ArrayTape(reservingElements: elements)
    }

    /// x on `tape` with tangent lane l set to 1 at every input of colour `start + l` (l < width;
    /// `colours` nil: input `start + l` alone): the seeds of one pass of lane-wise derivatives.
    @inlinable
    static func _seeds<V: SIMD>(_ tape: ArrayTape<DualLanes<V>>, _ x: UnsafeBufferPointer<Double>, _ colours: [Int]?,
                                start: Int, width: Int) -> UnsafeBufferPointer<DualLanes<V>> where V.Scalar == Double {
        let n = x.count
        let seeds = tape._allocate(n)
        for i in 0..<n { seeds[i] = DualLanes(value: x[i], tangents: V()) }
        if let colours {
            for i in 0..<n {
                let c = colours[i] - start
                if c >= 0 && c < width { seeds[i].tangents[c] = 1 }
            }
        } else {
            for l in 0..<width { seeds[start + l].tangents[l] = 1 }
        }
        return UnsafeBufferPointer(start: seeds, count: n)
    }

    /// `∇²f(x) S` into `products` (n × columns, column-major) for the seed matrix S whose column c
    /// has a 1 at every input of colour c (`coloring` nil: S = I), by forward-over-reverse passes
    /// of f on `tape`, one lane per column (16 per pass). Returns `false` when `shouldStop`
    /// (asked before every pass after the first) answered `true`.
    @inlinable
    static func _reverseLanePasses<F: ArrayObjective, V: SIMD>(
        of f: F, at x: UnsafeBufferPointer<Double>, seeds coloring: ColumnColoring?, tape: ArrayTape<DualLanes<V>>,
        into products: UnsafeMutableBufferPointer<Double>, shouldStop: () -> Bool
    ) -> Bool where V.Scalar == Double {
        let n = x.count, lanes = V.scalarCount
        let columns = coloring?.count ?? n
        let colours = coloring?.colors
        var start = 0
        while start < columns {
            if start > 0 && shouldStop() {
                tape.reset()
                return false
            }
            let width = Swift.min(lanes, columns - start)
            tape.reset()
            let xv = tape.variable(_seeds(tape, x, colours, start: start, width: width))
            let y = f(xv)
            precondition(y.count == 1 && y.tape === tape, "ArrayObjective: f must return one element on its tape")
            tape.reverseSweep(from: y)
            let a = tape._adjoint(xv.node)
            for l in 0..<width {
                for i in 0..<n { products[i + (start + l) * n] = a?[i].tangents[l] ?? 0 }
            }
            start += width
        }
        tape.reset()
        return true
    }

    /// The dense Hessian ∇²f(x).
    @inlinable
    public static func hessian<F: ArrayObjective>(of f: F, at x: [Double]) -> Matrix {
        let n = x.count
        var h = [Double](repeating: 0, count: n * n)
        _ = x.withUnsafeBufferPointer { xb in h.withUnsafeMutableBufferPointer { hessian(of: f, at: xb, into: $0) } }
        return Matrix(rows: n, columns: n, columnMajor: h)
    }


    // MARK: models

    /// y(x) into `y` on a tape that records nothing; returns the number of outputs written
    /// (`y` must have room for them).
    @inlinable
    public static func value<M: ArrayModel>(of model: M, at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>,
                                            tape: ArrayTape<Double>) {
        tape.reset()
        let out = model(tape._constant(borrowing: x))
        precondition(out.count == y.count, "ArrayModel: the model has \(out.count) outputs, the buffer \(y.count)")
        if let b = y.baseAddress { b.update(from: out._contiguous().values, count: out.count) }
        tape.reset()  // nothing may keep pointing at the caller's x
    }

    /// y(x).
    @inlinable
    public static func value<M: ArrayModel>(of model: M, at x: [Double]) -> [Double] {
        let tape = ArrayTape<Double>(reservingElements: 4 * x.count + 64, recording: false)
        let out = x.withUnsafeBufferPointer { model(tape.constant($0)) }
        return out.array
    }

    /// J(x)·v by one recorded evaluation and one tangent sweep; also y(x).
    @inlinable
    public static func jacobianVectorProduct<M: ArrayModel>(
        of model: M, at x: [Double], direction v: [Double], tape: ArrayTape<Double>? = nil
    ) -> (value: [Double], product: [Double]) {
        precondition(x.count == v.count, "jacobianVectorProduct: x has \(x.count) entries, v has \(v.count)")
        let tape = _recording(tape, elements: 8 * x.count + 64)
        tape.reset()
        let xv = tape.variable(x)
        let y = model(xv)
        v.withUnsafeBufferPointer { tape.tangentSweep(inputs: [xv], tangents: [$0]) }
        return (y.array, tape.tangent(of: y))
    }

    /// J(x)ᵀ·w by one recorded evaluation and one reverse sweep; also y(x).
    @inlinable
    public static func vectorJacobianProduct<M: ArrayModel>(
        of model: M, at x: [Double], cotangent w: [Double], tape: ArrayTape<Double>? = nil
    ) -> (value: [Double], product: [Double]) {
        let tape = _recording(tape, elements: 8 * x.count + 64)
        tape.reset()
        let xv = tape.variable(x)
        let y = model(xv)
        precondition(y.count == w.count, "vectorJacobianProduct: model has \(y.count) outputs, cotangent has \(w.count)")
        w.withUnsafeBufferPointer { tape.reverseSweep(from: y, seed: $0) }
        return (y.array, tape.adjoint(of: xv))
    }

    /// The Gauss-Newton product J(x)ᵀ(J(x)·v) without forming J: one recorded evaluation, a tangent
    /// sweep (J v) and a reverse sweep seeded with it (Jᵀ J v). The curvature term of the
    /// least-squares methods (Gauss-Newton, Levenberg-Marquardt) for L = |y(x) - y*|²/2.
    @inlinable
    public static func gaussNewtonProduct<M: ArrayModel>(
        of model: M, at x: [Double], direction v: [Double], tape: ArrayTape<Double>? = nil
    ) -> [Double] {
        precondition(x.count == v.count, "gaussNewtonProduct: x has \(x.count) entries, v has \(v.count)")
        let tape = _recording(tape, elements: 8 * x.count + 64)
        tape.reset()
        let xv = tape.variable(x)
        let y = model(xv)
        v.withUnsafeBufferPointer { tape.tangentSweep(inputs: [xv], tangents: [$0]) }
        let jv = tape.tangent(of: y)
        jv.withUnsafeBufferPointer { tape.reverseSweep(from: y, seed: $0) }
        return tape.adjoint(of: xv)
    }

    /// The k x n Jacobian by forward evaluations on ``DualLanes`` elements (no tape): 16 columns
    /// per evaluation, or one evaluation of 8 lanes for n <= 8.
    @inlinable
    public static func jacobian<M: ArrayModel>(of model: M, at x: [Double]) -> Matrix {
        jacobian(of: model, at: x, shouldStop: { false })!
    }

    /// The Jacobian as ``jacobian(of:at:)``, asking `shouldStop` before every pass after the
    /// first: `nil` when it answered `true` (a caller's time limit holds inside the passes).
    @inlinable
    public static func jacobian<M: ArrayModel>(of model: M, at x: [Double], shouldStop: () -> Bool) -> Matrix? {
        _forwardLanePasses(of: model, at: x, seeds: nil, shouldStop: shouldStop)
    }

    /// `J(x) S` for the seed matrix S whose column c has a 1 at every input of colour c
    /// (`coloring` nil: S = I, every input its own colour), by forward evaluations of the model
    /// without a tape: on `DualLanes<SIMD16<Double>>` elements, 16 columns per evaluation, when S
    /// has more than 8 columns, else one evaluation on `DualLanes<SIMD8<Double>>`. Each
    /// evaluation computes the values (and a stencil's partials) once for all its lanes.
    @inlinable
    static func _forwardLanePasses<M: ArrayModel>(of model: M, at x: [Double], seeds coloring: ColumnColoring?,
                                                  shouldStop: () -> Bool) -> Matrix? {
        let n = x.count
        let columns = coloring?.count ?? n
        let colours = coloring?.colors
        var k = -1
        var products: [Double] = []
        var start = 0
        /// One pass over colours start ..< start + width on `tape`.
        func pass<V: SIMD>(_ tape: ArrayTape<DualLanes<V>>, width: Int) where V.Scalar == Double {
            tape.reset()
            let y = model(tape.constant(x.withUnsafeBufferPointer { _seeds(tape, $0, colours, start: start, width: width) }))
            if k < 0 {
                k = y.count
                products = [Double](repeating: 0, count: k * columns)
            }
            precondition(y.count == k, "jacobian: the model's output count changed between evaluations")
            let yv = y.buffer  // a view (strided, reversed) read in its own order
            for r in 0..<k {
                let t = yv[r].tangents
                for l in 0..<width { products[r + (start + l) * k] = t[l] }
            }
        }
        // One tape for the whole Jacobian (a second, narrower one would double the arena memory
        // touched per call, which costs more than the empty lanes of a last wide pass).
        if columns > 8 {
            let tape = ArrayTape<DualLanes<SIMD16<Double>>>(reservingElements: 4 * n + 64, recording: false)
            repeat {
                if start > 0 && shouldStop() { return nil }
                let width = Swift.min(16, columns - start)
                pass(tape, width: width)
                start += width
            } while start < columns
        } else {
            pass(ArrayTape<DualLanes<SIMD8<Double>>>(reservingElements: 4 * n + 64, recording: false), width: columns)
        }
        return Matrix(rows: Swift.max(k, 0), columns: columns, columnMajor: products)
    }
}
