// Time loops without storing every state: binomial checkpointing (Griewank's "revolve").

/// Which states of a time loop ``TrackedVector/iterated(steps:checkpoints:_:)`` keeps for the
/// reverse sweep.
///
/// With `s` snapshots a loop of T steps is reversed by the binomial schedule: the state at a
/// step is recomputed from the nearest snapshot before it, and snapshots are placed so that no
/// step is recomputed more than r times, r the smallest integer with C(s + r, s) >= T
/// (Griewank and Walther, "Algorithm 799: revolve", 2000). Memory is `s + 1` states of the loop
/// (the snapshots and the adjoint) plus the tapes of one step, whatever T: two value-only tapes
/// used in turn (one holds the current state while the other computes the next) and the
/// recorded one. A reverse sweep keeps at most s + 1 ranges of steps to reverse (a stack, not
/// recursion). A recording can be swept again: a sweep after one that overwrote a snapshot
/// recomputes its snapshots from u_0 (at most T more steps).
public enum CheckpointSchedule: Sendable, Hashable {
    /// Keep every state (T snapshots): each step runs once forward and once backward.
    case storeAll
    /// Keep at most `snapshots` states (>= 0; 0 recomputes every state from the start, O(T²) steps).
    case binomial(snapshots: Int)
    /// `2 ceil(sqrt(T))` snapshots: memory ∝ sqrt(T) states, and no step recomputed more than
    /// twice whatever T (C(s + 2, 2) >= s²/2 >= 2T); half as many would allow three.
    case automatic

    /// The number of snapshots for a loop of `steps` steps (0 for fewer than two steps).
    public func snapshots(forSteps steps: Int) -> Int {
        guard steps > 1 else { return 0 }
        switch self {
        case .storeAll: return steps - 1
        case .binomial(let s): return Swift.max(0, Swift.min(s, steps - 1))
        case .automatic:
            // ceil(sqrt(T)) from the floating-point root, corrected to the exact integer (a square
            // that overflows is larger than any T).
            var s = Int(Double(steps).squareRoot())
            func below(_ r: Int) -> Bool {
                let (square, overflow) = r.multipliedReportingOverflow(by: r)
                return !overflow && square < steps
            }
            while below(s) { s += 1 }
            while s > 1 && !below(s - 1) { s -= 1 }
            return Swift.min(2 * s, steps - 1)
        }
    }

    /// Bytes a loop keeps besides its tapes: `(snapshots + 1)` states of `stateCount` elements of
    /// `Base` (`Int.max` when that does not fit in an `Int`).
    public func stateBytes<Base>(steps: Int, stateCount: Int, element: Base.Type) -> Int {
        let (states, o1) = (snapshots(forSteps: steps) + 1).multipliedReportingOverflow(by: Swift.max(0, stateCount))
        let (bytes, o2) = states.multipliedReportingOverflow(by: MemoryLayout<Base>.stride)
        return o1 || o2 ? Int.max : bytes
    }

    /// C(s + r, s), saturating at `Int.max`.
    @usableFromInline static func beta(_ s: Int, _ r: Int) -> Int {
        var b = 1.0
        if r > 0 { for k in 1...r { b = _nextBeta(b, s, k) } }
        return _saturated(b)
    }

    /// C(s + k, s) from `b` = C(s + k - 1, s): b·(s + k)/k, in floating point (exact while the
    /// values stay below 2⁵³, within rounding above).
    @inlinable static func _nextBeta(_ b: Double, _ s: Int, _ k: Int) -> Double { b * Double(s + k) / Double(k) }

    /// `b` rounded to an `Int`, `Int.max` when it does not fit.
    @inlinable static func _saturated(_ b: Double) -> Int { b >= 0x1p63 ? Int.max : Int(b.rounded()) }

    /// The first snapshot of a range of `length` >= 2 steps with `s` >= 1 free snapshots: within the
    /// binomial bounds (the right part reversible with s - 1 snapshots, the left with s, both
    /// with the range's repetition number). O(r) operations for the repetition number r.
    @usableFromInline static func split(length: Int, snapshots s: Int) -> Int {
        // r: the smallest repetition number with C(s + r, s) >= length, the binomials built up
        // one r at a time (each from the previous one).
        var r = 1
        var b = _nextBeta(1, s, 1)
        while _saturated(b) < length {
            r += 1
            b = _nextBeta(b, s, r)
        }
        return Swift.min(length - 1, Swift.max(1, length - beta(s - 1, r)))
    }
}

