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
}
