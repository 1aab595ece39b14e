import Foundation
import Testing
@testable import PhysGrad
import PhysGradLinearAlgebra

/// The Moré-Sorensen subproblem solver against the exact solution of min gᵀp + ½pᵀHp, ‖p‖ <= Δ,
/// computed from H's eigendecomposition (bisection on the secular equation, the hard case by
/// hand), for positive definite, indefinite and hard-case matrices.
@Suite("Trust-region subproblem")
struct TrustRegionSubproblemTests {
    /// The global minimizer's model value, through the eigenbasis.
    static func exactModelValue(_ h: Matrix, _ g: [Double], _ delta: Double) throws -> Double {
        let eig = try SymmetricEigendecomposition(h)
        let lambdas = eig.eigenvalues, v = eig.eigenvectors, n = g.count
        let c = (0..<n).map { k in (0..<n).reduce(0.0) { $0 + v[$1, k] * g[$1] } }
        func norm(_ shift: Double) -> Double { (0..<n).reduce(0.0) { $0 + c[$1] * c[$1] / ((lambdas[$1] + shift) * (lambdas[$1] + shift)) }.squareRoot() }
        func model(_ shift: Double, tau: Double = 0) -> Double {
            var m = 0.0
            for k in 0..<n {
                var ck = lambdas[k] + shift == 0 ? 0 : -c[k] / (lambdas[k] + shift)
                if k == 0 { ck += tau }
                m += c[k] * ck + 0.5 * lambdas[k] * ck * ck
            }
            return m
        }
        if lambdas[0] > 0 && norm(0) <= delta { return model(0) }
        var lo = max(0, -lambdas[0]) + 1e-14, hi = lo + 1
        while norm(hi) > delta { hi *= 2 }
        if norm(lo) < delta {
            // Hard case: boundary through the smallest eigenvector.
            let p2 = (1..<n).filter { lambdas[$0] != lambdas[0] }.reduce(0.0) { $0 + c[$1] * c[$1] / ((lambdas[$1] - lambdas[0]) * (lambdas[$1] - lambdas[0])) }
            let tau = (delta * delta - p2).squareRoot()
            return model(-lambdas[0], tau: tau.isNaN ? 0 : tau)
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if norm(mid) > delta { lo = mid } else { hi = mid }
        }
        return model(hi)
    }

    static func value(_ h: Matrix, _ g: [Double], _ p: [Double]) throws -> Double {
        let hp = try h * p
        return Vector.dot(g, p) + 0.5 * Vector.dot(p, hp)
    }

    static func random(_ n: Int, seed: Int) -> [Double] { (0..<n).map { sin(Double($0 * 7 + seed) * 1.3) } }

    @Test("within the tolerance of the exact solution", arguments: [2, 5, 20])
    func againstExact(n: Int) throws {
        for (kind, seed) in [("pd", 1), ("indefinite", 2), ("hard", 3)] {
            let a = Matrix(rows: n, columns: n) { i, j in Self.random(n * n, seed: seed)[i + j * n] }
            var h = try a.transposed() * a
            var g = Self.random(n, seed: seed + 10)
            if kind != "pd" { for i in 0..<n { h[i, i] -= Double(n) } }
            if kind == "hard" {
                // g orthogonal to the smallest eigenvector.
                let eig = try SymmetricEigendecomposition(h)
                let v0 = eig.eigenvectors.column(0)
                let d = Vector.dot(g, v0)
                for i in 0..<n { g[i] -= d * v0[i] }
            }
            for delta in [1e-2, 1, 100] {
                var system = ShiftedSymmetricSystem(dense: h)
                let step = solveTrustRegionSubproblem(&system, gradient: g, radius: delta)
                let m = try Self.value(h, g, step.step), exact = try Self.exactModelValue(h, g, delta)
                #expect(Vector.norm2(step.step) <= 1.1 * delta, "\(kind) n=\(n) Δ=\(delta)")
                #expect(m <= 0.5 * exact, "\(kind) n=\(n) Δ=\(delta): \(m) vs exact \(exact)")
                #expect(abs(step.predictedDecrease + m) <= 1e-12 * max(1, abs(m)))
            }
        }
    }

    /// The normal equations of a blur-like banded least-squares problem: H = 2JᵀJ with
    /// J = G diag(3x² + 1) (G a Gaussian band of half-width 9, as in blur(100)), g = 2Jᵀr.
    static func blurNormalEquations(n: Int) -> (h: SymmetricBandedMatrix, g: [Double]) {
        let x = random(n, seed: 4).map { 1 + $0 }
        let j = BandedMatrix(rows: n, columns: n, lower: 9, upper: 9) { i, k in
            exp(-Double((i - k) * (i - k)) / 2.25) * (3 * x[k] * x[k] + 1)
        }
        var h = j.gram()
        h.scale(by: 2)
        var g = [Double](repeating: 0, count: n)
        try? j.multiply(random(n, seed: 9), into: &g, transposed: true, alpha: 2)
        return (h, g)
    }

    @Test("the damping of a target decrease: within 10% of the target (dense LAPACK reference), in a few factorizations from guesses 1e6 off",
          arguments: [0.5, 0.1, 1e-2, 1e-3])
    func shiftForTarget(rho: Double) throws {
        let n = 100
        let (h, g) = Self.blurNormalEquations(n: n)
        let dense = h.dense
        let full = try CholeskyFactorization(dense).solve(g).map { -$0 }
        let fullDecrease = -(try Self.value(dense, g, full))
        let target = (1 - rho * rho) * fullDecrease
        for guess in [0, 1e-8, 1, 1e6] {
            var system = ShiftedSymmetricSystem(banded: h)
            let found = shiftForDecrease(&system, g, target: target, reference: fullDecrease, full: (full, fullDecrease), guess: guess)
            let (p, lambda) = try #require(found)
            // The step and its decrease from LAPACK's dense Cholesky of H + λI.
            var shifted = dense
            for i in 0..<n { shifted[i, i] += lambda }
            let reference = try CholeskyFactorization(shifted).solve(g).map { -$0 }
            #expect(Vector.normInf(Vector.subtract(p, reference)) <= 1e-8 * Vector.normInf(reference))
            let decrease = -(try Self.value(dense, g, reference))
            #expect(abs(decrease - target) <= 0.1 * min(target, fullDecrease - target) * (1 + 1e-6),
                    "ρ \(rho), guess \(guess): decrease \(decrease) for target \(target) (full \(fullDecrease)), λ \(lambda)")
            #expect(system.factorizations <= 12, "ρ \(rho), guess \(guess): \(system.factorizations) factorizations")
        }
    }
}
