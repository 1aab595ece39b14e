import Testing
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// Where a caller's time limit is asked during a dense Hessian build, as the README states it:
/// before every 16-column pass after the first on array-level objectives; a scalar
/// (`GenericObjective`) build runs whole.
@Suite struct TimeLimitPassTests {
    struct Term: BinaryElementwiseKernel {
        func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T {
            let d = b - a * a, e = 1 - a
            return 100 * (d * d) + e * e
        }
    }
    struct ArrayRosenbrock: ArrayObjective {
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            TrackedVector.mapSum(Term(), x.strided(from: 0, by: 2), x.strided(from: 1, by: 2))
        }
    }
    struct ScalarRosenbrock: GenericObjective {
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
            var f: T = 0
            for i in stride(from: 0, to: x.count, by: 2) {
                let d = x[i + 1] - x[i] * x[i], e = 1 - x[i]
                f += 100 * (d * d) + e * e
            }
            return f
        }
    }

    @Test("array-level: n = 34 takes ceil(34/16) = 3 passes, so the limit is asked twice; scalar: never")
    func passes() {
        let n = 34
        let x = (0..<n).map { Double($0 % 5) * 0.3 - 0.6 }
        var asked = 0
        var array = ArrayAutomaticObjective(ArrayRosenbrock(), dimension: n)
        var h = Matrix(rows: n, columns: n)
        #expect(array.hessian(at: x, into: &h, shouldStop: { asked += 1; return false }))
        #expect(asked == 2)
        // The Hessian itself: d²/da² = 1200 a² - 400 b + 2, d²/dadb = -400a, d²/db² = 200 per pair.
        for i in stride(from: 0, to: n, by: 2) {
            let a = x[i], b = x[i + 1]
            #expect(abs(h[i, i] - (1200 * a * a - 400 * b + 2)) <= 1e-9 * (1 + abs(h[i, i])))
            #expect(abs(h[i, i + 1] + 400 * a) <= 1e-9 * (1 + abs(h[i, i + 1])))
            #expect(abs(h[i + 1, i + 1] - 200) <= 1e-9)
        }
        asked = 0
        var scalar = AutomaticObjective(ScalarRosenbrock(), dimension: n)
        #expect(scalar.hessian(at: x, into: &h, shouldStop: { asked += 1; return true }))
        #expect(asked == 0)
    }
}
