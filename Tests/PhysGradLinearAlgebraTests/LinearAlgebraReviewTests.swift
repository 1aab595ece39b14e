import Testing
@testable import PhysGradLinearAlgebra

/// Regression tests of the linear-algebra review: each case failed before its fix. Expected values
/// are closed forms (diagonal and triangular matrices) or documented LAPACK conventions, never
/// results of the code under test.
@Suite("Linear algebra review")
struct LinearAlgebraReviewTests {
    /// Relative difference, 0 for two zeros.
    func relative(_ x: Double, _ y: Double) -> Double {
        x == y ? 0 : Swift.abs(x - y) / Swift.max(Swift.abs(x), Swift.abs(y))
    }

    @Test("Matrix.normOne and normInfinity propagate NaN wherever it sits")
    func matrixNormsPropagateNaN() {
        // NaN in the first column / row, and in the last one: Swift.max and Array.max dropped it.
        let first = Matrix([[.nan, 1], [0, 2]])
        let last = Matrix([[0, 2], [1, .nan]])
        for a in [first, last] {
            #expect(a.normOne.isNaN)
            #expect(a.normInfinity.isNaN)
        }
        // Finite matrices are unaffected: column sums 3, 4; row sums 2, 5.
        let a = Matrix([[1, -1], [-2, 3]])
        #expect(a.normOne == 4)
        #expect(a.normInfinity == 5)
    }

    @Test("SymmetricBandedMatrix.normOne propagates NaN")
    func symmetricBandedNormOnePropagatesNaN() {
        var a = SymmetricBandedMatrix(order: 3, bandwidth: 1) { i, j in i == j ? 4 : 1 }
        #expect(a.normOne == 6)
        a[0, 0] = .nan
        #expect(a.normOne.isNaN)
        a[0, 0] = 4
        a[2, 1] = .nan
        #expect(a.normOne.isNaN)
    }

    @Test("SymmetricBandedMatrix.normFrobenius neither overflows nor underflows", arguments: [1e200, 1e-200, 1e-170])
    func symmetricBandedFrobeniusAtExtremeScales(scale: Double) {
        // [[s, s], [s, s]]: ‖A‖_F = 2s exactly.
        let a = SymmetricBandedMatrix(order: 2, bandwidth: 1) { _, _ in scale }
        #expect(relative(a.normFrobenius, 2 * scale) <= 1e-15)
        // diag(3s, 4s): ‖A‖_F = 5s.
        let d = SymmetricBandedMatrix(order: 2, bandwidth: 0) { i, _ in i == 0 ? 3 * scale : 4 * scale }
        #expect(relative(d.normFrobenius, 5 * scale) <= 1e-15)
    }
}
