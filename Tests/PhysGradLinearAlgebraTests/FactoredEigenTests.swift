import PhysGradLinearAlgebra
import Testing

/// FactoredSymmetricEigendecomposition: f(A) b against the same sum over dsyevd's eigenpairs,
/// eigenvalues against dsyevd's, the identity f = 1, truncation, and the checks.
@Suite("Factored symmetric eigendecomposition")
struct FactoredEigenTests {
    @Test("f(A) b = Σ f(λ_k) u_k u_kᵀ b with dsyevd's eigenpairs, for definite and indefinite A", arguments: [1, 2, 3, 7, 50, 128])
    func matchesDsyevd(n: Int) throws {
        var indefinite = randomMatrix(n, n, seed: UInt64(n))
        for j in 0..<n { for i in j..<n { indefinite[j, i] = indefinite[i, j] } }
        for a in [randomSPD(n, seed: UInt64(100 + n)), indefinite] {
            var factored = try FactoredSymmetricEigendecomposition(a)
            let reference = try SymmetricEigendecomposition(a)
            let scale = reference.eigenvalues.map(abs).max() ?? 1
            #expect(zip(factored.eigenvalues, reference.eigenvalues).allSatisfy { abs($0 - $1) <= 1e-12 * scale })
            let b = (0..<n).map { Double($0 % 5) - 1.5 }
            // The identity, a smooth function and a truncation.
            let functions: [(Double) -> Double] = [{ _ in 1 }, { $0 * $0 - 0.5 * $0 }, { $0 > 0 ? 1 / $0 : 0 }]
            for f in functions {
                let got = try factored.apply(b, function: f)
                var expected = [Double](repeating: 0, count: n)
                for k in 0..<n {
                    let u = reference.eigenvectors.column(k)
                    let w = f(reference.eigenvalues[k]) * zip(u, b).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<n { expected[i] += w * u[i] }
                }
                let size = Swift.max(1, expected.map(abs).max()!)
                #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-10 * size }, "n = \(n)")
            }
            #expect(zip(try factored.apply(b) { _ in 1 }, b).allSatisfy { abs($0 - $1) <= 1e-12 * 3 })
        }
    }

    @Test("invalid input is a typed error")
    func errors() throws {
        #expect(throws: LinearAlgebraError.self) { try FactoredSymmetricEigendecomposition(Matrix(rows: 2, columns: 3)) }
        #expect(throws: LinearAlgebraError.self) { try FactoredSymmetricEigendecomposition(Matrix([[1, 2], [0, 1]])) }
        #expect(throws: LinearAlgebraError.self) { try FactoredSymmetricEigendecomposition(Matrix([[1, .nan], [.nan, 1]])) }
        var f = try FactoredSymmetricEigendecomposition(Matrix([[2, 1], [1, 2]]))
        #expect(throws: LinearAlgebraError.self) { try f.apply([1, 2, 3]) { $0 } }
        #expect(throws: LinearAlgebraError.self) { try f.apply([1, .infinity]) { $0 } }
        #expect(throws: LinearAlgebraError.self) { try f.apply([1, 2]) { _ in .nan } }
        #expect(f.eigenvalues == [1, 3] || zip(f.eigenvalues, [1.0, 3.0]).allSatisfy { abs($0 - $1) < 1e-15 })
        let empty = try FactoredSymmetricEigendecomposition(Matrix(rows: 0, columns: 0))
        #expect(empty.order == 0)
    }
}
