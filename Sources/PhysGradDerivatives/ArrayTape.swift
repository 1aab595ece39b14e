// Array-level reverse and forward mode: one record per array operation.
import RealModule

/// Which direction a recorded array operation propagates derivatives in.
public enum _ArraySweep: Sendable {
    /// Adjoints: from the node's adjoint into its parents' (vector-Jacobian products).
    case reverse
    /// Tangents: from the parents' tangents into the node's (Jacobian-vector products).
    case forward
}

/// One recorded array operation (implementation detail, public for inlining).
@frozen
public struct _ArrayNode<Base: PhysGradReal> {
    @usableFromInline var count: Int
    @usableFromInline var values: UnsafeMutablePointer<Base>
    /// nil: zero (no adjoint has reached this node).
    @usableFromInline var adjoint: UnsafeMutablePointer<Base>?
    /// nil: zero tangent.
    @usableFromInline var tangent: UnsafeMutablePointer<Base>?
    /// The chain rule of the operation in both directions; nil for inputs.
    @usableFromInline var propagate: ((ArrayTape<Base>, Int32, _ArraySweep) -> Void)?

    @inlinable
    init(count: Int, values: UnsafeMutablePointer<Base>, propagate: ((ArrayTape<Base>, Int32, _ArraySweep) -> Void)?) {
        self.count = count
        self.values = values
        self.adjoint = nil
        self.tangent = nil
        self.propagate = propagate
    }
}

/// The bump allocator's state of an ``ArrayTape``'s arena (implementation detail, public for
/// inlining): the current chunk, the offset in it, and the byte counts for ``ArrayTape/peakBytes``.
@frozen
public struct _ArenaState {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var capacity: Int
    @usableFromInline var index = 0
    @usableFromInline var offset = 0
    @usableFromInline var used = 0
    @usableFromInline var external = 0
    @usableFromInline var peak = 0
    /// Incremented by every `reset()`: a ``TrackedVector`` made before it no longer matches.
    @usableFromInline var generation: UInt32 = 0

    @inlinable
    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }
}

/// A record of array operations on ``TrackedVector``s for reverse mode (gradients,
/// vector-Jacobian products) and forward mode (Jacobian-vector products).
///
/// Every operation on tracked vectors appends one node: its values (an array of `count`
/// elements in the tape's arena) and its chain rule in both directions. Elementwise maps, stencils,
/// reductions and BLAS products are single nodes whatever their arithmetic, so a model records a
/// handful of nodes, not one per scalar operation. A reverse sweep visits the nodes backwards
/// and accumulates adjoints; a tangent sweep visits them forwards.
///
/// Memory is predictable: the arena holds every node's values (`count` elements of `Base` each;
/// fused maps, stencils and reductions store nothing else, their local derivatives are
/// recomputed in the sweep), then, during a sweep, one adjoint or tangent array per node reached.
/// ``storedBytes`` is the arena's current use and ``peakBytes`` its high-water mark; `reset()`
/// keeps the memory for the next evaluation, so repeated evaluations allocate nothing once warm.
///
/// `Base` is the element type: `Double` for values and gradients, `Dual<Double>` for
/// forward-over-reverse Hessian-vector products, `DualLanes<SIMD8<Double>>` for 8 Hessian
/// columns per pass. It must be a plain value type (every ``PhysGradReal`` of this module is).
///
/// A tape made with `recording: false` records nothing: operations only compute values (the
/// plain evaluation of an array-style model, at the cost of its arithmetic).
///
/// A ``TrackedVector`` refers to its tape without retaining it and is valid until the tape's
/// next `reset()`. A tape is not thread-safe: use one per thread or task.
public final class ArrayTape<Base: PhysGradReal> {
    // The tape's state is read and written in short accesses on one thread (the tape is not
    // thread-safe), never across a call that could reach it again: no dynamic exclusivity
    // checks (each cost a swift_beginAccess call, a fixed cost per evaluation that showed at
    // small n).

