import Foundation
import PhysGrad
import PhysGradPlot

/// The results of one `physgrad inversion` run, and everything written from them: the document
/// (inversion.json, schema in docs/inversion-schema.md), the table and the per-step figures as
/// CSV (mae-by-dimension.csv, mae-by-step.csv), the figures (mae-by-step.svg,
/// mae-by-dimension.svg) and the text.
///
/// One `InversionStudyResult` per problem and dimension, all with the same numerical inverses
/// (the variants) and number of steps.
public struct InversionReport: Sendable {
    /// The document's schema identifier.
    public static let schema = "physgrad-inversion/1"

    /// The studies, in the order they ran (problem, then dimension).
    public var studies: [InversionStudyResult]
    /// The variants' names, in column order.
    public var variants: [String]
    /// Steps asked for per run.
    public var steps: Int
    /// The step size given for every problem (`--eta`); `nil`: each problem's own.
    public var eta: Double?

    /// A report of these studies.
    public init(studies: [InversionStudyResult], variants: [String], steps: Int, eta: Double?) {
        self.studies = studies
        self.variants = variants
        self.steps = steps
        self.eta = eta
    }

    /// Runs `study` on every problem, in order.
    /// - Throws: ``InputError`` for what the study refuses (the command checks it before).
    public static func run(_ study: InversionStudy, on problems: [InverseProblem]) throws(InputError) -> InversionReport {
        var results: [InversionStudyResult] = []
        for p in problems {
            do {
                results.append(try study.run(on: p))
            } catch {
                throw InputError("\(label(p.name, p.dimension)): " + ErrorText.describe(error))
            }
        }
        return InversionReport(studies: results, variants: study.variants.map(\.name), steps: study.steps, eta: study.eta)
    }

    /// "seed" for the chapter's problem, else "powers(100)".
    public static func label(_ problem: String, _ n: Int) -> String { problem == "seed" ? "seed" : "\(problem)(\(n))" }

    /// The memory the command keeps for its results and files besides what each study needs
    /// (`InversionStudy.estimatedBytes(dimension:)`): about 1.2 KB per run and step (records,
    /// their CSV and JSON text).
    public static func estimatedBytes(studies: Int, steps: Int, variants: Int) -> Double {
        Double(studies) * (Double(steps) + 1) * Double(variants + 1) * 1200
    }

    // MARK: inversion.json

    static func inverseJSON(_ r: InverseSolveReport?) -> JSONValue {
        guard let r else { return .null }
        return .object([
            ("iterations", .int(r.iterations)), ("evaluations", .int(r.evaluations)), ("termination", .string(r.termination)),
            ("converged", .bool(r.converged)), ("requested", .number(r.requested)), ("residual", .number(r.residual)),
            ("stopped_short", .bool(r.stoppedShort)),
        ])
    }

    static func optionsJSON(_ inverse: NumericalInverse?) -> JSONValue {
        guard let inverse else { return .null }
        let o = inverse.options
        return .object([
            ("gradient", .string(inverse.gradient == .exact ? "exact" : "finite-differences")),
            ("factr", .number(o.factr)), ("pgtol", .number(o.pgtol)), ("maxcor", .int(o.maxcor)),
            ("maxiter", .int(o.maxiter)), ("maxfun", .int(o.maxfun)), ("maxls", .int(o.maxls)), ("eps", .number(o.eps)),
            ("bounds", .bool(inverse.useProblemBounds)),
        ])
    }

    static func runFields(_ run: InversionRun) -> [(String, JSONValue)] {
        let r = run.result
        return [
            ("inverse", optionsJSON(run.inverse)),
            ("steps_taken", .int(r.steps)),
            ("final_loss", .number(r.loss)),
            ("inner_iterations", .int(run.innerIterations)),
            ("inner_evaluations", .int(run.innerEvaluations)),
            ("inner_stopped_short", .int(run.innerSolvesStoppedShort)),
            ("termination", .object([
                ("code", .string(r.termination.code)), ("description", .string(r.description)), ("success", .bool(r.isSuccess)),
            ])),
        ]
    }

