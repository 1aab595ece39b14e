import PhysGrad
import PhysGradLBFGSB
import PhysGradLinearAlgebra

/// The methods the tool can run, by command-line name, in the order results are reported.
public enum MethodName: String, CaseIterable, Sendable, Comparable {
    case gd, newton, pg
    case pgNumerical = "pg-numerical"
    case adam, adagrad, rmsprop, lbfgsb

    public static func < (a: MethodName, b: MethodName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The label in figures and text ("GD", "Newton", ...).
    public var label: String {
        switch self {
        case .gd: return "GD"
        case .newton: return "Newton"
        case .pg: return "PG"
        case .pgNumerical: return "PG (numerical inverse)"
        case .adam: return "Adam"
        case .adagrad: return "AdaGrad"
        case .rmsprop: return "RMSProp"
        case .lbfgsb: return "L-BFGS-B"
        }
    }

    /// `true` for methods that take a step size η.
    public var hasStepSize: Bool { self != .lbfgsb }
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
    /// The fields the summary reads (from `result`, or from the L-BFGS-B placeholder).
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
    /// - Throws: ``InputError`` when neither exists (e.g. PG on burgers, which has no analytic
    ///   inverse and so no PG step size).
    public static func stepSize(_ method: MethodName, on problem: InverseProblem, overrides: [MethodName: Double]) throws(InputError) -> Double? {
        guard method.hasStepSize else { return nil }
        if let v = overrides[method] { return v }
        if let v = problem.stepSizes[method.rawValue] { return v }
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
            switch method {
            case .gd:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: GradientDescent(eta: eta!), from: start, options: options))
            case .newton:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: Newton(eta: eta!), from: start, options: options))
            case .pg:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: PhysicalGradient(eta: eta!), from: start, options: options))
            case .pgNumerical:
                let m = PhysicalGradient(eta: eta!, inverse: .numerical(inverseGradient.numericalInverse))
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: m, from: start, options: options))
            case .adam:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: Adam(eta: eta!), from: start, options: options))
            case .adagrad:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: AdaGrad(eta: eta!), from: start, options: options))
            case .rmsprop:
                return MethodRun(method: method, eta: eta, result: try optimize(problem, with: RMSProp(eta: eta!), from: start, options: options))
            case .lbfgsb:
                return try LBFGSBPlaceholder.run(problem, from: start, steps: steps, trace: trace)
            }
        } catch {
            throw InputError(error.description)
        }
    }
}

/// PLACEHOLDER for the method "lbfgsb" until the library's `LBFGSBMethod` (an `Optimizer`,
/// Sources/PhysGrad/Strategies/LBFGSBMethod.swift) lands: runs `LBFGSBSolver` directly on
/// L(y(x)) with exact gradients, at most `steps` iterations, SciPy's other defaults, and records
/// each iterate through the solver's callback. Replace its one call in
/// ``MethodRunner/run(_:on:eta:start:steps:inverseGradient:trace:)`` with
/// `optimize(problem, with: LBFGSBMethod(...), ...)` when that type exists.
enum LBFGSBPlaceholder {
    static func run(_ problem: InverseProblem, from start: [Double], steps: Int, trace: TracePolicy) throws(PhysGradError) -> MethodRun {
        let n = problem.dimension
        if start.count != n { throw .dimensionMismatch(name: "start", expected: n, actual: start.count) }
        var objective = problem.objective
        var model = problem.model
        var trajectory = Trajectory()
        func record(_ x: [Double], _ f: Double, _ previous: [Double]?) {
            switch trace {
            case .none: break
            case .scalars: trajectory.loss.append(f)
            case .full:
                trajectory.x.append(x)
                trajectory.y.append(model.value(at: x))
                trajectory.loss.append(f)
                if let p = previous { trajectory.updates.append(Vector.subtract(x, p)) }
            }
        }
        let f0 = objective.value(at: start)
        record(start, f0, nil)
        var counts = EvaluationCounts()
        counts.losses = 1
        var previous = start
        var firstUpdate: [Double]?
        if steps == 0 {
            return MethodRun(method: .lbfgsb, x: start, loss: f0, steps: 0, code: "completed-steps",
                             description: "completed the requested steps", success: true, counts: counts,
                             trajectory: trajectory, firstUpdate: nil,
                             distance: problem.solution.map { Vector.distance(start, $0) })
        }
        var options = LBFGSBOptions()
        options.maxiter = steps
        var buffer = [Double](repeating: 0, count: n)
        var gradient = [Double](repeating: 0, count: n)
        let result: LBFGSBResult
        do {
            result = try LBFGSBSolver.minimize(from: start, options: options, callback: { progress in
                let x = Array(progress.x)
                if firstUpdate == nil { firstUpdate = Vector.subtract(x, previous) }
                record(x, progress.f, previous)
                previous = x
                return .continue
            }, objective: { x, g in
                for i in 0..<n { buffer[i] = x[i] }
                let f = objective.valueAndGradient(at: buffer, gradient: &gradient)
                for i in 0..<n { g[i] = gradient[i] }
                return f
            })
        } catch {
            throw .invalidParameter(name: "lbfgsb", value: "", reason: "\(error)")
        }
        counts.gradients = result.evaluations
        let code: String
        switch result.termination {
        case .iterationLimit: code = "completed-steps"
        case .convergedProjectedGradient, .convergedRelativeReduction: code = "converged"
        case .lineSearchFailed: code = "line-search-failed"
        case .nonFiniteValue: code = "non-finite-value"
        case .timeLimit: code = "time-limit"
        case .evaluationLimit: code = "evaluation-limit"
        case .stoppedByCallback: code = "stopped-by-callback"
        }
        return MethodRun(method: .lbfgsb, x: result.x, loss: result.f, steps: result.iterations, code: code,
                         description: result.message, success: result.termination.isSuccess || result.termination == .iterationLimit,
                         counts: counts, trajectory: trajectory, firstUpdate: firstUpdate,
                         distance: problem.solution.map { Vector.distance(result.x, $0) })
    }
}
