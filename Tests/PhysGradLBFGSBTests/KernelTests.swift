import Foundation
import Testing
@testable import PhysGradLBFGSB

/// The fused large-n passes must give exactly the bits of the separate dot products and updates they
/// replace (the solver switches between them by n).
@Suite struct KernelTests {
    static func data(_ count: Int, seed: Double) -> [Double] { (0..<count).map { sin(Double($0) * 0.7 + seed) * 3 } }

    @Test(arguments: [2, 5, 16, 17, 1000, 3001])
    func fusedPassesAreBitIdentical(n: Int) {
        let m = 4, col = 3, head = 2
        var ws = Self.data(m * n, seed: 1), wy = Self.data(m * n, seed: 2)
        var v = Self.data(n, seed: 3), yNew = Self.data(n, seed: 4)
        var out = [Double](repeating: 0, count: 6 * m)
        ws.withUnsafeMutableBufferPointer { sp in wy.withUnsafeMutableBufferPointer { yp in
        v.withUnsafeMutableBufferPointer { vp in yNew.withUnsafeMutableBufferPointer { np in
        out.withUnsafeMutableBufferPointer { op in
            let s = sp.baseAddress!, y = yp.baseAddress!, d = vp.baseAddress!, yn = np.baseAddress!
            let o = op.baseAddress!
            func column(_ j: Int) -> Int { (head + j) % m }
            fusedDotsWithVector(ws: s, wy: y, n: n, m: m, head: head, col: col, d, ya: o, sa: o + m)
            for j in 0..<col {
                #expect(o[j] == dotContiguous(y + n * column(j), d, n))
                #expect(o[m + j] == dotContiguous(s + n * column(j), d, n))
            }
            fusedNewPairDots(ws: s, wy: y, n: n, m: m, head: head, col: col, d: d, yNew: yn,
                             yy: o, syNew: o + m, dy: o + 2 * m, sd: o + 3 * m)
            for j in 0..<col {
                #expect(o[j] == dotContiguous(yn, y + n * column(j), n))
                #expect(o[m + j] == dotContiguous(s + n * column(j), yn, n))
                if j < col - 1 {
                    #expect(o[2 * m + j] == dotContiguous(d, y + n * column(j), n))
                    #expect(o[3 * m + j] == dotContiguous(s + n * column(j), d, n))
                }
            }
            let a1: [Double] = [0.5, -1.25, 3], a2: [Double] = [2, 0.1, -0.7]
            var reference = Array(UnsafeBufferPointer(start: d, count: n))
            reference.withUnsafeMutableBufferPointer { rp in
                for j in 0..<col {
                    axpyContiguous(a1[j], y + n * column(j), rp.baseAddress!, n)
                    axpyContiguous(a2[j], s + n * column(j), rp.baseAddress!, n)
                }
            }
            fusedUpdate(ws: s, wy: y, n: n, m: m, head: head, col: col, a1: a1, a2: a2, d)
            #expect(Array(UnsafeBufferPointer(start: d, count: n)) == reference)
        }}}}}
    }

    @Test func smallDenseKernels() {
        // A = UᵀU with U = [[2, 1, -1], [0, 3, 0.5], [0, 0, 1.5]] (column-major, ld 4).
        var a = [Double](repeating: 0, count: 12)
        let u: [[Double]] = [[2, 1, -1], [0, 3, 0.5], [0, 0, 1.5]]
        for i in 0..<3 { for j in i..<3 { a[i + 4 * j] = (0...i).reduce(0) { $0 + u[$1][i] * u[$1][j] } } }
        var b: [Double] = [1, -2, 0.5]
        a.withUnsafeMutableBufferPointer { ap in
            #expect(choleskyUpper(ap.baseAddress!, ld: 4, n: 3))
            for i in 0..<3 { for j in i..<3 { #expect(abs(ap[i + 4 * j] - u[i][j]) < 1e-14) } }
            b.withUnsafeMutableBufferPointer { bp in
                #expect(solveUpper(ap.baseAddress!, ld: 4, n: 3, bp.baseAddress!, transpose: true))
                #expect(solveUpper(ap.baseAddress!, ld: 4, n: 3, bp.baseAddress!, transpose: false))
            }
        }
        // b now solves A b = [1, -2, 0.5]: check the residual with A = UᵀU.
        for i in 0..<3 {
            var r = 0.0
            for j in 0..<3 { for k in 0...min(i, j) { r += u[k][i] * u[k][j] * b[j] } }
            #expect(abs(r - [1, -2, 0.5][i]) < 1e-13)
        }
        var notPD: [Double] = [1, 2, 2, 1]
        #expect(!notPD.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, ld: 2, n: 2) })
    }

    /// The interleaved Cholesky + multi-right-hand-side solve of formk gives exactly the bits of the two
    /// kernels one after the other, including the skipped leading zeros (of both signs) and `first`.
    @Test(arguments: [1, 2, 3, 7, 10])
    func interleavedFactorAndSolveIsBitIdentical(n: Int) {
        let ld = 2 * n + 1, count = n
        // A = MᵀM + n I (positive definite), B with a triangle of ±0 above a nonzero "diagonal".
        let mat = Self.data(n * n, seed: 5)
        var a = [Double](repeating: 0, count: ld * n)
        for i in 0..<n { for j in i..<n {
            var s = i == j ? Double(n) : 0
            for k in 0..<n { s += mat[k + n * i] * mat[k + n * j] }
            a[i + ld * j] = s
        } }
        let data = Self.data(n * count, seed: 6)
        var b = [Double](repeating: 0, count: ld * count)
        for j in 0..<count { for i in 0..<n { b[i + ld * j] = i < j ? (j % 2 == 0 ? -0.0 : 0.0) : data[i + n * j] } }
        if count > 1 { b[1 + ld * 1] = 0 }  // a column whose first nonzero is later than its index
        var a2 = a, b2 = b
        var rec = [Double](repeating: 0, count: n), rec2 = rec
        var first = [Int](repeating: -1, count: count), first2 = first
        let ok = choleskyUpperAndSolve(&a, ld: ld, n: n, reciprocals: &rec, &b, ldb: ld, count: count, first: &first)
        let ok2 = a2.withUnsafeMutableBufferPointer { ap in
            rec2.withUnsafeMutableBufferPointer { rp in
                b2.withUnsafeMutableBufferPointer { bp in
                    first2.withUnsafeMutableBufferPointer { fp in
                        guard choleskyUpper(ap.baseAddress!, ld: ld, n: n, reciprocals: rp.baseAddress!) else { return false }
                        solveUpperTransposed(ap.baseAddress!, ld: ld, n: n, bp.baseAddress!, ldb: ld, count: count,
                                             reciprocals: rp.baseAddress!, first: fp.baseAddress!)
                        return true
                    }
                }
            }
        }
        #expect(ok && ok2)
        #expect(a.map(\.bitPattern) == a2.map(\.bitPattern))
        #expect(b.map(\.bitPattern) == b2.map(\.bitPattern))
        #expect(rec.map(\.bitPattern) == rec2.map(\.bitPattern))
        #expect(first == first2)
    }

    @Test func notPositiveDefinite() {
        var notPD: [Double] = [1, 2, 2, 1]
        #expect(!notPD.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, ld: 2, n: 2) })
    }
}
