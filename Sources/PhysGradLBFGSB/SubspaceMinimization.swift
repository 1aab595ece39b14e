/// Minimization of the quadratic model over the variables free at the Cauchy point z (direct primal
/// method of Byrd, Lu, Nocedal, Zhu 1995, section 5.1), with the projection rule of Morales and
/// Nocedal (2011).
///
/// With Z the free variables and A the active ones, the reduced Newton step from z is
/// d = -(ZᵀBZ)⁻¹ r̂ with r̂ = Zᵀ(g + B(z - x)); by Sherman-Morrison-Woodbury
///
///     d = (1/θ) r̂ + (1/θ²) ZᵀW K⁻¹ WᵀZ r̂,
///
///     K = [ -D - YᵀZZᵀY/θ     L_aᵀ - R_zᵀ ]
///         [  L_a - R_z         θSᵀAAᵀS    ]
///
/// with L_a the strictly lower triangle of SᵀAAᵀY and R_z the upper triangle of SᵀZZᵀY. K is factored as
/// LELᵀ, E = diag(-I, I). Its inner products over Z and A (``freeSetProducts``) are kept from one
/// iteration to the next and updated from the newest pair and from the variables that entered and left
/// the free set, as the reference code does (and so with its rounding).
///
/// Memory: the 2m x 2m matrices of inner products and of K's factor, and 10m doubles.
struct SubspaceMinimization {
    let n: Int
    let m: Int
    private var region: UnsafeMutablePointer<Double>

    static func doubles(m: Int) -> Int { 8 * m * m + 10 * m }

    init(n: Int, m: Int, region: UnsafeMutablePointer<Double>) {
        self.n = n
        self.m = m
        self.region = region
    }

    mutating func relocate(_ move: Relocation) { region = move(region) }

    /// The inner products K is made of, 2m x 2m with pairs in age order: YᵀZZᵀY in the lower triangle of
    /// the (1,1) block; in the (2,1) block, s_iᵀy_j over A below the diagonal (i > j: L_a) and over Z on and
    /// above it (R_z); SᵀAAᵀS in the lower triangle of the (2,2) block.
    private var freeSetProducts: MatrixView { MatrixView(base: region, ld: 2 &* m) }
    /// K's factor: the upper triangle holds L's blocks (Cholesky factors of the diagonal blocks, the
    /// solved coupling block).
    private var kFactor: MatrixView { MatrixView(base: region + 4 &* m &* m, ld: 2 &* m) }
    private var kReciprocals: UnsafeMutablePointer<Double> { region + 8 &* m &* m }
    private var scratch: UnsafeMutablePointer<Double> { region + (8 &* m &* m &+ 2 &* m) }

    // MARK: - K

    /// Brings K up to date with the memory and the free set, and factors it. Returns false when a
    /// Cholesky factorization fails (the caller then discards the memory).
    func formK(bfgs: CompactBFGSMatrix, freeSet: FreeSet) -> Bool {
        let pairsBefore: Int
        if bfgs.addedPairInLastUpdate {
            if bfgs.updates > m { dropOldestPair() }
            addNewestPair(bfgs: bfgs, freeSet: freeSet)
            pairsBefore = bfgs.count - 1
        } else {
            pairsBefore = bfgs.count
        }
        if freeSet.changed { updateForFreeSetChange(bfgs: bfgs, freeSet: freeSet, pairs: pairsBefore) }
        assembleK(bfgs: bfgs)
        return factorK(pairs: bfgs.count)
    }

    /// The memory was full and lost its oldest pair: every block moves up and left by one.
    private func dropOldestPair() {
        let p = freeSetProducts
        for jy in 0..<(m - 1) {
            let js = m + jy
            copyShort(p.column(jy) + jy, from: p.column(jy + 1) + (jy + 1), m - jy - 1)
            copyShort(p.column(js) + js, from: p.column(js + 1) + (js + 1), m - jy - 1)
            copyShort(p.column(jy) + m, from: p.column(jy + 1) + (m + 1), m - 1)
        }
    }

