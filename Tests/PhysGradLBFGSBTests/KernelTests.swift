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
        // Without bounds (productsForK) only the diagonal of SᵀY and SᵀS is kept, and the products K needs.
        for i in 0..<m {
            #expect(b.sTy[i, i].bitPattern == p.sTy[i, i].bitPattern)
            #expect(b.sTs[i, i].bitPattern == p.sTs[i, i].bitPattern)
        }
        let yNew = b.yColumn(m - 1)
        for j in 0..<m {
            #expect(b.newPairProducts[j] == dot(yNew, b.yColumn(j), n))
            #expect(b.newPairProducts[m + j] == dot(b.sColumn(j), yNew, n))
            // SᵀY and SᵀS of the plain matrix against their definitions, in the same summation order.
            for i in 0...j {
                #expect(p.sTs[i, j] == dot(p.sColumn(i), p.sColumn(j), n))
                #expect(p.sTy[j, i] == dot(p.sColumn(j), p.yColumn(i), n))
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

    /// The passes over S and Y group their columns (two at a time for products, four for sums): every
    /// count of pairs, and lengths around the vector widths, give the bits of one dot product or one
    /// update per column.
    @Test(arguments: [1, 3, 4, 5, 15, 16, 17, 34])
    func groupedColumnPassesMatchOnePassPerColumn(n: Int) {
        let m = 6
        for pairs in [1, 2, 3, 4, 5, 6, 9] {
            let w = Self.matrix(n: n, m: m, pairs: pairs, productsForK: true)
            let b = w.bfgs, col = b.count
            var v = Self.data(n, seed: 2.5)
            var ya = [Double](repeating: .nan, count: m), sa = ya
            b.columnProducts(with: v, y: &ya, s: &sa)
            for j in 0..<col {
                #expect(ya[j].bitPattern == dot(b.yColumn(j), v, n).bitPattern, "n = \(n), pairs = \(pairs), j = \(j)")
                #expect(sa[j].bitPattern == dot(b.sColumn(j), v, n).bitPattern, "n = \(n), pairs = \(pairs), j = \(j)")
            }
            let a1 = (0..<m).map { 0.3 * Double($0) - 0.7 }, a2 = (0..<m).map { 1.1 - 0.45 * Double($0) }
            var reference = v
            for i in 0..<n {
                for j in 0..<col { reference[i] = (reference[i] + a1[j] * b.yColumn(j)[i]) + a2[j] * b.sColumn(j)[i] }
            }
            b.addColumns(y: a1, s: a2, to: &v)
            #expect(v.map(\.bitPattern) == reference.map(\.bitPattern), "n = \(n), pairs = \(pairs)")
        }
    }

    /// The one-pass starts of a line search and of a memory update: the vectors they write, and inner
    /// products with the bits of `dot`.
    @Test func onePassSearchStartAndPair() {
        for n in [0, 1, 3, 4, 5, 7, 8, 9, 17, 1001] {
            let x = Self.data(n, seed: 0.1), z = Self.data(n, seed: 1.3), g = Self.data(n, seed: 2.2)
            var d = [Double](repeating: .nan, count: n), px = d, pg = d
            let (dTd, gTd) = startSearch(z: z, x: x, g: g, d: &d, previousX: &px, previousG: &pg, n)
            #expect(d.map(\.bitPattern) == zip(z, x).map { ($0 - $1).bitPattern }, "n = \(n)")
            #expect(px == x && pg == g, "n = \(n)")
            #expect(dTd.bitPattern == dot(d, d, n).bitPattern && gTd.bitPattern == dot(g, d, n).bitPattern, "n = \(n)")
            for step in [1.0, 0.37] {
                var sv = [Double](repeating: .nan, count: n), yv = sv
                let yTy = formPair(g: z, previousG: g, d: d, step: step, s: &sv, y: &yv, n)
                #expect(yv.map(\.bitPattern) == zip(z, g).map { ($0 - $1).bitPattern }, "n = \(n)")
                #expect(sv.map(\.bitPattern) == d.map { ($0 * step).bitPattern }, "n = \(n)")
                #expect(yTy.bitPattern == dot(yv, yv, n).bitPattern, "n = \(n)")
            }
        }
    }

    /// A pair formed in place in ``CompactBFGSMatrix/nextPairColumns`` gives the matrix that adding a copy
    /// gives, through a full memory (the ring wraps).
    @Test func pairFormedInPlace() {
        let n = 13, m = 3
        var inPlace = Workspace(n: n, m: m), copied = Workspace(n: n, m: m)
        for k in 0..<5 {
            let sv = Self.data(n, seed: Double(k) + 0.5), yv = sv.enumerated().map { i, v in (2 + Double(i % 3)) * v }
            let (sTarget, yTarget) = inPlace.bfgs.nextPairColumns
            sTarget.update(from: sv, count: n)
            yTarget.update(from: yv, count: n)
            let yTy = dot(yv, yv, n), sTy = dot(sv, yv, n), sTs = dot(sv, sv, n)
            inPlace.bfgs.add(s: sTarget, y: yTarget, yTy: yTy, sTy: sTy, sTs: sTs, productsForK: false)
            copied.bfgs.add(s: sv, y: yv, yTy: yTy, sTy: sTy, sTs: sTs, productsForK: false)
            let a = inPlace.bfgs, b = copied.bfgs
            #expect(a.count == b.count && a.head == b.head)
            for j in 0..<a.count {
                #expect(Array(UnsafeBufferPointer(start: a.sColumn(j), count: n)) == Array(UnsafeBufferPointer(start: b.sColumn(j), count: n)))
                #expect(Array(UnsafeBufferPointer(start: a.yColumn(j), count: n)) == Array(UnsafeBufferPointer(start: b.yColumn(j), count: n)))
                for i in 0..<a.count { #expect(a.sTy[i, j] == b.sTy[i, j] && a.sTs[i, j] == b.sTs[i, j]) }
            }
        }
    }

    /// Without bounds the solver takes the Newton step from -g directly (``SubspaceMinimization/unconstrainedStep(g:bfgs:into:)``
    /// and the scaling in the line search's first pass): the same point, to the bit, as the general
    /// subspace step from r̂ = -g, z = x.
    @Test(arguments: [1, 2, 4, 5, 7])
    func unconstrainedStepMatchesTheGeneralStep(pairs: Int) {
        let n = 301, m = 5
        var w = Workspace(n: n, m: m)
        let box = Box(dimension: n, lower: nil, upper: nil)
        box.initialStatus(into: w.freeSet.status)
        w.freeSet.update(afterIteration: 0, constrained: false)
        for k in 0..<pairs {
            let sv = Self.data(n, seed: Double(k) + 1)
            let yv = sv.enumerated().map { i, v in (1 + Double(i % 5)) * v + 0.01 * Double(k) }
            w.bfgs.add(s: sv, y: yv, yTy: dot(yv, yv, n), sTy: dot(sv, yv, n), sTs: dot(sv, sv, n), productsForK: true)
            #expect(w.subspace.formK(bfgs: w.bfgs, freeSet: w.freeSet))
        }
        let x = Self.data(n, seed: 0.2), g = Self.data(n, seed: 4.1)
        // The general step.
        var z = x, r = g.map { -$0 }, scratch = [Double](repeating: 0, count: n)
        w.subspace.step(x: x, g: g, box: box, bfgs: w.bfgs, freeSet: w.freeSet, z: &z, r: &r, scratch: &scratch)
        let general = z
        #expect(zip(general, x).filter { $0 != $1 }.count > n / 2, "the step moves most variables")
        let dGeneral = zip(general, x).map { $0 - $1 }
        // The direct one, with Wᵀg by its own pass and from the memory update's pass.
        #expect(!w.bfgs.hasGradientProducts)
        for fromUpdate in [false, true] {
            if fromUpdate {
                // The same pairs in a new memory, the last added with g: the memory update's fused pass.
                let sv = Array(UnsafeBufferPointer(start: w.bfgs.sColumn(w.bfgs.count - 1), count: n))
                let yv = Array(UnsafeBufferPointer(start: w.bfgs.yColumn(w.bfgs.count - 1), count: n))
                var again = Workspace(n: n, m: m)
                for j in 0..<(w.bfgs.count - 1) {
                    let sj = Array(UnsafeBufferPointer(start: w.bfgs.sColumn(j), count: n))
                    let yj = Array(UnsafeBufferPointer(start: w.bfgs.yColumn(j), count: n))
                    again.bfgs.add(s: sj, y: yj, yTy: dot(yj, yj, n), sTy: dot(sj, yj, n), sTs: dot(sj, sj, n), productsForK: true)
                    #expect(again.subspace.formK(bfgs: again.bfgs, freeSet: w.freeSet))
                }
                again.bfgs.add(s: sv, y: yv, yTy: dot(yv, yv, n), sTy: dot(sv, yv, n), sTs: dot(sv, sv, n), productsForK: true,
                               gradient: g)
                #expect(again.bfgs.hasGradientProducts)
                #expect(again.subspace.formK(bfgs: again.bfgs, freeSet: w.freeSet))
                w = again
            }
            var d = [Double](repeating: .nan, count: n), zDirect = d, px = d, pg = d
            let scale = w.subspace.unconstrainedStep(g: g, bfgs: w.bfgs, into: &d)
            let (dTd, gTd) = startSearch(step: &d, scale: scale, x: x, g: g, z: &zDirect, previousX: &px, previousG: &pg, n)
            #expect(zDirect.map(\.bitPattern) == general.map(\.bitPattern), "pairs = \(pairs), from the update: \(fromUpdate)")
            #expect(d.map(\.bitPattern) == dGeneral.map(\.bitPattern), "pairs = \(pairs), from the update: \(fromUpdate)")
            #expect(dTd == dot(dGeneral, dGeneral, n) && gTd == dot(g, dGeneral, n))
        }
    }

    @Test func largestMagnitude() {
        for n in [0, 1, 3, 4, 5, 7, 8, 9, 17] {
            var x = Self.data(n, seed: 0.9)
            let expected = x.map(abs).max() ?? 0
            #expect(maximumMagnitude(x, n) == expected, "n = \(n)")
            for k in 0..<n {
                let kept = x[k]
                x[k] = .nan
                #expect(maximumMagnitude(x, n).isNaN, "n = \(n), NaN at \(k)")
                x[k] = -.infinity
                #expect(maximumMagnitude(x, n) == .infinity, "n = \(n), -inf at \(k)")
                x[k] = kept
            }
        }
        #expect(maximumMagnitude([-0.0, -0.0, -0.0, -0.0, -0.0], 5) == 0)
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
