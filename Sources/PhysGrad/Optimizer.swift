import PhysGradLinearAlgebra

/// An optimization method with explicit state: make the state at x₀, then iterate, handing
/// each new iterate to the driver.
///
/// One driver (``optimize(_:with:from:options:callback:)``) runs every method: it owns the
/// stopping tests, the step count, the time limit, the trace and the callback; a method only
/// says how to move. Methods are small `Sendable` values (their parameters); everything that
/// changes during a run lives in `State`. Most methods take one self-contained step at a time
/// and conform to ``SteppingOptimizer``, which supplies ``iterate(_:evaluator:next:)``;
/// L-BFGS-B keeps its line search's state across evaluations and iterates itself, handing each
/// accepted iterate to the driver. One file per strategy: ``GradientDescent``, ``Newton``,
/// ``PhysicalGradient`` (analytic or numerical inverse), ``GaussNewton``,
/// ``LevenbergMarquardt``, ``InverseGradients``, ``HalfInverseGradients``, ``Adam``,
/// ``AdaGrad``, ``RMSProp``, ``LBFGSBMethod``.
public protocol Optimizer: Sendable {
    /// Everything that changes during a run (the iterate and the method's own memory).
    associatedtype State: Sendable

    /// The method's identifier, a ``MethodKind`` raw value for the built-in methods: "gd",
    /// "newton", "pg", "pg-numerical", "gn", "lm", "ig", "hig", "adam", "adagrad", "rmsprop",
    /// "lbfgsb".
    var name: String { get }
    /// The step size η (learning rate), or `nil` for methods without one (L-BFGS-B).
    var stepSize: Double? { get }

    /// Checks the method's parameters; throws before a run starts.
    func validate() throws(PhysGradError)
    /// Checks that the method can run on `problem` (e.g. that it has an analytic inverse).
    func validate(for problem: InverseProblem) throws(PhysGradError)

    /// The memory the method's own work arrays need on `problem`, in bytes (the largest
    /// matrices it forms: a dense Hessian, a Jacobian and its factors), checked against
    /// ``RunOptions/memoryLimit`` before the run. `Int.max` when the size overflows.
    func workingMemory(for problem: InverseProblem) -> Int

    /// The state at the starting point `x` (already validated: n finite entries).
    func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State

    /// Iterates from the state's point: after each new iterate x_{k+1}, calls `next` with it and
    /// the evaluation counts so far, and stops
    /// as soon as it returns `false` (returning `nil`). Returns the method's own reason when it
    /// stops by itself (converged, or failed); throws ``StepFailure`` to end the run with a reason.
    func iterate(
        _ state: inout State, evaluator: inout ProblemEvaluator,
        next: (StepOutcome, EvaluationCounts) throws(StepFailure) -> Bool
    ) throws(StepFailure) -> TerminationReason?
}

/// A method that takes one self-contained step at a time (GD, Newton, PG, Adam, ...).
public protocol SteppingOptimizer: Optimizer {
    /// Takes one step from the state's point; throws ``StepFailure`` to end the run with a reason.
    func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome
}

extension SteppingOptimizer {
    public func iterate(
        _ state: inout State, evaluator: inout ProblemEvaluator,
        next: (StepOutcome, EvaluationCounts) throws(StepFailure) -> Bool
    ) throws(StepFailure) -> TerminationReason? {
        while true {
            let outcome = try step(&state, evaluator: &evaluator)
            if !(try next(outcome, evaluator.counts)) { return nil }
        }
    }
}

extension Optimizer {
    /// Default: throws ``PhysGradError/invalidParameter(name:value:reason:)`` unless ``stepSize`` is
    /// `nil` or a finite η > 0.
    public func validate() throws(PhysGradError) { try validateStepSize() }

    /// Throws ``PhysGradError/invalidParameter(name:value:reason:)`` unless ``stepSize`` is `nil`
    /// or a finite η > 0.
    func validateStepSize() throws(PhysGradError) {
        if let eta = stepSize, !(eta.isFinite && eta > 0) {
            throw .invalidParameter(name: "step size of \(name)", value: "\(eta)", reason: "must be finite and positive")
        }
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {}

    /// Default: a few vectors of n.
    public func workingMemory(for problem: InverseProblem) -> Int {
        MemorySize.vectors(8, of: Swift.max(problem.dimension, problem.outputDimension))
    }
}

/// Byte counts of work arrays, saturating at `Int.max` instead of overflowing.
public enum MemorySize {
    /// `count` arrays of `length` doubles.
    public static func vectors(_ count: Int, of length: Int) -> Int {
        product([count, length, MemoryLayout<Double>.stride])
    }

