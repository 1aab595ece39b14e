#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The adaptive first-order rules with optax's definitions and defaults (optax 0.2.8), so that
// trajectories match optax's to rounding (scripts/make_optimizer_reference.py checks them).

/// Adam (Kingma & Ba 2015) with optax's defaults (b1 = 0.9, b2 = 0.999, eps = 1e-8, eps_root = 0):
///
///     m ← b1 m + (1 - b1) g,   v ← b2 v + (1 - b2) g²,
///     x ← x - η (m / (1 - b1ᵗ)) / (sqrt(v / (1 - b2ᵗ) + eps_root) + eps).
public struct Adam: SteppingOptimizer {
    /// The step size η.
    public var eta: Double
    /// The decay rates of the first (b1) and second (b2) moment estimates, in [0, 1); eps is
    /// added to the denominator, epsRoot under its square root (both >= 0).
    public var b1: Double, b2: Double, eps: Double, epsRoot: Double
    public var name: String { "adam" }
    public var stepSize: Double? { eta }

    /// Adam with step size η and optax's defaults for the rest.
    public init(eta: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8, epsRoot: Double = 0) {
        self.eta = eta
        self.b1 = b1
        self.b2 = b2
        self.eps = eps
        self.epsRoot = epsRoot
    }

    /// The iterate, the moment estimates m and v, and the step count t.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var m: [Double], v: [Double], g: [Double]
        var t: Int = 0
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        for (n, v) in [("b1", b1), ("b2", b2)] where !(v >= 0 && v < 1) {
            throw .invalidParameter(name: n, value: "\(v)", reason: "must be in [0, 1)")
        }
        try requireNonNegative([("eps", eps), ("epsRoot", epsRoot)])
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        let z = [Double](repeating: 0, count: x.count)
        return State(x: x, m: z, v: z, g: z)
    }

    public func step(_ s: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        _ = evaluator.lossAndGradient(at: s.x, gradient: &s.g)
        try requireFinite(s.g, "gradient")
        s.t += 1
        let c1 = 1 - pow(b1, Double(s.t)), c2 = 1 - pow(b2, Double(s.t))
        for i in s.x.indices {
            let g = s.g[i]
            s.m[i] = (1 - b1) * g + b1 * s.m[i]
            s.v[i] = (1 - b2) * (g * g) + b2 * s.v[i]
            let mHat = s.m[i] / c1, vHat = s.v[i] / c2
            s.x[i] += -eta * (mHat / ((vHat + epsRoot).squareRoot() + eps))
        }
        return StepOutcome(x: s.x)
    }
}

/// AdaGrad (Duchi, Hazan & Singer 2011) with optax's defaults (initial accumulator 0.1,
/// eps = 1e-7):
///
///     a ← a + g²,   x ← x - η g / sqrt(a + eps)   (no step where a = 0).
public struct AdaGrad: SteppingOptimizer {
    /// The step size η.
    public var eta: Double
    /// The accumulator's starting value a₀ and eps, added under the square root (both >= 0).
    public var initialAccumulator: Double, eps: Double
    public var name: String { "adagrad" }
    public var stepSize: Double? { eta }

    /// AdaGrad with step size η and optax's defaults for the rest.
    public init(eta: Double, initialAccumulator: Double = 0.1, eps: Double = 1e-7) {
        self.eta = eta
        self.initialAccumulator = initialAccumulator
        self.eps = eps
    }

    /// The iterate and the accumulated squared gradients a.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var a: [Double], g: [Double]
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        try requireNonNegative([("initialAccumulator", initialAccumulator), ("eps", eps)])
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, a: [Double](repeating: initialAccumulator, count: x.count), g: [Double](repeating: 0, count: x.count))
    }

    public func step(_ s: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        _ = evaluator.lossAndGradient(at: s.x, gradient: &s.g)
        try requireFinite(s.g, "gradient")
        for i in s.x.indices {
            let g = s.g[i]
            s.a[i] = g * g + s.a[i]
            let scale = s.a[i] > 0 ? 1 / (s.a[i] + eps).squareRoot() : 0
            s.x[i] += -eta * (scale * g)
        }
        return StepOutcome(x: s.x)
    }
}

/// RMSProp (Tieleman & Hinton 2012) with optax's defaults (decay = 0.9, eps = 1e-8 inside the
/// square root, initial scale 0, not centered):
///
///     ν ← decay ν + (1 - decay) g²,   x ← x - η g / sqrt(ν + eps).
public struct RMSProp: SteppingOptimizer {
    /// The step size η.
    public var eta: Double
    /// The decay rate of the squared-gradient average ν, in [0, 1); eps, added under the square
    /// root; ν's starting value (both >= 0).
    public var decay: Double, eps: Double, initialScale: Double
    public var name: String { "rmsprop" }
    public var stepSize: Double? { eta }

    /// RMSProp with step size η and optax's defaults for the rest.
    public init(eta: Double, decay: Double = 0.9, eps: Double = 1e-8, initialScale: Double = 0) {
        self.eta = eta
        self.decay = decay
        self.eps = eps
        self.initialScale = initialScale
    }

    /// The iterate and the squared-gradient average ν.
    public struct State: Sendable {
        /// The current iterate.
        public var x: [Double]
        var nu: [Double], g: [Double]
    }

    public func validate() throws(PhysGradError) {
        try validateStepSize()
        if !(decay >= 0 && decay < 1) { throw .invalidParameter(name: "decay", value: "\(decay)", reason: "must be in [0, 1)") }
        try requireNonNegative([("eps", eps), ("initialScale", initialScale)])
    }

    public func makeState(at x: [Double], evaluator: inout ProblemEvaluator) throws(StepFailure) -> State {
        State(x: x, nu: [Double](repeating: initialScale, count: x.count), g: [Double](repeating: 0, count: x.count))
    }

    public func step(_ s: inout State, evaluator: inout ProblemEvaluator) throws(StepFailure) -> StepOutcome {
        _ = evaluator.lossAndGradient(at: s.x, gradient: &s.g)
        try requireFinite(s.g, "gradient")
        for i in s.x.indices {
            let g = s.g[i]
            s.nu[i] = (1 - decay) * (g * g) + decay * s.nu[i]
            s.x[i] += -eta * ((1 / (s.nu[i] + eps).squareRoot()) * g)
        }
        return StepOutcome(x: s.x)
    }
}

/// Throws for the first (name, value) pair whose value is negative, infinite or NaN.
func requireNonNegative(_ parameters: [(String, Double)]) throws(PhysGradError) {
    for (n, v) in parameters where !(v.isFinite && v >= 0) {
        throw .invalidParameter(name: n, value: "\(v)", reason: "must be finite and >= 0")
    }
}

