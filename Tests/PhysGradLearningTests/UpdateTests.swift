// Each update's algebra against an explicit computation from the derivatives module's Jacobians
// and LAPACK's SVD: Adam and GD through the simulator, SIP's inverse targets and proxy loss, and
// HIG's half-inverse step with both solvers.
import Foundation
import PhysGradDerivatives
import PhysGradLearning
import PhysGradLinearAlgebra
import PhysGradNetworks
import Testing

@Suite("Training updates")
struct UpdateTests {
    let problem: LearningProblem
    let network: DenseNetwork

    init() throws {
        problem = try smallOscillatorProblem()
        network = problem.makeNetwork(seed: 5)
    }

    func stacked(_ count: Int) -> StackedOscillatorModel {
        StackedOscillatorModel(network: network, physics: .book, inputs: firstSamples(problem, count))
    }

    @Test("GD's step is -η ∇L with ∇L the reverse-mode gradient of the batch loss per data point")
    func gradientDescent() throws {
        let b = 8
        let method = GradientDescentTraining(learningRate: 0.1, batchSize: b)
        let (after, _) = try oneUpdate(method, problem, network)
        let loss = BatchLoss(model: stacked(b), targets: firstSamples(problem, b).flatMap { $0 })
        let g = Derivatives.gradient(of: loss, at: network.parameters)
        let expected = zip(network.parameters, g).map { $0 - 0.1 * $1 }
        #expect(scaledError(after.parameters, expected) <= 1e-13)
    }

    @Test("Adam's first step is -η g / (|g| + ε) per parameter (optax), g the batch-loss gradient")
    func adam() throws {
        let b = 8
        let method = AdamTraining(learningRate: 1e-3, batchSize: b)
        let (after, _, batch) = try oneUpdateWithBatch(method, problem, network)
        let loss = BatchLoss(model: stacked(b), targets: firstSamples(problem, b).flatMap { $0 })
        let g = Derivatives.gradient(of: loss, at: network.parameters)
        #expect(scaledError(batch.gradient, g) <= 1e-13)
        // t = 1: m̂ = g, v̂ = g².
        #expect(adamFirstStepError(after: after.parameters, theta: network.parameters, gradient: g, eta: 1e-3) <= 1e-12)
    }

    @Test("SIP: x̃_i = u_i + J_i⁺ (y*_i - y_i) from an explicit SVD; the proxy gradient (1/B) Σ (∂u_i/∂θ)ᵀ (u_i - x̃_i) takes Adam's first step")
    func sip() throws {
        let b = 8
        let method = ScaleInvariantTraining(learningRate: 1e-3, batchSize: b, inverse: .pseudoInverse(relativeTruncation: 1e-5))
        let (after, report, batch) = try oneUpdateWithBatch(method, problem, network)
        #expect(report.rank == 4)
        var gradient = [Double](repeating: 0, count: network.parameterCount)
        var cotangent: [Double] = []
        for x in firstSamples(problem, b) {
            let model = network.parameterModel(input: x)
            let u = model(network.parameters)
            let y = try CoupledOscillators.book.finalState(start: x, controls: u)
            let j = Derivatives.jacobian(of: CoupledOscillators.book.controlModel(start: x), at: u)
            // J⁺ by the explicit sum V Σ⁻¹ Uᵀ over the kept singular values.
            let svd = try SingularValueDecomposition(j)
            let dy = zip(x, y).map { $0 - $1 }
            var step = [Double](repeating: 0, count: u.count)
            for s in 0..<svd.singularValues.count where svd.singularValues[s] > 1e-5 * svd.singularValues[0] {
                let coefficient = (0..<4).reduce(0.0) { $0 + svd.u[$1, s] * dy[$1] } / svd.singularValues[s]
                for c in 0..<u.count { step[c] += coefficient * svd.vt[s, c] }
            }
            let target = zip(u, step).map { $0 + $1 }
            cotangent += zip(u, target).map { ($0 - $1) / Double(b) }
            let jNet = Derivatives.jacobian(of: model, at: network.parameters, mode: .forward)
            for p in 0..<network.parameterCount {
                for c in 0..<u.count { gradient[p] += (u[c] - target[c]) * jNet[c, p] / Double(b) }
            }
        }
        #expect(scaledError(Array(batch.controlCotangent.prefix(cotangent.count)), cotangent) <= 1e-12)
        #expect(scaledError(batch.gradient, gradient) <= 1e-12)
        #expect(adamFirstStepError(after: after.parameters, theta: network.parameters, gradient: gradient, eta: 1e-3) <= 1e-12)
    }