    /// Whether operations append nodes (false: values only).
    public let isRecording: Bool
    @exclusivity(unchecked) @usableFromInline var nodes: [_ArrayNode<Base>] = []
    // The arena: chunks of raw memory, bump-allocated, rewound by reset().
    @exclusivity(unchecked) @usableFromInline var chunks: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    /// The arena's counters, behind a pointer: allocation touches no stored property of the
    /// class (no dynamic exclusivity checks, no array access on the fast path).
    @usableFromInline let _arena: UnsafeMutablePointer<_ArenaState>
    @usableFromInline var chunkIndex: Int {
        get { _arena.pointee.index }
        set {
            _arena.pointee.index = newValue
            _arena.pointee.base = chunks[newValue].pointer
            _arena.pointee.capacity = chunks[newValue].bytes
        }
    }
    @usableFromInline var chunkOffset: Int {
        get { _arena.pointee.offset }
        set { _arena.pointee.offset = newValue }
    }
    @usableFromInline var usedBytes: Int {
        get { _arena.pointee.used }
        set { _arena.pointee.used = newValue }
    }
    /// Bytes in use at the end of the recorded evaluation (derivative arrays are above it).
    @exclusivity(unchecked) @usableFromInline var forwardMark: (chunk: Int, offset: Int, used: Int)?
    /// High-water mark of the arena, in bytes, since the tape was made or ``resetPeak()`` ran.
    public var peakBytes: Int { _peakBytes }
    @usableFromInline var _peakBytes: Int {
        get { _arena.pointee.peak }
        set { _arena.pointee.peak = newValue }
    }
    /// Extra bytes held by operations outside the arena at their peak (checkpointed loops' snapshots
    /// and inner tapes), included in ``peakBytes``.
    @usableFromInline var externalBytes: Int {
        get { _arena.pointee.external }
        set { _arena.pointee.external = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _loopSteps = 0
    /// Caller-owned storage for one node's adjoint (the gradient buffer of a driver), used when
    /// that adjoint is first written.
    @exclusivity(unchecked) @usableFromInline var _externalAdjoint: (node: Int32, pointer: UnsafeMutablePointer<Base>)?
    /// The node whose partials sit in `_externalAdjoint`'s buffer since it was recorded (-1: none).
    @exclusivity(unchecked) @usableFromInline var _precomputed: Int32 = -1
    /// An input of `Dual<Double>` elements x + vε held as two `Double` buffers by a driver (the
    /// Hessian-vector product's x and v), its values array left unfilled until first read, and
    /// the caller's buffer for the ε-part of its adjoint (the rows of H·v). See `_splitInput(_:x:v:product:)`.
    @exclusivity(unchecked) @usableFromInline var _split: (node: Int32, x: UnsafePointer<Double>, v: UnsafePointer<Double>,
                                   product: UnsafeMutablePointer<Double>)?
    /// The split input's node while its values array is unfilled (-1: none).
    @exclusivity(unchecked) @usableFromInline var _lazyInput: Int32 = -1
    /// The map-sum node that wrote the split input's adjoint ε-parts into `product` while recording (-1: none).
    @exclusivity(unchecked) @usableFromInline var _splitClaim: Int32 = -1
    /// Whether, after the last reverse sweep, `product` holds the ε-part of the split input's
    /// adjoint (its node's adjoint array is then never made).
    @exclusivity(unchecked) @usableFromInline var _splitHeld = false
    /// Whether the last Hessian-vector product on this tape took its result straight from a map-sum
    /// over the split input (no seed array, no copy out); kept across `reset()`, for tests.
    @exclusivity(unchecked) public var _lastProductWasSplit = false

    @usableFromInline static var alignment: Int { 64 }

    /// A tape whose arena starts with room for `reservingElements` elements.
    ///
    /// - Precondition: `Base` is a plain value type (no references), as every ``PhysGradReal``
    ///   of this module is.
    public init(reservingElements: Int = 1 << 12, recording: Bool = true) {
        precondition(_isPOD(Base.self), "ArrayTape: the element type must be a plain value type")
        isRecording = recording
        let bytes = Swift.max(4096, reservingElements * MemoryLayout<Base>.stride)
        let first = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.alignment)
        chunks.append((first, bytes))
        _arena = .allocate(capacity: 1)
        _arena.initialize(to: _ArenaState(base: first, capacity: bytes))
    }

    deinit {
        for c in chunks { c.pointer.deallocate() }
        _arena.deallocate()
    }

    /// Number of recorded nodes.
    public var nodeCount: Int { nodes.count }

    /// Bytes of the arena in use now (values of the recorded nodes, and derivative arrays after a sweep).
    public var storedBytes: Int { usedBytes }

    /// Bytes the arena has reserved (reused by later evaluations).
    public var reservedBytes: Int { chunks.reduce(0) { $0 + $1.bytes } }

    /// Restarts the peak count at the current use.
    public func resetPeak() { _peakBytes = usedBytes + externalBytes }

    /// Forgets every node (keeping the memory). Invalidates every ``TrackedVector`` of this tape:
    /// using one afterwards stops with a precondition failure.
    @inlinable
    public func reset() {
        _arena.pointee.generation &+= 1
        nodes.removeAll(keepingCapacity: true)
        if _slowPath(chunks.count > 1) { _mergeChunks() }
        chunkIndex = 0
        chunkOffset = 0
        usedBytes = 0
        externalBytes = 0
        _loopSteps = 0
        _externalAdjoint = nil
        _precomputed = -1
        _split = nil
        _lazyInput = -1
        _splitClaim = -1
        _splitHeld = false
        forwardMark = nil
    }

    /// Replaces the arena's chunks by one as large as all of them: next time everything fits in one chunk.
    @usableFromInline
    func _mergeChunks() {
        let total = chunks.reduce(0) { $0 + $1.bytes }
        for c in chunks { c.pointer.deallocate() }
        chunks = [(UnsafeMutableRawPointer.allocate(byteCount: total, alignment: Self.alignment), total)]
    }

    /// Makes `node` (an input of this `Dual<Double>` tape whose values array is allocated but not
    /// filled) the split input x + vε with `x` and `v` read in place from the caller's buffers
    /// (kept alive and unchanged until the next `reset()`), and `product` (node's count) the
    /// caller's buffer for the ε-part of its adjoint.
    ///
    /// Its values array is filled on first read (``TrackedVector`` reads go through
    /// `_fillLazyInput()`). A map-sum over it recorded right after it (no node in between, so
    /// no other node can reach its adjoint later in the sweep) may instead read x and v directly
    /// and write ∂/∂ε of its partials into `product` (`_claimSplitProduct(_:)`); when that sum's
    /// adjoint weight has no ε-part and nothing else reached the input first, the reverse rule
    /// only scales them (`_useSplitProduct(of:source:first:count:weight:)`) and `_splitHeld`
    /// tells the driver that `product` is the result. Otherwise everything runs as usual on the
    /// filled values.
    @inlinable
    public func _splitInput(_ node: Int32, x: UnsafePointer<Double>, v: UnsafePointer<Double>,
                            product: UnsafeMutablePointer<Double>) {
        precondition(Base.self == Dual<Double>.self, "ArrayTape: a split input needs Dual<Double> elements")
        guard isRecording, node >= 0 else {
            _split = nil
            return
        }
        _split = (node, x, v, product)
        _lazyInput = node
    }

    /// Fills the split input's values array with x + vε (once; every read of its values runs this first).
    @inlinable
    func _fillLazyInput() {
        guard _lazyInput >= 0, let s = _split else { return }
        let n = nodes[Int(_lazyInput)].count
        let p = UnsafeMutableRawPointer(nodes[Int(_lazyInput)].values).assumingMemoryBound(to: Double.self)
        for i in 0..<n {
            p[2 &* i] = s.x[i]
            p[2 &* i &+ 1] = s.v[i]
        }
        _lazyInput = -1
    }

    /// For a map-sum about to be recorded over `source`: the split input's x, v and product
    /// buffers when `source` is the split input, its values are still unread and the map-sum is
    /// the first node after it (then no other node can add to its adjoint after the map-sum's
    /// rule in the reverse sweep). The map-sum writes ∂/∂ε of its partials into `product`.
    @inlinable
    public func _claimSplitProduct(_ source: Int32)
        -> (x: UnsafePointer<Double>, v: UnsafePointer<Double>, product: UnsafeMutablePointer<Double>)? {
        guard source >= 0, source == _lazyInput, _splitClaim < 0, let s = _split, s.node == source,
              nodes.count == Int(source) &+ 1 else { return nil }
        _splitClaim = Int32(truncatingIfNeeded: nodes.count)
        return (s.x, s.v, s.product)
    }

    /// In the reverse rule of node `me`: whether the ε-parts it wrote into the split product at
    /// recording (elements `first ..< first + count`) become the ε-part of `source`'s adjoint,
    /// times `weight`, so the rule is done. True only in the first reverse sweep after the
    /// recording, when no other node reached `source` first and `weight` has no ε-part (the
    /// value part of the adjoint, which the product does not hold, is then not needed: nothing
    /// recorded before the map-sum reads `source`). Elements outside the range are zeroed.
    /// When false for the claiming node, the input's values are filled, so the rule can compute as usual.
    @inlinable
    public func _useSplitProduct(of me: Int32, source: Int32, first: Int, count: Int, weight: Base) -> Bool {
        guard _splitClaim == me else { return false }
        _splitClaim = -1
        let w = unsafeBitCast(weight, to: Dual<Double>.self)
        guard let s = _split, s.node == source, nodes[Int(source)].adjoint == nil, w.derivative == 0 else {
            _fillLazyInput()
            return false
        }
        let g = s.product, total = nodes[Int(source)].count
        g.initialize(repeating: 0, count: first)
        (g + (first + count)).initialize(repeating: 0, count: total - first - count)
        if w.value != 1 {
            for j in first..<(first + count) { g[j] = g[j] * w.value }
        }
        _splitHeld = true
        return true
    }

    /// For a map-sum about to be recorded over `source`: the caller-owned adjoint buffer of
    /// `source` (set by a driver before the evaluation), if no other node has claimed it. The
    /// map-sum stores its partials there (weight 1) while computing its value; the claim is the
    /// index the node will get.
    @inlinable
    public func _claimPrecomputedAdjoint(_ source: Int32) -> UnsafeMutablePointer<Base>? {
        guard isRecording, source >= 0, _precomputed < 0, let e = _externalAdjoint, e.node == source,
              nodes[Int(source)].adjoint == nil else { return nil }
        _precomputed = Int32(truncatingIfNeeded: nodes.count)
        return e.pointer
    }

    /// In the reverse rule of node `me`: whether the partials it stored at recording (elements
    /// `first ..< first + count` of `source`'s caller-owned buffer) become `source`'s adjoint,
    /// times `weight`, so the rule is done. True only in the first reverse sweep after the
    /// recording and only when no other node reached `source` before (its adjoint is still new);
    /// otherwise the rule computes as usual. Elements outside the range are zeroed.
    @inlinable
    public func _usePrecomputedAdjoint(of me: Int32, source: Int32, first: Int, count: Int, weight: Base) -> Bool {
        guard _precomputed == me else { return false }
        _precomputed = -1
        guard let e = _externalAdjoint, e.node == source, nodes[Int(source)].adjoint == nil else { return false }
        let g = e.pointer, total = nodes[Int(source)].count
        g.initialize(repeating: 0, count: first)
        (g + (first + count)).initialize(repeating: 0, count: total - first - count)
        if !Self._isExactlyOne(weight) {
            for j in first..<(first + count) { g[j] = g[j] * weight }
        }
        nodes[Int(source)].adjoint = g
        return true
    }

    /// Whether `w` is exactly 1 with every derivative part 0 (multiplying by it changes nothing).
    @inlinable @inline(__always)
    static func _isExactlyOne(_ w: Base) -> Bool {
        if Base.self == Double.self { return unsafeBitCast(w, to: Double.self) == 1 }
        if Base.self == Dual<Double>.self {
            let d = unsafeBitCast(w, to: Dual<Double>.self)
            return d.value == 1 && d.derivative == 0
        }
        return false
    }

    /// Uninitialized room for `count` elements in the arena (valid until `reset()`).
    @inlinable
    public func _allocate(_ count: Int) -> UnsafeMutablePointer<Base> {
        let stride = MemoryLayout<Base>.stride
        let bytes = (Swift.max(count, 1) * stride + Self.alignment - 1) & ~(Self.alignment - 1)
        let a = _arena
        if _slowPath(a.pointee.offset + bytes > a.pointee.capacity) { _nextChunk(bytes) }
        let p = a.pointee.base + a.pointee.offset
        a.pointee.offset += bytes
        a.pointee.used += bytes
        let total = a.pointee.used + a.pointee.external
        if total > a.pointee.peak { a.pointee.peak = total }
        return p.bindMemory(to: Base.self, capacity: Swift.max(count, 1))
    }

    @usableFromInline
    func _nextChunk(_ bytes: Int) {
        // Account the rest of the current chunk as used (it is skipped).
        usedBytes += chunks[chunkIndex].bytes - chunkOffset
        if chunkIndex + 1 < chunks.count, chunks[chunkIndex + 1].bytes >= bytes {
            chunkIndex += 1
        } else {
            let total = chunks.reduce(0) { $0 + $1.bytes }
            let size = Swift.max(bytes, total)
            // Drop later (too small) chunks: nothing lives in them.
            while chunks.count > chunkIndex + 1 { chunks.removeLast().pointer.deallocate() }
            chunks.append((UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment), size))
            chunkIndex += 1
        }
        chunkOffset = 0
    }