    /// The new last row of the (1,1), (2,1) and (2,2) blocks and the new last column of the (2,1) block.
    private func addNewestPair(bfgs: CompactBFGSMatrix, freeSet: FreeSet) {
        let p = freeSetProducts, col = bfgs.count, newest = col - 1
        let free = freeSet.indices, freeCount = freeSet.freeCount
        let allFree = freeSet.isEverything, precomputed = allFree && bfgs.hasNewPairProducts
        let yNew = bfgs.yColumn(newest), sNew = bfgs.sColumn(newest)
        for j in 0..<col {
            let yj = bfgs.yColumn(j), sj = bfgs.sColumn(j)
            var yy = 0.0, ssActive = 0.0, syActive = 0.0
            if precomputed {
                yy = bfgs.newPairProducts[j]
            } else if allFree {
                yy = dot(yNew, yj, n)
            } else {
                for k in 0..<freeCount {
                    let v = Int(free[k])
                    yy += yNew[v] * yj[v]
                }
                for k in freeCount..<n {
                    let v = Int(free[k])
                    ssActive += sNew[v] * sj[v]
                    syActive += sNew[v] * yj[v]
                }
            }
            p[newest, j] = yy
            p[m + newest, m + j] = ssActive
            p[m + newest, j] = syActive
        }
        for i in 0..<col {
            let si = bfgs.sColumn(i)
            var syFree = 0.0
            if precomputed {
                syFree = bfgs.newPairProducts[m + i]
            } else if allFree {
                syFree = dot(si, yNew, n)
            } else {
                for k in 0..<freeCount {
                    let v = Int(free[k])
                    syFree += si[v] * yNew[v]
                }
            }
            p[m + i, newest] = syFree
        }
    }

    /// Corrects the products of the `pairs` older pairs for the variables that entered the free set
    /// (added to the sums over Z, removed from those over A) and those that left it.
    private func updateForFreeSetChange(bfgs: CompactBFGSMatrix, freeSet: FreeSet, pairs: Int) {
        let p = freeSetProducts, changes = freeSet.changes
        let entering = 0..<freeSet.enteringCount, leaving = freeSet.leavingStart..<n
        for iy in 0..<pairs {
            let yi = bfgs.yColumn(iy), si = bfgs.sColumn(iy)
            for jy in 0...iy {
                let yj = bfgs.yColumn(jy), sj = bfgs.sColumn(jy)
                var yyIn = 0.0, ssIn = 0.0, yyOut = 0.0, ssOut = 0.0
                for k in entering {
                    let v = Int(changes[k])
                    yyIn += yi[v] * yj[v]
                    ssIn += si[v] * sj[v]
                }
                for k in leaving {
                    let v = Int(changes[k])
                    yyOut += yi[v] * yj[v]
                    ssOut += si[v] * sj[v]
                }
                p[iy, jy] = p[iy, jy] + yyIn - yyOut
                p[m + iy, m + jy] = p[m + iy, m + jy] - ssIn + ssOut
            }
        }
        for i in 0..<pairs {
            let si = bfgs.sColumn(i)
            for j in 0..<pairs {
                let yj = bfgs.yColumn(j)
                var syIn = 0.0, syOut = 0.0
                for k in entering {
                    let v = Int(changes[k])
                    syIn += si[v] * yj[v]
                }
                for k in leaving {
                    let v = Int(changes[k])
                    syOut += si[v] * yj[v]
                }
                if i <= j {
                    p[m + i, j] = p[m + i, j] + syIn - syOut  // R_z: a sum over Z
                } else {
                    p[m + i, j] = p[m + i, j] - syIn + syOut  // L_a: a sum over A
                }
            }
        }
    }

    /// The upper triangle of [D + YᵀZZᵀY/θ, -L_aᵀ + R_zᵀ; ·, θSᵀAAᵀS] (K with its (1,1) block negated)
    /// into ``kFactor``.
    private func assembleK(bfgs: CompactBFGSMatrix) {
        let p = freeSetProducts, k = kFactor, col = bfgs.count, theta = bfgs.theta
        for iy in 0..<col {
            for jy in 0...iy {
                k[jy, iy] = p[iy, jy] / theta
                k[col + jy, col + iy] = p[m + iy, m + jy] * theta
            }
            for jy in 0..<iy { k[jy, col + iy] = -p[m + iy, jy] }
            for jy in iy..<col { k[jy, col + iy] = p[m + iy, jy] }
            k[iy, iy] += bfgs.sTy[iy, iy]
        }
    }

