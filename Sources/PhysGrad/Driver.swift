import PhysGradLinearAlgebra

/// How much of a run to keep.
///
/// PhysGradLBFGSB, usable on its own, has its own `LBFGSBTraceLevel` (``none`` and ``scalars``
/// only: it knows no model y); when L-BFGS-B runs inside PhysGrad (``LBFGSBMethod``, numerical
/// inverses), this driver records the trajectory from the accepted iterates.
public enum TracePolicy: Sendable, Hashable {
    /// Only the final state (and the first update, for the diagonal-length metric).
    case none
    /// The loss at every iterate.
    case scalars
    /// x, y(x) and the loss at every iterate, and every update.
    case full
}

/// Settings of one run, shared by every method.
///
/// The defaults suit general use: up to 1000 steps, stopping earlier when the method converges
/// by its own tests, no stored trace.
public struct RunOptions: Sendable {
    /// The largest number of steps to take (the run may stop earlier on a tolerance or on the
    /// method's own convergence tests); at most ``maximumSteps``.
    public var steps: Int
    /// Stop when ‖∇ₓL(x)‖∞ <= this (checked after each step; costs one gradient per step). It is
    /// the plain gradient: with bounds active at the solution it stays away from 0, and the
    /// bounded methods stop on their own projected tests.
    public var gradientTolerance: Double?
    /// Stop when ‖x_{k+1} - x_k‖∞ <= this.
    public var stepTolerance: Double?
    /// Stop when L(x) <= this.
    public var targetLoss: Double?
    /// Stop after this many seconds of wall time, any t >= 0 (0: before the first step; +∞ or
    /// `nil`: no limit). Checked between steps and inside them: between the trial points of a
    /// line search or trust region, inside numerical inverses (L-BFGS-B's own
    /// `LBFGSBOptions.timeLimit`, which means the same, is set to what is left), and between the
    /// column passes of dense Hessians and Jacobians of array-level models (those of scalar
    /// generic models and of user closures are built whole). A run overshoots by the work in
    /// progress when the limit passes (an evaluation, or one such Hessian or Jacobian) plus the
    /// driver's own evaluations at the end: y and L at the final point, and L after a fixed step,
    /// a few model evaluations in all.
    public var timeLimit: Double?
    /// How much of the run the result's ``OptimizationResult/trajectory`` keeps.
    public var trace: TracePolicy
    /// The memory the method's work arrays may take, in bytes (default 8 GiB): dense second-order
    /// methods whose matrices would not fit are refused before the run with
    /// ``PhysGradError/exceedsMemoryLimit(what:bytes:limit:suggestion:)``.
    public var memoryLimit: Int
    /// The memory the trace may take, in bytes (default 256 MiB). When a long run fills it, every
    /// other recorded iterate is dropped and recording continues at twice the stride
    /// (``Trajectory/stepIndices`` says which steps were kept), so a run of any length keeps
    /// a bounded, evenly thinned trace; the start and the last iterate are always kept (so a
    /// budget smaller than two entries keeps those two).
    public var traceMemoryLimit: Int

    /// The largest ``steps`` accepted (10⁹).
    public static let maximumSteps = 1_000_000_000

    /// Options for general use unless given: up to 1000 steps, no tolerance, no time limit, no
    /// trace, 8 GiB for the method's arrays and 256 MiB for the trace.
    public init(steps: Int = 1000, gradientTolerance: Double? = nil, stepTolerance: Double? = nil,
                targetLoss: Double? = nil, timeLimit: Double? = nil, trace: TracePolicy = .none,
                memoryLimit: Int = 8 << 30, traceMemoryLimit: Int = 256 << 20) {
        self.steps = steps
        self.gradientTolerance = gradientTolerance
        self.stepTolerance = stepTolerance
        self.targetLoss = targetLoss
        self.timeLimit = timeLimit
        self.trace = trace
        self.memoryLimit = memoryLimit
        self.traceMemoryLimit = traceMemoryLimit
    }

