import Testing
import PhysGradLinearAlgebra

@Suite("Vector kernels")
struct VectorTests {
    @Test("dot and axpy match plain loops at every length around the SIMD blocks",
          arguments: [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1001])
    func dotAxpy(n: Int) {
        let x = uniformValuesForTest(n, seed: 5), y = uniformValuesForTest(n, seed: 6)
        var reference = 0.0
        for i in 0..<n { reference += x[i] * y[i] }
        #expect(abs(Vector.dot(x, y) - reference) <= 1e-14 * Double(max(n, 1)))
        var z = y
        Vector.axpy(-0.5, x, &z)
        #expect(z == (0..<n).map { y[$0] + -0.5 * x[$0] })
        var s = x
        Vector.scale(&s, by: 3)
        #expect(s == x.map { 3 * $0 })
        #expect(Vector.scaled(x, by: 3) == s)
    }

    @Test("norms: exact small cases")
    func norms() {
        #expect(Vector.norm2([3, 4]) == 5)
        #expect(Vector.norm2([]) == 0)
        #expect(Vector.normInf([1, -7, 3]) == 7)
        #expect(Vector.norm1([1, -7, 3]) == 11)
        #expect(Vector.distance([1, 1], [4, 5]) == 5)
        #expect(Vector.normInf([]) == 0)
    }

    @Test("norm2 neither overflows nor underflows")
    func norm2Scaling() {
        // sum of squares would be inf / 0 in plain arithmetic
        #expect(abs(Vector.norm2([3e200, 4e200]) / 5e200 - 1) < 1e-15)
        #expect(abs(Vector.norm2([3e-200, 4e-200]) / 5e-200 - 1) < 1e-15)
        #expect(abs(Vector.distance([3e200, 0], [0, -4e200]) / 5e200 - 1) < 1e-15)
        #expect(Vector.norm2([1, .infinity]) == .infinity)
        #expect(Vector.norm2([1, .nan]).isNaN)
        #expect(Vector.normInf([1, .nan, 2]).isNaN)
    }

    @Test("finiteness checks find NaN and infinities anywhere")
    func finiteness() {
        for n in [1, 8, 9, 20] {
            for bad in [Double.nan, .infinity, -.infinity] {
                for position in [0, n / 2, n - 1] {
                    var x = [Double](repeating: 1e300, count: n)
                    x[position] = bad
                    #expect(!Vector.allFinite(x))
                    #expect(Vector.firstNonFinite(x) == position)
                }
            }
            #expect(Vector.allFinite([Double](repeating: -1e308, count: n)))
        }
        #expect(Vector.allFinite([]))
    }

    @Test("elementwise operations")
    func elementwise() {
        #expect(Vector.add([1, 2], [3, 4]) == [4, 6])
        #expect(Vector.subtract([1, 2], [3, 4]) == [-2, -2])
        #expect(Vector.multiply([1, 2], [3, 4]) == [3, 8])
        #expect(Vector.divide([1, 2], [4, 4]) == [0.25, 0.5])
    }
}

@Suite("OpenBLAS runtime")
struct OpenBLASTests {
    @Test("thread count is settable and reported")
    func threads() {
        let before = OpenBLAS.threadCount
        OpenBLAS.setThreadCount(1)
        #expect(OpenBLAS.threadCount == 1)
        OpenBLAS.setThreadCount(before)
        #expect(!OpenBLAS.configuration.isEmpty)
        #expect(!OpenBLAS.coreName.isEmpty)
    }
}
