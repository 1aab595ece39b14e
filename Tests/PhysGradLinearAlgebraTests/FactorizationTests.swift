import Testing
import PhysGradLinearAlgebra

@Suite("Solves and factorizations")
struct FactorizationTests {
    @Test("the chapter's sanity check: solve(J, J x) = x for J = [[1,0],[0,6]], x = [3,3]")
    func chapterSanityCheck() throws {
        let j = Matrix([[1, 0], [0, 6]])
        let jx = try j * [3, 3]
        #expect(jx == [3, 18])
        #expect(try solve(j, jx) == [3, 3])
        // Cholesky divides by sqrt(6) twice: exact up to one rounding.
        #expect(maxDifference(try solve(j, jx, assuming: .symmetricPositiveDefinite), [3, 3]) <= 4e-16 * 3)
    }

    @Test("known small systems")
    func knownSystems() throws {
        // 2x + y = 3, x + 3y = 5  ->  x = 4/5, y = 7/5
        let x = try solve(Matrix([[2, 1], [1, 3]]), [3, 5])
        #expect(maxDifference(x, [0.8, 1.4]) < 1e-15)
        // A permutation matrix needs pivoting.
        let p = Matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
        #expect(try solve(p, [1, 2, 3]) == [3, 1, 2])
        // Many right-hand sides at once: A X = I gives the inverse.
        let a = Matrix([[4, 7], [2, 6]])
        let inv = try solve(a, Matrix.identity(2))
        #expect(maxDifference(inv, Matrix([[0.6, -0.7], [-0.2, 0.4]])) < 1e-15)
        #expect(maxDifference(try a.inverse(), inv) < 1e-15)
        // 1x1 and 0x0
        #expect(try solve(Matrix([[4]]), [2]) == [0.5])
        #expect(try solve(Matrix([]), []) == [])
    }

    @Test("random well-conditioned systems n = 1...300: backward error <= 1e-14")
    func backwardStability() throws {
        var worst = 0.0
        for n in 1...300 {
            let a = wellConditioned(n, seed: UInt64(n))
            let b = uniformValuesForTest(n, seed: UInt64(1000 + n))
            let x = try solve(a, b)
            worst = max(worst, backwardError(a, x, b))
        }
        #expect(worst <= 1e-14, "worst normwise backward error \(worst)")
    }

    @Test("inverse times A is the identity", arguments: [1, 2, 10, 57, 200])
    func inverse(n: Int) throws {
        let a = wellConditioned(n, seed: 77 + UInt64(n))
        let lu = try LUFactorization(a)
        let inv = try lu.inverse()
        #expect(maxDifference(try inv * a, .identity(n)) < 1e-13)
        #expect(maxDifference(try a * inv, .identity(n)) < 1e-13)
    }

