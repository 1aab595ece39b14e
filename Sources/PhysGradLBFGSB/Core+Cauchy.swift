// The generalized Cauchy point: the first local minimizer of the quadratic model
//
//     Q(x + s) = gᵀs + ½ sᵀBs
//
// along the projected steepest-descent path x(τ) = P(x - τg), a piecewise linear path whose breakpoints
// t_i (where variable i reaches a bound) are visited in increasing order through a heap. On each segment
// Q is a 1-D quadratic with slope f' and curvature f''; the GCP is the first segment end or interior
// minimizer τ* = -f'/f''. Ties and zero breakpoints are handled by the order of the heap, variables with
// l = u never move, and variables already at a bound with the gradient pushing outward are held fixed.

extension Core {
    /// Computes the GCP into `z`, the vector c = Wᵀ(z - x) into `wa[2m..<4m]`, and the new `iwhere`
    /// (0 free and moved, -3 free and not moved, 1 at lower, 2 at upper, 3 fixed, -1 unbounded).
    /// Returns false when the middle matrix is singular (the caller then resets the memory).
    mutating func cauchy(pgNorm: Double) -> Bool {
        if pgNorm <= 0 {
            z.update(from: x, count: n)
            return true
        }
        let p = wa, c = wa + 2 * m, wbp = wa + 4 * m, v = wa + 6 * m
        let col2 = 2 * col
        var bounded = true
        var nfreeSeg = n           // iorder[nfreeSeg..<n]: moving variables without a breakpoint
        var nbreak = -1            // iorder[0...nbreak]: breakpoints; t[i] their break times
        var ibkmin = 0
        var bkmin = 0.0
        var f1 = 0.0
        var tl = 0.0, tu = 0.0
        let iorder = indx2
        for i in 0..<col2 { p[i] = 0 }

        for i in 0..<n {
            let neggi = -g[i]
            let kind = nbd[i]
            if iwhere[i] != 3 && iwhere[i] != -1 {
                if kind <= 2 { tl = x[i] - l[i] }
                if kind >= 2 { tu = u[i] - x[i] }
                let xlower = kind <= 2 && tl <= 0
                let xupper = kind >= 2 && tu <= 0
                iwhere[i] = 0
                if xlower {
                    if neggi <= 0 { iwhere[i] = 1 }
                } else if xupper {
                    if neggi >= 0 { iwhere[i] = 2 }
                } else if abs(neggi) <= 0 {
                    iwhere[i] = -3
                }
            }
            if iwhere[i] != 0 && iwhere[i] != -1 {
                d[i] = 0
            } else {
                d[i] = neggi
                f1 -= neggi * neggi
                var pointr = head
                for j in 0..<col {
                    p[j] += wy[i + n * pointr] * neggi
                    p[col + j] += ws[i + n * pointr] * neggi
                    pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
                }
                if kind <= 2 && kind != 0 && neggi < 0 {
                    nbreak += 1
                    iorder[nbreak] = Int32(i)
                    t[nbreak] = tl / (-neggi)
                    if nbreak == 0 || t[nbreak] < bkmin {
                        bkmin = t[nbreak]
                        ibkmin = nbreak
                    }
                } else if kind >= 2 && neggi > 0 {
                    nbreak += 1
                    iorder[nbreak] = Int32(i)
                    t[nbreak] = tu / neggi
                    if nbreak == 0 || t[nbreak] < bkmin {
                        bkmin = t[nbreak]
                        ibkmin = nbreak
                    }
                } else {
                    nfreeSeg -= 1
                    iorder[nfreeSeg] = Int32(i)
                    if abs(neggi) > 0 { bounded = false }
                }
            }
        }
        if theta != 1 {
            for j in 0..<col { p[col + j] *= theta }
        }
        z.update(from: x, count: n)
        if nbreak == -1 && nfreeSeg == n { return true }  // d = 0: the GCP is x
        for j in 0..<col2 { c[j] = 0 }

        // Slope f1 = gᵀd and curvature f2 = θdᵀd - pᵀMp of the first segment.
        var f2 = -theta * f1
        let f2Org = f2
        if col > 0 {
            if !bmv(p, v) { return false }
            f2 -= dotSmall(v, p, col2)
        }
        var dtm = -f1 / f2
        var tsum = 0.0
        var allFixed = false

        if nbreak != -1 {
            var nleft = nbreak
            var iter = 0
            var tj = 0.0
            while true {
                let tj0 = tj
                let ibp: Int
                if iter == 0 {
                    tj = bkmin
                    ibp = Int(iorder[ibkmin])
                } else {
                    if iter == 1 && ibkmin != nbreak {
                        // Replace the used smallest breakpoint by the last one before building the heap.
                        t[ibkmin] = t[nbreak]
                        iorder[ibkmin] = iorder[nbreak]
                    }
                    heapPopMin(count: nleft, t: t, order: iorder, isHeap: iter - 1 != 0)
                    tj = t[nleft]
                    ibp = Int(iorder[nleft])
                }
                let dt = tj - tj0
                if dtm < dt { break }  // the minimizer lies in this segment

                // Fix variable ibp at its bound and move to the next segment.
                tsum += dt
                nleft -= 1
                iter += 1
                let dibp = d[ibp]
                d[ibp] = 0
                let zibp: Double
                if dibp > 0 {
                    zibp = u[ibp] - x[ibp]
                    z[ibp] = u[ibp]
                    iwhere[ibp] = 2
                } else {
                    zibp = l[ibp] - x[ibp]
                    z[ibp] = l[ibp]
                    iwhere[ibp] = 1
                }
                if nleft == -1 && nbreak == n - 1 {
                    // Every variable has reached a bound: the GCP is the corner z.
                    dtm = dt
                    allFixed = true
                    break
                }
                let dibp2 = dibp * dibp
                f1 = f1 + dt * f2 + dibp2 - theta * dibp * zibp
                f2 -= theta * dibp2
                if col > 0 {
                    axpySmall(dt, p, c, col2)
                    // wbp = row ibp of W = [Y θS].
                    var pointr = head
                    for j in 0..<col {
                        wbp[j] = wy[ibp + n * pointr]
                        wbp[col + j] = theta * ws[ibp + n * pointr]
                        pointr = pointr &+ 1 == m ? 0 : pointr &+ 1
                    }
                    if !bmv(wbp, v) { return false }
                    let wmc = dotSmall(c, v, col2)
                    let wmp = dotSmall(p, v, col2)
                    let wmw = dotSmall(wbp, v, col2)
                    axpySmall(-dibp, wbp, p, col2)
                    f1 += dibp * wmc
                    f2 += 2.0 * dibp * wmp - dibp2 * wmw
                }
                f2 = max(LBFGSBOptions.machineEpsilon * f2Org, f2)
                if nleft >= 0 {
                    dtm = -f1 / f2
                } else if bounded {
                    dtm = 0
                    break
                } else {
                    dtm = -f1 / f2
                    break
                }
            }
        }
        if !allFixed {
            if dtm <= 0 { dtm = 0 }
            tsum += dtm
            // Move the free variables and those whose breakpoints were not reached; stay in the box.
            for i in 0..<n where d[i] != 0 { z[i] = project(z[i] + tsum * d[i], i) }
        }
        if col > 0 { axpySmall(dtm, p, c, col2) }
        return true
    }