    /// The document (see docs/inversion-schema.md).
    public var json: JSONValue {
        let items: [JSONValue] = studies.map { s in
            var reference = [("name", JSONValue.string(s.reference.name))] + InversionReport.runFields(s.reference)
            reference.append(("per_step", .array(s.reference.steps.map { step in
                .object([("step", .int(step.step)), ("loss", .number(step.loss)), ("inverse", InversionReport.inverseJSON(step.inverse))])
            })))
            let variants: [JSONValue] = s.comparisons.map { c in
                var fields: [(String, JSONValue)] = [
                    ("name", .string(c.variant.name)), ("is_reference", .bool(c.isReference)),
                    ("mae", .number(c.meanAbsoluteError)), ("max_error", .number(c.maximumError)),
                    ("compared_steps", .int(c.comparedSteps)), ("success", .bool(s.isSuccess(c))),
                ]
                fields += InversionReport.runFields(c.run)
                fields.append(("per_step", .array(c.steps.map { step in
                    .object([
                        ("step", .int(step.step)), ("mae", .number(step.meanAbsoluteError)),
                        ("max_error", .number(step.maximumError)), ("loss", .number(step.loss)),
                        ("reference_loss", .number(step.referenceLoss)), ("inverse", InversionReport.inverseJSON(step.inverse)),
                    ])
                })))
                return .object(fields)
            }
            return .object([
                ("problem", .string(s.problem)), ("dimension", .int(s.dimension)), ("eta", .number(s.eta)),
                ("success", .bool(s.isSuccess)), ("reference", .object(reference)), ("variants", .array(variants)),
            ])
        }
        return .object([
            ("schema", .string(InversionReport.schema)),
            ("steps", .int(steps)),
            ("eta", .optional(eta)),
            ("acceptance", .string("fixed")),
            ("variants", .array(variants.map { .string($0) })),
            ("studies", .array(items)),
        ])
    }

    // MARK: CSV

    static let tableHeader = ["problem", "dimension", "eta", "reference", "variant", "mae", "max_error", "compared_steps",
                              "final_loss", "reference_final_loss", "inner_iterations", "inner_evaluations",
                              "inner_stopped_short", "termination", "reference_termination", "success"]

