import Synchronization
import Testing
import PhysGradDerivatives

/// `FiniteDifferenceObjective` takes central differences, as its documentation states (not
/// SciPy's forward ones): 2n evaluations per gradient, plus one for the value.
@Suite struct FiniteDifferenceObjectiveTests {
    @Test("a value and gradient at n = 5 cost 2n + 1 = 11 evaluations, and the gradient is central-difference accurate")
    func central() {
        let calls = Mutex(0)
        // f = Σ exp(x_i): ∇f = exp(x), so the error of the difference quotient is measurable.
        var f = FiniteDifferenceObjective(dimension: 5) { x in
            calls.withLock { $0 += 1 }
            return x.reduce(0) { $0 + Double.exp($1) }
        }
        let x = [0.1, -0.3, 0.5, 1.2, -1.0]
        var g = [Double](repeating: 0, count: 5)
        _ = f.valueAndGradient(at: x, gradient: &g)
        #expect(calls.withLock { $0 } == 11)
        // Forward differences with SciPy's h = 1e-8 are off by about 1e-8 relative here; central
        // ones by about 1e-10.
        for i in 0..<5 {
            #expect(abs(g[i] - Double.exp(x[i])) <= 1e-9 * Double.exp(x[i]), "\(i): \(g[i])")
        }
    }
}