    /// Notes `bytes` held outside the arena (a checkpointed loop's snapshots) for ``peakBytes``.
    @inlinable
    public func _noteExternal(_ bytes: Int) {
        externalBytes += bytes
        if usedBytes + externalBytes > _peakBytes { _peakBytes = usedBytes + externalBytes }
    }

    // MARK: inputs and constants

    /// A new independent vector that reads `values` in place: the caller keeps the memory alive and
    /// unchanged until the tape's next `reset()` (the drivers do, for the length of one call).
    @inlinable
    public func _variable(borrowing values: UnsafeBufferPointer<Base>) -> TrackedVector<Base> {
        guard let base = values.baseAddress else { return variable(values) }
        return _record(count: values.count, values: UnsafeMutablePointer(mutating: base), propagate: nil)
    }

    /// A new array for node `i`'s adjoint: the caller-owned one if it was set for this node.
    @inlinable
    func _newAdjoint(_ i: Int) -> UnsafeMutablePointer<Base> {
        if let e = _externalAdjoint, Int(e.node) == i { return e.pointer }
        return _allocate(nodes[i].count)
    }

    /// A new independent vector with the values of `values` (copied into the tape).
    @inlinable
    public func variable(_ values: UnsafeBufferPointer<Base>) -> TrackedVector<Base> {
        let p = _allocate(values.count)
        if let base = values.baseAddress { p.update(from: base, count: values.count) }
        return _record(count: values.count, values: p, propagate: nil)
    }

