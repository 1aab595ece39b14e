import PhysGradLinearAlgebra

// The damped least-squares subproblem of Levenberg-Marquardt (Moré 1978, "The Levenberg-Marquardt
// algorithm: implementation and theory"; MINPACK's lmpar and qrsolv), on an n × n upper-triangular
// R from a QR factorization with column pivoting J P = Q R, stored column-major.

/// Scratch space of the LM subproblem, allocated once per run.
struct DampedSubproblem {
    let n: Int
    /// R in the upper triangle (kept); the strict lower triangle is overwritten by `solveDamped`.
    var r: [Double]
    var permutation: [Int]
    var sdiag: [Double]
    private var wa1: [Double], wa2: [Double], saved: [Double]

    init(n: Int) {
        self.n = n
        r = [Double](repeating: 0, count: n * n)
        permutation = Array(0..<n)
        sdiag = [Double](repeating: 0, count: n)
        wa1 = sdiag
        wa2 = sdiag
        saved = sdiag
    }

    /// Solves `min ‖[R; D'] z - [c; 0]‖` for the diagonal `D' = diag(d)` (indexed by the original
    /// variables) with Givens rotations, where `c = (Qᵀr)[0..<n]`: the damped system
    /// `(JᵀJ + D'²) x = Jᵀr` without forming JᵀJ. Leaves the lower triangle of the rotated
    /// `[R; D']`'s triangular factor S (transposed) in `r`'s strict lower triangle and S's
    /// diagonal in `sdiag`; returns x in the original variable order.
    mutating func solveDamped(_ d: [Double], _ c: [Double]) -> [Double] {
        let n = self.n
        var x = [Double](repeating: 0, count: n)
        // Copy R's upper triangle to the lower one; save the diagonal and c.
        for j in 0..<n {
            for i in j..<n { r[i + j * n] = r[j + i * n] }
            saved[j] = r[j + j * n]
            wa1[j] = c[j]
        }
        for j in 0..<n {
            let l = permutation[j]
            if d[l] != 0 {
                for k in j..<n { sdiag[k] = 0 }
                sdiag[j] = d[l]
                var qtbpj = 0.0
                for k in j..<n where sdiag[k] != 0 {
                    let rkk = r[k + k * n]
                    let cosine: Double, sine: Double
                    if Swift.abs(rkk) < Swift.abs(sdiag[k]) {
                        let cotangent = rkk / sdiag[k]
                        sine = 0.5 / (0.25 + 0.25 * cotangent * cotangent).squareRoot()
                        cosine = sine * cotangent
                    } else {
                        let tangent = sdiag[k] / rkk
                        cosine = 0.5 / (0.25 + 0.25 * tangent * tangent).squareRoot()
                        sine = cosine * tangent
                    }
                    r[k + k * n] = cosine * rkk + sine * sdiag[k]
                    let t = cosine * wa1[k] + sine * qtbpj
                    qtbpj = -sine * wa1[k] + cosine * qtbpj
                    wa1[k] = t
                    for i in (k + 1)..<n {
                        let v = cosine * r[i + k * n] + sine * sdiag[i]
                        sdiag[i] = -sine * r[i + k * n] + cosine * sdiag[i]
                        r[i + k * n] = v
                    }
                }
            }
            sdiag[j] = r[j + j * n]
            r[j + j * n] = saved[j]
        }
        // Back substitution with S; a singular S gives a least-squares solution.
        var nsing = n
        for j in 0..<n {
            if sdiag[j] == 0 && nsing == n { nsing = j }
            if nsing < n { wa1[j] = 0 }
        }
        var j = nsing - 1
        while j >= 0 {
            var sum = 0.0
            for i in (j + 1)..<nsing { sum += r[i + j * n] * wa1[i] }
            wa1[j] = (wa1[j] - sum) / sdiag[j]
            j -= 1
        }
        for j in 0..<n { x[permutation[j]] = wa1[j] }
        return x
    }

