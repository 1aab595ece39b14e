import Testing
@testable import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// y_i = x_i²: a diagonal Jacobian `2 diag(x)`, singular wherever some x_i = 0.
private struct ElementSquares: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { x.map { $0 * $0 } }
}

private func isQR(_ solve: LinearSolve?) -> Bool {
    if case .qr = solve { return true }
    return false
}

private func isCholesky(_ solve: LinearSolve?) -> Bool {
    switch solve {
    case .cholesky?, .shiftedCholesky?: return true
    default: return false
    }
}

/// Moré's Levenberg-Marquardt (the trust region on the length) on a declared banded Jacobian:
/// banded normal equations in the scaled variables instead of the dense QR.
@Suite("Levenberg-Marquardt on the length with a declared band")
struct BandedRadiusTests {
    static let more = LevenbergMarquardt(acceptance: .trustRegion(.length()))

    @Test("the banded steps are the dense QR ones: the first step to 1e-6, the run's evaluations within one, both at the solution",
          arguments: [8, 40, 100])
    func agreesWithDense(n: Int) throws {
        let banded = try Problems.blur(n)
        var dense = banded
        dense.jacobianStructure = .dense
        let first = RunOptions(steps: 1, trace: .scalars)
        let a = try optimize(banded, with: Self.more, options: first)
        let b = try optimize(dense, with: Self.more, options: first)
        #expect(!a.trajectory.reports.isEmpty && a.trajectory.reports.allSatisfy { isCholesky($0.solve) }, "\(a.trajectory.reports)")
        #expect(!b.trajectory.reports.isEmpty && b.trajectory.reports.allSatisfy { isQR($0.solve) })
        #expect(a.loss < a.initialLoss)
        #expect(Vector.distance(a.x, b.x) <= 1e-6 * Vector.norm2(b.x), "\(Vector.distance(a.x, b.x))")

        let options = RunOptions(trace: .scalars)
        let ra = try optimize(banded, with: Self.more, options: options)
        let rb = try optimize(dense, with: Self.more, options: options)
        #expect(ra.isSuccess && rb.isSuccess, "\(ra) / \(rb)")
        #expect(abs(ra.counts.models - rb.counts.models) <= 1 && abs(ra.counts.jacobians - rb.counts.jacobians) <= 1,
                "\(ra.counts) vs \(rb.counts)")
        #expect(ra.distanceToSolution! <= 1e-8 && rb.distanceToSolution! <= 1e-8)
        #expect(zip(ra.trajectory.loss, ra.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 })
    }

    @Test("the damping meets MINPACK's contract: ‖D p‖ within 10% of Δ (or λ = 0 inside 1.1 Δ), and p solves (JᵀJ + λD²) p = Jᵀr",
          arguments: [0.01, 0.3, 0.8, 0.95, 2.0], [0.0, 1e-8, 1e8])
    func parameterContract(fraction: Double, guess: Double) throws {
        let p = try Problems.blur(40)
        var evaluator = ProblemEvaluator(p)
        let j = try #require(try evaluator.bandedJacobian(at: p.start))
        let (r, _) = evaluator.residual(at: p.start)
        let diag = j.columnNorms
        let free = Array(0..<40)
        var model = try #require(BandedRadiusModel.make(jacobian: j, residual: r, free: free, diag: diag, gnorm: 0,
                                                        storage: ShiftedBandedCholesky()))
        // The Gauss-Newton step's ‖D p‖, then a radius that is a fraction of it.
        var zero = 0.0
        let gaussNewton = try model.parameter(delta: 1e300, par: &zero)
        #expect(zero == 0)
        let full = Vector.norm2((0..<40).map { diag[$0] * gaussNewton[$0] })
        let delta = fraction * full
        var par = guess  // the previous step's damping, here far off on either side
        let step = try model.parameter(delta: delta, par: &par)
        let dp = Vector.norm2((0..<40).map { diag[$0] * step[$0] })
        if par == 0 {
            #expect(dp <= 1.1 * delta)
        } else {
            #expect(abs(dp - delta) <= 0.1 * delta, "‖D p‖ \(dp), Δ \(delta), λ \(par)")
        }
        // (JᵀJ + λD²) p = Jᵀr, densely.
        let dense = j.dense
        let jtj = try dense.transposed() * dense
        let jtr = try dense.transposed() * r
        var lhs = try jtj * step
        for i in 0..<40 { lhs[i] += par * diag[i] * diag[i] * step[i] }
        #expect(Vector.distance(lhs, jtr) <= 1e-9 * Vector.norm2(jtr), "\(Vector.distance(lhs, jtr))")
    }

    @Test("at n = 20,000 it needs O(n) memory and takes a step that lowers the loss")
    func atScale() throws {
        let n = 20_000
        let p = try Problems.blur(n)
        #expect(Self.more.workingMemory(for: p) <= 200 * n * 8)
        let r = try optimize(p, with: Self.more, options: RunOptions(steps: 2, trace: .scalars))
        #expect(r.steps == 2 && r.loss < r.initialLoss, "\(r)")
        #expect(r.trajectory.reports.allSatisfy { isCholesky($0.solve) })
    }

    @Test("a singular JᵀJ takes the dense QR step instead, and the step still lowers the loss")
    func singularFallsBack() throws {
        let target = [Double](repeating: 1, count: 6)
        var p = InverseProblem(name: "squares", dimension: 6, outputDimension: 6, model: ElementSquares(),
                               loss: SquaredDistance(target: target), start: [0, 2, 2, 2, 2, 2])
        p.jacobianStructure = .banded(lower: 0, upper: 0)
        let r = try optimize(p, with: Self.more, options: RunOptions(steps: 1, trace: .scalars))
        #expect(r.steps == 1 && r.loss < r.initialLoss, "\(r)")
        #expect(r.trajectory.reports.allSatisfy { isQR($0.solve) })
        #expect(r.x[0] == 0)  // J's zero column: that variable gets no step
        // Away from the singular point the same problem takes the banded steps, to the solution.
        p.start = [0.5, 2, 2, 2, 2, 2]
        let s = try optimize(p, with: Self.more, options: RunOptions(trace: .scalars))
        #expect(s.isSuccess && s.steps > 0 && s.loss <= 1e-20 * s.initialLoss, "\(s)")
        #expect(s.trajectory.reports.allSatisfy { isCholesky($0.solve) })
        #expect(Vector.distance(s.x, target) <= 1e-8, "\(s.x)")
    }
}