    /// A new independent vector with the values of `values` (copied into the tape).
    @inlinable
    public func variable(_ values: [Base]) -> TrackedVector<Base> {
        values.withUnsafeBufferPointer { variable($0) }
    }

    /// A constant vector that reads `values` in place (the caller keeps them alive and unchanged
    /// until the tape's next `reset()`).
    @inlinable
    public func _constant(borrowing values: UnsafeBufferPointer<Base>) -> TrackedVector<Base> {
        guard let base = values.baseAddress else { return constant(values) }
        return TrackedVector(tape: self, node: -1, count: values.count, values: UnsafeMutablePointer(mutating: base))
    }

    /// A constant vector (no derivative), copied into the tape.
    @inlinable
    public func constant(_ values: UnsafeBufferPointer<Base>) -> TrackedVector<Base> {
        let p = _allocate(values.count)
        if let base = values.baseAddress { p.update(from: base, count: values.count) }
        return TrackedVector(tape: self, node: -1, count: values.count, values: p)
    }

    /// A constant vector (no derivative), copied into the tape.
    @inlinable
    public func constant(_ values: [Base]) -> TrackedVector<Base> {
        values.withUnsafeBufferPointer { constant($0) }
    }

    /// A constant vector of `count` copies of `value`.
    @inlinable
    public func constant(repeating value: Base, count: Int) -> TrackedVector<Base> {
        let p = _allocate(count)
        p.initialize(repeating: value, count: count)
        return TrackedVector(tape: self, node: -1, count: count, values: p)
    }