    /// The Levenberg-Marquardt parameter: λ >= `floor` and x with `(JᵀJ + λ D²) x = Jᵀr` and
    /// `‖D x‖` within 10% of `delta` (or λ = `floor` when that step has `‖D x‖ <= 1.1 delta`),
    /// by Moré's safeguarded Newton iteration on `φ(λ) = ‖D x(λ)‖ - delta` (at most 10 solves),
    /// starting from `par`. The step of the method is `-x`.
    mutating func parameter(diag: [Double], qtb: [Double], delta: Double, par: inout Double, floor: Double = 0) -> [Double] {
        if floor > 0 {
            // The least damping allowed: take it when its step fits the region.
            let root = floor.squareRoot()
            let x = solveDamped(diag.map { root * $0 }, qtb)
            for j in 0..<n { wa2[j] = diag[j] * x[j] }
            if Vector.norm2(wa2) - delta <= 0.1 * delta {
                par = floor
                return x
            }
            par = Swift.max(par, floor)
        }
        let n = self.n
        // The Gauss-Newton direction (a least-squares solution if R is singular).
        var nsing = n
        for j in 0..<n {
            wa1[j] = qtb[j]
            if r[j + j * n] == 0 && nsing == n { nsing = j }
            if nsing < n { wa1[j] = 0 }
        }
        var jj = nsing - 1
        while jj >= 0 {
            wa1[jj] /= r[jj + jj * n]
            let t = wa1[jj]
            for i in 0..<jj { wa1[i] -= r[i + jj * n] * t }
            jj -= 1
        }
        var x = [Double](repeating: 0, count: n)
        for j in 0..<n { x[permutation[j]] = wa1[j] }

        for j in 0..<n { wa2[j] = diag[j] * x[j] }
        let dxnorm = Vector.norm2(wa2)
        let fp = dxnorm - delta
        if fp <= 0.1 * delta && floor == 0 {
            par = 0
            return x
        }
        // Lower bound parl from the Newton step (full rank only), upper bound paru.
        var parl = 0.0
        if nsing == n {
            for j in 0..<n {
                let l = permutation[j]
                wa1[j] = diag[l] * (wa2[l] / dxnorm)
            }
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<j { sum += r[i + j * n] * wa1[i] }
                wa1[j] = (wa1[j] - sum) / r[j + j * n]
            }
            let t = Vector.norm2(wa1)
            parl = ((fp / delta) / t) / t
        }
        for j in 0..<n {
            var sum = 0.0
            for i in 0...j { sum += r[i + j * n] * qtb[i] }
            wa1[j] = sum / diag[permutation[j]]
        }
        let gnorm = Vector.norm2(wa1)
        parl = Swift.max(parl, floor)
        moreIteration(delta: delta, par: &par, lower: parl, gnorm: gnorm, fp: fp, dxnorm: dxnorm) { lambda in
            let root = lambda.squareRoot()
            let damping = diag.map { root * $0 }
            x = solveDamped(damping, qtb)
            for j in 0..<n { wa2[j] = diag[j] * x[j] }
            let norm = Vector.norm2(wa2)
            // Newton's correction: t = ‖S⁻ᵀ (D (D x)/‖D x‖)‖ with the factor S of [R; √λ D].
            for j in 0..<n {
                let l = permutation[j]
                wa1[j] = diag[l] * (wa2[l] / norm)
            }
            for j in 0..<n {
                wa1[j] /= sdiag[j]
                let t = wa1[j]
                for i in (j + 1)..<n { wa1[i] -= r[i + j * n] * t }
            }
            return (norm, Vector.norm2(wa1))
        }
        return x
    }
}

