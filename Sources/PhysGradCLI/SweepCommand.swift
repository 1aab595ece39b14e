import ArgumentParser
import Foundation
import PhysGrad
import PhysGradReport

/// `physgrad sweep`: a grid of runs (`run`, the default subcommand), the merge of its shards,
/// and its figures.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of runs in parallel (one shard of it, say on a cluster); merge and plot the results.",
        discussion: """
        EXAMPLES:
          physgrad sweep --problems powers --dimensions 2,10,100 \\
              --methods gd,newton,pg --etas 0.01,0.1,0.3 --output sweep.csv
          physgrad sweep --problems powers --dimensions 2,10,100 \\
              --methods gd,newton,pg --etas 0.01,0.1,0.3 \\
              --shard 2/8 --output part-2.csv
          physgrad sweep merge part-*.csv --output sweep.csv --plots plots
          physgrad sweep plot sweep.csv --output plots

        'physgrad sweep OPTIONS' is 'physgrad sweep run OPTIONS': it runs the
        grid, or one shard of it; 'physgrad sweep run --help' lists its
        options. In a Slurm job array or a Kubernetes Indexed Job each task
        picks its shard from the engine's variables. 'sweep merge' checks that
        the shards' files are all the shards of one grid, each once, and
        writes the unsharded output byte for byte; 'sweep plot' draws final
        loss against step size and dimension, and wall time against
        dimension, as SVG. Examples for Slurm and Kubernetes: docs/cluster/.

        Exit status: 0 on success, 64 for a mistake in the options or an
        inconsistent batch engine variable, 65 when the files given to merge
        or plot do not make one consistent sweep (a shard missing or given
        twice, parts of other grids, a file changed after it was written), 66
        when one of them cannot be read, 73 when an output cannot be created
        or replaced, 74 when writing fails.
        """,
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self, SweepPlotCommand.self],
        defaultSubcommand: SweepRunCommand.self
    )
}

