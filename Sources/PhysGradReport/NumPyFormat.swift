import Foundation

/// Formats numbers the way NumPy (and JAX, which uses NumPy's printer) prints arrays with its
/// default options (`precision=8`, `floatmode='maxprec'`, `suppress=False`), so that the tool's
/// transcript of the chapter reads digit for digit like the chapter.
///
/// NumPy's rules, as implemented here:
/// - every element is written positionally with the shortest digits that identify it among
///   values of its type (float32 or float64), cut at 8 fractional digits (rounded from the exact
///   binary value), trailing zeros dropped: `2.94`, `1.9200001`, `3.`;
/// - all elements of one array share the widths: the integer parts are right-aligned, the
///   fractional parts are padded with spaces on the right: `[2.94      1.9200001]`;
/// - scientific notation is used when a non-zero magnitude is at least 1e8 or below 1e-4, or the
///   largest is more than 1000 times the smallest (the quotient taken in the values' type):
///   mantissas then share a digit count (zero-padded) and exponents have at least two digits:
///   `[1.e-05 1.e+00]`, zeros as `0.e+00` and `-0.e+00`;
/// - non-finite values print as `nan`, `inf`, `-inf`.
///
/// ```swift
/// NumPyFormat.array([2.94, 1.9200001] as [Float])   // "[2.94      1.9200001]"
/// NumPyFormat.array([6, 108] as [Float])            // "[  6. 108.]"
/// ```
public enum NumPyFormat {
    /// The digits NumPy keeps after the point (its default `precision`).
    public static let precision = 8

    /// One array, `[a b ...]`, elements separated by `separator` (NumPy's `str` uses " ",
    /// its `repr` uses ", ").
    public static func array<F: NumPyPrintable>(_ values: [F], separator: String = " ") -> String {
        let cells = cells(values)
        return "[" + cells.joined(separator: separator) + "]"
    }

    /// A matrix, rows on their own lines as NumPy prints 2-D arrays: `[[1. 0.]\n [0. 6.]]`.
    /// All entries share one width.
    public static func matrix<F: NumPyPrintable>(_ rows: [[F]], separator: String = " ") -> String {
        let flat = cells(rows.flatMap { $0 })
        var out = "["
        var k = 0
        for (r, row) in rows.enumerated() {
            if r > 0 { out += "\n " }
            out += "[" + flat[k..<(k + row.count)].joined(separator: separator) + "]"
            k += row.count
        }
        return out + "]"
    }

    /// A 0-d array or scalar as NumPy's `repr` writes it: `90.`, `2.94`.
    public static func scalar<F: NumPyPrintable>(_ value: F) -> String {
        cells([value])[0]
    }