/// Moré's safeguarded Newton iteration for the Levenberg-Marquardt parameter, MINPACK's `lmpar`
/// after its Gauss-Newton step: with `φ(λ) = ‖D p(λ)‖ - Δ`, λ starts from `par` clamped to
/// `[lower, ‖D⁻¹Jᵀr‖/Δ]` and moves by `(φ/Δ)/t²` within the bracket, for at most 10 solves, until
/// `|φ| <= 0.1 Δ` (or, with no lower bound, φ stays negative and falls). `fp` and `dxnorm` are φ
/// and ‖D p‖ at λ = 0; `solve(λ)` solves at λ and returns ‖D p(λ)‖ and t, the norm of the Newton
/// correction's vector there (φ'(λ) = -‖D p‖ t²). On return `par` is the λ of the last solve.
func moreIteration<E: Error>(
    delta: Double, par: inout Double, lower: Double, gnorm: Double, fp: Double, dxnorm: Double,
    solve: (Double) throws(E) -> (norm: Double, slope: Double)
) throws(E) {
    let dwarf = Double.leastNormalMagnitude
    var parl = lower, fp = fp
    var paru = gnorm / delta
    if paru == 0 { paru = dwarf / Swift.min(delta, 0.1) }
    par = Swift.min(Swift.max(par, parl), paru)
    if par == 0 { par = gnorm / dxnorm }
    var iteration = 0
    while true {
        iteration += 1
        if par == 0 { par = Swift.max(dwarf, 0.001 * paru) }
        let (norm, t) = try solve(par)
        let previous = fp
        fp = norm - delta
        if Swift.abs(fp) <= 0.1 * delta || (parl == 0 && fp <= previous && previous < 0) || iteration == 10 { return }
        let parc = ((fp / delta) / t) / t
        if fp > 0 { parl = Swift.max(parl, par) }
        if fp < 0 { paru = Swift.min(paru, par) }
        par = Swift.max(parl, par + parc)
    }
}

/// The damped least-squares subproblem of one step with a banded Jacobian, through the normal
/// equations: `(JᵀJ + λI) p = -Jᵀr` by banded Cholesky factorizations (bandwidth `lower + upper`
/// of J; O(n b²) each), in the free variables (a variable held at a bound gets a decoupled unit
/// row and column, so its step is 0).
///
/// The normal equations square J's condition number. They are used only while that costs little:
/// the factorization of `JᵀJ` itself must exist with an estimated reciprocal condition number
/// (1-norm, Hager-Higham's estimator as in LAPACK's `dpbcon`) of at least ``reciprocalConditionFloor`` = 1e-10, so that
/// `κ₁(JᵀJ + λI) <= 1e10` for every λ >= 0 and a solve loses at most about 1e10 · ε ≈ 2e-6 of
/// relative accuracy, far below what the step acceptance resolves; otherwise ``make(jacobian:residual:free:storage:)``
/// returns `nil` and the method takes its dense (SVD) step, up to n = ``denseFallbackLimit``
/// (beyond, the run stops as stalled and says why: the dense matrices would take n² memory).
///
/// The predicted reduction of the linearized residual for `p(λ)` is
/// `‖r‖² - ‖r + J p‖² = ‖J p‖² + 2λ ‖p‖²`, computed in that form (no cancellation).
struct BandedNormalEquations {
    /// The least reciprocal condition number of `JᵀJ` for which the banded path is taken.
    static let reciprocalConditionFloor = 1e-10
    /// The largest n whose ill-conditioned banded steps fall back to the dense path.
    static let denseFallbackLimit = 4096

    /// Throws unless a problem with n unknowns may take the dense step in place of the banded one.
    static func requireDenseFallback(columns n: Int) throws(StepFailure) {
        if n > denseFallbackLimit {
            throw StepFailure(.stalled("the banded normal equations JᵀJ are not positive definite with reciprocal condition >= \(reciprocalConditionFloor), and n = \(n) is above the dense fallback's limit \(denseFallbackLimit)"))
        }
    }

