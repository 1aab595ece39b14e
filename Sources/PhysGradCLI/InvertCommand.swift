import ArgumentParser
import Foundation
import PhysGrad
import PhysGradLBFGSB
import PhysGradReport

/// `physgrad invert`: the numerical inverse alone, with the solver's diagnostics.
struct InvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invert",
        abstract: "Invert a problem's model numerically: x = argmin |y(x) - target|^2 by L-BFGS-B.",
        discussion: """
        EXAMPLES:
          physgrad invert --problem seed --target 2,2 --start 3,3
              The chapter's test: array([2.00000003, 1.41421353]) after 11
              iterations and 36 evaluations (forward differences, as SciPy's
              fmin_l_bfgs_b(approx_grad=True)).
          physgrad invert --problem seed --target 2,2 --start 3,-3 --lower -inf,0.1
              Bounds pick the branch: x1 >= 0.1 gives the positive square root.
          physgrad invert --problem blur --dimension 8 --target 1 --start 0 \\
              --inverse-gradient exact --format json

        --target has the model's output dimension; --start, --lower and --upper
        the input dimension (one number stands for every coordinate; inf and
        -inf mean no bound). Defaults: the problem's start and its inverse
        bounds (none in the catalog).

        EXIT STATUS: 0 when the solver converged, 1 when it did not (the
        diagnostics are printed first, in either format), 64 for a mistake in
        the options, 74 when the result cannot be written.
        """
    )

    @OptionGroup var problem: ProblemOptions

    @Option(parsing: .unconditional,
            help: ArgumentHelp("The y-space target: comma-separated numbers, or one for every output.", valueName: "y"),
            transform: { text throws(InputError) in try PointArgument(parsing: text) })
    var target: PointArgument

    @OptionGroup var start: StartOption

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Lower bounds on x (comma-separated or one number; -inf for none).", valueName: "x"),
            transform: { text throws(InputError) in try BoundsArgument(parsing: text) })
    var lower: BoundsArgument?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Upper bounds on x (comma-separated or one number; inf for none).", valueName: "x"),
            transform: { text throws(InputError) in try BoundsArgument(parsing: text) })
    var upper: BoundsArgument?

    @OptionGroup var inverse: InverseGradientOption

    @Option(help: "What goes to stdout.")
    var format: ResultFormat = .text

    /// The request, checked.
    struct Plan {
        var problem: InverseProblem
        var target: [Double]
        var start: [Double]
        var lower: [Double]?
        var upper: [Double]?
    }

    func plan() throws(InputError) -> Plan {
        let p = try problem.make()
        let y = try target.resolved(dimension: p.outputDimension, option: "--target")
        let x0 = try start.resolved(dimension: p.dimension, standard: p.start)
        let lo = try lower?.resolved(dimension: p.dimension, option: "--lower")
        let up = try upper?.resolved(dimension: p.dimension, option: "--upper")
        for i in 0..<p.dimension {
            let l = lo?[i] ?? -.infinity, u = up?[i] ?? .infinity
            if l > u { throw InputError("--lower is above --upper at coordinate \(i) (\(l) > \(u))") }
            if l == .infinity || u == -.infinity {
                throw InputError("--\(l == .infinity ? "lower" : "upper") at coordinate \(i) leaves no room (\(l == .infinity ? "inf" : "-inf"))")
            }
        }
        return Plan(problem: p, target: y, start: x0, lower: lo, upper: up)
    }

    func run() throws {
        let plan = try plan()
        let p = plan.problem
        let gradient = inverse.inverseGradient ?? .standard(for: p)
        let result: InversionResult
        do {
            result = try p.invert(target: plan.target, from: plan.start, using: gradient.numericalInverse, lower: plan.lower, upper: plan.upper)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
        let s = result.solver
        switch format {
        case .json:
            var fields: [(String, JSONValue)] = [
                ("problem", .string(p.name)), ("dimension", .int(p.dimension)), ("inverse_gradient", .string(gradient.rawValue)),
            ]
            fields += [("target", .numbers(Array(plan.target.prefix(RunReport.vectorCut)))),
                       ("target_truncated", .bool(plan.target.count > RunReport.vectorCut))]
            fields += [("x", .numbers(Array(result.x.prefix(RunReport.vectorCut)))), ("x_truncated", .bool(result.x.count > RunReport.vectorCut))]
            fields += [
                ("residual", .number(result.residual)), ("f", .number(s.f)), ("nit", .int(s.iterations)),
                ("nfev", .int(s.evaluations)), ("njev", .int(s.gradientEvaluations)),
                ("projected_gradient_norm", .number(s.projectedGradientNorm)),
                ("termination", .object([("code", .string(s.termination.code)), ("message", .string(s.message)),
                                         ("success", .bool(s.success))])),
                ("start_was_projected", .bool(s.startWasProjected)),
            ]
            try emit(JSONValue.object(fields).pretty() + "\n")
        case .text:
            var lines: [String] = []
            lines.append("Problem \(p.name) (n = \(p.dimension)): find x such that y(x) = \(RunReport.brief(plan.target)), from \(RunReport.brief(plan.start))")
            lines.append("x = " + (result.x.count <= 6 ? "array(" + NumPyFormat.array(result.x, separator: ", ") + ")" : RunReport.brief(result.x)))
            lines.append("|y(x) - target| = \(String(format: "%.6g", result.residual)), f = \(String(format: "%.6g", s.f))")
            lines.append("iterations (nit) \(s.iterations), function evaluations (nfev) \(s.evaluations), gradient evaluations (njev) \(s.gradientEvaluations)")
            lines.append("projected-gradient norm \(String(format: "%.6g", s.projectedGradientNorm)), restarts \(s.restarts)" + (s.startWasProjected ? ", start projected into the bounds" : ""))
            lines.append("termination: \(s.message)")
            try emit(lines.joined(separator: "\n") + "\n")
        }
        if !s.success { throw ComputationError(message: "the inverse did not converge: \(s.message)") }
    }
}
