import ArgumentParser
import Foundation
import PhysGradPlot
import PhysGradReport

/// `physgrad sweep merge`: the shards of one sweep, checked and put back together.
struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Check that files are all the shards of one sweep and write the unsharded output.",
        discussion: """
        EXAMPLES:
          physgrad sweep merge part-*.csv --output sweep.csv
          physgrad sweep merge results/part-* --output sweep.csv --plots plots

        Each PART is a file written by 'physgrad sweep --output PART', with its
        side file PART.sweep.json (naming a side file stands for its part;
        one named beside its part is left out). merge checks that each part is
        the file its side file describes (size and checksum), that all parts
        come from the same grid, format and number of shards N, and that every
        shard 1..N is there exactly once, in any order of the arguments; then
        it writes the shards' rows in shard order: byte for byte what the
        unsharded sweep writes. A set with a shard missing or given twice is
        refused with the shards it lacks or repeats, and nothing is written.

        --output FILE gets the merged rows and FILE.sweep.json its side file
        (the grid, shard 1/1, every row's wall time, where each part ran);
        with --plots DIR, the figures of 'physgrad sweep plot' go to DIR, all
        in one atomic group. An existing FILE that is not this sweep's merged
        output (or a side file that is not one) is refused unless --force.

        LIMITS: at most 1,000,000 parts. The parts are read into memory and
        the merged file is made there: the peak is about 4 times the parts'
        size (1,000,000 rows in 120 MB of CSV: 465 MB and 17 s).

        Exit status: 0 when merged, 64 for a mistake in the options, 65 when
        the parts do not make one complete sweep, 66 when a part or its side
        file cannot be read, 73 when an output cannot be created or replaced,
        74 when writing fails.
        """
    )

    @Argument(help: ArgumentHelp("The shards' files (each with its side file PART.sweep.json), in any order.", valueName: "part"))
    var parts: [String]

    @Option(help: ArgumentHelp("The merged file (its side file FILE.sweep.json is written beside it).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Also write the sweep's figures into this folder (created if needed).", valueName: "dir"))
    var plots: String?

    @Flag(help: "Replace --output even if it holds something other than this sweep's merged output.")
    var force = false

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output: the file name is empty") }
        if plots?.isEmpty == true { throw ValidationError("--plots: the folder name is empty") }
        if parts.count > Limits.maximumShards { throw ValidationError("more than \(Limits.maximumShards) parts") }
    }

    /// The data files named by `arguments`: a side file stands for its part, and is left out when
    /// its part is named too.
    static func partPaths(_ arguments: [String]) -> [String] {
        let data = arguments.filter { !$0.hasSuffix(SweepRecord.suffix) }
        let resolved = Set(data.map(AtomicFile.resolvedPath))
        let fromSide = arguments.filter { $0.hasSuffix(SweepRecord.suffix) }.map { String($0.dropLast(SweepRecord.suffix.count)) }
            .filter { !resolved.contains(AtomicFile.resolvedPath($0)) }
        var seen = Set<String>()
        return data + fromSide.filter { seen.insert(AtomicFile.resolvedPath($0)).inserted }
    }

    func run() throws {
        var parts: [SweepPart] = []
        for path in Self.partPaths(self.parts) { parts.append(try SweepPart(reading: path)) }
        let (data, record) = try SweepMerge.merge(parts, host: AtomicFile.host)
        let side = SweepRecord.path(for: output)
        for p in parts where AtomicFile.sameFile(p.path, output) || AtomicFile.sameFile(SweepRecord.path(for: p.path), output)
            || AtomicFile.sameFile(p.path, side) {
            throw InputError("--output \(output) is one of the parts (\(p.path)) or their side files; merge into a new file")
        }
        var files: [(path: String, contents: Data)] = [(output, data), (side, Data(record.json.utf8))]
        var figures: [FigureFile] = []
        var unplotted: [String] = []
        var stale: [String] = []
        if let plots {
            (figures, unplotted) = try SweepPlotCommand.figures(of: data, record: record, name: output)
            stale = SweepPlotCommand.staleFigures(in: plots, keeping: figures.map(\.name))
            files += figures.map { (plots + "/" + $0.name, Data($0.svg.utf8)) }
        }
        var created = try AtomicFile.prepareFolder(URL(fileURLWithPath: output).deletingLastPathComponent().path)
        do {
            if !force { try checkReplaceable(output, side: side, grid: record.grid, format: record.format) }
            if let plots { created += try AtomicFile.prepareFolder(plots) }
            try AtomicFile.writeGroup(files, removing: stale)
        } catch {
            AtomicFile.removeFolders(created)
            throw error
        }
        AtomicFile.keepFolders(created)
        let rows = record.grid.pointCount
        var lines = ["Merged \(parts.count) \(parts.count == 1 ? "shard" : "shards") of grid \(record.grid.fingerprint) (\(rows) \(rows == 1 ? "row" : "rows")) into \(output), side file \(side)"]
        if let plots { lines += SweepPlotCommand.report(figures, unplotted: unplotted, folder: plots, removed: stale) }
        try emit(lines.joined(separator: "\n") + "\n")
    }

    /// Refuses to replace `path` unless it is absent, empty or this grid's merged output, and its
    /// side file unless it is absent or a sweep side file.
    func checkReplaceable(_ path: String, side: String, grid: SweepGrid, format: SweepFormat) throws(OutputError) {
        if let existing = try AtomicFile.existingContents(of: path) {
            switch grid.checkShard(String(decoding: existing, as: UTF8.self), shard: .whole, format: format) {
            case .finished, .empty: break
            case .other(let why):
                throw OutputError(path: path, reason: "it exists and is not the merged output of this sweep (\(why)); --force replaces it")
            }
        }
        if let existing = try AtomicFile.existingContents(of: side) {
            do {
                _ = try SweepRecord(parsing: existing)
            } catch {
                throw OutputError(path: side, reason: "it exists and is not a sweep side file (\(error.message)); --force replaces it")
            }
        }
    }
}

