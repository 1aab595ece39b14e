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
/// ``PhysicalGradient`` (analytic or numerical inverse), ``Adam``, ``AdaGrad``, ``RMSProp``,
/// ``LBFGSBMethod``.
public protocol Optimizer: Sendable {
    associatedtype State: Sendable

    /// The method's identifier: "gd", "newton", "pg", "pg-numerical", "adam", "adagrad",
    /// "rmsprop", "lbfgsb".
    var name: String { get }
    /// The step size η (learning rate), or `nil` for methods without one (L-BFGS-B).
    var stepSize: Double? { get }

    /// Checks the method's parameters; throws before a run starts.
    func validate() throws(PhysGradError)
    /// Checks that the method can run on `problem` (e.g. that it has an analytic inverse).
    func validate(for problem: InverseProblem) throws(PhysGradError)

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
    public func validate() throws(PhysGradError) {
        if let eta = stepSize, !(eta.isFinite && eta > 0) {
            throw .invalidParameter(name: "step size of \(name)", value: "\(eta)", reason: "must be finite and positive")
        }
    }

    public func validate(for problem: InverseProblem) throws(PhysGradError) {}
}

/// What one step produced.
public struct StepOutcome: Sendable {
    /// The new iterate x_{k+1}.
    public var x: [Double]
    /// A convergence the method detected itself (L-BFGS-B's tests), ending the run after this step.
    public var converged: String?

    public init(x: [Double], converged: String? = nil) {
        self.x = x
        self.converged = converged
    }
}

/// Throws a ``StepFailure`` for a non-finite vector.
@inline(__always)
func requireFinite(_ v: [Double], _ what: @autoclosure () -> String) throws(StepFailure) {
    for e in v where !e.isFinite { throw StepFailure(.nonFiniteValue(what())) }
}