    func validate() throws(PhysGradError) {
        if !(0...Self.maximumSteps).contains(steps) {
            throw .invalidParameter(name: "steps", value: "\(steps)", reason: "must be in 0...\(Self.maximumSteps)")
        }
        for (name, value) in [("gradientTolerance", gradientTolerance), ("stepTolerance", stepTolerance)] {
            if let v = value, !(v.isFinite && v >= 0) {
                throw .invalidParameter(name: name, value: "\(v)", reason: "must be finite and >= 0")
            }
        }
        if let t = timeLimit, !(t >= 0) {
            throw .invalidParameter(name: "timeLimit", value: "\(t)", reason: "must be >= 0 seconds")
        }
        if let t = targetLoss, t.isNaN { throw .invalidParameter(name: "targetLoss", value: "nan", reason: "must be a number") }
        if memoryLimit <= 0 { throw .invalidParameter(name: "memoryLimit", value: "\(memoryLimit)", reason: "must be positive") }
        if traceMemoryLimit <= 0 {
            throw .invalidParameter(name: "traceMemoryLimit", value: "\(traceMemoryLimit)", reason: "must be positive")
        }
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
    /// What the step's acceptance, linear algebra and inner solves did.
    public var report: StepReport
}

/// The callback's answer.
public enum CallbackDecision: Sendable {
    case proceed
    case stop
}

/// Iterates, their model outputs, losses, updates and step reports, as the trace policy kept them.
///
/// Entry `i` of ``x``, ``y``, ``loss`` and ``stepIndices`` belong together; ``updates`` and
/// ``reports`` start at the first step, so entry `i` of them belongs to entry `i + 1` of the
/// others. Without thinning (``RunOptions/traceMemoryLimit``) the step of entry `i` is `i`.
public struct Trajectory: Sendable, Hashable {
    /// x₀, x₁, ... (``TracePolicy/full`` only).
    public var x: [[Double]] = []
    /// y(x₀), y(x₁), ... (``TracePolicy/full`` only).
    public var y: [[Double]] = []
    /// L(x₀), L(x₁), ... (``TracePolicy/scalars`` and ``TracePolicy/full``).
    public var loss: [Double] = []
    /// x₁ - x₀, x₂ - x₁, ...: the update of the step that produced each kept iterate
    /// (``TracePolicy/full`` only).
    public var updates: [[Double]] = []
    /// What each kept step's acceptance and solves did (``TracePolicy/scalars`` and ``TracePolicy/full``).
    public var reports: [StepReport] = []
    /// The step number of each kept entry (0 for the start).
    public var stepIndices: [Int] = []

    /// An empty trajectory.
    public init() {}
}

/// The outcome of a run.
public struct OptimizationResult: Sendable, CustomStringConvertible {
    /// The method's name ("gd", "newton", ...).
    public var method: String
    /// Its step size η, if it has one.
    public var stepSize: Double?
    /// The last iterate (the last finite one if the run stopped on a non-finite value).
    public var x: [Double]
    /// L(y(x)) at ``x``.
    public var loss: Double
    /// L(y(x₀)) at the start (for a method with bounds, at the start projected onto its box,
    /// where the method begins).
    public var initialLoss: Double
    /// y(x) at ``x``.
    public var y: [Double]
    /// Steps taken (accepted).
    public var steps: Int
    /// Why the run ended.
    public var termination: TerminationReason
    /// Evaluations made by the method (the driver's own evaluations for the trace and the
    /// tolerance tests are not counted).
    public var counts: EvaluationCounts
    /// Totals of what the steps reported: rejected and shortened steps, LU fallbacks, Hessian
    /// shifts, truncated solves, numerical inverses that stopped short.
    public var diagnostics: RunDiagnostics
    /// The iterates, outputs, losses and step reports that ``RunOptions/trace`` kept.
    public var trajectory: Trajectory
    /// x₁ - x₀, kept under every trace policy (for ``Metrics/diagonalLength(_:)``).
    public var firstUpdate: [Double]?
    /// ‖x - solution‖₂ when the problem knows its solution.
    public var distanceToSolution: Double?
    /// Wall time of the run in seconds.
    public var seconds: Double

    /// `true` when the run did what was asked and left the loss no higher than it started:
    /// the method converged or took its steps (``TerminationReason/isSuccess``), the final loss
    /// is finite and at most ``initialLoss``, and no numerical inverse stopped short of its
    /// target. A run that ends above its start, on a non-finite value, on a failure, or with
    /// inverse solves that stopped short is not a success, whatever the reason it stopped.
    public var isSuccess: Bool {
        termination.isSuccess && loss.isFinite && !(loss > initialLoss) && diagnostics.inverseSolvesStoppedShort == 0
    }

    /// `true` when the final loss is above the loss at the start.
    public var lossIncreased: Bool { loss > initialLoss }