    /// A constant vector with the values of a `Double` array (each converted with `Base(_:)`).
    @inlinable
    public func constant(doubles values: [Double]) -> TrackedVector<Base> {
        let p = _allocate(values.count)
        for i in 0..<values.count { p[i] = Base(values[i]) }
        return TrackedVector(tape: self, node: -1, count: values.count, values: p)
    }

    /// Appends a node (or, when not recording or `propagate` is nil for a non-input, a constant).
    @inlinable
    public func _record(count: Int, values: UnsafeMutablePointer<Base>,
                        propagate: ((ArrayTape<Base>, Int32, _ArraySweep) -> Void)?) -> TrackedVector<Base> {
        guard isRecording else { return TrackedVector(tape: self, node: -1, count: count, values: values) }
        // Recording after a sweep: the derivative arrays below these values can no longer be
        // rewound (they stay until reset()); the next sweep marks anew.
        if forwardMark != nil { forwardMark = nil }
        precondition(nodes.count < Int(Int32.max), "ArrayTape: more than 2^31 - 1 nodes")
        let index = Int32(truncatingIfNeeded: nodes.count)
        nodes.append(_ArrayNode(count: count, values: values, propagate: propagate))
        return TrackedVector(tape: self, node: index, count: count, values: values)
    }

    // MARK: derivative arrays

