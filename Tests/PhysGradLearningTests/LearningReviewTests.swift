// Review tests: partial batches and foreign batches in the updates, the Trainer's checks of
// what it is handed (custom methods, problems changed after their initializer, networks whose
// parameters were assigned directly), sizes that overflowed, the record schedule's ceiling and
// Adam with eps = 0. Expected values come from analytic math or from an explicit SVD of the
// derivatives module's Jacobian, as in UpdateTests.
import Foundation
import PhysGradDerivatives
import PhysGradLearning
import PhysGradLinearAlgebra
import PhysGradNetworks
import PhysGradRandom
import Testing

/// Plain GD behind a method that validates nothing: what a user's own method may look like.
struct UncheckedMethod: TrainingMethod {
    var batchSize: Int
    var name: String { "unchecked" }
    var settings: [(name: String, value: SettingValue)] { [] }
    func validate(for problem: LearningProblem) throws(TrainingError) {}
    func workingMemory(for problem: LearningProblem) -> Double { 0 }
    func makeState(for network: DenseNetwork, problem: LearningProblem) -> Void {}
    func update(_ state: inout Void, network: inout DenseNetwork, batch: inout TrainingBatch) throws(TrainingError) -> UpdateReport {
        batch.forwardNetwork(network)
        batch.evaluatePhysics()
        batch.pullBackLoss()
        batch.backward(network)
        for i in network.parameters.indices { network.parameters[i] -= 0.01 * batch.gradient[i] }
        return UpdateReport()
    }
}

@Suite("Learning review")
struct LearningReviewTests {
    @Test("HIG on a batch holding fewer samples than its batch size: the explicit SVD step of those samples, both solvers")
    func higPartialBatch() throws {
        let problem = try smallOscillatorProblem()
        let network = problem.makeNetwork(seed: 5)
        let b = 4
        let inputs = firstSamples(problem, b)
        let model = StackedOscillatorModel(network: network, physics: .book, inputs: inputs)
        let j = Derivatives.jacobian(of: model, at: network.parameters, mode: .forward)
        let y = model(network.parameters)
        let g = zip(y, inputs.flatMap { $0 }).map { 2 * ($0 - $1) / Double(b) }
        let svd = try SingularValueDecomposition(j)
        let tau = 1e-6
        var delta = [Double](repeating: 0, count: network.parameterCount)
        for s in 0..<svd.singularValues.count where svd.singularValues[s] > tau * svd.singularValues[0] {
            let coefficient = (0..<j.rows).reduce(0.0) { $0 + svd.u[$1, s] * g[$1] } / svd.singularValues[s].squareRoot()
            for p in 0..<delta.count { delta[p] -= 0.5 * coefficient * svd.vt[s, p] }
        }
        for solver in HalfInverseTraining.Solver.allCases {
            // Batch size 8, the last batch of an epoch holding 4.
            let method = HalfInverseTraining(learningRate: 0.5, batchSize: 8, relativeTruncation: tau, solver: solver)
            var net = network
            var state = method.makeState(for: net, problem: problem)
            var batch = TrainingBatch(problem: problem, network: net, method: method)
            batch.load(problem.data, order: Array(0..<problem.data.count), start: 0, count: b)
            let report = try method.update(&state, network: &net, batch: &batch)
            #expect(report.rank == 16, "\(solver)")
            let step = zip(net.parameters, network.parameters).map { $0 - $1 }
            #expect(scaledError(step, delta) <= 1e-9 * Swift.max(1, delta.map(abs).max()!), "\(solver)")
        }
    }

    @Test("updates on a batch that was not made for the method are typed errors, not traps")
    func foreignBatch() throws {
        let problem = try smallOscillatorProblem()
        let network = problem.makeNetwork(seed: 5)
        for solver in HalfInverseTraining.Solver.allCases {
            let method = HalfInverseTraining(batchSize: 4, solver: solver)
            var net = network
            var state = method.makeState(for: net, problem: problem)
            // No Jacobian rows.
            var plain = TrainingBatch(problem: problem, network: net, capacity: 4)
            plain.load(problem.data, order: Array(0..<64), start: 0, count: 4)
            #expect(throws: TrainingError.self) { try method.update(&state, network: &net, batch: &plain) }
            // More samples than the method's batch size.
            var large = TrainingBatch(problem: problem, network: net, capacity: 8, jacobianRows: 8 * 4, gram: true)
            large.load(problem.data, order: Array(0..<64), start: 0, count: 8)
            #expect(throws: TrainingError.self) { try method.update(&state, network: &net, batch: &large) }
            #expect(net.parameters == network.parameters)
        }
        // A batch made for another network.
        let other = try DenseNetwork(widths: [4, 5, 24], hidden: .tanh, output: .linear)
        var batch = TrainingBatch(problem: problem, network: other, capacity: 4)
        batch.load(problem.data, order: Array(0..<64), start: 0, count: 4)
        var net = network
        var adam = AdamTraining(batchSize: 4).makeState(for: net, problem: problem)
        #expect(throws: TrainingError.self) { try AdamTraining(batchSize: 4).update(&adam, network: &net, batch: &batch) }
    }

    @Test("the Trainer checks a method's batch size itself: a custom method that validates nothing gets a typed error")
    func customMethodBatchSize() throws {
        let problem = try tinyProblem(RotatedSine(xi: 1, angle: 0.3), dataSeed: 4)
        let net = problem.makeNetwork(seed: 1)
        for b in [0, -1, 11, Trainer.maximumBatchSize + 1] {
            #expect(throws: TrainingError.self) { try Trainer.train(problem, method: UncheckedMethod(batchSize: b), from: net) }
        }
        let r = try Trainer.train(problem, method: UncheckedMethod(batchSize: 10), from: net, options: TrainingOptions(epochs: 2))
        #expect(r.updates == 2)
    }

