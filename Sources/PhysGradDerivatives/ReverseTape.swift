// The tape of reverse-mode automatic differentiation.
//
// Layout: one flat array of fixed-size records, one per recorded operation. A record holds at
// most two parents and the partial derivative of the operation with respect to each:
//     (parent0: Int32, parent1: Int32, partial0: Base, partial1: Base)   24 bytes for Double.
// Constants are not recorded (operations with a constant operand are unary, or record nothing
// when affine, see below). A unary record marks its missing second parent with its own index,
// and the sweep skips that update with a branch (which follows the periodic pattern of a loop
// body; a branch-free dummy update would chain records through one memory location). The sweep
// carries the contribution to record i-1, the most frequent parent, in a register rather than
// through memory.
// Inputs are records that are their own parents (parent0 == index); the sweep skips them, and
// stops above the block of inputs created before the first operation.
// Record 0 is reserved (index 0 marks constants).
//
// Affine operations with constants record nothing: a `TrackedReal` carries the scale of its
// value with respect to its record, which the next recorded operation folds into its partials.
//
// Scalars (`TrackedReal`) refer to the tape through an unowned, unsafe pointer to its header,
// so recording an operation costs no reference counting: a store of 24 bytes, an increment and
// a capacity check. The header stays at a fixed address while the record array grows
// geometrically (amortized O(1), no allocation per operation once the tape has been used).
// The tape is a class that owns that memory; it is NOT thread-safe, and it needs none: every
// evaluation records on its own tape, and there is no global or thread-local state.

/// Storage header of a ``ReverseTape`` (implementation detail, public for inlining).
@frozen
public struct _TapeHeader<Base: PhysGradReal> {
    @usableFromInline var records: UnsafeMutablePointer<_TapeRecord<Base>>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    /// Records below this index are all inputs (those created before any operation), so the
    /// reverse sweep stops here instead of visiting them.
    @usableFromInline var leadingInputsEnd: Int

    @inlinable
    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        self.records = .allocate(capacity: self.capacity)
        self.count = 0
        self.leadingInputsEnd = 0
    }

    /// Appends a unary record (second parent: itself, partial 0) and returns its index.
    @inlinable @inline(__always)
    mutating func pushUnary(_ parent0: Int32, _ partial0: Base) -> Int32 {
        if _slowPath(count == capacity) { grow() }
        _checkParent(parent0)
        let index = Int32(truncatingIfNeeded: count)
        (records + count).initialize(to: _TapeRecord(parent0: parent0, parent1: index,
                                                     partial0: partial0, partial1: 0))
        count &+= 1
        return index
    }

    /// Appends an input record (its own parents) and returns its index.
    @inlinable @inline(__always)
    mutating func pushInput() -> Int32 {
        if _slowPath(count == capacity) { grow() }
        if count == leadingInputsEnd { leadingInputsEnd &+= 1 }
        let index = Int32(truncatingIfNeeded: count)
        (records + count).initialize(to: _TapeRecord(parent0: index, parent1: index, partial0: 0, partial1: 0))
        count &+= 1
        return index
    }

    /// Appends a binary record and returns its index.
    @inlinable @inline(__always)
    mutating func push(_ parent0: Int32, _ partial0: Base, _ parent1: Int32, _ partial1: Base) -> Int32 {
        if _slowPath(count == capacity) { grow() }
        _checkParent(parent0)
        _checkParent(parent1)
        (records + count).initialize(to: _TapeRecord(parent0: parent0, parent1: parent1,
                                                     partial0: partial0, partial1: partial1))
        let index = count
        count = index &+ 1
        return Int32(truncatingIfNeeded: index)
    }

    /// Parents must already be on this tape: a scalar kept from before `reset()` would
    /// otherwise make the reverse sweep write out of bounds. (Scalars of another tape are
    /// rejected in `TrackedReal`'s binary operations.)
    @inlinable @inline(__always)
    func _checkParent(_ parent: Int32) {
        precondition(UInt32(bitPattern: parent) < UInt32(truncatingIfNeeded: count),
                     "ReverseTape: a scalar recorded before reset() was used")
    }

    @inlinable @inline(never)
    mutating func grow() {
        let newCapacity = capacity &* 2
        precondition(newCapacity <= Int(Int32.max), "ReverseTape: more than 2^31 - 1 recorded operations")
        let newRecords = UnsafeMutablePointer<_TapeRecord<Base>>.allocate(capacity: newCapacity)
        newRecords.moveInitialize(from: records, count: count)
        records.deallocate()
        records = newRecords
        capacity = newCapacity
    }
}

