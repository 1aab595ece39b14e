import PhysGradLinearAlgebra

/// How much of a run to keep.
public enum TracePolicy: Sendable, Hashable {
    /// Only the final state (and the first update, for the diagonal-length metric).
    case none
    /// The loss at every iterate.
    case scalars
    /// x, y(x) and the loss at every iterate, and every update.
    case full
}

/// Settings of one run, shared by every method.
public struct RunOptions: Sendable {
    /// The number of steps to take (the run may stop earlier on a tolerance).
    public var steps: Int
    /// Stop when ‖∇ₓL(x)‖∞ <= this (checked after each step; costs one gradient per step).
    public var gradientTolerance: Double?
    /// Stop when ‖x_{k+1} - x_k‖∞ <= this.
    public var stepTolerance: Double?
    /// Stop when L(x) <= this.
    public var targetLoss: Double?
    /// Stop after this many seconds of wall time (checked between steps).
    public var timeLimit: Double?
    public var trace: TracePolicy

    public init(steps: Int = 10, gradientTolerance: Double? = nil, stepTolerance: Double? = nil,
                targetLoss: Double? = nil, timeLimit: Double? = nil, trace: TracePolicy = .full) {
        self.steps = steps
        self.gradientTolerance = gradientTolerance
        self.stepTolerance = stepTolerance
        self.targetLoss = targetLoss
        self.timeLimit = timeLimit
        self.trace = trace
    }

    func validate() throws(PhysGradError) {
        if steps < 0 { throw .invalidParameter(name: "steps", value: "\(steps)", reason: "must be >= 0") }
        for (name, value) in [("gradientTolerance", gradientTolerance), ("stepTolerance", stepTolerance),
                              ("timeLimit", timeLimit)] {
            if let v = value, !(v.isFinite && v >= 0) {
                throw .invalidParameter(name: name, value: "\(v)", reason: "must be finite and >= 0")
            }
        }
        if let t = targetLoss, t.isNaN { throw .invalidParameter(name: "targetLoss", value: "nan", reason: "must be a number") }
    }
}

/// What the callback sees after every step.
public struct Iteration: Sendable {
    /// The step just taken (1-based: step 1 moved x₀ to x₁).
    public var step: Int
    /// The new iterate x_k.
    public var x: [Double]
    /// The update x_k - x_{k-1}.
    public var update: [Double]
    /// L(y(x_k)).
    public var loss: Double
    /// Evaluations so far.
    public var counts: EvaluationCounts
}

/// The callback's answer.
public enum CallbackDecision: Sendable {
    case proceed
    case stop
}

/// Iterates, their model outputs, losses and updates, as the trace policy kept them.
public struct Trajectory: Sendable, Hashable {
    /// x₀, x₁, ... (``TracePolicy/full`` only).
    public var x: [[Double]] = []
    /// y(x₀), y(x₁), ... (``TracePolicy/full`` only).
    public var y: [[Double]] = []
    /// L(x₀), L(x₁), ... (``TracePolicy/scalars`` and ``TracePolicy/full``).
    public var loss: [Double] = []
    /// x₁ - x₀, x₂ - x₁, ... (``TracePolicy/full`` only).
    public var updates: [[Double]] = []

    public init() {}
}

/// The outcome of a run.
public struct OptimizationResult: Sendable {
    /// The method's name ("gd", "newton", ...).
    public var method: String
    /// Its step size η, if it has one.
    public var stepSize: Double?
    /// The last iterate (the last finite one if the run stopped on a non-finite value).
    public var x: [Double]
    /// L(y(x)) at ``x``.
    public var loss: Double
    /// y(x) at ``x``.
    public var y: [Double]
    /// Steps taken.
    public var steps: Int
    public var termination: TerminationReason
    /// Evaluations made by the method (the driver's own evaluations for the trace and the
    /// tolerance tests are not counted).
    public var counts: EvaluationCounts
    public var trajectory: Trajectory
    /// x₁ - x₀, kept under every trace policy (for ``Metrics/diagonalLength(_:)``).
    public var firstUpdate: [Double]?
    /// ‖x - solution‖₂ when the problem knows its solution.
    public var distanceToSolution: Double?
    /// Wall time of the run in seconds.
    public var seconds: Double
}