    /// Why the run stopped, what happened to the loss, and what went wrong on the way, in one
    /// line: "completed the requested steps; loss 90.0 -> 0.072 (decreased)", "completed the
    /// requested steps; loss 5.5e4 -> 8.1e7 (ROSE above the start); 3 LU fallbacks on an
    /// indefinite Hessian".
    public var description: String {
        var parts = [termination.description]
        let change = loss > initialLoss ? "ROSE above the start" : (loss < initialLoss ? "decreased" : "unchanged")
        parts.append("loss \(Self.short(initialLoss)) -> \(Self.short(loss)) (\(change))")
        let d = diagnostics
        if d.inverseSolvesStoppedShort > 0 {
            parts.append("\(d.inverseSolvesStoppedShort) of \(d.inverseSolves) inverse solves stopped short of their target")
        }
        if d.luFallbacks > 0 { parts.append("\(d.luFallbacks) LU fallbacks on an indefinite Hessian") }
        if d.shiftedSolves > 0 { parts.append("\(d.shiftedSolves) shifted Hessians (largest shift \(Self.short(d.largestShift)))") }
        if d.rejectedTrials > 0 { parts.append("\(d.rejectedTrials) trial steps rejected") }
        if d.shortenedSteps > 0 { parts.append("\(d.shortenedSteps) steps shortened") }
        if d.truncatedSolves > 0 { parts.append("\(d.truncatedSolves) rank-truncated solves") }
        return parts.joined(separator: "; ")
    }

    /// A number in a few significant digits: 0.073, 90.0, 5.5e4, 1.2e-12.
    static func short(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return "\(v)" }
        let m = Swift.abs(v)
        if m >= 1e-3 && m < 1e5 { return "\((v * 1000).rounded() / 1000)" }
        var e = Int(_log10(m).rounded(.down))
        // 10^e underflows to 0 below 1e-323 (and loses digits among the subnormals): scale first.
        let scaled = e < -290 ? v * 1e300 / _pow(10, Double(e + 300)) : v / _pow(10, Double(e))
        var mantissa = (scaled * 10).rounded() / 10
        if Swift.abs(mantissa) >= 10 {
            mantissa /= 10
            e += 1
        }
        return "\(mantissa)e\(e)"
    }
}