    @Test("SIP's saddle-free Newton inverse gives the pseudo-inverse's targets on linear physics")
    func sipNewtonOnLinearPhysics() throws {
        let b = 8
        let pinv = ScaleInvariantTraining(learningRate: 1e-3, batchSize: b, inverse: .pseudoInverse(relativeTruncation: 1e-5))
        let newton = ScaleInvariantTraining(learningRate: 1e-3, batchSize: b, inverse: .saddleFreeNewton(relativeTruncation: 1e-9))
        let (_, ra, a) = try oneUpdateWithBatch(pinv, problem, network)
        let (_, rc, c) = try oneUpdateWithBatch(newton, problem, network)
        #expect(ra.rank == 4 && rc.rank == 4)
        // The proxy cotangents (u_i - x̃_i) / B: the same targets x̃.
        #expect(scaledError(c.controlCotangent, a.controlCotangent) <= 1e-9 * a.controlCotangent.map(abs).max()!)
    }

    @Test("HIG: Δθ = -η V Σ^(-1/2) Uᵀ g from an explicit SVD of the derivatives module's stacked Jacobian, both solvers")
    func hig() throws {
        let b = 4
        let model = stacked(b)
        let targets = firstSamples(problem, b).flatMap { $0 }
        let j = Derivatives.jacobian(of: model, at: network.parameters, mode: .forward)
        #expect(j.rows == 16 && j.columns == network.parameterCount)
        let y = model(network.parameters)
        let g = zip(y, targets).map { 2 * ($0 - $1) / Double(b) }
        let svd = try SingularValueDecomposition(j)
        let tau = 1e-6
        #expect(svd.singularValues.last! > 1e-3 * svd.singularValues[0], "the test wants a well-separated spectrum")
        var delta = [Double](repeating: 0, count: network.parameterCount)
        for s in 0..<svd.singularValues.count where svd.singularValues[s] > tau * svd.singularValues[0] {
            let coefficient = (0..<j.rows).reduce(0.0) { $0 + svd.u[$1, s] * g[$1] } / svd.singularValues[s].squareRoot()
            for p in 0..<delta.count { delta[p] += coefficient * svd.vt[s, p] }
        }
        let expected = zip(network.parameters, delta).map { $0 - 0.5 * $1 }
        for solver in HalfInverseTraining.Solver.allCases {
            let method = HalfInverseTraining(learningRate: 0.5, batchSize: b, relativeTruncation: tau, solver: solver)
            let (after, report) = try oneUpdate(method, problem, network)
            #expect(report.rank == 16, "\(solver)")
            let step = zip(after.parameters, network.parameters).map { $0 - $1 }
            let expectedStep = zip(expected, network.parameters).map { $0 - $1 }
            #expect(scaledError(step, expectedStep) <= 1e-9 * Swift.max(1, expectedStep.map(abs).max()!), "\(solver)")
        }
    }

    @Test("HIG's truncation drops singular values at or below τ σ_max; the Gram solver also below its floor")
    func higTruncation() throws {
        let b = 4
        let j = Derivatives.jacobian(of: stacked(b), at: network.parameters, mode: .forward)
        let sigma = try SingularValueDecomposition(j).singularValues
        // A τ between the 8th and 9th singular values keeps 8.
        let tau = (sigma[7] / sigma[0] + sigma[8] / sigma[0]) / 2
        for solver in HalfInverseTraining.Solver.allCases {
            let (_, report) = try oneUpdate(HalfInverseTraining(learningRate: 1, batchSize: b, relativeTruncation: tau, solver: solver),
                                            problem, network)
            #expect(report.rank == 8, "\(solver)")
        }
        #expect(abs(HalfInverseTraining.gramFloor(rows: 128) - 1.686e-7) < 1e-9)
    }
}
