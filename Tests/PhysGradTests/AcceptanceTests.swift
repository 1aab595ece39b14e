import Foundation
import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// y = x², L = |y - t|²: a quartic per coordinate, whose fixed GD steps overshoot.
struct Squares: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { x.map { $0 * $0 } }
}

/// A model that returns one entry more than its problem declares.
struct TooLong: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { x + [x[0]] }
}

/// y = A x for a fixed matrix A (column-major, rows × columns).
struct Linear: GenericModel, Sendable {
    let a: [Double]
    let rows: Int
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        (0..<rows).map { i in
            var s: T = 0
            for j in x.indices { s += T(a[i + j * rows]) * x[j] }
            return s
        }
    }
}

@Suite("Step acceptance and honest results")
struct AcceptanceTests {
    static func quartic(start: Double = 1) -> InverseProblem {
        InverseProblem(name: "quartic", dimension: 1, outputDimension: 1, model: Squares(), loss: SquaredDistance(target: [0]),
                       start: [start], solution: [0])
    }

    @Test("a fixed step that overshoots leaves the loss above its start: no success, and the description says so")
    func lossRose() throws {
        // L = x⁴, ∇L = 4x³: from x = 1, GD with η = 0.6 jumps to -1.4, L = 3.84 > 1.
        let r = try optimize(Self.quartic(), with: GradientDescent(eta: 0.6), options: RunOptions(steps: 1))
        #expect(r.termination == .completedSteps && r.termination.isSuccess)
        #expect(r.lossIncreased && !r.isSuccess)
        #expect(r.description.contains("ROSE above the start"), "\(r)")
    }

    @Test("backtracking and strong Wolfe make the same step size descend at every step", arguments: [
        StepAcceptance.backtracking(), .strongWolfe(),
    ])
    func lineSearchesDescend(acceptance: StepAcceptance) throws {
        let p = Self.quartic()
        let r = try optimize(p, with: GradientDescent(eta: 0.6, acceptance: acceptance), options: RunOptions(steps: 50, trace: .full))
        #expect(r.isSuccess, "\(r)")
        let t = r.trajectory
        #expect(zip(t.loss, t.loss.dropFirst()).allSatisfy { $1 < $0 })
        var objective = p.objective
        for k in 1..<t.x.count {
            let alpha = try #require(t.reports[k - 1].stepLength)
            let g0 = objective.gradient(at: t.x[k - 1]), g1 = objective.gradient(at: t.x[k])
            let slope = -g0[0] * g0[0]                  // ∇L·d with d = -∇L
            // Sufficient decrease with c₁ = 1e-4.
            #expect(t.loss[k] <= t.loss[k - 1] + 1e-4 * alpha * slope + 1e-15)
            switch acceptance {
            case .backtracking: #expect(alpha <= 0.6)   // only ever shortened
            default: #expect(abs(-g1[0] * g0[0]) <= 0.9 * abs(slope) + 1e-15)  // strong curvature condition
            }
        }
    }

