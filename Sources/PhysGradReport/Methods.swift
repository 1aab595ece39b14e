import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra
import PhysGradPlot

/// The methods the tool can run, by command-line name, in the order results are reported:
/// PhysGrad's method registry.
public typealias MethodName = MethodKind

extension MethodKind {
    /// The method's color in the figures (matplotlib's tab10 where it has one).
    public var color: Color {
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
        case .lmMinpack: return Color(red: 0x80, green: 0x80, blue: 0x00)
        case .ig: return .black
        case .hig: return Color(red: 0x4B, green: 0x00, blue: 0x82)
        }
    }
}

/// How numerical inverses get φ's gradient (`--inverse-gradient`).
public enum InverseGradient: String, CaseIterable, Sendable {
    case finiteDifferences = "finite-differences"
    case exact

    /// The library's numerical inverse of that name: `NumericalInverse.finiteDifferences` (SciPy's
    /// defaults) or `NumericalInverse.exact` (exact gradients, tight tolerances).
    public var numericalInverse: NumericalInverse {
        switch self {
        case .finiteDifferences: return .finiteDifferences
        case .exact: return .exact
        }
    }

    /// The tool's default on `problem`: finite differences on the chapter's `seed` (its numbers),
    /// exact gradients on every other problem (n + 1 evaluations per inner gradient would cost
    /// what a reverse sweep does not, and SciPy's default tolerances stop the inverse short of
    /// targets that PG needs met).
    public static func standard(for problem: InverseProblem) -> InverseGradient {
        problem.name == "seed" ? .finiteDifferences : .exact
    }
}

/// One method's run, as the tool reports it: the library's `OptimizationResult`, under the
/// tool's method name and step size, with the views the summary reads.
public struct MethodRun: Sendable {
    /// The method, by its registry name.
    public var method: MethodName
    /// η, or `nil` for methods without a step size.
    public var eta: Double?
    /// What the library's driver returned.
    public var result: OptimizationResult

    /// `OptimizationResult.isSuccess`: the method did what was asked and the loss did not rise.
    public var success: Bool { result.isSuccess }
    /// The termination's machine-readable code (`TerminationReason.code`).
    public var terminationCode: String { result.termination.code }
    /// Why the run stopped and what happened to the loss (`OptimizationResult.description`).
    public var terminationDescription: String { result.description }

    /// The diagonal length (`Metrics.diagonalLength(_:)`) of the first descent direction x₀ - x₁.
    public var diagonalLength: Double? {
        guard let u = result.firstUpdate else { return nil }
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
            try method.makeMethod(stepSize: 1).validate(for: problem)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
        guard method.takesStepSize else { return nil }
        if let v = overrides[method] { return v }
        if let v = method.defaultStepSize(on: problem) { return v }
        throw InputError("method \(method.rawValue) has no default step size on problem \(problem.name); give one with --eta \(method.rawValue)=VALUE")
    }

    /// Runs `method` for `steps` steps from `start` and records the trajectory per `trace`;
    /// numerical inverses get φ's gradient per `inverseGradient` (`nil`: ``InverseGradient/standard(for:)``);
    /// `memoryLimit` bounds the method's work arrays (`RunOptions.memoryLimit`), `timeLimit` its
    /// seconds (`RunOptions.timeLimit`; `nil`: none).
    /// - Throws: ``InputError`` for a method that cannot run on the problem or invalid input.
    public static func run(
        _ method: MethodName, on problem: InverseProblem, eta: Double?, start: [Double], steps: Int,
        inverseGradient: InverseGradient? = nil, trace: TracePolicy = .full,
        memoryLimit: Int = RunOptions().memoryLimit, timeLimit: Double? = nil
    ) throws(InputError) -> MethodRun {
        if method.takesStepSize && eta == nil { throw InputError("method \(method.rawValue) needs a step size (--eta \(method.rawValue)=VALUE)") }
        do {
            let m = try method.makeMethod(for: problem, stepSize: method.takesStepSize ? eta : nil,
                                          inverse: (inverseGradient ?? .standard(for: problem)).numericalInverse)
            let options = RunOptions(steps: steps, timeLimit: timeLimit, trace: trace, memoryLimit: memoryLimit)
            let result = try optimize(problem, with: m, from: start, options: options)
            return MethodRun(method: method, eta: method.takesStepSize ? eta : nil, result: result)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
    }
}
