import PhysGradLinearAlgebra

/// A symmetric matrix H, dense, diagonal or banded, with the shifted Cholesky factorizations
/// `H + λI = L Lᵀ` a trust-region subproblem needs. The dense and banded forms reuse their
/// factor storage.
struct ShiftedSymmetricSystem {
    enum Matrix_ {
        case dense(Matrix)
        case diagonal([Double])
        case banded(SymmetricBandedMatrix)
    }

    private(set) var h: Matrix_
    private var factor: CholeskyFactorization?
    private var bandFactor = ShiftedBandedCholesky()
    /// λ of the last successful factorization (beyond ``baseShift``).
    private(set) var shift = 0.0
    /// A shift added to H everywhere (factorizations and products): the system is `H + baseShift·I`.
    var baseShift = 0.0
    private(set) var factorizations = 0
    /// `baseShift + λ` of the factorization at hand (`nil` when there is none).
    private var factoredShift: Double?

    init(dense h: Matrix, reusing storage: consuming CholeskyFactorization? = nil) {
        self.h = .dense(h)
        self.factor = storage.take()
    }

    init(diagonal d: [Double]) { h = .diagonal(d) }

    init(banded b: SymmetricBandedMatrix, reusing storage: ShiftedBandedCholesky = ShiftedBandedCholesky()) {
        h = .banded(b)
        bandFactor = storage
    }

    init(_ structured: StructuredHessian) {
        switch structured {
        case .dense(let m): self.init(dense: m)
        case .diagonal(let d): self.init(diagonal: d)
        case .banded(let b): self.init(banded: b)
        }
    }

    /// `true` when every entry of H is finite.
    var isFinite: Bool {
        switch h {
        case .dense(let m): return m.isFinite
        case .diagonal(let d): return Vector.allFinite(d)
        case .banded(let b): return b.isFinite
        }
    }

    var order: Int {
        switch h {
        case .dense(let m): return m.rows
        case .diagonal(let d): return d.count
        case .banded(let b): return b.order
        }
    }

    /// `true` for a banded H.
    var isBanded: Bool {
        if case .banded = h { return true }
        return false
    }

    /// The factor storage, for reuse by the next step.
    mutating func takeStorage() -> CholeskyFactorization? {
        if case .dense = h { factoredShift = nil }
        return factor.take()
    }

    /// The banded factor storage, for reuse by the next step.
    var bandedStorage: ShiftedBandedCholesky { bandFactor }

    /// Factorizes `H + λI`; `false` when it is not positive definite. The factorization at hand
    /// is kept when it is already of this system (same λ and base shift).
    mutating func factor(shift lambda: Double) -> Bool {
        if factoredShift == baseShift + lambda && shift == lambda { return true }
        factoredShift = nil
        factorizations += 1
        switch h {
        case .dense(let m):
            do {
                factor = try CholeskyFactorization.factorize(m, shift: baseShift + lambda, reusing: factor.take())
            } catch {
                return false
            }
        case .diagonal(let d):
            for v in d where !(v + baseShift + lambda > 0) { return false }
        case .banded(let b):
            do { try bandFactor.factorize(b, shift: baseShift + lambda) } catch { return false }
        }
        shift = lambda
        factoredShift = baseShift + lambda
        return true
    }

    /// An estimate of the reciprocal condition number of the last successful factorization
    /// (LAPACK `dpocon` for dense, Hager-Higham's 1-norm estimator for banded; exact for a diagonal).
    func reciprocalCondition() -> Double {
        switch h {
        case .dense(let m):
            return factor?.reciprocalConditionNumber(oneNorm: m.normOne + baseShift + shift) ?? 0
        case .diagonal(let d):
            let t = baseShift + shift
            let hi = (d.max() ?? 0) + t, lo = (d.min() ?? 0) + t
            return hi > 0 ? lo / hi : 0
        case .banded(let b):
            return bandFactor.reciprocalConditionNumber(oneNorm: b.normOne + baseShift + shift)
        }
    }

    /// ‖H‖₁ (for a symmetric matrix also ‖H‖∞), without the shifts.
    var normOne: Double {
        switch h {
        case .dense(let m): return m.normOne
        case .diagonal(let d): return Vector.normInf(d)
        case .banded(let b): return b.normOne
        }
    }

    /// `(H + λI)⁻¹ b` with the last successful factorization.
    func solve(_ b: [Double]) -> [Double] {
        switch h {
        case .dense:
            return (try? factor!.solve(b)) ?? [Double](repeating: .nan, count: b.count)
        case .diagonal(let d):
            return (0..<b.count).map { b[$0] / (d[$0] + baseShift + shift) }
        case .banded:
            return (try? bandFactor.solve(b)) ?? [Double](repeating: .nan, count: b.count)
        }
    }