    @Test("Cholesky and LU agree on SPD matrices", arguments: [1, 3, 40, 150])
    func choleskyVersusLU(n: Int) throws {
        let a = randomSPD(n, seed: 500 + UInt64(n))
        let b = uniformValuesForTest(n, seed: 600 + UInt64(n))
        let chol = try CholeskyFactorization(a)
        let lu = try LUFactorization(a)
        let xc = try chol.solve(b), xl = try lu.solve(b)
        #expect(Vector.distance(xc, xl) <= 1e-12 * Vector.norm2(xl))
        // L Lᵀ reconstructs A, L is lower triangular.
        let l = chol.lower
        #expect(maxDifference(try l * l.transposed(), a) <= 1e-12 * a.maxAbs)
        for j in 1..<max(n, 1) { for i in 0..<j { #expect(l[i, j] == 0) } }
        // log det from Cholesky equals log|det| from LU; det > 0.
        let (logAbs, sign) = lu.logAbsDeterminant
        #expect(sign == 1)
        #expect(abs(chol.logDeterminant - logAbs) <= 1e-10 * max(1, abs(logAbs)))
        #expect(maxDifference(try chol.inverse() * a, .identity(n)) < 1e-12)
        #expect(try chol.inverse().isSymmetric(relativeTolerance: 0))
        // Many right-hand sides.
        let bs = randomMatrix(n, 3, seed: 9)
        #expect(maxDifference(try chol.solve(bs), try lu.solve(bs)) < 1e-12)
    }

    @Test("determinant and condition estimate")
    func determinant() throws {
        #expect(try LUFactorization(Matrix([[1, 2], [3, 4]])).determinant == -2)
        #expect(try LUFactorization(Matrix([[0, 1], [1, 0]])).determinant == -1)
        // det diag(1e200, 1e200, 1e-100) = 1e300: no overflow on the way.
        let d = try LUFactorization(.diagonal([1e200, 1e200, 1e-100]))
        #expect(abs(d.determinant / 1e300 - 1) < 1e-12)
        let big = try LUFactorization(.diagonal([Double](repeating: 1e100, count: 5)))
        #expect(big.determinant == .infinity)
        #expect(abs(big.logAbsDeterminant.logAbs - 500 * 2.302585092994046) < 1e-9)
        // rcond of diag(1, 1e-10) is exactly 1e-10 in the 1-norm.
        let r = try LUFactorization(.diagonal([1, 1e-10])).reciprocalConditionNumber
        #expect(abs(r / 1e-10 - 1) < 1e-12)
        #expect(try LUFactorization(.identity(4)).reciprocalConditionNumber == 1)
    }

    @Test("symmetric eigendecomposition reconstructs A", arguments: [1, 2, 9, 80])
    func eigen(n: Int) throws {
        var a = randomMatrix(n, n, seed: 42 + UInt64(n))
        a = try a + a.transposed()
        let e = try SymmetricEigendecomposition(a)
        #expect(maxDifference(e.reconstructed(), a) < 1e-12 * max(1, a.maxAbs))
        #expect(maxDifference(try e.eigenvectors.transposed() * e.eigenvectors, .identity(n)) < 1e-12)
        #expect(e.eigenvalues == e.eigenvalues.sorted())
        for k in 0..<n {
            let v = e.eigenvectors.column(k)
            #expect(maxDifference(try a * v, Vector.scaled(v, by: e.eigenvalues[k])) < 1e-11)
        }
    }

    @Test("eigenvalues of known matrices")
    func knownEigenvalues() throws {
        // [[2,1],[1,2]] has eigenvalues 1 and 3.
        let e = try SymmetricEigendecomposition(Matrix([[2, 1], [1, 2]]))
        #expect(maxDifference(e.eigenvalues, [1, 3]) < 1e-15)
        // The chapter's Hessian H_x = diag(2, 108) at [3, 3].
        #expect(try SymmetricEigendecomposition(.diagonal([108, 2])).eigenvalues == [2, 108])
    }

    @Test("least squares: exact, overdetermined, underdetermined minimum norm, rank deficient")
    func leastSquaresCases() throws {
        // Overdetermined and consistent: the exact solution, zero residual.
        let a = Matrix([[1, 0], [0, 1], [1, 1]])
        let exact = try leastSquares(a, [1, 2, 3])
        #expect(maxDifference(exact.solution, [1, 2]) < 1e-14)
        #expect(exact.rank == 2 && exact.residualNorm < 1e-14)
        // Fit of a line y = c0 + c1 t through (0,0), (1,1), (2,1): normal equations give c = [1/6, 1/2].
        let fit = try leastSquares(Matrix([[1, 0], [1, 1], [1, 2]]), [0, 1, 1])
        #expect(maxDifference(fit.solution, [1.0 / 6, 0.5]) < 1e-14)
        #expect(abs(fit.residualNorm - (1.0 / 6).squareRoot()) < 1e-14)
        // Underdetermined x0 + x1 = 2: minimum-norm solution [1, 1].
        let under = try leastSquares(Matrix([[1, 1]]), [2])
        #expect(maxDifference(under.solution, [1, 1]) < 1e-14)
        // Rank 1: [[1,1],[1,1]] x ≈ [2, 4] -> x = [1.5, 1.5] (min-norm LS), rank 1.
        let deficient = try leastSquares(Matrix([[1, 1], [1, 1]]), [2, 4])
        #expect(deficient.rank == 1)
        #expect(maxDifference(deficient.solution, [1.5, 1.5]) < 1e-14)
        #expect(maxDifference(deficient.singularValues, [2, 0]) < 1e-15)
        // Agrees with LU on a square nonsingular system.
        let sq = wellConditioned(30, seed: 8), b = uniformValuesForTest(30, seed: 9)
        #expect(maxDifference(try leastSquares(sq, b).solution, try solve(sq, b)) < 1e-13)
    }
}

@Suite("Typed errors")
struct ErrorTests {
    @Test("singular [[1,2],[2,4]]: the zero pivot is reported")
    func singular() {
        #expect(throws: LinearAlgebraError.singular(pivot: 1)) { _ = try solve(Matrix([[1, 2], [2, 4]]), [1, 1]) }
        #expect(throws: LinearAlgebraError.singular(pivot: 1)) { _ = try Matrix([[1, 2], [2, 4]]).inverse() }
        #expect(throws: LinearAlgebraError.singular(pivot: 0)) { _ = try LUFactorization(Matrix(rows: 3, columns: 3)) }
    }

    @Test("indefinite [[1,2],[2,1]] is not positive definite at order 2")
    func indefinite() {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2)) {
            _ = try solve(Matrix([[1, 2], [2, 1]]), [1, 1], assuming: .symmetricPositiveDefinite)
        }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 1)) { _ = try CholeskyFactorization(.diagonal([-1, 1])) }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 3)) { _ = try CholeskyFactorization(.diagonal([1, 1, 0])) }
        // The same matrix is fine for LU, and its eigenvalues say why: -1 and 3.
        #expect(throws: Never.self) { _ = try solve(Matrix([[1, 2], [2, 1]]), [1, 1]) }
    }

    @Test("NaN and infinity are caught before LAPACK sees them")
    func nonFinite() {
        #expect(throws: LinearAlgebraError.nonFinite(operation: "LU factorization", argument: "matrix", index: 2)) {
            _ = try solve(Matrix([[1, .nan], [0, 1]]), [1, 1])
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "LU solve", argument: "right-hand side", index: 1)) {
            _ = try solve(Matrix.identity(2), [1, .infinity])
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "Cholesky factorization", argument: "matrix", index: 0)) {
            _ = try CholeskyFactorization(Matrix([[.nan]]))
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "symmetric eigendecomposition", argument: "matrix", index: 3)) {
            _ = try SymmetricEigendecomposition(Matrix([[1, 0], [0, -.infinity]]))
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares", argument: "right-hand side", index: 0)) {
            _ = try leastSquares(Matrix.identity(2), [.nan, 1])
        }
    }

    @Test("mismatched shapes name both shapes")
    func shapes() {
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "solve", lhs: Shape(rows: 2, columns: 2), rhs: .vector(3))) {
            _ = try solve(Matrix.identity(2), [1, 2, 3])
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "solve", lhs: Shape(rows: 2, columns: 2), rhs: Shape(rows: 3, columns: 1))) {
            _ = try solve(Matrix.identity(2), Matrix(rows: 3, columns: 1))
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "LU solve", lhs: Shape(rows: 2, columns: 2), rhs: .vector(1))) {
            _ = try LUFactorization(.identity(2)).solve([1])
        }
        #expect(throws: LinearAlgebraError.notSquare(operation: "LU factorization", shape: Shape(rows: 2, columns: 3))) {
            _ = try LUFactorization(Matrix(rows: 2, columns: 3))
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "least squares", lhs: Shape(rows: 3, columns: 2), rhs: .vector(2))) {
            _ = try leastSquares(Matrix(rows: 3, columns: 2), [1, 2])
        }
    }

    @Test("Cholesky and eigen refuse a non-symmetric matrix")
    func notSymmetric() {
        #expect(throws: LinearAlgebraError.notSymmetric(operation: "Cholesky factorization", row: 1, column: 0)) {
            _ = try CholeskyFactorization(Matrix([[2, 1], [0, 2]]))
        }
        #expect(throws: LinearAlgebraError.notSymmetric(operation: "symmetric eigendecomposition", row: 2, column: 0)) {
            _ = try SymmetricEigendecomposition(Matrix([[1, 0, 5], [0, 1, 0], [0, 0, 1]]))
        }
    }

    /// Finite input whose exact result lies beyond Double's range (about 1.8e308): every solve
    /// and factorization reports it instead of returning NaN or infinity. The expected outcomes
    /// are analytic: 1 / 1e-310 = 1e310 overflows; 1e308 + 1e308 overflows.
    @Test("finite input, overflowing result: a typed error from every entry point")
    func nonFiniteResults() {
        let subnormal = Double("1e-310")!  // (a literal would warn that it loses precision)
        let tiny = Matrix([[subnormal, 0], [0, subnormal]])
        // LU: OpenBLAS kernels scale by the pivot's reciprocal (inf) or divide by it, so the
        // overflow shows in the factors or in the solution, depending on the CPU.
        let lu: Set<String> = ["LU factorization", "LU solve", "LU inverse"]
        func overflows(_ operations: Set<String>, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("no error")
            } catch {
                guard case .nonFiniteResult(let op, _)? = error as? LinearAlgebraError else { Issue.record("\(error)"); return }
                #expect(operations.contains(op), "\(op)")
            }
        }
        overflows(lu) { _ = try solve(tiny, [1, 1]) }
        overflows(lu) { _ = try LUFactorization(tiny).solve([1, 1]) }
        overflows(lu) { _ = try LUFactorization(tiny).solve(Matrix.identity(2)) }
        overflows(lu) { _ = try tiny.inverse() }
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "Cholesky solve", index: 0)) {
            _ = try solve(tiny, [1, 1], assuming: .symmetricPositiveDefinite)
        }
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "Cholesky solve", index: 0)) {
            _ = try CholeskyFactorization(tiny).solve(Matrix.identity(2))
        }
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "Cholesky inverse", index: 0)) {
            _ = try CholeskyFactorization(tiny).inverse()
        }
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "banded Cholesky solve", index: 0)) {
            _ = try BandedCholeskyFactorization(order: 2, bandwidth: 0) { _, _ in subnormal }.solve([1, 1])
        }
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "least squares", index: 0)) {
            _ = try leastSquares(tiny, [1, 1])
        }
        // Growth in the elimination: u22 = 1e308 - (-1)(1e308) = 2e308.
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "LU factorization", index: 3)) {
            _ = try LUFactorization(Matrix([[1e308, 1e308], [-1e308, 1e308]]))
        }
        // Eigenvalues 0 and 2e308.
        #expect(throws: LinearAlgebraError.nonFiniteResult(operation: "symmetric eigendecomposition (eigenvalues)", index: 1)) {
            _ = try SymmetricEigendecomposition(Matrix([[1e308, 1e308], [1e308, 1e308]]))
        }
        // Neighbours that stay in range are solved: diag(1e-300) gives 1e300.
        #expect(throws: Never.self) {
            let x = try solve(Matrix([[1e-300, 0], [0, 1e-300]]), [1, 1])
            #expect(x.allSatisfy { abs($0 / 1e300 - 1) < 1e-15 })
        }
    }

    @Test("a matrix whose 1-norm overflows still gives its condition estimate")
    func conditionOfHugeMatrix() throws {
        // Column sums 2e308 overflow; the matrix, its factors and its condition are finite.
        // A = 1e308 [[1, 0], [1, 1]]: ‖A‖₁‖A⁻¹‖₁ = 2 · 2 = 4 (A⁻¹ ∝ [[1, 0], [-1, 1]]), so
        // rcond = 1/4; dgecon bounds ‖A⁻¹‖₁ from below, so its rcond is at least that.
        let a = Matrix([[1e308, 0], [1e308, 1e308]])
        let rcond = try LUFactorization(a).reciprocalConditionNumber
        #expect(rcond >= 0.25 * (1 - 1e-12) && rcond <= 0.75, "\(rcond)")
        // The same estimate as for the matrix scaled by 2^-64 (exactly), whose norm is finite.
        let scaled = try LUFactorization(0x1p-64 * a)
        #expect(scaled.normOne.isFinite)
        #expect(abs(rcond / scaled.reciprocalConditionNumber - 1) < 1e-14)
    }

    @Test("errors describe themselves in one readable line")
    func descriptions() {
        #expect(LinearAlgebraError.singular(pivot: 1).description.contains("U[1, 1]"))
        #expect(LinearAlgebraError.notPositiveDefinite(order: 2).description.contains("order 2"))
        #expect(LinearAlgebraError.dimensionMismatch(operation: "solve", lhs: Shape(rows: 2, columns: 2), rhs: .vector(3))
            .description == "solve: dimension mismatch between 2x2 and 3x1")
    }
}

