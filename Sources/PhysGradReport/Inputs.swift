import Foundation
import PhysGrad

/// A mistake in what the user asked for, told in one line.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line the tool prints after "physgrad: error: ".
    public var message: String
    /// An error with this message.
    public init(_ message: String) { self.message = message }
    /// "OPTION: REASON", or the reason alone when `option` is empty (inside ArgumentParser's
    /// "The value '…' is invalid for '--option <value>': REASON").
    public init(option: String, _ reason: String) { message = option.isEmpty ? reason : "\(option): \(reason)" }
    public var description: String { message }
}

/// Parsers for the command-line tool's values. Each throws an ``InputError`` naming the option
/// and the offending text, and accepts only what its contract says (the fuzzing harness in
/// scripts/fuzz/FuzzInputs.swift checks that).
public enum Inputs {
    /// One number in decimal or scientific notation. With `allowInfinite`, also `inf`,
    /// `infinity` (any case, with an optional sign) for ±∞; NaN never.
    public static func number(_ text: String, option: String, allowInfinite: Bool = false) throws(InputError) -> Double {
        let t = text.trimmingWhitespace()
        if allowInfinite {
            let lower = t.lowercased()
            let unsigned = lower.hasPrefix("+") || lower.hasPrefix("-") ? String(lower.dropFirst()) : lower
            if unsigned == "inf" || unsigned == "infinity" { return lower.hasPrefix("-") ? -.infinity : .infinity }
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let v = Double(t), v.isFinite else {
            throw InputError(option: option, "'\(text)' is not a \(allowInfinite ? "number (or inf, -inf)" : "finite number")")
        }
        return v
    }

    /// A step size η: a finite number > 0.
    public static func stepSize(_ text: String, option: String) throws(InputError) -> Double {
        let v = try number(text, option: option)
        guard v > 0 else { throw InputError(option: option, "the step size must be positive, got \(text)") }
        return v
    }

    /// A comma-separated list of numbers (`3,3`, `1e-3, 0.5`), at most `limit` of them.
    public static func numbers(
        _ text: String, option: String, allowInfinite: Bool = false, limit: Int = Int.max
    ) throws(InputError) -> [Double] {
        if text.trimmingWhitespace().isEmpty { throw InputError(option: option, "empty list") }
        var out: [Double] = []
        for p in text.split(separator: ",", omittingEmptySubsequences: false) {
            if out.count == limit { throw InputError(option: option, "more than \(limit) values (the limit for this option)") }
            out.append(try number(String(p), option: option, allowInfinite: allowInfinite))
        }
        return out
    }

    /// A point of dimension `n`: a comma-separated list of n numbers, or one number for every
    /// coordinate.
    public static func point(_ text: String, dimension n: Int, option: String, allowInfinite: Bool = false) throws(InputError) -> [Double] {
        try NumberList(values: numbers(text, option: option, allowInfinite: allowInfinite), allowsInfinity: allowInfinite)
            .point(dimension: n, option: option)
    }

    /// An integer of at least `minimum` and at most `maximum`.
    public static func integer(
        _ text: String, option: String, minimum: Int = 1, maximum: Int = Int.max
    ) throws(InputError) -> Int {
        let t = text.trimmingWhitespace()
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+" || $0 == "-") }), let v = Int(t) else {
            throw InputError(option: option, "'\(text)' is not an integer")
        }
        guard v >= minimum else { throw InputError(option: option, "\(v) is too small (at least \(minimum))") }
        guard v <= maximum else { throw InputError(option: option, "\(v) is above the ceiling of \(maximum)") }
        return v
    }

    /// A comma-separated list of distinct integers, at most `limit` of them.
    public static func integers(
        _ text: String, option: String, minimum: Int = 1, maximum: Int = Int.max, limit: Int = Limits.maximumListLength
    ) throws(InputError) -> [Int] {
        var out: [Int] = []
        for p in text.split(separator: ",", omittingEmptySubsequences: false) {
            if out.count == limit { throw InputError(option: option, "more than \(limit) values (the limit for this option)") }
            let v = try integer(String(p), option: option, minimum: minimum, maximum: maximum)
            if out.contains(v) { throw InputError(option: option, "\(v) is listed twice") }
            out.append(v)
        }
        return out
    }

