import PhysGradPlot

/// The figures of a sweep (`physgrad sweep plot`, `physgrad sweep merge --plots`), drawn as
/// `compare`'s are (`SVGRenderer`, 400 × 400, each method in its color, lines with markers):
///
/// - `loss-vs-eta-PROBLEM-nN.svg`, one per problem and dimension: the final loss against the step
///   size (both log scales), a line per method through the median over the start values at each
///   step size. A method without a step size (L-BFGS-B, Levenberg-Marquardt) is a horizontal
///   line at its median loss across the step sizes shown.
/// - `loss-vs-dimension-PROBLEM.svg`: the final loss against n, per method; at each n the step
///   size whose median loss (over the starts) is lowest.
/// - `time-vs-dimension-PROBLEM.svg` (when the rows' wall times are known, from the side file):
///   the median wall time of one run against n, per method, over its step sizes and starts.
///
/// Only runs that ran count ("ok" and "failed" rows; "error" rows could not run). Each run that
/// ran without success ("failed") is also marked by a black cross at its own loss, so that a low
/// point on a line is never mistaken for a success. A non-finite loss counts as +∞ in a median;
/// points at ±∞ (or 0 on a log axis) cannot be drawn, and `SVGRenderer` counts them. The n axis is logarithmic when the largest n
/// is at least ten times the smallest.
public enum SweepFigures {
    /// The start of every figure name (``SweepFigures`` writes nothing else).
    public static let namePrefixes = ["loss-vs-eta-", "loss-vs-dimension-", "time-vs-dimension-"]

    /// `true` for a file name that a sweep plot writes.
    public static func isFigureName(_ name: String) -> Bool {
        name.hasSuffix(".svg") && namePrefixes.contains { name.hasPrefix($0) }
    }

    /// The figures of `table`, by file name, in a fixed order (problems as in the grid; per
    /// problem the step-size figures by dimension, then loss and time against dimension). A
    /// problem or dimension none of whose points could run has no figure (``unplotted(_:)``).
    public static func figures(of table: SweepTable) -> [(name: String, figure: Figure)] {
        var out: [(String, Figure)] = []
        for p in problems(table) {
            let rows = table.entries.filter { $0.problem == p && $0.ran }
            guard !rows.isEmpty else { continue }
            for n in Set(rows.map(\.dimension)).sorted() {
                out.append(("loss-vs-eta-\(p.rawValue)-n\(n).svg", lossAgainstStepSize(p, n, rows.filter { $0.dimension == n })))
            }
            out.append(("loss-vs-dimension-\(p.rawValue).svg", lossAgainstDimension(p, rows)))
            if rows.contains(where: { $0.seconds != nil }) {
                out.append(("time-vs-dimension-\(p.rawValue).svg", timeAgainstDimension(p, rows)))
            }
        }
        return out
    }

    /// The problems and dimensions of `table` that have no figure because none of their points
    /// could run ("error" rows only), e.g. "seed n = 4, 8".
    public static func unplotted(_ table: SweepTable) -> [String] {
        problems(table).compactMap { p in
            let rows = table.entries.filter { $0.problem == p }
            let ran = Set(rows.filter(\.ran).map(\.dimension))
            let missing = Set(rows.map(\.dimension)).subtracting(ran).sorted()
            return missing.isEmpty ? nil : "\(p.rawValue) n = " + missing.map(String.init).joined(separator: ", ")
        }
    }

    static func problems(_ table: SweepTable) -> [ProblemName] {
        var out: [ProblemName] = []
        for e in table.entries where !out.contains(e.problem) { out.append(e.problem) }
        return out
    }

