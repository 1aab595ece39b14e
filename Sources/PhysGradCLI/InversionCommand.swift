import ArgumentParser
import Foundation
import PhysGrad
import PhysGradReport

/// The run that `inversion` compares the numerical inverses with (`--reference`).
enum InversionReferenceName: String, CaseIterable, ExpressibleByArgument {
    case analytic, exact
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `physgrad inversion`: analytic against approximate inversion, for any problem and list of
/// dimensions (the chapter's closing comparison as a study).
struct InversionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inversion",
        abstract: "Compare PG with numerical inverses against PG with the analytic inverse, step by step.",
        discussion: """
        EXAMPLES:
          physgrad inversion
              The chapter's closing comparison: PG on y = [x0, x1^2] with the
              analytic inverse and with L-BFGS-B inverses (finite differences as
              SciPy's approx_grad=True, and exact gradients), 10 steps of
              eta = 0.3; MAE 9.94e-07 and about 1e-13.
          physgrad inversion --problem seed,powers,blur --dimensions 100,1000
          physgrad inversion --problem blur --dimensions 2,10,100 --eta 0.5 \\
              --format json > inversion.json
          physgrad inversion --problem burgers --dimensions 8,16 --steps 5

        WHAT RUNS: for each problem and dimension, PG with the reference
        inverse and PG with each numerical inverse of --gradients, from the
        problem's start with the same step size and the book's fixed steps.
        Each step compares the iterates: MAE_k = mean_i |x~_k,i - x_k,i| and
        the largest error; the table's MAE is the chapter's, the mean over
        every iterate x_0 ... x_K and coordinate. The reference is the
        analytic inverse; problems without one (burgers, heat) use exact
        gradients with tight tolerances (factr 0, pgtol 1e-12), and the
        'exact' column is then the reference itself. A run whose inverse
        stopped short of its target, or that stopped early, is marked '*'
        and explained in the notes.

        PROBLEMS: seed, powers, blur, burgers, heat (see 'physgrad compare
        --help'). seed is the chapter's n = 2 problem and runs once, at n = 2;
        --dimensions applies to the others (default: each problem's own).
        Step sizes: each problem's PG step size (seed, powers 0.3; blur,
        burgers, heat 1) unless --eta gives one for all.

        COSTS: a forward-difference gradient costs n + 1 evaluations of y(x),
        and each inverse stops after at most 15,000 evaluations (SciPy's
        maxfun), so a finite-difference run makes at most 15,000 x --steps
        evaluations; at n = 1000 that limit ends most of its inverses, short
        of their targets. Above n = 7,499 one finite-difference iteration
        does not fit in 15,000 evaluations: the first inverse fails.

        LIMITS: --steps at most 1,000,000; at most 1,000 dimensions, each
        within the problem's range. The reference's iterates
        (8 n (steps + 1) bytes), the inverses' L-BFGS-B workspace (about
        230 n bytes) and about 1.2 KB per run and step for the records and
        files are estimated before anything runs; above --max-memory
        (default 4G) the request is refused.

        OUTPUT FILES (in --output; written as one group, as compare's)
          mae-by-step.svg       MAE per step, log scale, one line per
                                variant and dimension
          mae-by-dimension.svg  the table's MAE against n, log scales
          mae-by-step.csv       problem,dimension,eta,variant,step,mae,
                                max_error,loss,reference_loss,inner_*
          mae-by-dimension.csv  the table: one row per problem, dimension
                                and variant
          inversion.json        everything; schema "physgrad-inversion/1"
                                (docs/inversion-schema.md)
        --format json prints inversion.json, --format csv
        mae-by-dimension.csv. With --no-plots the figures of an earlier run
        in the folder are removed.

        EXIT STATUS: 0 when every study ran (runs that were no success say so
        in their notes and files), 64 for a mistake in the options or a
        request above a limit, 73 when the files cannot be created, 74 when
        writing fails, 1 when a computation fails.
        """
    )

    @Option(help: "Comma-separated problems: seed, powers, blur, burgers, heat.",
            transform: { text throws(InputError) in try NameList<ProblemName>(parsing: text, kind: "problem") })
    var problem = NameList<ProblemName>(values: [.seed])

    @Option(help: "Comma-separated dimensions n, each once (default: each problem's own; seed is always 2).",
            transform: { text throws(InputError) in try IntegerListArgument(parsing: text) })
    var dimensions: IntegerListArgument?

    @Option(help: "Comma-separated numerical inverses to compare: finite-differences (the chapter's), exact.",
            transform: { text throws(InputError) in try NameList<InverseGradient>(parsing: text, kind: "gradient") })
    var gradients = NameList<InverseGradient>(values: [.finiteDifferences, .exact])

    @Option(help: "The reference run: the analytic inverse, or exact gradients with tight tolerances (default: analytic where the problem has one, else exact).")
    var reference: InversionReferenceName?

    @OptionGroup var steps: StepsOption

    @Option(parsing: .unconditional, help: ArgumentHelp("The step size of every run (default: each problem's PG step size).", valueName: "eta"),
            transform: { text throws(InputError) in try Inputs.stepSize(text, option: "") })
    var eta: Double?

    @Option(help: "What goes to stdout: the table and notes (text), inversion.json (json), mae-by-dimension.csv (csv).")
    var format: CompareFormat = .text

    @Option(help: "Folder for the figures, the CSV files and inversion.json (created if needed).")
    var output: String = "physgrad-inversion"

    @Flag(help: "Do not write the SVG figures (and remove those of an earlier run from --output).")
    var noPlots = false

    @Flag(help: "Print nothing on stdout in text format (files are still written).")
    var quiet = false

    @OptionGroup var memory: MemoryOption

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output: the folder name is empty") }
    }

    /// The problems made and the study, checked: everything that can be wrong with the request
    /// is found here, before anything runs or is written.
    struct Plan {
        var problems: [InverseProblem]
        var study: InversionStudy
    }

    func plan() throws(InputError) -> Plan {
        var problems: [InverseProblem] = []
        for name in problem.values {
            if name == .seed {
                if problem.values == [.seed], let d = dimensions?.values, d != [2] {
                    throw InputError("--dimensions: the seed problem has dimension 2 (use --problem powers for other even dimensions)")
                }
                problems.append(Problems.seed())
                continue
            }
            for n in dimensions?.values ?? [name.defaultDimension] {
                problems.append(try Self.make(name, n))
            }
        }
        let variants = gradients.values.map { $0 == .exact ? InversionVariant.exact : .finiteDifferences }
        let limit = Int(Swift.min(memory.maxMemory.bytes, Double(Int.max / 2)))
        var study = InversionStudy(variants: variants, eta: eta, steps: steps.steps, memoryLimit: limit)
        switch reference {
        case .analytic?:
            study.reference = .analytic
            if let p = problems.first(where: { $0.inverse == nil }) {
                throw InputError("--reference analytic: \(p.name) has no analytic inverse; use --reference exact, or leave --reference out (problems without one then use exact)")
            }
        case .exact?: study.reference = .numerical(.exact)
        case nil: study.reference = .automatic
        }
        let stored = problems.map { study.estimatedBytes(dimension: $0.dimension) }.max() ?? 0
        let bytes = stored + InversionReport.estimatedBytes(studies: problems.count, steps: steps.steps, variants: variants.count)
        try memory.check(bytes, for: "the study of \(problems.count) problem size\(problems.count == 1 ? "" : "s") with \(steps.steps) steps",
                         lower: "lower --steps or --dimensions")
        for p in problems {
            do {
                try study.validate(for: p)
            } catch {
                throw InputError("\(InversionReport.label(p.name, p.dimension)): " + ErrorText.describe(error))
            }
        }
        return Plan(problems: problems, study: study)
    }

    /// The catalog's problem at dimension n; its refusal names `--dimensions`.
    static func make(_ name: ProblemName, _ n: Int) throws(InputError) -> InverseProblem {
        do {
            switch name {
            case .seed: return Problems.seed()
            case .powers: return try Problems.powers(n)
            case .blur: return try Problems.blur(n)
            case .burgers: return try Problems.burgers(n)
            case .heat: return try Problems.heat(n)
            }
        } catch {
            throw InputError("--dimensions \(n): " + ErrorText.reason(error))
        }
    }

    func run() throws {
        let plan = try plan()
        let report: InversionReport
        do {
            report = try InversionReport.run(plan.study, on: plan.problems)
        } catch {
            throw ComputationError(message: "the study failed: \(error.message)")
        }
        let files = report.files(plots: !noPlots)
        let stale = try writeOutputFolder(output, files: files, figures: InversionReport.figureNames, plots: !noPlots)

        switch format {
        case .json:
            try emit(report.json.pretty() + "\n")
        case .csv:
            try emit(report.tableCSV)
        case .text:
            guard !quiet else { return }
            var lines = report.textLines
            lines.append("")
            lines.append("Wrote \(files.map(\.name).joined(separator: ", ")) to \(output)/")
            if !stale.isEmpty {
                lines.append("Removed \(stale.joined(separator: ", ")) of an earlier run (--no-plots)")
            }
            try emit(lines.joined(separator: "\n") + "\n")
        }
    }
}