    /// `‖L⁻¹ b‖₂` with the last successful factorization (`‖L⁻¹b‖² = bᵀ(H + λI)⁻¹b`).
    func lowerSolveNorm(_ b: [Double]) -> Double {
        switch h {
        case .dense:
            return Vector.norm2((try? factor!.solveLower(b)) ?? [.nan])
        case .diagonal(let d):
            var s = 0.0
            for i in b.indices { s += b[i] * b[i] / (d[i] + baseShift + shift) }
            return s.squareRoot()
        case .banded:
            return Vector.norm2((try? bandFactor.solveLower(b)) ?? [.nan])
        }
    }

    /// `(H + baseShift·I) v`.
    func multiply(_ v: [Double]) -> [Double] {
        switch h {
        case .dense(let m):
            var out = v
            do { try m.multiply(v, into: &out, alpha: 1, beta: baseShift) } catch { return [Double](repeating: .nan, count: m.rows) }
            return out
        case .diagonal(let d):
            return (0..<v.count).map { (d[$0] + baseShift) * v[$0] }
        case .banded(let b):
            var out = v
            do { try b.multiply(v, into: &out, alpha: 1, beta: baseShift) } catch { return [Double](repeating: .nan, count: b.order) }
            return out
        }
    }

    /// Bounds on the eigenvalues of `H + baseShift·I` (Gershgorin discs), a bound on its
    /// Frobenius norm, and its smallest diagonal entry.
    func spectralBounds() -> (lower: Double, upper: Double, frobenius: Double, minDiagonal: Double) {
        let b = baseShift
        switch h {
        case .dense(let m):
            let n = m.rows
            var lo = Double.infinity, hi = -Double.infinity, minDiag = Double.infinity
            for i in 0..<n {
                var off = 0.0
                for j in 0..<n where j != i { off += Swift.abs(m[i, j]) }
                lo = Swift.min(lo, m[i, i] - off)
                hi = Swift.max(hi, m[i, i] + off)
                minDiag = Swift.min(minDiag, m[i, i])
            }
            return (lo + b, hi + b, m.normFrobenius + b * Double(n).squareRoot(), minDiag + b)
        case .diagonal(let d):
            return ((d.min() ?? 0) + b, (d.max() ?? 0) + b, Vector.norm2(d.map { $0 + b }), (d.min() ?? 0) + b)
        case .banded(let m):
            let off = m.offDiagonalRowSums, diag = m.diagonalElements
            var lo = Double.infinity, hi = -Double.infinity
            for i in 0..<m.order {
                lo = Swift.min(lo, diag[i] - off[i])
                hi = Swift.max(hi, diag[i] + off[i])
            }
            return (lo + b, hi + b, m.normFrobenius + b * Double(m.order).squareRoot(), (diag.min() ?? 0) + b)
        }
    }
}

/// A step of the trust-region subproblem `min m(p) = gᵀp + ½ pᵀHp` subject to `‖p‖ <= Δ`.
struct TrustRegionStep {
    var step: [Double]
    /// λ >= 0 with `(H + λI) p = -g` (0 for an interior Newton step).
    var lambda: Double
    /// `-m(p)`, the decrease the quadratic model predicts.
    var predictedDecrease: Double
    /// `true` when `‖p‖` is (close to) Δ.
    var onBoundary: Bool
}