    /// The median of `values`, a NaN counted as +∞ (a loss that stopped being a number diverged),
    /// so that runs that blew up pull the median up rather than vanish; `nil` for no values. An
    /// infinite median cannot be drawn and is counted among the points left out.
    static func median(_ values: [Double]) -> Double? {
        let v = values.map { $0.isNaN ? Double.infinity : $0 }.sorted()
        guard !v.isEmpty else { return nil }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// The methods of `rows` in the registry's order.
    static func methods(_ rows: [SweepTable.Entry]) -> [MethodName] { Set(rows.map(\.method)).sorted() }

    static func startNote(_ rows: [SweepTable.Entry]) -> String {
        let starts = Set(rows.map(\.start)).count
        return starts > 1 ? "median of \(starts) starts" : ""
    }

    static func title(_ base: String, _ notes: [String]) -> String {
        ([base] + notes.filter { !$0.isEmpty }).joined(separator: ", ")
    }

    static func failedSeries(_ points: [(Double, Double)]) -> [Series] {
        points.isEmpty ? [] : [Series(name: "failed run", points: points, color: .black, marker: .cross, markerSize: 8)]
    }

    static func line(_ m: MethodName, _ points: [(Double, Double)], name: String? = nil) -> Series {
        Series(name: name ?? m.label, points: points, color: m.color, marker: .circle, line: true, lineWidth: 1.5, markerSize: 5)
    }

    static func lossAgainstStepSize(_ p: ProblemName, _ n: Int, _ rows: [SweepTable.Entry]) -> Figure {
        var fig = Figure(title: title("\(p.rawValue), n = \(n)", [startNote(rows)]), xLabel: "step size η",
                         yLabel: "final loss", xScale: .log10, yScale: .log10)
        let ran = rows.filter(\.ran)
        let etas = ran.filter { $0.method.takesStepSize }.compactMap(\.eta)
        var failed: [(Double, Double)] = []
        for m in methods(ran) {
            let mine = ran.filter { $0.method == m }
            if m.takesStepSize {
                let groups = Dictionary(grouping: mine.filter { $0.eta != nil }, by: { $0.eta! })
                let points = groups.keys.sorted().compactMap { eta in median(groups[eta]!.compactMap(\.loss)).map { (eta, $0) } }
                fig.series.append(line(m, points))
                failed += mine.filter { $0.status == "failed" }.compactMap { r in r.eta.flatMap { eta in r.loss.map { (eta, $0) } } }
            } else if let y = median(mine.compactMap(\.loss)), let lo = etas.min(), let hi = etas.max() {
                let (a, b) = lo < hi ? (lo, hi) : (lo / 3, hi * 3)
                fig.series.append(Series(name: "\(m.label) (no step size)", x: [a, b], y: [y, y], color: m.color, marker: .none,
                                         line: true, lineWidth: 1.5))
            }
        }
        fig.series += failedSeries(failed)
        return fig
    }

    /// Ticks labelled with the dimensions themselves, when there are few enough to read.
    static func dimensionTicks(_ rows: [SweepTable.Entry]) -> [Tick]? {
        let dims = Set(rows.map(\.dimension)).sorted()
        return dims.count <= 8 ? dims.map { Tick(value: Double($0), label: String($0)) } : nil
    }

    static func dimensionScale(_ rows: [SweepTable.Entry]) -> AxisScale {
        let dims = rows.map(\.dimension)
        guard let lo = dims.min(), let hi = dims.max() else { return .linear }
        return hi >= 10 * lo ? .log10 : .linear
    }

    static func lossAgainstDimension(_ p: ProblemName, _ rows: [SweepTable.Entry]) -> Figure {
        let ran = rows.filter(\.ran)
        let severalEtas = Dictionary(grouping: ran, by: { "\($0.method.rawValue) \($0.dimension)" }).values
            .contains { Set($0.compactMap(\.eta)).count > 1 }
        var fig = Figure(title: title(p.rawValue, [severalEtas ? "best η per n" : "", startNote(rows)]),
                         xLabel: "dimension n", yLabel: "final loss", xScale: dimensionScale(rows), yScale: .log10)
        fig.xTicks = dimensionTicks(rows)
        var failed: [(Double, Double)] = []
        for m in methods(ran) {
            var points: [(Double, Double)] = []
            for n in Set(ran.filter { $0.method == m }.map(\.dimension)).sorted() {
                let mine = ran.filter { $0.method == m && $0.dimension == n }
                // Rows without a step size form one group (key -1: step sizes are positive).
                let groups = Dictionary(grouping: mine, by: { $0.eta ?? -1 })
                let candidates = groups.keys.sorted().compactMap { eta in median(groups[eta]!.compactMap(\.loss)).map { (eta, $0) } }
                guard let best = candidates.min(by: { $0.1 < $1.1 }) else { continue }
                points.append((Double(n), best.1))
                failed += groups[best.0]!.filter { $0.status == "failed" }.compactMap { r in r.loss.map { (Double(n), $0) } }
            }
            fig.series.append(line(m, points))
        }
        fig.series += failedSeries(failed)
        return fig
    }

    static func timeAgainstDimension(_ p: ProblemName, _ rows: [SweepTable.Entry]) -> Figure {
        let ran = rows.filter { $0.ran && $0.seconds != nil }
        let perPoint = Dictionary(grouping: ran, by: { "\($0.method.rawValue) \($0.dimension)" }).values.map(\.count).max() ?? 1
        var fig = Figure(title: title(p.rawValue + ": wall time per run", [perPoint > 1 ? "median" : ""]),
                         xLabel: "dimension n", yLabel: "seconds per run", xScale: dimensionScale(rows), yScale: .log10)
        fig.xTicks = dimensionTicks(rows)
        for m in methods(ran) {
            let mine = ran.filter { $0.method == m }
            let points = Set(mine.map(\.dimension)).sorted().compactMap { n in
                median(mine.filter { $0.dimension == n }.compactMap(\.seconds)).map { (Double(n), $0) }
            }
            fig.series.append(line(m, points))
        }
        return fig
    }
}
