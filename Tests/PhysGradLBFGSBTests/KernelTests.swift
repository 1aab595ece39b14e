import Foundation
import Testing
@testable import PhysGradLBFGSB

/// The kernels under the iteration: the summation order of inner products, the fused passes over S and
/// Y (which must give exactly the bits of the separate products they replace: the solver switches
/// between them by n), the compact BFGS matrix against its definition, and the dense factorizations.
@Suite struct KernelTests {
    static func data(_ count: Int, seed: Double) -> [Double] { (0..<count).map { sin(Double($0) * 0.7 + seed) * 3 } }

    /// A compact BFGS matrix with `pairs` pairs (y = A s, A = diag(1 + i mod 5) + 0.1: positive curvature)
    /// added to a workspace with room for m; `productsForK` as the solver passes it for large n.
    static func matrix(n: Int, m: Int, pairs: Int, productsForK: Bool) -> Workspace {
        var w = Workspace(n: n, m: m)
        for k in 0..<pairs {
            let s = data(n, seed: Double(k) + 1)
            var y = s.enumerated().map { i, v in (1 + Double(i % 5)) * v }
            let total = s.reduce(0, +)
            for i in 0..<n { y[i] += 0.1 * total }
            w.bfgs.add(s: s, y: y, yTy: dot(y, y, n), sTy: dot(s, y, n), sTs: dot(s, s, n), productsForK: productsForK)
        }
        return w
    }

    @Test func dotProductsSumInTheDocumentedOrder() {
        for n in [0, 1, 3, 4, 7, 8, 13, 1001] {
            let x = Self.data(n, seed: 0.3), y = Self.data(n, seed: 1.9)
            var lanes = [0.0, 0.0, 0.0, 0.0]
            let blocks = n / 4 * 4
            for i in 0..<blocks { lanes[i % 4] += x[i] * y[i] }
            var expected = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
            for i in blocks..<n { expected += x[i] * y[i] }
            #expect(dot(x, y, n).bitPattern == expected.bitPattern, "n = \(n)")
        }
    }

