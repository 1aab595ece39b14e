// Structural operations on tracked vectors: slices, strides, shifts and rolls, concatenation,
// gathers and scatters. All are linear with 0/1 coefficients: the reverse rule moves adjoints
// back to where the values came from, the tangent rule moves tangents like the values.

extension TrackedVector {
    /// Records `out` (`m` values computed from this vector alone) as one node with the given chain
    /// rules: `reverse(tape, ȳ, source node)` adds into the source's adjoint, `forward(ṫ, out)`
    /// writes the tangent from the source's (called only when the source has one). Untracked
    /// sources or a tape that does not record give a constant.
    @inlinable
    func _unaryNode(_ out: UnsafeMutablePointer<Base>, count m: Int,
                    reverse: @escaping (ArrayTape<Base>, UnsafeMutablePointer<Base>, Int32) -> Void,
                    forward: @escaping (UnsafeMutablePointer<Base>, UnsafeMutablePointer<Base>) -> Void) -> TrackedVector {
        let src = node
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: m, values: out) }
        return tape._record(count: m, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse: reverse(tape, tape._adjoint(me)!, src)
            case .forward:
                guard let t = tape._tangent(src) else { return }
                forward(t, tape._newTangent(me))
            }
        }
    }
}

extension TrackedVector {
    /// `y_k = x[start + k·stride]`, k = 0 ..< count (`stride` may be negative). A contiguous
    /// slice is `stride` 1; `strided(from: 0, by: 2)` the even entries.
    ///
    /// A view: nothing is copied or recorded. Fused maps (``map(_:)``, ``mapSum(_:)``, arithmetic,
    /// elementary functions, reductions) read a view in place and send its adjoint straight to the
    /// source; any other operation copies it first (one recorded copy).
    ///
    /// - Precondition: `stride != 0`, and every element read is in `0 ..< count` (the default
    ///   count takes every element from `start` on, none when `start` is past the end).
    @inlinable
    public func strided(from start: Int, by stride: Int = 1, count m: Int? = nil) -> TrackedVector {
        precondition(stride != 0, "TrackedVector.strided: stride 0")
        let m = m ?? TrackedVector._stridedCount(count, start, stride)
        // The last element read, start + (m - 1)·stride, without overflowing (any stride, any m).
        let (span, o1) = (m &- 1).multipliedReportingOverflow(by: stride)
        let (last, o2) = start.addingReportingOverflow(span)
        precondition(m == 0 || (m > 0 && !o1 && !o2 && start >= 0 && start < count && last >= 0 && last < count),
                     "TrackedVector.strided: from \(start) by \(stride), \(m) elements, leaves 0..<\(count)")
        if m == 0 {
            return TrackedVector(tape: tape, node: -1, count: 0, values: tape._allocate(0))
        }
        return TrackedVector(tape: tape, node: node, count: m, values: _values + start &* self.stride,
                             stride: stride &* self.stride, offset: offset &+ start &* self.stride)
    }

    /// The default count of ``strided(from:by:count:)``: the indices start, start + stride, ...
    /// in `0 ..< n` (1 for a start outside them on the side the stride moves away from, which
    /// the bounds check then reports; 0 past the other end). No step can overflow.
    @inlinable
    static func _stridedCount(_ n: Int, _ start: Int, _ stride: Int) -> Int {
        if stride > 0 {
            if start >= n { return 0 }
            if start < 0 { return 1 }
            return (n - 1 - start) / stride + 1
        }
        if start < 0 { return 0 }
        if start >= n { return 1 }
        return Int(UInt(start) / stride.magnitude) + 1
    }

    /// A view's elements copied into a node of their own.
    @inlinable
    public func _materialize() -> TrackedVector {
        let m = count, step = stride, first = offset
        let x = values
        let out = tape._allocate(m)
        for k in 0..<m { out[k] = x[k &* step] }
        return _unaryNode(out, count: m, reverse: { tape, ybar, src in
            tape._accumulateAdjointSparse(src) { p in for k in 0..<m { p[first &+ k &* step] += ybar[k] } }
        }, forward: { t, o in
            for k in 0..<m { o[k] = t[first &+ k &* step] }
        })
    }

