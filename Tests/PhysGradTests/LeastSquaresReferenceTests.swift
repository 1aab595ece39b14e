import Foundation
import Testing
import PhysGrad
import PhysGradTestSupport
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// Levenberg-Marquardt, Gauss-Newton and Newton against SciPy 1.17 on the same problems:
/// Tests/PhysGradTests/Resources/least-squares-reference.json, made by
/// scripts/make_least_squares_reference.py (`least_squares` lm and trf with exact Jacobians,
/// `minimize(method="trust-exact")` with exact Hessians).
@Suite("Least squares against SciPy")
struct LeastSquaresReferenceTests {
    /// y = [10 (x1 - x0²), 1 - x0], L = |y|²: Rosenbrock as residuals (MINPACK's test 4).
    struct RosenbrockResiduals: GenericModel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { [10 * (x[1] - x[0] * x[0]), 1 - x[0]] }
    }

    /// Powell's singular function: four residuals, zero at 0 where the Jacobian is singular.
    struct Powell: GenericModel, Sendable {
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let s5 = T(Double(5).squareRoot()), s10 = T(Double(10).squareRoot())
            let a = x[1] - 2 * x[2], b = x[0] - x[3]
            return [x[0] + 10 * x[1], s5 * (x[2] - x[3]), a * a, s10 * b * b]
        }
    }

    static func problem(_ name: String) throws -> InverseProblem {
        switch name {
        case "rosenbrock":
            return InverseProblem(name: name, dimension: 2, outputDimension: 2, model: RosenbrockResiduals(),
                                  loss: SquaredDistance(target: [0, 0]), start: [-1.2, 1], solution: [1, 1])
        case "powell":
            return InverseProblem(name: name, dimension: 4, outputDimension: 4, model: Powell(),
                                  loss: SquaredDistance(target: [0, 0, 0, 0]), start: [3, -1, 0, 1], solution: [0, 0, 0, 0])
        case "blur8", "blur8-bounded": return try Problems.blur(8)
        case "blur16": return try Problems.blur(16)
        case "heat16": return try Problems.heat(16)
        case "heat64": return try Problems.heat(64)
        default: throw PhysGradError.invalidParameter(name: "problem", value: name, reason: "unknown")
        }
    }

    static func reference() -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/least-squares-reference.json")
        guard let data = try? Data(contentsOf: url),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return doc["problems"] as? [[String: Any]] ?? []
    }

    static var names: [String] { reference().compactMap { $0["name"] as? String } }

    static func entry(_ name: String) -> [String: Any] { reference().first { $0["name"] as? String == name } ?? [:] }

    static func vector(_ v: Any?) -> [Double] { (v as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }

    @Test("the reference file is there and holds the problems the script writes")
    func referencePresent() {
        #expect(Self.names == ["rosenbrock", "powell", "blur8", "blur16", "heat16", "heat64", "blur8-bounded"])
    }

    /// Moré's method as MINPACK has it: on well-conditioned problems, no more evaluations and
    /// Jacobians than SciPy's `lm` (the same algorithm: on this machine the counts are equal), and
    /// the same solution.
    @Test("Levenberg-Marquardt on the length (MINPACK's lmder) against SciPy lm", arguments: ["rosenbrock", "blur8", "blur16"])
    func moreLM(name: String) throws {
        let p = try Self.problem(name)
        let scipy = try #require(Self.entry(name)["lm"] as? [String: Any])
        let r = try optimize(p, with: LevenbergMarquardt(acceptance: .trustRegion(.length())), options: RunOptions(trace: .scalars))
        let nfev = try #require(scipy["nfev"] as? Int), njev = try #require(scipy["njev"] as? Int)
        #expect(r.isSuccess, "\(r)")
        #expect(r.counts.models <= nfev && r.counts.jacobians <= njev, "\(r.counts.models)/\(r.counts.jacobians) vs \(nfev)/\(njev)")
        #expect(Vector.distance(r.x, Self.vector(scipy["x"])) <= 1e-8 * max(1, Vector.norm2(r.x)), "\(r.x)")
        #expect(r.distanceToSolution! <= 1e-8 * max(1, Vector.norm2(r.x)))
        #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 })
    }

    /// Powell's singular function converges only linearly (its Jacobian is singular at the
    /// solution) and the heat problems are ill-posed (their solutions differ in directions the
    /// data barely see): success and a small loss, not SciPy's end point.
    @Test("Levenberg-Marquardt on the length on singular and ill-posed problems", arguments: ["powell", "heat16", "heat64"])
    func moreLMHard(name: String) throws {
        let p = try Self.problem(name)
        let r = try optimize(p, with: LevenbergMarquardt(acceptance: .trustRegion(.length())), options: RunOptions())
        #expect(r.isSuccess, "\(r)")
        #expect(r.loss <= 1e-20 * r.initialLoss, "\(r)")
    }

    /// The defaults reach the solution with a loss that never rises; on blur they need no more
    /// Jacobians than SciPy's lm and trf, and Newton no more Hessians than trust-exact on blur(16).
    @Test("Newton's, Gauss-Newton's and Levenberg-Marquardt's defaults against SciPy",
          arguments: ["rosenbrock", "powell", "blur8", "blur16", "heat64"])
    func defaults(name: String) throws {
        let p = try Self.problem(name)
        let e = Self.entry(name)
        let options = RunOptions(trace: .scalars)
        for method in [Newton(), GaussNewton(), LevenbergMarquardt()] as [any Optimizer] {
            let r = try optimize(p, with: method, options: options)
            #expect(r.isSuccess, "\(r.method): \(r)")
            #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }, "\(r.method)")
            // Powell's minimizer is singular: every method (SciPy's too) stops ~1e-4 away.
            let tolerance = name == "powell" ? 1e-3 : name == "heat64" ? 1e-6 : 1e-8
            #expect(r.distanceToSolution! <= tolerance, "\(r.method): \(r.distanceToSolution!)")
        }
        if name.hasPrefix("blur") {
            let lm = try optimize(p, with: LevenbergMarquardt(), options: options)
            let gn = try optimize(p, with: GaussNewton(), options: options)
            let scipyLM = try #require(e["lm"] as? [String: Any]), trf = try #require(e["trf"] as? [String: Any])
            #expect(lm.counts.models <= scipyLM["nfev"] as! Int && lm.counts.jacobians <= scipyLM["njev"] as! Int)
            #expect(gn.counts.models <= trf["nfev"] as! Int && gn.counts.jacobians <= trf["njev"] as! Int)
        }
        if name == "blur16" {
            let newton = try optimize(p, with: Newton(), options: options)
            let te = try #require(e["trust_exact"] as? [String: Any])
            #expect(newton.counts.hessians <= te["nhev"] as! Int && newton.counts.losses <= te["nfev"] as! Int)
        }
    }

    /// Bounds 0 <= x <= 0.5 on blur(8), whose unconstrained solution leaves the box: Gauss-Newton
    /// and Levenberg-Marquardt (projected) end at SciPy trf's solution, with its active bounds,
    /// on blur's declared band and on the dense Jacobian (LM's bidiagonal steps over the free
    /// columns).
    @Test("bounds: the projected methods end at SciPy trf's bounded solution", arguments: [true, false])
    func bounded(banded: Bool) throws {
        var p = try Self.problem("blur8-bounded")
        if !banded {
            p.jacobianStructure = .dense
            p.compressedJacobian = nil
        }
        let e = Self.entry("blur8-bounded")
        let trf = try #require(e["trf"] as? [String: Any])
        let lower = Self.vector(e["lower"]), upper = Self.vector(e["upper"]), start = Self.vector(e["start"])
        let expected = Self.vector(trf["x"])
        let active = (trf["active_mask"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }
        for method in [GaussNewton(lower: lower, upper: upper), GaussNewton(acceptance: .backtracking(), lower: lower, upper: upper),
                       LevenbergMarquardt(lower: lower, upper: upper),
                       LevenbergMarquardt(acceptance: .trustRegion(.length()), lower: lower, upper: upper)] as [any Optimizer] {
            let r = try optimize(p, with: method, from: start, options: RunOptions(trace: .scalars))
            #expect(r.isSuccess, "\(r.method): \(r)")
            #expect(r.x.indices.allSatisfy { r.x[$0] >= lower[$0] && r.x[$0] <= upper[$0] })
            #expect(Vector.distance(r.x, expected) <= 1e-6, "\(r.method): \(r.x) vs \(expected)")
            for i in r.x.indices where active[i] != 0 {
                #expect(r.x[i] == (active[i] < 0 ? lower[i] : upper[i]), "\(r.method): x[\(i)] = \(r.x[i])")
            }
            #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }, "\(r.method)")
        }
    }
}