    /// A comma-separated list of method names, each known and named once.
    public static func methods(_ text: String, option: String = "--methods") throws(InputError) -> [MethodName] {
        try names(text, option: option, kind: "method")
    }

    /// A comma-separated list of problem names, each known and named once.
    public static func problems(_ text: String, option: String = "--problems") throws(InputError) -> [ProblemName] {
        try names(text, option: option, kind: "problem")
    }

    /// A comma-separated list of distinct names of `Name` (case-insensitive), at least one.
    public static func names<Name: RawRepresentable & CaseIterable & Equatable>(
        _ text: String, option: String, kind: String
    ) throws(InputError) -> [Name] where Name.RawValue == String {
        var out: [Name] = []
        for p in text.split(separator: ",", omittingEmptySubsequences: false) {
            let v: Name = try name(String(p), option: option, kind: kind)
            if out.contains(v) { throw InputError(option: option, "\(kind) '\(v.rawValue)' is listed twice") }
            out.append(v)
        }
        return out
    }

    /// One name of a `CaseIterable` set (case-insensitive, surrounding spaces ignored).
    public static func name<Name: RawRepresentable & CaseIterable>(
        _ text: String, option: String, kind: String
    ) throws(InputError) -> Name where Name.RawValue == String {
        let key = text.trimmingWhitespace().lowercased()
        guard let v = Name(rawValue: key) else {
            let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError(option: option, "unknown \(kind) '\(key)' (known: \(known))")
        }
        return v
    }

    /// `METHOD=VALUE` assignments (`--eta gd=0.02 --eta pg=0.5`): each method once, each a
    /// method that takes a step size, each value finite and positive.
    public static func stepSizes(_ assignments: [String], option: String = "--eta") throws(InputError) -> [MethodName: Double] {
        var out: [MethodName: Double] = [:]
        for a in assignments {
            let s = try StepSizeAssignment(parsing: a, option: option)
            if let old = out[s.method] {
                throw InputError("\(option) \(s.method.rawValue) is given twice (\(old) and \(s.value)); give it once")
            }
            out[s.method] = s.value
        }
        return out
    }

    /// A problem of the catalog by name and dimension (`nil`: the problem's default).
    public static func problem(_ name: String, dimension: Int?) throws(InputError) -> InverseProblem {
        let kind: ProblemName = try self.name(name, option: "--problem", kind: "problem")
        return try kind.make(dimension: dimension)
    }

    /// `i/N` with 1 <= i <= N <= ``Limits/maximumShards``.
    public static func shard(_ text: String) throws(InputError) -> (index: Int, count: Int) {
        let s = try Shard(parsing: text)
        return (s.index, s.count)
    }
}

/// Ceilings on the sizes a user chooses on the command line, each documented in the tool's help
/// and README. Sizes whose cost depends on the problem (dimensions) have their ceilings in the
/// catalogs (`Problems`, `TestFunctions`); memory the tool would need is estimated up front
/// and compared with `--max-memory` (``defaultMemoryBudget``).
public enum Limits {
    /// `--steps`: steps per method.
    public static let maximumSteps = 1_000_000
    /// Values in one list option (`--dimensions`, `--etas`, `--starts`).
    public static let maximumListLength = 1_000
    /// Points of one sweep grid (before sharding).
    public static let maximumGridPoints = 1_000_000
    /// N in `--shard i/N`.
    public static let maximumShards = 1_000_000
    /// `--jobs`: parallel runs.
    public static let maximumJobs = 1_024
    /// `--max-memory` when it is not given: 4 GiB.
    public static let defaultMemoryBudget = ByteCount(bytes: 4 * 1_073_741_824)
}

/// A list of numbers given on the command line for a point (`--start`, `--target`) or bounds
/// (`--lower`, `--upper`): n numbers, or one that stands for every coordinate. The dimension is
/// known only once the problem is made, so the list is kept as typed and resolved by ``point(dimension:option:)``.
public struct NumberList: Sendable, Equatable, CustomStringConvertible {
    /// The numbers as given.
    public var values: [Double]
    /// `true` for bounds: `inf` and `-inf` mean "no bound".
    public var allowsInfinity: Bool

