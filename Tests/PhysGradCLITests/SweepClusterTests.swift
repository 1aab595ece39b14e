import Foundation
import PhysGradPlot
import PhysGradReport
import PhysGradToolTestSupport
import Testing

/// Issue 15: sweeps beyond one machine. The shard a batch engine's variables pick equals the
/// one --shard names; merge puts shards given in any order back into the unsharded file, byte for
/// byte, and refuses an incomplete or repeated set; plot draws the results.
@Suite("physgrad sweep on a batch engine: shards from Slurm and Kubernetes, merge, plot")
struct SweepClusterTests {
    /// 2 problems x 2 dimensions x (3 methods x 2 etas + lbfgsb) x 2 starts = 56 points, with
    /// error rows (seed has no n = 4) and failed rows (GD diverges at 0.3 from 3).
    static let grid = ["sweep", "--problems", "seed,powers", "--dimensions", "2,4", "--methods", "gd,newton,pg,lbfgsb",
                       "--etas", "0.01,0.3", "--starts", "1,3", "--steps", "5"]

    static func slurm(id: Int, min: Int, max: Int, step: Int, count: Int) -> [String: String] {
        ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_MAX": "\(max)",
         "SLURM_ARRAY_TASK_STEP": "\(step)", "SLURM_ARRAY_TASK_COUNT": "\(count)"]
    }

    func data(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    @Test("a Slurm array task runs the shard --shard names: ids from 0, and ids from 1 in steps of 2")
    func slurmArray() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for i in 0..<4 {
            let byOption = try physgrad(Self.grid + ["--shard", "\(i + 1)/4", "--output", "shard-\(i + 1).csv"], in: folder)
            #expect(byOption.status == 0 && byOption.stderr.isEmpty, "\(byOption)")
            // --array=0-3
            let a = try physgrad(Self.grid + ["--output", "part-\(i).csv"], in: folder,
                                 environment: Self.slurm(id: i, min: 0, max: 3, step: 1, count: 4))
            #expect(a.status == 0, "\(a)")
            #expect(a.stderrLines.count == 1 && a.stderr.hasPrefix("physgrad sweep: running shard \(i + 1)/4 from the Slurm job array: task id \(i) is task \(i + 1) of 4"), "\(a.stderr)")
            // --array=1-7:2
            let b = try physgrad(Self.grid + ["--output", "stepped-\(2 * i + 1).csv"], in: folder,
                                 environment: Self.slurm(id: 2 * i + 1, min: 1, max: 7, step: 2, count: 4))
            #expect(b.status == 0 && b.stderr.contains("running shard \(i + 1)/4"), "\(b)")
            let expected = try data(folder.appendingPathComponent("shard-\(i + 1).csv"))
            #expect(try data(folder.appendingPathComponent("part-\(i).csv")) == expected, "task \(i)")
            #expect(try data(folder.appendingPathComponent("stepped-\(2 * i + 1).csv")) == expected, "task id \(2 * i + 1)")
            // The side files record the same shard of the same grid; only who chose it differs.
            let side = try json(read(folder.appendingPathComponent("part-\(i).csv.sweep.json")))
            let optionSide = try json(read(folder.appendingPathComponent("shard-\(i + 1).csv.sweep.json")))
            #expect((side["shard"] as? [String: Int]) == ["index": i + 1, "count": 4])
            #expect(side["grid"] as? String == optionSide["grid"] as? String && side["fnv1a64"] as? String == optionSide["fnv1a64"] as? String)
            #expect((side["assigned_by"] as? String)?.contains("Slurm job array") == true)
            #expect(optionSide["assigned_by"] as? String == "shard \(i + 1)/4 from --shard")
        }
    }

    @Test("a Kubernetes index runs shard index+1 of --shards N or PHYSGRAD_SHARDS; --shard wins over both engines")
    func kubernetesIndex() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for i in 0..<3 {
            let byOption = try physgrad(Self.grid + ["--shard", "\(i + 1)/3"], in: folder)
            let flag = try physgrad(Self.grid + ["--shards", "3"], in: folder, environment: ["JOB_COMPLETION_INDEX": "\(i)"])
            let variable = try physgrad(Self.grid, in: folder, environment: ["JOB_COMPLETION_INDEX": "\(i)", "PHYSGRAD_SHARDS": "3"])
            #expect(flag.status == 0 && variable.status == 0, "\(flag) \(variable)")
            #expect(!byOption.stdout.isEmpty && flag.stdout == byOption.stdout && variable.stdout == byOption.stdout, "index \(i)")
            #expect(flag.stderr == "physgrad sweep: running shard \(i + 1)/3 from the Kubernetes Indexed Job: JOB_COMPLETION_INDEX=\(i) of 3 shards (--shards 3); \(Self.pointsNote(i + 1, of: 3, total: 56))\n")
            #expect(variable.stderr.contains("(PHYSGRAD_SHARDS=3)"))
        }
        // --shard always wins, and says what it overrode.
        let wins = try physgrad(Self.grid + ["--shard", "2/3"], in: folder,
                                environment: Self.slurm(id: 0, min: 0, max: 3, step: 1, count: 4).merging(["JOB_COMPLETION_INDEX": "x"]) { a, _ in a })
        #expect(wins.status == 0, "\(wins)")
        #expect(wins.stdout == (try physgrad(Self.grid + ["--shard", "2/3"], in: folder)).stdout)
        #expect(wins.stderr.contains("running shard 2/3 from --shard, which wins over SLURM_ARRAY_TASK_ID"), "\(wins.stderr)")
    }

    static func pointsNote(_ i: Int, of n: Int, total: Int) -> String {
        let lo = (i - 1) * total / n, hi = i * total / n
        return "grid points \(lo) to \(hi - 1) of \(total)"
    }

    /// Writes the unsharded file and 4 shards (by Slurm array variables) into `folder`.
    func makeParts(in folder: URL, format: String = "csv") throws {
        let ext = format
        let whole = try physgrad(Self.grid + ["--format", format, "--output", "whole.\(ext)"], in: folder)
        #expect(whole.status == 0, "\(whole)")
        for i in 0..<4 {
            let r = try physgrad(Self.grid + ["--format", format, "--output", "part-\(i).\(ext)"], in: folder,
                                 environment: Self.slurm(id: i, min: 0, max: 3, step: 1, count: 4))
            #expect(r.status == 0, "\(r)")
        }
    }

    @Test("merge: the parts in any order make the unsharded file byte for byte (CSV and JSON Lines)", arguments: ["csv", "jsonl"])
    func mergeAnyOrder(format: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try makeParts(in: folder, format: format)
        let whole = try data(folder.appendingPathComponent("whole.\(format)"))
        let orders = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]
        for (k, order) in orders.enumerated() {
            let parts = order.map { "part-\($0).\(format)" }
            let r = try physgrad(["sweep", "merge"] + parts + ["--output", "merged-\(k).\(format)"], in: folder)
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.hasPrefix("Merged 4 shards of grid "), "\(r.stdout)")
            #expect(try data(folder.appendingPathComponent("merged-\(k).\(format)")) == whole, "order \(order)")
            let side = try json(read(folder.appendingPathComponent("merged-\(k).\(format).sweep.json")))
            #expect((side["shard"] as? [String: Int]) == ["index": 1, "count": 1])
            #expect((side["seconds"] as? [Any])?.count == 56)
            #expect((side["merged_from"] as? [Any])?.count == 4)
        }
        // The merged file is a finished whole sweep: rerunning the unsharded sweep into it skips it.
        let rerun = try physgrad(Self.grid + ["--format", format, "--output", "merged-0.\(format)"], in: folder)
        #expect(rerun.status == 0 && rerun.stderr.contains("is a finished shard of this sweep; skipping it"), "\(rerun)")
        // Side files named beside their parts (a shell glob catches both) are left out.
        let glob = try physgrad(["sweep", "merge"] + (try contents(of: folder)).filter { $0.hasPrefix("part-") } + ["--output", "glob.\(format)"], in: folder)
        #expect(glob.status == 0, "\(glob)")
        #expect(try data(folder.appendingPathComponent("glob.\(format)")) == whole)
    }

    @Test("merge refuses an incomplete, repeated or mixed set, naming what is wrong, and writes nothing")
    func mergeRefusals() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try makeParts(in: folder)
        func refused(_ arguments: [String], _ status: Int32, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try physgrad(["sweep", "merge"] + arguments + ["--output", "out.csv"], in: folder)
            #expect(r.status == status, "\(r)", sourceLocation: sourceLocation)
            #expect(r.stderrLines.count == 1 && r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.csv").path), sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.csv.sweep.json").path), sourceLocation: sourceLocation)
        }
        try refused(["part-3.csv", "part-0.csv", "part-1.csv"], 65, "incomplete: shard 3 of 4 is missing (14 of the grid's 56 points)")
        try refused(["part-0.csv", "part-3.csv"], 65, "incomplete: shards 2-3 of 4 are missing (28 of the grid's 56 points)")
        try refused(["part-0.csv", "part-1.csv", "part-2.csv", "part-3.csv", "part-1.csv"], 65, "shard 2/4 is given twice: part-1.csv and part-1.csv")
        // A copy of a part under another name is the same shard again.
        try FileManager.default.copyItem(at: folder.appendingPathComponent("part-2.csv"), to: folder.appendingPathComponent("copy.csv"))
        try FileManager.default.copyItem(at: folder.appendingPathComponent("part-2.csv.sweep.json"), to: folder.appendingPathComponent("copy.csv.sweep.json"))
        try refused(["part-0.csv", "part-1.csv", "part-2.csv", "part-3.csv", "copy.csv"], 65, "shard 3/4 is given twice: part-2.csv and copy.csv")
        // A part of another grid, and one of the same grid split differently.
        let other = try physgrad(Self.grid + ["--steps", "6", "--shard", "2/4", "--output", "other.csv"], in: folder)
        #expect(other.status == 0)
        try refused(["part-0.csv", "other.csv", "part-2.csv", "part-3.csv"], 65, "part-0.csv and other.csv are parts of different grids")
        let split = try physgrad(Self.grid + ["--shard", "2/5", "--output", "five.csv"], in: folder)
        #expect(split.status == 0)
        try refused(["part-0.csv", "five.csv"], 65, "part-0.csv is shard 1/4 but five.csv is shard 2/5")
        // A part changed after the sweep wrote it; a part without its side file; a missing part.
        try FileManager.default.copyItem(at: folder.appendingPathComponent("part-1.csv"), to: folder.appendingPathComponent("edited.csv"))
        try FileManager.default.copyItem(at: folder.appendingPathComponent("part-1.csv.sweep.json"), to: folder.appendingPathComponent("edited.csv.sweep.json"))
        let edited = folder.appendingPathComponent("edited.csv")
        try Data(try read(edited).replacingOccurrences(of: ",5,", with: ",6,").utf8).write(to: edited)
        try refused(["part-0.csv", "edited.csv", "part-2.csv", "part-3.csv"], 65, "edited.csv is not the file its side file describes")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("part-1.csv"), to: folder.appendingPathComponent("bare.csv"))
        try refused(["part-0.csv", "bare.csv", "part-2.csv", "part-3.csv"], 66, "bare.csv has no side file")
        try refused(["part-0.csv", "gone.csv"], 66, "cannot read part gone.csv: No such file or directory")
        // The output may not be one of the parts.
        let clobber = try physgrad(["sweep", "merge", "part-0.csv", "part-1.csv", "part-2.csv", "part-3.csv", "--output", "part-2.csv"], in: folder)
        #expect(clobber.status == 64 && clobber.stderr.contains("--output part-2.csv is one of the parts"), "\(clobber)")
        // An existing output that is not this sweep's merged file stays unless --force.
        try Data("mine\n".utf8).write(to: folder.appendingPathComponent("keep.csv"))
        let all = ["part-0.csv", "part-1.csv", "part-2.csv", "part-3.csv"]
        let kept = try physgrad(["sweep", "merge"] + all + ["--output", "keep.csv"], in: folder)
        #expect(kept.status == 73 && kept.stderr.contains("it exists and is not the merged output of this sweep"), "\(kept)")
        #expect(try read(folder.appendingPathComponent("keep.csv")) == "mine\n")
        let forced = try physgrad(["sweep", "merge"] + all + ["--output", "keep.csv", "--force"], in: folder)
        #expect(forced.status == 0)
        #expect(try data(folder.appendingPathComponent("keep.csv")) == (try data(folder.appendingPathComponent("whole.csv"))))
    }

    @Test("plot: loss against step size and dimension, time against dimension; crosses for failed runs")
    func plot() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try makeParts(in: folder)
        let merged = try physgrad(["sweep", "merge", "part-2.csv", "part-0.csv", "part-3.csv", "part-1.csv", "--output", "m.csv", "--plots", "figs"], in: folder)
        #expect(merged.status == 0, "\(merged)")
        let names = ["loss-vs-eta-seed-n2.svg", "loss-vs-dimension-seed.svg", "time-vs-dimension-seed.svg", "loss-vs-eta-powers-n2.svg",
                     "loss-vs-eta-powers-n4.svg", "loss-vs-dimension-powers.svg", "time-vs-dimension-powers.svg"]
        #expect(try contents(of: folder.appendingPathComponent("figs")) == names.sorted())
        #expect(merged.stdout.contains("No figure for seed n = 4: none of its points could run"), "\(merged.stdout)")
        // `sweep plot` of the unsharded file draws the same figures but for the wall times.
        let plot = try physgrad(["sweep", "plot", "whole.csv", "--output", "figs2"], in: folder)
        #expect(plot.status == 0 && plot.stderr.isEmpty, "\(plot)")
        for name in names where !name.hasPrefix("time") {
            #expect(try read(folder.appendingPathComponent("figs/\(name)")) == (try read(folder.appendingPathComponent("figs2/\(name)"))), "\(name)")
        }
        // JSON Lines give the same figures as CSV.
        #expect(try physgrad(Self.grid + ["--format", "jsonl", "--output", "whole.jsonl"], in: folder).status == 0)
        #expect(try physgrad(["sweep", "plot", "whole.jsonl", "--output", "figs-jsonl"], in: folder).status == 0)
        for name in names where !name.hasPrefix("time") {
            #expect(try read(folder.appendingPathComponent("figs/\(name)")) == (try read(folder.appendingPathComponent("figs-jsonl/\(name)"))), "\(name)")
        }
        let eta = try read(folder.appendingPathComponent("figs/loss-vs-eta-seed-n2.svg"))
        let root = try parseSVG(eta)
        let texts = elements(named: "text", in: root).compactMap(\.stringValue)
        for t in ["seed, n = 2, median of 2 starts", "step size η", "final loss", "GD", "Newton", "PG", "L-BFGS-B (no step size)", "failed run"] {
            #expect(texts.contains(t), "\(t) in \(texts)")
        }
        for color in ["#1F77B4", "#FF7F0E", "#D62728", "#17BECF"] { #expect(eta.contains(color), "\(color)") }
        // GD diverges from 3 with eta 0.3 on the seed problem: its failed run is a cross.
        let failed = try read(folder.appendingPathComponent("whole.csv")).split(separator: "\n").filter { $0.contains(",seed,2,gd,0.3,") && $0.contains(",failed,") }
        #expect(!failed.isEmpty)
        #expect(eta.contains("data-name=\"failed run\""))
        let time = try read(folder.appendingPathComponent("figs/time-vs-dimension-powers.svg"))
        #expect(time.contains("seconds per run") && time.contains("powers: wall time per run, median"))
        // Without a side file: no time figures, said on stderr; figures of the earlier plot that
        // this one does not draw are removed.
        try FileManager.default.copyItem(at: folder.appendingPathComponent("whole.csv"), to: folder.appendingPathComponent("bare.csv"))
        let bare = try physgrad(["sweep", "plot", "bare.csv", "--output", "figs2"], in: folder)
        #expect(bare.status == 0 && bare.stderr.contains("bare.csv has no side file") && bare.stderr.contains("no time-vs-dimension figures"), "\(bare)")
        #expect(bare.stdout.contains("Removed 2 figures of an earlier plot: time-vs-dimension-powers.svg, time-vs-dimension-seed.svg"), "\(bare.stdout)")
        #expect(try contents(of: folder.appendingPathComponent("figs2")) == names.filter { !$0.hasPrefix("time") }.sorted())
        // A shard without the header is not a whole sweep; a JSON Lines shard is drawn as a part.
        let headless = try physgrad(["sweep", "plot", "part-1.csv", "--output", "figs3"], in: folder)
        #expect(headless.status == 65 && headless.stderr.contains("does not start with this version's CSV header"), "\(headless)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("figs3").path))
    }

    /// The figures' points against GD's closed form on powers(n): from x = s everywhere, each
    /// pair (x0, x1) follows x0 <- x0 - 2 eta x0, x1 <- x1 - 4 eta x1^3, and L = (n/2) (x0^2 + x1^4).
    @Test("figures: medians over starts and the best step size, from GD's closed form")
    func figureValues() throws {
        let grid = SweepGrid(problems: [.powers], dimensions: [2, 6], methods: [.gd, .lbfgsb], stepSizes: [0.01, 0.05],
                             starts: [0.5, 1, 2], steps: 5, inverseGradient: .finiteDifferences)
        let rows = grid.points.map { grid.evaluate($0, problem: SweepGrid.makeProblem(.init(problem: $0.problem, dimension: $0.dimension))) }
        let text = grid.text(of: rows, shard: .whole, format: .csv)
        let table = try SweepTable(parsing: text, format: .csv, seconds: rows.indices.map { Double($0 + 1) }, name: "t")
        let figures = Dictionary(uniqueKeysWithValues: SweepFigures.figures(of: table).map { ($0.name, $0.figure) })
        #expect(figures.keys.sorted() == ["loss-vs-dimension-powers.svg", "loss-vs-eta-powers-n2.svg", "loss-vs-eta-powers-n6.svg",
                                          "time-vs-dimension-powers.svg"])
        func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) } }
        for n in [2, 6] {
            let fig = try #require(figures["loss-vs-eta-powers-n\(n).svg"])
            #expect(fig.title == "powers, n = \(n), median of 3 starts")
            let gd = try #require(fig.series.first { $0.name == "GD" })
            #expect(gd.x == [0.01, 0.05])
            // The median of three starts is the middle one: s = 1 (the loss grows with s here).
            let expected = [0.01, 0.05].map { Double(n / 2) * CommandTests.gdLoss(start: 1, eta: $0, steps: 5) }
            #expect(close(gd.y, expected), "\(gd.y) vs \(expected)")
            let lbfgsb = try #require(fig.series.first { $0.name == "L-BFGS-B (no step size)" })
            #expect(lbfgsb.x == [0.01, 0.05] && lbfgsb.y[0] == lbfgsb.y[1] && lbfgsb.marker == .none)
            #expect(!fig.series.contains { $0.name == "failed run" })
        }
        // Against n: the step size with the lowest median, 0.05, at both dimensions.
        let byN = try #require(figures["loss-vs-dimension-powers.svg"])
        #expect(byN.title == "powers, best η per n, median of 3 starts" && byN.xScale == .linear && byN.yScale == .log10)
        let gd = try #require(byN.series.first { $0.name == "GD" })
        #expect(gd.x == [2, 6])
        #expect(close(gd.y, [1.0, 3.0].map { $0 * CommandTests.gdLoss(start: 1, eta: 0.05, steps: 5) }), "\(gd.y)")
        // Time: the median of the rows' times (here their 1-based positions) per method and n.
        let time = try #require(figures["time-vs-dimension-powers.svg"])
        let gdTimes = try #require(time.series.first { $0.name == "GD" })
        // GD's rows are indices 0...5 at n = 2 (2 etas x 3 starts; L-BFGS-B's are 6...8) and 9...14
        // at n = 6: medians of 1...6 and 10...15.
        #expect(gdTimes.y == [3.5, 12.5])
        // A diverged run: the median counts it as +inf and the cross marks it.
        let diverging = SweepGrid(problems: [.seed], dimensions: nil, methods: [.gd], stepSizes: [0.3], starts: [1, 3],
                                  steps: 5, inverseGradient: .finiteDifferences)
        let dRows = diverging.points.map { diverging.evaluate($0, problem: SweepGrid.makeProblem(.init(problem: $0.problem, dimension: $0.dimension))) }
        #expect(dRows.map(\.status) == ["ok", "failed"])
        let dTable = try SweepTable(parsing: diverging.text(of: dRows, shard: .whole, format: .csv), format: .csv, seconds: nil, name: "d")
        let dFig = try #require(SweepFigures.figures(of: dTable).first?.figure)
        let failed = try #require(dFig.series.first { $0.name == "failed run" })
        #expect(failed.x == [0.3] && failed.y == [dRows[1].loss!] && failed.marker == .cross)
        #expect(SweepFigures.figures(of: dTable).count == 2, "no time figure without times")
    }
}
