import Foundation
import PhysGradExamples
import PhysGradLBFGSB

/// The reference problems of scripts/make_lbfgsb_reference.py (same names), the classic ones from
/// the test-function catalog.
enum Problems {
    typealias Objective = (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double

    static func rosenbrockStart(_ n: Int) -> [Double] { TestFunctions.extendedRosenbrock.start(n) }

    /// Extended Rosenbrock: sum over pairs 100 (b - a²)² + (1 - a)² (the reference's `ext_rosen`).
    static var extendedRosenbrock: Objective { TestFunctions.extendedRosenbrock.objective }

    /// Chained Rosenbrock (scipy.optimize.rosen; the reference's `chained_rosen`).
    static var chainedRosenbrock: Objective { TestFunctions.chainedRosenbrock.objective }

    /// Chained Rosenbrock's value alone (the same arithmetic; the gradient goes to scratch space).
    static func chainedRosenbrockValue(_ x: UnsafeBufferPointer<Double>) -> Double {
        var g = [Double](repeating: 0, count: x.count)
        return g.withUnsafeMutableBufferPointer { chainedRosenbrock(x, $0) }
    }

    /// L-BFGS-B 3.0 driver1.f: (x_1 - 1)² + 4 Σ (x_i - x_{i-1}²)².
    static var driver1: Objective { TestFunctions.driver1.objective }

    static func driver1Bounds(_ n: Int) -> ([Double], [Double]) {
        (TestFunctions.driver1.lower(n)!, TestFunctions.driver1.upper(n)!)
    }

    /// Tridiagonal SPD quadratic with a known KKT point and all four bound kinds.
    static func quadratic(_ n: Int) -> (objective: Objective, lower: [Double], upper: [Double]) {
        var a = [Double](repeating: 0, count: n)
        var lo = [Double](repeating: -.infinity, count: n)
        var up = [Double](repeating: .infinity, count: n)
        var xt = [Double](repeating: 0, count: n)
        var gt = [Double](repeating: 0, count: n)
        for i in 0..<n {
            a[i] = 2 + pow(10.0, -2 + 2 * Double(i) / Double(n - 1))
            let k = i % 4
            if k == 0 || k == 1 { lo[i] = -1 }
            if k == 0 || k == 2 { up[i] = 1 }
            xt[i] = 0.5 * sin(Double(i) + 1)
            if i % 3 == 0 && lo[i].isFinite {
                xt[i] = lo[i]
                gt[i] = 0.5 + Double(i % 7) / 7
            } else if i % 3 == 1 && up[i].isFinite {
                xt[i] = up[i]
                gt[i] = -(0.5 + Double(i % 5) / 5)
            }
        }
        func av(_ x: (Int) -> Double, _ i: Int) -> Double {
            var y = a[i] * x(i)
            if i > 0 { y -= x(i - 1) }
            if i < n - 1 { y -= x(i + 1) }
            return y
        }
        let b = (0..<n).map { av({ xt[$0] }, $0) - gt[$0] }
        let objective: Objective = { x, g in
            var f = 0.0
            for i in 0..<n {
                let ax = av({ x[$0] }, i)
                g[i] = ax - b[i]
                f += 0.5 * x[i] * ax - b[i] * x[i]
            }
            return f
        }
        return (objective, lo, up)
    }

    static func inverseValue(_ x: UnsafeBufferPointer<Double>) -> Double {
        (x[0] - 2) * (x[0] - 2) + (x[1] * x[1] - 2) * (x[1] * x[1] - 2)
    }

    /// The chapter's inverse problem |[x0, x1²] - [2, 2]|².
    static func inverse(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        g[0] = 2 * (x[0] - 2)
        g[1] = 4 * x[1] * (x[1] * x[1] - 2)
        return inverseValue(x)
    }

    static func beale(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        let X = x[0], Y = x[1]
        let r1 = 1.5 - X + X * Y, r2 = 2.25 - X + X * Y * Y, r3 = 2.625 - X + X * Y * Y * Y
        g[0] = 2 * r1 * (Y - 1) + 2 * r2 * (Y * Y - 1) + 2 * r3 * (Y * Y * Y - 1)
        g[1] = 2 * r1 * X + 2 * r2 * (2 * X * Y) + 2 * r3 * (3 * X * Y * Y)
        return r1 * r1 + r2 * r2 + r3 * r3
    }

    static func booth(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        let r1 = x[0] + 2 * x[1] - 7, r2 = 2 * x[0] + x[1] - 5
        g[0] = 2 * r1 + 4 * r2
        g[1] = 4 * r1 + 2 * r2
        return r1 * r1 + r2 * r2
    }

    static func separableQuadratic(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        var f = 0.0
        for i in 0..<x.count {
            let r = x[i] - Double(i + 1)
            f += r * r
            g[i] = 2 * r
        }
        return f
    }
}

/// SciPy's results, from Resources/lbfgsb-reference.json (written by scripts/make_lbfgsb_reference.py).
struct Reference {
    struct Run {
        var name: String
        var n: Int
        var nit: Int?
        var nfev: Int?
        var status: Int?
        var success: Bool
        var message: String
        var fun: Double
        var x: [Double]?
        var raised: String?
    }

    let problems: [String: Run]
    let edgeCases: [String: Run]

    static let shared: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/lbfgsb-reference.json")
        let data = try! Data(contentsOf: url)
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        func number(_ v: Any?) -> Double {
            if let d = v as? Double { return d }
            if let i = v as? Int { return Double(i) }
            switch v as? String {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return .nan
            }
        }
        func run(_ o: [String: Any]) -> Run {
            Run(name: o["name"] as! String, n: o["n"] as? Int ?? 0, nit: o["nit"] as? Int, nfev: o["nfev"] as? Int,
                status: o["status"] as? Int, success: o["success"] as? Bool ?? false,
                message: o["message"] as? String ?? "", fun: number(o["fun"]),
                x: (o["x"] as? [Any])?.map(number), raised: o["raised"] as? String)
        }
        let p = (json["problems"] as! [[String: Any]]).map(run)
        let e = (json["edge_cases"] as! [[String: Any]]).map(run)
        return Reference(problems: Dictionary(uniqueKeysWithValues: p.map { ($0.name, $0) }),
                         edgeCases: Dictionary(uniqueKeysWithValues: e.map { ($0.name, $0) }))
    }()
}

extension LBFGSBTermination {
    /// The termination SciPy's message names.
    static func fromSciPy(_ message: String) -> LBFGSBTermination? {
        if message.contains("PROJECTED GRADIENT") { return .convergedProjectedGradient }
        if message.contains("RELATIVE REDUCTION") { return .convergedRelativeReduction }
        if message.contains("ITERATIONS REACHED") { return .iterationLimit }
        if message.contains("EVALUATIONS EXCEEDS") { return .evaluationLimit }
        return nil
    }
}