/// Runs `method` on `problem` from `start` (default: the problem's start).
///
/// The driver owns the loop: it validates the inputs, makes the method's state, takes up to
/// `options.steps` steps, records the trajectory per `options.trace`, calls `callback` after
/// every step (return `.stop` to end the run), and stops on the tolerances, the time limit, or a
/// failure the method reports (a ``TerminationReason``, never a crash and never a NaN in the
/// result: a step that produces a non-finite iterate is not taken).
///
/// - Throws: ``PhysGradError`` for invalid input (wrong dimension, non-finite start, a start
///   where the model or the loss is not finite, invalid options, a method that cannot run on
///   this problem). Numerical trouble during the run is a termination reason instead.
public func optimize<Method: Optimizer>(
    _ problem: InverseProblem, with method: Method, from start: [Double]? = nil,
    options: RunOptions = RunOptions(), callback: ((Iteration) -> CallbackDecision)? = nil
) throws(PhysGradError) -> OptimizationResult {
    let x0 = start ?? problem.start
    try problem.validate(point: x0, name: "start")
    try options.validate()
    try method.validate()
    try method.validate(for: problem)

    let clock = ContinuousClock()
    let began = clock.now
    func elapsed() -> Double {
        let d = clock.now - began
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    var evaluator = ProblemEvaluator(problem)
    // The driver's own evaluations (trace, tolerance tests) go through a separate copy so that
    // the method's counts stay what the method did.
    var observer = ProblemEvaluator(problem)
    var trajectory = Trajectory()
    var x = x0
    var loss = observer.loss(at: x)
    var y: [Double] = observer.model(at: x)
    if !y.allSatisfy(\.isFinite) { throw .nonFiniteAtStart(quantity: "model output y(x)") }
    if !loss.isFinite { throw .nonFiniteAtStart(quantity: "loss L(y(x))") }
    func record(_ point: [Double], _ value: Double, _ update: [Double]?) {
        switch options.trace {
        case .none: break
        case .scalars: trajectory.loss.append(value)
        case .full:
            trajectory.x.append(point)
            y = observer.model(at: point)
            trajectory.y.append(y)
            trajectory.loss.append(value)
            if let u = update { trajectory.updates.append(u) }
        }
    }
    record(x, loss, nil)

    var termination = TerminationReason.completedSteps
    var steps = 0
    var firstUpdate: [Double]?
    var gradient = [Double](repeating: 0, count: problem.dimension)
    do throws(StepFailure) {
        var state = try method.makeState(at: x, evaluator: &evaluator)
        func timeIsUp() -> Bool {
            if let limit = options.timeLimit, elapsed() >= limit { return true }
            return false
        }
        if options.steps == 0 {
            termination = .completedSteps
        } else if timeIsUp() {
            termination = .timeLimit
        } else {
            // Called after every step with the new iterate: record it, ask the callback, apply the
            // stopping tests; `false` ends the iteration (with `termination` set).
            let stoppedByMethod = try method.iterate(&state, evaluator: &evaluator) { outcome, counts throws(StepFailure) -> Bool in
                try requireFinite(outcome.x, "iterate after step \(steps + 1)")
                let newLoss = observer.loss(at: outcome.x)
                if !newLoss.isFinite { throw StepFailure(.nonFiniteValue("loss after step \(steps + 1)")) }
                let update = Vector.subtract(outcome.x, x)
                steps += 1
                if firstUpdate == nil { firstUpdate = update }
                x = outcome.x
                loss = newLoss
                record(x, loss, update)
                if let why = outcome.converged {
                    termination = .convergedByMethod(why)
                    return false
                }
                if let cb = callback,
                   cb(Iteration(step: steps, x: x, update: update, loss: loss, counts: counts)) == .stop {
                    termination = .stoppedByCallback
                    return false
                }
                if let t = options.targetLoss, loss <= t {
                    termination = .reachedTargetLoss
                    return false
                }
                if let tol = options.stepTolerance, Vector.normInf(update) <= tol {
                    termination = .convergedStep
                    return false
                }
                if let tol = options.gradientTolerance {
                    _ = observer.lossAndGradient(at: x, gradient: &gradient)
                    if Vector.normInf(gradient) <= tol {
                        termination = .convergedGradient
                        return false
                    }
                }
                if steps >= options.steps {
                    termination = .completedSteps
                    return false
                }
                if timeIsUp() {
                    termination = .timeLimit
                    return false
                }
                return true
            }
            if let reason = stoppedByMethod { termination = reason }
        }
    } catch {
        termination = error.reason
    }
    if options.trace != .full || y.isEmpty { y = observer.model(at: x) }
    let distance = problem.solution.map { Vector.distance(x, $0) }
    return OptimizationResult(
        method: method.name, stepSize: method.stepSize, x: x, loss: loss, y: y, steps: steps,
        termination: termination, counts: evaluator.counts, trajectory: trajectory, firstUpdate: firstUpdate,
        distanceToSolution: distance, seconds: elapsed())
}
