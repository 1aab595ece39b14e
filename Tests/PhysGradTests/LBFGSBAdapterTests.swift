import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLBFGSB

@Suite("L-BFGS-B on objectives of the derivatives module")
struct LBFGSBAdapterTests {
    @Test("a generic objective with reverse-mode gradients: the same run as the hand-written gradient")
    func genericObjective() throws {
        let x0 = [Double](repeating: -1.2, count: 10).enumerated().map { $0.offset % 2 == 1 ? 1 : $0.element }
        let automatic = try LBFGSBSolver.minimize(StandardFunctions.ExtendedRosenbrock(), from: x0)
        let f = StandardFunctions.ExtendedRosenbrock()
        let hand = try LBFGSBSolver.minimize(from: x0) { x, g in
            var gradient = [Double](repeating: 0, count: x.count)
            let value = f.valueAndGradient(at: Array(x), gradient: &gradient)
            for i in 0..<x.count { g[i] = gradient[i] }
            return value
        }
        #expect(automatic.termination.isSuccess)
        #expect(automatic.iterations == hand.iterations && automatic.evaluations == hand.evaluations)
        #expect(zip(automatic.x, hand.x).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(automatic.x.allSatisfy { abs($0 - 1) < 1e-4 })
    }

    @Test("an analytic objective through the protocol, inside bounds")
    func analyticObjective() throws {
        // f = (x0 - 3)² + (x1 + 1)², box [0, 2] x [0, 2]: the solution is the corner [2, 0].
        var objective = AnalyticObjective(
            dimension: 2, value: { x in (x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1) },
            valueAndGradient: { x, g in
                g[0] = 2 * (x[0] - 3)
                g[1] = 2 * (x[1] + 1)
                return (x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1)
            })
        var solver = try LBFGSBSolver(dimension: 2, lower: [0, 0], upper: [2, 2])
        let r = try solver.minimize(&objective, from: [1, 1])
        #expect(r.termination.isSuccess && r.x == [2, 0])
    }

    @Test("an objective of another dimension than the solver's is a typed error, not a trap")
    func objectiveOfWrongDimension() throws {
        var objective = AutomaticObjective(StandardFunctions.ExtendedRosenbrock(), dimension: 4)
        var solver = try LBFGSBSolver(dimension: 2)
        #expect(throws: LBFGSBError.dimensionMismatch(name: "objective", expected: 2, actual: 4)) {
            try solver.minimize(&objective, from: [1, 1])
        }
        // The right dimension runs.
        var four = try LBFGSBSolver(dimension: 4)
        #expect(try four.minimize(&objective, from: [-1.2, 1, -1.2, 1]).termination.isSuccess)
    }
}
