import PhysGrad

/// A mistake in what the user asked for, told in one line.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parsers for the command-line tool's values. Each throws an ``InputError`` naming the option
/// and the offending text.
public enum Inputs {
    /// One number: decimal or scientific notation, `inf`, `-inf` only when `allowInfinite`.
    public static func number(_ text: String, option: String, allowInfinite: Bool = false) throws(InputError) -> Double {
        let t = text.trimmingWhitespace()
        let lower = t.lowercased()
        if allowInfinite {
            if lower == "inf" || lower == "+inf" || lower == "infinity" { return .infinity }
            if lower == "-inf" || lower == "-infinity" { return -.infinity }
        }
        guard let v = Double(t), v.isFinite, !t.isEmpty,
              t.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else {
            throw InputError("\(option): '\(text)' is not a number")
        }
        return v
    }

    /// A comma-separated list of numbers (`3,3`, `1e-3, 0.5`).
    public static func numbers(_ text: String, option: String, allowInfinite: Bool = false) throws(InputError) -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if parts.isEmpty || text.trimmingWhitespace().isEmpty { throw InputError("\(option): empty list") }
        var out: [Double] = []
        for p in parts { out.append(try number(p, option: option, allowInfinite: allowInfinite)) }
        return out
    }

    /// A point of dimension `n`: a comma-separated list of n numbers, or one number for every
    /// coordinate.
    public static func point(_ text: String, dimension n: Int, option: String, allowInfinite: Bool = false) throws(InputError) -> [Double] {
        let v = try numbers(text, option: option, allowInfinite: allowInfinite)
        if v.count == 1 { return [Double](repeating: v[0], count: n) }
        guard v.count == n else {
            throw InputError("\(option) has \(v.count) entries, but the problem has dimension \(n) (give \(n) numbers, or one for every coordinate)")
        }
        return v
    }

    /// A positive integer.
    public static func integer(_ text: String, option: String, minimum: Int = 1) throws(InputError) -> Int {
        guard let v = Int(text.trimmingWhitespace()) else { throw InputError("\(option): '\(text)' is not an integer") }
        guard v >= minimum else { throw InputError("\(option): \(v) is too small (at least \(minimum))") }
        return v
    }

    /// A comma-separated list of integers.
    public static func integers(_ text: String, option: String, minimum: Int = 1) throws(InputError) -> [Int] {
        var out: [Int] = []
        for p in text.split(separator: ",", omittingEmptySubsequences: false) {
            out.append(try integer(String(p), option: option, minimum: minimum))
        }
        return out
    }

    /// A comma-separated list of method names, each known, without repeats.
    public static func methods(_ text: String, option: String = "--methods") throws(InputError) -> [MethodName] {
        var out: [MethodName] = []
        for p in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(p).trimmingWhitespace().lowercased()
            guard let m = MethodName(rawValue: name) else {
                throw InputError("\(option): unknown method '\(name)' (known: \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !out.contains(m) { out.append(m) }
        }
        return out
    }

    /// `METHOD=VALUE` assignments (`--eta gd=0.02 --eta pg=0.5`).
    public static func stepSizes(_ assignments: [String], option: String = "--eta") throws(InputError) -> [MethodName: Double] {
        var out: [MethodName: Double] = [:]
        for a in assignments {
            let parts = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw InputError("\(option): '\(a)' is not METHOD=VALUE (e.g. gd=0.02)") }
            let name = parts[0].trimmingWhitespace().lowercased()
            guard let m = MethodName(rawValue: name) else {
                throw InputError("\(option): unknown method '\(name)' (known: \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let v = try number(parts[1], option: "\(option) \(name)")
            guard v > 0 else { throw InputError("\(option) \(name): the step size must be positive, got \(parts[1])") }
            out[m] = v
        }
        return out
    }

    /// A problem of the catalog by name and dimension (`nil`: the problem's default).
    public static func problem(_ name: String, dimension: Int?) throws(InputError) -> InverseProblem {
        let key = name.trimmingWhitespace().lowercased()
        guard let kind = ProblemName(rawValue: key) else {
            throw InputError("--problem: unknown problem '\(name)' (known: \(ProblemName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return try kind.make(dimension: dimension)
    }

    /// `i/N` with 1 <= i <= N.
    public static func shard(_ text: String) throws(InputError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else {
            throw InputError("--shard: '\(text)' is not i/N with 1 <= i <= N (e.g. 2/8)")
        }
        return (i, n)
    }
}

/// The catalog's problems by command-line name.
public enum ProblemName: String, CaseIterable, Sendable {
    case seed, powers, blur, burgers

    /// The dimension used when none is given.
    public var defaultDimension: Int {
        switch self {
        case .seed: return 2
        case .powers: return 10
        case .blur: return 10
        case .burgers: return 16
        }
    }

    /// The problem at dimension `n` (default ``defaultDimension``).
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
            }
        } catch let e as InputError {
            throw e
        } catch {
            throw InputError("--dimension: \((error as? PhysGradError)?.description ?? "\(error)")")
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