    /// A list of these values.
    public init(values: [Double], allowsInfinity: Bool = false) {
        self.values = values
        self.allowsInfinity = allowsInfinity
    }

    /// Parses `3,3` or `1e-3` (finite numbers only).
    public init(point text: String, option: String) throws(InputError) {
        self.init(values: try Inputs.numbers(text, option: option), allowsInfinity: false)
    }

    /// Parses bounds: numbers, `inf`, `-inf`.
    public init(bounds text: String, option: String) throws(InputError) {
        self.init(values: try Inputs.numbers(text, option: option, allowInfinite: true), allowsInfinity: true)
    }

    /// The point in n dimensions: the list itself when it has n entries, one value repeated when
    /// it has one.
    /// - Throws: ``InputError`` when the list has neither 1 nor n entries, or n is negative.
    public func point(dimension n: Int, option: String) throws(InputError) -> [Double] {
        guard n >= 0 else { throw InputError("\(option): a point cannot have the negative dimension \(n)") }
        if values.count == 1 { return [Double](repeating: values[0], count: n) }
        guard values.count == n else {
            throw InputError("\(option) has \(values.count) entries, but the problem has dimension \(n) (give \(n) numbers, or one for every coordinate)")
        }
        return values
    }

    public var description: String { values.map { RunReport.csvNumber($0) }.joined(separator: ",") }
}

/// `--shard i/N`: part i (1-based) of N of a sweep grid.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// i, 1 ... N.
    public var index: Int
    /// N, the number of shards.
    public var count: Int

    /// The whole grid.
    public static let whole = Shard(uncheckedIndex: 1, count: 1)

    init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// - Throws: unless `1 <= index <= count <= ` ``Limits/maximumShards``.
    public init(index: Int, count: Int, option: String = "--shard") throws(InputError) {
        guard count >= 1, index >= 1, index <= count else {
            throw InputError(option: option, "'\(index)/\(count)' is not i/N with 1 <= i <= N (e.g. 2/8)")
        }
        guard count <= Limits.maximumShards else {
            throw InputError(option: option, "N = \(count) is above the ceiling of \(Limits.maximumShards) shards")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses `i/N`.
    public init(parsing text: String, option: String = "--shard") throws(InputError) {
        let parts = text.trimmingWhitespace().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            throw InputError(option: option, "'\(text)' is not i/N with 1 <= i <= N (e.g. 2/8)")
        }
        guard let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw InputError(option: option, "'\(text)': N is above the ceiling of \(Limits.maximumShards) shards")
        }
        try self.init(index: i, count: n, option: option)
    }

    /// The indices of this shard among `total` points: `[⌊(i-1)·total/N⌋, ⌊i·total/N⌋)`, computed
    /// in double width so that no product overflows; empty when `total` <= 0.
    public func range(of total: Int) -> Range<Int> {
        let total = Swift.max(0, total)
        func bound(_ k: Int) -> Int {
            let product = total.multipliedFullWidth(by: k)
            return count.dividingFullWidth((high: product.high, low: product.low)).quotient
        }
        return bound(index - 1)..<bound(index)
    }

    public var description: String { "\(index)/\(count)" }
}

/// `--eta METHOD=VALUE`: the step size of one method.
public struct StepSizeAssignment: Sendable, Hashable, CustomStringConvertible {
    /// The method (one that takes a step size).
    public var method: MethodName
    /// Its step size η > 0.
    public var value: Double

    /// Parses `gd=0.02`: a method that takes a step size, and a finite positive value.
    public init(parsing text: String, option: String = "--eta") throws(InputError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw InputError(option: option, "'\(text)' is not METHOD=VALUE (e.g. gd=0.02)") }
        method = try Inputs.name(parts[0], option: option, kind: "method")
        let named = option.isEmpty ? method.rawValue : "\(option) \(method.rawValue)"
        guard method.takesStepSize else {
            throw InputError(option: named, "\(method.label) takes no step size (its line search chooses each step)")
        }
        value = try Inputs.stepSize(parts[1], option: named)
    }

    public var description: String { "\(method.rawValue)=\(value)" }
}