/// Solves the trust-region subproblem nearly exactly (Moré & Sorensen 1983; Conn, Gould & Toint,
/// *Trust-Region Methods*, §7.3): finds λ >= max(0, -λ_min(H)) with `‖(H + λI)⁻¹g‖ ≈ Δ` by a
/// safeguarded Newton iteration on the secular equation `1/‖p(λ)‖ = 1/Δ`, one Cholesky
/// factorization of `H + λI` per iteration, bracketing λ between Gershgorin-based bounds. In the
/// hard case (g nearly orthogonal to the eigenvectors of λ_min), it moves to the boundary along
/// an approximate eigenvector from inverse iteration. The step satisfies `‖p‖ <= (1 + κ) Δ`
/// with κ = 0.1 and `m(p) <= 0`; the relative accuracy of the model decrease is that of
/// Moré-Sorensen's test (κ_hard = 0.2).
func solveTrustRegionSubproblem(_ system: inout ShiftedSymmetricSystem, gradient g: [Double], radius delta: Double)
    -> TrustRegionStep
{
    let n = g.count
    let kappaEasy = 0.1, kappaHard = 0.2
    let gnorm = Vector.norm2(g)
    func model(_ p: [Double]) -> Double {
        let hp = system.multiply(p)
        return Vector.dot(g, p) + 0.5 * Vector.dot(p, hp)
    }
    func result(_ p: [Double], _ lambda: Double) -> TrustRegionStep {
        TrustRegionStep(step: p, lambda: lambda, predictedDecrease: -model(p),
                        onBoundary: Vector.norm2(p) >= (1 - kappaEasy) * delta)
    }
    guard gnorm > 0 else { return TrustRegionStep(step: [Double](repeating: 0, count: n), lambda: 0, predictedDecrease: 0, onBoundary: false) }

    let bounds = system.spectralBounds()
    var lambdaLow = Swift.max(0, -bounds.minDiagonal, gnorm / delta - Swift.min(bounds.upper, bounds.frobenius))
    var lambdaHigh = Swift.max(0, gnorm / delta + Swift.min(-bounds.lower, bounds.frobenius))
    var lambda = lambdaLow == 0 ? 0.0 : Swift.max(1e-3 * lambdaHigh, (lambdaLow * lambdaHigh).squareRoot())
    // The last positive definite solution, as a fallback.
    var fallback: (p: [Double], lambda: Double)? = nil

    for _ in 0..<60 {
        if system.factor(shift: lambda) {
            var p = system.solve(g)
            for i in 0..<n { p[i] = -p[i] }
            let pnorm = Vector.norm2(p)
            guard pnorm.isFinite else { break }
            fallback = (p, lambda)
            if pnorm <= delta {
                if lambda == 0 || delta - pnorm <= kappaEasy * delta { return result(p, lambda) }
                lambdaHigh = lambda
                // Hard case? An approximate eigenvector z of the smallest eigenvalue of H + λI.
                var z = (0..<n).map { i in i % 2 == 0 ? 1.0 : -1.0 }
                for _ in 0..<4 {
                    z = system.solve(z)
                    let zn = Vector.norm2(z)
                    guard zn > 0, zn.isFinite else { break }
                    Vector.scale(&z, by: 1 / zn)
                }
                if Vector.allFinite(z), Vector.norm2(z) > 0 {
                    let hz = system.multiply(z)
                    let zHz = Vector.dot(z, hz) + lambda  // zᵀ(H + λI)z, ‖z‖ = 1
                    // τ with ‖p + τz‖ = Δ: τ² + 2(pᵀz)τ + ‖p‖² - Δ² = 0; take the root of smaller model value.
                    let pz = Vector.dot(p, z)
                    let disc = (pz * pz + delta * delta - pnorm * pnorm).squareRoot()
                    let candidates = [-pz + disc, -pz - disc].map { tau -> [Double] in
                        (0..<n).map { p[$0] + tau * z[$0] }
                    }
                    let best = model(candidates[0]) <= model(candidates[1]) ? candidates[0] : candidates[1]
                    let tau = Vector.norm2(Vector.subtract(best, p))
                    let hp = system.multiply(p)
                    let pHp = Vector.dot(p, hp) + lambda * pnorm * pnorm
                    if tau * tau * zHz <= kappaHard * (pHp + lambda * delta * delta) { return result(best, lambda) }
                    lambdaLow = Swift.max(lambdaLow, lambda - zHz)
                }
            } else {
                lambdaLow = lambda
                if pnorm - delta <= kappaEasy * delta { return result(p, lambda) }
            }
            // Newton's step on 1/‖p(λ)‖ = 1/Δ.
            let qnorm = system.lowerSolveNorm(p)
            let next = lambda + (pnorm / qnorm) * (pnorm / qnorm) * (pnorm - delta) / delta
            lambda = next.isFinite && next > lambdaLow && next < lambdaHigh
                ? next : Swift.max((lambdaLow * lambdaHigh).squareRoot(), lambdaLow + 0.01 * (lambdaHigh - lambdaLow))
        } else {
            lambdaLow = Swift.max(lambdaLow, lambda)
            lambda = Swift.max((lambdaLow * lambdaHigh).squareRoot(), lambdaLow + 0.01 * (lambdaHigh - lambdaLow))
        }
        if lambdaHigh - lambdaLow <= 1e-14 * Swift.max(1, lambdaHigh) { break }
    }
    // Not converged to the tolerances: the last positive definite solution, pulled inside the
    // region; without one, the Cauchy point (the model's minimizer along -g within Δ).
    if case (var p, let l)? = fallback {
        let pnorm = Vector.norm2(p)
        if pnorm > delta { Vector.scale(&p, by: delta / pnorm) }
        let r = result(p, l)
        if r.predictedDecrease > 0 { return r }
    }
    let hg = system.multiply(g)
    let curvature = Vector.dot(g, hg)
    let t = curvature > 0 ? Swift.min(delta / gnorm, gnorm * gnorm / curvature) : delta / gnorm
    return result(g.map { -t * $0 }, lambdaLow)
}
