// Subspace minimization (direct primal method) over the free variables Z at the GCP, with the
// projection safeguard of Morales & Nocedal (2011).
//
// With A the active variables, the reduced Newton step is d = -(ZᵀBZ)⁻¹ r̂, r̂ = Zᵀ(g + B(x_c - x)),
// which by Sherman-Morrison-Woodbury is d = (1/θ) r̂ + (1/θ²) ZᵀW K⁻¹ WᵀZ r̂ with the 2col x 2col
// indefinite matrix
//
//     K = [ -D - YᵀZZᵀY/θ    L_aᵀ - R_zᵀ ]
//         [ L_a - R_z        θ SᵀAAᵀS    ],
//
// (L_a the strictly lower triangle of SᵀAAᵀY, R_z the upper triangle of SᵀZZᵀY), factored as
// LELᵀ with E = diag(-I, I). The inner products over Z and A are kept in `snd` and updated
// incrementally from the variables entering and leaving the free set.

extension Core {
    /// Builds and factors K (upper triangle of `wn`). Returns false when a Cholesky factorization fails.
    mutating func formk() -> Bool {
        // Locals: the stores below go through Double pointers, which the compiler cannot prove do not
        // alias `self`, so fields read in loops would be reloaded after every store.
        let m = self.m, n = self.n, col = self.col, head = self.head, theta = self.theta
        let m2 = 2 &* m
        let nsub = nfree
        let identity = nsub == n  // then index[k] == k: contiguous inner products
        let wn1 = snd, wn = self.wn, ws = self.ws, wy = self.wy, index = self.index, indx2 = self.indx2
        let nenter = self.nenter, ileave = self.ileave
        let upcl: Int
        if updatd {
            if iupdat > m {
                // Shift the old part of wn1 up-left by one (the memory is full: col == m). Column jy + 1 is
                // read before it is overwritten, and the three runs of one step do not overlap.
                var jy = 0
                while jy < m &- 1 {
                    let js = m &+ jy
                    let len = m &- jy &- 1
                    let cur = wn1 + m2 &* jy, next = cur + m2
                    copyShort(cur + jy, from: next + (jy &+ 1), len)
                    copyShort(wn1 + (js &+ m2 &* js), from: wn1 + (js &+ 1 &+ m2 &* (js &+ 1)), len)
                    copyShort(cur + m, from: next + (m &+ 1), m &- 1)
                    jy &+= 1
                }
            }
            // New row of blocks (1,1), (2,1), (2,2).
            let iy = col &- 1
            let isNew = m &+ col &- 1
            var ipntr = head &+ col &- 1
            if ipntr >= m { ipntr &-= m }
            var jpntr = head
            var jy = 0
            while jy < col {
                let js = m &+ jy
                var temp1 = 0.0, temp2 = 0.0, temp3 = 0.0
                if identity && newRowReady {
                    temp1 = newRow[jy]
                } else if identity {
                    temp1 = dotContiguous(wy + n &* ipntr, wy + n &* jpntr, n)
                } else {
                    let wyi = wy + n &* ipntr, wyj = wy + n &* jpntr, wsi = ws + n &* ipntr, wsj = ws + n &* jpntr
                    for k in 0..<nsub {
                        let k1 = Int(index[k])
                        temp1 += wyi[k1] * wyj[k1]
                    }
                    for k in nsub..<n {
                        let k1 = Int(index[k])
                        temp2 += wsi[k1] * wsj[k1]
                        temp3 += wsi[k1] * wyj[k1]
                    }
                }
                wn1[iy &+ m2 &* jy] = temp1
                wn1[isNew &+ m2 &* js] = temp2
                wn1[isNew &+ m2 &* jy] = temp3
                jpntr &+= 1
                if jpntr == m { jpntr = 0 }
                jy &+= 1
            }
            // New column of block (2,1).
            jy = col &- 1
            jpntr = head &+ col &- 1
            if jpntr >= m { jpntr &-= m }
            ipntr = head
            var i = 0
            while i < col {
                let isRow = m &+ i
                var temp3 = 0.0
                if identity && newRowReady {
                    temp3 = newRow[m &+ i]
                } else if identity {
                    temp3 = dotContiguous(ws + n &* ipntr, wy + n &* jpntr, n)
                } else {
                    let wsi = ws + n &* ipntr, wyj = wy + n &* jpntr
                    for k in 0..<nsub {
                        let k1 = Int(index[k])
                        temp3 += wsi[k1] * wyj[k1]
                    }
                }
                ipntr &+= 1
                if ipntr == m { ipntr = 0 }
                wn1[isRow &+ m2 &* jy] = temp3
                i &+= 1
            }
            upcl = col &- 1
        } else {
            upcl = col
        }
        newRowReady = false
        if nenter > 0 || ileave < n {
            // Correct the old parts of blocks (1,1) and (2,2) for the change of the free set.
            var ipntr = head
            for iy in 0..<upcl {
                let isRow = m &+ iy
                var jpntr = head
                for jy in 0...iy {
                    let js = m &+ jy
                    var temp1 = 0.0, temp2 = 0.0, temp3 = 0.0, temp4 = 0.0
                    let wyi = wy + n &* ipntr, wyj = wy + n &* jpntr, wsi = ws + n &* ipntr, wsj = ws + n &* jpntr
                    for k in 0..<nenter {
                        let k1 = Int(indx2[k])
                        temp1 += wyi[k1] * wyj[k1]
                        temp2 += wsi[k1] * wsj[k1]
                    }
                    for k in ileave..<n {
                        let k1 = Int(indx2[k])
                        temp3 += wyi[k1] * wyj[k1]
                        temp4 += wsi[k1] * wsj[k1]
                    }
                    wn1[iy &+ m2 &* jy] = wn1[iy &+ m2 &* jy] + temp1 - temp3
                    wn1[isRow &+ m2 &* js] = wn1[isRow &+ m2 &* js] - temp2 + temp4
                    jpntr &+= 1
                    if jpntr == m { jpntr = 0 }
                }
                ipntr &+= 1
                if ipntr == m { ipntr = 0 }
            }
            // Block (2,1).
            ipntr = head
            for isRow in m..<(m &+ upcl) {
                var jpntr = head
                let wsi = ws + n &* ipntr
                for jy in 0..<upcl {
                    var temp1 = 0.0, temp3 = 0.0
                    let wyj = wy + n &* jpntr
                    for k in 0..<nenter {
                        let k1 = Int(indx2[k])
                        temp1 += wsi[k1] * wyj[k1]
                    }
                    for k in ileave..<n {
                        let k1 = Int(indx2[k])
                        temp3 += wsi[k1] * wyj[k1]
                    }
                    if isRow <= jy &+ m {
                        wn1[isRow &+ m2 &* jy] = wn1[isRow &+ m2 &* jy] + temp1 - temp3
                    } else {
                        wn1[isRow &+ m2 &* jy] = wn1[isRow &+ m2 &* jy] - temp1 + temp3
                    }
                    jpntr &+= 1
                    if jpntr == m { jpntr = 0 }
                }
                ipntr &+= 1
                if ipntr == m { ipntr = 0 }
            }
        }
        // Upper triangle of WN = [D + YᵀZZᵀY/θ   -L_aᵀ + R_zᵀ; -L_a + R_z   θSᵀAAᵀS].
        var iy = 0
        while iy < col {
            let isRow = col &+ iy
            let is1 = m &+ iy
            let wnCol = wn + m2 &* iy, wnColS = wn + m2 &* isRow
            let w1 = wn1 + iy, w2 = wn1 + (is1 &+ m2 &* m), w3 = wn1 + is1
            // Two quotients per division instruction (divpd: the divider's throughput is the limit here,
            // and each lane is the IEEE quotient of the scalar code).
            let theta2 = SIMD2<Double>(repeating: theta)
            var jy = 0
            while jy < iy {
                let q = SIMD2(w1[m2 &* jy], w1[m2 &* (jy &+ 1)]) / theta2
                wnCol[jy] = q[0]
                wnCol[jy &+ 1] = q[1]
                wnColS[col &+ jy] = w2[m2 &* jy] * theta
                wnColS[col &+ jy &+ 1] = w2[m2 &* (jy &+ 1)] * theta
                jy &+= 2
            }
            if jy == iy {
                wnCol[jy] = w1[m2 &* jy] / theta
                wnColS[col &+ jy] = w2[m2 &* jy] * theta
            }
            jy = 0
            while jy < iy {
                wnColS[jy] = -w3[m2 &* jy]
                jy &+= 1
            }
            while jy < col {
                wnColS[jy] = w3[m2 &* jy]
                jy &+= 1
            }
            wnCol[iy] += sy[iy &+ m &* iy]
            iy &+= 1
        }
        // LELᵀ: Cholesky of the (1,1) block, then L⁻¹(-L_aᵀ + R_zᵀ) in the (1,2) block, then the
        // Cholesky of θSᵀAAᵀS + (L⁻¹(...))ᵀ L⁻¹(...) in the (2,2) block.
        let wnRecip = self.wnRecip
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: col) { firstBuffer in
            let first = firstBuffer.baseAddress!
            if !choleskyUpperAndSolve(wn, ld: m2, n: col, reciprocals: wnRecip, wn + m2 &* col, ldb: m2, count: col,
                                      first: first) { return false }
            // Cholesky of the (2,2) block, its row j completed just before it is factored: (2,2) +=
            // (L⁻¹(...))ᵀ L⁻¹(...) row by row (this work is independent of the factorization's chain of
            // square roots and divisions, and fills its latency). Leading zeros of the columns (L_a = 0
            // when no variable is active) add nothing to the sums and are skipped.
            let a22 = wn + (col &+ m2 &* col)
            return choleskyUpper(a22, ld: m2, n: col, reciprocals: wnRecip + col, beforeRow: { j in
                let a = wn + m2 &* (col &+ j)
                let fa = first[j]
                var js = j
                while js < col {
                    let b = wn + m2 &* (col &+ js)
                    var s = 0.0
                    var k = max(fa, first[js])
                    while k < col {
                        s += a[k] * b[k]
                        k &+= 1
                    }
                    a22[j &+ m2 &* js] += s
                    js &+= 1
                }
            }, afterRow: { _, _ in })
        }
    }

    /// r = -Zᵀ(B(z - x) + g) over the free variables, using c = Wᵀ(z - x) from the Cauchy search
    /// (without bounds and with memory: r = -g). Returns false when M is singular.
    func cmprlb() -> Bool {
        if !constrained && col > 0 {
            for i in 0..<n { r[i] = -g[i] }
            return true
        }
        for i in 0..<nfree {
            let k = Int(index[i])
            r[i] = -theta * (z[k] - x[k]) - g[k]
        }
        let v = wa  // v = M c
        if !bmv(wa + 2 * m, v) { return false }
        var pointr = head
        for j in 0..<col {
            let a1 = v[j]
            let a2 = theta * v[col + j]
            let wyj = wy + n * pointr, wsj = ws + n * pointr
            for i in 0..<nfree {
                let k = Int(index[i])
                r[i] += wyj[k] * a1 + wsj[k] * a2
            }
            pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
        }
        return true
    }

    /// Minimizes the model over the free variables from the GCP `z`: Newton step d = -(ZᵀBZ)⁻¹r (r in
    /// `r[0..<nfree]`), then the 2011 rule: project z + d onto the box; if that is not a descent direction
    /// from x, fall back to the longest feasible step along d. Result in `z`. Returns false when K is
    /// singular.
    mutating func subsm() -> Bool {
        let nsub = nfree
        if nsub <= 0 { return true }
        let m2 = 2 * m
        let col2 = 2 * col
        let wv = wa
        let dd = r  // the reduced vector becomes the Newton direction in place
        let identity = nsub == n
        // wv = WᵀZ d.
        var pointr = head
        if identity && n >= Core.fusedThreshold {
            fusedDotsWithVector(ws: ws, wy: wy, n: n, m: m, head: head, col: col, dd,
                                ya: wv, sa: wv + col)
            for i in 0..<col { wv[col + i] *= theta }
        } else {
        for i in 0..<col {
            var temp1 = 0.0, temp2 = 0.0
            let wyi = wy + n * pointr, wsi = ws + n * pointr
            if identity {
                temp1 = dotContiguous(wyi, dd, n)
                temp2 = dotContiguous(wsi, dd, n)
            } else {
                for j in 0..<nsub {
                    let k = Int(index[j])
                    temp1 += wyi[k] * dd[j]
                    temp2 += wsi[k] * dd[j]
                }
            }
            wv[i] = temp1
            wv[col + i] = theta * temp2
            pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
        }
        }
        // wv = K⁻¹ wv.
        solveUpper(wn, ld: m2, n: col2, wv, transpose: true, reciprocals: wnRecip)
        for i in 0..<col { wv[i] = -wv[i] }
        solveUpper(wn, ld: m2, n: col2, wv, transpose: false, reciprocals: wnRecip)
        // d = (1/θ) d + (1/θ²) ZᵀW wv.
        pointr = head
        if identity && n >= Core.fusedThreshold {
            let a1 = wa + 2 * m, a2 = wa + 3 * m
            for jy in 0..<col {
                a1[jy] = wv[jy] / theta
                a2[jy] = wv[col + jy]
            }
            fusedUpdate(ws: ws, wy: wy, n: n, m: m, head: head, col: col, a1: a1, a2: a2, dd)
        } else {
        for jy in 0..<col {
            let js = col + jy
            let a1 = wv[jy] / theta
            let a2 = wv[js]
            let wyj = wy + n * pointr, wsj = ws + n * pointr
            if identity {
                axpyContiguous(a1, wyj, dd, n)
                axpyContiguous(a2, wsj, dd, n)
            } else {
                for i in 0..<nsub {
                    let k = Int(index[i])
                    dd[i] = dd[i] + wyj[k] * a1 + wsj[k] * a2
                }
            }
            pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
        }
        }
        let inv = 1.0 / theta
        if !constrained {
            // No bounds (then every variable is free): scale and step in one pass.
            for i in 0..<n {
                let dk = dd[i] * inv
                dd[i] = dk
                z[i] = z[i] + dk
            }
            return true
        }
        for i in 0..<nsub { dd[i] *= inv }

        // Projected Newton point.
        var hitBound = false
        if constrained { xp.update(from: z, count: n) }  // only a bound can trigger the fallback
        for i in 0..<nsub {
            let k = identity ? i : Int(index[i])
            let dk = dd[i]
            let xk = z[k]
            switch nbd[k] {
            case 0:
                z[k] = xk + dk
            case 1:
                z[k] = max(l[k], xk + dk)
                if z[k] == l[k] { hitBound = true }
            case 2:
                z[k] = min(u[k], max(l[k], xk + dk))
                if z[k] == l[k] || z[k] == u[k] { hitBound = true }
            default:
                z[k] = min(u[k], xk + dk)
                if z[k] == u[k] { hitBound = true }
            }
        }
        if !hitBound { return true }
        // Keep the projection if it is a descent direction from x.
        var ddp = 0.0
        for i in 0..<n { ddp += (z[i] - x[i]) * g[i] }
        if ddp <= 0 { return true }
        // Otherwise: the longest step alpha <= 1 along d from the GCP that stays feasible.
        z.update(from: xp, count: n)
        var alpha = 1.0
        var ibd = 0
        for i in 0..<nsub {
            let step = limitStep(alpha, Int(index[i]), d: dd[i], from: z[Int(index[i])])
            if step < alpha {
                alpha = step
                ibd = i
            }
        }
        if alpha < 1 {
            let dk = dd[ibd]
            let k = Int(index[ibd])
            if dk > 0 {
                z[k] = u[k]
                dd[ibd] = 0
            } else if dk < 0 {
                z[k] = l[k]
                dd[ibd] = 0
            }
        }
        for i in 0..<nsub {
            let k = Int(index[i])
            z[k] = project(z[k] + alpha * dd[i], k)
        }
        return true
    }
}
