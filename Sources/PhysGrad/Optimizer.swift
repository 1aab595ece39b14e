/// An optimization method with explicit state: make the state at x₀, take one step at a time.
///
/// One driver (``optimize(_:with:from:options:callback:)``) runs every method: it owns the loop,
/// the stopping tests, the time limit, the trace and the callback; a method only says how to
/// step. Methods are small `Sendable` values (their parameters); everything that changes during a
/// run lives in `State`. One file per strategy: ``GradientDescent``, ``Newton``,
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

    /// Takes one step from `state.x`; throws ``StepFailure`` to end the run with a reason.
    func step(_ state: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome

    /// The current iterate of `state`.
    func position(of state: State) -> [Double]
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