/// Runs `method` on `problem` from `start` (default: the problem's start). A method with bounds
/// (``GaussNewton``, ``LevenbergMarquardt``, ``LBFGSBMethod``) starts from the nearest point of
/// its box, and so does the run: its initial loss, first trace entry and first update are those
/// of that point.
///
/// The driver owns the loop: it validates the inputs once (dimensions of the start, of the
/// model's output, of the least-squares target and bounds; options; the method's parameters and
/// its memory needs), makes the method's state, takes up to `options.steps` steps, records the
/// trajectory per `options.trace`, calls `callback` after every step (return `.stop` to end the
/// run; after a step with which the method stops by itself, its own reason stands), and stops on the tolerances, the time limit, the method's own convergence, or a failure
/// the method reports (a ``TerminationReason``, never a crash and never a NaN in the result: a
/// step that produces a non-finite iterate is not taken).
///
/// - Throws: ``PhysGradError`` for invalid input (wrong dimension, non-finite start, a start
///   where the model or the loss is not finite, invalid options, a method that cannot run on
///   this problem or would exceed the memory limit). Numerical trouble during the run is a
///   termination reason instead.
public func optimize<Method: Optimizer>(
    _ problem: InverseProblem, with method: Method, from start: [Double]? = nil,
    options: RunOptions = RunOptions(), callback: ((Iteration) -> CallbackDecision)? = nil
) throws(PhysGradError) -> OptimizationResult {
    let given = start ?? problem.start
    try problem.validate(point: given, name: "start")
    try options.validate()
    try method.validate()
    try method.validate(for: problem)
    // A method with bounds starts from the nearest point of its box: the run starts there, so that
    // the initial loss (and with it `isSuccess`), the trace's first entry and the first update
    // belong to the point the method actually starts from, not to one outside the box.
    let x0 = (method as? any ProjectsStart)?.feasibleStart(given) ?? given
    let needed = method.workingMemory(for: problem)
    if needed > options.memoryLimit {
        throw .exceedsMemoryLimit(
            what: "\(method.name) on \(problem.name) (n = \(problem.dimension), k = \(problem.outputDimension))",
            bytes: needed, limit: options.memoryLimit,
            suggestion: "use a first-order method (gd, adam, lbfgsb) or PG, declare the Hessian's structure, or raise the limit")
    }

    let clock = ContinuousClock()
    let began = clock.now
    func elapsed() -> Double {
        let d = clock.now - began
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    var evaluator = ProblemEvaluator(problem)
    let deadline = options.timeLimit.map { began.advanced(by: .nanoseconds(Int64(Swift.min($0, 1e9) * 1e9))) }
    evaluator.deadline = deadline
    // The driver's own evaluations (trace, tolerance tests) go through a separate copy so that
    // the method's counts stay what the method did.
    var observer = ProblemEvaluator(problem)
    var y = try problem.validateShapes(modelOutputAt: x0)
    if !Vector.allFinite(y) { throw .nonFiniteAtStart(quantity: "model output y(x)") }
    // A declared band that the method will use is checked against the model once.
    try problem.validateDeclaredStructure(at: x0, jacobian: method is GaussNewton || method is LevenbergMarquardt || method is InverseGradients || method is HalfInverseGradients,
                                          hessian: method is Newton)
    var x = x0
    var loss = observer.loss(at: x)
    if !loss.isFinite { throw .nonFiniteAtStart(quantity: "loss L(y(x))") }
    let initialLoss = loss

    var recorder = TraceRecorder(policy: options.trace, dimension: problem.dimension,
                                 outputDimension: problem.outputDimension, budget: options.traceMemoryLimit)
    if options.trace == .full { recorder.record(step: 0, x: x, y: y, loss: loss, update: nil, report: nil) } else {
        recorder.record(step: 0, x: x, y: [], loss: loss, update: nil, report: nil)
    }

    var termination = TerminationReason.completedSteps
    var steps = 0
    var firstUpdate: [Double]?
    var diagnostics = RunDiagnostics()
    var gradient = [Double](repeating: 0, count: options.gradientTolerance == nil ? 0 : problem.dimension)
    let wantsUpdates = options.trace == .full || callback != nil || options.stepTolerance != nil
    do throws(StepFailure) {
        var state = try method.makeState(at: x, evaluator: &evaluator)
        if options.steps == 0 {
            termination = .completedSteps
        } else if evaluator.timeIsUp {
            termination = .timeLimit
        } else {
            // Called after every step with the new iterate: record it, ask the callback, apply the
            // stopping tests; `false` ends the iteration (with `termination` set).
            let stoppedByMethod = try method.iterate(&state, evaluator: &evaluator) { outcome, counts throws(StepFailure) -> Bool in
                if !outcome.iterateIsFinite { try requireFinite(outcome.x, "iterate after step \(steps + 1)") }
                let newLoss = outcome.loss ?? observer.loss(at: outcome.x)
                if !newLoss.isFinite { throw StepFailure(.nonFiniteValue("loss after step \(steps + 1)")) }
                // The update x_{k+1} - x_k, formed only when something uses it.
                let update = wantsUpdates || firstUpdate == nil ? Vector.subtract(outcome.x, x) : []
                steps += 1
                if firstUpdate == nil { firstUpdate = update }
                x = outcome.x
                loss = newLoss
                diagnostics.add(outcome.report)
                if recorder.wants(step: steps) {
                    let yk = options.trace == .full ? observer.model(at: x) : []
                    recorder.record(step: steps, x: x, y: yk, loss: loss, update: update, report: outcome.report)
                } else {
                    recorder.remember(step: steps, x: x, loss: loss, update: update, report: outcome.report)
                }
                // The callback sees every step, the one after which the method stops by itself too
                // (the method's reason then stands, whatever the callback answers).
                if let cb = callback,
                   cb(Iteration(step: steps, x: x, update: update, loss: loss, counts: counts, report: outcome.report)) == .stop,
                   outcome.termination == nil {
                    termination = .stoppedByCallback
                    return false
                }
                if let reason = outcome.termination {
                    termination = reason
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
                if let deadline, clock.now >= deadline {
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
    recorder.finish { observer.model(at: $0) }
    y = observer.model(at: x)
    let distance = problem.solution.map { Vector.distance(x, $0) }
    return OptimizationResult(
        method: method.name, stepSize: method.stepSize, x: x, loss: loss, initialLoss: initialLoss, y: y, steps: steps,
        termination: termination, counts: evaluator.counts, diagnostics: diagnostics, trajectory: recorder.trajectory,
        firstUpdate: firstUpdate, distanceToSolution: distance, seconds: elapsed())
}

/// A method that starts from the nearest point of its box (``GaussNewton``, ``LevenbergMarquardt``,
/// ``LBFGSBMethod`` with bounds): ``optimize(_:with:from:options:callback:)`` starts the run there.
protocol ProjectsStart {
    /// The nearest point of the method's box to `x` (bounds already validated for the problem).
    func feasibleStart(_ x: [Double]) -> [Double]
}

extension GaussNewton: ProjectsStart {
    func feasibleStart(_ x: [Double]) -> [Double] { (try? Box(lower: lower, upper: upper, dimension: x.count))?.project(x) ?? x }
}

extension LevenbergMarquardt: ProjectsStart {
    func feasibleStart(_ x: [Double]) -> [Double] { (try? Box(lower: lower, upper: upper, dimension: x.count))?.project(x) ?? x }
}

extension LBFGSBMethod: ProjectsStart {
    func feasibleStart(_ x: [Double]) -> [Double] {
        guard lower?.count ?? x.count == x.count, upper?.count ?? x.count == x.count else { return x }
        return x.indices.map { i in Swift.min(Swift.max(x[i], lower?[i] ?? -.infinity), upper?[i] ?? .infinity) }
    }
}
