import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra

/// The methods the tool can run, by command-line name, in the order results are reported:
/// PhysGrad's method registry.
public typealias MethodName = MethodKind

extension MethodKind {
    /// `true` for methods that take a step size η.
    public var hasStepSize: Bool { takesStepSize }
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
        terminationDescription = result.description
        success = result.isSuccess
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
    /// - Throws: ``InputError`` when neither exists (e.g. GD on a problem without a
    ///   recommended step size).
    public static func stepSize(_ method: MethodName, on problem: InverseProblem, overrides: [MethodName: Double]) throws(InputError) -> Double? {
        guard method.hasStepSize else { return nil }
        if let v = overrides[method] { return v }
        if let v = method.defaultStepSize(on: problem) { return v }
        throw InputError("method \(method.rawValue) has no default step size on problem \(problem.name); give one with --eta \(method.rawValue)=VALUE")
    }

    /// Runs `method` for `steps` steps from `start` and records the full trajectory.
    /// - Throws: ``InputError`` for a method that cannot run on the problem or invalid input.
    public static func run(
        _ method: MethodName, on problem: InverseProblem, eta: Double?, start: [Double], steps: Int,
        inverseGradient: InverseGradient = .finiteDifferences, trace: TracePolicy = .full
    ) throws(InputError) -> MethodRun {
        let options = RunOptions(steps: steps, trace: trace)
        do {
            let m = try method.makeMethod(for: problem, stepSize: eta, inverse: inverseGradient.numericalInverse)
            return MethodRun(method: method, eta: eta, result: try optimize(problem, with: m, from: start, options: options))
        } catch {
            throw InputError(error.description)
        }
    }
}