    /// The contiguous slice `x[range]`.
    @inlinable
    public subscript(range: Range<Int>) -> TrackedVector {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "TrackedVector: slice \(range) of 0..<\(count)")
        return range.isEmpty ? strided(from: 0, by: 1, count: 0) : strided(from: range.lowerBound, by: 1, count: range.count)
    }

    /// Element `i` as a count-1 vector.
    @inlinable
    public func element(_ i: Int) -> TrackedVector { strided(from: i, by: 1, count: 1) }

    /// A periodic shift: `y_i = x_{(i - shift) mod n}` (NumPy's `roll`): `rolled(by: 1)` puts
    /// each element's left neighbour in its place.
    @inlinable
    public func rolled(by shift: Int) -> TrackedVector {
        if !_isWhole { return _contiguous().rolled(by: shift) }
        let n = count
        guard n > 0 else { return self }
        let s = ((shift % n) + n) % n
        let x = values
        let out = tape._allocate(n)
        // y[s..<n] = x[0..<n-s], y[0..<s] = x[n-s..<n]
        (out + s).update(from: x, count: n - s)
        out.update(from: x + (n - s), count: s)
        return _unaryNode(out, count: n, reverse: { tape, ybar, src in
            tape._accumulateAdjoint(src) { p, fresh in
                if fresh {
                    p.update(from: ybar + s, count: n - s)
                    (p + (n - s)).update(from: ybar, count: s)
                } else {
                    for i in 0..<(n - s) { p[i] += ybar[i + s] }
                    for i in 0..<s { p[n - s + i] += ybar[i] }
                }
            }
        }, forward: { t, o in
            (o + s).update(from: t, count: n - s)
            o.update(from: t + (n - s), count: s)
        })
    }

    /// A shift with fixed ends: `y_i = x_{i - shift}` where that index exists, `fill` (a
    /// constant) elsewhere.
    @inlinable
    public func shifted(by shift: Int, fill: Base = 0) -> TrackedVector {
        if !_isWhole { return _contiguous().shifted(by: shift, fill: fill) }
        let n = count
        let x = values
        let out = tape._allocate(n)
        // A shift by n or more in either direction reads nothing (clamped, so that n + shift cannot overflow).
        let shift = Swift.max(-n, Swift.min(n, shift))
        let lo = Swift.min(n, Swift.max(0, shift)), hi = Swift.max(lo, Swift.min(n, n + shift))  // i in lo..<hi read x[i - shift]
        for i in 0..<n { out[i] = (i >= lo && i < hi) ? x[i - shift] : fill }
        return _unaryNode(out, count: n, reverse: { tape, ybar, src in
            tape._accumulateAdjointSparse(src) { p in for i in lo..<hi { p[i - shift] += ybar[i] } }
        }, forward: { t, o in
            for i in 0..<n { o[i] = (i >= lo && i < hi) ? t[i - shift] : 0 }
        })
    }

    /// The vectors one after another.
    @inlinable
    public static func concatenate(_ parts: [TrackedVector]) -> TrackedVector {
        precondition(!parts.isEmpty, "TrackedVector.concatenate: no parts")
        let parts = parts.map { $0._contiguous() }
        let tape = parts[0].tape
        for p in parts { parts[0]._checkSameTape(p) }
        let n = parts.reduce(0) { $0 + $1.count }
        let out = tape._allocate(n)
        var offsets: [Int] = []
        var o = 0
        for p in parts {
            offsets.append(o)
            (out + o).update(from: p.values, count: p.count)
            o += p.count
        }
        let sources = parts.map { ($0.node, $0.count) }
        guard tape.isRecording, sources.contains(where: { $0.0 >= 0 }) else {
            return TrackedVector(tape: tape, node: -1, count: n, values: out)
        }
        return tape._record(count: n, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                for (k, (src, m)) in sources.enumerated() where src >= 0 {
                    let y = ybar + offsets[k]
                    tape._accumulateAdjoint(src) { p, fresh in
                        if fresh { p.update(from: y, count: m) } else { for i in 0..<m { p[i] += y[i] } }
                    }
                }
            case .forward:
                guard sources.contains(where: { tape._tangent($0.0) != nil }) else { return }
                let t = tape._newTangent(me)
                for (k, (src, m)) in sources.enumerated() {
                    if let s = tape._tangent(src) { (t + offsets[k]).update(from: s, count: m) }
                    else { (t + offsets[k]).update(repeating: 0, count: m) }
                }
            }
        }
    }

    /// `y_k = x[indices[k]]` (indices may repeat; the adjoint adds them up).
    ///
    /// - Precondition: every index is in `0 ..< count`.
    @inlinable
    public func gathered(at indices: [Int]) -> TrackedVector {
        if !_isWhole { return _contiguous().gathered(at: indices) }
        let n = count
        precondition(indices.allSatisfy { $0 >= 0 && $0 < n }, "TrackedVector.gathered: an index outside 0..<\(n)")
        let m = indices.count
        let x = values
        let out = tape._allocate(m)
        indices.withUnsafeBufferPointer { ix in for k in 0..<m { out[k] = x[ix[k]] } }
        return _unaryNode(out, count: m, reverse: { tape, ybar, src in
            tape._accumulateAdjointSparse(src) { p in
                indices.withUnsafeBufferPointer { ix in for k in 0..<m { p[ix[k]] += ybar[k] } }
            }
        }, forward: { t, o in
            indices.withUnsafeBufferPointer { ix in for k in 0..<m { o[k] = t[ix[k]] } }
        })
    }

    /// A vector of `count` elements with `y[indices[k]] += x_k` (zero where no index points;
    /// repeated indices add up). The transpose of ``gathered(at:)``.
    ///
    /// - Precondition: one index per element, each in `0 ..< m`.
    @inlinable
    public func scattered(to indices: [Int], count m: Int) -> TrackedVector {
        if !_isWhole { return _contiguous().scattered(to: indices, count: m) }
        precondition(indices.count == count, "TrackedVector.scattered: \(indices.count) indices for \(count) elements")
        precondition(m >= 0 && indices.allSatisfy { $0 >= 0 && $0 < m }, "TrackedVector.scattered: an index outside 0..<\(m)")
        let n = count
        let x = values
        let out = tape._allocate(m)
        out.initialize(repeating: 0, count: m)
        indices.withUnsafeBufferPointer { ix in for k in 0..<n { out[ix[k]] += x[k] } }
        return _unaryNode(out, count: m, reverse: { tape, ybar, src in
            tape._accumulateAdjoint(src) { p, fresh in
                indices.withUnsafeBufferPointer { ix in
                    if fresh { for k in 0..<n { p[k] = ybar[ix[k]] } } else { for k in 0..<n { p[k] += ybar[ix[k]] } }
                }
            }
        }, forward: { t, o in
            o.initialize(repeating: 0, count: m)
            indices.withUnsafeBufferPointer { ix in for k in 0..<n { o[ix[k]] += t[k] } }
        })
    }
}
