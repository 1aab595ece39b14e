/// The generalized Cauchy point: the first local minimizer of the quadratic model
///
///     m(x + s) = f + gᵀs + ½ sᵀBs
///
/// along the projected steepest-descent path x(τ) = P(x - τg) (P the projection onto the box). The path
/// is piecewise linear: variable i reaches its bound at the breakpoint t_i = (x_i - l_i)/g_i or
/// (x_i - u_i)/g_i. On each segment the model is a parabola in τ with slope f′ and curvature f″; the
/// search visits the breakpoints in increasing order (through a heap) and stops at the first segment
/// whose minimizer τ* = -f′/f″ lies inside it. Each step updates f′ and f″ with the compact form of B
/// (Byrd, Lu, Nocedal, Zhu 1995, section 4), at O(m²) per breakpoint.
///
/// Memory: 8m doubles (p = Wᵀd, c = Wᵀ(z - x), a row of W, M times it) and the heap order (n indices).
struct GeneralizedCauchyPoint {
    let n: Int
    let m: Int
    private var region: UnsafeMutablePointer<Double>
    private var heapOrder: UnsafeMutablePointer<Int32>

    static func doubles(m: Int) -> Int { 8 * m }

    init(n: Int, m: Int, region: UnsafeMutablePointer<Double>, heapOrder: UnsafeMutablePointer<Int32>) {
        self.n = n
        self.m = m
        self.region = region
        self.heapOrder = heapOrder
    }

    mutating func relocate(_ move: Relocation) {
        region = move(region)
        heapOrder = move(heapOrder)
    }

    /// `c = Wᵀ(z - x)` for the point z of the last ``compute(x:g:box:bfgs:status:projectedGradientNorm:point:direction:breakpoints:)``:
    /// the subspace minimization needs it for the reduced gradient.
    var c: UnsafeMutablePointer<Double> { region + 2 &* m }