@Suite("Banded Cholesky")
struct BandedCholeskyTests {
    /// A random SPD band matrix: diagonally dominant with random off-diagonal band entries.
    func bandMatrix(_ n: Int, _ kd: Int, seed: UInt64) -> Matrix {
        let r = uniformValuesForTest(n * (kd + 1), seed: seed)
        var a = Matrix(rows: n, columns: n)
        for j in 0..<n {
            for d in 0...kd where j + d < n {
                let v = d == 0 ? Double(2 * kd + 1) + abs(r[j * (kd + 1)]) : r[j * (kd + 1) + d]
                a[j + d, j] = v
                a[j, j + d] = v
            }
        }
        return a
    }

    @Test("agrees with the dense Cholesky on random SPD band matrices",
          arguments: [(1, 0), (2, 1), (10, 1), (50, 3), (200, 9), (64, 100)])
    func agreesWithDense(n: Int, kd: Int) throws {
        let a = bandMatrix(n, min(kd, n - 1), seed: UInt64(n * 31 + kd))
        let banded = try BandedCholeskyFactorization(order: n, bandwidth: kd) { i, j in a[i, j] }
        let dense = try CholeskyFactorization(a)
        let b = uniformValuesForTest(n, seed: 5)
        let xb = try banded.solve(b), xd = try dense.solve(b)
        #expect(maxDifference(xb, xd) <= 1e-12 * max(1, Vector.normInf(xd)))
        #expect(abs(banded.logDeterminant - dense.logDeterminant) <= 1e-10 * max(1, abs(dense.logDeterminant)))
        #expect(banded.bandwidth == min(kd, n - 1))
    }

