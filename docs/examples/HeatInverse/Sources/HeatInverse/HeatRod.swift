import PhysGradDerivatives
import PhysGradLinearAlgebra

/// Heat conduction in a rod whose two ends are held at the same temperature (temperatures are
/// measured from it): `u_t = κ u_ss` on `0 < s < ℓ`, `u(0, t) = u(ℓ, t) = 0`.
///
/// The simulator maps the initial temperature at the `points` interior grid points
/// `s_j = j Δs`, `Δs = ℓ / (points + 1)`, to the temperature there at time `time`, by explicit
/// Euler steps of the central second difference:
///
///     u_j ← u_j + r (u_{j-1} - 2 u_j + u_{j+1}),    r = κ Δt / Δs²,
///
/// with `steps = ceil(κ T / (0.1 Δs²))` steps of `Δt = T / steps`, so that `r <= 0.1`. The scheme
/// is stable for `r <= 1/2`; below `1/4` the step matrix `A = I + r D` (`D` the tridiagonal
/// `[1, -2, 1]`) is symmetric positive definite, so the simulator `y = Aᵐ x` is too.
///
/// Its eigenvectors are the discrete sine modes `v_k(j) = √(2/(n+1)) sin(j k π/(n+1))`,
/// `k = 1 ... n`, and mode `k` decays by `σ_k = λ_kᵐ`, `λ_k = 1 - 4 r sin²(k π / (2(n+1)))`
/// (``decay(mode:)``): smooth modes survive, sharp ones fade, which is what makes running the
/// heat equation backwards hard for gradient descent.
///
/// The model is written once, generically over `PhysGradReal`: PhysGrad runs the same code on
/// `Double` for values and on its derivative types for exact gradients and Hessians.
public struct HeatRod: GenericModel, Sendable {
    /// Interior grid points n (the unknowns).
    public let points: Int
    /// Rod length ℓ in metres.
    public let length: Double
    /// Thermal diffusivity κ in m²/s.
    public let diffusivity: Double
    /// Simulated time T in seconds.
    public let time: Double
    /// Time steps m.
    public let steps: Int
    /// The diffusion number r = κ Δt / Δs² of one step.
    public let diffusionNumber: Double

    /// A rod of `points` interior grid points; the default is 1 m of copper (κ = 1.11e-4 m²/s)
    /// observed after 8 s.
    public init(points: Int = 31, length: Double = 1, diffusivity: Double = 1.11e-4, time: Double = 8) {
        precondition(points >= 1 && length > 0 && diffusivity > 0 && time > 0, "HeatRod: sizes must be positive")
        self.points = points
        self.length = length
        self.diffusivity = diffusivity
        self.time = time
        let ds = length / Double(points + 1)
        let total = diffusivity * time / (ds * ds)   // κ T / Δs², the diffusion number of the whole run
        steps = max(1, Int((total / 0.1).rounded(.up)))
        diffusionNumber = total / Double(steps)
    }

    /// The positions s_j of the interior grid points, in metres.
    public var positions: [Double] {
        (1...points).map { Double($0) * length / Double(points + 1) }
    }

    /// y(x): the temperatures after ``time`` seconds from the initial temperatures x.
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        let r = T(diffusionNumber)
        let n = x.count
        var u = x
        var next = x
        for _ in 0..<steps {
            for j in 0..<n {
                let left: T = j == 0 ? 0 : u[j - 1]
                let right: T = j == n - 1 ? 0 : u[j + 1]
                next[j] = u[j] + r * (left - 2 * u[j] + right)
            }
            swap(&u, &next)
        }
        return u
    }
}

// MARK: - What is known about it in closed form

extension HeatRod {
    /// σ_k = λ_kᵐ, the factor by which sine mode k (1 ... n) is multiplied over the whole run.
    public func decay(mode k: Int) -> Double {
        let s = Double.sin(Double(k) * Double.pi / (2 * Double(points + 1)))
        return Double.pow(1 - 4 * diffusionNumber * s * s, steps)
    }

    /// The orthonormal sine mode v_k (k = 1 ... n) on the grid.
    public func mode(_ k: Int) -> [Double] {
        let scale = (2 / Double(points + 1)).squareRoot()
        return (1...points).map { j in scale * Double.sin(Double(j * k) * Double.pi / Double(points + 1)) }
    }

    /// The coefficients c_k = v_k · u of a grid function in the sine modes.
    public func modeCoefficients(_ u: [Double]) -> [Double] {
        (1...points).map { k in zip(mode(k), u).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    /// The exact inverse of the simulator, x = A⁻ᵐ y: `steps` solves with the banded Cholesky
    /// factorization of the step matrix A (LAPACK `dpbtrf`/`dpbtrs`), factorized once.
    public func inverse() throws(LinearAlgebraError) -> @Sendable ([Double]) throws(LinearAlgebraError) -> [Double] {
        let r = diffusionNumber
        let a = try BandedCholeskyFactorization(order: points, bandwidth: 1) { i, j in i == j ? 1 - 2 * r : r }
        let m = steps
        return { y throws(LinearAlgebraError) in
            var x = y
            for _ in 0..<m { x = try a.solve(x) }
            return x
        }
    }
}