    /// The working memory of a method that solves banded steps (and falls back to the dense path,
    /// whose memory is `dense`, up to ``denseFallbackLimit``): the band of J, its compressed
    /// products, `JᵀJ`, its copy and factor, and vectors.
    static func workingMemory(_ problem: InverseProblem, lower: Int, upper: Int, dense: Int) -> Int {
        let n = problem.dimension, k = problem.outputDimension
        let colours = Swift.max(0, lower) + Swift.max(0, upper) + 1
        let banded = MemorySize.sum(MemorySize.matrices(1, rows: k, columns: colours), MemorySize.matrices(5, rows: colours, columns: n),
                                    MemorySize.vectors(16, of: Swift.max(n, k)))
        return n <= denseFallbackLimit ? MemorySize.sum(banded, dense) : banded
    }

    let jacobian: BandedMatrix
    /// `2 JᵀJ` (free variables; unit rows and columns for the others), as Newton's model of L = |r|²:
    /// a shift μ of it is a damping λ = μ/2 of the least-squares problem.
    var system: ShiftedSymmetricSystem
    /// `2 Jᵀr` (0 on held variables).
    let gradient: [Double]
    /// The Gauss-Newton step (λ = 0) and the reduction it predicts, `‖J p₀‖²`.
    let full: (step: [Double], decrease: Double)

    /// The subproblem at J and r, or `nil` when `JᵀJ` is not safely positive definite (see the
    /// type's documentation). `free` lists the variables that may move.
    static func make(jacobian j: BandedMatrix, residual r: [Double], free: [Int],
                     storage: ShiftedBandedCholesky) -> BandedNormalEquations? {
        var a = j.gram()
        var g = [Double](repeating: 0, count: j.columns)
        do { try j.multiply(r, into: &g, transposed: true, alpha: 2) } catch { return nil }
        if free.count < j.columns {
            var isFree = [Bool](repeating: false, count: j.columns)
            for i in free { isFree[i] = true }
            for i in 0..<j.columns where !isFree[i] {
                g[i] = 0
                for k in Swift.max(0, i - a.bandwidth)...Swift.min(j.columns - 1, i + a.bandwidth) { a[i, k] = i == k ? 1 : 0 }
            }
        }
        a.scale(by: 2)
        var system = ShiftedSymmetricSystem(banded: a, reusing: storage)
        guard system.factor(shift: 0), system.reciprocalCondition() >= reciprocalConditionFloor else { return nil }
        var p = system.solve(g)
        for i in p.indices { p[i] = -p[i] }
        var jp = [Double](repeating: 0, count: j.rows)
        do { try j.multiply(p, into: &jp) } catch { return nil }
        let decrease = Vector.dot(jp, jp)
        guard Vector.allFinite(p), decrease.isFinite else { return nil }
        return BandedNormalEquations(jacobian: j, system: system, gradient: g, full: (p, decrease))
    }

    /// The step whose predicted reduction is within 10% of `target` (and of what it leaves of the
    /// full reduction), its damping λ (of `JᵀJ + λI`) and its predicted reduction; `guess` is a
    /// first λ to try (the previous step's).
    mutating func step(forDecrease target: Double, guess: Double) -> (step: [Double], lambda: Double, predicted: Double)? {
        guard let (p, mu) = shiftForDecrease(&system, gradient, target: target, reference: full.decrease, full: full,
                                             guess: 2 * guess) else { return nil }
        return (p, mu / 2, predicted(p, lambda: mu / 2))
    }

    /// `‖J p‖² + 2λ ‖p‖²`, the reduction of `‖r + J p‖²` that the step `p = p(λ)` predicts.
    func predicted(_ p: [Double], lambda: Double) -> Double {
        var jp = [Double](repeating: 0, count: jacobian.rows)
        do { try jacobian.multiply(p, into: &jp) } catch { return .nan }
        let pp = Vector.dot(p, p)
        return Vector.dot(jp, jp) + 2 * lambda * pp
    }

    /// The storage of the factorization, for the next step.
    var storage: ShiftedBandedCholesky { system.bandedStorage }
}