    /// Williams' heapsort step (Algorithm 232, as the original `hpsolb`): with `t[0...count]` a heap when
    /// `isHeap` (else it is made one first), moves the least element to `t[count]` and re-heaps
    /// `t[0..<count]`. `order` is permuted along with `t`.
    func heapPopMin(count nIn: Int, t: UnsafeMutablePointer<Double>, order: UnsafeMutablePointer<Int32>, isHeap: Bool) {
        // 1-based heap positions as in the reference, over t[0...nIn] (nIn + 1 elements).
        if !isHeap {
            var k = 2
            while k <= nIn + 1 {
                let ddum = t[k - 1]
                let indxin = order[k - 1]
                var i = k
                while i > 1 {
                    let j = i / 2
                    if ddum < t[j - 1] {
                        t[i - 1] = t[j - 1]
                        order[i - 1] = order[j - 1]
                        i = j
                    } else {
                        break
                    }
                }
                t[i - 1] = ddum
                order[i - 1] = indxin
                k += 1
            }
        }
        if nIn > 0 {
            var i = 1
            let out = t[0]
            let indxout = order[0]
            let ddum = t[nIn]
            let indxin = order[nIn]
            while true {
                var j = i + i
                if j <= nIn {
                    if t[j] < t[j - 1] { j += 1 }
                    if t[j - 1] < ddum {
                        t[i - 1] = t[j - 1]
                        order[i - 1] = order[j - 1]
                        i = j
                    } else {
                        break
                    }
                } else {
                    break
                }
            }
            t[i - 1] = ddum
            order[i - 1] = indxin
            t[nIn] = out
            order[nIn] = indxout
        }
    }

    /// Splits the variables into free (`index[0..<nfree]`, iwhere <= 0) and active ones at the GCP, and
    /// (after the first iteration, with bounds) lists those entering the free set (`indx2[0..<nenter]`)
    /// and leaving it (`indx2[ileave..<n]`). Returns whether the subspace matrix must be refactored.
    mutating func freev(iteration: Int) -> Bool {
        nenter = 0
        ileave = n
        if iteration > 0 && constrained {
            for i in 0..<nfree {
                let k = Int(index[i])
                if iwhere[k] > 0 {
                    ileave -= 1
                    indx2[ileave] = Int32(k)
                }
            }
            for i in nfree..<n {
                let k = Int(index[i])
                if iwhere[k] <= 0 {
                    indx2[nenter] = Int32(k)
                    nenter += 1
                }
            }
        }
        let wrk = ileave < n || nenter > 0 || updatd
        nfree = 0
        var iact = n
        for i in 0..<n {
            if iwhere[i] <= 0 {
                index[nfree] = Int32(i)
                nfree += 1
            } else {
                iact -= 1
                index[iact] = Int32(i)
            }
        }
        return wrk
    }
}

@inline(__always)
func dotSmall(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { s += x[i] * y[i] }
    return s
}

@inline(__always)
func axpySmall(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 0..<n { y[i] += a * x[i] }
}
