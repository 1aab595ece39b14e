import ArgumentParser
import Foundation
import PhysGrad
import PhysGradExamples
import PhysGradReport

/// `physgrad compare`: runs several methods on one problem and writes the figures, the
/// trajectories and the summary; with no options, the chapter.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run several optimizers on one problem; with no options, reproduce the chapter.",
        discussion: """
        EXAMPLES:
          physgrad compare
              The chapter "Simple Example comparing Different Optimizers": prints
              what the chapter prints (test calls, Jacobians, the GD / Newton / PG
              iterates, distances, diagonal lengths, y-space trajectories, the
              BFGS test inverse, numerical-inverse PG, the MAE) and writes
              x-space.svg, y-space.svg, loss.svg, trajectories.csv and
              summary.json into ./physgrad-output. The printed iterates replay
              the chapter's float32 JAX arithmetic, so they show its digits
              ([2.94      1.9200001]); the files hold the library's float64
              results.
          physgrad compare --methods gd,newton,pg,adam,rmsprop --steps 50
          physgrad compare --problem blur --dimension 64 \\
              --methods newton,pg,pg-numerical --inverse-gradient exact
          physgrad compare --problem burgers --dimension 32 \\
              --methods gd,pg-numerical --eta gd=0.5 --start 0
          physgrad compare --format json --no-plots --quiet > summary.json
          physgrad compare --format csv > trajectories.csv

        PROBLEMS
          seed     the chapter's y = [x0, x1^2], L = |y|^2, n = 2
          powers   the same in n (even) dimensions; default n = 10
          blur     nonlinear deconvolution; default n = 10
          burgers  initial velocity of viscous Burgers; default n = 16; no
                   analytic inverse, so no 'pg' (use 'pg-numerical')
          heat     initial temperature of the periodic heat equation (50
                   steps, r = 0.1), severely ill-posed; default n = 64; no
                   analytic inverse

        METHODS
          gd            gradient descent
          newton        Newton; a trust region (fixed steps on seed/powers)
          pg            inverse-simulator update, analytic inverse
          pg-numerical  the same with an L-BFGS-B inverse
          adam, adagrad, rmsprop   optax's rules
          lbfgsb        L-BFGS-B on L(x), one iteration per step
          gn            Gauss-Newton (truncated SVD, trust region)
          lm            Levenberg-Marquardt (regularizing trust region)
          lm-minpack    Levenberg-Marquardt in MINPACK's form (SciPy's lm);
                        not run unless asked for
          ig            inverse gradients: y-space step through J's
                        pseudo-inverse
          hig           half-inverse gradients: V S^(-1/2) U^T of J
        lbfgsb, lm and lm-minpack take no step size. Default: the chapter's
        gd,newton,pg,pg-numerical for seed; for the others every method the
        problem recommends settings for, whose dense matrices fit
        --max-memory. Step sizes and step acceptance default to the problem's
        (seed: the chapter's fixed steps, GD 0.01, Newton 1/3, PG 0.3; blur,
        burgers and heat: line searches or trust regions that make the loss
        fall at every step); --eta sets one method's, once per method.

        LIMITS
          --steps at most 1,000,000; --dimension within the problem's range.
          Every iterate is kept for trajectories.csv: a run estimated to need
          more than --max-memory (default 4G) for them (8 (2n + k + 1) bytes
          per method and iterate, and about 50 bytes per number of text) is
          refused before it starts.

        OUTPUT FILES (in --output; written as one group: temporary files
        first, then renames; a failure leaves the folder as it was; symbolic
        links are written through)
          x-space.svg       iterates x_k (first two coordinates), solution as a
                            cross
          y-space.svg       y(x_k) (first two outputs), target as a star
          loss.svg          L(x_k) per step, log scale, every method
          trajectories.csv  method,step,x0..,y0..,loss: one row per iterate
          summary.json      schema "physgrad-summary/1" (docs/summary-schema.md)
        With --no-plots the figures of an earlier run in the folder are
        removed, so that none is left beside a summary it does not show.

        SUMMARY.JSON: problem {name, dimension, output_dimension, description,
        start, solution}, steps, inverse_gradient, chapter, and for each method:
        name, eta, steps, final_x (first 20 entries; final_x_truncated, and
        final_x_stats {n, norm2, min, max, mean} when cut), final_loss,
        distance_to_solution, diagonal_length_first_update, initial_loss,
        counts {f, gradient, hessian, model, jacobian, inverse_solves,
        inverse_evaluations, inverse_iterations}, diagnostics (what step
        acceptance and the linear algebra did), termination {code,
        description, success}; then mae_pg_vs_pg_numerical when both PG
        variants ran with the same number of iterates (else null).

        EXIT STATUS: 0 when every method ran (a method that diverged or failed
        says so in its termination), 64 for a mistake in the options, 73 when
        the files cannot be created, 74 when writing fails.
        """
    )

    @OptionGroup var problem: ProblemOptions

    @Option(help: "Comma-separated methods, each once: gd, newton, pg, pg-numerical, adam, adagrad, rmsprop, lbfgsb, gn, lm, lm-minpack, ig, hig.",
            transform: { text throws(InputError) in try NameList<MethodName>(parsing: text, kind: "method") })
    var methods: NameList<MethodName>?

    @OptionGroup var steps: StepsOption

    @Option(name: .customLong("eta"),
            help: ArgumentHelp("A step size, METHOD=VALUE; repeatable, once per method (--eta gd=0.02 --eta pg=0.5).", valueName: "method=value"),
            transform: { text throws(InputError) in try StepSizeAssignment(argumentText: text) })
    var eta: [StepSizeAssignment] = []

    @OptionGroup var start: StartOption

    @OptionGroup var inverse: InverseGradientOption

    @Option(help: "What goes to stdout: the transcript or a summary (text), summary.json (json), trajectories.csv (csv).")
    var format: CompareFormat = .text

    @Option(help: "Folder for the figures, trajectories.csv and summary.json (created if needed).")
    var output: String = "physgrad-output"

    @Flag(help: "Do not write the SVG figures (and remove those of an earlier run from --output).")
    var noPlots = false

    @Flag(help: "Print nothing on stdout in text format (files are still written).")
    var quiet = false

    @OptionGroup var memory: MemoryOption

    @Option(name: .customLong("time-limit"), parsing: .unconditional,
            help: ArgumentHelp("Seconds each method may run (checked between steps and inside them: trials, inner solves, Hessian and Jacobian builds; 0 stops at the first check, inf means none); a run cut short says so. Default: no limit.",
                               valueName: "seconds"))
    var timeLimit: Double?

    func validate() throws {
        if let t = timeLimit, !(t >= 0) {
            throw ValidationError("--time-limit: \(t) is not a number of seconds >= 0")
        }
        var seen: [MethodName: Double] = [:]
        for e in eta {
            if let old = seen[e.method] {
                throw ValidationError("--eta \(e.method.rawValue) is given twice (\(old) and \(e.value)); give it once")
            }
            seen[e.method] = e.value
        }
        if output.isEmpty { throw ValidationError("--output: the folder name is empty") }
    }

    /// What to run, checked: everything that can be wrong with the request is found here, before
    /// anything is computed or written.
    struct Plan {
        var problem: InverseProblem
        var methods: [MethodName]
        var stepSizes: [MethodName: Double]
        var start: [Double]?
        var isChapter: Bool
    }

    func plan() throws(InputError) -> Plan {
        let p = try problem.make()
        let startPoint = try start.start?.resolved(dimension: p.dimension, option: "--start")
        let methodList: [MethodName]
        let budget = memory.maxMemory.bytes
        let gradient = inverse.inverseGradient ?? .standard(for: p)
        func workingMemory(_ m: MethodName) -> Double { Double(m.makeMethod(stepSize: 1, inverse: gradient.numericalInverse).workingMemory(for: p)) }
        if let m = methods {
            methodList = m.values
            for method in methodList where workingMemory(method) > budget {
                throw InputError("--methods \(method.rawValue): its matrices at n = \(p.dimension) need about \(ByteCount(bytes: workingMemory(method))), above --max-memory \(memory.maxMemory); use a first-order method (gd, adam, lbfgsb) or pg, lower --dimension, or raise --max-memory")
            }
        } else if problem.problem == .seed {
            methodList = [.gd, .newton, .pg, .pgNumerical]
        } else {
            // Every method the problem recommends settings for, except those whose dense
            // matrices would not fit the memory budget at this size.
            methodList = MethodName.allCases.filter { m in
                (m.takesStepSize ? p.stepSizes[m] != nil : m != .lbfgsb && m != .lmMinpack) && workingMemory(m) <= budget
            }
        }
        let stepSizes = Dictionary(uniqueKeysWithValues: eta.map { ($0.method, $0.value) })
        for key in stepSizes.keys.sorted() where !methodList.contains(key) {
            throw InputError("--eta \(key.rawValue): the method is not among the methods run (\(methodList.map(\.rawValue).joined(separator: ",")))")
        }
        let bytes = RunReport.estimatedBytes(dimension: p.dimension, outputDimension: p.outputDimension,
                                             methods: methodList.count, steps: steps.steps)
        try memory.check(bytes, for: "keeping \(steps.steps + 1) iterates of \(methodList.count) methods at n = \(p.dimension)",
                         lower: "lower --steps or --dimension, or run fewer --methods")
        // The chapter's configuration, however it was spelled: its transcript and figures.
        let isChapter = problem.problem == .seed && methodList == [.gd, .newton, .pg, .pgNumerical] && steps.steps == 10
            && stepSizes.isEmpty && (startPoint == nil || startPoint! == [3, 3]) && gradient == .finiteDifferences
        return Plan(problem: p, methods: methodList, stepSizes: stepSizes, start: startPoint, isChapter: isChapter)
    }

    func run() throws {
        let plan = try plan()
        // Compute everything, then make the folder and write: a mistake found while running
        // (a method that cannot run on the problem) leaves nothing behind.
        let report = try RunReport.run(problem: plan.problem, methods: plan.methods, stepSizes: plan.stepSizes, start: plan.start,
                                       steps: steps.steps, inverseGradient: inverse.inverseGradient, isChapter: plan.isChapter,
                                       memoryLimit: Int(Swift.min(memory.maxMemory.bytes, Double(Int.max / 2))),
                                       timeLimit: timeLimit)
        let files = report.files(plots: !noPlots)
        let stale = try writeOutputFolder(output, files: files, figures: RunReport.figureNames, plots: !noPlots)

        switch format {
        case .json:
            try emit(report.summary.pretty() + "\n")
        case .csv:
            try emit(report.trajectoriesCSV)
        case .text:
            guard !quiet else { return }
            var lines: [String]
            if plan.isChapter {
                let chapter: ChapterReport
                do {
                    chapter = try Chapter.run()
                } catch {
                    throw ComputationError(message: "the chapter failed: \(ErrorText.describe(error))")
                }
                lines = ChapterTranscript.lines(report: chapter, replay: ChapterReplay.run())
            } else {
                lines = report.textLines
            }
            lines.append("")
            lines.append("Wrote \(files.map(\.name).joined(separator: ", ")) to \(output)/")
            if !stale.isEmpty {
                lines.append("Removed \(stale.joined(separator: ", ")) of an earlier run (--no-plots)")
            }
            if !noPlots {
                lines.append("Pictures: \(output)/x-space.svg, \(output)/y-space.svg, \(output)/loss.svg (scripts/render-png makes PNGs)")
            }
            try emit(lines.joined(separator: "\n") + "\n")
        }
    }
}

/// `true` when `path` is a regular file (not a link to one).
func isRegularFile(_ path: String) -> Bool {
    var s = stat()
    return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG
}