    /// Frees the adjoint and tangent arrays of the last sweeps (keeping the recorded values), so a
    /// new sweep starts from zero: several products (a tangent sweep, then a reverse sweep, as in
    /// Gauss-Newton products Jᵀ(J v)) can share one recorded evaluation.
    @inlinable
    public func clearDerivatives() {
        _splitHeld = false
        for i in nodes.indices {
            nodes[i].adjoint = nil
            nodes[i].tangent = nil
        }
        if let m = forwardMark {
            chunkIndex = m.chunk
            chunkOffset = m.offset
            usedBytes = m.used
        }
    }

    @inlinable
    func _markForward() {
        if forwardMark == nil { forwardMark = (chunkIndex, chunkOffset, usedBytes) }
    }

    /// The adjoint array of `node` for accumulation: `body(pointer, fresh)` must assign every
    /// element when `fresh` (the array is new and uninitialized) and add otherwise.
    @inlinable
    public func _accumulateAdjoint(_ node: Int32, _ body: (UnsafeMutablePointer<Base>, Bool) -> Void) {
        guard node >= 0 else { return }
        let i = Int(node)
        if let a = nodes[i].adjoint {
            body(a, false)
        } else {
            let a = _newAdjoint(i)
            nodes[i].adjoint = a
            body(a, true)
        }
    }

    /// Like ``_accumulateAdjoint(_:_:)`` for an operation that reaches only some elements: a
    /// fresh array is zero-filled first, and `body` always adds.
    @inlinable
    public func _accumulateAdjointSparse(_ node: Int32, _ body: (UnsafeMutablePointer<Base>) -> Void) {
        guard node >= 0 else { return }
        let i = Int(node)
        if let a = nodes[i].adjoint {
            body(a)
        } else {
            let a = _newAdjoint(i)
            a.initialize(repeating: 0, count: nodes[i].count)
            nodes[i].adjoint = a
            body(a)
        }
    }

