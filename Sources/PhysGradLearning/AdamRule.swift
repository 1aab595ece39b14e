#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) as an update rule on a flat parameter vector, with optax's
/// definitions and defaults (b1 = 0.9, b2 = 0.999, eps = 1e-8; the same rule as the library's
/// `Adam` optimizer):
///
///     m ← b1 m + (1 - b1) g,   v ← b2 v + (1 - b2) g²,
///     θ ← θ - η (m / (1 - b1ᵗ)) / (sqrt(v / (1 - b2ᵗ)) + eps).
public struct AdamRule: Sendable, Hashable {
    public var learningRate: Double
    public var b1: Double
    public var b2: Double
    public var eps: Double

    public init(learningRate: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8) {
        self.learningRate = learningRate
        self.b1 = b1
        self.b2 = b2
        self.eps = eps
    }

    /// The moment estimates and the step count.
    public struct State: Sendable, Hashable {
        public var m: [Double]
        public var v: [Double]
        public var t = 0

        public init(count: Int) {
            m = [Double](repeating: 0, count: count)
            v = m
        }
    }

    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)``.
    public func validate() throws(TrainingError) {
        try requirePositive("learning rate", learningRate)
        for (name, value) in [("b1", b1), ("b2", b2)] where !(value >= 0 && value < 1) {
            throw .invalidSetting(name: name, value: "\(value)", reason: "must be in [0, 1)")
        }
        guard eps.isFinite && eps >= 0 else { throw .invalidSetting(name: "eps", value: "\(eps)", reason: "must be finite and >= 0") }
    }

    /// One step with gradient `g` on `theta`. A component whose denominator `sqrt(v̂) + eps` is
    /// zero (eps = 0 and only zero gradients so far, or gradients whose squares underflow) is
    /// left where it is: the rule's 0/0 has no meaningful value there.
    ///
    /// - Precondition: `g`, `theta`, `state.m` and `state.v` of the same length.
    public func apply(_ g: [Double], to theta: inout [Double], state: inout State) {
        precondition(g.count == theta.count && state.m.count == theta.count && state.v.count == theta.count, "AdamRule: lengths differ")
        state.t += 1
        let c1 = 1 - pow(b1, Double(state.t)), c2 = 1 - pow(b2, Double(state.t))
        let (b1, b2, eps, eta) = (self.b1, self.b2, self.eps, learningRate)
        g.withUnsafeBufferPointer { gp in
            theta.withUnsafeMutableBufferPointer { x in
                state.m.withUnsafeMutableBufferPointer { m in
                    state.v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<x.count {
                            let gi = gp[i]
                            m[i] = (1 - b1) * gi + b1 * m[i]
                            v[i] = (1 - b2) * (gi * gi) + b2 * v[i]
                            let mHat = m[i] / c1, vHat = v[i] / c2
                            let denominator = vHat.squareRoot() + eps
                            x[i] += denominator > 0 ? -eta * (mHat / denominator) : 0  // a select, not a branch: the loop stays vectorizable
                        }
                    }
                }
            }
        }
    }
}

/// Throws unless `value` is finite and > 0.
func requirePositive(_ name: String, _ value: Double) throws(TrainingError) {
    guard value.isFinite && value > 0 else {
        throw .invalidSetting(name: name, value: "\(value)", reason: "must be finite and positive")
    }
}
