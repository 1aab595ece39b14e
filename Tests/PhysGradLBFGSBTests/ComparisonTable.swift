import Foundation
import Testing
import PhysGradLBFGSB

/// `LBFGSB_PRINT_TABLE=1 swift test --filter ComparisonTable` prints our nit/nfev next to SciPy's.
@Suite struct ComparisonTable {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LBFGSB_PRINT_TABLE"] != nil))
    func printTable() throws {
        var lines = ["| problem | ours nit, nfev | SciPy nit, nfev | ours f* | SciPy f* |", "|---|---|---|---|---|"]
        for c in ReferenceTests.cases.map(\.name) + ["ext_rosenbrock_n10000"] {
            let ref = Reference.shared.problems[c]!
            let p = ReferenceTests.setup(c)
            let r = try LBFGSBSolver.minimize(from: p.x0, lower: p.lower, upper: p.upper, options: p.options,
                                              objective: p.objective)
            lines.append("| \(c) | \(r.iterations), \(r.evaluations) | \(ref.nit!), \(ref.nfev!) | \(r.f) | \(ref.fun) |")
        }
        let ref = Reference.shared.problems["inverse_2d_fmin_approx_grad"]!
        let r = try LBFGSBSolver.minimize(from: [3, 3], value: Problems.inverseValue)
        lines.append("| inverse_2d_fmin_approx_grad | \(r.iterations), \(r.evaluations) | \(ref.nit!), \(ref.nfev!) | \(r.f) | \(ref.fun) |")
        print(lines.joined(separator: "\n"))
        print("chapter x = \(r.x)")
    }
}
