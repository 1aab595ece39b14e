import PhysGrad
import PhysGradLinearAlgebra

/// The inverse problem: which initial temperature of the rod produced the temperatures measured
/// after ``HeatRod/time`` seconds?
///
/// The truth is a hot spot (a Gaussian of 40 K at s = 0.3 m) and a heated segment (25 K on
/// 0.6 m ... 0.75 m, sharp-edged); the measurement is the simulator's output for it, without
/// noise, so the minimizer of `L(x) = |y(x) - y*|²` is the truth and its minimum is 0. The search
/// starts from a rod at the ends' temperature, x = 0.
///
/// The simulator is linear and symmetric positive definite, so what each method does is known in
/// closed form (``expectedLoss(of:eta:steps:)``): that is what the example checks its numbers
/// against.
public struct HeatExperiment: Sendable {
    public let rod: HeatRod
    /// x*, the initial temperatures to recover (kelvin above the ends).
    public let truth: [Double]
    /// y* = y(x*), the measured temperatures.
    public let measurement: [Double]
    /// The problem PhysGrad solves, with the exact inverse of the simulator for PG.
    public let problem: InverseProblem

    public init(rod: HeatRod = HeatRod()) throws {
        self.rod = rod
        truth = rod.positions.map { s in
            let hotSpot = 40 * Double.exp(-Double.pow((s - 0.3) / 0.08, 2))
            let segment: Double = (0.6...0.75).contains(s) ? 25 : 0
            return hotSpot + segment
        }
        measurement = rod(truth)
        let inverse = try rod.inverse()
        problem = InverseProblem(
            name: "heat-rod", dimension: rod.points, outputDimension: rod.points,
            model: rod, loss: SquaredDistance(target: measurement),
            start: [Double](repeating: 0, count: rod.points), solution: truth,
            inverse: { y throws(InverseDomainError) in
                do {
                    return try inverse(y)
                } catch {
                    // A factorized SPD matrix does not fail on finite input; say so if it ever does.
                    throw InverseDomainError(index: 0, value: .nan, reason: "banded solve failed: \(error)")
                }
            },
            // L = |y - y*|² has the Hessian 2I in y: PG's y-space Newton step is a division.
            lossHessianStructure: .diagonal,
            summary: "Initial temperature of a copper rod from its temperature \(rod.time) s later.")
    }

    /// L(x₀) at the start.
    public var initialLoss: Double {
        var l = 0.0
        for (y, t) in zip(rod(problem.start), measurement) { l += (y - t) * (y - t) }
        return l
    }

    /// The loss that `steps` steps of a method with step size `eta` reach in exact arithmetic,
    /// where there is a closed form; `nil` for methods without one.
    ///
    /// With e = x - x* written in the sine modes, e = Σ c_k v_k, the loss is
    /// L = |Aᵐ e|² = Σ σ_k² c_k² (``HeatRod/decay(mode:)``). Then
    /// - gradient descent, x ← x - η ∇L = x - 2η A²ᵐ e, multiplies c_k by (1 - 2η σ_k²) per step:
    ///   L_K = Σ σ_k² (1 - 2η σ_k²)^(2K) c_k²;
    /// - Newton, x ← x - η (2A²ᵐ)⁻¹ 2A²ᵐ e, and PG, y ← y - η (y - y*) mapped back by the exact
    ///   inverse, both multiply e by (1 - η): L_K = (1 - η)^(2K) L₀. On a linear model with a
    ///   squared loss they take the same steps, whatever the conditioning.
    public func expectedLoss(of method: String, eta: Double, steps: Int) -> Double? {
        switch method {
        case "gd":
            let c = rod.modeCoefficients(zip(problem.start, truth).map { $0 - $1 })
            var l = 0.0
            for k in 1...rod.points {
                let s2 = Double.pow(rod.decay(mode: k), 2)
                l += s2 * Double.pow(1 - 2 * eta * s2, 2 * steps) * c[k - 1] * c[k - 1]
            }
            return l
        case "newton", "gn", "pg", "pg-numerical":
            return Double.pow(1 - eta, 2 * steps) * initialLoss
        default:
            return nil
        }
    }
}
