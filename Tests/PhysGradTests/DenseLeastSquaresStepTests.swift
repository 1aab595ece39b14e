import Foundation
import Testing
@testable import PhysGrad
import PhysGradLinearAlgebra

/// Deterministic values in [-1, 1) (a hash of the index, not a sinusoid: sin(a k + b) arrays have rank 2).
private func hashedValues(_ count: Int, seed: Int) -> [Double] {
    (0..<count).map { k in
        let t = sin(Double(k * 7 + seed * 131) * 12.9898 + 78.233) * 43758.5453
        return 2 * (t - t.rounded(.down)) - 1
    }
}

/// `LeastSquaresSVD` and `svdProduct` on every shape, against `SingularValueDecomposition`
/// (dgesdd, formed U and V): truncated solutions `V Σ^(-power) Uᵀ r`, `‖c‖²` over the kept
/// singular values, for tall, square, wide, rank-deficient, zero, 1 × 1 and empty J.
@Suite("LeastSquaresSVD on every shape")
struct LeastSquaresSVDShapeTests {
    /// m × n of rank `rank` (a product m × rank times rank × n), or full random when rank >= min(m, n).
    static func matrix(_ m: Int, _ n: Int, rank: Int, seed: Int) -> Matrix {
        if rank >= min(m, n) { return Matrix(rows: m, columns: n, columnMajor: hashedValues(m * n, seed: seed)) }
        let a = Matrix(rows: m, columns: rank, columnMajor: hashedValues(m * rank, seed: seed))
        let c = Matrix(rows: rank, columns: n, columnMajor: hashedValues(rank * n, seed: seed + 11))
        return Matrix(rows: m, columns: n) { i, j in (0..<rank).reduce(0.0) { $0 + a[i, $1] * c[$1, j] } }
    }

