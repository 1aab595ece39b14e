// The powers model's value and analytic inverse as single passes over n.
#if canImport(_Builtin_intrinsics.intel)
import _Builtin_intrinsics.intel
#endif
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// y_i = x_i (even i), x_i² (odd i), the model of ``Problems/powers(_:)``: values computed
/// directly in one pass (the numbers the array-level model computes: `x_i * x_i`), derivatives
/// from the array-level model it wraps.
struct PowersModel: DifferentiableModel, Sendable {
    /// The array-level model, for derivatives.
    var derivatives: ArrayAutomaticModel<StandardFunctions.Powers>

    init(_ derivatives: ArrayAutomaticModel<StandardFunctions.Powers>) { self.derivatives = derivatives }

    var inputDimension: Int { derivatives.inputDimension }

    /// y(x) into `y`, four entries at a time.
    static func value(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        precondition(y.count == n, "PowersModel: x has \(n) entries, y \(y.count)")
        guard n > 0, let xp = x.baseAddress, let yp = y.baseAddress else { return }
        var i = 0
        #if canImport(_Builtin_intrinsics.intel)
        // (x0, x1), (x2, x3) -> (x1², x3²) -> (x0, x1²), (x2, x3²).
        while i &+ 4 <= n {
            let a = _mm_loadu_pd(xp + i), b = _mm_loadu_pd(xp + i + 2)
            let odd = _mm_unpackhi_pd(a, b)
            let squares = _mm_mul_pd(odd, odd)
            _mm_storeu_pd(yp + i, _mm_unpacklo_pd(a, squares))
            _mm_storeu_pd(yp + i + 2, _mm_move_sd(squares, b))
            i &+= 4
        }
        #endif
        while i < n {
            yp[i] = i & 1 == 1 ? xp[i] * xp[i] : xp[i]
            i &+= 1
        }
    }

    func check(_ count: Int) {
        precondition(count == inputDimension, "PowersModel: x has \(count) entries, expected \(inputDimension)")
    }

    mutating func value(at x: [Double]) -> [Double] {
        check(x.count)
        return [Double](unsafeUninitializedCapacity: x.count) { y, count in
            x.withUnsafeBufferPointer { Self.value($0, into: y) }
            count = x.count
        }
    }

    mutating func value(at x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        check(x.count)
        Self.value(x, into: y)
    }

    mutating func jacobian(at x: [Double]) -> Matrix { derivatives.jacobian(at: x) }
    mutating func jacobian(at x: [Double], shouldStop: () -> Bool) -> Matrix? { derivatives.jacobian(at: x, shouldStop: shouldStop) }
    mutating func jacobianVectorProduct(at x: [Double], direction v: [Double]) -> [Double] {
        derivatives.jacobianVectorProduct(at: x, direction: v)
    }
    mutating func vectorJacobianProduct(at x: [Double], cotangent w: [Double]) -> [Double] {
        derivatives.vectorJacobianProduct(at: x, cotangent: w)
    }
    mutating func gaussNewtonProduct(at x: [Double], direction v: [Double]) -> [Double] {
        derivatives.gaussNewtonProduct(at: x, direction: v)
    }

    /// The inverse on the branch x >= 0: x_i = y_i (even i), √y_i (odd i), in one pass (two
    /// square roots per instruction where the CPU has them); a negative or NaN y_i at an odd i
    /// is outside the domain.
    static func inverse(_ y: [Double]) throws(InverseDomainError) -> [Double] {
        let n = y.count
        var outside = false
        let x = [Double](unsafeUninitializedCapacity: n) { x, count in
            y.withUnsafeBufferPointer { yb in
                guard let yp = yb.baseAddress, let xp = x.baseAddress else { return }
                var i = 0
                #if canImport(_Builtin_intrinsics.intel)
                // (y0, y1), (y2, y3) -> √(y1, y3); a NaN root marks a y_i outside the domain.
                var nan = _mm_setzero_pd()
                while i + 4 <= n {
                    let a = _mm_loadu_pd(yp + i), b = _mm_loadu_pd(yp + i + 2)
                    let r = _mm_sqrt_pd(_mm_unpackhi_pd(a, b))
                    nan = _mm_or_pd(nan, _mm_cmpunord_pd(r, r))
                    _mm_storeu_pd(xp + i, _mm_unpacklo_pd(a, r))
                    _mm_storeu_pd(xp + i + 2, _mm_move_sd(r, b))
                    i += 4
                }
                outside = _mm_movemask_pd(nan) != 0
                #else
                while i + 4 <= n {
                    let r = SIMD2(yp[i + 1], yp[i + 3]).squareRoot()
                    xp[i] = yp[i]
                    xp[i + 1] = r[0]
                    xp[i + 2] = yp[i + 2]
                    xp[i + 3] = r[1]
                    outside = outside || r[0].isNaN || r[1].isNaN
                    i += 4
                }
                #endif
                while i < n {
                    xp[i] = i & 1 == 1 ? yp[i].squareRoot() : yp[i]
                    outside = outside || xp[i].isNaN
                    i += 1
                }
            }
            count = n
        }
        if outside, let i = stride(from: 1, to: n, by: 2).first(where: { !(y[$0] >= 0) }) {
            throw InverseDomainError(index: i, value: y[i], reason: "y_i = x_i^2 cannot be negative")
        }
        return x
    }
}
