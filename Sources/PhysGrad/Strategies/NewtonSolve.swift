import PhysGradLinearAlgebra

/// What a line-search Newton step does when the Hessian H is not positive definite (or, for
/// ``regularize(initialShift:minimumReciprocalCondition:)``, nearly singular). The trust-region
/// Newton (the default) needs no policy: its shifted systems are positive definite by construction.
public enum HessianPolicy: Sendable, Hashable {
    /// Cholesky; when H is not positive definite, LU, i.e. the exact Newton step (which heads
    /// to the stationary point of the quadratic model, possibly a saddle). A singular H ends the
    /// run with ``TerminationReason/linearAlgebraFailure(_:)``. The chapter's policy.
    case exact
    /// End the run with ``TerminationReason/linearAlgebraFailure(_:)`` as soon as H is not
    /// positive definite.
    case requirePositiveDefinite
    /// A positive definite modification that is never nearly singular: Cholesky of H + τI with
    /// τ = 0 first, accepted only if the factor's reciprocal condition estimate (LAPACK `dpocon`)
    /// is at least `minimumReciprocalCondition`; otherwise τ = `initialShift` · max(1, max|H_ii|)
    /// · 10^k, k = 0, 1, ..., 30, until it is. The step is then a descent direction whose solve
    /// amplifies rounding by at most 1/`minimumReciprocalCondition`.
    case regularize(initialShift: Double = 1e-3, minimumReciprocalCondition: Double = 1e-8)

    func validate() throws(PhysGradError) {
        if case .regularize(let t, let r) = self {
            if !(t.isFinite && t > 0) {
                throw .invalidParameter(name: "initialShift", value: "\(t)", reason: "must be finite and positive")
            }
            if !(r >= 0 && r < 1) {
                throw .invalidParameter(name: "minimumReciprocalCondition", value: "\(r)", reason: "must be in [0, 1)")
            }
        }
    }
}

/// Storage a Newton-type method keeps between steps, so that a dense step allocates no n² arrays:
/// the Hessian and its Cholesky factor are rewritten in place.
struct NewtonWorkspace: Sendable {
    var hessian = Matrix(rows: 0, columns: 0)
    var cholesky: CholeskyFactorization?
    var bandedCholesky = ShiftedBandedCholesky()
}

/// Solves H s = g for a dense H held in `workspace.hessian`, under `policy`: Cholesky in the
/// workspace's storage first; the fallbacks (LU, shifts) reuse or copy it. Records the solve in
/// `report`.
func newtonDirection(
    _ workspace: inout NewtonWorkspace, _ g: [Double], policy: HessianPolicy, report: inout StepReport
) throws(StepFailure) -> [Double] {
    let h = workspace.hessian
    guard h.isFinite else { throw StepFailure(.nonFiniteValue("Hessian")) }
    let anorm: Double
    if case .regularize(_, let floor) = policy, floor > 0 { anorm = h.normOne } else { anorm = 0 }
    var factor: CholeskyFactorization?
    return try shiftedNewtonSolve(
        order: h.rows, policy: policy, report: &report,
        diagonalScale: { Swift.max(1, h.diagonalElements.map { Swift.abs($0) }.max() ?? 1) },
        factorize: { shift throws(LinearAlgebraError) in
            factor = nil
            let f = try CholeskyFactorization.factorize(h, shift: shift, reusing: workspace.cholesky.take())
            workspace.cholesky = f
            factor = f
        },
        reciprocalCondition: { shift in factor?.reciprocalConditionNumber(oneNorm: anorm + shift) ?? 0 },
        solve: { () throws(LinearAlgebraError) in try factor!.solve(g) },
        luSolve: { () throws(LinearAlgebraError) in try LUFactorization(h).solve(g) })
}