/// An amount of memory (`--max-memory`): `512M`, `4G`, `4GiB`, `1.5G`, or bytes (`1000000`).
/// K, M, G and T are binary (1G = 2³⁰ bytes), as in `ulimit` and Slurm's `--mem`.
public struct ByteCount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in bytes.
    public var bytes: Double

    /// `bytes` bytes.
    public init(bytes: Double) { self.bytes = bytes }

    /// Parses a number of bytes with an optional binary suffix K, M, G or T (and B or iB).
    public init(parsing text: String, option: String = "--max-memory") throws(InputError) {
        var t = Substring(text.trimmingWhitespace().uppercased())
        for suffix in ["IB", "B"] where t.hasSuffix(suffix) { t = t.dropLast(suffix.count); break }
        var scale = 1.0
        if let last = t.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = Double(1 << (10 * power))
            t = t.dropLast()
        }
        let v: Double
        do {
            v = try Inputs.number(String(t), option: option)
        } catch {
            throw InputError(option: option, "'\(text)' is not an amount of memory (e.g. 512M, 4G)")
        }
        guard v > 0, (v * scale).isFinite else { throw InputError(option: option, "'\(text)' must be a positive amount of memory") }
        bytes = v * scale
    }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }

    /// `4G`, `512M`, `1.5G`, `800K`, `100B`: the largest binary unit that leaves at least 1,
    /// with one decimal below 100 units.
    public var description: String {
        for (unit, power) in [("T", 4), ("G", 3), ("M", 2), ("K", 1)] {
            let scale = Double(1 << (10 * power))
            if bytes >= scale {
                let v = bytes / scale
                let whole = v >= 100 || (v * 10).rounded() == v.rounded() * 10
                return String(format: v >= 100_000 ? "%.3g" : whole ? "%.0f" : "%.1f", v) + unit
            }
        }
        return String(format: "%.0f", bytes) + "B"
    }
}

/// The catalog's problems by command-line name.
public enum ProblemName: String, CaseIterable, Sendable {
    case seed, powers, blur, burgers, heat

    /// The dimension used when none is given.
    public var defaultDimension: Int {
        switch self {
        case .seed: return 2
        case .powers: return 10
        case .blur: return 10
        case .burgers: return 16
        case .heat: return 64
        }
    }

    /// The problem at dimension `n` (default ``defaultDimension``).
    /// - Throws: the catalog's refusal (wrong or too large a dimension) as an ``InputError``
    ///   naming `--dimension`.
    public func make(dimension: Int?) throws(InputError) -> InverseProblem {
        let n = dimension ?? defaultDimension
        do {
            switch self {
            case .seed:
                guard n == 2 else { throw InputError("--dimension: the seed problem has dimension 2 (use --problem powers for other even dimensions)") }
                return Problems.seed()
            case .powers: return try Problems.powers(n)
            case .blur: return try Problems.blur(n)
            case .burgers: return try Problems.burgers(n)
            case .heat: return try Problems.heat(n)
            }
        } catch let e as InputError {
            throw e
        } catch {
            throw InputError("--dimension \(n): " + ErrorText.reason(error))
        }
    }
}

/// One line for an error of the library: its description, with an empty `value` of
/// `PhysGradError.invalidParameter(name:value:reason:)` left out ("invalid inverse: ..." rather
/// than "invalid inverse = : ...") and line breaks turned into spaces.
public enum ErrorText {
    /// `error` in one line.
    public static func describe(_ error: any Error) -> String {
        let text: String
        if case .invalidParameter(let name, let value, let reason)? = error as? PhysGradError, value.isEmpty {
            text = "invalid \(name): \(reason)"
        } else {
            text = String(describing: error)
        }
        return oneLine(text)
    }

    /// The reason alone of a refused parameter (the caller names the parameter); else ``describe(_:)``.
    public static func reason(_ error: any Error) -> String {
        if case .invalidParameter(_, _, let reason)? = error as? PhysGradError { return oneLine(reason) }
        return describe(error)
    }

    /// `text` on one line: line breaks become spaces, runs of spaces one space.
    public static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingWhitespaceSubstring() }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

extension String {
    func trimmingWhitespace() -> String { Substring(self).trimmingWhitespaceSubstring() }
}

extension Substring {
    func trimmingWhitespaceSubstring() -> String {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
