import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import PhysGradPlot

/// Parses `svg` as XML and returns the element names in document order (nil if not well-formed).
private func elements(of svg: String) -> [(name: String, attributes: [String: String])]? {
    final class Collector: NSObject, XMLParserDelegate {
        var found: [(String, [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            found.append((name, attributes))
        }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    guard parser.parse() else { return nil }
    return collector.found.map { (name: $0.0, attributes: $0.1) }
}

private func chapterLikeFigure() -> Figure {
    // The chapter's GD and PG trajectories (first points), and the target cross.
    var fig = Figure(title: "x space", xLabel: "x0", yLabel: "x1")
    fig.series.append(Series(name: "GD", points: [(3, 3), (2.94, 1.92), (2.8812, 1.6368846)], color: .tab10Blue))
    fig.series.append(Series(name: "PG", points: [(3, 3), (2.1, 2.5099802), (1.47, 2.1)], color: .tab10Red))
    fig.series.append(Series(name: nil, points: [(0, 0)], color: .black, marker: .cross))
    return fig
}

@Suite("SVG rendering")
struct PlotTests {
    @Test("output is well-formed XML with an svg root, frame, ticks, labels and legend")
    func wellFormed() throws {
        let out = SVGRenderer().render(chapterLikeFigure())
        let els = try #require(elements(of: out.svg))
        #expect(els.first?.name == "svg")
        #expect(els.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(out.svg.contains(">x0</text>") && out.svg.contains(">x1</text>") && out.svg.contains(">x space</text>"))
        // 3 GD + 3 PG circles in the data, 2 more in the legend; the target is a path.
        #expect(els.filter { $0.name == "circle" }.count == 8)
        #expect(els.filter { $0.name == "circle" && $0.attributes["fill"] == "#1F77B4" }.count == 4)
        #expect(els.filter { $0.name == "circle" && $0.attributes["fill"] == "#D62728" }.count == 4)
        #expect(out.svg.contains(">GD</text>") && out.svg.contains(">PG</text>"))
        #expect(out.omittedPoints == 0)
        #expect(!out.svg.contains("nan") && !out.svg.contains("inf"))
    }

    @Test("the same figure gives the same bytes")
    func deterministic() {
        let a = SVGRenderer().render(chapterLikeFigure()).svg
        let b = SVGRenderer().render(chapterLikeFigure()).svg
        #expect(a == b)
        var other = chapterLikeFigure()
        other.series[0].y[1] += 0.1
        #expect(SVGRenderer().render(other).svg != a)
    }

    @Test("non-finite points and non-positive values on a log axis are left out and counted")
    func omitted() throws {
        var fig = Figure(title: "loss", xLabel: "step", yLabel: "L", yScale: .log10)
        fig.series.append(Series(name: "GD", x: [0, 1, 2, 3, 4], y: [90, .nan, 0, -1, 1e-3], color: .tab10Blue,
                                 marker: .circle, line: true))
        let out = SVGRenderer().render(fig)
        #expect(out.omittedPoints == 3)
        let els = try #require(elements(of: out.svg))
        #expect(els.filter { $0.name == "circle" }.count == 2 + 1)  // two points and the legend glyph
        #expect(!out.svg.lowercased().contains("nan"))
        #expect(out.svg.contains("<polyline"))
    }

    @Test("XML special characters in text are escaped")
    func escaping() throws {
        var fig = chapterLikeFigure()
        fig.title = "a < b & \"c\""
        fig.series[0].name = "<GD>"
        let out = SVGRenderer().render(fig)
        #expect(elements(of: out.svg) != nil)
        #expect(out.svg.contains("a &lt; b &amp; &quot;c&quot;"))
    }

    @Test("huge finite values (a diverging run) render with scientific tick labels, no crash")
    func hugeValues() throws {
        var fig = Figure(xLabel: "x0", yLabel: "x1")
        fig.series.append(Series(name: "GD", points: [(3, 3), (-1e150, 2e200), (1e300, -1e301)], color: .tab10Blue))
        let out = SVGRenderer().render(fig)
        #expect(elements(of: out.svg) != nil)
        #expect(out.omittedPoints == 0)
        #expect(out.svg.contains("e+"))
        var log = Figure(yScale: .log10)
        log.series.append(Series(name: "L", x: [0, 1, 2], y: [90, 1e200, 1e308], color: .black, line: true))
        #expect(elements(of: SVGRenderer().render(log).svg) != nil)
    }

    /// The centres of the circles of `svg` (the data markers, when the legend is hidden).
    private func circleCentres(_ svg: String) throws -> [(x: Double, y: Double)] {
        let els = try #require(elements(of: svg))
        return els.filter { $0.name == "circle" }.map { (Double($0.attributes["cx"]!)!, Double($0.attributes["cy"]!)!) }
    }

    @Test("a log axis whose 5% margin passes 1e308 (a loss that reached 1e301) still spaces its points by log10 and has ticks")
    func logAxisNearOverflow() throws {
        // GD diverging on the seed problem: the loss rises by decades until it stops being finite.
        let losses = [90, 1e10, 1e40, 1e100, 1e301]
        var fig = Figure(title: "loss", xLabel: "step", yLabel: "L", yScale: .log10, legend: .hidden)
        fig.series.append(Series(name: "GD", x: [0, 1, 2, 3, 4], y: losses, color: .tab10Blue, marker: .circle, line: true))
        let out = SVGRenderer().render(fig)
        #expect(out.omittedPoints == 0)
        let points = try circleCentres(out.svg)
        try #require(points.count == losses.count)
        // On a log axis the pixel height is an affine function of log10(L): equal slopes between
        // consecutive points (to the 0.01-pixel rounding of the coordinates), and higher is larger.
        let logs = losses.map { Foundation.log10($0) }
        let slopes = (1..<logs.count).map { (points[$0].y - points[$0 - 1].y) / (logs[$0] - logs[$0 - 1]) }
        for s in slopes {
            #expect(s < 0, "a larger loss is drawn higher")
            #expect(abs(s - slopes.last!) <= 0.02 / 8, "slope \(s) against \(slopes.last!)")
        }
        // The points span most of the plot's height (34 ... 350 below the title), and the axis has labels.
        #expect(points.last!.y >= 34 && points.first!.y <= 350 && points.first!.y - points.last!.y > 250)
        #expect(out.svg.contains("10<tspan"), "labelled decades on the y axis")
        #expect(!out.svg.contains("309<"), "no tick at 10^309 = inf")
    }

    @Test("a linear axis whose width with its margins passes the largest Double renders in proportion, without trapping")
    func linearAxisNearOverflow() throws {
        // Coordinates of an oscillating divergence: -0.85e308 ... 0.85e308 differ by more than
        // 1.7e308, and by more than Double.greatestFiniteMagnitude once 5% margins are added.
        let xs = [-0.85e308, -0.425e308, 0, 0.425e308, 0.85e308]
        var fig = Figure(xLabel: "x0", yLabel: "x1", legend: .hidden)
        fig.series.append(Series(name: "GD", x: xs, y: xs.reversed(), color: .tab10Blue))
        let out = SVGRenderer().render(fig)
        #expect(out.omittedPoints == 0)
        #expect(elements(of: out.svg) != nil)
        let points = try circleCentres(out.svg)
        try #require(points.count == xs.count)
        // Equally spaced data, equally spaced pixels, centred: the middle point is the middle of
        // the plot area (x 62 ... 386, y 14 ... 350), the outer ones 1/1.1 of the half-width out.
        for k in 1..<xs.count {
            #expect(abs((points[k].x - points[k - 1].x) - 324 / 1.1 / 4) <= 0.02)
            #expect(abs((points[k].y - points[k - 1].y) - 336 / 1.1 / 4) <= 0.02)
        }
        #expect(abs(points[2].x - 224) <= 0.01 && abs(points[2].y - 182) <= 0.01)
        #expect(out.svg.contains("e+307</text>"), "tick labels at multiples of 10^307")
    }

    @Test("a single point at the smallest subnormal Double is drawn inside the plot area")
    func subnormalSinglePoint() throws {
        var fig = Figure(legend: .hidden)
        fig.series.append(Series(name: "p", points: [(Double.leastNonzeroMagnitude, 1)], color: .black))
        let points = try circleCentres(SVGRenderer().render(fig).svg)
        try #require(points.count == 1)
        #expect(points[0].x > 62 && points[0].x < 386, "inside the plot's x range, got \(points[0].x)")
    }

    @Test("an empty figure and a single point still render")
    func degenerate() {
        #expect(elements(of: SVGRenderer().render(Figure()).svg) != nil)
        var one = Figure()
        one.series.append(Series(name: "p", points: [(2, 2)], color: .black))
        #expect(elements(of: SVGRenderer().render(one).svg) != nil)
    }

    @Test("a width or height that is NaN, infinite or beyond Int's range renders without trapping")
    func oddSizes() {
        for size in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 0] {
            var fig = chapterLikeFigure()
            fig.width = size
            #expect(elements(of: SVGRenderer().render(fig).svg) != nil, "width \(size)")
            fig = chapterLikeFigure()
            fig.height = size
            #expect(elements(of: SVGRenderer().render(fig).svg) != nil, "height \(size)")
        }
    }

    @Test("legend goes to the corner with fewest points")
    func legendCorner() {
        // Points crowd the upper right, so the legend must not be drawn there.
        var fig = Figure(xLabel: "x", yLabel: "y")
        var points: [(Double, Double)] = [(0, 0)]
        for k in 0..<20 {
            let v = 9 + Double(k) * 0.05
            points.append((v, v))
        }
        fig.series.append(Series(name: "A", points: points, color: .tab10Blue))
        let svg = SVGRenderer().render(fig).svg
        // The legend rect sits at the left (x = plot.x0 + 8 = 70).
        #expect(svg.contains(#"<g class="legend">"#))
        #expect(svg.contains(#"<rect x="70.00""#))
    }
}

@Suite("Axis ticks")
struct TickTests {
    @Test("linear ticks land on nice values with just enough decimals")
    func linear() {
        #expect(TickGenerator.linear(-0.15...3.15, target: 9).map(\.label) == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        #expect(TickGenerator.linear(0...10, target: 5).map(\.label) == ["0", "2", "4", "6", "8", "10"])
        #expect(TickGenerator.linear(0...1, target: 4).map(\.label) == ["0.00", "0.25", "0.50", "0.75", "1.00"])
        #expect(TickGenerator.linear(-1e-9...1e-9, target: 4).map(\.value).count >= 3)
        #expect(TickGenerator.linear(-3...(-1), target: 4).map(\.label) == ["-3.0", "-2.5", "-2.0", "-1.5", "-1.0"])
        #expect(TickGenerator.linear(1...1).isEmpty)
        #expect(TickGenerator.linear(0...Double.infinity).isEmpty)
    }

    @Test("log ticks: labelled decades, unlabelled minor ticks")
    func log() {
        let t = TickGenerator.log10(1e-4...100)
        #expect(t.filter(\.isMajor).map(\.label) == ["10^-4", "10^-3", "10^-2", "10^-1", "10^0", "10^1", "10^2"])
        #expect(t.filter { !$0.isMajor }.count == 6 * 8)
        // Less than two decades inside: 2x and 5x are labelled too.
        #expect(TickGenerator.log10(1.5...40).filter(\.isMajor).map(\.label) == ["2x10^0", "5x10^0", "10^1", "2x10^1"])
        #expect(TickGenerator.log10(0...10).isEmpty)
    }

    @Test("ticks given by the figure replace the generated ones; those off the axis are left out")
    func givenTicks() {
        var fig = Figure(xLabel: "n", yLabel: "t", xScale: .log10, yScale: .log10)
        fig.series = [Series(name: "a", x: [4, 64], y: [1, 10], color: .tab10Blue)]
        fig.xTicks = [Tick(value: 4, label: "4"), Tick(value: 16, label: "16"), Tick(value: 64, label: "64"), Tick(value: 1e6, label: "1000000")]
        let svg = SVGRenderer().render(fig).svg
        for label in [">4</text>", ">16</text>", ">64</text>"] { #expect(svg.contains(label), "\(label)") }
        #expect(!svg.contains(">1000000<"))
        #expect(svg.components(separatedBy: "text-anchor=\"middle\">").count - 1 == 3, "three x tick labels")
        #expect(svg.contains("10<tspan"), "the y axis keeps its generated decades")
    }

    @Test("log ticks over hundreds of decades: every k-th decade labelled, k in 2, 5, 10, 20, 50, ...")
    func manyDecades() {
        // Up to the limit, the same ticks as without one.
        #expect(TickGenerator.log10(1e-4...100, maximumLabels: 7) == TickGenerator.log10(1e-4...100))
        // 1e-16 ... 1e217: 234 decades, at most 9 labels: every 50th, ticks every 10th.
        let t = TickGenerator.log10(1e-16...1e217, maximumLabels: 9)
        #expect(t.filter(\.isMajor).map(\.label) == ["10^0", "10^50", "10^100", "10^150", "10^200"])
        #expect(t.filter { !$0.isMajor }.map(\.value) == [-10.0, 10, 20, 30, 40, 60, 70, 80, 90, 110, 120, 130, 140, 160, 170, 180, 190, 210].map { pow(10, $0) })
        // 12 decades, at most 9 labels: every 2nd, every decade ticked.
        let u = TickGenerator.log10(1e-6...1e5, maximumLabels: 9)
        #expect(u.filter(\.isMajor).map(\.label) == ["10^-6", "10^-4", "10^-2", "10^0", "10^2", "10^4"])
        #expect(u.count == 12)
    }

    @Test("linear ticks over a range wider than the largest Double, or with a huge target, do not trap")
    func linearExtremes() {
        // hi - lo = 1.8e308 overflows; the ticks are still nice values inside the range.
        let wide = TickGenerator.linear(-0.9e308...0.9e308, target: 8)
        #expect(!wide.isEmpty)
        #expect(wide.allSatisfy { $0.value.isFinite && $0.value >= -0.9e308 && $0.value <= 0.9e308 })
        #expect(wide.contains { $0.value == 0 })
        let gaps = Set(zip(wide.dropFirst(), wide).map { $0.value - $1.value })
        #expect(gaps.count == 1, "evenly spaced: \(gaps)")
        // (hi - lo) / target underflows to 0 (hi is about 1e-320, a subnormal): nothing sensible to mark, and no trap.
        #expect(TickGenerator.linear(0...(Double.leastNonzeroMagnitude * 2024), target: 1_000_000).allSatisfy { $0.value.isFinite })
        #expect(TickGenerator.linear(-Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude, target: 1).allSatisfy { $0.value.isFinite })
    }

    @Test("linear ticks of a range a few ulps wide are distinct and increasing (no labels printed over each other)")
    func linearTicksWithinUlps() {
        // A run that stalled: its losses differ in the last bits only.
        for (lo, hi) in [(90.0, 90.00000000000003), (2.8554851261243734e-190, 2.8554851261243754e-190), (-1e300, -1e300.nextDown.nextDown.nextDown)] {
            let (a, b) = (min(lo, hi), max(lo, hi))
            for target in [1, 6, 13, 20] {
                let t = TickGenerator.linear(a...b, target: target)
                #expect(zip(t, t.dropFirst()).allSatisfy { $0.value < $1.value }, "\(a)...\(b), \(target): \(t.map(\.label))")
                #expect(Set(t.map(\.label)).count == t.count, "\(a)...\(b), \(target): \(t.map(\.label))")
                #expect(t.count <= target + 1)
                // Labels are numbers a reader can take in: the tick's value, in at most 24 characters
                // (not 190 zeros after the point).
                #expect(t.allSatisfy { $0.label.count <= 24 && Double($0.label) == $0.value }, "\(t.map(\.label))")
            }
        }
        // Through the renderer: two losses one ulp apart on a linear axis.
        var fig = Figure(xLabel: "step", yLabel: "L")
        fig.series.append(Series(name: "GD", x: [0, 1, 2], y: [90, 90.00000000000001, 90], color: .tab10Blue))
        let svg = SVGRenderer().render(fig).svg
        let labels = svg.components(separatedBy: #"text-anchor="end">"#).dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(!labels.isEmpty && Set(labels).count == labels.count, "\(labels)")
    }

    @Test("log ticks of a range ending at the largest Double stop at 10^308")
    func logTicksAtTheTop() {
        let t = TickGenerator.log10(1e300...Double.greatestFiniteMagnitude)
        #expect(t.allSatisfy { $0.value.isFinite })
        #expect(t.filter(\.isMajor).last?.label == "10^308")
    }

    @Test("colors print and parse as #RRGGBB")
    func colors() {
        #expect(Color.tab10Blue.description == "#1F77B4")
        #expect(Color(hex: "#FF7F0E") == .tab10Orange)
        #expect(Color(hex: "D62728") == .tab10Red)
        #expect(Color(hex: "#12345") == nil && Color(hex: "#GGGGGG") == nil)
        #expect(Color.black.description == "#000000")
    }
}
