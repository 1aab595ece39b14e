/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator whose stream is fixed by
/// its definition, so that networks and data sets made from a seed are the same on every
/// platform and in other languages (the benchmark's JAX peer rebuilds them from the same seed).
///
///     state ← state + 0x9E3779B97F4A7C15
///     z ← (state ⊕ (state >> 30)) · 0xBF58476D1CE4E5B9
///     z ← (z ⊕ (z >> 27)) · 0x94D049BB133111EB
///     next = z ⊕ (z >> 31)
///
/// ``nextUnit()`` is `(next >> 11) · 2⁻⁵³`, uniform in [0, 1) with 53 random bits. (Swift's
/// `Double.random(in:using:)` is not used: its way of drawing is not part of its contract.)
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's state (the seed before the first draw).
    public var state: UInt64

    @inlinable
    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lower, upper): `lower + (upper - lower) · nextUnit()`.
    @inlinable
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

}
