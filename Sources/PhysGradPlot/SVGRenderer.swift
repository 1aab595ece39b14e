#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a ``Figure`` to a standalone SVG 1.1 document.
///
/// Output is deterministic (coordinates with two decimals, no dates, no random ids) and valid
/// XML; text is escaped. Points that cannot be drawn (NaN, ±inf, or <= 0 on a log axis) are
/// omitted and counted in ``Output/omittedPoints``.
public struct SVGRenderer: Sendable {
    /// A renderer (it has no settings: a figure carries its own).
    public init() {}

    /// The document and what had to be left out of it.
    public struct Output: Sendable {
        /// The SVG document.
        public var svg: String
        /// Points left out because they were non-finite or not positive on a log axis.
        public var omittedPoints: Int
    }

    /// `figure` as an SVG document: axes with ticks, the series in order, the legend.
    public func render(_ figure: Figure) -> Output {
        var omitted = 0
        // Points that can be drawn, per series, in data coordinates.
        let drawable: [[(Double, Double)]] = figure.series.map { s in
            var pts: [(Double, Double)] = []
            for (x, y) in zip(s.x, s.y) {
                if representable(x, figure.xScale) && representable(y, figure.yScale) {
                    pts.append((x, y))
                } else {
                    omitted += 1
                }
            }
            return pts
        }
        let all = drawable.flatMap { $0 }
        let xr = figure.xRange.flatMap { validRange($0, figure.xScale) } ?? autoRange(all.map(\.0), figure.xScale)
        let yr = figure.yRange.flatMap { validRange($0, figure.yScale) } ?? autoRange(all.map(\.1), figure.yScale)

        let w = figure.width, h = figure.height
        let left = 62.0, right = 14.0, top = figure.title.isEmpty ? 14.0 : 34.0, bottom = 50.0
        let plot = Rect(x0: left, y0: top, x1: w - right, y1: h - bottom)
        let map = CoordinateMap(plot: plot, xRange: xr, yRange: yr, xScale: figure.xScale, yScale: figure.yScale)

        var out = SVGWriter()
        out.line(###"<?xml version="1.0" encoding="UTF-8"?>"###)
        out.line(##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\##(f(w))" height="\##(f(h))" viewBox="0 0 \##(f(w)) \##(f(h))" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="11">"##)
        if !figure.title.isEmpty { out.line("<title>\(escape(figure.title))</title>") }
        out.line(##"<rect x="0" y="0" width="\##(f(w))" height="\##(f(h))" fill="#FFFFFF"/>"##)
        out.line(##"<defs><clipPath id="plot-area"><rect x="\##(f(plot.x0))" y="\##(f(plot.y0))" width="\##(f(plot.width))" height="\##(f(plot.height))"/></clipPath></defs>"##)

        // Ticks and their labels.
        let xTicks = figure.xTicks.map { inside($0, xr) } ?? ticks(xr, figure.xScale, target: tickCount(plot.width))
        let yTicks = figure.yTicks.map { inside($0, yr) } ?? ticks(yr, figure.yScale, target: tickCount(plot.height))
        out.line(##"<g class="ticks" stroke="#000000" stroke-width="0.8">"##)
        for t in xTicks {
            let px = map.x(t.value)
            let len = t.isMajor ? 3.5 : 2.0
            out.line(##"<line x1="\##(f(px))" y1="\##(f(plot.y1))" x2="\##(f(px))" y2="\##(f(plot.y1 + len))"/>"##)
        }
        for t in yTicks {
            let py = map.y(t.value)
            let len = t.isMajor ? 3.5 : 2.0
            out.line(##"<line x1="\##(f(plot.x0 - len))" y1="\##(f(py))" x2="\##(f(plot.x0))" y2="\##(f(py))"/>"##)
        }
        out.line("</g>")
        out.line(##"<g class="tick-labels" fill="#000000" font-size="10">"##)
        for t in xTicks where t.isMajor {
            out.line(##"<text x="\##(f(map.x(t.value)))" y="\##(f(plot.y1 + 16))" text-anchor="middle">\##(tickLabel(t.label))</text>"##)
        }
        for t in yTicks where t.isMajor {
            out.line(##"<text x="\##(f(plot.x0 - 6))" y="\##(f(map.y(t.value) + 3.5))" text-anchor="end">\##(tickLabel(t.label))</text>"##)
        }
        out.line("</g>")

        // Axis labels and title.
        if !figure.xLabel.isEmpty {
            out.line(##"<text class="x-label" x="\##(f((plot.x0 + plot.x1) / 2))" y="\##(f(h - 12))" text-anchor="middle" font-size="11">\##(escape(figure.xLabel))</text>"##)
        }
        if !figure.yLabel.isEmpty {
            let cx = 16.0, cy = (plot.y0 + plot.y1) / 2
            out.line(##"<text class="y-label" x="\##(f(cx))" y="\##(f(cy))" text-anchor="middle" font-size="11" transform="rotate(-90 \##(f(cx)) \##(f(cy)))">\##(escape(figure.yLabel))</text>"##)
        }
        if !figure.title.isEmpty {
            out.line(##"<text class="title" x="\##(f((plot.x0 + plot.x1) / 2))" y="\##(f(top - 12))" text-anchor="middle" font-size="13">\##(escape(figure.title))</text>"##)
        }

        // Data, clipped to the plot area, in order (later series on top).
        out.line(##"<g class="data" clip-path="url(#plot-area)">"##)
        for (s, pts) in zip(figure.series, drawable) {
            let color = s.color.description
            out.line(##"<g class="series" data-name="\##(escape(s.name ?? ""))">"##)
            if s.line && pts.count > 1 {
                let coords = pts.map { "\(f(map.x($0.0))),\(f(map.y($0.1)))" }.joined(separator: " ")
                out.line(##"<polyline fill="none" stroke="\##(color)" stroke-width="\##(f(s.lineWidth))" stroke-linejoin="round" points="\##(coords)"/>"##)
            }
            for p in pts {
                if let m = markerElement(s.marker, at: (map.x(p.0), map.y(p.1)), size: s.markerSize, color: color) {
                    out.line(m)
                }
            }
            out.line("</g>")
        }
        out.line("</g>")

        // Frame on top of the data, as matplotlib draws its spines.
        out.line(##"<rect class="frame" x="\##(f(plot.x0))" y="\##(f(plot.y0))" width="\##(f(plot.width))" height="\##(f(plot.height))" fill="none" stroke="#000000" stroke-width="0.8"/>"##)

        // Legend.
        let entries = figure.series.filter { $0.name != nil && !($0.name!.isEmpty) }
        if figure.legend != .hidden && !entries.isEmpty {
            let longest = entries.map { $0.name!.count }.max() ?? 0
            let boxW = 36 + 6.6 * Double(longest) + 8, rowH = 18.0, boxH = rowH * Double(entries.count) + 8
            let placement = figure.legend == .best ? bestCorner(all.map { (map.x($0.0), map.y($0.1)) }, plot, boxW, boxH) : figure.legend
            let pad = 8.0
            let bx = (placement == .upperLeft || placement == .lowerLeft) ? plot.x0 + pad : plot.x1 - pad - boxW
            let by = (placement == .upperLeft || placement == .upperRight) ? plot.y0 + pad : plot.y1 - pad - boxH
            out.line(##"<g class="legend">"##)
            out.line(##"<rect x="\##(f(bx))" y="\##(f(by))" width="\##(f(boxW))" height="\##(f(boxH))" rx="3" fill="#FFFFFF" fill-opacity="0.8" stroke="#CCCCCC" stroke-width="0.8"/>"##)
            for (i, s) in entries.enumerated() {
                let cy = by + 4 + rowH * (Double(i) + 0.5)
                let color = s.color.description
                if s.line {
                    out.line(##"<line x1="\##(f(bx + 6))" y1="\##(f(cy))" x2="\##(f(bx + 28))" y2="\##(f(cy))" stroke="\##(color)" stroke-width="\##(f(s.lineWidth))"/>"##)
                }
                if let m = markerElement(s.marker, at: (bx + 17, cy), size: s.markerSize, color: color) { out.line(m) }
                out.line(##"<text x="\##(f(bx + 36))" y="\##(f(cy + 4))" font-size="11">\##(escape(s.name!))</text>"##)
            }
            out.line("</g>")
        }
        out.line("</svg>")
        return Output(svg: out.text, omittedPoints: omitted)
    }

    // MARK: - Pieces

    private func representable(_ v: Double, _ scale: AxisScale) -> Bool {
        v.isFinite && (scale == .linear || v > 0)
    }

    private func validRange(_ r: ClosedRange<Double>, _ scale: AxisScale) -> ClosedRange<Double>? {
        guard r.lowerBound.isFinite, r.upperBound.isFinite, r.upperBound > r.lowerBound else { return nil }
        if scale == .log10 && r.lowerBound <= 0 { return nil }
        return r
    }

    /// The data's extent plus 5% on each side (in log space for a log axis), kept within the
    /// finite positive Doubles on a log axis and the finite Doubles on a linear one.
    private func autoRange(_ values: [Double], _ scale: AxisScale) -> ClosedRange<Double> {
        guard var lo = values.min(), var hi = values.max() else {
            return scale == .linear ? 0...1 : 1...10
        }
        let largest = Double.greatestFiniteMagnitude
        switch scale {
        case .linear:
            if hi == lo {
                var d = lo == 0 ? 0.5 : abs(lo) * 0.05
                if !(lo - d < lo) { d = 0.5 }  // 5% of a subnormal value rounds to nothing
                return max(lo - d, -largest)...min(hi + d, largest)
            }
            var m = 0.05 * (hi - lo)
            if !m.isFinite { m = 0.05 * hi - 0.05 * lo }  // hi - lo overflows; the halves' sum does not
            return max(lo - m, -largest)...min(hi + m, largest)
        case .log10:
            lo = decimalLog(lo)
            hi = decimalLog(hi)
            let m = hi == lo ? 0.5 : 0.05 * (hi - lo)
            return max(pow(10, lo - m), .leastNonzeroMagnitude)...min(pow(10, hi + m), largest)
        }
    }

    /// The given ticks that lie on the axis.
    private func inside(_ ticks: [Tick], _ r: ClosedRange<Double>) -> [Tick] {
        ticks.filter { $0.value.isFinite && r.contains($0.value) }
    }

    /// About one tick per 36 pixels of an axis `length` pixels long: at least 3, at most 1000
    /// (3 for a length that is not a number).
    private func tickCount(_ length: Double) -> Int {
        let count = length / 36
        return count >= 3 ? Int(min(count, 1000)) : 3
    }

    private func ticks(_ r: ClosedRange<Double>, _ scale: AxisScale, target: Int) -> [Tick] {
        switch scale {
        case .linear: return TickGenerator.linear(r, target: target)
        case .log10: return TickGenerator.log10(r, maximumLabels: target)
        }
    }

    /// "10^-3" -> 10 with a superscript -3; "5x10^2" -> 5×10 with superscript 2.
    private func tickLabel(_ label: String) -> String {
        guard let caret = label.firstIndex(of: "^") else { return escape(label) }
        let base = String(label[..<caret].map { $0 == "x" ? "\u{00D7}" : $0 })
        let exponent = String(label[label.index(after: caret)...].map { $0 == "-" ? "\u{2212}" : $0 })
        return "\(escape(base))<tspan dy=\"-5\" font-size=\"8\">\(escape(exponent))</tspan>"
    }

    private func markerElement(_ marker: Marker, at p: (Double, Double), size: Double, color: String) -> String? {
        let r = size / 2
        switch marker {
        case .none:
            return nil
        case .circle:
            return ##"<circle cx="\##(f(p.0))" cy="\##(f(p.1))" r="\##(f(r))" fill="\##(color)"/>"##
        case .square:
            return ##"<rect x="\##(f(p.0 - r))" y="\##(f(p.1 - r))" width="\##(f(size))" height="\##(f(size))" fill="\##(color)"/>"##
        case .star:
            // Five-pointed star: outer radius r * 1.25, inner radius 0.382 of it.
            let outer = r * 1.25, inner = outer * 0.382
            var pts: [String] = []
            for k in 0..<10 {
                let angle = Double.pi / 2 + Double(k) * Double.pi / 5
                let rad = k % 2 == 0 ? outer : inner
                pts.append("\(f(p.0 + rad * cos(angle))),\(f(p.1 - rad * sin(angle)))")
            }
            return ##"<polygon points="\##(pts.joined(separator: " "))" fill="\##(color)"/>"##
        case .cross:
            return ##"<path d="M\##(f(p.0 - r)) \##(f(p.1 - r))L\##(f(p.0 + r)) \##(f(p.1 + r))M\##(f(p.0 - r)) \##(f(p.1 + r))L\##(f(p.0 + r)) \##(f(p.1 - r))" stroke="\##(color)" stroke-width="1" fill="none"/>"##
        case .plus:
            return ##"<path d="M\##(f(p.0 - r)) \##(f(p.1))L\##(f(p.0 + r)) \##(f(p.1))M\##(f(p.0)) \##(f(p.1 - r))L\##(f(p.0)) \##(f(p.1 + r))" stroke="\##(color)" stroke-width="1" fill="none"/>"##
        }
    }

    private func bestCorner(_ points: [(Double, Double)], _ plot: Rect, _ w: Double, _ h: Double) -> LegendPlacement {
        let pad = 8.0
        var best = LegendPlacement.upperRight
        var fewest = Int.max
        for corner in [LegendPlacement.upperRight, .upperLeft, .lowerLeft, .lowerRight] {
            let x0 = (corner == .upperLeft || corner == .lowerLeft) ? plot.x0 + pad : plot.x1 - pad - w
            let y0 = (corner == .upperLeft || corner == .upperRight) ? plot.y0 + pad : plot.y1 - pad - h
            let count = points.filter { $0.0 >= x0 - 4 && $0.0 <= x0 + w + 4 && $0.1 >= y0 - 4 && $0.1 <= y0 + h + 4 }.count
            if count < fewest {
                fewest = count
                best = corner
            }
        }
        return best
    }
}

struct Rect {
    var x0, y0, x1, y1: Double
    var width: Double { x1 - x0 }
    var height: Double { y1 - y0 }
}

/// Data coordinates to pixels (y grows downward in SVG).
struct CoordinateMap {
    let plot: Rect
    let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    let xScale: AxisScale, yScale: AxisScale

    func x(_ v: Double) -> Double { plot.x0 + fraction(v, xRange, xScale) * plot.width }
    func y(_ v: Double) -> Double { plot.y1 - fraction(v, yRange, yScale) * plot.height }

    private func fraction(_ v: Double, _ r: ClosedRange<Double>, _ s: AxisScale) -> Double {
        switch s {
        case .linear:
            let width = r.upperBound - r.lowerBound
            // Wider than the largest Double: the same ratio of halves, which cannot overflow.
            return width.isFinite ? (v - r.lowerBound) / width : (v / 2 - r.lowerBound / 2) / (r.upperBound / 2 - r.lowerBound / 2)
        case .log10:
            let lo = decimalLog(r.lowerBound), hi = decimalLog(r.upperBound)
            return (decimalLog(v) - lo) / (hi - lo)
        }
    }
}

struct SVGWriter {
    var text = ""
    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }
}

/// A coordinate with two decimals ("12.50"), trailing zeros kept for stable widths. Pixel
/// coordinates are clamped to ±1e6 (far outside any picture; SVG viewers choke on larger).
@inline(__always)
func f(_ v: Double) -> String { formatFixed(v.isNaN ? 0 : min(max(v, -1e6), 1e6), decimals: 2) }

/// Escapes the five XML special characters.
func escape(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}