/// `physgrad sweep [run]`: a grid of runs in parallel, optionally one shard of it.
struct SweepRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a grid of problems, dimensions, methods, step sizes and start points in parallel.",
        discussion: """
        EXAMPLES:
          physgrad sweep --problems powers --dimensions 2,10,100 \\
              --methods gd,newton,pg --etas 0.01,0.1,0.3
          physgrad sweep --problems seed --methods gd,adam,rmsprop \\
              --etas 0.001,0.01,0.1 --starts 1,3,5 --format jsonl
          physgrad sweep --problems powers,blur --dimensions 10,20 \\
              --methods newton,pg --output sweep.csv
        ('physgrad sweep run ...' is the same.)

        SHARDS: each of N processes runs one part of the grid. Shard i of N is
        the i-th contiguous block of the grid's points, and only shard 1
        writes the CSV header, so the shards' files concatenated in order are
        byte for byte the unsharded output ('physgrad sweep merge' checks and
        concatenates them). Without --shard, the part comes from the batch
        engine that started the process, and stderr says which and why:
          Slurm job array  SLURM_ARRAY_TASK_ID, _MIN, _MAX, _STEP, _COUNT: the
                           k-th task of the array runs shard k of COUNT,
                           whatever the first id and the step (--array=0-7,
                           --array=1-15:2); an irregular id list (1,4,9)
                           needs --shard
          Kubernetes       JOB_COMPLETION_INDEX (from 0) runs shard index+1
          Indexed Job      of N, N from --shards N or PHYSGRAD_SHARDS (the
                           Job's completions: Kubernetes does not export it)
        --shard always wins. Variables that disagree with each other, or
        both engines' variables, are an error (exit 64). Examples for Slurm
        (an sbatch array and a merge job) and Kubernetes: docs/cluster/.

        FILES: --output FILE also writes FILE.sweep.json, its side file (beside
        the file a symbolic link names): the grid's definition, the shard,
        FILE's size and checksum, and each row's wall time, which stays out of
        the rows so that shards remain byte-identical to the unsharded output.
        'sweep merge' needs the side files, 'sweep plot' reads the times.
        Both are written atomically, as one group. When FILE already holds
        exactly this shard's rows of this grid and its side file matches, it
        is a finished shard and is skipped, so rerunning a sweep redoes only
        the missing parts (without a matching side file it is recomputed). An
        empty file is recomputed; any other file, or a side file that is not
        one, is refused (exit 73) unless --force replaces it. A folder, FIFO
        or device is always refused; a symbolic link is written through.

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
        say "failed" or "error"), 64 for a mistake in the options or the
        engine's variables, 73 when --output cannot be created or replaced, 74
        when writing fails.
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

    @Option(parsing: .unconditional, help: "Comma-separated step sizes, each used for every method that takes one (default: each method's own).",
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

    @Option(help: ArgumentHelp("Run only part i of N of the grid (1 <= i <= N); without it, a Slurm job array's or Kubernetes Indexed Job's variables choose the part.", valueName: "i/N"),
            transform: { text throws(InputError) in try Shard(argumentText: text) })
    var shard: Shard?

    @Option(parsing: .unconditional, help: ArgumentHelp("In a Kubernetes Indexed Job: the number of shards, the Job's completions (or set PHYSGRAD_SHARDS); JOB_COMPLETION_INDEX picks the part.", valueName: "N"),
            transform: { text throws(InputError) in try Inputs.integer(text, option: "", maximum: Limits.maximumShards) })
    var shards: Int?

    @Option(help: ArgumentHelp("Write the results to this file, and its side file FILE.sweep.json, atomically, instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(help: "Recompute and replace --output even if it is a finished shard, or a file that is not one.")
    var force = false

    @Option(parsing: .unconditional, help: "Parallel runs (default: the number of cores; at most 1,024).")
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

    /// The shard to run, from --shard, --shards and the batch engine's variables in `environment`.
    func assignment(environment: [String: String]) throws(InputError) -> ShardAssignment {
        try ShardAssignment.resolve(option: shard, shards: shards, environment: environment)
    }

    func run() async throws {
        let grid = self.grid
        let assignment = try assignment(environment: ProcessInfo.processInfo.environment)
        let shard = assignment.shard
        let range = shard.range(of: grid.pointCount)
        if let reason = assignment.reason {
            let points = range.isEmpty ? "no grid points (the grid has \(grid.pointCount))"
                : "grid points \(range.lowerBound) to \(range.upperBound - 1) of \(grid.pointCount)"
            StandardStreams.writeError("physgrad sweep: running shard \(shard) \(reason); \(points)\n")
        }
        var created: [String] = []
        if let path = output {
            created = try AtomicFile.prepareFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            do {
                if try isFinished(path, grid: grid, shard: shard) {
                    AtomicFile.keepFolders(created)
                    StandardStreams.writeError("physgrad sweep: \(path) is a finished shard of this sweep; skipping it (--force recomputes)\n")
                    return
                }
            } catch {
                AtomicFile.removeFolders(created)
                throw error
            }
        }

        let points = Array(grid.points[range])
        let progress = Progress(total: points.count, enabled: isatty(2) == 1)
        let workers = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        let rows = await grid.run(points, jobs: workers) { progress.update($0) }
        progress.finish()
        let text = grid.text(of: rows, shard: shard, format: format)
        guard let path = output else {
            try emit(text)
            return
        }
        let data = Data(text.utf8)
        let record = SweepRecord(grid: grid, shard: shard, format: format, data: data,
                                 assignedBy: assignment.reason.map { "shard \(shard) \($0)" }
                                     ?? (shard == .whole ? "the whole grid" : "shard \(shard) from --shard"),
                                 host: AtomicFile.host, jobs: workers, seconds: rows.map { $0.seconds ?? 0 })
        do {
            try AtomicFile.writeGroup([(path, data), (SweepRecord.path(for: path), Data(record.json.utf8))])
        } catch {
            AtomicFile.removeFolders(created)
            throw error
        }
        AtomicFile.keepFolders(created)
    }

    /// Whether `path` is a finished shard to skip. Throws when it, or its side file, holds
    /// something else that only --force may replace; says on stderr why a file that holds the
    /// shard's rows is recomputed (its side file is missing or does not describe it).
    func isFinished(_ path: String, grid: SweepGrid, shard: Shard) throws(OutputError) -> Bool {
        let sidePath = SweepRecord.path(for: path)
        let side: Result<SweepRecord, InputError>? = try AtomicFile.existingContents(of: sidePath).map { data in
            Result { () throws(InputError) in try SweepRecord(parsing: data) }
        }
        let existing = try AtomicFile.existingContents(of: path)
        let state = existing.map { grid.checkShard(String(decoding: $0, as: UTF8.self), shard: shard, format: format) }
        if force { return false }
        if case .other(let why)? = state {
            throw OutputError(path: path, reason: "it exists and is not a finished shard \(shard) of this sweep (\(why)); --force replaces it")
        }
        if case .failure(let why)? = side {
            throw OutputError(path: sidePath, reason: "it exists and is not a sweep side file (\(why.message)); --force replaces it")
        }
        guard state == .finished, let existing else { return false }
        guard case .success(let record)? = side else {
            StandardStreams.writeError("physgrad sweep: \(path) holds this shard's rows but has no side file \(sidePath); recomputing both\n")
            return false
        }
        guard record.grid == grid, record.shard == shard, record.format == format, record.describes(existing) else {
            StandardStreams.writeError("physgrad sweep: \(path) holds this shard's rows but its side file \(sidePath) describes another file; recomputing both\n")
            return false
        }
        return true
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
