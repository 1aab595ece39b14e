import PhysGradLinearAlgebra

/// Measures of how well a method did: distance to the solution, alignment of an update with the
/// diagonal, and the mean absolute difference of two trajectories.
public enum Metrics {
    /// ‖x - solution‖₂.
    public static func distance(_ x: [Double], to solution: [Double]) -> Double {
        Vector.distance(x, solution)
    }

    /// The "diagonal length" of an update direction u: the projection of u/‖u‖ on the all-ones
    /// vector, `(u/‖u‖) · [1, ..., 1]`. Larger is better aligned with the diagonal path to the
    /// origin; at most √n. Pass the descent direction `x_k - x_{k+1}` (any positive multiple gives
    /// the same value, e.g. ∇L for GD, H⁻¹∇L for Newton).
    /// Returns NaN for a zero vector (no direction).
    public static func diagonalLength(_ u: [Double]) -> Double {
        let norm = Vector.norm2(u)
        guard norm > 0 else { return .nan }
        return u.reduce(0) { $0 + $1 / norm }
    }

    /// The mean absolute difference of two trajectories of equal shape:
    /// (1/(K·n)) Σ_k Σ_i |a_k,i - b_k,i|, e.g. between PG's iterates with an analytic and with a
    /// numerical inverse.
    public static func meanAbsoluteError(_ a: [[Double]], _ b: [[Double]]) throws(PhysGradError) -> Double {
        guard a.count == b.count else { throw .dimensionMismatch(name: "trajectory", expected: a.count, actual: b.count) }
        var sum = 0.0
        var count = 0
        for (u, v) in zip(a, b) {
            guard u.count == v.count else { throw .dimensionMismatch(name: "trajectory point", expected: u.count, actual: v.count) }
            for (p, q) in zip(u, v) { sum += abs(p - q) }
            count += u.count
        }
        return count == 0 ? 0 : sum / Double(count)
    }
}
