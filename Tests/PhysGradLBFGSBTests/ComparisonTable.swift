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
        // Longer runs and edge cases, for the record.
        func row(_ name: String, _ r: LBFGSBResult, _ ref: Reference.Run?) {
            lines.append("| \(name) | \(r.iterations), \(r.evaluations) | \(ref?.nit.map(String.init) ?? "-"), \(ref?.nfev.map(String.init) ?? "-") | \(r.f) | \(ref?.fun ?? .nan) |")
        }
        let c10 = ReferenceTests.setup("chained_rosenbrock_n10")
        row("chained_rosenbrock_n10", try LBFGSBSolver.minimize(from: c10.x0, objective: c10.objective),
            Reference.shared.problems["chained_rosenbrock_n10"])
        row("gh23161_verbatim_inconsistent_gradient",
            try LBFGSBSolver.minimize(from: [-1, 1], options: LBFGSBOptions(factr: 0), objective: EdgeCaseTests.rosenbrock10(2)),
            Reference.shared.edgeCases["gh23161_verbatim_inconsistent_gradient"])
        row("gh23161_rosenbrock_b10_factr0",
            try LBFGSBSolver.minimize(from: [-1, 1], options: LBFGSBOptions(factr: 0), objective: EdgeCaseTests.rosenbrock10(4)),
            Reference.shared.edgeCases["gh23161_rosenbrock_b10_factr0"])
        row("gh11718_unbounded_below_default", try LBFGSBSolver.minimize(from: [10], objective: EdgeCaseTests.unboundedBelow),
            Reference.shared.edgeCases["gh11718_unbounded_below_default"])
        var nanCount = 0
        row("nan_in_line_search (ours backs off)", try LBFGSBSolver.minimize(from: [3]) { x, g in EdgeCaseTests.xlogx(count: &nanCount, x, g) },
            Reference.shared.edgeCases["nan_in_line_search"])
        lines.append("nan evaluations: ours \(nanCount), SciPy 18")
        let inf = Double.infinity
        row("fixed_var_chained_rosenbrock_n5_fd_grad", try LBFGSBSolver.minimize(
            from: [0, 0, 0, 0, 0], lower: [-inf, -inf, 1, -inf, -inf], upper: [inf, inf, 1, inf, inf],
            value: Problems.chainedRosenbrockValue), Reference.shared.edgeCases["fixed_var_chained_rosenbrock_n5_fd_grad"])
        let gh = try LBFGSBSolver.minimize(from: [-1, 1], options: LBFGSBOptions(factr: 0), objective: EdgeCaseTests.rosenbrock10(2))
        lines.append("gh23161 verbatim restarts: \(gh.restarts) termination \(gh.termination)")
        print(lines.joined(separator: "\n"))
        print("chapter x = \(r.x)")
    }
}