    @Test("the 1-D Laplacian: a known solution")
    func laplacian() throws {
        // -u'' = 2 on a grid with u(0) = u(n+1) = 0: u_i = i (n + 1 - i), exactly.
        let n = 1000
        let chol = try BandedCholeskyFactorization(order: n, bandwidth: 1) { i, j in i == j ? 2 : -1 }
        let u = try chol.solve([Double](repeating: 2, count: n))
        let exact = (1...n).map { Double($0 * (n + 1 - $0)) }
        #expect(maxDifference(u, exact) <= 1e-8 * Vector.normInf(exact))
    }

    @Test("typed errors: indefinite, non-finite, wrong length")
    func errors() {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2)) {
            _ = try BandedCholeskyFactorization(order: 3, bandwidth: 1) { i, j in i == j ? 1 : 2 }
        }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "banded Cholesky factorization", argument: "matrix band", index: 2)) {
            _ = try BandedCholeskyFactorization(order: 3, bandwidth: 1) { i, j in i == 1 && j == 1 ? .nan : 4 }
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "banded Cholesky solve", lhs: Shape(rows: 2, columns: 2), rhs: .vector(3))) {
            _ = try BandedCholeskyFactorization(order: 2, bandwidth: 0) { _, _ in 1 }.solve([1, 2, 3])
        }
    }
}

@Suite("Cholesky in reused storage")
struct CholeskyReuseTests {
    @Test("factorize(reusing:) gives the bits of a fresh factorization, and falls back when the order changes")
    func reuse() throws {
        let a = randomSPD(40, seed: 3), b = randomSPD(40, seed: 4), c = randomSPD(7, seed: 5)
        var chol: CholeskyFactorization? = try CholeskyFactorization(a)
        chol = try CholeskyFactorization.factorize(b, reusing: chol.take())
        #expect(chol!.lower == (try CholeskyFactorization(b)).lower)
        chol = try CholeskyFactorization.factorize(c, reusing: chol.take())
        #expect(chol!.lower == (try CholeskyFactorization(c)).lower)
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2)) {
            _ = try CholeskyFactorization.factorize(Matrix([[1, 2], [2, 1]]), reusing: try CholeskyFactorization(.identity(2)))
        }
    }
}
