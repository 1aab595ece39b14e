import ArgumentParser
import Foundation
import PhysGrad
import PhysGradExamples
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

        LIMITS: n at most 10,000,000. L-BFGS-B keeps about
        8 n (2 maxcor + 12) bytes; a run estimated to need more than
        --max-memory (default 4G) is refused before it starts.

        JSON OUTPUT: function, n, x (all of it for n <= 20, else the first 20
        entries, x_truncated and x_stats {norm2, min, max, mean}), f, nit, nfev,
        njev, projected_gradient_norm, termination {code, message, success},
        status (SciPy's: 0 converged, 1 limit reached, 2 otherwise).

        EXIT STATUS: 0 when the solver converged or stopped on a limit you set
        (status 0 or 1; the output says which), 1 when it stopped abnormally
        (status 2: a failed line search, a non-finite value), in either format;
        64 for a mistake in the options, 74 when the result cannot be written.
        """
    )

    @Option(name: .customLong("function"), help: "The test function.")
    var function: TestFunction

    @Option(parsing: .unconditional,
            help: "The number of variables n (default: 2 for beale and booth, 25 for driver1, 100 otherwise; at most \(TestFunctions.maximumDimension)).")
    var dimension: Int?

    @OptionGroup var start: StartOption

    /// A finite decimal number (the tolerances must also be >= 0; `validate()` checks).
    static func number(_ text: String) throws(InputError) -> Double { try Inputs.number(text, option: "") }

    @Option(parsing: .unconditional, help: "Correction pairs kept (SciPy maxcor / m).")
    var maxcor: Int?

    @Option(parsing: .unconditional, help: "Relative-reduction tolerance (SciPy minimize's ftol = factr * 2^-52).", transform: MinimizeCommand.number)
    var ftol: Double?

    @Option(parsing: .unconditional, help: "Relative-reduction factor (SciPy fmin_l_bfgs_b's factr).", transform: MinimizeCommand.number)
    var factr: Double?

    @Option(parsing: .unconditional, help: "Projected-gradient tolerance (SciPy minimize's gtol).", transform: MinimizeCommand.number)
    var gtol: Double?

    @Option(parsing: .unconditional, help: "Projected-gradient tolerance (SciPy fmin_l_bfgs_b's pgtol).", transform: MinimizeCommand.number)
    var pgtol: Double?

    @Option(parsing: .unconditional, help: "Maximum number of iterations.")
    var maxiter: Int?

    @Option(parsing: .unconditional, help: "Maximum number of function evaluations.")
    var maxfun: Int?

    @Option(parsing: .unconditional, help: "Maximum number of evaluations per line search.")
    var maxls: Int?

    @Option(help: "What goes to stdout.")
    var format: ResultFormat = .text

    @OptionGroup var memory: MemoryOption

    func validate() throws {
        if factr != nil && ftol != nil { throw ValidationError("--ftol and --factr set the same tolerance; give one") }
        if gtol != nil && pgtol != nil { throw ValidationError("--gtol and --pgtol set the same tolerance; give one") }
        for (name, value) in [("--ftol", ftol), ("--factr", factr), ("--gtol", gtol), ("--pgtol", pgtol)] {
            if let v = value, !(v.isFinite && v >= 0) { throw ValidationError("\(name): must be a finite number >= 0, got \(v)") }
        }
        for (name, value) in [("--maxcor", maxcor), ("--maxiter", maxiter), ("--maxfun", maxfun), ("--maxls", maxls)] {
            if let v = value, v < 1 { throw ValidationError("\(name): must be at least 1, got \(v)") }
        }
        if let n = dimension {
            do {
                try function.validate(dimension: n)
            } catch {
                throw ValidationError("--dimension \(n): \(ErrorText.reason(error))")
            }
        }
    }

    /// The solver's options from the command line (SciPy's defaults otherwise).
    var options: LBFGSBOptions {
        var o = LBFGSBOptions()
        if let v = maxcor { o.maxcor = v }
        if let v = ftol { o.ftol = v }
        if let v = factr { o.factr = v }
        if let v = gtol { o.gtol = v }
        if let v = pgtol { o.pgtol = v }
        if let v = maxiter { o.maxiter = v }
        if let v = maxfun { o.maxfun = v }
        if let v = maxls { o.maxls = v }
        return o
    }

    /// An estimate of L-BFGS-B's storage in bytes: 2m vectors of corrections, a dozen work
    /// vectors and index arrays of n, and O(m²) for the compact matrices.
    static func estimatedBytes(dimension n: Int, maxcor m: Int) -> Double {
        8 * Double(n) * (2 * Double(m) + 12) + 88 * Double(m) * Double(m)
    }

    /// The request, checked (the start's length, the memory estimate).
    struct Plan {
        var function: TestFunction
        var dimension: Int
        var start: [Double]
        var options: LBFGSBOptions
        var estimatedBytes: Double
    }

    func plan() throws(InputError) -> Plan {
        let n = dimension ?? function.defaultDimension
        let opts = options
        let bytes = Self.estimatedBytes(dimension: n, maxcor: opts.maxcor)
        try memory.check(bytes, for: "L-BFGS-B at n = \(n) with maxcor \(opts.maxcor)", lower: "lower --dimension or --maxcor")
        let x0 = try start.resolved(dimension: n, standard: function.start(n))
        return Plan(function: function, dimension: n, start: x0, options: opts, estimatedBytes: bytes)
    }

    func run() throws {
        let plan = try plan()
        let f = plan.function, n = plan.dimension
        let result: LBFGSBResult
        do {
            result = try LBFGSBSolver.minimize(from: plan.start, lower: f.lower(n), upper: f.upper(n), options: plan.options,
                                               objective: f.objective)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
        switch format {
        case .json:
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
            try emit(JSONValue.object(fields).pretty() + "\n")
        case .text:
            var lines = ["\(f.name), n = \(n): \(f.summary)"]
            lines.append("x = " + RunReport.brief(result.x))
            lines.append("f = \(String(format: "%.10g", result.f))")
            lines.append("nit \(result.iterations), nfev \(result.evaluations), njev \(result.gradientEvaluations), projected-gradient norm \(String(format: "%.6g", result.projectedGradientNorm))")
            lines.append("termination: \(result.message)")
            try emit(lines.joined(separator: "\n") + "\n")
        }
        if result.termination.scipyStatus == 2 {
            throw ComputationError(message: "L-BFGS-B stopped abnormally: \(result.message)")
        }
    }
}