    @Test("an acceptance asked of a method without one is refused, not silently dropped")
    func acceptanceForMethodWithoutOne() throws {
        // Adam with η = 1.5 on seed overshoots and the loss rises on later steps: a backtracking
        // acceptance, had it been applied, would never let the loss rise.
        let seed = Problems.seed()
        for kind in [MethodKind.adam, .adagrad, .rmsprop, .lbfgsb] {
            #expect(throws: PhysGradError.invalidParameter(name: "acceptance of \(kind.rawValue)", value: "backtracking",
                                                           reason: "\(kind.rawValue) has no step acceptance policy (it takes its own steps)")) {
                try kind.makeMethod(for: seed, stepSize: kind.takesStepSize ? 1.5 : nil, acceptance: .backtracking())
            }
            var recommending = seed
            recommending.acceptances[kind] = .strongWolfe()
            #expect(throws: PhysGradError.self) { try kind.makeMethod(for: recommending, stepSize: kind.takesStepSize ? 1.5 : nil) }
            // Without an acceptance they are made as before.
            #expect(try kind.makeMethod(for: seed, stepSize: kind.takesStepSize ? 1.5 : nil).name == kind.rawValue)
        }
        // The methods with acceptance policies take the one asked for, and backtracking keeps GD monotone.
        let gd = try MethodKind.gd.makeMethod(for: seed, stepSize: 1.5, acceptance: .backtracking())
        let r = try optimize(seed, with: gd, options: RunOptions(steps: 20, trace: .scalars))
        #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 })
    }

    @Test("a line search from a stationary point with a positive loss ends as converged, not as failed")
    func lineSearchAtStationaryPoint() throws {
        // y = x², L = (y + 1)² = (x² + 1)²: the minimum is x = 0 with L = 1 and ∇L = 4x(x² + 1) = 0
        // there. The search's predicted decrease, -α ∇L·d, is 0: below L's rounding level.
        let p = InverseProblem(name: "offset", dimension: 1, outputDimension: 1, model: Squares(), loss: SquaredDistance(target: [-1]),
                               start: [0], solution: [0])
        for acceptance in [StepAcceptance.backtracking(), .strongWolfe()] {
            let r = try optimize(p, with: GradientDescent(eta: 0.1, acceptance: acceptance), options: RunOptions(steps: 5))
            guard case .convergedByMethod = r.termination else {
                Issue.record("\(acceptance.name): \(r.termination)")
                continue
            }
            #expect(r.isSuccess && r.x == [0] && r.loss == 1, "\(acceptance.name): \(r)")
        }
    }

    @Test("a numerical inverse that stops short makes the run no success, and is counted per step")
    func inverseStoppedShort() throws {
        let p = try Problems.blur(8)
        var options = NumericalInverse.exact.options
        options.maxiter = 1
        let starved = NumericalInverse(gradient: .exact, options: options)
        let r = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(starved)),
                             options: RunOptions(steps: 3, trace: .scalars))
        #expect(r.diagnostics.inverseSolves == r.steps && r.diagnostics.inverseSolvesStoppedShort > 0)
        #expect(r.trajectory.reports.allSatisfy { $0.inverse != nil })
        #expect(!r.isSuccess, "\(r)")
        #expect(r.description.contains("stopped short"))
    }

    @Test("a numerical inverse that returns the current point stops the line-searched run at once, as stalled, and says why")
    func inverseThatDoesNotMove() throws {
        let p = try Problems.blur(8)
        // pgtol far above any gradient: L-BFGS-B returns its start without an iteration.
        var options = NumericalInverse.exact.options
        options.pgtol = 1e30
        let idle = NumericalInverse(gradient: .exact, options: options)
        let r = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(idle), acceptance: .backtracking()),
                             options: RunOptions(steps: 5, trace: .scalars))
        guard case .stalled(let why) = r.termination else {
            Issue.record("expected stalled, got \(r.termination)")
            return
        }
        #expect(why.contains("returned the current point") && why.contains("after 0 iterations"), "\(why)")
        #expect(r.steps == 0 && !r.isSuccess && r.x == p.start)
        // No line search along a zero step: the loss at the start is the only one evaluated.
        #expect(r.counts.losses + r.counts.models <= 2, "\(r.counts)")
    }

    @Test("PG with an exact numerical inverse on heat(64): one step to the inverse's resolution, then converged, not failed")
    func pgAtItsResolution() throws {
        let p = try Problems.heat(64)
        let r = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(.exact), acceptance: .backtracking()),
                             options: RunOptions(steps: 50))
        #expect(r.isSuccess, "\(r)")
        guard case .convergedByMethod = r.termination else {
            Issue.record("expected a convergence, got \(r.termination)")
            return
        }
        #expect(r.loss < 1e-15 * r.initialLoss && r.distanceToSolution! < 1e-6)
    }

    @Test("the model's output length is checked once, before the run: a typed error, no trap")
    func outputLength() {
        let p = InverseProblem(name: "long", dimension: 2, outputDimension: 2, model: TooLong(),
                               loss: SquaredDistance(target: [0, 0]), start: [1, 1])
        #expect(throws: PhysGradError.dimensionMismatch(name: "model output y(start) (outputDimension)", expected: 2, actual: 3)) {
            try optimize(p, with: GradientDescent(eta: 0.1))
        }
    }

    @Test("dense second-order methods whose matrices do not fit the memory limit are refused before the run")
    func memoryLimit() throws {
        // blur's declared bands taken away: the dense methods.
        var p = try Problems.blur(100_000)
        p.objectiveHessianStructure = .dense
        p.jacobianStructure = .dense
        for method in [Newton(), GaussNewton(), LevenbergMarquardt(), InverseGradients(eta: 1), HalfInverseGradients(eta: 1)]
            as [any Optimizer] {
            #expect(throws: PhysGradError.self) { try optimize(p, with: method, options: RunOptions(steps: 1)) }
        }
        do {
            _ = try optimize(p, with: Newton(), options: RunOptions(steps: 1))
        } catch {
            guard case .exceedsMemoryLimit(_, let bytes, let limit, _) = error else {
                Issue.record("expected exceedsMemoryLimit, got \(error)")
                return
            }
            #expect(bytes >= 3 * 100_000 * 100_000 * 8 && limit == RunOptions().memoryLimit)
        }
        // First-order methods and PG run at this size.
        let gd = try optimize(p, with: GradientDescent(eta: 1e-4), options: RunOptions(steps: 1))
        #expect(gd.steps == 1)
    }

    @Test("with blur's declared bands, Newton, Gauss-Newton and Levenberg-Marquardt need O(n) memory and run at n = 100,000")
    func bandedAtScale() throws {
        let p = try Problems.blur(100_000)
        for method in [Newton(), GaussNewton(), LevenbergMarquardt()] as [any Optimizer] {
            #expect(method.workingMemory(for: p) <= 200 * 100_000 * 8, "\(method.name)")
            let r = try optimize(p, with: method, options: RunOptions(steps: 1))
            #expect(r.steps == 1 && r.loss < r.initialLoss, "\(method.name): \(r)")
        }
        // IG and HIG still need the dense Jacobian's SVD.
        for method in [InverseGradients(eta: 1), HalfInverseGradients(eta: 1)] as [any Optimizer] {
            #expect(throws: PhysGradError.self) { try optimize(p, with: method, options: RunOptions(steps: 1)) }
        }
    }

    @Test("a long run keeps a bounded, evenly thinned trace that ends with the last step")
    func traceThinning() throws {
        let p = try Problems.powers(4)
        let options = RunOptions(steps: 5000, trace: .scalars, traceMemoryLimit: 8 << 10)
        let r = try optimize(p, with: GradientDescent(eta: 0.001), options: options)
        let t = r.trajectory
        #expect(r.steps == 5000)
        #expect(t.loss.count == t.stepIndices.count && t.reports.count == t.stepIndices.count - 1)
        #expect(t.loss.count < 200, "\(t.loss.count) entries")
        #expect(t.stepIndices.first == 0 && t.stepIndices.last == 5000)
        #expect(zip(t.stepIndices, t.stepIndices.dropFirst()).allSatisfy { $0 < $1 })
        // Entries are the losses of their steps: the same run with a full trace agrees.
        let full = try optimize(p, with: GradientDescent(eta: 0.001), options: RunOptions(steps: 5000, trace: .scalars))
        for (i, step) in t.stepIndices.enumerated() { #expect(t.loss[i] == full.trajectory.loss[step]) }
    }

    @Test("the time limit holds inside a numerical inverse, not only between steps")
    func timeLimitInsideInverse() throws {
        // Each model evaluation sleeps 20 ms: one exact inverse needs dozens of them, so a 0.1 s
        // limit runs out inside the first step's inverse.
        let p = InverseProblem(name: "slow", dimension: 4, outputDimension: 4, model: SlowSquares(),
                               loss: SquaredDistance(target: [1, 2, 3, 4]), start: [3, 3, 3, 3],
                               inverseLowerBounds: [0, 0, 0, 0], inverseUpperBounds: [10, 10, 10, 10])
        let r = try optimize(p, with: PhysicalGradient(eta: 1, inverse: .numerical(.exact)),
                             options: RunOptions(steps: 10, timeLimit: 0.1))
        #expect(r.termination == .timeLimit, "\(r)")
        #expect(r.steps == 0 && !r.isSuccess)
    }

    @Test("HIG's step is -η V Σ^(-1/2) Uᵀ ∇_y L, here computed from AᵀA's eigendecomposition instead of the SVD")
    func higAlgebra() throws {
        // A 3 × 2 linear model: V Σ^(-1/2) Uᵀ g = (AᵀA)^(-3/4) Aᵀ g since U = A V Σ⁻¹.
        let a: [Double] = [2, 0.5, 1, -1, 3, 0.25]
        let model = Linear(a: a, rows: 3)
        let target = [1.0, -2, 0.5], x0 = [0.3, -0.7]
        let p = InverseProblem(name: "linear", dimension: 2, outputDimension: 3, model: model,
                               loss: SquaredDistance(target: target), start: x0)
        let eta = 0.1
        let r = try optimize(p, with: HalfInverseGradients(eta: eta), options: RunOptions(steps: 1))
        let am = Matrix(rows: 3, columns: 2, columnMajor: a)
        let ata = try am.transposed() * am
        let eig = try SymmetricEigendecomposition(ata)
        let y = model(x0)
        let gy = (0..<3).map { 2 * (y[$0] - target[$0]) }
        let atg = try am.transposed() * gy
        // (AᵀA)^(-3/4) Aᵀ g through the eigenbasis.
        let v = eig.eigenvectors, lambda = eig.eigenvalues
        var step = [0.0, 0.0]
        for k in 0..<2 {
            let coefficient = (v[0, k] * atg[0] + v[1, k] * atg[1]) * pow(lambda[k], -0.75)
            for i in 0..<2 { step[i] -= eta * coefficient * v[i, k] }
        }
        #expect(Vector.distance(Vector.subtract(r.x, x0), step) <= 1e-12 * Vector.norm2(step), "\(r.x) vs \(Vector.add(x0, step))")
    }

    @Test("IG's step is J⁺ times PG's y-space step: on a linear model with full column rank, (AᵀA)⁻¹Aᵀ η (y* - y)")
    func igAlgebra() throws {
        let a: [Double] = [2, 0.5, 1, -1, 3, 0.25]
        let model = Linear(a: a, rows: 3)
        let target = [1.0, -2, 0.5], x0 = [0.3, -0.7]
        let p = InverseProblem(name: "linear", dimension: 2, outputDimension: 3, model: model,
                               loss: SquaredDistance(target: target), start: x0)
        let r = try optimize(p, with: InverseGradients(eta: 0.5), options: RunOptions(steps: 1))
        let am = Matrix(rows: 3, columns: 2, columnMajor: a)
        let y = model(x0)
        let dy = (0..<3).map { 0.5 * (target[$0] - y[$0]) }
        let expected = try solve(try am.transposed() * am, try am.transposed() * dy)
        #expect(Vector.distance(Vector.subtract(r.x, x0), expected) <= 1e-12 * Vector.norm2(expected))
    }

    @Test("IG on a rank-2 J (4 × 3): the truncation drops the null direction and the step is the minimum-norm A⁺ η (y* - y), A⁺ = Cᵀ(CCᵀ)⁻¹(BᵀB)⁻¹Bᵀ for A = BC")
    func igRankDeficient() throws {
        let b = Matrix(rows: 4, columns: 2, columnMajor: [1, 2, 0, 1, 0, 1, 3, 1])
        let c = Matrix(rows: 2, columns: 3, columnMajor: [1, 0, 0, 1, 1, 1])
        let a = try b * c
        let model = Linear(a: (0..<3).flatMap { j in (0..<4).map { a[$0, j] } }, rows: 4)
        let target = [1.0, -2, 0.5, 3], x0 = [0.3, -0.7, 0.2]
        let p = InverseProblem(name: "rank-2", dimension: 3, outputDimension: 4, model: model,
                               loss: SquaredDistance(target: target), start: x0)
        let r = try optimize(p, with: InverseGradients(eta: 0.5), options: RunOptions(steps: 1))
        let y = model(x0)
        let dy = (0..<4).map { 0.5 * (target[$0] - y[$0]) }
        let inner = try solve(try b.transposed() * b, try b.transposed() * dy)
        let expected = try c.transposed() * (try solve(try c * c.transposed(), inner))
        #expect(Vector.distance(Vector.subtract(r.x, x0), expected) <= 1e-12 * Vector.norm2(expected), "\(r.x) vs \(expected)")
    }

    @Test("HIG on a J wider than tall (2 × 3): V Σ^(-1/2) Uᵀ g = Aᵀ (AAᵀ)^(-3/4) g, from AAᵀ's eigendecomposition")
    func higWide() throws {
        let a: [Double] = [2, 0.5, 1, -1, 3, 0.25]
        let model = Linear(a: a, rows: 2)
        let target = [1.0, -2], x0 = [0.3, -0.7, 0.4]
        let p = InverseProblem(name: "wide", dimension: 3, outputDimension: 2, model: model,
                               loss: SquaredDistance(target: target), start: x0)
        let eta = 0.1
        let r = try optimize(p, with: HalfInverseGradients(eta: eta), options: RunOptions(steps: 1))
        let am = Matrix(rows: 2, columns: 3, columnMajor: a)
        let eig = try SymmetricEigendecomposition(try am * am.transposed())
        let y = model(x0)
        let gy = (0..<2).map { 2 * (y[$0] - target[$0]) }
        let u = eig.eigenvectors, lambda = eig.eigenvalues
        var w = [0.0, 0.0]  // (AAᵀ)^(-3/4) g
        for k in 0..<2 {
            let coefficient = (u[0, k] * gy[0] + u[1, k] * gy[1]) * pow(lambda[k], -0.75)
            for i in 0..<2 { w[i] += coefficient * u[i, k] }
        }
        let step = (try am.transposed() * w).map { -eta * $0 }
        #expect(Vector.distance(Vector.subtract(r.x, x0), step) <= 1e-12 * Vector.norm2(step), "\(r.x) vs \(Vector.add(x0, step))")
    }
}

/// y = x², sleeping 20 ms per evaluation (for the time-limit test).
struct SlowSquares: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        usleep(20_000)
        return x.map { $0 * $0 }
    }
}