    @Test(arguments: [2, 5, 16, 17, 1000, 3001])
    func fusedPassesAreBitIdentical(n: Int) {
        // Seven pairs in a memory of four: the ring has wrapped (head != 0) and the oldest were dropped.
        let m = 4, pairs = 7
        let fused = Self.matrix(n: n, m: m, pairs: pairs, productsForK: true)
        let plain = Self.matrix(n: n, m: m, pairs: pairs, productsForK: false)
        let b = fused.bfgs, p = plain.bfgs
        #expect(b.head != 0 && b.count == m && b.updates == pairs)
        #expect(b.hasNewPairProducts && !p.hasNewPairProducts)
        for i in 0..<m {
            for j in 0..<m {
                #expect(b.sTy[i, j].bitPattern == p.sTy[i, j].bitPattern)
                #expect(b.sTs[i, j].bitPattern == p.sTs[i, j].bitPattern)
            }
        }
        let yNew = b.yColumn(m - 1)
        for j in 0..<m {
            #expect(b.newPairProducts[j] == dot(yNew, b.yColumn(j), n))
            #expect(b.newPairProducts[m + j] == dot(b.sColumn(j), yNew, n))
            // SᵀY and SᵀS against their definitions, in the same summation order.
            for i in 0...j {
                #expect(b.sTs[i, j] == dot(b.sColumn(i), b.sColumn(j), n))
                #expect(b.sTy[j, i] == dot(b.sColumn(j), b.yColumn(i), n))
            }
        }

        var v = Self.data(n, seed: 3)
        var ya = [Double](repeating: 0, count: m), sa = ya
        b.columnProducts(with: v, y: &ya, s: &sa)
        for j in 0..<m {
            #expect(ya[j] == dot(b.yColumn(j), v, n))
            #expect(sa[j] == dot(b.sColumn(j), v, n))
        }
        let a1: [Double] = [0.5, -1.25, 3, 0.01], a2: [Double] = [2, 0.1, -0.7, -4]
        var reference = v
        for j in 0..<m {
            axpy(a1[j], b.yColumn(j), &reference, n)
            axpy(a2[j], b.sColumn(j), &reference, n)
        }
        b.addColumns(y: a1, s: a2, to: &v)
        #expect(v.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    /// B = θI - W M Wᵀ through `applyMiddle`, and H = B⁻¹ through the two-loop recursion: H(Bv) = v.
    @Test(arguments: [1, 3, 6])
    func twoLoopInvertsTheCompactForm(pairs: Int) {
        let n = 9, m = 5
        let w = Self.matrix(n: n, m: m, pairs: pairs, productsForK: false)
        let b = w.bfgs
        #expect(b.factorMiddle())
        let v = Self.data(n, seed: 0.4)
        let col = b.count
        // Wᵀv = [Yᵀv; θSᵀv], then Bv = θv - W M Wᵀv.
        var wv = [Double](repeating: 0, count: 2 * col), mwv = wv
        for j in 0..<col {
            wv[j] = dot(b.yColumn(j), v, n)
            wv[col + j] = b.theta * dot(b.sColumn(j), v, n)
        }
        b.applyMiddle(wv, into: &mwv)
        var bv = v.map { b.theta * $0 }
        for j in 0..<col {
            axpy(-mwv[j], b.yColumn(j), &bv, n)
            axpy(-b.theta * mwv[col + j], b.sColumn(j), &bv, n)
        }
        b.multiplyByInverse(&bv)
        let error = zip(bv, v).map { abs($0 - $1) }.max()!
        #expect(error < 1e-10 * v.map(abs).max()!, "‖H(Bv) - v‖∞ = \(error)")
    }

    @Test func smallDenseKernels() {
        // A = UᵀU with U = [[2, 1, -1], [0, 3, 0.5], [0, 0, 1.5]] (column-major, ld 4).
        var a = [Double](repeating: 0, count: 12)
        let u: [[Double]] = [[2, 1, -1], [0, 3, 0.5], [0, 0, 1.5]]
        for i in 0..<3 { for j in i..<3 { a[i + 4 * j] = (0...i).reduce(0) { $0 + u[$1][i] * u[$1][j] } } }
        var b: [Double] = [1, -2, 0.5]
        var reciprocals = [Double](repeating: 0, count: 3)
        a.withUnsafeMutableBufferPointer { ap in
            let view = MatrixView(base: ap.baseAddress!, ld: 4)
            #expect(choleskyUpper(view, n: 3, reciprocals: &reciprocals))
            for i in 0..<3 { for j in i..<3 { #expect(abs(view[i, j] - u[i][j]) < 1e-14) } }
            for i in 0..<3 { #expect(reciprocals[i] == 1 / view[i, i]) }
            solveUpperTransposed(view, n: 3, reciprocals: reciprocals, &b)
            solveUpper(view, n: 3, reciprocals: reciprocals, &b)
        }
        // b now solves A b = [1, -2, 0.5]: check the residual with A = UᵀU.
        for i in 0..<3 {
            var r = 0.0
            for j in 0..<3 { for k in 0...min(i, j) { r += u[k][i] * u[k][j] * b[j] } }
            #expect(abs(r - [1, -2, 0.5][i]) < 1e-13)
        }
    }

    @Test func notPositiveDefinite() {
        var reciprocals = [0.0, 0.0]
        for matrix in [[1.0, 2, 2, 1], [1, 0, 0, .nan], [0, 0, 0, 1]] {
            var a = matrix
            let ok = a.withUnsafeMutableBufferPointer {
                choleskyUpper(MatrixView(base: $0.baseAddress!, ld: 2), n: 2, reciprocals: &reciprocals)
            }
            #expect(!ok, "\(matrix)")
        }
    }
}