/// Buffers and inner tapes of one recorded loop (freed with the node).
@usableFromInline
final class _LoopStorage<Base: PhysGradReal> {
    @usableFromInline let n: Int
    @usableFromInline let slots: Int
    @usableFromInline let memory: UnsafeMutablePointer<Base>
    /// Two value-only tapes used in turn: a step reads the state in one's arena and writes the
    /// next into the other's, so chains of steps copy no state.
    @usableFromInline let runners: (ArrayTape<Base>, ArrayTape<Base>)
    @usableFromInline var runnerTurn = 0
    @usableFromInline let recorder: ArrayTape<Base>
    /// Steps evaluated (advances and recorded steps), for the statistics.
    @usableFromInline var stepEvaluations = 0
    /// Whether the slots still hold the snapshots of the forward pass (a reverse sweep that
    /// recomputes a snapshot into a slot overwrites one; the sweeps after it recompute all theirs).
    @usableFromInline var spineStored = true

    /// Room for `slots` snapshots and the adjoint of n elements, and tapes starting with the
    /// given room (they grow when a step needs more).
    @usableFromInline
    init(n: Int, slots: Int, runnerElements: Int, recorderElements: Int) {
        self.n = n
        self.slots = slots
        // slots and one adjoint state
        memory = .allocate(capacity: Swift.max(1, (slots + 1) * n))
        runners = (ArrayTape(reservingElements: runnerElements, recording: false), ArrayTape(reservingElements: runnerElements, recording: false))
        recorder = ArrayTape(reservingElements: recorderElements)
    }

    deinit { memory.deallocate() }

    @inlinable func slot(_ k: Int) -> UnsafeMutablePointer<Base> { memory + k * n }
    @inlinable var adjointState: UnsafeMutablePointer<Base> { memory + slots * n }

    /// The runner for the next step (reset), the other one keeping the previous step's state.
    @inlinable func nextRunner() -> ArrayTape<Base> {
        runnerTurn ^= 1
        let r = runnerTurn == 0 ? runners.0 : runners.1
        r.reset()
        return r
    }

    /// Bytes already noted on the outer tape.
    @usableFromInline var noted = 0

    /// Notes growth of this loop's memory on the outer tape (for its peak).
    @inlinable func noteMemory(on tape: ArrayTape<Base>) {
        let b = bytes
        if b > noted { tape._noteExternal(b - noted); noted = b }
    }

    @inlinable var bytes: Int {
        (slots + 1) * n * MemoryLayout<Base>.stride + runners.0.reservedBytes + runners.1.reservedBytes + recorder.reservedBytes
    }
}

extension ArrayTape {
    /// Steps of checkpointed loops evaluated on this tape since its last `reset()` (advances while
    /// recording and recomputing, and recorded steps in sweeps): the cost of the schedule.
    public var loopStepEvaluations: Int { _loopSteps }
}

extension TrackedVector {
    /// `u_T` for `u_{t+1} = step(u_t)`, `u_0 = self`, T = `steps`, as one node that keeps only
    /// the snapshots of `checkpoints` (see ``CheckpointSchedule``): memory `(s + 1)` states plus
    /// the tapes of one step instead of T states.
    ///
    /// `step` receives the state on an inner tape and must return the next state (same count) on
    /// that tape, using only that vector and constants: tracked vectors of the outer tape must not
    /// be captured (checked: operations across tapes stop with a precondition failure). It is
    /// called T times in the forward pass and again while reversing (at most r + 1 times per
    /// step, see ``CheckpointSchedule``); ``ArrayTape/loopStepEvaluations`` counts them.
    /// The reverse rule runs the schedule; the tangent rule runs the steps forward with their
    /// tangents and stores nothing.
    ///
    /// A loop whose step is one three-point stencil is faster as
    /// ``iterated(steps:stencil:boundary:checkpoints:)``.
    ///
    /// - Precondition: `steps >= 0`.
    @inlinable
    public func iterated(steps: Int, checkpoints: CheckpointSchedule = .automatic,
                         _ step: @escaping (TrackedVector<Base>) -> TrackedVector<Base>) -> TrackedVector {
        precondition(steps >= 0, "TrackedVector.iterated: negative step count \(steps)")
        if !_isWhole { return _contiguous().iterated(steps: steps, checkpoints: checkpoints, step) }
        return _iterated(steps: steps, checkpoints: checkpoints, _TapeStep(step: step, n: count))
    }

