import ArgumentParser
import Foundation
import PhysGrad
import PhysGradReport

/// `physgrad sweep`: a grid of runs in parallel, optionally one shard of it.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of problems, dimensions, methods, step sizes and start points in parallel.",
        discussion: """
        EXAMPLES:
          physgrad sweep --problems powers --dimensions 2,10,100 \\
              --methods gd,newton,pg --etas 0.01,0.1,0.3
          physgrad sweep --problems seed --methods gd,adam,rmsprop \\
              --etas 0.001,0.01,0.1 --starts 1,3,5 --format jsonl
          physgrad sweep --problems powers,blur --dimensions 10,20 \\
              --methods newton,pg --output sweep.csv

        SHARDS (a Slurm job array, say): each task runs one part of the grid,
          physgrad sweep ... --shard $SLURM_ARRAY_TASK_ID/8 \\
              --output part-$SLURM_ARRAY_TASK_ID.csv
        with task ids 1...8. Shard i of N takes the i-th contiguous block of the
        grid and only shard 1 writes the CSV header, so 'cat part-1.csv ...
        part-8.csv' is byte for byte the unsharded output. --output is written
        atomically; when it already holds exactly this shard's rows of this
        grid (every row carries the grid's fingerprint), it is a finished shard
        and is skipped, so rerunning a sweep redoes only the missing parts. An
        empty file is recomputed; any other file is refused (exit 73) unless
        --force replaces it. A folder, FIFO or device is always refused;
        a symbolic link is written through.

        GRID ORDER: problem, dimension, method, eta, start. Without --etas each
        method uses its default step size on the problem; without --starts the
        problem's start. Lists name each value once.

        LIMITS: at most 1,000 values per list, 1,000,000 grid points,
        1,000,000 steps, N <= 1,000,000 shards, 1,024 jobs; dimensions within
        each problem's range.

        COLUMNS: index, problem, dimension, method, eta, start, steps, status,
        success, steps_taken, final_loss, distance_to_solution,
        diagonal_length_first_update, f, gradient, hessian, model,
        inverse_solves, inverse_evaluations, termination, message, grid.
        status is "ok" (ran and succeeded), "failed" (ran but ended without
        success, e.g. on a non-finite value; termination says why) or "error"
        (could not run, e.g. pg on burgers; message says why); success is
        true only for "ok". JSON Lines have the same keys, the counts grouped
        under "counts".

        Runs use all cores (--jobs to change); a progress bar goes to stderr
        when stderr is a terminal. Exit status: 0 when the grid ran (rows may
        say "failed" or "error"), 64 for a mistake in the options, 73 when
        --output cannot be created or replaced, 74 when writing fails.
        """
    )

    @Option(help: "Comma-separated problems: seed, powers, blur, burgers, heat.",
            transform: { text throws(InputError) in try NameList<ProblemName>(parsing: text, kind: "problem") })
    var problems = NameList<ProblemName>(values: [.seed])

    @Option(help: "Comma-separated dimensions (default: each problem's).",
            transform: { text throws(InputError) in try IntegerListArgument(parsing: text) })
    var dimensions: IntegerListArgument?

    @Option(help: "Comma-separated methods.",
            transform: { text throws(InputError) in try NameList<MethodName>(parsing: text, kind: "method") })
    var methods = NameList<MethodName>(values: [.gd, .newton, .pg])

    @Option(help: "Comma-separated step sizes, each used for every method that takes one (default: each method's own).",
            transform: { text throws(InputError) in try NumberListArgument(parsing: text) })
    var etas: NumberListArgument?

    @Option(parsing: .unconditional,
            help: "Comma-separated start values, each used for every coordinate (default: the problem's start).",
            transform: { text throws(InputError) in try NumberListArgument(parsing: text) })
    var starts: NumberListArgument?

    @OptionGroup var steps: StepsOption

    @OptionGroup var inverse: InverseGradientOption

    @Option(help: "What is written: CSV or JSON Lines.")
    var format: SweepFormat = .csv

    @Option(help: ArgumentHelp("Run only part i of N of the grid (1 <= i <= N).", valueName: "i/N"),
            transform: { text throws(InputError) in try Shard(argumentText: text) })
    var shard: Shard = .whole

    @Option(help: "Write the results to this file (atomically) instead of stdout.")
    var output: String?

    @Flag(help: "Recompute and replace --output even if it is a finished shard, or a file that is not one.")
    var force = false

    @Option(help: "Parallel runs (default: the number of cores; at most 1,024).")
    var jobs: Int?

    var grid: SweepGrid {
        SweepGrid(problems: problems.values, dimensions: dimensions?.values, methods: methods.values, stepSizes: etas?.values,
                  starts: starts?.values, steps: steps.steps, inverseGradient: inverse.inverseGradient)
    }

    func validate() throws {
        do {
            try grid.validate()
        } catch {
            throw ValidationError(error.message)
        }
        if let j = jobs, !(1...Limits.maximumJobs).contains(j) {
            throw ValidationError("--jobs: \(j) is outside 1...\(Limits.maximumJobs)")
        }
        if output?.isEmpty == true { throw ValidationError("--output: the file name is empty") }
    }

    func run() async throws {
        let grid = self.grid
        var created: [String] = []
        if let path = output {
            created = try AtomicFile.prepareFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            if let existing = try AtomicFile.existingContents(of: path) {
                switch grid.checkShard(String(decoding: existing, as: UTF8.self), shard: shard, format: format) {
                case .finished where !force:
                    AtomicFile.keepFolders(created)
                    StandardStreams.writeError("physgrad sweep: \(path) is a finished shard of this sweep; skipping it (--force recomputes)\n")
                    return
                case .other(let why) where !force:
                    throw OutputError(path: path, reason: "it exists and is not a finished shard \(shard) of this sweep (\(why)); --force replaces it")
                default:
                    break
                }
            }
        }

        let all = grid.points
        let points = Array(all[shard.range(of: all.count)])
        let progress = Progress(total: points.count, enabled: isatty(2) == 1)
        let workers = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        let rows = await grid.run(points, jobs: workers) { progress.update($0) }
        progress.finish()
        let text = grid.text(of: rows, shard: shard, format: format)
        if let path = output {
            do {
                try AtomicFile.write(text, to: path)
            } catch {
                AtomicFile.removeFolders(created)
                throw error
            }
            AtomicFile.keepFolders(created)
        } else {
            try emit(text)
        }
    }
}

/// A one-line progress bar on stderr (only when stderr is a terminal).
struct Progress: Sendable {
    let total: Int
    let enabled: Bool

    func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        StandardStreams.writeError("\rsweep [\(bar)] \(done)/\(total)")
    }

    func finish() {
        guard enabled, total > 0 else { return }
        StandardStreams.writeError("\n")
    }
}
