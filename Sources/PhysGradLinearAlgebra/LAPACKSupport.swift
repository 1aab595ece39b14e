internal import CPhysGradLAPACK

/// LAPACK's integer type as imported from `lapacke.h` (32-bit on Debian's build).
typealias LAPACKInt = lapack_int_t

/// `n` as LAPACK's integer. Entry points check their sizes with ``requireLAPACKRange(_:_:)``
/// first, so the precondition guards against a bug in this module, not against user input.
@inline(__always)
func lapackInt(_ n: Int) -> LAPACKInt {
    precondition(n <= Int(LAPACKInt.max), "PhysGrad bug: dimension \(n) exceeds LAPACK's integer range unchecked")
    return LAPACKInt(n)
}

/// Throws `invalidArgument` when a size handed to LAPACK or CBLAS (both take 32-bit integers in
/// Debian's OpenBLAS) exceeds `Int32.max`: a typed error instead of a trap or a truncated size.
func requireLAPACKRange(_ operation: String, _ sizes: Int...) throws(LinearAlgebraError) {
    for n in sizes where n > Int(LAPACKInt.max) {
        throw .invalidArgument(operation: operation, argument: "size \(n)",
                               reason: "exceeds the 32-bit integers of LAPACK and BLAS (\(LAPACKInt.max))")
    }
}

/// Throws `invalidArgument` when a LAPACK workspace of `size` elements exceeds `Int32.max`.
/// `size` is evaluated in `Double` (no `Int` overflow); past the limit LAPACK's own size
/// arithmetic overflows and LAPACKE truncates its workspace query.
func requireLAPACKWorkspace(_ operation: String, _ size: Double) throws(LinearAlgebraError) {
    if !(size <= Double(LAPACKInt.max)) {
        throw .invalidArgument(operation: operation, argument: "workspace of \(size) elements",
                               reason: "exceeds the 32-bit integers of LAPACK (\(LAPACKInt.max)); the problem is too large for this LAPACK build")
    }
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

/// Throws `invalidArgument` unless the symmetry check's relative tolerance is `>= 0` (a negative
/// or NaN tolerance made every symmetric matrix of order 2 and more "not symmetric").
@inline(__always)
func requireSymmetryTolerance(_ tolerance: Double, _ operation: String) throws(LinearAlgebraError) {
    if !(tolerance >= 0) {
        throw .invalidArgument(operation: operation, argument: "symmetryTolerance = \(tolerance)", reason: "must be >= 0")
    }
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