    /// `u_T` for `u_{t+1} = stencil(u_t)` (`u_{t+1,i} = k(u_{t,i-1}, u_{t,i}, u_{t,i+1}, i)` with
    /// the given ends), `u_0 = self`: the values and derivatives of
    /// `iterated(steps:checkpoints:) { $0.stencil(k, boundary: boundary) }`, bit for bit, with
    /// the same schedule and memory, but each step runs on the state buffers directly: no tape
    /// per step, and a reversed step evaluates only the kernel's partials, not its values again.
    ///
    /// - Precondition: `steps >= 0` and the vector is not empty (as for ``stencil(_:boundary:)``).
    @inlinable
    public func iterated<K: StencilKernel>(steps: Int, stencil k: K, boundary: StencilBoundary<Base>,
                                           checkpoints: CheckpointSchedule = .automatic) -> TrackedVector {
        precondition(steps >= 0, "TrackedVector.iterated: negative step count \(steps)")
        precondition(count >= 1, "TrackedVector.iterated: empty vector")
        if !_isWhole { return _contiguous().iterated(steps: steps, stencil: k, boundary: boundary, checkpoints: checkpoints) }
        return _iterated(steps: steps, checkpoints: checkpoints, _StencilStep(rules: _StencilRules(k, count: count, boundary: boundary)))
    }

