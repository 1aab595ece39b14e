// Linear operators for tracked vectors: y = A x with the adjoint x̄ += Aᵀ ȳ, through BLAS.
internal import CPhysGradLAPACK
import PhysGradLinearAlgebra

/// A linear map A: Rⁿ → Rᵐ given by its action and the action of its transpose, on `Double`
/// buffers: a dense or banded matrix (``DenseOperator``, ``BandedOperator``), an FFT, a linear
/// solve with a fixed matrix (apply A⁻¹, transpose A⁻ᵀ), or any operator of your own.
///
/// ``TrackedVector/applying(_:)-(Op)`` records `y = A x` as one node: reverse rule `x̄ += Aᵀ ȳ`,
/// tangent rule `ẏ = A ẋ`. For derivative elements made of several doubles (``Dual``,
/// ``DualLanes``) the operator is applied to each component (value, tangents) separately, so
/// one operator serves gradients, Hessian-vector products and Hessians.
public protocol LinearOperator {
    /// m.
    var outputCount: Int { get }
    /// n.
    var inputCount: Int { get }
    /// `y = A x` (x: n elements, y: m elements, y's old contents ignored).
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
    /// `x = Aᵀ y` (y: m elements, x: n elements, x's old contents ignored).
    func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>)
}

/// A dense m x n matrix as a ``LinearOperator`` (BLAS `dgemv`).
public struct DenseOperator: LinearOperator, Sendable {
    /// A.
    public let matrix: Matrix
    /// A as an operator.
    public init(_ matrix: Matrix) { self.matrix = matrix }
    public var outputCount: Int { matrix.rows }
    public var inputCount: Int { matrix.columns }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _gemv(transposed: false, x, y)
    }

    public func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        _gemv(transposed: true, y, x)
    }

    func _gemv(transposed: Bool, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        let m = matrix.rows, n = matrix.columns
        precondition(x.count == (transposed ? m : n) && y.count == (transposed ? n : m), "DenseOperator: wrong buffer sizes")
        if y.isEmpty { return }
        if x.isEmpty { y.update(repeating: 0); return }
        matrix.withUnsafeBufferPointer { a in
            cblas_dgemv(CblasColMajor, transposed ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), 1,
                        a.baseAddress, Int32(Swift.max(1, m)), x.baseAddress, 1, 0, y.baseAddress, 1)
        }
    }
}

/// A band matrix as a ``LinearOperator`` (BLAS `dgbmv`): m x n with `lower` sub-diagonals and
/// `upper` super-diagonals, stored in LAPACK's band layout (`(lower + upper + 1) · n` doubles).
/// Work per product: `2 (lower + upper + 1) n` flops.
public struct BandedOperator: LinearOperator, Sendable {
    public let outputCount: Int
    public let inputCount: Int
    /// The number of sub-diagonals.
    public let lower: Int
    /// The number of super-diagonals.
    public let upper: Int
    /// A[i, j] at `band[(upper + i - j) + j · (lower + upper + 1)]`.
    public let band: [Double]

    /// The band matrix with entries `element(i, j)` for `-upper <= i - j <= lower` (zero elsewhere).
    public init(rows m: Int, columns n: Int, lower: Int, upper: Int, element: (_ row: Int, _ column: Int) -> Double) {
        precondition(m >= 0 && n >= 0 && lower >= 0 && upper >= 0, "BandedOperator: negative size or bandwidth")
        outputCount = m
        inputCount = n
        self.lower = lower
        self.upper = upper
        let ld = lower + upper + 1
        var b = [Double](repeating: 0, count: ld * n)
        for j in 0..<n {
            for i in Swift.max(0, j - upper)..<Swift.min(m, j + lower + 1) { b[(upper + i - j) + j * ld] = element(i, j) }
        }
        band = b
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _gbmv(transposed: false, x, y)
    }

    public func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        _gbmv(transposed: true, y, x)
    }

    func _gbmv(transposed: Bool, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        let m = outputCount, n = inputCount
        precondition(x.count == (transposed ? m : n) && y.count == (transposed ? n : m), "BandedOperator: wrong buffer sizes")
        if y.isEmpty { return }
        if x.isEmpty { y.update(repeating: 0); return }
        band.withUnsafeBufferPointer { b in
            cblas_dgbmv(CblasColMajor, transposed ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(lower), Int32(upper),
                        1, b.baseAddress, Int32(lower + upper + 1), x.baseAddress, 1, 0, y.baseAddress, 1)
        }
    }
}