extension SweepDataError: ToolFailure {
    var exitCode: ExitCode { ExitCode(exitStatus) }
}

/// A figure rendered for a file: its name, SVG text, and the points it could not draw.
struct FigureFile {
    var name: String
    var svg: String
    var omitted: Int
}

/// `physgrad sweep plot`: the figures of a sweep's output.
struct SweepPlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a sweep's results: final loss against step size and dimension, time against dimension.",
        discussion: """
        EXAMPLES:
          physgrad sweep plot sweep.csv --output plots
          physgrad sweep plot sweep.jsonl --output plots
          physgrad sweep merge part-*.csv --output sweep.csv --plots plots

        FILE is a whole sweep (written by 'physgrad sweep --output FILE' or by
        'sweep merge'), CSV or JSON Lines. Its side file FILE.sweep.json, when
        there, must describe it (size, checksum, rows) and gives the rows'
        wall times; without one there are no time figures. Figures, as SVG
        (the look of compare's; scripts/render-png makes PNGs):
          loss-vs-eta-PROBLEM-nN.svg    final loss against step size, per
                                        method: a line through the median
                                        over the start values; lbfgsb, lm
                                        and lm-minpack (no step size) a
                                        horizontal line
          loss-vs-dimension-PROBLEM.svg final loss against n, per method, at
                                        the step size with the lowest median
          time-vs-dimension-PROBLEM.svg median wall time of one run against
                                        n, per method
        Runs that ended without success ("failed") are marked by a black
        cross at their own loss; rows that could not run ("error") are left
        out. A zero or non-finite loss cannot be drawn on a log axis: the
        report on stdout counts such points per figure.

        The figures are written as one group into --output (created if
        needed); figures of an earlier plot in the folder that this sweep
        does not draw are removed, so that the folder shows one sweep. FILE
        is read into memory: the peak is about 8 times its size (1,000,000
        rows in 120 MB of CSV: 930 MB and 19 s).

        Exit status: 0 when drawn, 64 for a mistake in the options, 65 when
        FILE is not a sweep's output (or not what its side file describes),
        66 when it cannot be read, 73 when the folder cannot be written, 74
        when writing fails.
        """
    )

    @Argument(help: ArgumentHelp("The sweep's output: CSV with its header, or JSON Lines.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The folder for the figures (created if needed).", valueName: "dir"))
    var output: String

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output: the folder name is empty") }
    }

    func run() throws {
        let data = try SweepPart.read(file)
        var record: SweepRecord?
        var notes: [String] = []
        if let r = try SweepPart.record(for: file) {
            record = try SweepPart(path: file, data: data, record: r).record
        } else {
            notes.append("\(file) has no side file \(SweepRecord.path(for: file)): no wall times, so no time-vs-dimension figures")
        }
        if let record, record.shard != .whole {
            notes.append("\(file) is shard \(record.shard) of its grid: the figures show that part only (merge the shards first)")
        }
        let (figures, unplotted) = try Self.figures(of: data, record: record, name: file)
        let stale = Self.staleFigures(in: output, keeping: figures.map(\.name))
        let created = try AtomicFile.prepareFolder(output)
        do {
            try AtomicFile.writeGroup(figures.map { (output + "/" + $0.name, Data($0.svg.utf8)) }, removing: stale)
        } catch {
            AtomicFile.removeFolders(created)
            throw error
        }
        AtomicFile.keepFolders(created)
        for n in notes { StandardStreams.writeError("physgrad sweep plot: \(n)\n") }
        try emit(Self.report(figures, unplotted: unplotted, folder: output, removed: stale).joined(separator: "\n") + "\n")
    }

    /// The figures of a sweep's output `data`; with its side file's `record` (already checked
    /// against `data`) the rows get their wall times.
    static func figures(of data: Data, record: SweepRecord?, name: String) throws(SweepDataError) -> (files: [FigureFile], unplotted: [String]) {
        let text = String(decoding: data, as: UTF8.self)
        let format = record?.format ?? (text.hasPrefix("{") ? .jsonl : .csv)
        let table = try SweepTable(parsing: text, format: format, seconds: record?.seconds, name: name)
        let renderer = SVGRenderer()
        let files = SweepFigures.figures(of: table).map { f in
            let out = renderer.render(f.figure)
            return FigureFile(name: f.name, svg: out.svg, omitted: out.omittedPoints)
        }
        return (files, SweepFigures.unplotted(table))
    }

    /// Figures of an earlier plot in `folder` (regular files with a sweep figure's name) that
    /// are not among `keeping`.
    static func staleFigures(in folder: String, keeping: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { SweepFigures.isFigureName($0) && !keeping.contains($0) && isRegularFile(folder + "/" + $0) }.sorted()
            .map { folder + "/" + $0 }
    }

    /// What was written, one line per figure (with the points it could not draw).
    static func report(_ figures: [FigureFile], unplotted: [String], folder: String, removed: [String]) -> [String] {
        var lines = ["Wrote \(figures.count) \(figures.count == 1 ? "figure" : "figures") to \(folder)/:"]
        for f in figures {
            lines.append("  " + f.name + (f.omitted > 0 ? " (\(f.omitted) \(f.omitted == 1 ? "point" : "points") with a zero or non-finite value not drawn)" : ""))
        }
        if !unplotted.isEmpty {
            lines.append("No figure for \(unplotted.joined(separator: "; ")): none of its points could run (status error)")
        }
        if !removed.isEmpty {
            lines.append("Removed \(removed.count) \(removed.count == 1 ? "figure" : "figures") of an earlier plot: \(removed.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))")
        }
        return lines
    }
}
