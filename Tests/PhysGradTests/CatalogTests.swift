import Foundation
import Testing
import PhysGrad
import PhysGradLinearAlgebra

@Suite("Problem catalog")
struct CatalogTests {
    @Test("powers(2) is the seed problem; powers(n) needs an even n")
    func powersShape() throws {
        let p = try Problems.powers(6)
        var m = p.model
        #expect(m.value(at: [1, 2, 3, 4, 5, 6]) == [1, 4, 3, 16, 5, 36])
        #expect(try p.inverse!([1, 4, 3, 16, 5, 36]) == [1, 2, 3, 4, 5, 6])
        #expect(throws: PhysGradError.self) { try Problems.powers(3) }
        #expect(throws: PhysGradError.self) { try Problems.powers(0) }
        #expect(Problems.seed().dimension == 2 && Problems.seed().start == [3, 3])
    }

    @Test("powers: the analytic inverse refuses a negative y at an odd index")
    func powersDomain() throws {
        let p = try Problems.powers(4)
        #expect(throws: InverseDomainError(index: 3, value: -1, reason: "y_i = x_i^2 cannot be negative")) {
            _ = try p.inverse!([1, 1, 1, -1])
        }
    }

    @Test("powers(n): Newton (eta 1), PG and numerical PG reach 0", arguments: [2, 10, 100])
    func powersConverges(n: Int) throws {
        let p = try Problems.powers(n)
        // L = sum of x_i^2 and x_i^4: at L <= 1e-20 the odd coordinates are still ~L^(1/4) = 1e-5.
        let options = RunOptions(steps: 200, targetLoss: 1e-20, trace: .none)
        let fixedNewton = Newton(eta: 1, policy: .exact, acceptance: .fixed, tolerances: ConvergenceTolerances(gradient: 0, step: 0, loss: 0))
        for method in [AnyMethod(fixedNewton), AnyMethod(PhysicalGradient(eta: 0.5))] {
            let r = try method.run(p, options)
            #expect(r.termination == .reachedTargetLoss, "\(r.method): \(r.termination)")
            #expect(r.distanceToSolution! < 1e-4, "\(r.method): distance \(r.distanceToSolution!)")
        }
        // The numerical inverse of y = x^2 near 0 is as ill-conditioned as sqrt: an inner
        // accuracy of 1e-7 in y leaves ~3e-4 in x. It still drives L below 1e-12.
        let r = try optimize(p, with: PhysicalGradient(eta: 0.5, inverse: .numerical(.exact)), options: options)
        #expect(r.loss < 1e-12 && r.distanceToSolution! < 2e-3, "pg-numerical: \(r.loss) \(r.distanceToSolution!)")
    }

    @Test("the cubic inverse c⁻¹(v) for x³ + x = v is exact to rounding over many magnitudes")
    func cubicRoot() {
        for x in [0.0, 1e-300, 1e-8, 0.3, 1, 2.5, 1e3, 1e50, 1e100] {
            for s in [1.0, -1.0] {
                let v = s * x
                let c = v * v * v + v
                guard c.isFinite else { continue }
                #expect(abs(inverseCubic(c) - v) <= 4e-16 * max(abs(v), 1e-300), "x = \(v)")
            }
        }
        #expect(inverseCubic(0) == 0)
    }

    @Test("blur's kernel: exp(-(d/w)²) down to 1e-18, and empty (not an endless loop) for a width without such an end")
    func blurKernel() {
        // d <= w sqrt(ln 1e18) = 6.4379 w: 10 entries for w = 1.5, 65 for w = 10.
        for (w, count) in [(1.5, 10), (-1.5, 10), (10, 65), (1e-3, 1)] {
            let k = BlurModel.kernel(width: w)
            #expect(k.count == count, "width \(w)")
            for (d, v) in k.enumerated() { #expect(abs(v - exp(-pow(Double(d) / w, 2))) <= 1e-15 * v) }
        }
        for w in [Double.nan, .infinity, -.infinity, 0] { #expect(BlurModel.kernel(width: w).isEmpty, "width \(w)") }
    }

    @Test("blur(n): the analytic inverse recovers x from y(x)", arguments: [1, 7, 64])
    func blurInverse(n: Int) throws {
        let p = try Problems.blur(n)
        var model = p.model
        let x = (0..<n).map { 2 * Double($0 % 5) - 3.5 }
        let back = try p.inverse!(model.value(at: x))
        #expect(back.count == n)
        #expect(zip(back, x).allSatisfy { abs($0 - $1) <= 1e-10 * max(1, abs($1)) })
        // The target is y(x*), so the loss is zero at the solution.
        var objective = p.objective
        #expect(objective.value(at: p.solution!) == 0)
    }

    @Test("blur(n): PG (analytic and numerical) and Newton reach the solution", arguments: [16, 64])
    func blurConverges(n: Int) throws {
        let p = try Problems.blur(n)
        let pg = try optimize(p, with: PhysicalGradient(eta: 1), options: RunOptions(steps: 3, trace: .none))
        #expect(pg.distanceToSolution! < 1e-10, "PG: \(pg.distanceToSolution!)")
        let pgn = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(.exact)),
                               options: RunOptions(steps: 3, trace: .none))
        #expect(pgn.distanceToSolution! < 1e-8, "PG numerical: \(pgn.distanceToSolution!)")
        // L is not convex in x (c is cubic): from the start ∇²L is indefinite. Newton's default
        // (a trust region) descends at every step and reaches the solution.
        let newton = try optimize(p, with: Newton(), options: RunOptions(steps: 200, trace: .scalars))
        #expect(newton.distanceToSolution! < 1e-8, "Newton: \(newton.distanceToSolution!) \(newton.termination)")
        #expect(newton.isSuccess)
        #expect(zip(newton.trajectory.loss, newton.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 })
    }

    @Test("burgers(n): the model is stable and keeps the mean velocity")
    func burgersModel() throws {
        let p = try Problems.burgers(64)
        var m = p.model
        let y = m.value(at: p.solution!)
        #expect(y.allSatisfy { $0.isFinite && abs($0) <= 1 })
        // Periodic and conservative: the sum of u is invariant (the scheme is in flux form).
        #expect(abs(y.reduce(0, +) - p.solution!.reduce(0, +)) < 1e-12)
        // Viscosity and steepening only ever lower the maximum.
        #expect(y.map(abs).max()! < 1)
    }

    @Test("burgers(n): PG with the numerical inverse (exact gradients) and Newton reach the solution")
    func burgersConverges() throws {
        let p = try Problems.burgers(32)
        let pgn = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(.exact)),
                               options: RunOptions(steps: 5, targetLoss: 1e-20, trace: .none))
        #expect(pgn.distanceToSolution! < 1e-6, "PG numerical: \(pgn.distanceToSolution!) \(pgn.termination)")
        let newton = try optimize(p, with: Newton(), options: RunOptions(steps: 100, trace: .none))
        #expect(newton.distanceToSolution! < 1e-8, "Newton: \(newton.distanceToSolution!) \(newton.termination)")
        #expect(newton.isSuccess)
        #expect(throws: PhysGradError.methodNotApplicable(method: "pg", problem: "burgers",
                                                          reason: "the problem has no analytic inverse; use the numerical one")) {
            try optimize(p, with: PhysicalGradient(eta: 1))
        }
    }
}

/// Runs any method through the one driver (type erasure for test tables).
struct AnyMethod {
    let run: (InverseProblem, RunOptions) throws -> OptimizationResult
    init<M: Optimizer>(_ m: M) {
        run = { p, o in try optimize(p, with: m, options: o) }
    }
    func run(_ p: InverseProblem, _ o: RunOptions) throws -> OptimizationResult { try run(p, o) }
}
