#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tick on an axis: its data value and its label (empty for a minor tick).
public struct Tick: Sendable, Hashable {
    /// Where the tick stands, in data units.
    public var value: Double
    /// Its label; empty for a minor tick.
    public var label: String
    /// `true` for a labelled tick.
    public var isMajor: Bool { !label.isEmpty }

    /// A tick at `value`; an empty `label` makes it a minor (unlabelled) tick. Labels of the
    /// form `10^k` and `Mx10^k` are drawn with a superscript exponent.
    public init(value: Double, label: String) {
        self.value = value
        self.label = label
    }
}

/// Axis ticks at "nice" values.
public enum TickGenerator {
    /// Linear ticks: the smallest step of 1, 2, 2.5 or 5 times a power of ten that divides
    /// `range` into at most `target` intervals; labels with just enough decimals for the step
    /// (`0.0, 0.5, 1.0, ...`, `0, 2, 4`, `0.00, 0.25, ...`), or the values' shortest digits
    /// (`2e-20`, `90.00000000000001`) where that would take more than 15 decimals or fail to
    /// tell two ticks apart. Each value is ticked once, in increasing order.
    public static func linear(_ range: ClosedRange<Double>, target: Int = 6) -> [Tick] {
        let lo = range.lowerBound, hi = range.upperBound
        guard lo.isFinite, hi.isFinite, hi > lo else { return [] }
        // A range wider than the largest Double (hi - lo = inf) is measured in halves.
        let width = hi - lo
        let raw = width.isFinite ? width / Double(max(1, target)) : (hi / 2 - lo / 2) / Double(max(1, target)) * 2
        guard raw.isFinite, raw > 0 else { return [] }
        let magnitude = pow(10, floor(decimalLog(raw)))
        var step = 10 * magnitude
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * magnitude >= raw {
            step = m * magnitude
            break
        }
        guard step.isFinite, step > 0 else { return [] }
        var decimals = max(0, -Int(floor(decimalLog(step) + 1e-9)))
        // 2.5 x 10^k needs one more decimal than 10^k.
        let mantissa = step / pow(10, floor(decimalLog(step) + 1e-9))
        if abs(mantissa - 2.5) < 1e-9 { decimals += 1 }
        let first = ceil(lo / step - 1e-9)
        let last = floor(hi / step + 1e-9)
        guard last >= first, last - first < 1000 else { return [] }
        // Beyond 15 decimals fixed notation is longer than the value's digits, and no more exact.
        func label(_ v: Double) -> String { decimals <= 15 ? formatFixed(v, decimals: decimals) : shortest(v) }
        var ticks: [Tick] = []
        for k in stride(from: first, through: last, by: 1) {
            // A step below the values' resolution (a range a few ulps wide: k beyond 2^53) makes
            // neighbouring k round to one value, or out of order: each value is ticked once.
            let v = k * step
            if let previous = ticks.last, v <= previous.value { continue }
            ticks.append(Tick(value: v, label: label(v)))
        }
        // Values that differ in digits the fixed labels round away: the shortest digits tell them apart.
        if Set(ticks.map(\.label)).count < ticks.count {
            ticks = ticks.map { Tick(value: $0.value, label: shortest($0.value)) }
        }
        return ticks
    }

    /// Logarithmic ticks: major ticks at powers of ten labelled `10^k` (as `1e-3` style text
    /// handled by the renderer's superscript), minor ticks at 2...9 times them. When the range
    /// holds fewer than two powers of ten, the 2x and 5x ticks are labelled too.
    public static func log10(_ range: ClosedRange<Double>) -> [Tick] {
        let lo = range.lowerBound, hi = range.upperBound
        guard lo > 0, hi.isFinite, hi > lo else { return [] }
        let k0 = Int(floor(decimalLog(lo) + 1e-12)), k1 = Int(ceil(decimalLog(hi) - 1e-12))
        guard k1 - k0 < 400 else { return [] }
        let decadesInside = (k0...k1).filter { let v = pow(10, Double($0)); return v >= lo && v <= hi }.count
        var ticks: [Tick] = []
        for k in k0...k1 {
            let decade = pow(10, Double(k))
            for m in 1...9 {
                let v = Double(m) * decade
                guard v.isFinite, v >= lo * (1 - 1e-12), v <= hi * (1 + 1e-12) else { continue }
                if m == 1 {
                    ticks.append(Tick(value: v, label: "10^\(k)"))
                } else if decadesInside < 2 && (m == 2 || m == 5) {
                    ticks.append(Tick(value: v, label: "\(m)x10^\(k)"))
                } else {
                    ticks.append(Tick(value: v, label: ""))
                }
            }
        }
        return ticks
    }

    /// Logarithmic ticks with at most `maximumLabels` labelled decades: as ``log10(_:)`` when the
    /// range holds that many decades or fewer. Over more decades (a diverged run beside a
    /// converged one spans hundreds), every k-th decade is labelled, k the smallest of 2, 5, 10,
    /// 20, 50, ... that keeps to the limit (labels at multiples of k); unlabelled ticks mark every
    /// max(1, k/5)-th decade, and the 2...9 ticks are left out, as matplotlib's `LogLocator` does.
    public static func log10(_ range: ClosedRange<Double>, maximumLabels: Int) -> [Tick] {
        let all = log10(range)
        let decades = all.filter { $0.label.hasPrefix("10^") }
        guard maximumLabels >= 1, decades.count > maximumLabels else { return all }
        // 2, 5, 10, 20, 50, 100, ...: the first step that labels at most maximumLabels decades.
        let steps = (0..<4).flatMap { e in [2, 5, 10].map { $0 * Int(pow(10, Double(e))) } }
        let every = steps.first { decades.count <= maximumLabels * $0 } ?? steps.last!
        let minor = max(1, every / 5)
        return decades.compactMap { t in
            let k = Int(t.label.dropFirst(3))!
            if k % every == 0 { return t }
            return k % minor == 0 ? Tick(value: t.value, label: "") : nil
        }
    }
}

/// `value` with exactly `decimals` digits after the point, independent of locale; never "-0".
/// Magnitudes beyond 2^53 (where fixed notation would need more digits than a Double holds)
/// and non-finite values use Swift's shortest round-trip form ("1e+100", "inf").
func formatFixed(_ value: Double, decimals: Int) -> String {
    let scale = pow(10, Double(decimals))
    guard value.isFinite, abs(value * scale) < 0x1p53 else { return value == 0 ? "0" : "\(value)" }
    var scaled = (value * scale).rounded()
    if scaled == 0 { scaled = 0 }  // drop the sign of -0
    let negative = scaled < 0
    let digits = String(Int64(abs(scaled)))
    var text: String
    if decimals == 0 {
        text = digits
    } else {
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let cut = padded.index(padded.endIndex, offsetBy: -decimals)
        text = padded[..<cut] + "." + padded[cut...]
    }
    return negative ? "-" + text : text
}

/// `value` in Swift's shortest round-trip form ("2.5e-20", "90.00000000000001"); "0" for zero.
func shortest(_ value: Double) -> String { value == 0 ? "0" : "\(value)" }

/// Base-10 logarithm (a free function, so that `TickGenerator.log10` does not shadow it).
@inline(__always)
func decimalLog(_ x: Double) -> Double { log10(x) }