    /// Computes the Cauchy point `z` from x, g, the box and B, and sets the status of every variable
    /// there (at a bound, fixed, free, unbounded).
    ///
    /// - Parameters:
    ///   - direction: receives the projected steepest-descent direction d = -g on the variables that
    ///     move (then 0 on those that reach their bound).
    ///   - breakpoints: n doubles of scratch for the breakpoints.
    func compute(x: UnsafePointer<Double>, g: UnsafePointer<Double>, box: Box, bfgs: CompactBFGSMatrix,
                 status: UnsafeMutablePointer<VariableStatus>, projectedGradientNorm: Double,
                 point z: UnsafeMutablePointer<Double>, direction d: UnsafeMutablePointer<Double>,
                 breakpoints t: UnsafeMutablePointer<Double>) {
        if projectedGradientNorm <= 0 {
            z.update(from: x, count: n)
            return
        }
        let col = bfgs.count, theta = bfgs.theta
        let p = region, c = self.c, wbp = region + 4 &* m, v = region + 6 &* m
        for i in 0..<(2 * col) { p[i] = 0 }

        // The path's first segment: d, p = Wᵀd, the slope f′ = gᵀd = -dᵀd, and the breakpoints.
        var path = scanVariables(x: x, g: g, box: box, bfgs: bfgs, status: status, direction: d, breakpoints: t, p: p)
        if theta != 1 {
            for j in 0..<col { p[col + j] *= theta }
        }
        z.update(from: x, count: n)
        if path.breakpointCount == 0 && path.firstWithout == n { return }  // d = 0: the Cauchy point is x
        for j in 0..<(2 * col) { c[j] = 0 }

        // Its curvature f″ = θdᵀd - pᵀMp.
        var f2 = -theta * path.slope
        let f2Original = f2
        if col > 0 {
            bfgs.applyMiddle(p, into: v)
            f2 -= dotSmall(v, p, 2 * col)
        }
        var dtm = -path.slope / f2  // the parabola's minimizer on the current segment
        var tsum = 0.0              // the segment's start
        var reachedCorner = false

        if path.breakpointCount > 0 {
            let heap = BreakpointHeap(times: t, order: heapOrder)
            var remaining = path.breakpointCount - 1
            var visited = 0
            var tj = 0.0
            while true {
                // The next breakpoint: the smallest (found by the scan), then the heap's least.
                let tj0 = tj
                let ibp: Int
                if visited == 0 {
                    tj = path.smallestTime
                    ibp = Int(heapOrder[path.smallestIndex])
                } else {
                    if visited == 1 && path.smallestIndex != path.breakpointCount - 1 {
                        // Replace the used smallest breakpoint by the last one before building the heap.
                        t[path.smallestIndex] = t[path.breakpointCount - 1]
                        heapOrder[path.smallestIndex] = heapOrder[path.breakpointCount - 1]
                    }
                    heap.popMin(lastIndex: remaining, isHeap: visited - 1 != 0)
                    tj = t[remaining]
                    ibp = Int(heapOrder[remaining])
                }
                let dt = tj - tj0
                if dtm < dt { break }  // the minimizer lies on this segment

                // Fix variable ibp at its bound and go on to the next segment.
                tsum += dt
                remaining -= 1
                visited += 1
                let dibp = d[ibp]
                d[ibp] = 0
                let zibp: Double
                if dibp > 0 {
                    zibp = box.upper[ibp] - x[ibp]
                    z[ibp] = box.upper[ibp]
                    status[ibp] = .atUpper
                } else {
                    zibp = box.lower[ibp] - x[ibp]
                    z[ibp] = box.lower[ibp]
                    status[ibp] = .atLower
                }
                if remaining == -1 && path.breakpointCount == n {
                    // Every variable has reached a bound: the Cauchy point is that corner.
                    dtm = dt
                    reachedCorner = true
                    break
                }
                // f′ and f″ of the next segment.
                let dibp2 = dibp * dibp
                path.slope = path.slope + dt * f2 + dibp2 - theta * dibp * zibp
                f2 -= theta * dibp2
                if col > 0 {
                    axpySmall(dt, p, c, 2 * col)
                    bfgs.rowOfW(ibp, into: wbp)
                    bfgs.applyMiddle(wbp, into: v)
                    let wmc = dotSmall(c, v, 2 * col)
                    let wmp = dotSmall(p, v, 2 * col)
                    let wmw = dotSmall(wbp, v, 2 * col)
                    axpySmall(-dibp, wbp, p, 2 * col)
                    path.slope += dibp * wmc
                    f2 += 2.0 * dibp * wmp - dibp2 * wmw
                }
                f2 = max(LBFGSBOptions.machineEpsilon * f2Original, f2)
                if remaining >= 0 {
                    dtm = -path.slope / f2
                } else if path.bounded {
                    dtm = 0
                    break
                } else {
                    dtm = -path.slope / f2
                    break
                }
            }
        }
        if !reachedCorner {
            if dtm <= 0 { dtm = 0 }
            tsum += dtm
            // Move the variables still free along d, staying in the box.
            for i in 0..<n where d[i] != 0 { z[i] = box.project(z[i] + tsum * d[i], i) }
        }
        if col > 0 { axpySmall(dtm, p, c, 2 * col) }
    }

    /// What the scan of the variables found about the path.
    private struct Path {
        /// Breakpoints `t[0..<breakpointCount]`, with the variables in `heapOrder[0..<breakpointCount]`.
        var breakpointCount = 0
        /// Variables that move without a breakpoint are `heapOrder[firstWithout..<n]`.
        var firstWithout: Int
        var smallestIndex = 0
        var smallestTime = 0.0
        /// f′ of the current segment (gᵀd on the first).
        var slope = 0.0
        /// No variable moves without end (every moving variable has a breakpoint, or a zero gradient).
        var bounded = true
    }