    @Test("the Trainer re-checks a problem whose public parts were changed after its initializer, and the network's parameters")
    func changedProblem() throws {
        let problem = try tinyProblem(RotatedSine(xi: 1, angle: 0.3), dataSeed: 4)
        let net = problem.makeNetwork(seed: 1)
        var wider = problem
        wider.data = try TrainingData(count: 10, inputWidth: 3, conditionWidth: 0, targetWidth: 2,
                                      inputs: [Double](repeating: 0.5, count: 30), conditions: [], targets: [Double](repeating: 0.5, count: 20))
        #expect(throws: TrainingError.self) { try Trainer.train(wider, method: AdamTraining(batchSize: 5), from: net) }
        var otherPhysics = problem
        otherPhysics.physics = CoupledOscillators.book
        #expect(throws: TrainingError.self) { try Trainer.train(otherPhysics, method: AdamTraining(batchSize: 5), from: net) }
        var short = net
        short.parameters = [1, 2, 3]
        #expect(throws: TrainingError.self) { try Trainer.train(problem, method: AdamTraining(batchSize: 5), from: short) }
        var nan = net
        nan.parameters[0] = .nan
        #expect(throws: TrainingError.self) { try Trainer.train(problem, method: AdamTraining(batchSize: 5), from: nan) }
    }

    @Test("TrainingData: widths whose product with the count overflows are typed errors; bytes never traps")
    func dataSizes() {
        #expect(throws: TrainingError.self) {
            try TrainingData(count: 4, inputWidth: Int.max / 2, conditionWidth: 0, targetWidth: 0, inputs: [], conditions: [], targets: [])
        }
        let b = TrainingData.bytes(count: 2, inputWidth: Int.max, conditionWidth: Int.max, targetWidth: 1)
        #expect(b >= 8 * 2 * 2 * Double(Int.max))
    }

    @Test("recordsEpoch: no overflow for the largest epochs; 90 points per decade past 100")
    func recordSchedule() {
        #expect(!Trainer.recordsEpoch(Int.max))
        #expect(Trainer.recordsEpoch(9_000_000_000_000_000_000))
        #expect((10_001...100_000).filter(Trainer.recordsEpoch).count == 90)
    }

    @Test("Adam with eps = 0: a zero gradient component leaves its parameter alone (no 0/0); the others take η sign(g)")
    func adamZeroEps() throws {
        let rule = AdamRule(learningRate: 0.1, eps: 0)
        try rule.validate()
        var theta = [1.0, 2.0, 3.0]
        var state = AdamRule.State(count: 3)
        // Step 1: m̂ = g, v̂ = g², so the step is -η g/|g|.
        rule.apply([0, 3, -0.5], to: &theta, state: &state)
        #expect(theta[0] == 1)
        #expect(abs(theta[1] - 1.9) <= 1e-15 && abs(theta[2] - 3.1) <= 1e-15)
        rule.apply([0, 3, -0.5], to: &theta, state: &state)
        #expect(theta[0] == 1 && theta.allSatisfy(\.isFinite))
    }
}

@Suite("Learning review: estimates")
struct LearningEstimateReviewTests {
    @Test("cost estimates never trap: a batch size of Int.max gives huge numbers, not an overflow")
    func estimatesSaturate() throws {
        let problem = try smallOscillatorProblem()
        // m = B k rows: the Gram solver keeps 3 m² doubles, at least 24 (B k)².
        let huge = Double(Int.max) * 24
        for solver in HalfInverseTraining.Solver.allCases {
            let method = HalfInverseTraining(batchSize: Int.max, solver: solver)
            #expect(method.workingMemory(for: problem) >= 8 * huge)
            #expect(method.flopsPerUpdate(for: problem) >= huge)
            #expect(Trainer.estimatedBytes(problem: problem, method: method) >= 8 * huge)
        }
        #expect(NetworkWorkspace.bytes(widths: [Int.max, Int.max], capacity: 1) >= 16 * Double(Int.max))
        var wide = problem
        wide.widths = [4, Int.max, 24]
        #expect(wide.parameterCount == Int.max)
    }
}

@Suite("Learning review: the physics' Jacobian scratch")
struct JacobianScratchTests {
    @Test("the oscillators' batch Jacobian scratch, 64 ((2N)² + 10N) bytes, is in SIP's and HIG's estimates, not Adam's")
    func scratchCounted() throws {
        let big = try CoupledOscillators(masses: 1000)
        let scratch = 64.0 * (4_000_000 + 10_000)
        #expect(big.jacobianScratchBytes == scratch)
        var problem = try smallOscillatorProblem()
        problem.physics = big
        // SIP: Adam's moments and per-sample decompositions of k × n = 2000 × 24 stay far below the scratch.
        #expect(ScaleInvariantTraining().workingMemory(for: problem) >= scratch)
        // HIG with one sample: G of m = k = 2000 rows (3 m² doubles) plus the scratch.
        for solver in HalfInverseTraining.Solver.allCases {
            let hig = HalfInverseTraining(batchSize: 1, solver: solver)
            #expect(hig.workingMemory(for: problem) >= scratch + (solver == .gram ? 8 * 3 * 2000.0 * 2000 : 0))
            #expect(Trainer.estimatedBytes(problem: problem, method: hig) >= scratch)
        }
        #expect(AdamTraining().workingMemory(for: problem) < 1e6)
    }
}
