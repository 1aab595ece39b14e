import PhysGrad
import PhysGradLinearAlgebra
import PhysGradPlot

/// The results of one `physgrad compare` run, and everything written from them: the summary
/// document (summary.json, schema in docs/summary-schema.md), the trajectories table
/// (trajectories.csv), the figures (x-space.svg, y-space.svg, loss.svg) and the text summary.
public struct RunReport: Sendable {
    /// The summary document's schema identifier.
    public static let schema = "physgrad-summary/1"
    /// Vectors longer than this are cut in summary.json (first ``vectorCut`` entries plus
    /// statistics of the whole vector).
    public static let vectorCut = 20

    /// The problem every method ran on.
    public var problem: InverseProblem
    /// The shared start x₀.
    public var start: [Double]
    /// Steps asked for per method.
    public var steps: Int
    /// How numerical inverses got φ's gradient.
    public var inverseGradient: InverseGradient
    /// One per method, in the order of the request.
    public var runs: [MethodRun]
    /// `true` when the run is the chapter's (seed problem, its methods, steps and step sizes):
    /// the figures then show exactly the chapter's points.
    public var isChapter: Bool

    /// A report of these runs.
    public init(problem: InverseProblem, start: [Double], steps: Int, inverseGradient: InverseGradient,
                runs: [MethodRun], isChapter: Bool) {
        self.problem = problem
        self.start = start
        self.steps = steps
        self.inverseGradient = inverseGradient
        self.runs = runs
        self.isChapter = isChapter
    }

    /// Runs `methods` on `problem` and collects the report; `memoryLimit` bounds each method's
    /// work arrays, `timeLimit` each method's seconds (`nil`: none).
    public static func run(
        problem: InverseProblem, methods: [MethodName], stepSizes: [MethodName: Double], start: [Double]?,
        steps: Int, inverseGradient: InverseGradient?, isChapter: Bool = false, memoryLimit: Int = RunOptions().memoryLimit,
        timeLimit: Double? = nil
    ) throws(InputError) -> RunReport {
        let inverseGradient = inverseGradient ?? .standard(for: problem)
        let x0 = start ?? problem.start
        guard x0.count == problem.dimension else {
            throw InputError("--start has \(x0.count) entries, but the problem has dimension \(problem.dimension)")
        }
        var etas: [MethodName: Double?] = [:]
        for m in methods { etas[m] = try MethodRunner.stepSize(m, on: problem, overrides: stepSizes) }
        var runs: [MethodRun] = []
        for m in methods {
            runs.append(try MethodRunner.run(m, on: problem, eta: etas[m]!, start: x0, steps: steps, inverseGradient: inverseGradient,
                                             memoryLimit: memoryLimit, timeLimit: timeLimit))
        }
        return RunReport(problem: problem, start: x0, steps: steps, inverseGradient: inverseGradient, runs: runs, isChapter: isChapter)
    }

    /// The run of `method`, if it ran.
    public func run(_ method: MethodName) -> MethodRun? { runs.first { $0.method == method } }

    /// Mean absolute difference between the PG and PG-numerical trajectories, when both ran
    /// with the same number of steps.
    public var maePGNumerical: Double? {
        guard let a = run(.pg), let b = run(.pgNumerical), a.result.trajectory.x.count == b.result.trajectory.x.count else { return nil }
        return try? Metrics.meanAbsoluteError(a.result.trajectory.x, b.result.trajectory.x)
    }

    // MARK: summary.json

    /// A vector, cut for large n: `{"values": [...], "truncated": bool, "n", "norm2", "min", "max"}`
    /// is used only in the `_stats` companion; the vector itself is the first ``vectorCut`` entries.
    static func vectorFields(_ key: String, _ v: [Double]) -> [(String, JSONValue)] {
        let truncated = v.count > vectorCut
        var fields: [(String, JSONValue)] = [(key, .numbers(Array(v.prefix(vectorCut))))]
        fields.append((key + "_truncated", .bool(truncated)))
        if truncated {
            fields.append((key + "_stats", .object([
                ("n", .int(v.count)), ("norm2", .number(Vector.norm2(v))),
                ("min", .number(v.min() ?? .nan)), ("max", .number(v.max() ?? .nan)),
                ("mean", .number(v.reduce(0, +) / Double(max(v.count, 1)))),
            ])))
        }
        return fields
    }

