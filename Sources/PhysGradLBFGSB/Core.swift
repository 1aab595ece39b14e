// The L-BFGS-B 3.0 iteration on preallocated memory (Byrd, Lu, Nocedal, Zhu 1995; Zhu et al. 1997,
// Algorithm 778; Morales & Nocedal 2011). `Core` is a set of typed views into the solver's workspace
// plus the scalar state of the limited-memory matrix; it lives only for the duration of one solve.
//
// Notation (Byrd-Nocedal-Schnabel 1994): the L-BFGS matrix is
//
//     B = θI - W M Wᵀ,   W = [Y  θS],   M = [ -D   Lᵀ ]⁻¹
//                                         [  L  θSᵀS ]
//
// with S, Y the n x col matrices of the stored corrections s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i
// (kept in a ring buffer of m columns starting at `head`), D = diag(s_iᵀy_i), L the strictly lower
// triangle of SᵀY, and θ = yᵀy / sᵀy of the newest pair.

/// Bound kind per variable, as the original `nbd`: 0 none, 1 lower only, 2 both, 3 upper only.
typealias BoundKind = Int8

struct Core {
    let n: Int
    let m: Int
    // Problem data.
    let l: UnsafePointer<Double>
    let u: UnsafePointer<Double>
    let nbd: UnsafePointer<BoundKind>
    let x: UnsafeMutablePointer<Double>
    let g: UnsafeMutablePointer<Double>
    // Limited-memory matrix: S and Y (n x m, column j contiguous), SᵀY, SᵀS, the Cholesky factor of
    // T = θSᵀS + L D⁻¹ Lᵀ (m x m), and the 2m x 2m matrices of the subspace step.
    let ws: UnsafeMutablePointer<Double>
    let wy: UnsafeMutablePointer<Double>
    let sy: UnsafeMutablePointer<Double>
    let ss: UnsafeMutablePointer<Double>
    let wt: UnsafeMutablePointer<Double>
    let wn: UnsafeMutablePointer<Double>
    let snd: UnsafeMutablePointer<Double>
    /// `1/d_i` for the diagonal of K's factor (2m), left by formk for the solves of formk and subsm.
    let wnRecip: UnsafeMutablePointer<Double>
    // n-vectors.
    let z: UnsafeMutablePointer<Double>
    let r: UnsafeMutablePointer<Double>
    let d: UnsafeMutablePointer<Double>
    let t: UnsafeMutablePointer<Double>
    let xp: UnsafeMutablePointer<Double>
    // 2m-vectors: p, c, wbp, v in the Cauchy search (wa[0..<8m]).
    let wa: UnsafeMutablePointer<Double>
    // The new row of the subspace matrix that matupd computes in the same pass as SᵀY and SᵀS
    // (2m: Yᵀy_new, Sᵀy_new).
    let newRow: UnsafeMutablePointer<Double>
    // Index sets.
    let index: UnsafeMutablePointer<Int32>
    let iwhere: UnsafeMutablePointer<Int32>
    let indx2: UnsafeMutablePointer<Int32>

    // State of the limited-memory matrix.
    var theta = 1.0
    var col = 0
    var head = 0
    var itail = 0
    var iupdat = 0
    var updatd = false
    // Free set at the generalized Cauchy point.
    var nfree = 0
    var nenter = 0
    var ileave = 0
    var constrained = false
    var boxed = false
    /// True when `newRow` holds the products formk needs for the newest pair.
    var newRowReady = false

    /// From this n on, the bandwidth-saving fused passes replace separate dot products (the results are
    /// bit-identical either way).
    static let fusedThreshold = 256

    /// Forgets all correction pairs: B = I.
    mutating func resetMemory() {
        newRowReady = false
        col = 0
        head = 0
        theta = 1
        iupdat = 0
        updatd = false
    }

    // MARK: - The box

    /// `v` projected onto `[l_k, u_k]`.
    @inline(__always)
    func project(_ v: Double, _ k: Int) -> Double {
        let kind = nbd[k]
        var w = v
        if kind == 1 || kind == 2 { w = max(w, l[k]) }
        if kind == 2 || kind == 3 { w = min(w, u[k]) }
        return w
    }

    /// `step` shortened so that `p_k + step·d_k` stays within the bounds of variable k (0 when p_k is
    /// already on the bound that d_k points at).
    @inline(__always)
    func limitStep(_ step: Double, _ k: Int, d dk: Double, from pk: Double) -> Double {
        let kind = nbd[k]
        if dk < 0 && (kind == 1 || kind == 2) {
            let room = l[k] - pk
            if room >= 0 { return 0 }
            if dk * step < room { return room / dk }
        } else if dk > 0 && kind >= 2 {
            let room = u[k] - pk
            if room <= 0 { return 0 }
            if dk * step > room { return room / dk }
        }
        return step
    }

    // MARK: - Setup and projected gradient

    /// Classifies the variables (iwhere: -1 unbounded, 3 fixed with l = u, 0 otherwise) and sets
    /// `constrained` and `boxed`.
    mutating func classify() {
        constrained = false
        boxed = true
        for i in 0..<n {
            let k = nbd[i]
            if k != 2 { boxed = false }
            if k == 0 {
                iwhere[i] = -1
            } else {
                constrained = true
                iwhere[i] = (k == 2 && u[i] - l[i] <= 0) ? 3 : 0
            }
        }
        nfree = n
    }

