// Deterministic pseudo-random numbers whose stream is fixed by their definition: the same on every
// platform and in the benchmarks' Python peers (scripts/peers/common.py computes the same numbers,
// bit for bit). Networks and data sets made from a seed (PhysGradNetworks, PhysGradLearning), the
// tests' and the benchmarks' data all draw from it.

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): a
/// 64-bit state advanced by the golden-ratio increment γ = 0x9E3779B97F4A7C15, each output the
/// state passed through two xor-shift-multiply rounds and a final xor-shift:
///
///     state ← state + γ
///     z ← (state ⊕ (state >> 30)) · 0xBF58476D1CE4E5B9
///     z ← (z ⊕ (z >> 27)) · 0x94D049BB133111EB
///     next = z ⊕ (z >> 31)
///
/// ``nextUnit()`` is `(next >> 11) · 2⁻⁵³`, uniform in [0, 1) with 53 random bits. (Swift's
/// `Double.random(in:using:)` is not used for the library's draws: how it draws is not part of its
/// contract.)
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The state; the next output is a function of `state + γ` (the seed before the first draw).
    public var state: UInt64

    /// A generator whose first output is derived from `seed + γ`.
    @inlinable
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits of ``next()`` times 2⁻⁵³.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lower, upper): `lower + (upper - lower) · nextUnit()`.
    @inlinable
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// Uniform in [lo, hi) (default [-1, 1)): `lo + (hi - lo) · nextUnit()`.
    @inlinable
    public mutating func uniform(_ lo: Double = -1, _ hi: Double = 1) -> Double {
        nextUniform(lo, hi)
    }

    /// `count` values uniform in [lo, hi).
    @inlinable
    public mutating func vector(_ count: Int, _ lo: Double = -1, _ hi: Double = 1) -> [Double] {
        (0..<count).map { _ in uniform(lo, hi) }
    }

    /// An index uniform in 0..<n (n > 0; modulo bias below 2⁻⁴⁰ for n < 2²⁴).
    @inlinable
    public mutating func index(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// `count` values uniform in [-1, 1) from ``SplitMix64`` seeded with `seed`: `2 u - 1` with `u`
/// from ``SplitMix64/nextUnit()`` (the peers' `common.uniform(seed, count)`).
public func uniformValues(seed: UInt64, count: Int) -> [Double] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in 2 * g.nextUnit() - 1 }
}