    /// The summary document (see docs/summary-schema.md).
    public var summary: JSONValue {
        var problemFields: [(String, JSONValue)] = [
            ("name", .string(problem.name)), ("dimension", .int(problem.dimension)),
            ("output_dimension", .int(problem.outputDimension)), ("description", .string(problem.summary)),
        ]
        problemFields += RunReport.vectorFields("start", start)
        if let s = problem.solution { problemFields += RunReport.vectorFields("solution", s) } else {
            problemFields.append(("solution", .null))
        }
        let methods: [JSONValue] = runs.map { r in
            var fields: [(String, JSONValue)] = [
                ("name", .string(r.method.rawValue)),
                ("eta", .optional(r.eta)),
                ("steps", .int(r.result.steps)),
            ]
            fields += RunReport.vectorFields("final_x", r.result.x)
            fields += [
                ("final_loss", .number(r.result.loss)),
                ("distance_to_solution", .optional(r.result.distanceToSolution)),
                ("diagonal_length_first_update", .optional(r.diagonalLength)),
                ("initial_loss", .number(r.result.initialLoss)),
                ("counts", .object([
                    ("f", .int(r.result.counts.losses)), ("gradient", .int(r.result.counts.gradients)),
                    ("hessian", .int(r.result.counts.hessians)), ("model", .int(r.result.counts.models)),
                    ("jacobian", .int(r.result.counts.jacobians)),
                    ("inverse_solves", .int(r.result.counts.inverseSolves)),
                    ("inverse_evaluations", .int(r.result.counts.inverseEvaluations)),
                    ("inverse_iterations", .int(r.result.counts.inverseIterations)),
                ])),
                ("diagnostics", .object([
                    ("rejected_trials", .int(r.result.diagnostics.rejectedTrials)),
                    ("shortened_steps", .int(r.result.diagnostics.shortenedSteps)),
                    ("lu_fallbacks", .int(r.result.diagnostics.luFallbacks)),
                    ("shifted_solves", .int(r.result.diagnostics.shiftedSolves)),
                    ("largest_shift", .number(r.result.diagnostics.largestShift)),
                    ("truncated_solves", .int(r.result.diagnostics.truncatedSolves)),
                    ("inverse_solves_stopped_short", .int(r.result.diagnostics.inverseSolvesStoppedShort)),
                ])),
                ("termination", .object([
                    ("code", .string(r.terminationCode)), ("description", .string(r.terminationDescription)),
                    ("success", .bool(r.success)),
                ])),
            ]
            return .object(fields)
        }
        return .object([
            ("schema", .string(RunReport.schema)),
            ("problem", .object(problemFields)),
            ("steps", .int(steps)),
            ("inverse_gradient", .string(inverseGradient.rawValue)),
            ("chapter", .bool(isChapter)),
            ("methods", .array(methods)),
            ("mae_pg_vs_pg_numerical", .optional(maePGNumerical)),
        ])
    }

    // MARK: trajectories.csv