    /// `count` dense `rows × columns` matrices of doubles.
    public static func matrices(_ count: Int, rows: Int, columns: Int) -> Int {
        product([count, rows, columns, MemoryLayout<Double>.stride])
    }

    /// The saturating sum of byte counts.
    public static func sum(_ sizes: Int...) -> Int {
        var total = 0
        for s in sizes {
            let (r, overflow) = total.addingReportingOverflow(s)
            if overflow { return .max }
            total = r
        }
        return total
    }

    static func product(_ factors: [Int]) -> Int {
        var p = 1
        for f in factors {
            let (r, overflow) = p.multipliedReportingOverflow(by: Swift.max(f, 0))
            if overflow { return .max }
            p = r
        }
        return p
    }

    /// "1.5 GB", "800 MB", "12 KB": a byte count for messages.
    public static func describe(_ bytes: Int) -> String {
        if bytes == .max { return "more than 9e18 bytes" }
        let b = Double(bytes)
        if b >= 1e9 { return "\((b / 1e9 * 10).rounded() / 10) GB" }
        if b >= 1e6 { return "\((b / 1e6 * 10).rounded() / 10) MB" }
        if b >= 1e3 { return "\((b / 1e3 * 10).rounded() / 10) KB" }
        return "\(bytes) bytes"
    }
}

/// What one step produced.
public struct StepOutcome: Sendable {
    /// The new iterate x_{k+1}.
    public var x: [Double]
    /// L(y(x_{k+1})), when the method evaluated it (every policy but a fixed step does, and
    /// PG's fixed steps on the closed-form loss, which evaluate y there for the next step); the
    /// driver evaluates it otherwise.
    public var loss: Double?
    /// What the step's acceptance, linear algebra and inner solves did.
    public var report: StepReport
    /// A reason the method detected to stop after this step (its own convergence tests).
    public var termination: TerminationReason?
    /// `true` when the method has checked that every entry of ``x`` is finite (the driver
    /// checks otherwise).
    var iterateIsFinite = false

    /// The outcome of a step to `x`.
    public init(x: [Double], loss: Double? = nil, report: StepReport = StepReport(), termination: TerminationReason? = nil) {
        self.x = x
        self.loss = loss
        self.report = report
        self.termination = termination
    }

    /// The outcome of a step to `x` whose entries the method has checked to be finite.
    init(x: [Double], loss: Double?, report: StepReport, iterateIsFinite: Bool) {
        self.init(x: x, loss: loss, report: report)
        self.iterateIsFinite = iterateIsFinite
    }

    /// A step after which the method reports convergence for the reason `converged`
    /// (``TerminationReason/convergedByMethod(_:)``), or none for `nil`.
    public init(x: [Double], converged: String?) {
        self.init(x: x, termination: converged.map { .convergedByMethod($0) })
    }

    /// A convergence the method detected itself, as text (for ``TerminationReason/convergedByMethod(_:)``).
    public var converged: String? {
        if case .convergedByMethod(let why) = termination { return why }
        return nil
    }
}

/// Throws a ``StepFailure`` for a non-finite vector.
@inline(__always)
func requireFinite(_ v: [Double], _ what: @autoclosure () -> String) throws(StepFailure) {
    if !Vector.allFinite(v) { throw StepFailure(.nonFiniteValue(what())) }
}

extension ProblemEvaluator {
    /// The start of a y-space step (PG, IG, HIG): y = y(x), L(y), and ∇_y L into `gradient`, each
    /// checked finite.
    mutating func modelAndLossInY(at x: [Double], gradient: inout [Double]) throws(StepFailure) -> (y: [Double], loss: Double) {
        let y = model(at: x)
        try requireFinite(y, "model output y(x)")
        let loss = lossInY(at: y, gradient: &gradient)
        try requireFinite(gradient, "gradient of L in y")
        return (y, loss)
    }
}
