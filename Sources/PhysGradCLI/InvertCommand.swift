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
        bounds (none in the catalog). Exit status 1 when the solver does not
        converge (the diagnostics are printed first).
        """
    )

    @Option(help: "The problem: seed, powers, blur or burgers.")
    var problem: String = "seed"

    @Option(help: "The number of unknowns n (default: the problem's).")
    var dimension: String?

    @Option(parsing: .unconditional, help: "The y-space target: comma-separated numbers, or one for every output.")
    var target: String

    @Option(parsing: .unconditional, help: "The starting point (default: the problem's).")
    var start: String?

    @Option(parsing: .unconditional, help: "Lower bounds on x (comma-separated or one number; -inf for none).")
    var lower: String?

    @Option(parsing: .unconditional, help: "Upper bounds on x (comma-separated or one number; inf for none).")
    var upper: String?

    @Option(help: "finite-differences (the chapter's, SciPy's defaults) or exact (reverse-mode gradient, factr 0, pgtol 1e-12).")
    var inverseGradient: String = "finite-differences"

    @Option(help: "text or json.")
    var format: String = "text"

    func run() throws {
        guard let kind = ProblemName(rawValue: problem.lowercased()) else {
            throw InputError("--problem: unknown problem '\(problem)' (known: \(ProblemName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let n = try dimension.map { d throws(InputError) in try Inputs.integer(d, option: "--dimension") }
        let p = try kind.make(dimension: n)
        let y = try Inputs.point(target, dimension: p.outputDimension, option: "--target")
        let x0 = try start.map { s throws(InputError) in try Inputs.point(s, dimension: p.dimension, option: "--start") } ?? p.start
        let lo = try lower.map { s throws(InputError) in try Inputs.point(s, dimension: p.dimension, option: "--lower", allowInfinite: true) }
        let up = try upper.map { s throws(InputError) in try Inputs.point(s, dimension: p.dimension, option: "--upper", allowInfinite: true) }
        guard let gradient = InverseGradient(rawValue: inverseGradient.lowercased()) else {
            throw InputError("--inverse-gradient: unknown value '\(inverseGradient)' (known: finite-differences, exact)")
        }
        guard ["text", "json"].contains(format) else { throw InputError("--format: unknown format '\(format)' (known: text, json)") }
        let result: InversionResult
        do {
            result = try p.invert(target: y, from: x0, using: gradient.numericalInverse, lower: lo, upper: up)
        } catch {
            throw InputError(error.description)
        }
        let s = result.solver
        if format == "json" {
            var fields: [(String, JSONValue)] = [
                ("problem", .string(p.name)), ("dimension", .int(p.dimension)), ("inverse_gradient", .string(gradient.rawValue)),
            ]
            fields += [("target", .numbers(Array(y.prefix(RunReport.vectorCut))))]
            fields += [("x", .numbers(Array(result.x.prefix(RunReport.vectorCut)))), ("x_truncated", .bool(result.x.count > RunReport.vectorCut))]
            fields += [
                ("residual", .number(result.residual)), ("f", .number(s.f)), ("nit", .int(s.iterations)),
                ("nfev", .int(s.evaluations)), ("njev", .int(s.gradientEvaluations)),
                ("projected_gradient_norm", .number(s.projectedGradientNorm)),
                ("termination", .object([("code", .string(s.termination.code)), ("message", .string(s.message)),
                                         ("success", .bool(s.success))])),
                ("start_was_projected", .bool(s.startWasProjected)),
            ]
            emit(JSONValue.object(fields).pretty() + "\n")
            return
        }
        var lines: [String] = []
        lines.append("Problem \(p.name) (n = \(p.dimension)): find x such that y(x) = \(RunReport.brief(y)), from \(RunReport.brief(x0))")
        lines.append("x = " + (result.x.count <= 6 ? "array(" + NumPyFormat.array(result.x, separator: ", ") + ")" : RunReport.brief(result.x)))
        lines.append("|y(x) - target| = \(String(format: "%.6g", result.residual)), f = \(String(format: "%.6g", s.f))")
        lines.append("iterations (nit) \(s.iterations), function evaluations (nfev) \(s.evaluations), gradient evaluations (njev) \(s.gradientEvaluations)")
        lines.append("projected-gradient norm \(String(format: "%.6g", s.projectedGradientNorm)), restarts \(s.restarts)" + (s.startWasProjected ? ", start projected into the bounds" : ""))
        lines.append("termination: \(s.message)")
        emit(lines.joined(separator: "\n") + "\n")
        if !s.success { throw ComputationError(message: "the inverse did not converge: \(s.message)") }
    }
}

extension LBFGSBTermination {
    /// A short machine-readable code for the tool's JSON output.
    var code: String {
        switch self {
        case .convergedProjectedGradient: return "converged-projected-gradient"
        case .convergedRelativeReduction: return "converged-relative-reduction"
        case .iterationLimit: return "iteration-limit"
        case .evaluationLimit: return "evaluation-limit"
        case .timeLimit: return "time-limit"
        case .lineSearchFailed: return "line-search-failed"
        case .nonFiniteValue: return "non-finite-value"
        case .stoppedByCallback: return "stopped-by-callback"
        }
    }
}