    /// The adjoint array of `node` for adding into (zero-filled when new); nil for constants.
    @inlinable
    public func _adjointForAdding(_ node: Int32) -> UnsafeMutablePointer<Base>? {
        guard node >= 0 else { return nil }
        let i = Int(node)
        if let a = nodes[i].adjoint { return a }
        let a = _newAdjoint(i)
        a.initialize(repeating: 0, count: nodes[i].count)
        nodes[i].adjoint = a
        return a
    }

    /// Uninitialized scratch room for `count` doubles in the arena (valid until the next sweep or reset).
    @inlinable
    public func _allocateDoubles(_ count: Int) -> UnsafeMutablePointer<Double> {
        let elements = (Swift.max(count, 1) * 8 + MemoryLayout<Base>.stride - 1) / MemoryLayout<Base>.stride
        return UnsafeMutableRawPointer(_allocate(elements)).bindMemory(to: Double.self, capacity: Swift.max(count, 1))
    }

    /// The adjoint of `node` (nil: zero).
    @inlinable
    public func _adjoint(_ node: Int32) -> UnsafeMutablePointer<Base>? {
        node >= 0 ? nodes[Int(node)].adjoint : nil
    }

    /// The tangent of `node` (nil: zero; constants always nil).
    @inlinable
    public func _tangent(_ node: Int32) -> UnsafeMutablePointer<Base>? {
        node >= 0 ? nodes[Int(node)].tangent : nil
    }

    /// A fresh tangent array for `node`, to be filled by the caller.
    @inlinable
    public func _newTangent(_ node: Int32) -> UnsafeMutablePointer<Base> {
        let a = _allocate(nodes[Int(node)].count)
        nodes[Int(node)].tangent = a
        return a
    }

    // MARK: sweeps

    /// Reverse sweep from `output` with cotangent `seed` (`output.count` elements): afterwards
    /// ``adjoint(of:)`` of every vector recorded before `output` is `seedᵀ ∂output/∂v`.
    /// Adjoints of an earlier sweep are cleared first.
    @inlinable
    public func reverseSweep(from output: TrackedVector<Base>, seed: UnsafeBufferPointer<Base>) {
        let output = output._contiguous()
        precondition(output.tape === self, "ArrayTape: the output belongs to another tape")
        precondition(seed.count == output.count, "ArrayTape: seed has \(seed.count) elements, output \(output.count)")
        _markForward()
        clearDerivatives()
        guard output.node >= 0 else { return }
        let a = _allocate(output.count)
        if let s = seed.baseAddress { a.update(from: s, count: output.count) }
        nodes[Int(output.node)].adjoint = a
        _sweepReverse(from: Int(output.node))
    }

    /// ``reverseSweep(from:seed:)`` with `seed` itself as the output's adjoint (not copied; the
    /// sweep may change it): for drivers that own the buffer and read the inputs' adjoints after.
    @inlinable
    func _reverseSweep(from output: TrackedVector<Base>, borrowingSeed seed: UnsafeMutablePointer<Base>) {
        precondition(output.tape === self && output._isWhole, "ArrayTape: a borrowed seed needs a whole vector of this tape")
        _markForward()
        clearDerivatives()
        guard output.node >= 0 else { return }
        nodes[Int(output.node)].adjoint = seed
        _sweepReverse(from: Int(output.node))
    }

    /// Reverse sweep from a scalar (count-1) output with seed 1: afterwards ``adjoint(of:)`` is the gradient.
    @inlinable
    public func reverseSweep(from output: TrackedVector<Base>) {
        precondition(output.count == 1, "ArrayTape: reverseSweep(from:) without a seed needs a count-1 output, got \(output.count)")
        var one: Base = 1
        withUnsafePointer(to: &one) { reverseSweep(from: output, seed: UnsafeBufferPointer(start: $0, count: 1)) }
    }

    @inlinable
    func _sweepReverse(from last: Int) {
        var i = last
        while i >= 0 {
            if nodes[i].adjoint != nil, let p = nodes[i].propagate {
                p(self, Int32(truncatingIfNeeded: i), .reverse)
            }
            i -= 1
        }
        // Stored partials serve the first sweep only (this one may have overwritten them).
        _precomputed = -1
        _splitClaim = -1
    }

