import Testing
import PhysGradLinearAlgebra

/// `BidiagonalDecomposition` at its edges: zero entries in B, extreme scales, λ = 0, ∞ and bad λ,
/// empty and 1 × 1 matrices, non-finite vectors. References come from the dense damped normal
/// equations `(AᵀA + λI) x = Aᵀb` (Cholesky) or closed forms, never from the code under test.
@Suite("Bidiagonal decomposition at its edges")
struct BidiagonalEdgeTests {
    /// An upper bidiagonal n × n matrix (dgebrd leaves it as it is: every reflector is the identity).
    func bidiagonal(_ d: [Double], _ e: [Double]) -> Matrix {
        Matrix(rows: d.count, columns: d.count) { i, j in i == j ? d[i] : (j == i + 1 ? e[i] : 0) }
    }

    func solve(_ dec: BidiagonalDecomposition, _ c: [Double], _ lambda: Double) throws -> [Double] {
        var y = [Double](repeating: .nan, count: dec.columns)
        try c.withUnsafeBufferPointer { cb in try y.withUnsafeMutableBufferPointer { try dec.dampedSolve(cb, lambda: lambda, into: $0) } }
        return y
    }

    /// (AᵀA + λI)⁻¹ Aᵀ b by Cholesky.
    func reference(_ a: Matrix, _ b: [Double], _ lambda: Double) throws -> [Double] {
        var n = naiveProduct(a.transposed(), a)
        for i in 0..<a.columns { n[i, i] += lambda }
        for j in 0..<a.columns { for i in (j + 1)..<max(a.columns, j + 1) { n[j, i] = n[i, j] } }
        return try CholeskyFactorization(n).solve(naiveProduct(a.transposed(), b))
    }

    @Test("random bidiagonal B with zero diagonal and superdiagonal entries, λ > 0", arguments: [1, 2, 3, 5, 10, 30])
    func zeroEntries(_ n: Int) throws {
        for seed in 0..<4 {
            var d = randomMatrix(n, 1, seed: UInt64(100 * n + seed)).elements
            var e = randomMatrix(max(n - 1, 0), 1, seed: UInt64(200 * n + seed)).elements
            for i in stride(from: seed % 2, to: n, by: 3) { d[i] = 0 }
            for i in stride(from: 1, to: n - 1, by: 4) { e[i] = 0 }
            let a = bidiagonal(d, e)
            let dec = try BidiagonalDecomposition(a)
            let c = randomMatrix(n, 1, seed: UInt64(300 * n + seed)).elements
            for lambda in [1e-6, 0.3, 10, 1e4, 1e12] {
                let y = try solve(dec, c, lambda)
                let x = try reference(a, c, lambda)
                let scale = max(x.map(abs).max() ?? 0, 1e-300)
                let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-9 * scale, "n \(n) seed \(seed) λ \(lambda): \(y) vs \(x)")
            }
        }
    }

    @Test("λ = 0 and nonsingular B is back substitution; n = 0 leaves y alone")
    func undamped() throws {
        let a = bidiagonal([2, -1, 4], [1, 3])
        let dec = try BidiagonalDecomposition(a)
        // B y = c for y = [1, 2, 3]: c = [2+2, -2+9, 12].
        let y = try solve(dec, [4, 7, 12], 0)
        for (u, v) in zip(y, [1.0, 2, 3]) { #expect(abs(u - v) <= 1e-14) }
        let empty = try BidiagonalDecomposition(Matrix(rows: 3, columns: 0))
        #expect(try solve(empty, [], 0.5).isEmpty)
        let one = try BidiagonalDecomposition(Matrix(rows: 1, columns: 1) { _, _ in 0 })
        #expect(try solve(one, [3], 2) == [0])  // 0·3/(0 + 2)
    }

    @Test("B far from 1 in scale: B = s I, λ = 0 gives y = c / s", arguments: [1e-170, 1e-160, 1e160, 1e200])
    func scaled(_ s: Double) throws {
        let dec = try BidiagonalDecomposition(bidiagonal([s, s], [0]))
        let y = try solve(dec, [s, 2 * s], 0)
        #expect(abs(y[0] - 1) <= 1e-14 && abs(y[1] - 2) <= 1e-14, "s \(s): y \(y), expected [1, 2]")
    }

    @Test("λ = ∞ gives y = 0, the limit; a negative or NaN λ is a typed error, not λ = 0")
    func badLambda() throws {
        let dec = try BidiagonalDecomposition(bidiagonal([1, 1], [0]))
        let yInf = try solve(dec, [1, 1], .infinity)
        #expect(yInf == [0, 0], "λ = ∞: \(yInf)")
        #expect(throws: LinearAlgebraError.self) { try solve(dec, [1, 1], -0.5) }
        #expect(throws: LinearAlgebraError.self) { try solve(dec, [1, 1], .nan) }
    }

    @Test("a non-finite b for Qᵀb is a typed error")
    func nonFiniteB() throws {
        let dec = try BidiagonalDecomposition(randomMatrix(4, 3, seed: 9))
        #expect(throws: LinearAlgebraError.self) { try dec.qTransposed([1, .nan, 3, 4]) }
    }

    @Test("a non-finite y for P y is a typed error")
    func nonFiniteY() throws {
        let dec = try BidiagonalDecomposition(randomMatrix(4, 3, seed: 9))
        #expect(throws: LinearAlgebraError.self) { try dec.p([1, .nan, 3]) }
    }
}
