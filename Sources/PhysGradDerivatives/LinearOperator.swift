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
    /// `Y = A X` for k vectors stored interleaved: vector c's element j at `x[j · stride + c]`
    /// (j < n), its image's element i at `y[i · stride + c]` (i < m), for c < k <= stride; the
    /// other doubles of y are left as they are. Derivative elements (``Dual``, ``DualLanes``) are
    /// such interleaved vectors: their value and tangents. The default applies ``apply(_:into:)``
    /// to each vector through scratch buffers; dense and banded operators do all k in one pass.
    func apply(interleaved x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int)
    /// `X = Aᵀ Y` for k interleaved vectors, as ``apply(interleaved:into:vectors:stride:)``
    /// (y: m elements per vector, x: n).
    func applyTransposed(interleaved y: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int)
}

extension LinearOperator {
    @inlinable
    public func apply(interleaved x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _applyEachVector(x, inputCount, y, outputCount, k, stride) { apply($0, into: $1) }
    }

    @inlinable
    public func applyTransposed(interleaved y: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _applyEachVector(y, outputCount, x, inputCount, k, stride) { applyTransposed($0, into: $1) }
    }
}

/// A few doubles loaded, accumulated and stored together (the operators' interleaved kernels).
protocol _DoubleVector {
    static var zero: Self { get }
    static func load(from p: UnsafePointer<Double>) -> Self
    func store(to p: UnsafeMutablePointer<Double>)
    mutating func addProduct(_ a: Double, _ v: Self)
}

/// One double as a `_DoubleVector`.
struct _OneDouble: _DoubleVector {
    var value: Double
    static var zero: _OneDouble { _OneDouble(value: 0) }
    @inline(__always) static func load(from p: UnsafePointer<Double>) -> _OneDouble { _OneDouble(value: p.pointee) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) { p.pointee = value }
    @inline(__always) mutating func addProduct(_ a: Double, _ v: _OneDouble) { value += a * v.value }
}

extension SIMD2: _DoubleVector where Scalar == Double {}
extension SIMD4: _DoubleVector where Scalar == Double {}
extension SIMD8: _DoubleVector where Scalar == Double {}
extension SIMD16: _DoubleVector where Scalar == Double {}

extension SIMD where Scalar == Double {
    @inline(__always)
    static func load(from p: UnsafePointer<Double>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always)
    func store(to p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
    @inline(__always)
    mutating func addProduct(_ a: Double, _ v: Self) { self += a * v }
}

/// `map` (of `inCount` doubles to `outCount`) applied to each of k interleaved vectors through
/// two scratch buffers.
@inlinable
func _applyEachVector(_ x: UnsafePointer<Double>, _ inCount: Int, _ y: UnsafeMutablePointer<Double>, _ outCount: Int,
                      _ k: Int, _ stride: Int,
                      _ map: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void) {
    guard k > 0 else { return }
    withUnsafeTemporaryAllocation(of: Double.self, capacity: inCount + outCount) { scratch in
        let xs = UnsafeMutableBufferPointer(rebasing: scratch[0..<inCount])
        let ys = UnsafeMutableBufferPointer(rebasing: scratch[inCount..<(inCount + outCount)])
        for c in 0..<k {
            for j in 0..<inCount { xs[j] = x[j * stride + c] }
            map(UnsafeBufferPointer(xs), ys)
            for i in 0..<outCount { y[i * stride + c] = ys[i] }
        }
    }
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

    /// All k vectors in one BLAS `dgemm`: `Y = X Aᵀ` with X the k x n matrix of leading dimension `stride`.
    public func apply(interleaved x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _gemm(transposed: false, x, y, k, stride)
    }

    /// All k vectors in one BLAS `dgemm`: `X = Y A`.
    public func applyTransposed(interleaved y: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _gemm(transposed: true, y, x, k, stride)
    }

    func _gemm(transposed: Bool, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ k: Int, _ stride: Int) {
        precondition(k >= 0 && k <= stride, "DenseOperator: \(k) interleaved vectors with stride \(stride)")
        let m = matrix.rows, n = matrix.columns
        let inner = transposed ? m : n, outer = transposed ? n : m
        if k == 0 || outer == 0 { return }
        if inner == 0 {
            for i in 0..<outer { for c in 0..<k { y[i * stride + c] = 0 } }
            return
        }
        matrix.withUnsafeBufferPointer { a in
            cblas_dgemm(CblasColMajor, CblasNoTrans, transposed ? CblasNoTrans : CblasTrans, Int32(k), Int32(outer), Int32(inner), 1,
                        x, Int32(stride), a.baseAddress, Int32(Swift.max(1, m)), 0, y, Int32(stride))
        }
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
            let first = Swift.max(0, j - upper), end = Swift.min(m, j + lower + 1)
            if first < end { for i in first..<end { b[(upper + i - j) + j * ld] = element(i, j) } }
        }
        band = b
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _gbmv(transposed: false, x, y)
    }

    public func applyTransposed(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        _gbmv(transposed: true, y, x)
    }

    /// All k vectors in one pass over the band: `y_i = Σ_j A[i, j] x_j` on the k doubles of
    /// each element at once (held in SIMD registers across the row's band for k = 1, 2, 4, 8).
    public func apply(interleaved x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _bandProduct(transposed: false, x, y, k, stride)
    }

    /// All k vectors in one pass over the band: `x_j = Σ_i A[i, j] y_i`.
    public func applyTransposed(interleaved y: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, vectors k: Int, stride: Int) {
        _bandProduct(transposed: true, y, x, k, stride)
    }