    /// LELᵀ: the Cholesky factor U₁ of the (1,1) block, then U₁⁻ᵀ times the (1,2) block, then the
    /// Cholesky factor of the (2,2) block plus the square of that solved block.
    private func factorK(pairs col: Int) -> Bool {
        let k = kFactor
        guard choleskyUpper(k, n: col, reciprocals: kReciprocals) else { return false }
        for j in 0..<col { solveUpperTransposed(k, n: col, reciprocals: kReciprocals, k.column(col + j)) }
        for j in 0..<col {
            let a = k.column(col + j)
            for js in j..<col {
                let b = k.column(col + js)
                var sum = 0.0
                for i in 0..<col { sum += a[i] * b[i] }
                k[col + j, col + js] += sum
            }
        }
        return choleskyUpper(k.block(col, col), n: col, reciprocals: kReciprocals + col)
    }

    // MARK: - The step

    /// The reduced gradient `r̂ = -Zᵀ(g + B(z - x))` over the free variables into `r[0..<freeCount]`, with
    /// `c = Wᵀ(z - x)` from the Cauchy search.
    func reducedGradient(x: UnsafePointer<Double>, g: UnsafePointer<Double>, z: UnsafePointer<Double>,
                         c: UnsafePointer<Double>, bfgs: CompactBFGSMatrix, freeSet: FreeSet,
                         into r: UnsafeMutablePointer<Double>) {
        let free = freeSet.indices, theta = bfgs.theta, col = bfgs.count
        for i in 0..<freeSet.freeCount {
            let k = Int(free[i])
            r[i] = -theta * (z[k] - x[k]) - g[k]
        }
        let v = scratch  // v = M c
        bfgs.applyMiddle(c, into: v)
        for j in 0..<col {
            let a1 = v[j], a2 = theta * v[col + j]
            let yj = bfgs.yColumn(j), sj = bfgs.sColumn(j)
            for i in 0..<freeSet.freeCount {
                let k = Int(free[i])
                r[i] += yj[k] * a1 + sj[k] * a2
            }
        }
    }

    /// Without bounds, with memory and n >= ``CompactBFGSMatrix/fusedPassesFrom``: Z = I, z = x and
    /// r̂ = -g, so the Newton step is d = (1/θ)(-g + (1/θ) W K⁻¹ Wᵀ(-g)). Writes `-g + (1/θ) W K⁻¹ Wᵀ(-g)`
    /// to `d` and returns 1/θ, the scale the caller applies (in its next pass over d); Wᵀg comes from the
    /// memory update when it computed it for this g (``CompactBFGSMatrix/gradientProducts``). The same bits as
    /// ``step(x:g:box:bfgs:freeSet:z:r:scratch:)`` from r̂ = -g: Wᵀ(-g) = -(Wᵀg) exactly.
    func unconstrainedStep(g: UnsafePointer<Double>, bfgs: CompactBFGSMatrix, into d: UnsafeMutablePointer<Double>) -> Double {
        let col = bfgs.count, theta = bfgs.theta
        let w = scratch, a1 = scratch + 2 &* m, a2 = scratch + 3 &* m
        if bfgs.hasGradientProducts {
            w.update(from: bfgs.gradientProducts, count: col)
            (w + col).update(from: bfgs.gradientProducts + m, count: col)
        } else {
            bfgs.columnProducts(with: g, y: w, s: w + col)
        }
        for i in 0..<col {
            w[i] = -w[i]
            w[col + i] = -w[col + i] * theta
        }
        solveK(w, pairs: col)
        for j in 0..<col {
            a1[j] = w[j] / theta
            a2[j] = w[col + j]
        }
        bfgs.addColumns(y: a1, s: a2, to: d, negatedStart: g)
        return 1.0 / theta
    }

    /// `w ← K⁻¹ w` with K = LELᵀ.
    private func solveK(_ w: UnsafeMutablePointer<Double>, pairs col: Int) {
        solveUpperTransposed(kFactor, n: 2 * col, reciprocals: kReciprocals, w)
        for i in 0..<col { w[i] = -w[i] }
        solveUpper(kFactor, n: 2 * col, reciprocals: kReciprocals, w)
    }