/// One recorded operation (implementation detail, public for inlining).
@frozen
public struct _TapeRecord<Base> {
    @usableFromInline var parent0: Int32
    @usableFromInline var parent1: Int32
    @usableFromInline var partial0: Base
    @usableFromInline var partial1: Base

    @inlinable @inline(__always)
    init(parent0: Int32, parent1: Int32, partial0: Base, partial1: Base) {
        self.parent0 = parent0
        self.parent1 = parent1
        self.partial0 = partial0
        self.partial1 = partial1
    }
}

/// A reverse-mode tape: records the operations of one evaluation on ``TrackedReal`` scalars,
/// then propagates adjoints backwards (vector-Jacobian products, gradients).
///
/// Cost: recording is O(1) per operation (no allocation once capacity is reached; `reset()`
/// keeps the capacity), and a reverse sweep is O(number of operations), so a gradient costs a
/// small constant times the function's own cost, independent of the number of inputs.
///
/// Usage (the drivers in ``Derivatives`` do this for you):
/// ```swift
/// let tape = ReverseTape<Double>()
/// let x = tape.variables([1, 2])
/// let y = x[0] * TrackedReal.sin(x[1])
/// tape.reverseSweep(from: y)
/// let g = x.map { tape.adjoint(of: $0) }   // [sin 2, cos 2]
/// ```
///
/// Lifetime rules: a `TrackedReal` refers to its tape without retaining it. It is valid while
/// the tape is alive and until the next `reset()`; using it afterwards is undefined behaviour.
/// A tape is not thread-safe: use one tape per thread or task (tapes are cheap and reusable).
/// Scalars of different tapes must not be mixed in one operation (checked: a precondition).
public final class ReverseTape<Base: PhysGradReal> {
    @usableFromInline let header: UnsafeMutablePointer<_TapeHeader<Base>>
    @usableFromInline var adjoints: UnsafeMutablePointer<Base>
    @usableFromInline var adjointCapacity: Int

    /// A tape with room for `capacity` operations before its first growth.
    public init(reservingCapacity capacity: Int = 1 << 12) {
        header = .allocate(capacity: 1)
        header.initialize(to: _TapeHeader(capacity: capacity))
        adjointCapacity = Swift.max(capacity, 16)
        adjoints = .allocate(capacity: adjointCapacity)
        adjoints.initialize(repeating: 0, count: adjointCapacity)
        _ = header.pointee.pushInput()  // record 0: reserved (index 0 marks constants)
    }

    deinit {
        header.pointee.records.deinitialize(count: header.pointee.count)
        header.pointee.records.deallocate()
        header.deinitialize(count: 1)
        header.deallocate()
        adjoints.deinitialize(count: adjointCapacity)
        adjoints.deallocate()
    }

    /// Number of records, including the reserved record 0.
    @inlinable
    public var count: Int { header.pointee.count }

    /// Forgets all recorded operations (keeping the memory). Invalidates every `TrackedReal`
    /// recorded so far.
    @inlinable
    public func reset() {
        header.pointee.records.advanced(by: 1).deinitialize(count: header.pointee.count - 1)
        header.pointee.count = 1
        header.pointee.leadingInputsEnd = 1
    }

    /// Forgets the operations recorded after the leading block of inputs (the variables made
    /// before the first operation) and keeps those inputs: every `TrackedReal` of an input stays
    /// valid, and one with a new value but the same index (`TrackedReal(value:index:tape:)`) can
    /// stand in for it, so repeated evaluations at the same point with different seeds skip
    /// re-recording n inputs (the lane Hessian reuses them for all ⌈n/K⌉ passes).
    @inlinable
    func _resetKeepingLeadingInputs() {
        let keep = header.pointee.leadingInputsEnd
        header.pointee.records.advanced(by: keep).deinitialize(count: header.pointee.count - keep)
        header.pointee.count = keep
    }