    func _bandProduct(transposed: Bool, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ k: Int, _ stride: Int) {
        precondition(k >= 0 && k <= stride, "BandedOperator: \(k) interleaved vectors with stride \(stride)")
        guard k > 0 else { return }
        band.withUnsafeBufferPointer { b in
            switch k {
            case 16: _bandRows(SIMD16<Double>.self, transposed, b, x, y, stride)
            case 8: _bandRows(SIMD8<Double>.self, transposed, b, x, y, stride)
            case 4: _bandRows(SIMD4<Double>.self, transposed, b, x, y, stride)
            case 2: _bandRows(SIMD2<Double>.self, transposed, b, x, y, stride)
            default:
                for c in 0..<k { _bandRows(_OneDouble.self, transposed, b, x + c, y + c, stride) }
            }
        }
    }

    /// out_i = Σ_j M[i, j] in_j for M = A (or Aᵀ), each element a `V` of doubles at `i · stride`;
    /// the sum over the row's band stays in registers.
    @inline(__always)
    func _bandRows<V: _DoubleVector>(_: V.Type, _ transposed: Bool, _ b: UnsafeBufferPointer<Double>,
                                     _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ stride: Int) {
        let ld = lower + upper + 1
        let rows = transposed ? inputCount : outputCount, columns = transposed ? outputCount : inputCount
        guard let base = b.baseAddress else {
            for i in 0..<rows { V.zero.store(to: y + i * stride) }
            return
        }
        for i in 0..<rows {
            var acc = V.zero
            if transposed {
                // Aᵀ[i, j] = A[j, i]: column i of the band, rows i - upper ... i + lower of A.
                let first = Swift.max(0, i - upper), last = Swift.min(columns - 1, i + lower)
                if first <= last {
                    let column = base + (upper - i) + i * ld
                    for j in first...last { acc.addProduct(column[j], V.load(from: x + j * stride)) }
                }
            } else {
                // A[i, j] at base[(upper + i - j) + j · ld], for i - lower <= j <= i + upper.
                let first = Swift.max(0, i - lower), last = Swift.min(columns - 1, i + upper)
                if first <= last {
                    for j in first...last { acc.addProduct(base[(upper + i - j) + j * ld], V.load(from: x + j * stride)) }
                }
            }
            acc.store(to: y + i * stride)
        }
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

/// `y = A x` (or `Aᵀ x`) on elements of `Base`: for `Double` directly, otherwise on the doubles
/// of each element (value, tangents) as interleaved vectors, skipping the padding of
/// ``DualLanes`` (the map is linear, so the components do not mix).
@inlinable
func _applyComponentwise<Base: PhysGradReal, Op: LinearOperator>(
    _ op: Op, transposed: Bool, _ x: UnsafePointer<Base>, _ inCount: Int, _ y: UnsafeMutablePointer<Base>, _ outCount: Int
) {
    if Base.self == Double.self {
        let xb = UnsafeBufferPointer(start: UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), count: inCount)
        let yb = UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), count: outCount)
        if transposed { op.applyTransposed(xb, into: yb) } else { op.apply(xb, into: yb) }
        return
    }
    let size = MemoryLayout<Base>.stride
    precondition(size % 8 == 0, "LinearOperator: the element type \(Base.self) is not made of Doubles")
    let stride = size / 8
    // Runs of Double components (start, count): DualLanes keeps its value, padding, then its tangents.
    var runs = ((0, stride), (0, 0))
    if Base.self == DualLanes<SIMD16<Double>>.self {
        runs = ((0, 1), (MemoryLayout<DualLanes<SIMD16<Double>>>.offset(of: \DualLanes<SIMD16<Double>>.tangents)! / 8, 16))
    } else if Base.self == DualLanes<SIMD8<Double>>.self {
        runs = ((0, 1), (MemoryLayout<DualLanes<SIMD8<Double>>>.offset(of: \DualLanes<SIMD8<Double>>.tangents)! / 8, 8))
    } else if Base.self == DualLanes<SIMD4<Double>>.self {
        runs = ((0, 1), (MemoryLayout<DualLanes<SIMD4<Double>>>.offset(of: \DualLanes<SIMD4<Double>>.tangents)! / 8, 4))
    }
    let xd = UnsafeRawPointer(x).assumingMemoryBound(to: Double.self)
    let yd = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self)
    func run(_ start: Int, _ k: Int) {
        guard k > 0 else { return }
        if transposed {
            op.applyTransposed(interleaved: xd + start, into: yd + start, vectors: k, stride: stride)
        } else {
            op.apply(interleaved: xd + start, into: yd + start, vectors: k, stride: stride)
        }
    }
    run(runs.0.0, runs.0.1)
    run(runs.1.0, runs.1.1)
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
        _applyComponentwise(op, transposed: false, values, n, out, m)
        return _unaryNode(out, count: m, reverse: { tape, ybar, src in
            tape._accumulateAdjoint(src) { p, fresh in
                if fresh {
                    _applyComponentwise(op, transposed: true, ybar, m, p, n)
                } else {
                    let tmp = tape._allocate(n)
                    _applyComponentwise(op, transposed: true, ybar, m, tmp, n)
                    for i in 0..<n { p[i] += tmp[i] }
                }
            }
        }, forward: { t, o in
            _applyComponentwise(op, transposed: false, t, n, o, m)
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
