import Foundation
import HeatInverse
import PhysGrad
import Testing

/// scripts/make_heat_reference.py's dense NumPy/SciPy computation of the same problem.
struct Reference: Decodable {
    struct LBFGSB: Decodable {
        var iterations: Int
        var loss: Double
    }
    var timeSteps: Int
    var diffusionNumber: Double
    var singularValues: [Double]
    var measurement: [Double]
    var initialLoss: Double
    var eta: Double
    var steps: Int
    var gd: Double
    var newton: Double
    var pg: Double
    var lbfgsb: LBFGSB

    static func load() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("heat-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(a), abs(b)) }

@Suite("The heat rod and its closed forms")
struct ModelTests {
    let experiment: HeatExperiment
    let reference: Reference

    init() throws {
        experiment = try HeatExperiment()
        reference = try Reference.load()
    }

    @Test("the explicit time steps compute the dense matrix power of the NumPy reference")
    func simulatorMatchesDenseMatrix() {
        let rod = experiment.rod
        #expect(rod.steps == reference.timeSteps)
        #expect(relativeDifference(rod.diffusionNumber, reference.diffusionNumber) < 1e-15)
        // Entries up to ~40 K, each a sum of 10 steps of three-term stencils: rounding ~1e-13 K.
        let scale = experiment.measurement.map(abs).max()!
        for (mine, theirs) in zip(experiment.measurement, reference.measurement) {
            #expect(abs(mine - theirs) <= 1e-12 * scale)
        }
    }

    @Test("every sine mode is an eigenvector with the closed-form decay, and these are NumPy's singular values")
    func sineModes() {
        let rod = experiment.rod
        for k in 1...rod.points {
            let v = rod.mode(k)
            let sigma = rod.decay(mode: k)
            // |v| = 1 and every entry < 1: ten steps of rounding stay near 1e-15.
            for (y, x) in zip(rod(v), v) { #expect(abs(y - sigma * x) < 1e-13, "mode \(k)") }
        }
        let sigmas = (1...rod.points).map { rod.decay(mode: $0) }.sorted()
        for (mine, theirs) in zip(sigmas, reference.singularValues) {
            // NumPy's SVD is backward stable: absolute errors ~ eps · σ_max.
            #expect(abs(mine - theirs) < 1e-13)
        }
    }

    @Test("the closed-form losses equal the dense NumPy iterations")
    func closedFormsMatchNumPy() {
        #expect(relativeDifference(experiment.initialLoss, reference.initialLoss) < 1e-13)
        let gd = experiment.expectedLoss(of: "gd", eta: reference.eta, steps: reference.steps)!
        let newton = experiment.expectedLoss(of: "newton", eta: reference.eta, steps: reference.steps)!
        #expect(relativeDifference(gd, reference.gd) < 1e-9)
        // NumPy's Newton and PG iterate with LU solves of a matrix of condition ~8,000 (Newton) and
        // ~90 (PG); their loss after 20 halvings is 1e-12 of the start, rounding ~1e-11 relative.
        #expect(relativeDifference(newton, reference.newton) < 1e-6)
        #expect(relativeDifference(newton, reference.pg) < 1e-6)
    }
}

@Suite("PhysGrad's runs on the heat rod")
struct RunTests {
    let experiment: HeatExperiment
    let rows: [String: RunRow]

    init() throws {
        let experiment = try HeatExperiment()
        self.experiment = experiment
        rows = try Dictionary(uniqueKeysWithValues: experiment.methods().map { m in
            let row = try experiment.run(m)
            return (row.result.method, row)
        })
    }

    @Test("every method ran, and each one the table prints reports success")
    func allRan() {
        #expect(Set(rows.keys) == ["gd", "newton", "gn", "pg", "pg-numerical", "lm", "lbfgsb"])
        for (name, row) in rows {
            #expect(row.result.isSuccess, "\(name): \(row.result)")
            #expect(row.result.loss < experiment.initialLoss, "\(name)")
        }
        let table = formatTable(Array(rows.values))
        #expect(table.split(separator: "\n").count == rows.count + 1)
    }

    @Test("gradient descent follows the closed form mode by mode")
    func gradientDescent() throws {
        let row = try #require(rows["gd"])
        #expect(row.result.steps == 20)
        // Each GD step is a reverse-mode gradient of a sum of ~1,000 products of numbers below
        // 40: rounding ~1e-13 relative per step, far below this.
        #expect(relativeDifference(row.result.loss, try #require(row.expectedLoss)) < 1e-8)
        // The sharp modes barely move: GD is far from the truth.
        #expect(row.relativeError > 0.1)
    }

    @Test("Newton and PG (exact and numerical inverse) halve the error every step, as in closed form")
    func newtonAndPG() throws {
        for name in ["newton", "gn", "pg", "pg-numerical"] {
            let row = try #require(rows[name])
            let expected = try #require(row.expectedLoss)
            #expect(row.result.steps == 20, "\(name)")
            // Newton solves with a Hessian of condition ~8,000 (relative error ~1e-12 per step)
            // and the exact PG inverse with one of condition ~90. The numerical inverse stops when
            // its projected gradient 2Bᵀr is below 1e-12 (NumericalInverse.exact), which leaves
            // a residual |r| <= √31 · 1e-12 / (2 σ_min) ≈ 3e-10 per step, at most ~6e-10 in all
            // against the final residual √(5.8e-9) ≈ 8e-5: a relative loss error below 2e-5.
            let tolerance = name == "pg-numerical" ? 1e-4 : 1e-6
            #expect(relativeDifference(row.result.loss, expected) < tolerance, "\(name): \(row.result.loss) vs \(expected)")
            // |e_20| = 2⁻²⁰ |e_0| = 9.5e-7 |x*| since the start is 0.
            #expect(abs(row.relativeError - Double.pow(0.5, 20)) < 1e-4 * Double.pow(0.5, 20) + 1e-9, "\(name)")
        }
    }

    @Test("with η = 1, Newton and PG land on the truth in one step")
    func oneStep() throws {
        let once = RunOptions(steps: 1, trace: .none)
        for method in [Newton(eta: 1, policy: .exact, acceptance: .fixed), GaussNewton(eta: 1, acceptance: .fixed),
                       PhysicalGradient(eta: 1)] as [any Optimizer] {
            let r = try optimize(experiment.problem, with: method, options: once)
            let norm = experiment.truth.reduce(0) { $0 + $1 * $1 }.squareRoot()
            // The exact step solves a system of condition ~8,000 (Newton) or ~90 (PG, ten banded
            // solves): relative error ~1e-12 at most; the start was 100 % off.
            #expect(try #require(r.distanceToSolution) / norm < 1e-9, "\(r.method)")
            #expect(r.loss < 1e-15 * experiment.initialLoss, "\(r.method)")
        }
    }

    @Test("L-BFGS-B stops by its own test, as SciPy does on the same problem")
    func lbfgsb() throws {
        let row = try #require(rows["lbfgsb"])
        let reference = try Reference.load()
        guard case .convergedByMethod = row.result.termination else {
            Issue.record("L-BFGS-B: \(row.result.termination)")
            return
        }
        // No closed form: SciPy stopped at loss 6.4e-8 = 1e-11 L₀ after 312 iterations. Rounding
        // changes the path of an ill-conditioned run, not its outcome by five orders of magnitude.
        #expect(row.result.loss < 1e-6 * experiment.initialLoss)
        #expect(reference.lbfgsb.loss < 1e-6 * experiment.initialLoss)
    }
}