    /// A new independent variable with value `value`.
    @inlinable
    public func variable(_ value: Base) -> TrackedReal<Base> {
        let index = header.pointee.pushInput()
        return TrackedReal(value: value, index: index, tape: header)
    }

    /// New independent variables, one per element of `values`.
    @inlinable
    public func variables(_ values: [Base]) -> [TrackedReal<Base>] {
        values.map { variable($0) }
    }

    /// Makes `variables` the new independent variables with values `values`, reusing the
    /// array's storage (no allocation when it is uniquely referenced and has the right count).
    @inlinable
    public func makeVariables(_ values: [Base], into variables: inout [TrackedReal<Base>]) {
        values.withUnsafeBufferPointer { makeVariables($0, into: &variables) }
    }

    /// Makes `variables` the new independent variables with values `values` (see above).
    @inlinable
    public func makeVariables(_ values: UnsafeBufferPointer<Base>, into variables: inout [TrackedReal<Base>]) {
        let n = values.count
        if variables.count != n {
            variables = Array(repeating: TrackedReal(constant: 0), count: n)
        }
        // One capacity check and one bookkeeping update for the whole block.
        while header.pointee.capacity - header.pointee.count < n { header.pointee.grow() }
        let start = header.pointee.count
        let records = header.pointee.records
        let header = self.header
        variables.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let index = Int32(truncatingIfNeeded: start &+ i)
                (records + (start &+ i)).initialize(
                    to: _TapeRecord(parent0: index, parent1: index, partial0: 0, partial1: 0))
                out[i] = TrackedReal(value: values[i], index: index, tape: header)
            }
        }
        if header.pointee.leadingInputsEnd == start { header.pointee.leadingInputsEnd = start &+ n }
        header.pointee.count = start &+ n
    }

    @inlinable
    func prepareAdjoints(upTo end: Int) {
        if adjointCapacity < end {
            adjoints.deinitialize(count: adjointCapacity)
            adjoints.deallocate()
            adjointCapacity = Swift.max(end, adjointCapacity &* 2)
            adjoints = .allocate(capacity: adjointCapacity)
            adjoints.initialize(repeating: 0, count: adjointCapacity)
        } else {
            adjoints.update(repeating: 0, count: end)
        }
    }

    /// The reverse sweep over records `last` down to the first non-leading-input record.
    ///
    /// The contribution of record i to record i-1 (its most frequent parent: expressions are
    /// recorded as chains) is carried to the next iteration in a register instead of through
    /// memory, so the chain of adjoints does not wait for a store-to-load round trip per record.
    @inlinable
    func sweep(from last: Int) {
        let records = header.pointee.records
        let adjoints = self.adjoints
        let floor = header.pointee.leadingInputsEnd
        var i = last
        var carry: Base = 0  // contribution to adjoints[i] not yet stored
        while i >= floor {
            let r = records[i]
            let a = adjoints[i] + carry
            adjoints[i] = a
            carry = 0
            // Parents precede their children (checked when the record was pushed), so these
            // writes stay inside [0, i). Inputs are their own parents: nothing to propagate.
            // Unary records have parent1 == i: no second update.
            let p0 = Int(r.parent0), p1 = Int(r.parent1)
            if p0 != i {
                let c0 = r.partial0 * a
                if p0 == i &- 1 { carry = c0 } else { adjoints[p0] += c0 }
                if p1 != i {
                    let c1 = r.partial1 * a
                    if p1 == i &- 1 { carry += c1 } else { adjoints[p1] += c1 }
                }
            }
            i &-= 1
        }
        if i >= 0 { adjoints[i] += carry }
    }

    /// ``sweep(from:)`` that leaves 0 instead of the adjoint in every record it visits, so only
    /// the leading inputs' adjoints are nonzero afterwards. A caller that clears those too (after
    /// reading them) keeps all adjoints zero between sweeps and skips ``prepareAdjoints(upTo:)``,
    /// a store per record per sweep.
    @inlinable
    func _sweepClearing(from last: Int) {
        let records = header.pointee.records
        let adjoints = self.adjoints
        let floor = header.pointee.leadingInputsEnd
        var i = last
        var carry: Base = 0
        while i >= floor {
            let r = records[i]
            let a = adjoints[i] + carry
            adjoints[i] = 0
            carry = 0
            let p0 = Int(r.parent0), p1 = Int(r.parent1)
            if p0 != i {
                let c0 = r.partial0 * a
                if p0 == i &- 1 { carry = c0 } else { adjoints[p0] += c0 }
                if p1 != i {
                    let c1 = r.partial1 * a
                    if p1 == i &- 1 { carry += c1 } else { adjoints[p1] += c1 }
                }
            }
            i &-= 1
        }
        if i >= 0 { adjoints[i] += carry }
    }

    /// The reverse sweep from `output` on adjoints that are all zero on entry (the caller's
    /// invariant, see ``_sweepClearing(from:)``); afterwards only the leading inputs' adjoints
    /// are nonzero, and they are the same as after ``reverseSweep(from:seed:)``.
    @inlinable
    func _reverseSweepOnClearedAdjoints(from output: TrackedReal<Base>) {
        let end = header.pointee.count
        if adjointCapacity < end { prepareAdjoints(upTo: end) }  // grows, all zero
        guard output.tape != nil else { return }
        precondition(output.tape == header && Int(output.index) < end,
                     "ReverseTape: output does not belong to this tape")
        adjoints[Int(output.index)] = output.scale
        _sweepClearing(from: Int(output.index))
    }

    /// Reverse sweep from one output: afterwards `adjoint(of: v)` is `seed · ∂output/∂v` for
    /// every scalar `v` recorded before `output`. Any earlier adjoints are cleared first.
    /// A constant `output` (not on this tape) leaves every adjoint at zero.
    @inlinable
    public func reverseSweep(from output: TrackedReal<Base>, seed: Base = 1) {
        let end = header.pointee.count
        prepareAdjoints(upTo: end)
        guard output.tape != nil else { return }
        precondition(output.tape == header && Int(output.index) < end,
                     "ReverseTape: output does not belong to this tape")
        adjoints[Int(output.index)] = seed * output.scale
        sweep(from: Int(output.index))
    }

    /// Reverse sweep from several outputs with cotangent `seeds[k]` on `outputs[k]`:
    /// afterwards `adjoint(of: v)` is `Σ_k seeds[k] · ∂outputs[k]/∂v` (a vector-Jacobian product).
    @inlinable
    public func reverseSweep(from outputs: [TrackedReal<Base>], seeds: [Base]) {
        precondition(outputs.count == seeds.count, "ReverseTape: \(outputs.count) outputs but \(seeds.count) seeds")
        let end = header.pointee.count
        prepareAdjoints(upTo: end)
        var last = 0
        for k in 0..<outputs.count where outputs[k].tape != nil {
            let o = outputs[k]
            precondition(o.tape == header && Int(o.index) < end, "ReverseTape: output does not belong to this tape")
            adjoints[Int(o.index)] += seeds[k] * o.scale
            last = Swift.max(last, Int(o.index))
        }
        sweep(from: last)
    }

    /// The adjoint of `variable` after the last reverse sweep (0 for constants): ∂output/∂v
    /// for variables and for results of recorded operations. A scalar obtained from one of those
    /// by affine operations with constants (`x + c`, `c * x`, `-x`, ...) shares its record and
    /// reports that record's adjoint.
    @inlinable
    public func adjoint(of variable: TrackedReal<Base>) -> Base {
        guard variable.tape != nil else { return 0 }
        precondition(variable.tape == header && Int(variable.index) < adjointCapacity,
                     "ReverseTape: scalar does not belong to this tape")
        return adjoints[Int(variable.index)]
    }
}