/// Applies `apply` (a map of `Double` buffers with `inCount` inputs and `outCount` outputs) to
/// every `Double` component of `Base` elements: for `Double` directly, otherwise component by
/// component through scratch buffers (the map must be linear, so the components do not mix).
@inlinable
func _applyComponentwise<Base: PhysGradReal>(
    _ tape: ArrayTape<Base>, _ x: UnsafePointer<Base>, _ inCount: Int, _ y: UnsafeMutablePointer<Base>, _ outCount: Int,
    _ apply: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void
) {
    if Base.self == Double.self {
        apply(UnsafeBufferPointer(start: UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), count: inCount),
              UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), count: outCount))
        return
    }
    let stride = MemoryLayout<Base>.stride
    precondition(stride % 8 == 0, "LinearOperator: the element type \(Base.self) is not made of Doubles")
    let xs = tape._allocateDoubles(inCount), ys = tape._allocateDoubles(outCount)
    let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
    // The byte offsets of the Double components (DualLanes<SIMD8<Double>> has padding after its value).
    let offsets: [Int]
    if Base.self == DualLanes<SIMD8<Double>>.self {
        let t = MemoryLayout<DualLanes<SIMD8<Double>>>.offset(of: \DualLanes<SIMD8<Double>>.tangents)!
        offsets = [0] + (0..<8).map { t + 8 * $0 }
    } else if Base.self == DualLanes<SIMD4<Double>>.self {
        let t = MemoryLayout<DualLanes<SIMD4<Double>>>.offset(of: \DualLanes<SIMD4<Double>>.tangents)!
        offsets = [0] + (0..<4).map { t + 8 * $0 }
    } else {
        offsets = (0..<(stride / 8)).map { 8 * $0 }
    }
    for c in offsets.map({ $0 / 8 }) {
        for i in 0..<inCount { xs[i] = xr.load(fromByteOffset: i * stride + c * 8, as: Double.self) }
        apply(UnsafeBufferPointer(start: xs, count: inCount), UnsafeMutableBufferPointer(start: ys, count: outCount))
        for i in 0..<outCount { yr.storeBytes(of: ys[i], toByteOffset: i * stride + c * 8, as: Double.self) }
    }
}

extension TrackedVector {
    /// `y = A x` for a linear operator (dense or banded matrix through BLAS, or your own): one node;
    /// reverse rule `x̄ += Aᵀ ȳ`, tangent rule `ẏ = A ẋ`.
    @inlinable
    public func applying<Op: LinearOperator>(_ op: Op) -> TrackedVector {
        if !_isWhole { return _contiguous().applying(op) }
        precondition(op.inputCount == count, "TrackedVector.applying: operator takes \(op.inputCount) elements, vector has \(count)")
        let m = op.outputCount, n = count
        let out = tape._allocate(m)
        _applyComponentwise(tape, values, n, out, m) { op.apply($0, into: $1) }
        return _unaryNode(out, count: m, reverse: { tape, ybar, src in
            tape._accumulateAdjoint(src) { p, fresh in
                if fresh {
                    _applyComponentwise(tape, ybar, m, p, n) { op.applyTransposed($0, into: $1) }
                } else {
                    let tmp = tape._allocate(n)
                    _applyComponentwise(tape, ybar, m, tmp, n) { op.applyTransposed($0, into: $1) }
                    for i in 0..<n { p[i] += tmp[i] }
                }
            }
        }, forward: { t, o in
            _applyComponentwise(tape, t, n, o, m) { op.apply($0, into: $1) }
        })
    }

    /// `y = A x` for a dense matrix (BLAS `dgemv`).
    @inlinable
    public func multiplied(by matrix: Matrix) -> TrackedVector { applying(DenseOperator(matrix)) }
}

// MARK: - Custom derivatives

/// A vector function with derivatives given by hand, for kernels that automatic differentiation
/// should not look inside (a solver, a table lookup, a call into C): its value, its
/// vector-Jacobian product and (for forward mode) its Jacobian-vector product, on buffers of the
/// tape's element type. Used through ``TrackedVector/applying(_:)-(CustomDerivative<Base>)``.
public struct CustomDerivative<Base: PhysGradReal> {
    /// Number of outputs.
    public var outputCount: Int
    /// `y = f(x)`.
    public var value: (_ x: UnsafeBufferPointer<Base>, _ y: UnsafeMutableBufferPointer<Base>) -> Void
    /// `x̄ += J(x)ᵀ ȳ` (add into `xbar`); `y` is f(x).
    public var pullback: (_ x: UnsafeBufferPointer<Base>, _ y: UnsafeBufferPointer<Base>, _ ybar: UnsafeBufferPointer<Base>,
                          _ xbar: UnsafeMutableBufferPointer<Base>) -> Void
    /// `ẏ = J(x) ẋ` (write `ydot`); nil: forward mode through this function is not available
    /// (a tangent sweep then stops with a precondition failure).
    public var pushforward: ((_ x: UnsafeBufferPointer<Base>, _ y: UnsafeBufferPointer<Base>, _ xdot: UnsafeBufferPointer<Base>,
                              _ ydot: UnsafeMutableBufferPointer<Base>) -> Void)?