    /// Tangent sweep (forward mode): with `tangents[k]` the tangent of input `inputs[k]`, afterwards
    /// ``tangent(of:)`` of every recorded vector is its directional derivative. Tangents of an
    /// earlier sweep are cleared first.
    ///
    /// An input may be a view of a recorded vector (a slice, a strided view): its tangent sets
    /// those elements, and the vector's other elements have tangent 0 unless another input sets
    /// them (later inputs overwrite earlier ones where they meet).
    public func tangentSweep(inputs: [TrackedVector<Base>], tangents: [UnsafeBufferPointer<Base>]) {
        precondition(inputs.count == tangents.count, "ArrayTape: \(inputs.count) inputs but \(tangents.count) tangents")
        _markForward()
        clearDerivatives()
        for (v, t) in zip(inputs, tangents) {
            precondition(v.tape === self, "ArrayTape: an input belongs to another tape")
            v._checkCurrent()
            precondition(t.count == v.count, "ArrayTape: tangent has \(t.count) elements, input \(v.count)")
            guard v.node >= 0 else { continue }
            if v._isWhole {
                let p = _newTangent(v.node)
                if let b = t.baseAddress { p.update(from: b, count: v.count) }
            } else {
                let p: UnsafeMutablePointer<Base>
                if let existing = _tangent(v.node) {
                    p = existing
                } else {
                    p = _newTangent(v.node)
                    p.initialize(repeating: 0, count: nodes[Int(v.node)].count)
                }
                for k in 0..<v.count { p[v.offset &+ k &* v.stride] = t[k] }
            }
        }
        for i in nodes.indices {
            if let p = nodes[i].propagate { p(self, Int32(truncatingIfNeeded: i), .forward) }
        }
    }

    /// The adjoint of `v` after the last reverse sweep (zeros if no derivative reached it).
    public func adjoint(of v: TrackedVector<Base>) -> [Base] {
        precondition(v.tape === self, "ArrayTape: the vector belongs to another tape")
        v._checkCurrent()
        guard let a = _adjoint(v.node) else { return [Base](repeating: 0, count: v.count) }
        return (0..<v.count).map { a[v.offset &+ $0 &* v.stride] }
    }

    /// The tangent of `v` after the last tangent sweep (zeros if no tangent reached it).
    public func tangent(of v: TrackedVector<Base>) -> [Base] {
        precondition(v.tape === self, "ArrayTape: the vector belongs to another tape")
        v._checkCurrent()
        guard let t = _tangent(v.node) else { return [Base](repeating: 0, count: v.count) }
        return (0..<v.count).map { t[v.offset &+ $0 &* v.stride] }
    }

    /// Copies the adjoint of `v` into `buffer` (zeros if none), without allocating.
    @inlinable
    public func copyAdjoint(of v: TrackedVector<Base>, into buffer: UnsafeMutableBufferPointer<Base>) {
        precondition(buffer.count == v.count, "ArrayTape: buffer has \(buffer.count) elements, vector \(v.count)")
        v._checkCurrent()
        guard let out = buffer.baseAddress else { return }
        guard let a = _adjoint(v.node) else { out.update(repeating: 0, count: v.count); return }
        if v.stride == 1 { if out != a + v.offset { out.update(from: a + v.offset, count: v.count) } }
        else { for i in 0..<v.count { out[i] = a[v.offset &+ i &* v.stride] } }
    }

    /// Copies the tangent of `v` into `buffer` (zeros if none), without allocating.
    @inlinable
    public func copyTangent(of v: TrackedVector<Base>, into buffer: UnsafeMutableBufferPointer<Base>) {
        precondition(buffer.count == v.count, "ArrayTape: buffer has \(buffer.count) elements, vector \(v.count)")
        v._checkCurrent()
        guard let out = buffer.baseAddress else { return }
        guard let t = _tangent(v.node) else { out.update(repeating: 0, count: v.count); return }
        if v.stride == 1 { out.update(from: t + v.offset, count: v.count) }
        else { for i in 0..<v.count { out[i] = t[v.offset &+ i &* v.stride] } }
    }
}
