internal import CPhysGradLAPACK

/// LAPACK's integer type as imported from `lapacke.h` (32-bit on Debian's build).
typealias LAPACKInt = lapack_int_t

@inline(__always)
func lapackInt(_ n: Int) -> LAPACKInt {
    precondition(n <= Int(LAPACKInt.max), "dimension \(n) exceeds LAPACK's integer range")
    return LAPACKInt(n)
}

let columnMajorLayout = Int32(LAPACK_COL_MAJOR)

/// A negative `info` means an illegal argument, which only a bug in this module can cause.
@inline(__always)
func checkArguments(_ info: LAPACKInt, _ routine: StaticString) {
    precondition(info >= 0, "PhysGrad bug: \(routine) rejected argument \(-info)")
}

/// Throws `nonFinite` when `values` holds NaN or ±infinity.
@inline(__always)
func requireFinite(_ values: [Double], _ operation: String, _ argument: String) throws(LinearAlgebraError) {
    if !Vector.allFinite(values) {
        throw .nonFinite(operation: operation, argument: argument, index: Vector.firstNonFinite(values) ?? 0)
    }
}

@inline(__always)
func requireFinite(_ a: Matrix, _ operation: String, _ argument: String) throws(LinearAlgebraError) {
    try requireFinite(a._elements, operation, argument)
}

@inline(__always)
func requireSquare(_ a: Matrix, _ operation: String) throws(LinearAlgebraError) {
    if !a.isSquare { throw .notSquare(operation: operation, shape: a.shape) }
}

/// Throws `nonFiniteResult` when `values`, computed from finite input, holds NaN or ±infinity.
@inline(__always)
func requireFiniteResult(_ values: [Double], _ operation: String) throws(LinearAlgebraError) {
    if !Vector.allFinite(values) {
        throw .nonFiniteResult(operation: operation, index: Vector.firstNonFinite(values) ?? 0)
    }
}