/// What Moré's trust-region step (``LevenbergMarquardt`` with the trust region on the length)
/// needs of a damped linear model of `r(x + s) ≈ r + J s` in the free variables: the step for a
/// radius (MINPACK's `lmpar`), and `J s`.
protocol RadiusModel {
    /// The variables that may move; the method's step is `-p` on them, 0 elsewhere.
    var free: [Int] { get }
    /// The largest cosine between r and a column of J (MINPACK's gnorm).
    var gnorm: Double { get }
    /// λ >= 0 and p with `(JᵀJ + λ D²) p = Jᵀr`, `‖D p‖` within 10% of `delta` (or λ = 0 when the
    /// Gauss-Newton step has `‖D p‖ <= 1.1 delta`), by Moré's safeguarded Newton iteration on
    /// `φ(λ) = ‖D p(λ)‖ - delta` (at most 10 solves) from `par`. p is indexed as ``free``.
    mutating func parameter(delta: Double, par: inout Double) throws(StepFailure) -> [Double]
    /// `J s + r` for a step `s` over every variable.
    func jacobianTimes(_ s: [Double], adding r: [Double]) throws(StepFailure) -> [Double]
    /// The linear solve that gave the step with damping `par`.
    func solveKind(par: Double) -> LinearSolve
}

extension DampedModel: RadiusModel {
    mutating func parameter(delta: Double, par: inout Double) throws(StepFailure) -> [Double] {
        sub.parameter(diag: diag, qtb: qtf, delta: delta, par: &par, floor: floor)
    }

    func jacobianTimes(_ s: [Double], adding r: [Double]) throws(StepFailure) -> [Double] {
        var js = r
        do { try jacobian.multiply(s, into: &js, alpha: 1, beta: 1) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        return js
    }

    func solveKind(par: Double) -> LinearSolve { .qr(rank: rank, columns: free.count) }
}

/// Moré's damped subproblem with a banded Jacobian, through the normal equations in the
/// variables scaled by D: with `Ã = D⁻¹JᵀJ D⁻¹` and `g̃ = D⁻¹Jᵀr`,
///
///     (JᵀJ + λ D²) p = Jᵀr   ⇔   (Ã + λI) p̃ = g̃,   p = D⁻¹ p̃,   ‖D p‖ = ‖p̃‖,
///
/// so each λ costs one banded Cholesky factorization of `Ã + λI` (O(n b²), b = lower + upper of J)
/// instead of a dense QR (O(n³)). Moré's iteration on λ is MINPACK's `lmpar` with the triangular
/// factor of `[R; √λ D]` replaced by that of `Ã + λI` (the same matrix product, `SᵀS = Ã + λI` up
/// to the scaling): the same bounds `parl`, `paru` and Newton corrections, so the steps are
/// MINPACK's up to rounding. As for the trust region on the reduction
/// (``BandedNormalEquations``), the normal equations are used only when `Ã` factors with an
/// estimated reciprocal condition number of at least ``BandedNormalEquations/reciprocalConditionFloor``;
/// otherwise ``make(jacobian:residual:free:diag:gnorm:storage:)`` returns `nil` and the step is the
/// dense QR one.
struct BandedRadiusModel: RadiusModel {
    let free: [Int]
    let gnorm: Double
    let jacobian: BandedMatrix
    private var system: ShiftedSymmetricSystem
    /// g̃ = D⁻¹Jᵀr over every variable (0 on held ones).
    private let scaledGradient: [Double]
    /// ‖g̃‖.
    private let scaledGradientNorm: Double
    /// D (1 on held variables, whose unit rows and columns decouple them).
    private let diag: [Double]
    /// The Gauss-Newton step p̃(0), its norm, and `‖L₀⁻¹ p̃(0)‖ / ‖p̃(0)‖` (the slope of φ at 0).
    private let gaussNewton: [Double]
    private let gaussNewtonNorm: Double
    private let slopeAtZero: Double