    @Test("one workspace across shapes, and kept while the previous result is alive, gives what fresh memory gives")
    func workspaceReuse() throws {
        let shapes = [(12, 7, 7), (30, 20, 20), (9, 4, 3), (30, 20, 20), (5, 5, 5), (40, 40, 40), (6, 2, 2)]
        var workspace = BidiagonalWorkspace()
        var previous: (svd: LeastSquaresSVD, v: [Double], w: [Double])? = nil
        for (m, n, rank) in shapes {
            let j = Self.matrix(m, n, rank: rank, seed: 7 * m + n)
            let r = hashedValues(m, seed: 17)
            let fresh = try LeastSquaresSVD(j, residual: r)
            let reused = try LeastSquaresSVD(j, residual: r, workspace: &workspace)
            #expect(reused.singularValues == fresh.singularValues && reused.c == fresh.c, "\(m)x\(n)")
            let w = hashedValues(n, seed: 23)
            let v = try fresh.v(w)
            #expect(try reused.v(w) == v, "\(m)x\(n)")
            // The result made before this one still maps with its own factors (copy-on-write).
            if let previous { #expect(try previous.svd.v(previous.w) == previous.v) }
            previous = (reused, v, w)
        }
    }

    @Test("truncated solutions and c against dgesdd",
          arguments: [(1, 1, 1), (5, 1, 1), (1, 5, 1), (6, 6, 6), (9, 4, 4), (4, 9, 4), (12, 7, 3), (7, 12, 3),
                      (10, 10, 4), (4, 3, 0), (3, 4, 0), (3, 0, 0), (0, 3, 0), (0, 0, 0), (1, 1, 0)])
    func againstDgesdd(_ shape: (Int, Int, Int)) throws {
        let (m, n, rank) = shape
        let j = rank == 0 ? Matrix(rows: m, columns: n) : Self.matrix(m, n, rank: rank, seed: 3 * m + 5 * n)
        let r = hashedValues(m, seed: 101)
        let mine = try LeastSquaresSVD(j, residual: r)
        let reference = try SingularValueDecomposition(j)
        #expect(mine.singularValues.count == min(m, n) && mine.c.count == min(m, n))
        let q = mine.rank(relativeTruncation: 1e-8)
        #expect(q == reference.rank(relativeTruncation: 1e-8) && q == rank, "\(m)x\(n): rank \(q), expected \(rank)")
        for power in [1.0, 0.5] {
            let w = (0..<mine.c.count).map { $0 < q ? mine.c[$0] / pow(mine.singularValues[$0], power) : 0 }
            let x = try mine.v(w)
            let expected = try reference.pseudoInverseProduct(r, power: power, relativeTruncation: 1e-8).product
            #expect(x.count == n)
            let size = max(1, expected.map(abs).max() ?? 0)
            let worst = zip(x, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-10 * size, "\(m)x\(n) rank \(rank) power \(power): \(worst)")
            var workspace = BidiagonalWorkspace()
            let (product, productRank) = try svdProduct(j, r, power: power, relativeTruncation: 1e-8, workspace: &workspace)
            let worstProduct = zip(product, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(productRank == rank && product.count == n && worstProduct <= 1e-10 * size)
        }
        // Σ_{i<q} c_i² = ‖U_q U_qᵀ r‖² = ‖J J⁺ r‖².
        let xPlus = try reference.pseudoInverseProduct(r, relativeTruncation: 1e-8).product
        var jx = [Double](repeating: 0, count: m)
        try j.multiply(xPlus, into: &jx)
        let projected = jx.reduce(0) { $0 + $1 * $1 }
        let kept = mine.c.prefix(q).reduce(0) { $0 + $1 * $1 }
        #expect(abs(kept - projected) <= 1e-10 * max(1, r.reduce(0) { $0 + $1 * $1 }), "\(m)x\(n): \(kept) vs \(projected)")
    }

    @Test("a residual of the wrong length is a typed error, tall or wide")
    func wrongLength() {
        #expect(throws: LinearAlgebraError.self) { try LeastSquaresSVD(Self.matrix(5, 3, rank: 3, seed: 1), residual: [1, 2]) }
        #expect(throws: LinearAlgebraError.self) { try LeastSquaresSVD(Self.matrix(3, 5, rank: 3, seed: 1), residual: [1, 2]) }
    }
}

/// LM's bidiagonal step: on a linear model y = A x, the first step for the
/// reported λ equals the Tikhonov step `-(A_FᵀA_F + λI)⁻¹ A_Fᵀ r` on the free columns F from the
/// dense damped normal equations (Cholesky), and, the model being linear, it is accepted at the
/// first trial (actual reduction = predicted).
@Suite("LM's bidiagonal step on linear models")
struct BidiagonalLMStepTests {
    func check(rows m: Int, columns n: Int, heldAtLower held: Int?) throws {
        var a = hashedValues(m * n, seed: m + 17 * n)
        for i in 0..<min(m, n) { a[i + i * m] += 2 }  // well conditioned: full column rank
        let target = hashedValues(m, seed: 5)
        let x0 = hashedValues(n, seed: 9)
        let am = Matrix(rows: m, columns: n, columnMajor: a)
        var r = [Double](repeating: 0, count: m)
        try am.multiply(x0, into: &r)
        for i in 0..<m { r[i] -= target[i] }
        var lower: [Double]? = nil, upper: [Double]? = nil
        if let held {
            // x0[held] at its lower bound with a gradient 2 Aᵀr pointing out of the box: held.
            var g = [Double](repeating: 0, count: n)
            try am.multiply(r, into: &g, transposed: true)
            if g[held] < 0 { for i in 0..<m { a[i + held * m] = -a[i + held * m] } }
            lower = (0..<n).map { $0 == held ? x0[$0] : -1e6 }
            upper = [Double](repeating: 1e6, count: n)
        }
        let method = LevenbergMarquardt(lower: lower, upper: upper)
        let p = InverseProblem(name: "linear", dimension: n, outputDimension: m, model: Linear(a: a, rows: m),
                               loss: SquaredDistance(target: target), start: x0)
        let result = try optimize(p, with: method, options: RunOptions(steps: 1, trace: .full))
        let report = try #require(result.trajectory.reports.first)
        #expect(report.solve == .bidiagonal(columns: held == nil ? n : n - 1), "\(report)")
        #expect(report.trials == 1 && report.rejected == 0, "\(report)")
        let lambda = try #require(report.damping)
        // The reference on the free columns.
        let free = (0..<n).filter { $0 != held }
        let af = Matrix(rows: m, columns: free.count) { i, k in a[i + free[k] * m] }
        let amNow = Matrix(rows: m, columns: n, columnMajor: a)
        try amNow.multiply(x0, into: &r)
        for i in 0..<m { r[i] -= target[i] }
        var normal = try af.transposed() * af
        for i in 0..<free.count { normal[i, i] += lambda }
        for j in 0..<free.count { for i in (j + 1)..<max(free.count, j + 1) { normal[j, i] = normal[i, j] } }
        let pf = try CholeskyFactorization(normal).solve(try af.transposed() * r)
        var expected = [Double](repeating: 0, count: n)
        for (k, i) in free.enumerated() { expected[i] = -pf[k] }
        let taken = zip(result.trajectory.x[1], result.trajectory.x[0]).map { $0 - $1 }
        let scale = expected.map(abs).max() ?? 0
        let worst = zip(taken, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-10 * scale, "\(m)x\(n) held \(String(describing: held)): \(taken) vs \(expected), λ \(lambda)")
    }

    @Test("unbounded: 1 × 1, 2 × 2, 7 × 4, 30 × 30", arguments: [(1, 1), (2, 2), (7, 4), (30, 30)])
    func unbounded(_ shape: (Int, Int)) throws { try check(rows: shape.0, columns: shape.1, heldAtLower: nil) }

    @Test("a variable held at its lower bound: 7 × 4, 6 × 6, 3 × 2", arguments: [(7, 4, 1), (6, 6, 0), (3, 2, 1)])
    func held(_ shape: (Int, Int, Int)) throws { try check(rows: shape.0, columns: shape.1, heldAtLower: shape.2) }
}