    /// The checkpointed loop of ``iterated(steps:checkpoints:_:)`` for any way of stepping.
    @inlinable
    func _iterated<S: _LoopStep>(steps: Int, checkpoints: CheckpointSchedule, _ stepper: S) -> TrackedVector where S.Base == Base {
        let n = count
        let s = tape.isRecording && isTracked ? checkpoints.snapshots(forSteps: steps) : 0
        let storage = _LoopStorage<Base>(n: n, slots: s, runnerElements: S.runnerElements(n), recorderElements: S.recorderElements(n))
        unowned(unsafe) let outer = tape

        /// One step from `src` (values only): the next state, valid until the step after next.
        func advance(_ src: UnsafePointer<Base>) -> UnsafePointer<Base> {
            let next = stepper.advance(src, storage)
            storage.stepEvaluations += 1
            outer._loopSteps += 1
            return next
        }
        /// `k` steps from `src` into `dst` (one copy at the end).
        func advance(_ src: UnsafePointer<Base>, steps k: Int, into dst: UnsafeMutablePointer<Base>) {
            var cur = src
            for _ in 0..<k { cur = advance(cur) }
            if cur != UnsafePointer(dst) { dst.update(from: cur, count: n) }
        }

        // Forward: run the loop, storing the snapshots of the schedule's first (rightmost) chain.
        var spine: [(position: Int, slot: Int)] = []
        if s > 0 {
            var a = 0, free = s
            while steps - a >= 2 && free > 0 {
                let m = a + CheckpointSchedule.split(length: steps - a, snapshots: free)
                spine.append((m, s - free))
                a = m
                free -= 1
            }
        }
        let out = tape._allocate(n)
        var cur = UnsafePointer(values)
        var next = 0
        for t in 0..<steps {
            cur = advance(cur)
            if next < spine.count && spine[next].position == t + 1 {
                let slot = storage.slot(spine[next].slot)
                slot.update(from: cur, count: n)
                cur = UnsafePointer(slot)
                next += 1
            }
        }
        out.update(from: cur, count: n)
        storage.noteMemory(on: tape)
        let src = node, u0 = UnsafePointer(values)
        let spinePositions = spine
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: n, values: out) }

        /// ū ← J(step at state)ᵀ ū.
        func pullbackStep(_ state: UnsafePointer<Base>, _ ubar: UnsafeMutablePointer<Base>) {
            stepper.pullback(state, ubar, storage)
            storage.stepEvaluations += 1
            outer._loopSteps += 1
        }
        /// Reverses steps 0..<T from u0 by the schedule, one range of steps at a time from a stack
        /// (a schedule that stores every state would otherwise nest as deep as the loop is long).
        /// A range a..<b starts from the state in `slot` (-1: u0) with snapshot slots
        /// `firstFree ..< s` free: its first snapshot m goes to slot `firstFree`, then m..<b is
        /// reversed (slots above `firstFree`), then a..<m (slot `firstFree` again; the range's own
        /// state is in a lower slot). `onSpine`: the snapshots of the range's right chain are the
        /// ones the forward pass stored (spine entry k in slot k).
        func reverseAll(_ ubar: UnsafeMutablePointer<Base>, spineStored: Bool) {
            var pending: [(a: Int, b: Int, slot: Int, firstFree: Int, onSpine: Bool)] = [(0, steps, -1, 0, spineStored)]
            pending.reserveCapacity(s + 2)
            while let range = pending.popLast() {
                let (a, b, slot, firstFree, onSpine) = range
                let state = slot < 0 ? u0 : UnsafePointer(storage.slot(slot))
                let length = b - a
                if length == 0 { continue }
                if length == 1 { pullbackStep(state, ubar); continue }
                let free = s - firstFree
                if free == 0 {
                    // No snapshot left: recompute every state of the range from its start.
                    var j = b - 1
                    while j > a {
                        var cur = state
                        for _ in 0..<(j - a) { cur = advance(cur) }
                        pullbackStep(cur, ubar)  // the pullback leaves the runners (and `cur`) alone
                        j -= 1
                    }
                    pullbackStep(state, ubar)
                    continue
                }
                let m = a + CheckpointSchedule.split(length: length, snapshots: free)
                if !(onSpine && firstFree < spinePositions.count && spinePositions[firstFree].position == m) {
                    // The slot no longer holds the forward pass's snapshot: later sweeps recompute theirs.
                    advance(state, steps: m - a, into: storage.slot(firstFree))
                    storage.spineStored = false
                }
                pending.append((a, m, slot, firstFree, false))
                pending.append((m, b, firstFree, firstFree + 1, onSpine))
            }
        }

        return tape._record(count: n, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                let ubar = storage.adjointState
                ubar.update(from: ybar, count: n)
                reverseAll(ubar, spineStored: storage.spineStored)
                tape._accumulateAdjoint(src) { p, fresh in
                    if fresh { p.update(from: ubar, count: n) } else { for i in 0..<n { p[i] += ubar[i] } }
                }
                storage.noteMemory(on: tape)
            case .forward:
                guard let t0 = tape._tangent(src) else { return }
                let o = tape._newTangent(me)
                // Tangent and state advance together; the tangent lives in `o`, the state in the runners.
                o.update(from: t0, count: n)
                var state = u0
                for _ in 0..<steps {
                    state = stepper.tangentStep(state, o, storage)
                    storage.stepEvaluations += 1
                    tape._loopSteps += 1
                }
            }
        }
    }
}

