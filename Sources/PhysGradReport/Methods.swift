import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra
import PhysGradPlot

/// The methods the tool can run, by command-line name, in the order results are reported:
/// PhysGrad's method registry.
public typealias MethodName = MethodKind

extension MethodKind {
    /// The method's label, color, whether it takes a step size, and how to make it.
    public var traits: MethodTraits {
        MethodTraits(label: label, color: color, takesStepSize: takesStepSize) { eta, gradient in
            self.makeMethod(stepSize: eta, inverse: gradient.numericalInverse)
        }
    }

    /// The method's color in the figures (matplotlib's tab10 where it has one).
    var color: Color {
        switch self {
        case .gd: return .tab10Blue
        case .newton: return .tab10Orange
        case .pg: return .tab10Red
        case .pgNumerical: return .tab10Green
        case .adam: return .tab10Purple
        case .adagrad: return .tab10Brown
        case .rmsprop: return .tab10Pink
        case .lbfgsb: return .tab10Cyan
        case .gn: return .tab10Gray
        case .lm: return .tab10Olive
        case .ig: return Color(hex: "#000000") ?? .tab10Gray
        case .hig: return Color(hex: "#4B0082") ?? .tab10Gray
        }
    }

    /// `true` for methods that take a step size η.
    public var hasStepSize: Bool { takesStepSize }
}

/// What the tool knows about one method: see ``MethodKind/traits``.
public struct MethodTraits: Sendable {
    /// The label in figures and text.
    public var label: String
    /// Its color in the figures.
    public var color: Color
    /// `false` for methods that choose their own steps (L-BFGS-B, Levenberg-Marquardt).
    public var takesStepSize: Bool
    /// The method with step size η (ignored when it takes none) and, for numerical inverses,
    /// their gradient, with the method's own defaults otherwise.
    public var make: @Sendable (_ eta: Double, _ inverseGradient: InverseGradient) -> any Optimizer

    public init(label: String, color: Color, takesStepSize: Bool = true,
                make: @escaping @Sendable (_ eta: Double, _ inverseGradient: InverseGradient) -> any Optimizer) {
        self.label = label
        self.color = color
        self.takesStepSize = takesStepSize
        self.make = make
    }
}

/// How numerical inverses get φ's gradient (`--inverse-gradient`).
public enum InverseGradient: String, CaseIterable, Sendable {
    case finiteDifferences = "finite-differences"
    case exact

    public var numericalInverse: NumericalInverse {
        switch self {
        case .finiteDifferences: return .finiteDifferences
        case .exact: return .exact
        }
    }
}

/// One method's run, as the tool reports it: the library's `OptimizationResult`, under the
/// tool's method name and step size, with the views the summary reads.
public struct MethodRun: Sendable {
    public var method: MethodName
    /// η, or `nil` for methods without a step size.
    public var eta: Double?
    public var result: OptimizationResult

    public var x: [Double] { result.x }
    public var loss: Double { result.loss }
    public var steps: Int { result.steps }
    public var counts: EvaluationCounts { result.counts }
    public var trajectory: Trajectory { result.trajectory }
    public var firstUpdate: [Double]? { result.firstUpdate }
    public var distanceToSolution: Double? { result.distanceToSolution }
    /// ``OptimizationResult/isSuccess``: the method did what was asked and the loss did not rise.
    public var success: Bool { result.isSuccess }
    public var terminationCode: String { result.termination.code }
    /// Why the run stopped and what happened to the loss (``OptimizationResult/description``).
    public var terminationDescription: String { result.description }

    /// The chapter's diagonal length of the first descent direction x₀ - x₁.
    public var diagonalLength: Double? {
        guard let u = firstUpdate else { return nil }
        let v = Metrics.diagonalLength(u.map { -$0 })
        return v.isFinite ? v : nil
    }

    init(method: MethodName, eta: Double?, result: OptimizationResult) {
        self.method = method
        self.eta = eta
        self.result = result
    }
}

/// Runs the tool's methods on catalog problems.
public enum MethodRunner {
    /// The step size `method` uses on `problem`: the user's, else the problem's default.
    /// - Throws: ``InputError`` when the method cannot run on the problem at all (PG on a problem
    ///   without an analytic inverse), or when it has no default step size there.
    public static func stepSize(_ method: MethodName, on problem: InverseProblem, overrides: [MethodName: Double]) throws(InputError) -> Double? {
        do {
            try method.traits.make(1, .finiteDifferences).validate(for: problem)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
        guard method.hasStepSize else { return nil }
        if let v = overrides[method] { return v }
        if let v = method.defaultStepSize(on: problem) { return v }
        throw InputError("method \(method.rawValue) has no default step size on problem \(problem.name); give one with --eta \(method.rawValue)=VALUE")
    }

    /// Runs `method` for `steps` steps from `start` and records the trajectory per `trace`;
    /// `memoryLimit` bounds the method's work arrays (``RunOptions/memoryLimit``), `timeLimit` its
    /// seconds (``RunOptions/timeLimit``; `nil`: none).
    /// - Throws: ``InputError`` for a method that cannot run on the problem or invalid input.
    public static func run(
        _ method: MethodName, on problem: InverseProblem, eta: Double?, start: [Double], steps: Int,
        inverseGradient: InverseGradient = .finiteDifferences, trace: TracePolicy = .full,
        memoryLimit: Int = RunOptions().memoryLimit, timeLimit: Double? = nil
    ) throws(InputError) -> MethodRun {
        if method.hasStepSize && eta == nil { throw InputError("method \(method.rawValue) needs a step size (--eta \(method.rawValue)=VALUE)") }
        do {
            let m = try method.makeMethod(for: problem, stepSize: method.hasStepSize ? eta : nil,
                                          inverse: inverseGradient.numericalInverse)
            let options = RunOptions(steps: steps, timeLimit: timeLimit, trace: trace, memoryLimit: memoryLimit)
            let result = try optimize(problem, with: m, from: start, options: options)
            return MethodRun(method: method, eta: method.hasStepSize ? eta : nil, result: result)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
    }
}
