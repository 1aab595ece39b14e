// Deterministic pseudo-random data shared by the tests, the benchmarks and the benchmarks' Python
// peers (scripts/peers/common.py computes the same numbers, bit for bit). Not a product.

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): a
/// 64-bit state advanced by the golden-ratio increment γ = 0x9E3779B97F4A7C15, each output the
/// state passed through two xor-shift-multiply rounds and a final xor-shift.
public struct SplitMix64: Sendable {
    /// The state; the next output is a function of `state + γ`.
    public var state: UInt64

    /// A generator whose first output is derived from `seed + γ`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits of ``next()`` times 2⁻⁵³.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lo, hi): `lo + (hi - lo) · nextUnit()`.
    public mutating func uniform(_ lo: Double = -1, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * nextUnit()
    }

    /// `count` values uniform in [lo, hi).
    public mutating func vector(_ count: Int, _ lo: Double = -1, _ hi: Double = 1) -> [Double] {
        (0..<count).map { _ in uniform(lo, hi) }
    }

    /// An index uniform in 0..<n (n > 0; modulo bias below 2⁻⁴⁰ for n < 2²⁴).
    public mutating func index(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// `count` values uniform in [-1, 1) from ``SplitMix64`` seeded with `seed`: `2 u - 1` with `u`
/// from ``SplitMix64/nextUnit()`` (the peers' `common.uniform(seed, count)`).
public func uniformValues(seed: UInt64, count: Int) -> [Double] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in 2 * g.nextUnit() - 1 }
}
