import Testing
import PhysGradLinearAlgebra

@Suite("Matrix")
struct MatrixTests {
    @Test("rows as written on paper, column-major storage")
    func construction() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.rows == 2 && a.columns == 3)
        #expect(a.elements == [1, 4, 2, 5, 3, 6])
        #expect(a[1, 2] == 6 && a[0, 1] == 2)
        #expect(a.row(1) == [4, 5, 6])
        #expect(a.column(2) == [3, 6])
        #expect(a.rowArrays == [[1, 2, 3], [4, 5, 6]])
        #expect(Matrix(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6]) == a)
        #expect(Matrix(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6]) == a)
        #expect(Matrix(rows: 2, columns: 3) { i, j in Double(3 * i + j + 1) } == a)
        #expect(Matrix([]).shape == Shape(rows: 0, columns: 0))
    }

    @Test("identity, diagonal, transpose, description")
    func special() {
        #expect(Matrix.identity(3) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
        #expect(Matrix.diagonal([2, 108]) == Matrix([[2, 0], [0, 108]]))
        #expect(Matrix.diagonal([2, 108]).diagonalElements == [2, 108])
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.transposed() == Matrix([[1, 4], [2, 5], [3, 6]]))
        #expect(a.description == "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]")
        // The tiled transpose across block boundaries.
        let big = randomMatrix(70, 45, seed: 11)
        let t = big.transposed()
        for i in 0..<70 { for j in 0..<45 { #expect(t[j, i] == big[i, j]) } }
        #expect(t.transposed() == big)
    }

    @Test("norms against their definitions")
    func norms() {
        let a = Matrix([[1, -2], [-3, 4]])
        #expect(a.normOne == 6)       // max column sum: |−2| + |4|
        #expect(a.normInfinity == 7)  // max row sum: |−3| + |4|
        #expect(a.maxAbs == 4)
        #expect(abs(a.normFrobenius - (30.0).squareRoot()) < 1e-15)
        #expect(a.isFinite)
        var b = a
        b[1, 0] = .nan
        #expect(!b.isFinite)
    }

    @Test("symmetry test with tolerance")
    func symmetry() {
        #expect(Matrix([[2, 1], [1, 2]]).isSymmetric())
        #expect(!Matrix([[2, 1], [1.5, 2]]).isSymmetric())
        #expect(Matrix([[2, 1], [1 + 1e-14, 2]]).isSymmetric())
        #expect(!Matrix([[1, 2, 3]]).isSymmetric())
        #expect(randomSPD(130, seed: 3).isSymmetric(relativeTolerance: 0))
    }

    @Test("gemv and gemm agree with the definition", arguments: [(1, 1, 1), (3, 5, 2), (17, 9, 33), (64, 64, 64), (100, 3, 70)])
    func products(m: Int, k: Int, n: Int) throws {
        let a = randomMatrix(m, k, seed: 1), b = randomMatrix(k, n, seed: 2)
        let x = uniformValuesForTest(k, seed: 3)
        #expect(maxDifference(try a * b, naiveProduct(a, b)) < 1e-13)
        #expect(maxDifference(try a * x, naiveProduct(a, x)) < 1e-13)
        // Transposed operands and alpha/beta accumulation.
        var c = Matrix(rows: m, columns: n, repeating: 1)
        try a.transposed().multiply(b, into: &c, transposeSelf: true, alpha: 2, beta: 3)
        let ab = naiveProduct(a, b)
        let expected = Matrix(rows: m, columns: n) { i, j in 2 * ab[i, j] + 3 }
        #expect(maxDifference(c, expected) < 1e-12)
        var y = [Double](repeating: .nan, count: k)  // beta = 0 ignores old contents, even NaN
        let z = uniformValuesForTest(m, seed: 4)
        try a.multiply(z, into: &y, transposed: true)
        #expect(maxDifference(y, naiveProduct(a.transposed(), z)) < 1e-13)
    }

    @Test("products with mismatched shapes throw with both shapes")
    func productErrors() {
        let a = Matrix(rows: 2, columns: 3)
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "gemv", lhs: Shape(rows: 2, columns: 3), rhs: .vector(2))) {
            _ = try a * [1, 2]
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "gemm", lhs: Shape(rows: 2, columns: 3), rhs: Shape(rows: 2, columns: 3))) {
            _ = try a * a
        }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "add", lhs: Shape(rows: 2, columns: 3), rhs: Shape(rows: 3, columns: 2))) {
            _ = try a + a.transposed()
        }
    }

    @Test("elementwise matrix arithmetic")
    func arithmetic() throws {
        let a = Matrix([[1, 2], [3, 4]])
        #expect(try a + a == 2 * a)
        #expect(try a - a == Matrix(rows: 2, columns: 2))
    }
}

func uniformValuesForTest(_ n: Int, seed: UInt64) -> [Double] {
    randomMatrix(n, 1, seed: seed).elements
}