    /// Moves `z` to the minimizer of the model over the free variables: the Newton step d = -(ZᵀBZ)⁻¹ r̂
    /// (computed in place of `r`), then the 2011 rule. Needs ``formK(bfgs:freeSet:)`` and
    /// ``reducedGradient(x:g:z:c:constrained:bfgs:freeSet:into:)``.
    ///
    /// - Parameter scratch: n doubles (the point before the projection, with bounds).
    func step(x: UnsafePointer<Double>, g: UnsafePointer<Double>, box: Box, bfgs: CompactBFGSMatrix, freeSet: FreeSet,
              z: UnsafeMutablePointer<Double>, r d: UnsafeMutablePointer<Double>, scratch zBefore: UnsafeMutablePointer<Double>) {
        let freeCount = freeSet.freeCount
        if freeCount <= 0 { return }
        let col = bfgs.count, theta = bfgs.theta, free = freeSet.indices
        let allFree = freeCount == n, fused = allFree && n >= CompactBFGSMatrix.fusedPassesFrom
        let w = scratch, a1 = scratch + 2 &* m, a2 = scratch + 3 &* m

        // w = WᵀZ d.
        if fused {
            bfgs.columnProducts(with: d, y: w, s: w + col)
            for i in 0..<col { w[col + i] *= theta }
        } else {
            for i in 0..<col {
                let yi = bfgs.yColumn(i), si = bfgs.sColumn(i)
                var yd = 0.0, sd = 0.0
                if allFree {
                    yd = dot(yi, d, n)
                    sd = dot(si, d, n)
                } else {
                    for j in 0..<freeCount {
                        let k = Int(free[j])
                        yd += yi[k] * d[j]
                        sd += si[k] * d[j]
                    }
                }
                w[i] = yd
                w[col + i] = theta * sd
            }
        }
        solveK(w, pairs: col)
        // d = (1/θ) r̂ + (1/θ²) ZᵀW w, the 1/θ applied last.
        if fused {
            for j in 0..<col {
                a1[j] = w[j] / theta
                a2[j] = w[col + j]
            }
            bfgs.addColumns(y: a1, s: a2, to: d)
        } else {
            for j in 0..<col {
                let b1 = w[j] / theta, b2 = w[col + j]
                let yj = bfgs.yColumn(j), sj = bfgs.sColumn(j)
                if allFree {
                    axpy(b1, yj, d, n)
                    axpy(b2, sj, d, n)
                } else {
                    for i in 0..<freeCount {
                        let k = Int(free[i])
                        d[i] = d[i] + yj[k] * b1 + sj[k] * b2
                    }
                }
            }
        }
        let inverseTheta = 1.0 / theta
        for i in 0..<freeCount { d[i] *= inverseTheta }
        projectNewtonPoint(x: x, g: g, box: box, freeSet: freeSet, z: z, d: d, zBefore: zBefore)
    }

    /// Morales-Nocedal (2011): the Newton point z + d projected onto the box, if that is a descent
    /// direction from x; otherwise the longest feasible step along d from the Cauchy point (the original
    /// 1997 rule).
    private func projectNewtonPoint(x: UnsafePointer<Double>, g: UnsafePointer<Double>, box: Box, freeSet: FreeSet,
                                    z: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>,
                                    zBefore: UnsafeMutablePointer<Double>) {
        let freeCount = freeSet.freeCount, free = freeSet.indices
        zBefore.update(from: z, count: n)
        var hitBound = false
        for i in 0..<freeCount {
            let k = Int(free[i])
            let target = z[k] + d[i]
            switch box.kinds[k] {
            case .none:
                z[k] = target
            case .lower:
                z[k] = max(box.lower[k], target)
                if z[k] == box.lower[k] { hitBound = true }
            case .both:
                z[k] = min(box.upper[k], max(box.lower[k], target))
                if z[k] == box.lower[k] || z[k] == box.upper[k] { hitBound = true }
            case .upper:
                z[k] = min(box.upper[k], target)
                if z[k] == box.upper[k] { hitBound = true }
            }
        }
        if !hitBound { return }
        var slope = 0.0
        for i in 0..<n { slope += (z[i] - x[i]) * g[i] }
        if slope <= 0 { return }

        z.update(from: zBefore, count: n)
        var alpha = 1.0
        var limiting = 0
        for i in 0..<freeCount {
            let k = Int(free[i])
            let step = box.limitStep(alpha, k, direction: d[i], from: z[k])
            if step < alpha {
                alpha = step
                limiting = i
            }
        }
        if alpha < 1 {
            let k = Int(free[limiting])
            if d[limiting] > 0 {
                z[k] = box.upper[k]
                d[limiting] = 0
            } else if d[limiting] < 0 {
                z[k] = box.lower[k]
                d[limiting] = 0
            }
        }
        for i in 0..<freeCount {
            let k = Int(free[i])
            z[k] = box.project(z[k] + alpha * d[i], k)
        }
    }
}