    /// Sets the status of the bounded variables, d = -g on the moving ones (0 on the others), p = [Y S]ᵀd
    /// (without θ), f′ = -dᵀd, and lists the breakpoints.
    private func scanVariables(x: UnsafePointer<Double>, g: UnsafePointer<Double>, box: Box, bfgs: CompactBFGSMatrix,
                               status: UnsafeMutablePointer<VariableStatus>, direction d: UnsafeMutablePointer<Double>,
                               breakpoints t: UnsafeMutablePointer<Double>, p: UnsafeMutablePointer<Double>) -> Path {
        var path = Path(firstWithout: n)
        let order = heapOrder
        for i in 0..<n {
            let neggi = -g[i]
            let kind = box.kinds[i]
            var toLower = 0.0, toUpper = 0.0
            if status[i] != .fixed && status[i] != .unbounded {
                if kind.hasLower { toLower = x[i] - box.lower[i] }
                if kind.hasUpper { toUpper = box.upper[i] - x[i] }
                let atLower = kind.hasLower && toLower <= 0
                let atUpper = kind.hasUpper && toUpper <= 0
                status[i] = .free
                if atLower {
                    if neggi <= 0 { status[i] = .atLower }
                } else if atUpper {
                    if neggi >= 0 { status[i] = .atUpper }
                } else if abs(neggi) <= 0 {
                    status[i] = .freeWithZeroGradient
                }
            }
            if status[i] != .free && status[i] != .unbounded {
                d[i] = 0
                continue
            }
            d[i] = neggi
            path.slope -= neggi * neggi
            bfgs.addRow(i, times: neggi, to: p)
            let time: Double?
            if kind.hasLower && neggi < 0 {
                time = toLower / (-neggi)
            } else if kind.hasUpper && neggi > 0 {
                time = toUpper / neggi
            } else {
                time = nil
            }
            if let time {
                let k = path.breakpointCount
                order[k] = Int32(i)
                t[k] = time
                if k == 0 || time < path.smallestTime {
                    path.smallestTime = time
                    path.smallestIndex = k
                }
                path.breakpointCount += 1
            } else {
                path.firstWithout -= 1
                order[path.firstWithout] = Int32(i)
                if abs(neggi) > 0 { path.bounded = false }
            }
        }
        return path
    }
}

/// The breakpoints as a binary min-heap (Williams' heapsort, Algorithm 232, as the reference's
/// `hpsolb`): `order` is permuted along with `times`.
struct BreakpointHeap {
    let times: UnsafeMutablePointer<Double>
    let order: UnsafeMutablePointer<Int32>

    /// With `times[0...lastIndex]` a heap when `isHeap` (otherwise it is made one first), moves the least
    /// element to `times[lastIndex]` and restores the heap on `times[0..<lastIndex]`.
    func popMin(lastIndex last: Int, isHeap: Bool) {
        // 1-based heap positions, over times[0...last].
        if !isHeap {
            for k in stride(from: 2, through: last + 1, by: 1) {
                let value = times[k - 1], index = order[k - 1]
                var i = k
                while i > 1 {
                    let parent = i / 2
                    guard value < times[parent - 1] else { break }
                    times[i - 1] = times[parent - 1]
                    order[i - 1] = order[parent - 1]
                    i = parent
                }
                times[i - 1] = value
                order[i - 1] = index
            }
        }
        guard last > 0 else { return }
        let least = times[0], leastIndex = order[0]
        let value = times[last], index = order[last]
        var i = 1
        while true {
            var child = i + i
            guard child <= last else { break }
            if times[child] < times[child - 1] { child += 1 }
            guard times[child - 1] < value else { break }
            times[i - 1] = times[child - 1]
            order[i - 1] = order[child - 1]
            i = child
        }
        times[i - 1] = value
        order[i - 1] = index
        times[last] = least
        order[last] = leastIndex
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