    static func make(jacobian j: BandedMatrix, residual r: [Double], free: [Int], diag d: [Double], gnorm: Double,
                     storage: ShiftedBandedCholesky) -> BandedRadiusModel? {
        let n = j.columns
        var a = j.gram()
        var g = [Double](repeating: 0, count: n)
        do { try j.multiply(r, into: &g, transposed: true) } catch { return nil }
        var diag = [Double](repeating: 1, count: n)
        for i in free { diag[i] = d[i] }
        if free.count < n {
            var isFree = [Bool](repeating: false, count: n)
            for i in free { isFree[i] = true }
            for i in 0..<n where !isFree[i] {
                g[i] = 0
                for k in Swift.max(0, i - a.bandwidth)...Swift.min(n - 1, i + a.bandwidth) { a[i, k] = i == k ? 1 : 0 }
            }
        }
        let inverse = diag.map { 1 / $0 }
        guard Vector.allFinite(inverse) else { return nil }
        do { try a.scaleSymmetrically(by: inverse) } catch { return nil }
        for i in 0..<n { g[i] *= inverse[i] }
        var system = ShiftedSymmetricSystem(banded: a, reusing: storage)
        guard system.factor(shift: 0),
              system.reciprocalCondition() >= BandedNormalEquations.reciprocalConditionFloor else { return nil }
        let p0 = system.solve(g)
        let norm0 = Vector.norm2(p0)
        guard Vector.allFinite(p0), norm0.isFinite else { return nil }
        let slope0 = norm0 > 0 ? system.lowerSolveNorm(p0.map { $0 / norm0 }) : 0
        return BandedRadiusModel(free: free, gnorm: gnorm, jacobian: j, system: system, scaledGradient: g,
                                 scaledGradientNorm: Vector.norm2(g), diag: diag, gaussNewton: p0, gaussNewtonNorm: norm0,
                                 slopeAtZero: slope0)
    }

    /// p = D⁻¹ p̃ in the free variables.
    private func unscaled(_ q: [Double]) -> [Double] { free.map { q[$0] / diag[$0] } }

    mutating func parameter(delta: Double, par: inout Double) throws(StepFailure) -> [Double] {
        let dxnorm = gaussNewtonNorm
        let fp = dxnorm - delta
        if fp <= 0.1 * delta {
            par = 0
            return unscaled(gaussNewton)
        }
        // Ã is positive definite here: the lower bound from the Newton step at 0, the upper ‖g̃‖/Δ.
        var parl = ((fp / delta) / slopeAtZero) / slopeAtZero
        if !parl.isFinite { parl = 0 }
        var q = gaussNewton
        try moreIteration(delta: delta, par: &par, lower: parl, gnorm: scaledGradientNorm, fp: fp, dxnorm: dxnorm) {
            (lambda: Double) throws(StepFailure) -> (norm: Double, slope: Double) in
            guard system.factor(shift: lambda) else {
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: diag.count)))
            }
            q = system.solve(scaledGradient)
            let norm = Vector.norm2(q)
            guard norm.isFinite else {
                throw StepFailure(.linearAlgebraFailure(.nonFiniteResult(operation: "damped banded normal equations", index: 0)))
            }
            // φ'(λ) = -‖L⁻¹ p̃‖² / ‖p̃‖ with L Lᵀ = Ã + λI.
            return (norm, system.lowerSolveNorm(q.map { $0 / norm }))
        }
        return unscaled(q)
    }

    func jacobianTimes(_ s: [Double], adding r: [Double]) throws(StepFailure) -> [Double] {
        var js = r
        do { try jacobian.multiply(s, into: &js, alpha: 1, beta: 1) } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        return js
    }

    func solveKind(par: Double) -> LinearSolve { par > 0 ? .shiftedCholesky(shift: par) : .cholesky }

    /// The storage of the factorization, for the next step.
    var storage: ShiftedBandedCholesky { system.bandedStorage }
}
