import PhysGradLinearAlgebra

/// What a Newton-type step does when the Hessian is not positive definite.
public enum HessianPolicy: Sendable, Hashable {
    /// Cholesky; when H is not positive definite, LU, i.e. the exact Newton step (which heads
    /// to the stationary point of the quadratic model, possibly a saddle). A singular H ends the
    /// run with ``TerminationReason/linearAlgebraFailure(_:)``.
    case exact
    /// End the run with ``TerminationReason/linearAlgebraFailure(_:)`` as soon as H is not
    /// positive definite.
    case requirePositiveDefinite
    /// Levenberg-Marquardt-style regularization: Cholesky of H + τI with τ = 0 first, then
    /// τ = `initialShift` · max(1, max|H_ii|) · 10^k, k = 0, 1, ..., 20, until positive definite.
    /// The step is then always a descent direction.
    case regularize(initialShift: Double)
}

/// Storage a Newton-type method keeps between steps, so that a dense step allocates no n² arrays:
/// the Hessian and its Cholesky factor are rewritten in place.
struct NewtonWorkspace: Sendable {
    var hessian = Matrix(rows: 0, columns: 0)
    var cholesky: CholeskyFactorization?
}

/// Solves H s = g for a dense H held in `workspace.hessian`, under `policy`: Cholesky in the
/// workspace's storage first; the fallbacks (LU, regularization) work on copies.
func newtonDirection(_ workspace: inout NewtonWorkspace, _ g: [Double], policy: HessianPolicy) throws(StepFailure) -> [Double] {
    guard workspace.hessian.isFinite else { throw StepFailure(.nonFiniteValue("Hessian")) }
    do {
        workspace.cholesky = try CholeskyFactorization.factorize(workspace.hessian, reusing: workspace.cholesky.take())
        return try workspace.cholesky!.solve(g)
    } catch {
        // The failed factorization consumed the old factor; the fallbacks start from H itself.
        return try notPositiveDefiniteFallback(workspace.hessian, g, policy: policy, error: error)
    }
}

/// Solves H s = g for the Newton-type direction s, in H's declared structure, under `policy`.
func newtonDirection(_ h: StructuredHessian, _ g: [Double], policy: HessianPolicy) throws(StepFailure) -> [Double] {
    guard h.isFinite else { throw StepFailure(.nonFiniteValue("Hessian")) }
    switch h {
    case .diagonal(let d):
        var shift = 0.0
        if d.contains(where: { !($0 > 0) }) {
            switch policy {
            case .exact:
                if let i = d.firstIndex(of: 0) { throw StepFailure(.linearAlgebraFailure(.singular(pivot: i))) }
            case .requirePositiveDefinite:
                let i = d.firstIndex { !($0 > 0) }!
                throw StepFailure(.linearAlgebraFailure(.notPositiveDefinite(order: i + 1)))
            case .regularize(let tau0):
                let scale = max(1, d.map { abs($0) }.max() ?? 1)
                shift = tau0 * scale
                while d.contains(where: { !($0 + shift > 0) }) { shift *= 10 }
            }
        }
        return zip(g, d).map { $0 / ($1 + shift) }
    case .dense(let m):
        do {
            return try CholeskyFactorization(m).solve(g)
        } catch {
            return try notPositiveDefiniteFallback(m, g, policy: policy, error: error)
        }
    }
}

/// What `policy` does after Cholesky of the dense `m` failed with `error`: LU (`.exact`), the
/// failure itself (`.requirePositiveDefinite`), or Cholesky of m + τI with growing τ
/// (`.regularize`). Errors other than "not positive definite" end the step as they are.
private func notPositiveDefiniteFallback(
    _ m: Matrix, _ g: [Double], policy: HessianPolicy, error: LinearAlgebraError
) throws(StepFailure) -> [Double] {
    guard case .notPositiveDefinite = error else { throw StepFailure(.linearAlgebraFailure(error)) }
    switch policy {
    case .requirePositiveDefinite:
        throw StepFailure(.linearAlgebraFailure(error))
    case .exact:
        do { return try LUFactorization(m).solve(g) } catch let e { throw StepFailure(.linearAlgebraFailure(e)) }
    case .regularize(let tau0):
        let n = m.rows
        let scale = max(1, m.diagonalElements.map { abs($0) }.max() ?? 1)
        var tau = tau0 * scale
        for _ in 0...20 {
            var shifted = m
            for i in 0..<n { shifted[i, i] += tau }
            if let s = try? CholeskyFactorization(shifted).solve(g) { return s }
            tau *= 10
        }
        throw StepFailure(.linearAlgebraFailure(error))
    }
}
