import ArgumentParser
import Foundation
import PhysGrad
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
                   analytic inverse, so no 'pg'

        METHODS
          gd, newton, pg (analytic inverse), pg-numerical (L-BFGS-B inverse),
          adam, adagrad, rmsprop, lbfgsb (L-BFGS-B on L(x), one iteration per
          step). Default: the chapter's gd,newton,pg,pg-numerical
          for seed; every method with a default step size for the others. Step
          sizes default to the problem's (seed: GD 0.01, Newton 1/3, PG 0.3).

        OUTPUT FILES (in --output; written atomically: temporary files, then
        renames)
          x-space.svg       iterates x_k (first two coordinates), solution as a
                            cross
          y-space.svg       y(x_k) (first two outputs), target as a star
          loss.svg          L(x_k) per step, log scale, every method
          trajectories.csv  method,step,x0..,y0..,loss: one row per iterate
          summary.json      schema "physgrad-summary/1" (docs/summary-schema.md)

        SUMMARY.JSON: problem {name, dimension, output_dimension, description,
        start, solution}, steps, inverse_gradient, chapter, and for each method:
        name, eta, steps, final_x (first 20 entries; final_x_truncated, and
        final_x_stats {n, norm2, min, max, mean} when cut), final_loss,
        distance_to_solution, diagonal_length_first_update, counts {f, gradient,
        hessian, model, inverse_solves, inverse_evaluations,
        inverse_iterations}, termination {code, description, success}; then
        mae_pg_vs_pg_numerical when both PG variants ran (else null).
        """
    )

    @Option(help: "The problem: seed, powers, blur or burgers.")
    var problem: String = "seed"

    @Option(help: "The number of unknowns n (seed: 2; powers: even; default powers 10, blur 10, burgers 16).")
    var dimension: String?

    @Option(help: "Comma-separated methods: gd, newton, pg, pg-numerical, adam, adagrad, rmsprop, lbfgsb.")
    var methods: String?

    @Option(parsing: .unconditional, help: "Steps per method (default 10, the chapter's).")
    var steps: String?

    @Option(name: .customLong("eta"), help: ArgumentHelp("A step size, METHOD=VALUE; repeatable (--eta gd=0.02 --eta pg=0.5).", valueName: "method=value"))
    var eta: [String] = []

    @Option(parsing: .unconditional, help: "The starting point: n comma-separated numbers, or one number for every coordinate (default: the problem's).")
    var start: String?

    @Option(help: "Gradient of the numerical inverse's objective: finite-differences (the chapter's) or exact.")
    var inverseGradient: String?

    @Option(help: "What goes to stdout: text (the transcript or a summary), json (summary.json), csv (trajectories.csv).")
    var format: String = "text"

    @Option(help: "Folder for the figures, trajectories.csv and summary.json (created if needed).")
    var output: String = "physgrad-output"

    @Flag(help: "Do not write the SVG figures.")
    var noPlots = false

    @Flag(help: "Print nothing on stdout in text format (files are still written).")
    var quiet = false

    func run() throws {
        // Parse and check everything before computing or writing anything.
        guard let kind = ProblemName(rawValue: problem.lowercased()) else {
            throw InputError("--problem: unknown problem '\(problem)' (known: \(ProblemName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let n = try dimension.map { d throws(InputError) in try Inputs.integer(d, option: "--dimension") }
        let problemValue = try kind.make(dimension: n)
        let stepCount = try steps.map { s throws(InputError) in try Inputs.integer(s, option: "--steps", minimum: 0) } ?? 10
        let stepSizes = try Inputs.stepSizes(eta)
        let startPoint = try start.map { s throws(InputError) in try Inputs.point(s, dimension: problemValue.dimension, option: "--start") }
        let gradient: InverseGradient
        if let g = inverseGradient {
            guard let v = InverseGradient(rawValue: g.lowercased()) else {
                throw InputError("--inverse-gradient: unknown value '\(g)' (known: finite-differences, exact)")
            }
            gradient = v
        } else {
            gradient = .finiteDifferences
        }
        guard ["text", "json", "csv"].contains(format) else {
            throw InputError("--format: unknown format '\(format)' (known: text, json, csv)")
        }
        let methodList: [MethodName]
        if let m = methods {
            methodList = try Inputs.methods(m)
        } else if kind == .seed {
            methodList = [.gd, .newton, .pg, .pgNumerical]
        } else {
            methodList = MethodName.allCases.filter { $0.hasStepSize && problemValue.stepSizes[$0] != nil }
        }
        for key in stepSizes.keys where !methodList.contains(key) {
            throw InputError("--eta \(key.rawValue): the method is not among the methods run (\(methodList.map(\.rawValue).joined(separator: ",")))")
        }
        // The chapter's configuration, however it was spelled: its transcript and figures.
        let isChapter = kind == .seed && methodList == [.gd, .newton, .pg, .pgNumerical] && stepCount == 10
            && stepSizes.isEmpty && (startPoint == nil || startPoint! == [3, 3]) && gradient == .finiteDifferences

        // Compute everything, then make the folder and write: a mistake found while running
        // (a method that cannot run on the problem) leaves nothing behind.
        let report = try RunReport.run(problem: problemValue, methods: methodList, stepSizes: stepSizes, start: startPoint,
                                       steps: stepCount, inverseGradient: gradient, isChapter: isChapter)
        let files = report.files(plots: !noPlots)
        try AtomicFile.prepareFolder(output)
        try AtomicFile.writeAll(files.map { (output + "/" + $0.name, $0.contents) })

        switch format {
        case "json":
            emit(files.first { $0.name == "summary.json" }!.contents)
        case "csv":
            emit(report.trajectoriesCSV)
        default:
            guard !quiet else { return }
            var lines: [String]
            if isChapter {
                let chapter: ChapterReport
                do {
                    chapter = try Chapter.run()
                } catch {
                    throw ComputationError(message: "the chapter failed: \(error)")
                }
                lines = ChapterTranscript.lines(report: chapter, replay: ChapterReplay.run())
            } else {
                lines = report.textLines
            }
            lines.append("")
            let written = files.map(\.name).joined(separator: ", ")
            lines.append("Wrote \(written) to \(output)/")
            if !noPlots {
                lines.append("Pictures: \(output)/x-space.svg, \(output)/y-space.svg, \(output)/loss.svg (scripts/render-png makes PNGs)")
            }
            emit(lines.joined(separator: "\n") + "\n")
        }
    }
}
