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
        part-8.csv' is byte for byte the unsharded output. An existing --output
        file is a finished shard (files are written atomically) and is skipped,
        so rerunning a sweep redoes only the missing parts; --force recomputes.

        GRID ORDER: problem, dimension, method, eta, start. Without --etas each
        method uses its default step size on the problem; without --starts the
        problem's start. A point that cannot run (pg on burgers, an odd
        dimension for powers) is a row with status "error" and a message.

        COLUMNS: index, problem, dimension, method, eta, start, steps, status,
        steps_taken, final_loss, distance_to_solution,
        diagonal_length_first_update, f, gradient, hessian, model,
        inverse_solves, inverse_evaluations, termination, message. JSON Lines
        have the same keys, the counts grouped under "counts".

        Runs use all cores (--jobs to change); a progress bar goes to stderr
        when stderr is a terminal.
        """
    )

    @Option(help: "Comma-separated problems: seed, powers, blur, burgers.")
    var problems: String = "seed"

    @Option(help: "Comma-separated dimensions (default: each problem's).")
    var dimensions: String?

    @Option(help: "Comma-separated methods.")
    var methods: String = "gd,newton,pg"

    @Option(help: "Comma-separated step sizes, each used for every method (default: each method's own).")
    var etas: String?

    @Option(parsing: .unconditional, help: "Comma-separated start values, each used for every coordinate (default: the problem's start).")
    var starts: String?

    @Option(help: "Steps per run.")
    var steps: String = "10"

    @Option(help: "finite-differences or exact, for pg-numerical.")
    var inverseGradient: String = "finite-differences"

    @Option(help: "csv or jsonl.")
    var format: String = "csv"

    @Option(help: "Run only part i of N of the grid (1 <= i <= N).")
    var shard: String?

    @Option(help: "Write the results to this file (atomically) instead of stdout.")
    var output: String?

    @Flag(help: "Recompute even if --output exists.")
    var force = false

    @Option(help: "Parallel runs (default: the number of cores).")
    var jobs: String?

    func run() async throws {
        var problemList: [ProblemName] = []
        for p in problems.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = ProblemName(rawValue: String(p).lowercased()) else {
                throw InputError("--problems: unknown problem '\(p)' (known: \(ProblemName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !problemList.contains(v) { problemList.append(v) }
        }
        let grid = SweepGrid(
            problems: problemList,
            dimensions: try dimensions.map { d throws(InputError) in try Inputs.integers(d, option: "--dimensions") },
            methods: try Inputs.methods(methods),
            stepSizes: try etas.map { e throws(InputError) in
                let v = try Inputs.numbers(e, option: "--etas")
                if let bad = v.first(where: { $0 <= 0 }) { throw InputError("--etas: step sizes must be positive, got \(bad)") }
                return v
            },
            starts: try starts.map { s throws(InputError) in try Inputs.numbers(s, option: "--starts") },
            steps: try Inputs.integer(steps, option: "--steps", minimum: 0),
            inverseGradient: try {
                guard let g = InverseGradient(rawValue: inverseGradient.lowercased()) else {
                    throw InputError("--inverse-gradient: unknown value '\(inverseGradient)' (known: finite-differences, exact)")
                }
                return g
            }())
        guard format == "csv" || format == "jsonl" else { throw InputError("--format: unknown format '\(format)' (known: csv, jsonl)") }
        let (shardIndex, shardCount) = try shard.map { s throws(InputError) in try Inputs.shard(s) } ?? (1, 1)
        let workers = try jobs.map { j throws(InputError) in try Inputs.integer(j, option: "--jobs") }
            ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

        if let path = output {
            if FileManager.default.fileExists(atPath: path) && !force {
                printError("physgrad sweep: \(path) exists (a finished shard); skipping it (--force recomputes)")
                return
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try AtomicFile.prepareFolder(folder)
        }

        let all = grid.points
        let range = SweepGrid.shardRange(total: all.count, index: shardIndex, count: shardCount)
        let points = Array(all[range])
        let made = grid.makeProblems()
        let progress = Progress(total: points.count, enabled: isatty(2) == 1)

        var rows = [SweepGrid.Row?](repeating: nil, count: points.count)
        await withTaskGroup(of: (Int, SweepGrid.Row).self) { group in
            var next = 0
            func add() {
                let k = next
                let point = points[k]
                let problem = made[SweepGrid.ProblemKey(problem: point.problem, dimension: point.dimension)]!
                group.addTask { (k, grid.evaluate(point, problem: problem)) }
                next += 1
            }
            while next < points.count && next < workers { add() }
            var done = 0
            for await (k, row) in group {
                rows[k] = row
                done += 1
                progress.update(done)
                if next < points.count { add() }
            }
        }
        progress.finish()

        var text = (format == "csv" && shardIndex == 1) ? SweepGrid.csvHeader : ""
        for row in rows {
            text += format == "csv" ? SweepGrid.csvLine(row!) : SweepGrid.jsonLine(row!)
        }
        if let path = output {
            try AtomicFile.write(text, to: path)
        } else {
            emit(text)
        }
    }
}

/// A one-line progress bar on stderr (only when stderr is a terminal).
struct Progress {
    let total: Int
    let enabled: Bool

    func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\rsweep [\(bar)] \(done)/\(total)".utf8))
    }

    func finish() {
        guard enabled, total > 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
