import Testing
import PhysGradLBFGSB

@Suite("Gradient check")
struct GradientCheckTests {
    static func rosenbrock(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>, wrong: Bool) -> Double {
        let t = x[1] - x[0] * x[0]
        g[0] = -400 * x[0] * t - 2 * (1 - x[0])
        g[1] = wrong ? -200 * t : 200 * t  // a sign error in the second component
        return 100 * t * t + (1 - x[0]) * (1 - x[0])
    }

    @Test("a correct gradient passes with a wide margin")
    func correct() throws {
        let check = try LBFGSBSolver.checkGradient(at: [-1.2, 1]) { x, g in Self.rosenbrock(x, g, wrong: false) }
        #expect(check.passed && check.worstRelativeError < 1e-8)
        #expect(check.description.hasPrefix("gradient check passed"))
    }

    @Test("a sign error is found, with the component and both values")
    func wrongSign() throws {
        let check = try LBFGSBSolver.checkGradient(at: [-1.2, 1]) { x, g in Self.rosenbrock(x, g, wrong: true) }
        #expect(!check.passed && check.worstIndex == 1)
        // The returned component is the negation of the true one.
        #expect(abs(check.gradient[1] + check.estimate[1]) <= 1e-6 * abs(check.estimate[1]))
        #expect(check.description.contains("FAILED at component 1"))
    }

    @Test("next to a bound the differences stay inside the box")
    func bounded() throws {
        var outside = 0
        let check = try LBFGSBSolver.checkGradient(at: [1, 2], lower: [1, 0], upper: [3, 2]) { x, g in
            if x[0] < 1 || x[1] > 2 { outside += 1 }
            g[0] = 2 * x[0]
            g[1] = 3 * x[1] * x[1]
            return x[0] * x[0] + x[1] * x[1] * x[1]
        }
        #expect(outside == 0 && check.passed)
    }

    @Test("a point outside the box is checked at its projection, with every evaluation inside")
    func outsideTheBox() throws {
        var outside = 0
        // x = (5, -4) outside [1, 3] × [0, 2]: checked at (3, 0), where the gradient is (6, 0).
        let check = try LBFGSBSolver.checkGradient(at: [5, -4], lower: [1, 0], upper: [3, 2]) { x, g in
            if x[0] < 1 || x[0] > 3 || x[1] < 0 || x[1] > 2 { outside += 1 }
            g[0] = 2 * x[0]
            g[1] = 3 * x[1] * x[1]
            return x[0] * x[0] + x[1] * x[1] * x[1]
        }
        #expect(check.x == [3, 0])
        #expect(outside == 0 && check.passed, "\(check)")
        #expect(abs(check.estimate[0] - 6) <= 1e-4)
    }

    @Test("invalid bounds and a non-finite point are typed errors")
    func invalidInput() {
        let f: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double = { x, g in
            g[0] = 2 * x[0]
            return x[0] * x[0]
        }
        #expect(throws: LBFGSBError.infeasibleBounds(index: 0, lower: 2, upper: 1)) {
            try LBFGSBSolver.checkGradient(at: [0], lower: [2], upper: [1], objective: f)
        }
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver.checkGradient(at: [0], lower: [.nan], objective: f) }
        #expect(throws: LBFGSBError.self) { try LBFGSBSolver.checkGradient(at: [.infinity], objective: f) }
    }

    @Test("a NaN gradient fails the check")
    func nanGradient() throws {
        let check = try LBFGSBSolver.checkGradient(at: [0.5]) { x, g in
            g[0] = .nan
            return x[0] * x[0]
        }
        #expect(!check.passed)
    }
}