    /// The table, one row per problem, dimension and variant (mae-by-dimension.csv).
    public var tableCSV: String {
        var lines = [InversionReport.tableHeader.joined(separator: ",")]
        for s in studies {
            for c in s.comparisons {
                let r = c.run.result
                lines.append([
                    s.problem, String(s.dimension), RunReport.csvNumber(s.eta), s.reference.name, c.variant.name,
                    RunReport.csvNumber(c.meanAbsoluteError), RunReport.csvNumber(c.maximumError), String(c.comparedSteps),
                    RunReport.csvNumber(r.loss), RunReport.csvNumber(s.reference.result.loss), String(c.run.innerIterations),
                    String(c.run.innerEvaluations), String(c.run.innerSolvesStoppedShort), r.termination.code,
                    s.reference.result.termination.code, String(s.isSuccess(c)),
                ].map(InversionReport.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let stepsHeader = ["problem", "dimension", "eta", "variant", "step", "mae", "max_error", "loss", "reference_loss",
                              "inner_iterations", "inner_evaluations", "inner_termination", "inner_converged",
                              "inner_requested", "inner_residual", "inner_stopped_short"]

    /// Every step of every variant (mae-by-step.csv); the inner-solve columns are empty at step 0.
    public var stepsCSV: String {
        var lines = [InversionReport.stepsHeader.joined(separator: ",")]
        for s in studies {
            for c in s.comparisons {
                for step in c.steps {
                    var cells = [s.problem, String(s.dimension), RunReport.csvNumber(s.eta), c.variant.name, String(step.step),
                                 RunReport.csvNumber(step.meanAbsoluteError), RunReport.csvNumber(step.maximumError),
                                 RunReport.csvNumber(step.loss), RunReport.csvNumber(step.referenceLoss)]
                    if let i = step.inverse {
                        cells += [String(i.iterations), String(i.evaluations), i.termination, String(i.converged),
                                  RunReport.csvNumber(i.requested), RunReport.csvNumber(i.residual), String(i.stoppedShort)]
                    } else {
                        cells += ["", "", "", "", "", "", ""]
                    }
                    lines.append(cells.map(InversionReport.csvField).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: figures

    static let markers: [Marker] = [.circle, .square, .star, .plus, .cross]

    /// The comparisons drawn: every variant that is not the reference itself.
    var drawn: [(study: InversionStudyResult, comparison: InversionComparison)] {
        studies.flatMap { s in s.comparisons.filter { !$0.isReference }.map { (s, $0) } }
    }

    var referenceNames: String {
        let names = studies.map(\.reference.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return names.joined(separator: " / ")
    }

    /// A legend entry without points: a marker (`line: false`) or a colored line.
    static func key(_ name: String, color: Color, marker: Marker, line: Bool) -> Series {
        Series(name: name, x: [], y: [], color: color, marker: marker, line: line, markerSize: 6)
    }

    /// Distinct values in first-seen order.
    static func distinct(_ values: [String]) -> [String] {
        values.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The MAE between each variant's iterates and the reference's, per step, log scale: one
    /// line per variant and problem dimension, colored by problem and dimension, marked by
    /// variant (the legend lists the two separately). Step 0 (the shared start, error 0) is left out.
    public var stepFigure: Figure {
        var fig = Figure(title: "MAE per step against the \(referenceNames) inverse", xLabel: "step", yLabel: "MAE",
                         width: 720, height: 640, yScale: .log10)
        let shown = drawn
        let labels = InversionReport.distinct(shown.map { InversionReport.label($0.study.problem, $0.study.dimension) })
        let names = InversionReport.distinct(shown.map(\.comparison.variant.name))
        for (s, c) in shown {
            let color = Color.tab10[(labels.firstIndex(of: InversionReport.label(s.problem, s.dimension)) ?? 0) % Color.tab10.count]
            let marker = InversionReport.markers[(names.firstIndex(of: c.variant.name) ?? 0) % InversionReport.markers.count]
            let points = c.steps.dropFirst()
            fig.series.append(Series(name: nil, x: points.map { Double($0.step) }, y: points.map(\.meanAbsoluteError),
                                     color: color, marker: marker, line: true, markerSize: 6))
        }
        for (i, name) in names.enumerated() {
            fig.series.append(InversionReport.key(name, color: .black, marker: InversionReport.markers[i % InversionReport.markers.count], line: false))
        }
        for (i, label) in labels.enumerated() {
            fig.series.append(InversionReport.key(label, color: Color.tab10[i % Color.tab10.count], marker: .none, line: true))
        }
        return fig
    }

    /// The overall MAE (the chapter's) against the dimension n, both log scale: one line per
    /// problem and variant, colored by variant, marked by problem.
    public var dimensionFigure: Figure {
        var fig = Figure(title: "MAE against the \(referenceNames) inverse, by dimension", xLabel: "n", yLabel: "MAE",
                         width: 640, height: 440, xScale: .log10, yScale: .log10)
        let shown = drawn
        let problems = InversionReport.distinct(shown.map(\.study.problem))
        let names = InversionReport.distinct(shown.map(\.comparison.variant.name))
        for problem in problems {
            for (v, name) in names.enumerated() {
                let points = shown.filter { $0.study.problem == problem && $0.comparison.variant.name == name }
                    .map { (Double($0.study.dimension), $0.comparison.meanAbsoluteError) }.sorted { $0.0 < $1.0 }
                guard !points.isEmpty else { continue }
                let p = problems.firstIndex(of: problem) ?? 0
                fig.series.append(Series(name: nil, points: points, color: Color.tab10[v % Color.tab10.count],
                                         marker: InversionReport.markers[p % InversionReport.markers.count], line: true, markerSize: 7))
            }
        }
        for (v, name) in names.enumerated() {
            fig.series.append(InversionReport.key(name, color: Color.tab10[v % Color.tab10.count], marker: .none, line: true))
        }
        for (p, problem) in problems.enumerated() {
            fig.series.append(InversionReport.key(problem, color: .black, marker: InversionReport.markers[p % InversionReport.markers.count],
                                                  line: false))
        }
        return fig
    }

    /// Raises the top of `figure`'s logarithmic y-axis so that its legend (upper left) sits above
    /// every point: the legend takes `18 k + 8` pixels for k entries (PhysGradPlot's layout), and
    /// the data keep the rest of the plot's height.
    static func withLegendRoom(_ figure: Figure) -> Figure {
        var fig = figure
        let ys = fig.series.flatMap(\.y).filter { $0.isFinite && $0 > 0 }
        guard let low = ys.min(), let high = ys.max() else { return fig }
        let entries = Double(fig.series.filter { $0.name?.isEmpty == false }.count)
        let plotHeight = fig.height - (fig.title.isEmpty ? 14 : 34) - 50
        let share = Swift.min(0.8, (18 * entries + 8 + 24) / plotHeight)
        let lo = log10(low), hi = log10(high)
        let span = Swift.max(hi - lo, 1)
        let margin = 0.05 * span
        let extra = share * (span + 2 * margin) / (1 - share)
        fig.yRange = pow(10, lo - margin)...pow(10, hi + margin + extra)
        fig.legend = .upperLeft
        return fig
    }

    /// The names of the figures ``files(plots:)`` writes.
    public static let figureNames = ["mae-by-step.svg", "mae-by-dimension.svg"]

    /// The files of a run: name -> contents.
    public func files(plots: Bool) -> [(name: String, contents: String)] {
        var out: [(String, String)] = []
        if plots {
            let renderer = SVGRenderer()
            for (name, figure) in zip(InversionReport.figureNames, [stepFigure, dimensionFigure]) {
                out.append((name, renderer.render(InversionReport.withLegendRoom(figure)).svg))
            }
        }
        out.append(("mae-by-step.csv", stepsCSV))
        out.append(("mae-by-dimension.csv", tableCSV))
        out.append(("inversion.json", json.pretty() + "\n"))
        return out
    }

    // MARK: text

    /// Three significant digits: 0.3, 35.9, 5.60e-04 (exponent form below 0.01 and from 1e5 on).
    static func short(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        if v == 0 { return "0" }
        let m = Swift.abs(v)
        return String(format: m < 1e-2 || m >= 1e5 ? "%.2e" : "%.3g", v)
    }

    static func table(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { row in
            row.enumerated().map { i, c in i == row.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 2) }
                .joined().trimmingTrailingSpaces()
        }
    }

    /// The text: the table of MAEs (one row per problem and dimension, one column per variant),
    /// then each run's details, then notes on runs that were no success.
    public var textLines: [String] {
        var out: [String] = []
        let etaText = eta.map { "eta = \(InversionReport.short($0))" } ?? "each problem's PG step size"
        out.append("Analytic against approximate inversion: PG with numerical inverses against the reference,")
        out.append("\(steps) fixed steps from the problem's start, \(etaText).")
        out.append("MAE: the mean of |x~_k,i - x_k,i| over every iterate k = 0...\(steps) and coordinate i (the chapter's).")
        out.append("")
        var rows = [["problem", "eta", "reference"] + variants.map { "MAE \($0)" }]
        var marked = false
        for s in studies {
            var row = [InversionReport.label(s.problem, s.dimension), InversionReport.short(s.eta),
                       s.reference.name + (s.reference.result.isSuccess ? "" : " *")]
            for name in variants {
                guard let c = s.comparison(named: name) else {
                    row.append("-")
                    continue
                }
                if c.isReference {
                    row.append("(reference)")
                    continue
                }
                // Over x₀ alone the MAE is 0 by construction: nothing was compared.
                var cell = c.comparedSteps == 0 ? "-" : InversionReport.short(c.meanAbsoluteError)
                if !s.isSuccess(c) {
                    cell += " *"
                    marked = true
                }
                row.append(cell)
            }
            rows.append(row)
        }
        out += InversionReport.table(rows)
        if marked || studies.contains(where: { !$0.reference.result.isSuccess }) {
            out.append("* the run, or the reference it is compared with, was no success: see the notes below")
        }
        out.append("")

        var details = [["problem", "run", "max error", "final loss", "inner its", "inner evals", "stopped short", "seconds",
                        "termination"]]
        for s in studies {
            let label = InversionReport.label(s.problem, s.dimension)
            let ref = s.reference
            details.append([label, "\(ref.name) (reference)", "-", InversionReport.short(ref.result.loss), String(ref.innerIterations),
                            String(ref.innerEvaluations), String(ref.innerSolvesStoppedShort),
                            String(format: "%.2f", ref.result.seconds), ref.result.termination.code])
            for c in s.comparisons where !c.isReference {
                let r = c.run.result
                details.append([label, c.variant.name, InversionReport.short(c.maximumError), InversionReport.short(r.loss),
                                String(c.run.innerIterations), String(c.run.innerEvaluations),
                                String(c.run.innerSolvesStoppedShort), String(format: "%.2f", r.seconds), r.termination.code])
            }
        }
        out += InversionReport.table(details)

        var notes: [String] = []
        for s in studies {
            let label = InversionReport.label(s.problem, s.dimension)
            for run in [s.reference] + s.comparisons.filter({ !$0.isReference }).map(\.run) where !run.result.isSuccess {
                var codes: [String: Int] = [:]
                var largest = 0.0
                for step in run.steps {
                    if let i = step.inverse, i.stoppedShort {
                        codes[i.termination, default: 0] += 1
                        largest = max(largest, i.requested)
                    }
                }
                let why = codes.isEmpty ? "" : " (stopped short: " + codes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: ", ") + "; requested moves |y(x) - y'| up to \(InversionReport.short(largest)))"
                notes.append("\(label) \(run.name): \(run.result.description)\(why)")
            }
        }
        if !notes.isEmpty {
            out.append("")
            out.append("Notes:")
            out += notes.map { "  " + $0 }
        }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