/// The loop the dense and banded Newton solves share: factorize `H + shift·I` from shift 0;
/// accept it unless ``HessianPolicy/regularize(initialShift:minimumReciprocalCondition:)`` asks
/// for a better-conditioned one; otherwise, per `policy`, fail, fall back to LU (`.exact`) or
/// raise the shift (τ₀ · max(1, max|h_ii|), then tenfold, at most 31 times). Records the solve.
private func shiftedNewtonSolve(
    order: Int, policy: HessianPolicy, report: inout StepReport, diagonalScale: () -> Double,
    factorize: (_ shift: Double) throws(LinearAlgebraError) -> Void,
    reciprocalCondition: (_ shift: Double) -> Double,
    solve: () throws(LinearAlgebraError) -> [Double],
    luSolve: () throws(LinearAlgebraError) -> [Double]
) throws(StepFailure) -> [Double] {
    var shift = 0.0
    var attempt = 0
    while true {
        var failure: LinearAlgebraError
        do throws(LinearAlgebraError) {
            try factorize(shift)
            if case .regularize(_, let floor) = policy, floor > 0, reciprocalCondition(shift) < floor {
                failure = .notPositiveDefinite(order: order)
            } else {
                report.solve = shift > 0 ? .shiftedCholesky(shift: shift) : .cholesky
                report.damping = shift > 0 ? shift : nil
                return try solve()
            }
        } catch {
            failure = error
        }
        guard case .notPositiveDefinite = failure else { throw StepFailure(.linearAlgebraFailure(failure)) }
        switch policy {
        case .requirePositiveDefinite:
            throw StepFailure(.linearAlgebraFailure(failure))
        case .exact:
            report.solve = .luFallback
            do throws(LinearAlgebraError) { return try luSolve() } catch { throw StepFailure(.linearAlgebraFailure(error)) }
        case .regularize(let tau0, _):
            if attempt > 30 { throw StepFailure(.linearAlgebraFailure(failure)) }
            shift = attempt == 0 ? tau0 * diagonalScale() : shift * 10
            attempt += 1
        }
    }
}

/// Solves H s = g for the Newton-type direction s, in H's declared structure, under `policy`.
func newtonDirection(
    _ h: StructuredHessian, _ g: [Double], policy: HessianPolicy, report: inout StepReport
) throws(StepFailure) -> [Double] {
    guard h.isFinite else { throw StepFailure(.nonFiniteValue("Hessian")) }
    switch h {
    case .diagonal(let d):
        var shift = 0.0
        switch policy {
        case .exact:
            if let i = d.firstIndex(of: 0) { throw StepFailure(.linearAlgebraFailure(.singular(pivot: i))) }
        case .requirePositiveDefinite:
            if let i = d.firstIndex(where: { !($0 > 0) }) {
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: i + 1)))
            }
        case .regularize(let tau0, let floor):
            // A diagonal's reciprocal condition number is min d / max d.
            var largest = 0.0
            for v in d { largest = Swift.max(largest, Swift.abs(v)) }
            let scale = Swift.max(1, largest)
            if d.contains(where: { !($0 > floor * scale) }) {
                shift = tau0 * scale
                while d.contains(where: { !($0 + shift > floor * (scale + shift)) }) { shift *= 10 }
            }
        }
        report.solve = .diagonal(shift: shift)
        report.damping = shift > 0 ? shift : nil
        let n = Swift.min(g.count, d.count)
        return [Double](unsafeUninitializedCapacity: n) { out, count in
            g.withUnsafeBufferPointer { gs in
                d.withUnsafeBufferPointer { ds in
                    for i in 0..<n { out[i] = gs[i] / (ds[i] + shift) }
                }
            }
            count = n
        }
    case .dense(let m):
        var workspace = NewtonWorkspace(hessian: m, cholesky: nil)
        return try newtonDirection(&workspace, g, policy: policy, report: &report)
    case .banded(let b):
        return try newtonDirection(banded: b, g, policy: policy, report: &report)
    }
}

/// Solves H s = g for a banded H under `policy`, as the dense form does: banded Cholesky, shifted
/// until positive definite (and, under ``HessianPolicy/regularize(initialShift:minimumReciprocalCondition:)``,
/// conditioned); the exact policy's LU fallback runs on the dense matrix (n <= 4096; above, an
/// indefinite H ends the run with the factorization's failure).
private func newtonDirection(
    banded h: SymmetricBandedMatrix, _ g: [Double], policy: HessianPolicy, report: inout StepReport
) throws(StepFailure) -> [Double] {
    var factor = ShiftedBandedCholesky()
    let anorm = h.normOne
    return try shiftedNewtonSolve(
        order: h.order, policy: policy, report: &report,
        diagonalScale: { Swift.max(1, h.diagonalElements.map { Swift.abs($0) }.max() ?? 1) },
        factorize: { shift throws(LinearAlgebraError) in try factor.factorize(h, shift: shift) },
        reciprocalCondition: { shift in factor.reciprocalConditionNumber(oneNorm: anorm + shift) },
        solve: { () throws(LinearAlgebraError) in try factor.solve(g) },
        luSolve: { () throws(LinearAlgebraError) in
            // The fallback expands the band: n² memory, so only up to the dense fallback's limit.
            guard h.order <= BandedNormalEquations.denseFallbackLimit else { throw .notPositiveDefinite(order: h.order) }
            return try LUFactorization(h.dense).solve(g)
        })
}