    /// The formatted elements of one array, padded to a common width.
    static func cells<F: NumPyPrintable>(_ values: [F]) -> [String] {
        let finite = values.filter { $0.doubleValue.isFinite }
        let magnitudes = finite.map { abs($0.doubleValue) }.filter { $0 != 0 }
        var scientific = false
        if let maxV = magnitudes.max(), let minV = magnitudes.min() {
            // NumPy divides in the array's dtype: float32 10 / 0.01 is 1000 exactly, not above.
            let ratio = F.self == Float.self ? Double(Float(maxV) / Float(minV)) : maxV / minV
            scientific = maxV >= 1e8 || minV < 1e-4 || ratio > 1000
        }
        func nonFinite(_ v: Double) -> String { v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }

        if scientific {
            // Mantissa digits (shortest, at most 8 after the point), then a common precision.
            let parts: [(mantissa: String, exponent: Int)?] = values.map { v in
                let d = v.doubleValue
                guard d.isFinite else { return nil }
                return scientificParts(v)
            }
            let digits = parts.compactMap { $0 }.map { fractionalDigits(of: $0.mantissa) }.max() ?? 0
            let expWidth = max(2, parts.compactMap { $0 }.map { String(abs($0.exponent)).count }.max() ?? 2)
            // NumPy pads the mantissas to the common digit count with the value's own further
            // digits (float32 2.1 prints as 2.0999999e+00 next to a 7-digit neighbour), i.e. the
            // exact value rounded to that many digits.
            let strings: [String] = zip(values, parts).map { v, p in
                guard p != nil else { return nonFinite(v.doubleValue) }
                // C's %e writes zeros ("0e+00", "-0.00e+00") and their sign as NumPy does.
                let t = String(format: "%.\(digits)e", v.doubleValue)
                let eIndex = t.firstIndex(of: "e")!
                var mantissa = String(t[..<eIndex])
                if digits == 0 { mantissa += "." }
                let exponent = Int(t[t.index(after: eIndex)...])!
                let e = String(abs(exponent))
                return mantissa + "e" + (exponent < 0 ? "-" : "+") + String(repeating: "0", count: expWidth - e.count) + e
            }
            let width = strings.map(\.count).max() ?? 0
            return strings.map { String(repeating: " ", count: width - $0.count) + $0 }
        }

        let positional: [(String, String)?] = values.map { v in
            v.doubleValue.isFinite ? split(positionalDigits(v)) : nil
        }
        let padLeft = positional.compactMap { $0?.0.count }.max() ?? 0
        let padRight = positional.compactMap { $0?.1.count }.max() ?? 0
        let strings: [String] = zip(values, positional).map { v, p in
            guard let (i, f) = p else { return nonFinite(v.doubleValue) }
            return String(repeating: " ", count: padLeft - i.count) + i + "." + f
                + String(repeating: " ", count: padRight - f.count)
        }
        // Non-finite entries are right-aligned to the common width, as NumPy does.
        let width = strings.map(\.count).max() ?? 0
        return strings.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    /// `"2.94"`, `"1.9200001"`, `"3."`: shortest unique digits, at most 8 after the point.
    static func positionalDigits<F: NumPyPrintable>(_ v: F) -> String {
        let shortest = v.shortestDescription
        var s: String
        if shortest.contains("e") || fractionalDigits(of: shortest) > precision {
            s = String(format: "%.\(precision)f", v.doubleValue)
            while s.hasSuffix("0") { s.removeLast() }
        } else {
            s = shortest
            if s.hasSuffix(".0") { s.removeLast() }
        }
        if !s.contains(".") { s += "." }
        if s == "-0." && v.doubleValue == 0 { return "-0." }
        return s
    }

    /// Shortest mantissa (at most 8 fractional digits) and decimal exponent.
    static func scientificParts<F: NumPyPrintable>(_ v: F) -> (mantissa: String, exponent: Int) {
        let d = v.doubleValue
        if d == 0 { return ("0.", 0) }
        // Shortest digits of the value in its own type, as d.ddddd × 10^e.
        var s = v.shortestDescription
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(s[s.index(after: e)...])!
            s = String(s[..<e])
        }
        let negative = s.hasPrefix("-")
        if negative { s.removeFirst() }
        var (intPart, frac) = split(s)
        var digits = intPart + frac
        var pointAt = intPart.count + exponent  // decimal point after this many digits of `digits`
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointAt -= 1
        }
        let e10 = pointAt - 1
        if digits.count - 1 > precision {
            // Round the exact value to 9 significant digits.
            var t = String(format: "%.\(precision)e", abs(d))
            let eIndex = t.firstIndex(of: "e")!
            let exp = Int(t[t.index(after: eIndex)...])!
            t = String(t[..<eIndex])
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            (intPart, frac) = split(t)
            return ((negative ? "-" : "") + intPart + "." + frac, exp)
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let mantissa = String(digits.first!) + "." + String(digits.dropFirst())
        return ((negative ? "-" : "") + mantissa, e10)
    }

    static func split(_ s: String) -> (String, String) {
        guard let dot = s.firstIndex(of: ".") else { return (s, "") }
        return (String(s[..<dot]), String(s[s.index(after: dot)...]))
    }

    static func fractionalDigits(of s: String) -> Int { split(s).1.count }

    /// C's `%f` with `digits` decimals (Python's `"%f" % v` for 6): `1.053930`.
    public static func fixed(_ v: Double, digits: Int = 6) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)f", v)
    }
}

/// A floating-point type NumPy can print: its shortest round-trip digits are those of its own
/// precision (float32 for `Float`, float64 for `Double`).
public protocol NumPyPrintable: Sendable {
    /// Swift's shortest round-trip description (`"1.9200001"`, `"3.0"`, `"1e-05"`).
    var shortestDescription: String { get }
    /// The exact value as a Double.
    var doubleValue: Double { get }
}

extension Float: NumPyPrintable {
    public var shortestDescription: String { description }
    public var doubleValue: Double { Double(self) }
}

extension Double: NumPyPrintable {
    public var shortestDescription: String { description }
    public var doubleValue: Double { self }
}