/// One way of taking a loop's steps on raw state buffers: the value of a step, its pullback, and
/// its tangent.
@usableFromInline
protocol _LoopStep {
    associatedtype Base: PhysGradReal
    /// The room each runner starts with for states of n elements.
    static func runnerElements(_ n: Int) -> Int
    /// The room the recorder starts with.
    static func recorderElements(_ n: Int) -> Int
    /// The next state from `src`, valid until the step after next (written into the arena of the
    /// runner whose turn it is; `src` is not in that arena).
    func advance(_ src: UnsafePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base>
    /// `ū ← J(step at state)ᵀ ū` in place; leaves the runners' arenas alone.
    func pullback(_ state: UnsafePointer<Base>, _ ubar: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>)
    /// The next state (as ``advance(_:_:)``) and, in place, the tangent `o ← J(step at state) o`.
    func tangentStep(_ state: UnsafePointer<Base>, _ o: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base>
}

/// A step given as a function of tracked vectors: evaluated on the runners, recorded on the
/// recorder for its pullback and tangent.
@frozen @usableFromInline
struct _TapeStep<Base: PhysGradReal>: _LoopStep {
    @usableFromInline let step: (TrackedVector<Base>) -> TrackedVector<Base>
    @usableFromInline let n: Int

    @inlinable init(step: @escaping (TrackedVector<Base>) -> TrackedVector<Base>, n: Int) {
        self.step = step
        self.n = n
    }

    @inlinable static func runnerElements(_ n: Int) -> Int { 8 * n + 64 }
    @inlinable static func recorderElements(_ n: Int) -> Int { 16 * n + 64 }

    @inlinable
    func advance(_ src: UnsafePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base> {
        let runner = storage.nextRunner()
        let v = TrackedVector(tape: runner, node: -1, count: n, values: UnsafeMutablePointer(mutating: src))
        let next = step(v)
        precondition(next.count == n && next.tape === runner,
                     "TrackedVector.iterated: the step must return a vector of \(n) elements on the tape it was given")
        var w = next._contiguous().values
        if UnsafePointer(w) == src {
            // The step returned its input: the next step must not read it from an arena it resets.
            w = runner._allocate(n)
            w.update(from: src, count: n)
        }
        return UnsafePointer(w)
    }

    @inlinable
    func pullback(_ state: UnsafePointer<Base>, _ ubar: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>) {
        let r = storage.recorder
        r.reset()
        // The state and ū are read in place (the state stays put until the step is reversed;
        // ū is overwritten with the input's adjoint only after the sweep).
        let v = r._variable(borrowing: UnsafeBufferPointer(start: state, count: n))
        let w = step(v)._contiguous()
        precondition(w.count == n && w.tape === r,
                     "TrackedVector.iterated: the step must return a vector of \(n) elements on the tape it was given")
        r._reverseSweep(from: w, borrowingSeed: ubar)
        r.copyAdjoint(of: v, into: UnsafeMutableBufferPointer(start: ubar, count: n))
    }

    @inlinable
    func tangentStep(_ state: UnsafePointer<Base>, _ o: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base> {
        let r = storage.recorder
        r.reset()
        let v = r.variable(UnsafeBufferPointer(start: state, count: n))
        let w = step(v)._contiguous()
        r.tangentSweep(inputs: [v], tangents: [UnsafeBufferPointer(start: o, count: n)])
        r.copyTangent(of: w, into: UnsafeMutableBufferPointer(start: o, count: n))
        // The state outlives the recorder's reset: into a runner's arena, in turn.
        let target = storage.nextRunner()._allocate(n)
        target.update(from: w.values, count: n)
        return UnsafePointer(target)
    }
}

/// A step that is one three-point stencil, on the state buffers directly.
@frozen @usableFromInline
struct _StencilStep<K: StencilKernel, Base: PhysGradReal>: _LoopStep {
    @usableFromInline let rules: _StencilRules<K, Base>

    @inlinable init(rules: _StencilRules<K, Base>) { self.rules = rules }

    /// A state per runner; the pullback's three scratch arrays (or a tangent) on the recorder.
    @inlinable static func runnerElements(_ n: Int) -> Int { n + 8 }
    @inlinable static func recorderElements(_ n: Int) -> Int { 3 * n + 8 }

    @inlinable
    func advance(_ src: UnsafePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base> {
        let out = storage.nextRunner()._allocate(rules.n)
        rules.values(src, into: out)
        return UnsafePointer(out)
    }

    @inlinable
    func pullback(_ state: UnsafePointer<Base>, _ ubar: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>) {
        let r = storage.recorder
        r.reset()
        rules.pullback(state, ubar, into: ubar, fresh: true, scratch: r._allocate(3 * rules.n))
    }

    @inlinable
    func tangentStep(_ state: UnsafePointer<Base>, _ o: UnsafeMutablePointer<Base>, _ storage: _LoopStorage<Base>) -> UnsafePointer<Base> {
        let r = storage.recorder
        r.reset()
        let t = r._allocate(rules.n)
        t.update(from: o, count: rules.n)
        rules.tangent(state, t, into: o)
        return advance(state, storage)
    }
}
