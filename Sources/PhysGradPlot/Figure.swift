/// A 2-D chart (scatter points, lines, or both) that renders to a standalone SVG document.
///
/// PhysGrad draws its trajectories (x-space, y-space) and loss curves with it. Rendering is
/// pure and deterministic: the same figure gives the same bytes, so pictures can be compared in
/// tests and diffed in version control. Non-finite points are left out (never written as NaN),
/// as are non-positive values on a logarithmic axis; ``SVGRenderer/render(_:)`` reports how many.
///
/// ```swift
/// var fig = Figure(title: "x space", xLabel: "x0", yLabel: "x1")
/// fig.series.append(Series(name: "GD", points: gd, color: .tab10Blue, marker: .circle))
/// fig.series.append(Series(name: nil, points: [(0, 0)], color: .black, marker: .cross))
/// let svg = SVGRenderer().render(fig).svg
/// ```
public struct Figure: Sendable, Hashable {
    /// Title above the plot area (none when empty).
    public var title: String
    /// The x axis' label.
    public var xLabel: String
    /// The y axis' label.
    public var yLabel: String
    /// Width of the picture in pixels (default 400, matplotlib's 4 inches at 100 dpi).
    public var width: Double
    /// Height of the picture in pixels (default 400).
    public var height: Double
    /// How x values map to the horizontal axis.
    public var xScale: AxisScale
    /// How y values map to the vertical axis.
    public var yScale: AxisScale
    /// A fixed x range; `nil` fits the data with a 5% margin on each side.
    public var xRange: ClosedRange<Double>?
    /// A fixed y range; `nil` fits the data with a 5% margin on each side.
    public var yRange: ClosedRange<Double>?
    /// Drawn in order: later series lie on top.
    public var series: [Series]
    /// Where the legend goes.
    public var legend: LegendPlacement
    /// Ticks to draw on the x axis instead of the generated ones (those outside the axis range
    /// are left out), e.g. at the dimensions a sweep ran; `nil`: generated from the range.
    public var xTicks: [Tick]? = nil
    /// The same for the y axis.
    public var yTicks: [Tick]? = nil

    /// A figure with these labels, size, scales, ranges, series and legend.
    public init(
        title: String = "", xLabel: String = "", yLabel: String = "", width: Double = 400, height: Double = 400,
        xScale: AxisScale = .linear, yScale: AxisScale = .linear, xRange: ClosedRange<Double>? = nil,
        yRange: ClosedRange<Double>? = nil, series: [Series] = [], legend: LegendPlacement = .best
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.width = width
        self.height = height
        self.xScale = xScale
        self.yScale = yScale
        self.xRange = xRange
        self.yRange = yRange
        self.series = series
        self.legend = legend
    }
}

/// One named set of points with a style.
public struct Series: Sendable, Hashable {
    /// Shown in the legend; `nil` keeps the series out of it (e.g. a target marker).
    public var name: String?
    /// The points' x values.
    public var x: [Double]
    /// The points' y values (as many as x).
    public var y: [Double]
    /// Marker and line color.
    public var color: Color
    /// The marker drawn at each point.
    public var marker: Marker
    /// Connect the points with a line, in order.
    public var line: Bool
    /// Line width in pixels.
    public var lineWidth: Double
    /// Marker size in pixels (diameter).
    public var markerSize: Double

    /// A series of the points (x[i], y[i]); x and y must have the same length.
    public init(name: String?, x: [Double], y: [Double], color: Color, marker: Marker = .circle, line: Bool = false,
                lineWidth: Double = 1.5, markerSize: Double = 7) {
        precondition(x.count == y.count, "Series: \(x.count) x values but \(y.count) y values")
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.marker = marker
        self.line = line
        self.lineWidth = lineWidth
        self.markerSize = markerSize
    }

    /// A series from `(x, y)` pairs.
    public init(name: String?, points: [(Double, Double)], color: Color, marker: Marker = .circle, line: Bool = false,
                lineWidth: Double = 1.5, markerSize: Double = 7) {
        self.init(name: name, x: points.map(\.0), y: points.map(\.1), color: color, marker: marker, line: line,
                  lineWidth: lineWidth, markerSize: markerSize)
    }
}

/// How values map to an axis.
public enum AxisScale: Sendable, Hashable {
    /// Equal distances for equal differences.
    case linear
    /// Base-10 logarithmic; values <= 0 cannot be shown and are left out.
    case log10
}

/// The symbol drawn at each point of a series (`none`: a line only).
public enum Marker: Sendable, Hashable {
    case none, circle, star, cross, plus, square
}

/// Where a figure's legend goes: a corner of the plot area, or nowhere.
public enum LegendPlacement: Sendable, Hashable {
    /// The corner that covers the fewest points (matplotlib's "best", restricted to corners).
    case best
    case upperLeft, upperRight, lowerLeft, lowerRight
    case hidden
}

/// An sRGB color, written as `#RRGGBB`.
public struct Color: Sendable, Hashable, CustomStringConvertible {
    /// The channels, 0 ... 255.
    public var red: UInt8, green: UInt8, blue: UInt8

    /// The color with these channels.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From `#RRGGBB` (or `RRGGBB`); `nil` if malformed.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let v = UInt32(digits, radix: 16) else { return nil }
        self.init(red: UInt8(v >> 16), green: UInt8((v >> 8) & 0xFF), blue: UInt8(v & 0xFF))
    }

    public var description: String {
        let hex = String((UInt32(red) << 16) | (UInt32(green) << 8) | UInt32(blue), radix: 16, uppercase: true)
        return "#" + String(repeating: "0", count: 6 - hex.count) + hex
    }

    /// #000000.
    public static let black = Color(red: 0, green: 0, blue: 0)
    // matplotlib's "tab10" color cycle, in its order (``tab10``).
    public static let tab10Blue = Color(hex: "#1F77B4")!
    public static let tab10Orange = Color(hex: "#FF7F0E")!
    public static let tab10Green = Color(hex: "#2CA02C")!
    public static let tab10Red = Color(hex: "#D62728")!
    public static let tab10Purple = Color(hex: "#9467BD")!
    public static let tab10Brown = Color(hex: "#8C564B")!
    public static let tab10Pink = Color(hex: "#E377C2")!
    public static let tab10Gray = Color(hex: "#7F7F7F")!
    public static let tab10Olive = Color(hex: "#BCBD22")!
    public static let tab10Cyan = Color(hex: "#17BECF")!
    /// The ten colors in matplotlib's order.
    public static let tab10: [Color] = [
        tab10Blue, tab10Orange, tab10Green, tab10Red, tab10Purple, tab10Brown, tab10Pink, tab10Gray, tab10Olive, tab10Cyan,
    ]
}
