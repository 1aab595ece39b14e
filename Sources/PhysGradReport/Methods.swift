import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra
import PhysGradPlot

/// The methods the tool can run, by command-line name, in the order results are reported.
///
/// Everything the tool needs to know about a method is in its ``traits``: adding a method is
/// adding a case and its entry there.
public enum MethodName: String, CaseIterable, Sendable, Comparable {
    case gd, newton, pg
    case pgNumerical = "pg-numerical"
    case adam, adagrad, rmsprop, lbfgsb

    public static func < (a: MethodName, b: MethodName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The method's label, color, whether it takes a step size, and how to make it.
    public var traits: MethodTraits {
        switch self {
        case .gd:
            return MethodTraits(label: "GD", color: .tab10Blue) { eta, _ in GradientDescent(eta: eta) }
        case .newton:
            return MethodTraits(label: "Newton", color: .tab10Orange) { eta, _ in Newton(eta: eta) }
        case .pg:
            return MethodTraits(label: "PG", color: .tab10Red) { eta, _ in PhysicalGradient(eta: eta) }
        case .pgNumerical:
            return MethodTraits(label: "PG (numerical inverse)", color: .tab10Green) { eta, gradient in
                PhysicalGradient(eta: eta, inverse: .numerical(gradient.numericalInverse))
            }
        case .adam:
            return MethodTraits(label: "Adam", color: .tab10Purple) { eta, _ in Adam(eta: eta) }
        case .adagrad:
            return MethodTraits(label: "AdaGrad", color: .tab10Brown) { eta, _ in AdaGrad(eta: eta) }
        case .rmsprop:
            return MethodTraits(label: "RMSProp", color: .tab10Pink) { eta, _ in RMSProp(eta: eta) }
        case .lbfgsb:
            return MethodTraits(label: "L-BFGS-B", color: .tab10Cyan, takesStepSize: false) { _, _ in LBFGSBMethod() }
        }
    }

    /// The label in figures and text ("GD", "Newton", ...).
    public var label: String { traits.label }

    /// `true` for methods that take a step size η.
    public var hasStepSize: Bool { traits.takesStepSize }
}

/// What the tool knows about one method: see ``MethodName/traits``.
public struct MethodTraits: Sendable {
    /// The label in figures and text.
    public var label: String
    /// Its color in the figures.
    public var color: Color
    /// `false` for methods that choose their own steps (L-BFGS-B's line search).
    public var takesStepSize: Bool
    /// The method with step size η (ignored when it takes none) and, for numerical inverses,
    /// their gradient.
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

/// One method's run, as the tool reports it: the library's `OptimizationResult` plus the
/// metrics the summary needs.
public struct MethodRun: Sendable {
    public var method: MethodName
    /// η, or `nil` for L-BFGS-B.
    public var eta: Double?
    public var result: OptimizationResult?
    /// The fields the summary reads (from `result`).
    public var x: [Double]
    public var loss: Double
    public var steps: Int
    public var terminationCode: String
    public var terminationDescription: String
    public var success: Bool
    public var counts: EvaluationCounts
    public var trajectory: Trajectory
    public var firstUpdate: [Double]?
    public var distanceToSolution: Double?

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
        x = result.x
        loss = result.loss
        steps = result.steps
        terminationCode = result.termination.code
        terminationDescription = result.termination.description
        success = result.termination.isSuccess
        counts = result.counts
        trajectory = result.trajectory
        firstUpdate = result.firstUpdate
        distanceToSolution = result.distanceToSolution
    }

    init(method: MethodName, x: [Double], loss: Double, steps: Int, code: String, description: String, success: Bool,
         counts: EvaluationCounts, trajectory: Trajectory, firstUpdate: [Double]?, distance: Double?) {
        self.method = method
        self.eta = nil
        self.result = nil
        self.x = x
        self.loss = loss
        self.steps = steps
        self.terminationCode = code
        self.terminationDescription = description
        self.success = success
        self.counts = counts
        self.trajectory = trajectory
        self.firstUpdate = firstUpdate
        self.distanceToSolution = distance
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
        if let v = problem.stepSizes[method.rawValue] { return v }
        throw InputError("method \(method.rawValue) has no default step size on problem \(problem.name); give one with --eta \(method.rawValue)=VALUE")
    }

    /// Runs `method` for `steps` steps from `start` and records the trajectory per `trace`.
    /// - Throws: ``InputError`` for a method that cannot run on the problem or invalid input.
    public static func run(
        _ method: MethodName, on problem: InverseProblem, eta: Double?, start: [Double], steps: Int,
        inverseGradient: InverseGradient = .finiteDifferences, trace: TracePolicy = .full
    ) throws(InputError) -> MethodRun {
        if method.hasStepSize && eta == nil { throw InputError("method \(method.rawValue) needs a step size (--eta \(method.rawValue)=VALUE)") }
        let optimizer = method.traits.make(eta ?? 1, inverseGradient)
        do {
            let result = try optimize(problem, with: optimizer, from: start, options: RunOptions(steps: steps, trace: trace))
            return MethodRun(method: method, eta: method.hasStepSize ? eta : nil, result: result)
        } catch {
            throw InputError(ErrorText.describe(error))
        }
    }
}
