import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLBFGSB

/// Many solvers at once must give the same bits as one at a time: no shared mutable state
/// anywhere (solvers, tapes and problems are values; scratch space is copy-on-write).
@Suite("Concurrency")
struct ConcurrencyTests {
    /// Solve k: the extended Rosenbrock in 2 + 2(k mod 5) variables from a start that depends on k,
    /// with bounds for odd k.
    static func solve(_ k: Int) throws -> LBFGSBResult {
        let n = 2 + 2 * (k % 5)
        let x0 = (0..<n).map { i in i % 2 == 0 ? -1.2 + 0.001 * Double(k) : 1.0 }
        let bounds: [Double]? = k % 2 == 1 ? [Double](repeating: 0.5, count: n) : nil
        return try LBFGSBSolver.minimize(StandardFunctions.ExtendedRosenbrock(), from: x0, upper: bounds)
    }

    @Test("1000 L-BFGS-B solves in a task group equal the same solves done sequentially, bit for bit")
    func lbfgsb() async throws {
        let sequential = try (0..<1000).map { try Self.solve($0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, LBFGSBResult).self) { group in
            for k in 0..<1000 { group.addTask { (k, try Self.solve(k)) } }
            var out = [LBFGSBResult?](repeating: nil, count: 1000)
            for try await (k, r) in group { out[k] = r }
            return out.map { $0! }
        }
        for k in 0..<1000 {
            #expect(parallel[k].x == sequential[k].x && parallel[k].f == sequential[k].f)
            #expect(parallel[k].iterations == sequential[k].iterations && parallel[k].evaluations == sequential[k].evaluations)
        }
    }
}