    /// `max_i |P(x - g)_i - x_i|`; NaN if the gradient holds a NaN.
    func projectedGradientNorm() -> Double {
        var norm = 0.0
        for i in 0..<n {
            var gi = g[i]
            if gi.isNaN { return gi }
            let k = nbd[i]
            if k != 0 {
                if gi < 0 {
                    if k >= 2 { gi = max(x[i] - u[i], gi) }
                } else {
                    if k <= 2 { gi = min(x[i] - l[i], gi) }
                }
            }
            norm = max(norm, abs(gi))
        }
        return norm
    }

    // MARK: - Middle matrix products

    /// `p = M v` for the 2col-vectors v, p, using the factorization
    ///
    ///     M⁻¹ = [ D^½      0 ] [ -D^½  D^-½ Lᵀ ]
    ///           [ -L D^-½  J ] [  0    Jᵀ      ],   JJᵀ = T = θSᵀS + L D⁻¹ Lᵀ.
    ///
    /// Returns false when J is singular.
    func bmv(_ v: UnsafePointer<Double>, _ p: UnsafeMutablePointer<Double>) -> Bool {
        if col == 0 { return true }
        // Solve [D^½ 0; -L D^-½ J][p1; p2] = [v1; v2]: J p2 = v2 + L D⁻¹ v1.
        p[col] = v[col]
        var i = 1
        while i < col {
            var s = 0.0
            for k in 0..<i { s += sy[i + m * k] * v[k] / sy[k + m * k] }
            p[col + i] = v[col + i] + s
            i += 1
        }
        if !solveUpper(wt, ld: m, n: col, p + col, transpose: true) { return false }
        for i in 0..<col { p[i] = v[i] / sy[i + m * i].squareRoot() }
        // Solve [-D^½ D^-½Lᵀ; 0 Jᵀ][p1; p2] = [p1; p2].
        if !solveUpper(wt, ld: m, n: col, p + col, transpose: false) { return false }
        for i in 0..<col { p[i] = -p[i] / sy[i + m * i].squareRoot() }
        for i in 0..<col {
            var s = 0.0
            var k = i + 1
            while k < col {
                s += sy[k + m * i] * p[col + k] / sy[i + m * i]
                k += 1
            }
            p[i] += s
        }
        return true
    }

    /// Forms T = θSᵀS + L D⁻¹ Lᵀ (upper triangle of wt) and factors it as JJᵀ (Jᵀ in the upper triangle).
    /// Returns false when T is not positive definite.
    func formt() -> Bool {
        for j in 0..<col { wt[m * j] = theta * ss[m * j] }
        var i = 1
        while i < col {
            for j in i..<col {
                let k1 = min(i, j)
                var s = 0.0
                for k in 0..<k1 { s += (sy[i + m * k] * sy[j + m * k]) / sy[k + m * k] }
                wt[i + m * j] = s + theta * ss[i + m * j]
            }
            i += 1
        }
        return choleskyUpper(wt, ld: m, n: col)
    }

    /// Stores the new pair (s, y) = (stp·d, r) in the ring buffer, sets θ = yᵀy / sᵀy, and updates SᵀS and
    /// SᵀY (last column of SᵀS, last row of SᵀY).
    mutating func matupd(rr: Double, dr: Double, stp: Double, dtd: Double) {
        if iupdat <= m {
            col = iupdat
            itail = (head + iupdat - 1) % m
        } else {
            itail = (itail + 1) % m
            head = (head + 1) % m
        }
        (ws + itail * n).update(from: d, count: n)
        (wy + itail * n).update(from: r, count: n)
        theta = rr / dr
        if iupdat > m {
            // Drop the oldest pair: shift SᵀS up-left (upper triangle) and SᵀY (lower triangle).
            let ss = self.ss, sy = self.sy, col = self.col
            var j = 1
            while j < col {
                copyShort(ss + m &* (j &- 1), from: ss + (1 &+ m &* j), j)
                copyShort(sy + ((j &- 1) &+ m &* (j &- 1)), from: sy + (j &+ m &* j), col &- j)
                j &+= 1
            }
        }
        newRowReady = false
        if !constrained && n >= Core.fusedThreshold {
            // Without bounds formk's new row (all variables free) needs Yᵀy_new and Sᵀy_new: compute them in
            // the same pass over S and Y as the new row of SᵀY and column of SᵀS.
            let dy = wa, sd = wa + m
            fusedNewPairDots(ws: ws, wy: wy, n: n, m: m, head: head, col: col, d: d, yNew: r,
                             yy: newRow, syNew: newRow + m, dy: dy, sd: sd)
            for j in 0..<(col - 1) {
                sy[col - 1 + m * j] = dy[j]
                ss[j + m * (col - 1)] = sd[j]
            }
            newRowReady = true
        } else {
            var pointr = head
            for j in 0..<(col - 1) {
                sy[col - 1 + m * j] = dotContiguous(d, wy + pointr * n, n)
                ss[j + m * (col - 1)] = dotContiguous(ws + pointr * n, d, n)
                pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
            }
        }
        ss[(col - 1) + m * (col - 1)] = stp == 1 ? dtd : stp * stp * dtd
        sy[(col - 1) + m * (col - 1)] = dr
    }
}
