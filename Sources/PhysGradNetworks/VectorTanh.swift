/// `tanh` of a buffer, four lanes at a time (`SIMD4<Double>`): the batched forward pass's
/// activation, about 7x faster than calling the C library's `tanh` per element here, to within
/// about 3 ulp of it (see the tests).
///
/// - `|x| < 0.625`: `x + x z P(z)/Q(z)`, `z = x²`, with the rational approximation of Moshier's
///   Cephes library (`tanh.c`), relative error about 2.5e-16;
/// - otherwise `sign(x) (1 - 2/(e^(2|x|) + 1))`, with `2|x|` capped at 40 (where the result is
///   ±1 in double precision) and `e^y = 2^n e^r`, `n = round(y / ln 2)`, `r = y - n ln 2` (split
///   in two parts, Cody-Waite), `e^r` by its Taylor polynomial of degree 13 (`|r| <= 0.35`, so the
///   truncation error is below 5e-18).
///
/// Signed zeros, ±∞ (±1) and NaN (NaN) come out as from `tanh`.
enum VectorTanh {
    typealias V = SIMD4<Double>

    /// Replaces each of `count` numbers at `p` by its tanh.
    static func apply(_ p: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 4 <= count {
            let y = tanh(raw.loadUnaligned(fromByteOffset: 8 * i, as: V.self))
            raw.storeBytes(of: y, toByteOffset: 8 * i, as: V.self)
            i += 4
        }
        if i < count {
            var x = V()
            for l in 0..<(count - i) { x[l] = p[i + l] }
            let y = tanh(x)
            for l in 0..<(count - i) { p[i + l] = y[l] }
        }
    }

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let z = x * x
        // Cephes tanh.c: P (degree 2) and Q (monic, degree 3) in z.
        let p = (-9.64399179425052238628e-1 * z + -9.92877231001918586564e1) * z + -1.61468768441708447952e3
        let q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3
        let a = x.replacing(with: -x, where: x .< 0)
        let twice = a + a
        let e = exp(twice.replacing(with: V(repeating: 40), where: twice .> 40))
        // One division for both branches: x z P/Q below 0.625, 2/(e + 1) above.
        let isSmall = a .< 0.625
        let t = (x * z * p).replacing(with: V(repeating: 2), where: .!isSmall) / q.replacing(with: e + 1, where: .!isSmall)
        let magnitude = 1 - t
        let large = magnitude.replacing(with: -magnitude, where: x .< 0)
        return large.replacing(with: x + t, where: isSmall).replacing(with: x, where: x .!= x)
    }

    /// `e^y` for `y` in [0, 40] (and beyond up to about 700; not for negative or NaN `y`).
    @inline(__always)
    static func exp(_ y: V) -> V {
        // n = round(y / ln 2) by adding and removing 1.5·2^52 (the sum's low bits hold n).
        let magic = V(repeating: 0x1.8p52)
        let shifted = y * 1.4426950408889634 + magic
        let n = shifted - magic
        // ln 2 = ln2High + ln2Low, ln2High with the low 32 bits zero (n ln2High is exact).
        let r = (y - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
        // Σ_{k=0}^{13} r^k / k!, Horner.
        var s = V(repeating: 1.0 / 6_227_020_800) * r + 1.0 / 479_001_600
        s = s * r + 1.0 / 39_916_800
        s = s * r + 1.0 / 3_628_800
        s = s * r + 1.0 / 362_880
        s = s * r + 1.0 / 40320
        s = s * r + 1.0 / 5040
        s = s * r + 1.0 / 720
        s = s * r + 1.0 / 120
        s = s * r + 1.0 / 24
        s = s * r + 1.0 / 6
        s = s * r + 0.5
        s = s * r + 1
        s = s * r + 1
        // 2^n from its bit pattern.
        let bits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self) &- SIMD4(repeating: (0x1.8p52 as Double).bitPattern)
        let scale = unsafeBitCast((bits &+ 1023) &<< 52, to: V.self)
        return s * scale
    }

}