    /// f with `outputCount` outputs, its value, pullback and (optionally) pushforward.
    public init(outputCount: Int,
                value: @escaping (_ x: UnsafeBufferPointer<Base>, _ y: UnsafeMutableBufferPointer<Base>) -> Void,
                pullback: @escaping (_ x: UnsafeBufferPointer<Base>, _ y: UnsafeBufferPointer<Base>, _ ybar: UnsafeBufferPointer<Base>,
                                     _ xbar: UnsafeMutableBufferPointer<Base>) -> Void,
                pushforward: ((_ x: UnsafeBufferPointer<Base>, _ y: UnsafeBufferPointer<Base>, _ xdot: UnsafeBufferPointer<Base>,
                               _ ydot: UnsafeMutableBufferPointer<Base>) -> Void)? = nil) {
        self.outputCount = outputCount
        self.value = value
        self.pullback = pullback
        self.pushforward = pushforward
    }
}

extension TrackedVector {
    /// `y = f(x)` with the derivatives of `custom` instead of recorded operations: one node.
    @inlinable
    public func applying(_ custom: CustomDerivative<Base>) -> TrackedVector {
        if !_isWhole { return _contiguous().applying(custom) }
        let n = count, m = custom.outputCount
        let x = values
        let out = tape._allocate(m)
        custom.value(UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: out, count: m))
        let src = node
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: m, values: out) }
        return tape._record(count: m, values: out) { tape, me, sweep in
            let xb = UnsafeBufferPointer(start: x, count: n), yb = UnsafeBufferPointer(start: UnsafePointer(out), count: m)
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                let p = tape._adjointForAdding(src)!
                custom.pullback(xb, yb, UnsafeBufferPointer(start: ybar, count: m), UnsafeMutableBufferPointer(start: p, count: n))
            case .forward:
                guard let t = tape._tangent(src) else { return }
                guard let push = custom.pushforward else {
                    preconditionFailure("TrackedVector: a tangent sweep reached a CustomDerivative without a pushforward")
                }
                let o = tape._newTangent(me)
                push(xb, yb, UnsafeBufferPointer(start: t, count: n), UnsafeMutableBufferPointer(start: o, count: m))
            }
        }
    }
}

// MARK: - Scalar generic code inside array models

extension TrackedVector {
    /// `y = model(x)` for a model written on scalars (``GenericModel``), as one node: its values
    /// from the model on `Base`, its reverse rule from the model recorded on a scalar
    /// ``ReverseTape`` (made during the sweep and dropped after it), its tangent rule from the
    /// model on `Dual<Base>`. Mixes today's scalar generic code into array-style models with the
    /// same derivatives.
    @inlinable
    public func applying<M: GenericModel>(model: M) -> TrackedVector {
        if !_isWhole { return _contiguous().applying(model: model) }
        let x = array
        let y = model(x)
        let m = y.count
        let out = tape._allocate(m)
        y.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: m) }
        let src = node, n = count, xv = values
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: m, values: out) }
        return tape._record(count: m, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                let scalar = ReverseTape<Base>(reservingCapacity: 8 * n + 64)
                let xs = scalar.variables(Array(UnsafeBufferPointer(start: xv, count: n)))
                let ys = withExtendedLifetime(scalar) { model(xs) }
                scalar.reverseSweep(from: ys, seeds: Array(UnsafeBufferPointer(start: ybar, count: m)))
                let p = tape._adjointForAdding(src)!
                for i in 0..<n { p[i] += scalar.adjoint(of: xs[i]) }
            case .forward:
                guard let t = tape._tangent(src) else { return }
                let xd = (0..<n).map { Dual(value: xv[$0], derivative: t[$0]) }
                let yd = model(xd)
                let o = tape._newTangent(me)
                for i in 0..<m { o[i] = yd[i].derivative }
            }
        }
    }

    /// `f(x)` (count 1) for an objective written on scalars (``GenericObjective``); see ``applying(model:)``.
    @inlinable
    public func applying<F: GenericObjective>(objective: F) -> TrackedVector {
        applying(model: _ObjectiveAsModel(f: objective))
    }
}

@frozen @usableFromInline
struct _ObjectiveAsModel<F: GenericObjective>: GenericModel {
    @usableFromInline let f: F
    @inlinable init(f: F) { self.f = f }
    @inlinable func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { [f(x)] }
}
