import Testing
import PhysGrad
import PhysGradExamples

@Suite("Test functions")
struct TestFunctionTests {
    @Test("Test functions: analytic gradients match central differences; minima where documented")
    func testFunctions() throws {
        for f in TestFunctions.all {
            let n = f.fixedDimension ?? 6
            let x = f.start(n).enumerated().map { $0.element + 0.1 * Double($0.offset + 1) }
            let (_, g) = f.evaluate(x)
            for i in 0..<n {
                var xp = x, xm = x
                let h = 1e-6
                xp[i] += h
                xm[i] -= h
                let fd = (f.evaluate(xp).f - f.evaluate(xm).f) / (2 * h)
                #expect(abs(fd - g[i]) <= 1e-5 * max(1, abs(g[i])), "\(f.name) ∂/∂x\(i)")
            }
        }
        #expect(TestFunctions.beale.evaluate([3, 0.5]).f == 0)
        #expect(TestFunctions.booth.evaluate([1, 3]).f == 0)
        #expect(TestFunctions.extendedRosenbrock.evaluate([1, 1, 1, 1]).f == 0)
        #expect(TestFunctions.chainedRosenbrock.evaluate([1, 1, 1]).f == 0)
        #expect(throws: PhysGradError.self) { try TestFunctions.named("nope") }
        #expect(throws: PhysGradError.self) { try TestFunctions.extendedRosenbrock.validate(dimension: 3) }
    }
}
