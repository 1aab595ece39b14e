/// A zero-filled block of memory owned by a class, so that values can keep typed pointers into it for
/// as long as they keep the block. Immutable blocks (the bounds) are shared freely; a mutable one (a
/// run's workspace) is copied before a write whenever it is shared (see ``Workspace/makeUnique()``).
final class MemoryBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let byteCount: Int

    /// `byteCount` zero bytes, aligned for `Double` and SIMD loads.
    init(byteCount: Int) {
        self.byteCount = byteCount
        base = .allocate(byteCount: max(byteCount, 1), alignment: 16)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    /// A copy of `other`'s bytes.
    init(copying other: MemoryBlock) {
        byteCount = other.byteCount
        base = .allocate(byteCount: max(byteCount, 1), alignment: 16)
        base.copyMemory(from: other.base, byteCount: byteCount)
    }

    deinit { base.deallocate() }
}

/// Hands out consecutive pieces of a memory block: first every `Double` array, then the 32-bit
/// index arrays, then the byte arrays, so that each piece is aligned for its type.
struct MemoryCarver {
    private var next: UnsafeMutableRawPointer

    init(_ base: UnsafeMutableRawPointer) { next = base }

    mutating func take<T>(_ count: Int, of: T.Type) -> UnsafeMutablePointer<T> {
        let p = next.bindMemory(to: T.self, capacity: count)
        next += count &* MemoryLayout<T>.stride
        return p
    }

    /// Bytes handed out since `base`.
    func offset(from base: UnsafeMutableRawPointer) -> Int { next - base }
}

/// Moves pointers from one block to its copy (same layout, other address).
struct Relocation {
    let from: UnsafeMutableRawPointer
    let to: UnsafeMutableRawPointer

    func callAsFunction<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
        (to + (UnsafeMutableRawPointer(p) - from)).assumingMemoryBound(to: T.self)
    }
}

/// `destination[0..<count] = source[0..<count]` for the short runs of the m x m matrices (no overlap).
/// Two elements per move, inline: a `memcpy` call costs more than such a copy.
@inline(__always)
func copyShort(_ destination: UnsafeMutablePointer<Double>, from source: UnsafePointer<Double>, _ count: Int) {
    let d = UnsafeMutableRawPointer(destination), s = UnsafeRawPointer(source)
    var i = 0
    while i &+ 1 < count {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: i &* 8, as: SIMD2<Double>.self), toByteOffset: i &* 8,
                     as: SIMD2<Double>.self)
        i &+= 2
    }
    if i < count { destination[i] = source[i] }
}

/// A column-major view of a dense matrix: element (i, j) at `base[i + j·ld]`.
struct MatrixView {
    var base: UnsafeMutablePointer<Double>
    let ld: Int

    @inline(__always)
    subscript(i: Int, j: Int) -> Double {
        get { base[i &+ j &* ld] }
        nonmutating set { base[i &+ j &* ld] = newValue }
    }

    /// Column j (contiguous).
    @inline(__always)
    func column(_ j: Int) -> UnsafeMutablePointer<Double> { base + j &* ld }

    /// The sub-matrix whose (0, 0) element is (i, j).
    @inline(__always)
    func block(_ i: Int, _ j: Int) -> MatrixView { MatrixView(base: base + (i &+ j &* ld), ld: ld) }
}
