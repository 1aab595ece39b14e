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

    /// `body` throws `nonFiniteResult` from `operation` (at whichever element: an infinity in x
    /// times a zero of an orthogonal factor may put a NaN before it).
    func expectNonFiniteResult<R>(_ operation: String, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ body: () throws -> R) {
        do {
            let r = try body()
            Issue.record("expected nonFiniteResult from \(operation), got \(r)", sourceLocation: sourceLocation)
        } catch let error as LinearAlgebraError {
            guard case .nonFiniteResult(let op, _) = error, op == operation else {
                Issue.record("expected nonFiniteResult from \(operation), got \(error)", sourceLocation: sourceLocation)
                return
            }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Norms

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

    // MARK: Results that overflow must be reported

    @Test("CholeskyFactorization.solveLower reports an overflowing result")
    func choleskySolveLowerOverflow() throws {
        // L = diag(1e-150, 1): L⁻¹ [1e200, 1] = [1e350, 1] overflows.
        let chol = try CholeskyFactorization(Matrix.diagonal([1e-300, 1]))
        expectNonFiniteResult("triangular solve") {
            try chol.solveLower([1e200, 1])
        }
        // In range: L⁻¹ [1e-140, 3] = [1e10, 3].
        let x = try chol.solveLower([1e-140, 3])
        #expect(relative(x[0], 1e10) <= 1e-15 && x[1] == 3)
    }

    @Test("pseudoInverseProduct reports an overflowing product and rejects a non-finite power or truncation")
    func pseudoInverseProductChecks() throws {
        let svd = try SingularValueDecomposition(Matrix.diagonal([1, 1e-300]))
        // σ = [1, 1e-300], both kept: A⁺ [0, 1e10] = [0, 1e310] overflows.
        expectNonFiniteResult("pseudo-inverse product") {
            try svd.pseudoInverseProduct([0, 1e10], relativeTruncation: 0)
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "pseudo-inverse product", argument: "power", index: 0)) {
            try svd.pseudoInverseProduct([1, 1], power: .nan, relativeTruncation: 0)
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "pseudo-inverse product", argument: "relativeTruncation", index: 0)) {
            try svd.pseudoInverseProduct([1, 1], relativeTruncation: .nan)
        }
        // Truncating the tiny value: A⁺ [2, 1e10] = [2, 0] (up to the sign-free closed form).
        let (x, rank) = try svd.pseudoInverseProduct([2, 1e10], relativeTruncation: 1e-12)
        #expect(rank == 1)
        #expect(Swift.abs(x[0] - 2) <= 1e-15 && x[1] == 0)
    }

    @Test("pivoted QR solves report an overflowing solution and reject a NaN rcond")
    func pivotedQRChecks() throws {
        // A = diag(1, 1e-300), b = [0, 1e10]: x = [0, 1e310] overflows.
        let qr = try PivotedQRFactorization(Matrix.diagonal([1, 1e-300]))
        expectNonFiniteResult("QR solve") {
            try qr.solve([0, 1e10], rcond: 0)
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "QR solve", argument: "rcond", index: 0)) {
            try qr.solve([1, 1], rcond: .nan)
        }
        let c = try qr.applyQTranspose([0, 1e10])
        expectNonFiniteResult("minimum-norm solve") {
            try qr.minimumNormSolution(qtb: c, rank: 2)
        }
        // Rank 2 < n = 3 (dormrz applies Z): the overflowing y trapped in LAPACKE's NaN check.
        // A = [[1, 0, 0], [0, 1e-300, 1e-300]], b = [0, 1e10].
        let wide = try PivotedQRFactorization(Matrix([[1, 0, 0], [0, 1e-300, 1e-300]]))
        let cw = try wide.applyQTranspose([0, 1e10])
        expectNonFiniteResult("minimum-norm solve") {
            try wide.minimumNormSolution(qtb: cw, rank: 2)
        }
        // In range: b = [3, 2e-290] gives x = [3, 1e10, 1e10] (minimum norm: equal weights).
        let xw = try wide.minimumNormSolution(qtb: try wide.applyQTranspose([3, 2e-290]), rank: 2)
        #expect(relative(xw[0], 3) <= 1e-14 && relative(xw[1], 1e10) <= 1e-14 && relative(xw[2], 1e10) <= 1e-14)
        #expect(throws: LinearAlgebraError.nonFinite(operation: "minimum-norm solve", argument: "qtb", index: 0)) {
            try qr.minimumNormSolution(qtb: [.nan, 1], rank: 2)
        }
        // In range: x = [3, 2e300 · 1e-300 ...]: A x = [3, 2] for x = [3, 2e300].
        let (x, rank) = try qr.solve([3, 2], rcond: 0)
        #expect(rank == 2)
        #expect(relative(x[0], 3) <= 1e-15 && relative(x[1], 2e300) <= 1e-15)
    }

    @Test("minimumNormLeastSquares reports an overflowing solution and rejects a NaN rcond")
    func minimumNormLeastSquaresChecks() throws {
        expectNonFiniteResult("least squares") {
            try minimumNormLeastSquares(Matrix.diagonal([1, 1e-300]), [0, 1e10], rcond: 0)
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares", argument: "rcond", index: 0)) {
            try minimumNormLeastSquares(Matrix.diagonal([2, 1]), [2, 1], rcond: .nan)
        }
        // diag(2, 1) x = [2, 1]: x = [1, 1], rank 2.
        let (x, rank) = try minimumNormLeastSquares(Matrix.diagonal([2, 1]), [2, 1], rcond: 1e-12)
        #expect(rank == 2 && maxDifference(x, [1, 1]) <= 1e-15)
        // rcond = 0.75 drops σ = 1 <= 0.75 · 2: x = [1, 0]; rcond = 1 drops both (|R_00| <= 1 · |R_00|),
        // as PivotedQRFactorization.rank(rcond:) counts: dgelsy kept the first column (rank 1).
        let (partial, partialRank) = try minimumNormLeastSquares(Matrix.diagonal([2, 1]), [2, 1], rcond: 0.75)
        #expect(partialRank == 1 && maxDifference(partial, [1, 0]) <= 1e-15)
        let qrRank = try PivotedQRFactorization(Matrix.diagonal([2, 1])).rank(rcond: 1)
        #expect(qrRank == 0)
        let (none, noneRank) = try minimumNormLeastSquares(Matrix.diagonal([2, 1]), [2, 1], rcond: 1)
        #expect(noneRank == 0 && none == [0, 0])
    }

    @Test("leastSquares honours rcond >= 1 (every singular value dropped) and rejects a NaN rcond")
    func leastSquaresRcondDomain() throws {
        let a = Matrix.diagonal([2, 1])
        // rcond = 0.75: σ = 1 <= 0.75 · 2 is dropped: x = [1/2, 0], rank 1, residual 1.
        let partial = try leastSquares(a, [1, 1], rcond: 0.75)
        #expect(partial.rank == 1)
        #expect(maxDifference(partial.solution, [0.5, 0]) <= 1e-15)
        #expect(Swift.abs(partial.residualNorm - 1) <= 1e-15)
        // rcond = 1 and 2: σ_i <= rcond · σ_max for every i: x = 0, rank 0, residual ‖b‖ = √2
        // (dgelsd replaces an rcond >= 1 by machine precision and kept both).
        for rcond in [1.0, 2.0] {
            let none = try leastSquares(a, [1, 1], rcond: rcond)
            #expect(none.rank == 0)
            #expect(none.solution == [0, 0])
            #expect(Swift.abs(none.residualNorm - 2.0.squareRoot()) <= 1e-15)
            #expect(none.singularValues == [2, 1])
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares", argument: "rcond", index: 0)) {
            try leastSquares(a, [1, 1], rcond: .nan)
        }
    }

    @Test("FactoredSymmetricEigendecomposition.apply reports an overflowing result")
    func factoredApplyOverflow() throws {
        var eig = try FactoredSymmetricEigendecomposition(Matrix.diagonal([1e-300, 1]))
        // f(λ) = 1/λ: A⁻¹ [1e10, 1] = [1e310, 1] overflows.
        expectNonFiniteResult("symmetric matrix function") {
            try eig.apply([1e10, 1], function: { 1 / $0 })
        }
        // The trap was in LAPACKE's NaN check of dormtr's input; b with an overflow at index 1 too.
        expectNonFiniteResult("symmetric matrix function") {
            try eig.apply([1, 1e300], function: { _ in 1e10 })
        }
        let y = try eig.apply([1e-290, 3], function: { 1 / $0 })
        #expect(relative(y[0], 1e10) <= 1e-14 && relative(y[1], 3) <= 1e-15)
    }

    // MARK: Shifts that overflow are not "not positive definite" nor "non-finite input"

    @Test("a shift that overflows the diagonal is a nonFiniteResult, not notPositiveDefinite")
    func shiftedBandedCholeskyOverflowingShift() throws {
        let a = SymmetricBandedMatrix(order: 2, bandwidth: 0) { i, _ in i == 0 ? 1e308 : 1 }
        var chol = ShiftedBandedCholesky()
        expectNonFiniteResult("banded Cholesky factorization") {
            try chol.factorize(a, shift: 1e308)
        }
        #expect(!chol.isFactored)
        // A shift in range still factorizes: diag(1e308 + 1, 2) x = [2e10, 2] gives [2e-298, 1].
        try chol.factorize(a, shift: 1)
        let x = try chol.solve([2e10, 2])
        #expect(relative(x[0], 2e-298) <= 1e-14 && relative(x[1], 1) <= 1e-15)
    }

    @Test("a dense Cholesky shift that overflows is a nonFiniteResult, not a non-finite input")
    func denseCholeskyOverflowingShift() throws {
        expectNonFiniteResult("Cholesky factorization") {
            try CholeskyFactorization.factorize(Matrix.diagonal([1e308, 1]), shift: 1e308, reusing: nil)
        }
        // Input NaN is still reported as non-finite input.
        #expect(throws: LinearAlgebraError.nonFinite(operation: "Cholesky factorization", argument: "matrix", index: 3)) {
            try CholeskyFactorization.factorize(Matrix.diagonal([1, .nan]), shift: 1, reusing: nil)
        }
    }

    @Test("a banded solve without a successful factorization is a typed error, not a trap")
    func shiftedBandedSolveWithoutFactorization() throws {
        func isMissingFactorization(_ error: any Error) -> Bool {
            if case .invalidArgument(_, let argument, _) = error as? LinearAlgebraError { return argument == "the factorization" }
            return false
        }
        var chol = ShiftedBandedCholesky()
        #expect(performing: { try chol.solve([]) }, throws: isMissingFactorization)
        // diag(1, -1) + 0.5 I is indefinite: the factorization fails at order 2.
        let a = SymmetricBandedMatrix(order: 2, bandwidth: 0) { i, _ in i == 0 ? 1 : -1 }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2)) { try chol.factorize(a, shift: 0.5) }
        #expect(performing: { try chol.solve([1, 1]) }, throws: isMissingFactorization)
        #expect(performing: { try chol.solveLower([1, 1]) }, throws: isMissingFactorization)
        // With shift 2: diag(3, 1), x = [1/3, 1].
        try chol.factorize(a, shift: 2)
        let x = try chol.solve([1, 1])
        #expect(relative(x[0], 1.0 / 3) <= 1e-15 && relative(x[1], 1) <= 1e-15)
    }

    @Test("a negative or NaN symmetry tolerance is an invalid argument, not \"not symmetric\"", arguments: [-1.0, .nan])
    func symmetryToleranceDomain(tolerance: Double) throws {
        func isInvalidTolerance(_ error: any Error) -> Bool {
            if case .invalidArgument(_, let argument, _) = error as? LinearAlgebraError { return argument.hasPrefix("symmetryTolerance") }
            return false
        }
        let i2 = Matrix.identity(2)
        #expect(performing: { try CholeskyFactorization(i2, symmetryTolerance: tolerance) }, throws: isInvalidTolerance)
        #expect(performing: { try SymmetricEigendecomposition(i2, symmetryTolerance: tolerance) }, throws: isInvalidTolerance)
        #expect(performing: { try FactoredSymmetricEigendecomposition(i2, symmetryTolerance: tolerance) }, throws: isInvalidTolerance)
    }

    @Test("an infinite symmetry tolerance accepts the zero matrix")
    func infiniteSymmetryTolerance() throws {
        // ∞ · max|a| = ∞ · 0 was NaN, and no pair passes |a_ij - a_ji| <= NaN.
        let zero = Matrix(rows: 2, columns: 2)
        #expect(zero.isSymmetric(relativeTolerance: .infinity))
        #expect(try SymmetricEigendecomposition(zero, symmetryTolerance: .infinity).eigenvalues == [0, 0])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 1)) {
            try CholeskyFactorization(zero, symmetryTolerance: .infinity)
        }
    }

    // MARK: Reductions without LAPACK's scaling: column norms beyond Double's range

    /// A column of three entries 1.5e308: its 2-norm, 2.6e308, overflows.
    var overflowingColumn: Matrix { Matrix(rows: 3, columns: 1, repeating: 1.5e308) }

    @Test("a bidiagonal decomposition whose Householder norms overflow is a nonFiniteResult, not inf in B and a trap later")
    func bidiagonalOverflow() throws {
        expectNonFiniteResult("bidiagonal decomposition") { try BidiagonalDecomposition(overflowingColumn) }
        // In range: a column of three 1e300 has B = [±√3 · 1e300].
        let dec = try BidiagonalDecomposition(Matrix(rows: 3, columns: 1, repeating: 1e300))
        #expect(relative(Swift.abs(dec.diagonal[0]), 3.0.squareRoot() * 1e300) <= 1e-15)
    }

    @Test("a pivoted QR factorization whose column norms overflow is a nonFiniteResult, not a trap in Qᵀb")
    func pivotedQROverflow() throws {
        expectNonFiniteResult("QR factorization") { try PivotedQRFactorization(overflowingColumn) }
        let qr = try PivotedQRFactorization(Matrix(rows: 3, columns: 1, repeating: 1e300))
        #expect(relative(Swift.abs(qr.rDiagonal[0]), 3.0.squareRoot() * 1e300) <= 1e-15)
    }

    @Test("a factored eigendecomposition whose tridiagonal reduction overflows is a nonFiniteResult, not a trap")
    func factoredEigenOverflow() throws {
        // [[0, s, s], [s, 0, 0], [s, 0, 0]] with s = 1.5e308: ‖(s, s)‖ overflows in dsytrd.
        // Its eigenvalues are 0 and ±√2 s = ±2.1e308, beyond Double's range.
        let s = 1.5e308
        let a = Matrix([[0, s, s], [s, 0, 0], [s, 0, 0]])
        expectNonFiniteResult("factored symmetric eigendecomposition (eigenvalues)") {
            try FactoredSymmetricEigendecomposition(a)
        }
        // In range, s = 1e300: eigenvalues -√2 s, 0, √2 s.
        let t = 1e300
        let e = try FactoredSymmetricEigendecomposition(Matrix([[0, t, t], [t, 0, 0], [t, 0, 0]]))
        #expect(relative(e.eigenvalues[0], -2.0.squareRoot() * t) <= 1e-14)
        #expect(Swift.abs(e.eigenvalues[1]) <= 1e-14 * t)
        #expect(relative(e.eigenvalues[2], 2.0.squareRoot() * t) <= 1e-14)
    }

    // MARK: LAPACK's 32-bit integers

    @Test("sizes beyond LAPACK's 32-bit integers are typed errors, not traps")
    func lapackIntegerRange() throws {
        let limit = Int(Int32.max)
        #expect(throws: Never.self) { try requireLAPACKRange("op", limit, 0, 1) }
        #expect(throws: LinearAlgebraError.self) { try requireLAPACKRange("op", 3, limit + 1) }
        // Workspace formulas evaluated without Int overflow: 7k² + 4k for dgesdd's "S" job at
        // k = 17515 is 2 147 520 xxx > Int32.max.
        #expect(throws: Never.self) { try requireLAPACKWorkspace("op", 7 * 17000.0 * 17000 + 4 * 17000) }
        #expect(throws: LinearAlgebraError.self) { try requireLAPACKWorkspace("op", 7 * 17515.0 * 17515 + 4 * 17515) }
        #expect(throws: LinearAlgebraError.self) { try requireLAPACKWorkspace("op", 3 * Double(Int.max)) }
    }

    @Test("a banded Cholesky factorization of order and band 2^32 is a typed error, not an Int overflow trap")
    func bandedCholeskyHugeOrder() throws {
        // (bandwidth + 1) · order = 2^64 overflowed Int while sizing the band.
        #expect(performing: {
            try BandedCholeskyFactorization(order: 1 << 32, bandwidth: 1 << 32) { i, j in i == j ? 2 : 0 }
        }, throws: { error in
            if case .invalidArgument = error as? LinearAlgebraError { return true }
            return false
        })
    }
}
