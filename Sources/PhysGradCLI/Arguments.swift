import ArgumentParser
import PhysGrad
import PhysGradExamples
import PhysGradReport

// The tool's values as ArgumentParser argument types. Names are case-insensitive. Options whose
// values can be wrong in more than one way parse with `transform:` and the same parsers, so that
// the message says what is wrong ("The value '3,x' is invalid for '--start <x>': 'x' is not a
// finite number"); `init?(argument:)` serves everything else (defaults in the help, tests).

extension ProblemName: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension MethodName: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension InverseGradient: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension SweepFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// The built-in test functions, by name (the catalog ``TestFunctions/all`` is the list).
extension TestFunction: ExpressibleByArgument {
    public init?(argument: String) {
        guard let f = try? TestFunctions.named(argument) else { return nil }
        self = f
    }
    public static var allValueStrings: [String] { TestFunctions.all.map(\.name) }
    public var defaultValueDescription: String { name }
}

/// What `compare` writes on stdout.
enum CompareFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, csv
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// What `invert` and `minimize` write on stdout.
enum ResultFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// Coordinates typed on the command line: a point (`--start`, `--target`: n comma-separated
/// finite numbers, or one for every coordinate) or bounds (`--lower`, `--upper`: the same, with
/// `inf` and `-inf` for "no bound"). The dimension is known once the problem is made:
/// ``resolved(dimension:option:)``.
struct Coordinates<Kind: CoordinateKind>: ExpressibleByArgument {
    var list: NumberList
    init(parsing text: String) throws(InputError) {
        list = Kind.allowsInfinity ? try NumberList(bounds: text, option: "") : try NumberList(point: text, option: "")
    }
    init?(argument: String) { try? self.init(parsing: argument) }
    var defaultValueDescription: String { list.description }
    func resolved(dimension: Int, option: String) throws(InputError) -> [Double] { try list.point(dimension: dimension, option: option) }
}

protocol CoordinateKind { static var allowsInfinity: Bool { get } }
enum PointKind: CoordinateKind { static var allowsInfinity: Bool { false } }
enum BoundsKind: CoordinateKind { static var allowsInfinity: Bool { true } }
typealias PointArgument = Coordinates<PointKind>
typealias BoundsArgument = Coordinates<BoundsKind>

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    init(argumentText text: String) throws(InputError) { try self.init(parsing: text, option: "") }
}

extension StepSizeAssignment: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    init(argumentText text: String) throws(InputError) { try self.init(parsing: text, option: "") }
}

extension ByteCount: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    init(argumentText text: String) throws(InputError) { try self.init(parsing: text, option: "") }
    public var defaultValueDescription: String { description }
}

/// A comma-separated list of distinct names (`gd,newton,pg`).
struct NameList<Name: RawRepresentable & CaseIterable & Equatable & Sendable>: ExpressibleByArgument
where Name.RawValue == String {
    var values: [Name]
    init(values: [Name]) { self.values = values }
    init(parsing text: String, kind: String) throws(InputError) { values = try Inputs.names(text, option: "", kind: kind) }
    init?(argument: String) { try? self.init(parsing: argument, kind: "name") }
    var defaultValueDescription: String { values.map(\.rawValue).joined(separator: ",") }
    static var allValueStrings: [String] { Name.allCases.map(\.rawValue) }
}

/// A comma-separated list of numbers (`--etas`, `--starts`): finite, distinct, at most
/// ``Limits/maximumListLength`` of them.
struct NumberListArgument: ExpressibleByArgument {
    var values: [Double]
    init(parsing text: String) throws(InputError) {
        values = try Inputs.numbers(text, option: "", limit: Limits.maximumListLength)
        for (i, v) in values.enumerated() where values[..<i].contains(v) {
            throw InputError("\(RunReport.csvNumber(v)) is listed twice")
        }
    }
    init?(argument: String) { try? self.init(parsing: argument) }
}

/// A comma-separated list of distinct positive integers (`--dimensions`).
struct IntegerListArgument: ExpressibleByArgument {
    var values: [Int]
    init(parsing text: String) throws(InputError) { values = try Inputs.integers(text, option: "") }
    init?(argument: String) { try? self.init(parsing: argument) }
}

// MARK: - What several commands share

/// `--problem` and `--dimension` (compare, invert).
struct ProblemOptions: ParsableArguments {
    @Option(help: "The problem.")
    var problem: ProblemName = .seed

    @Option(parsing: .unconditional,
            help: "The number of unknowns n (seed: 2; powers: even; burgers: 3 to \(Problems.burgersMaximumDimension); heat: 3 to \(Problems.heatMaximumDimension); powers and blur: at most \(Problems.maximumDimension); defaults: powers 10, blur 10, burgers 16, heat 64).")
    var dimension: Int?

    /// The problem, made (the catalog refuses dimensions it does not support).
    func make() throws(InputError) -> InverseProblem { try problem.make(dimension: dimension) }
}

/// `--start` (compare, invert, minimize).
struct StartOption: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("The starting point: n comma-separated numbers, or one number for every coordinate (default: the problem's or function's own).",
                               valueName: "x"),
            transform: { text throws(InputError) in try PointArgument(parsing: text) })
    var start: PointArgument?

    /// The start in n dimensions, or `standard` when none was given.
    func resolved(dimension n: Int, standard: [Double]) throws(InputError) -> [Double] {
        try start?.resolved(dimension: n, option: "--start") ?? standard
    }
}

/// `--inverse-gradient` (compare, invert, sweep).
struct InverseGradientOption: ParsableArguments {
    @Option(help: "Gradient of the numerical inverse's objective: finite-differences (the chapter's, SciPy's default tolerances) or exact (reverse mode, tight tolerances). Default: finite-differences on seed, exact on the other problems.")
    var inverseGradient: InverseGradient?
}

/// `--steps` (compare, sweep), with its ceiling.
struct StepsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Steps per method (the chapter's 10 by default; at most \(Limits.maximumSteps)).")
    var steps: Int = 10

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps: \(steps) is negative") }
        guard steps <= Limits.maximumSteps else {
            throw ValidationError("--steps: \(steps) is above the ceiling of \(Limits.maximumSteps) steps")
        }
    }
}

/// `--max-memory` (compare, minimize): the memory a run may plan to use.
struct MemoryOption: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("Refuse runs estimated to need more memory than this (K, M, G, T are binary units; default: \(Limits.defaultMemoryBudget)).", valueName: "size"),
            transform: { text throws(InputError) in try ByteCount(argumentText: text) })
    var maxMemory: ByteCount = Limits.defaultMemoryBudget

    /// Throws when `estimate` exceeds the budget, naming what needs it and how to change it.
    func check(_ estimate: Double, for what: String, lower: String) throws(InputError) {
        guard estimate > maxMemory.bytes else { return }
        throw InputError("\(what) needs about \(ByteCount(bytes: estimate)) of memory, above --max-memory \(maxMemory); \(lower), or raise --max-memory")
    }
}
