import PhysGradLinearAlgebra

// Level-1 kernels on contiguous memory.
//
// Every inner product of length n in the solver is summed in one fixed order (``DotAccumulator``), so
// the passes that compute several products at once (``CompactBFGSMatrix``'s fused passes for large n)
// give exactly the bits of separate ``dot(_:_:_:)`` calls. Element-wise updates (axpy) have one
// operation per element and so one result whatever the vector width.

/// A running inner product in the solver's summation order: four partial sums (elements i mod 4) over
/// the blocks of four, combined as (s₀ + s₂) + (s₁ + s₃), then the remaining elements in order.
struct DotAccumulator {
    private var lanes = SIMD4<Double>()

    /// Adds the products of the four elements at `x[i..<i+4]`, `y[i..<i+4]`.
    @inline(__always)
    mutating func add(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, at i: Int) {
        lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self)
            * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// The finished sum, with the elements `from..<n` that do not fill a block.
    @inline(__always)
    func total(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, from: Int, _ n: Int) -> Double {
        let pairs = lanes.lowHalf + lanes.highHalf
        var s = pairs[0] + pairs[1]
        var i = from
        while i < n {
            s += x[i] * y[i]
            i &+= 1
        }
        return s
    }
}

/// The number of elements of an n-vector covered by whole blocks of four.
@inline(__always)
func wholeBlocks(_ n: Int) -> Int { n & ~3 }

/// `xᵀy` in the solver's summation order.
@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    var sum = DotAccumulator()
    let blocks = wholeBlocks(n)
    var i = 0
    while i < blocks {
        sum.add(x, y, at: i)
        i &+= 4
    }
    return sum.total(x, y, from: blocks, n)
}

/// `y ← y + αx`.
@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}

/// `‖x‖₂`.
@inline(__always)
func norm2(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    Vector.norm2(UnsafeBufferPointer(start: x, count: n))
}