    /// One row per method and iterate: `method,step,x0..x{n-1},y0..y{k-1},loss`, the iterates
    /// in the order of the runs, numbers with shortest round-trip digits.
    public var trajectoriesCSV: String {
        let n = problem.dimension, k = problem.outputDimension
        var header = ["method", "step"]
        header += (0..<n).map { "x\($0)" }
        header += (0..<k).map { "y\($0)" }
        header.append("loss")
        var lines = [header.joined(separator: ",")]
        for r in runs {
            let t = r.result.trajectory
            for step in 0..<t.x.count {
                var cells = [r.method.rawValue, String(step < t.stepIndices.count ? t.stepIndices[step] : step)]
                cells += t.x[step].map(RunReport.csvNumber)
                cells += (step < t.y.count ? t.y[step] : [Double](repeating: .nan, count: k)).map(RunReport.csvNumber)
                cells.append(RunReport.csvNumber(step < t.loss.count ? t.loss[step] : .nan))
                lines.append(cells.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Shortest round-trip digits; `nan`, `inf`, `-inf` as NumPy and pandas read them.
    public static func csvNumber(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return d.description
    }

    // MARK: figures

    /// Methods drawn in the x- and y-space scatters: every method, except that PG with the
    /// numerical inverse is left out when analytic PG ran too (its points coincide with PG's,
    /// as the chapter notes; its loss curve is in loss.svg).
    var scatterRuns: [MethodRun] {
        runs.filter { !($0.method == .pgNumerical && run(.pg) != nil) }
    }

    var coordinateNote: String { problem.dimension > 2 ? " (first two of \(problem.dimension) coordinates)" : "" }

    /// The x-space scatter: every iterate x₀ ... x_K of each method (its first two coordinates),
    /// and the known solution as a thin black cross, the chapter's colors.
    public var xSpaceFigure: Figure {
        var fig = Figure(title: "x space" + coordinateNote, xLabel: "x0", yLabel: "x1")
        for r in scatterRuns where !r.result.trajectory.x.isEmpty {
            fig.series.append(Series(name: r.method.label, x: r.result.trajectory.x.map { $0[0] },
                                     y: r.result.trajectory.x.map { $0.count > 1 ? $0[1] : 0 }, color: r.method.color))
        }
        if let s = problem.solution {
            fig.series.append(Series(name: nil, x: [s[0]], y: [s.count > 1 ? s[1] : 0], color: .black, marker: .cross, lineWidth: 0.75))
        }
        return fig
    }

    /// The y-space scatter (stars): y(x_k) of each method. For the chapter, its own selection:
    /// y(x₁) ... y(x₉) for GD and Newton, PG's y-space steps y₁ ... y₁₀; otherwise y(x₀) ... y(x_K).
    /// The target (y of the solution) is a black star.
    public var ySpaceFigure: Figure {
        var fig = Figure(title: "y space" + (problem.outputDimension > 2 ? " (first two of \(problem.outputDimension) outputs)" : ""),
                         xLabel: "z0", yLabel: "z1")
        for r in scatterRuns where !r.result.trajectory.y.isEmpty {
            var ys = r.result.trajectory.y
            if isChapter {
                ys = r.method == .pg || r.method == .pgNumerical ? Array(ys.dropFirst()) : Array(ys[1..<min(10, ys.count)])
            }
            fig.series.append(Series(name: r.method.label, x: ys.map { $0[0] }, y: ys.map { $0.count > 1 ? $0[1] : 0 },
                                     color: r.method.color, marker: .star))
        }
        if let s = problem.solution {
            var model = problem.model
            let y = model.value(at: s)
            fig.series.append(Series(name: nil, x: [y[0]], y: [y.count > 1 ? y[1] : 0], color: .black, marker: .star))
        }
        return fig
    }

    /// Loss per step, log scale, every method (lines with markers).
    public var lossFigure: Figure {
        var fig = Figure(title: "loss per step", xLabel: "step", yLabel: "L", yScale: .log10)
        // PG with the numerical inverse goes first, wider, so that analytic PG's curve (on top of
        // it, the two nearly coincide) leaves it visible as a border.
        let ordered = runs.filter { $0.method == .pgNumerical } + runs.filter { $0.method != .pgNumerical }
        for r in ordered where !r.result.trajectory.loss.isEmpty {
            let wide = r.method == .pgNumerical && run(.pg) != nil
            fig.series.append(Series(name: r.method.label, x: r.result.trajectory.loss.indices.map(Double.init), y: r.result.trajectory.loss,
                                     color: r.method.color, marker: .circle, line: true,
                                     lineWidth: wide ? 4.5 : 1.5, markerSize: wide ? 9 : 5))
        }
        return fig
    }

    /// The names of the figures ``files(plots:)`` writes.
    public static let figureNames = ["x-space.svg", "y-space.svg", "loss.svg"]

    /// An estimate of the memory a run of `methods` methods for `steps` steps keeps, in bytes:
    /// per method and iterate, x, the update and y(x) as doubles (`8 (2n + k + 1)` bytes), and
    /// trajectories.csv's text of it (about 25 bytes per number, held as lines and once joined).
    /// Problems' own storage (and dense Hessians, which the library limits) come on top.
    public static func estimatedBytes(dimension n: Int, outputDimension k: Int, methods: Int, steps: Int) -> Double {
        let iterates = Double(methods) * (Double(steps) + 1)
        let numbers = Double(n) + Double(k) + 1
        return iterates * (8 * (numbers + Double(n)) + 2 * 25 * numbers)
    }

    /// The files of a run: name -> contents.
    public func files(plots: Bool) -> [(name: String, contents: String)] {
        var out: [(String, String)] = []
        if plots {
            let renderer = SVGRenderer()
            for (name, figure) in zip(RunReport.figureNames, [xSpaceFigure, ySpaceFigure, lossFigure]) {
                out.append((name, renderer.render(figure).svg))
            }
        }
        out.append(("trajectories.csv", trajectoriesCSV))
        out.append(("summary.json", summary.pretty() + "\n"))
        return out
    }

    // MARK: text

    /// A vector for the text output: NumPy style when it has at most `limit` entries (or at most
    /// 5, the entries a summary shows), else its first three entries, its last two and its norm.
    public static func brief(_ v: [Double], limit: Int = 6) -> String {
        if v.count <= Swift.max(limit, 5) { return NumPyFormat.array(v) }
        // One format for the shown entries, as NumPy's summarized arrays.
        let cells = NumPyFormat.cells(Array(v.prefix(3)) + Array(v.suffix(2)))
        return "[" + cells[0..<3].joined(separator: " ") + " ... " + cells[3...].joined(separator: " ") + "]"
            + " (n = \(v.count), |x| = \(NumPyFormat.fixed(Vector.norm2(v), digits: 6)))"
    }

    /// The text summary of a run that is not the chapter's: the iterates when n = 2 (as the
    /// chapter prints them), then one line per method.
    public var textLines: [String] {
        var out: [String] = []
        out.append("Problem \(problem.name) (n = \(problem.dimension)): \(problem.summary)")
        out.append("Start x = " + RunReport.brief(start) + ", \(steps) steps" +
                   (runs.contains { $0.method == .pgNumerical } ? ", numerical inverse with \(inverseGradient.rawValue)" : ""))
        out.append("")
        if problem.dimension <= 2 {
            for r in runs {
                for (i, x) in r.result.trajectory.x.dropFirst().enumerated() {
                    out.append("\(r.method.label) iter \(i): " + NumPyFormat.array(x))
                }
                out.append("")
            }
        }
        func cell(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
        func num(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "-" }
            return String(format: "%.6g", v)
        }
        out.append(cell("method", 14) + cell("eta", 10) + cell("steps", 7) + cell("loss", 13) + cell("distance", 13)
                   + cell("diagonal", 10) + "termination")
        for r in runs {
            out.append(cell(r.method.rawValue, 14) + cell(num(r.eta), 10) + cell(String(r.result.steps), 7) + cell(num(r.result.loss), 13)
                       + cell(num(r.result.distanceToSolution), 13) + cell(num(r.diagonalLength), 10) + r.terminationDescription)
        }
        out.append("")
        for r in runs {
            out.append("\(r.method.label) final x = " + RunReport.brief(r.result.x))
        }
        if let mae = maePGNumerical {
            out.append("")
            out.append("MAE difference between analytic PG and approximate inversion: \(String(format: "%.3g", mae))")
        }
        return out
    }
}
