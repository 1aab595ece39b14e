import Testing
import PhysGradLinearAlgebra

/// `A = Q [B; 0] Pᵀ` and Eldén's damped solve, against the damped normal equations solved by
/// Cholesky, the SVD's singular values, and a diagonal A whose damped solution is known in
/// closed form.
@Suite("Bidiagonal decomposition and damped least squares")
struct BidiagonalTests {
    /// x(λ) = P y(λ), y from the bidiagonal problem with c = (Qᵀb)[0 ..< n].
    func dampedSolution(_ d: BidiagonalDecomposition, _ b: [Double], lambda: Double) throws -> (x: [Double], y: [Double]) {
        let c = Array(try d.qTransposed(b).prefix(d.columns))
        var y = [Double](repeating: 0, count: d.columns)
        try c.withUnsafeBufferPointer { cb in try y.withUnsafeMutableBufferPointer { try d.dampedSolve(cb, lambda: lambda, into: $0) } }
        return (try d.p(y), y)
    }

    @Test("damped solutions solve (AᵀA + λI) x = Aᵀb; the predicted reduction is ‖b‖² - ‖b - Ax‖²",
          arguments: [(1, 1), (2, 1), (5, 5), (9, 4), (40, 40), (70, 33)])
    func dampedSolve(_ shape: (Int, Int)) throws {
        let (m, n) = shape
        let a = randomMatrix(m, n, seed: UInt64(10 * m + n))
        let b = randomMatrix(m, 1, seed: UInt64(7 * m + n)).elements
        let decomposition = try BidiagonalDecomposition(a)
        #expect(decomposition.diagonal.count == n && decomposition.superdiagonal.count == max(n - 1, 0))
        let atb = naiveProduct(a.transposed(), b)
        let ata = naiveProduct(a.transposed(), a)
        for lambda in [0.0, 1e-6, 0.3, 10, 1e4] {
            let (x, y) = try dampedSolution(decomposition, b, lambda: lambda)
            // Residual of the damped normal equations, relative to their scale.
            let lhs = naiveProduct(ata, x)
            var worst = 0.0, scale = 1.0
            for i in 0..<n {
                worst = max(worst, abs(lhs[i] + lambda * x[i] - atb[i]))
                scale = max(scale, abs(atb[i]), abs(lhs[i]))
            }
            #expect(worst <= 1e-11 * scale, "m \(m) n \(n) λ \(lambda): normal-equation residual \(worst)")
            // The predicted reduction, in its cancellation-free form, against its definition.
            let predicted = try y.withUnsafeBufferPointer { try decomposition.bNormSquared($0) } + 2 * lambda * y.reduce(0) { $0 + $1 * $1 }
            let ax = naiveProduct(a, x)
            let direct = b.reduce(0) { $0 + $1 * $1 } - zip(b, ax).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            #expect(abs(predicted - direct) <= 1e-11 * max(1, b.reduce(0) { $0 + $1 * $1 }), "m \(m) n \(n) λ \(lambda)")
        }
    }

    @Test("a diagonal A: x_i = a_i b_i / (a_i² + λ) exactly to rounding")
    func diagonal() throws {
        let diag = [3.0, -0.5, 2e-3, 7.0]
        let a = Matrix(rows: 6, columns: 4) { i, j in i == j ? diag[i] : 0 }
        let b = [1.0, 2.0, -3.0, 0.25, 5.0, -6.0]
        let decomposition = try BidiagonalDecomposition(a)
        for lambda in [0.0, 0.01, 4.0] {
            let (x, _) = try dampedSolution(decomposition, b, lambda: lambda)
            for i in 0..<4 {
                let expected = diag[i] * b[i] / (diag[i] * diag[i] + lambda)
                #expect(abs(x[i] - expected) <= 1e-13 * max(1, abs(expected)), "λ \(lambda), x[\(i)] = \(x[i]), expected \(expected)")
            }
        }
    }

    @Test("singular values equal the SVD's", arguments: [(1, 1), (8, 3), (50, 50), (120, 64)])
    func singularValues(_ shape: (Int, Int)) throws {
        let a = randomMatrix(shape.0, shape.1, seed: UInt64(shape.0 + 100 * shape.1))
        let sigma = try BidiagonalDecomposition(a).singularValues()
        let reference = try SingularValueDecomposition(a).singularValues
        #expect(sigma.count == reference.count)
        for (s, r) in zip(sigma, reference) { #expect(abs(s - r) <= 1e-13 * reference[0], "\(s) vs \(r)") }
    }

    @Test("wide matrices, non-finite entries and vectors of the wrong length are typed errors")
    func errors() throws {
        #expect(throws: LinearAlgebraError.self) { try BidiagonalDecomposition(randomMatrix(3, 4, seed: 1)) }
        var bad = randomMatrix(4, 3, seed: 2)
        bad[2, 1] = .nan
        #expect(throws: LinearAlgebraError.self) { try BidiagonalDecomposition(bad) }
        let d = try BidiagonalDecomposition(randomMatrix(4, 3, seed: 3))
        #expect(throws: LinearAlgebraError.self) { try d.qTransposed([1, 2, 3]) }
        #expect(throws: LinearAlgebraError.self) { try d.p([1, 2]) }
        var short = [0.0, 0.0]
        #expect(throws: LinearAlgebraError.self) {
            try [1.0, 2.0, 3.0].withUnsafeBufferPointer { c in try short.withUnsafeMutableBufferPointer { try d.dampedSolve(c, lambda: 1, into: $0) } }
        }
        #expect(throws: LinearAlgebraError.self) { try [1.0].withUnsafeBufferPointer { try d.bNormSquared($0) } }
        // An empty matrix decomposes to nothing.
        let empty = try BidiagonalDecomposition(Matrix(rows: 2, columns: 0))
        #expect(try empty.singularValues().isEmpty && (try empty.qTransposed([1, 2])) == [1, 2])
    }
}
