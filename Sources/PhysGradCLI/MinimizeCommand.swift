import ArgumentParser
import Foundation
import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra
import PhysGradReport

/// `physgrad minimize`: L-BFGS-B on the built-in test functions.
struct MinimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimize",
        abstract: "Minimize a built-in test function with L-BFGS-B (SciPy's option names and defaults).",
        discussion: """
        EXAMPLES:
          physgrad minimize --function extended-rosenbrock --dimension 1000
          physgrad minimize --function chained-rosenbrock --dimension 100 \\
              --maxcor 5 --gtol 1e-8 --format json
          physgrad minimize --function driver1 --dimension 25 --factr 1e7
          physgrad minimize --function beale --start 1,1 --maxiter 50

        FUNCTIONS
          extended-rosenbrock  sum over pairs of 100 (x[2i+1] - x[2i]^2)^2
                               + (1 - x[2i])^2; n even; start (-1.2, 1, ...)
          chained-rosenbrock   scipy.optimize.rosen; start (-1.2, 1, ...)
          beale                n = 2; start (1, 1); minimum at (3, 0.5)
          booth                n = 2; start (0, 0); minimum at (1, 3)
          driver1              L-BFGS-B's driver1.f: bounds [1, 100] and
                               [-100, 100] alternating; start 3; n = 25 there

        OPTIONS follow scipy.optimize.minimize(method="L-BFGS-B"): --maxcor (10),
        --ftol (2.22e-9; or fmin_l_bfgs_b's --factr, 1e7; ftol = factr * 2^-52),
        --gtol (1e-5; or --pgtol), --maxiter (15000), --maxfun (15000),
        --maxls (20).

        JSON OUTPUT: function, n, x (all of it for n <= 20, else the first 20
        entries, x_truncated and x_stats {norm2, min, max, mean}), f, nit, nfev,
        njev, projected_gradient_norm, termination {code, message, success},
        status (SciPy's: 0 converged, 1 limit reached, 2 otherwise). The exit
        status is 0 even when the solver stops on a limit (the JSON says why).
        """
    )

    @Option(name: .customLong("function"), help: "extended-rosenbrock, chained-rosenbrock, beale, booth or driver1.")
    var function: String

    @Option(help: "The number of variables n (default: 2 for beale and booth, 25 for driver1, 100 otherwise).")
    var dimension: String?

    @Option(parsing: .unconditional, help: "The starting point (default: the function's standard one).")
    var start: String?

    @Option(help: "Correction pairs kept (SciPy maxcor / m).")
    var maxcor: String?

    @Option(help: "Relative-reduction tolerance (SciPy minimize's ftol = factr * 2^-52).")
    var ftol: String?

    @Option(help: "Relative-reduction factor (SciPy fmin_l_bfgs_b's factr).")
    var factr: String?

    @Option(help: "Projected-gradient tolerance (SciPy minimize's gtol).")
    var gtol: String?

    @Option(help: "Projected-gradient tolerance (SciPy fmin_l_bfgs_b's pgtol).")
    var pgtol: String?

    @Option(help: "Maximum number of iterations.")
    var maxiter: String?

    @Option(help: "Maximum number of function evaluations.")
    var maxfun: String?

    @Option(help: "Maximum number of evaluations per line search.")
    var maxls: String?

    @Option(help: "text or json.")
    var format: String = "text"

    func run() throws {
        let f: TestFunction
        do {
            f = try TestFunctions.named(function)
        } catch {
            throw InputError("--function: unknown function '\(function)' (known: \(TestFunctions.all.map(\.name).joined(separator: ", ")))")
        }
        let n = try dimension.map { d throws(InputError) in try Inputs.integer(d, option: "--dimension") }
            ?? f.fixedDimension ?? (f.name == "driver1" ? 25 : 100)
        do {
            try f.validate(dimension: n)
        } catch {
            throw InputError("--dimension: \(error.description)")
        }
        let x0 = try start.map { s throws(InputError) in try Inputs.point(s, dimension: n, option: "--start") } ?? f.start(n)
        var options = LBFGSBOptions()
        if factr != nil && ftol != nil { throw InputError("--ftol and --factr set the same tolerance; give one") }
        if gtol != nil && pgtol != nil { throw InputError("--gtol and --pgtol set the same tolerance; give one") }
        if let v = maxcor { options.maxcor = try Inputs.integer(v, option: "--maxcor") }
        if let v = ftol { options.ftol = try nonNegative(v, "--ftol") }
        if let v = factr { options.factr = try nonNegative(v, "--factr") }
        if let v = gtol { options.gtol = try nonNegative(v, "--gtol") }
        if let v = pgtol { options.pgtol = try nonNegative(v, "--pgtol") }
        if let v = maxiter { options.maxiter = try Inputs.integer(v, option: "--maxiter") }
        if let v = maxfun { options.maxfun = try Inputs.integer(v, option: "--maxfun") }
        if let v = maxls { options.maxls = try Inputs.integer(v, option: "--maxls") }
        guard ["text", "json"].contains(format) else { throw InputError("--format: unknown format '\(format)' (known: text, json)") }

        let result: LBFGSBResult
        do {
            result = try LBFGSBSolver.minimize(from: x0, lower: f.lower(n), upper: f.upper(n), options: options, objective: f.objective)
        } catch {
            throw InputError("\(error)")
        }
        if format == "json" {
            var fields: [(String, JSONValue)] = [("function", .string(f.name)), ("n", .int(n))]
            fields.append(("x", .numbers(Array(result.x.prefix(RunReport.vectorCut)))))
            fields.append(("x_truncated", .bool(n > RunReport.vectorCut)))
            if n > RunReport.vectorCut {
                fields.append(("x_stats", .object([
                    ("norm2", .number(Vector.norm2(result.x))), ("min", .number(result.x.min()!)),
                    ("max", .number(result.x.max()!)), ("mean", .number(result.x.reduce(0, +) / Double(n))),
                ])))
            }
            fields += [
                ("f", .number(result.f)), ("nit", .int(result.iterations)), ("nfev", .int(result.evaluations)),
                ("njev", .int(result.gradientEvaluations)), ("projected_gradient_norm", .number(result.projectedGradientNorm)),
                ("termination", .object([("code", .string(result.termination.code)), ("message", .string(result.message)),
                                         ("success", .bool(result.success))])),
                ("status", .int(result.termination.scipyStatus)),
            ]
            emit(JSONValue.object(fields).pretty() + "\n")
            return
        }
        var lines = ["\(f.name), n = \(n): \(f.summary)"]
        lines.append("x = " + RunReport.brief(result.x))
        lines.append("f = \(String(format: "%.10g", result.f))")
        lines.append("nit \(result.iterations), nfev \(result.evaluations), njev \(result.gradientEvaluations), projected-gradient norm \(String(format: "%.6g", result.projectedGradientNorm))")
        lines.append("termination: \(result.message)")
        emit(lines.joined(separator: "\n") + "\n")
    }

    func nonNegative(_ text: String, _ option: String) throws(InputError) -> Double {
        let v = try Inputs.number(text, option: option)
        guard v >= 0 else { throw InputError("\(option): must be >= 0, got \(text)") }
        return v
    }
}
