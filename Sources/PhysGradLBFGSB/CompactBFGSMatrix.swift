/// The limited-memory BFGS matrix in compact form (Byrd, Nocedal, Schnabel 1994):
///
///     B = θI - W M Wᵀ,   W = [Y  θS],   M = [ -D   Lᵀ  ]⁻¹
///                                         [  L  θSᵀS ]
///
/// S and Y hold the `count <= m` most recent corrections s_k = x_{k+1} - x_k and y_k = g_{k+1} - g_k as
/// columns (oldest first), D = diag(s_kᵀy_k), L is the strictly lower triangle of SᵀY (entries
/// s_iᵀy_j, i > j), and θ = yᵀy / sᵀy of the newest pair.
///
/// Memory: S and Y are rings of m columns of length n (the oldest column at `head`); SᵀY and SᵀS are
/// m x m with their pairs in age order; `middleFactor` holds the Cholesky factor Jᵀ of
/// T = θSᵀS + L D⁻¹ Lᵀ, through which M is applied (``applyMiddle(_:into:)``).
struct CompactBFGSMatrix {
    let n: Int
    let m: Int
    private var region: UnsafeMutablePointer<Double>
    /// θ, the scaling of the identity part.
    private(set) var theta = 1.0
    /// The number of pairs stored.
    private(set) var count = 0
    /// The ring position of the oldest pair.
    private(set) var head = 0
    private var tail = 0
    /// Pairs added since the last ``reset()`` (more than m once the oldest are being dropped).
    private(set) var updates = 0
    /// The last update decision added a pair (false after a skipped update or a reset).
    private(set) var addedPairInLastUpdate = false
    /// ``newPairProducts`` holds the products of the newest pair (see ``add(s:y:yTy:sTy:sTs:productsForK:gradient:)``).
    private(set) var hasNewPairProducts = false
    /// ``gradientProducts`` holds Wᵀg for the gradient passed to the last ``add(s:y:yTy:sTy:sTs:productsForK:gradient:)``
    /// (false after a skipped update or a reset).
    private(set) var hasGradientProducts = false

    /// From this n on, passes over S and Y that several products share are fused into one (large n is
    /// limited by memory bandwidth); below it, unconstrained problems take the two-loop recursion.
    static let fusedPassesFrom = 256

    static func doubles(n: Int, m: Int) -> Int { 2 * m * n + 3 * m * m + m + 4 * m }

    /// A matrix with no pairs (B = I) on `doubles(n:m:)` doubles at `region`.
    init(n: Int, m: Int, region: UnsafeMutablePointer<Double>) {
        self.n = n
        self.m = m
        self.region = region
    }

    mutating func relocate(_ move: Relocation) { region = move(region) }

    /// S: column c at `s + c·n` (ring position c).
    var s: UnsafeMutablePointer<Double> { region }
    /// Y, as S.
    var y: UnsafeMutablePointer<Double> { region + m &* n }
    /// SᵀY: (i, j) = s_iᵀy_j, lower triangle (D on the diagonal, L below).
    var sTy: MatrixView { MatrixView(base: region + 2 &* m &* n, ld: m) }
    /// SᵀS, upper triangle.
    var sTs: MatrixView { MatrixView(base: region + (2 &* m &* n &+ m &* m), ld: m) }
    /// Jᵀ, the upper Cholesky factor of T = θSᵀS + L D⁻¹ Lᵀ.
    var middleFactor: MatrixView { MatrixView(base: region + (2 &* m &* n &+ 2 &* m &* m), ld: m) }
    private var middleReciprocals: UnsafeMutablePointer<Double> { region + (2 &* m &* n &+ 3 &* m &* m) }
    /// `y_newᵀy_j` (first m) and `s_jᵀy_new` (next m) for every stored pair j, when ``hasNewPairProducts``.
    var newPairProducts: UnsafeMutablePointer<Double> { middleReciprocals + m }
    /// `y_jᵀg` (first m) and `s_jᵀg` (next m) for every stored pair, when ``hasGradientProducts``. (The same
    /// memory as the two-loop recursion's scratch, which runs only below ``fusedPassesFrom``.)
    var gradientProducts: UnsafeMutablePointer<Double> { scratch }
    private var scratch: UnsafeMutablePointer<Double> { middleReciprocals + 3 &* m }

    /// The ring position of the k-th oldest pair.
    @inline(__always)
    func position(_ k: Int) -> Int {
        let p = head &+ k
        return p >= m ? p &- m : p
    }

    /// s of the k-th oldest pair.
    @inline(__always)
    func sColumn(_ k: Int) -> UnsafeMutablePointer<Double> { s + n &* position(k) }
    /// y of the k-th oldest pair.
    @inline(__always)
    func yColumn(_ k: Int) -> UnsafeMutablePointer<Double> { y + n &* position(k) }

    /// The columns the next ``add(s:y:yTy:sTy:sTs:productsForK:gradient:)`` writes (those of the oldest pair when
    /// m are stored): a caller may form the pair there and pass them back, which saves the copy.
    var nextPairColumns: (s: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>) {
        let p = updates < m ? position(updates) : (tail + 1) % m
        return (s + p &* n, y + p &* n)
    }

    /// Forgets every pair: B = I.
    mutating func reset() {
        count = 0
        head = 0
        theta = 1
        updates = 0
        addedPairInLastUpdate = false
        hasNewPairProducts = false
        hasGradientProducts = false
    }

    /// Records that the newest pair failed the curvature test and was not added.
    mutating func skipUpdate() {
        addedPairInLastUpdate = false
        hasGradientProducts = false
    }

    /// Adds the pair (s, y) as the newest, dropping the oldest when m are stored; sets θ = yᵀy / sᵀy
    /// and the new last row of SᵀY and last column of SᵀS (`yTy`, `sTy`, `sTs` are the new pair's own
    /// products).
    ///
    /// With `productsForK` (no bounds, n >= ``fusedPassesFrom``) it computes ``newPairProducts``, which
    /// the subspace matrix K needs next, instead of the off-diagonal entries of SᵀY and SᵀS: without
    /// bounds only K and the diagonal of SᵀY are ever read (the middle matrix M serves the Cauchy search
    /// and the free-set updates, which run only with bounds). With a `gradient` g as well, the same pass
    /// over the columns computes ``gradientProducts``, Wᵀg, which the quasi-Newton step needs next.
    mutating func add(s sNew: UnsafePointer<Double>, y yNew: UnsafePointer<Double>, yTy: Double, sTy sy: Double,
                      sTs ss: Double, productsForK: Bool, gradient: UnsafePointer<Double>? = nil) {
        updates += 1
        addedPairInLastUpdate = true
        if updates <= m {
            count = updates
            tail = (head + updates - 1) % m
        } else {
            tail = (tail + 1) % m
            head = (head + 1) % m
        }
        if sNew != s + tail &* n { (s + tail &* n).update(from: sNew, count: n) }
        if yNew != y + tail &* n { (y + tail &* n).update(from: yNew, count: n) }
        theta = yTy / sy
        let sTy = self.sTy, sTs = self.sTs, col = count
        if updates > m {
            // Drop the oldest pair: move SᵀS up and left (upper triangle), SᵀY likewise (lower triangle).
            for j in 1..<max(col, 1) {
                copyShort(sTs.column(j - 1), from: sTs.column(j) + 1, j)
                copyShort(sTy.column(j - 1) + (j - 1), from: sTy.column(j) + j, col - j)
            }
        }
        hasNewPairProducts = false
        hasGradientProducts = false
        if productsForK {
            // y_newᵀy_j and s_jᵀy_new: the products of the columns with y_new (and with g).
            if let g = gradient {
                columnProducts(with: yNew, y: newPairProducts, s: newPairProducts + m, and: g, y: gradientProducts,
                               s: gradientProducts + m)
                hasGradientProducts = true
            } else {
                columnProducts(with: yNew, y: newPairProducts, s: newPairProducts + m)
            }
            hasNewPairProducts = true
        } else {
            for j in 0..<(col - 1) {
                sTy[col - 1, j] = dot(sNew, yColumn(j), n)
                sTs[j, col - 1] = dot(sColumn(j), sNew, n)
            }
        }
        sTs[col - 1, col - 1] = ss
        sTy[col - 1, col - 1] = sy
    }

    /// Forms T = θSᵀS + L D⁻¹ Lᵀ and factors it as JJᵀ (Jᵀ in ``middleFactor``). Returns false when T is
    /// not positive definite.
    func factorMiddle() -> Bool {
        let t = middleFactor, sTy = self.sTy, sTs = self.sTs
        for j in 0..<count { t[0, j] = theta * sTs[0, j] }
        for i in 1..<max(count, 1) {
            for j in i..<count {
                var sum = 0.0
                for k in 0..<i { sum += (sTy[i, k] * sTy[j, k]) / sTy[k, k] }
                t[i, j] = sum + theta * sTs[i, j]
            }
        }
        return choleskyUpper(t, n: count, reciprocals: middleReciprocals)
    }

    /// `p = M v` for 2·count-vectors, with the factorization
    ///
    ///     M⁻¹ = [ D^½      0 ] [ -D^½  D^-½ Lᵀ ]
    ///           [ -L D^-½  J ] [  0    Jᵀ      ],   JJᵀ = T.
    ///
    /// Needs ``factorMiddle()`` after the last ``add(s:y:yTy:sTy:sTs:productsForK:gradient:)``.
    func applyMiddle(_ v: UnsafePointer<Double>, into p: UnsafeMutablePointer<Double>) {
        let col = count, sTy = self.sTy
        if col == 0 { return }
        // [D^½ 0; -L D^-½ J] [p1; p2] = [v1; v2]:  J p2 = v2 + L D⁻¹ v1,  p1 = D^-½ v1.
        p[col] = v[col]
        for i in 1..<col {
            var sum = 0.0
            for k in 0..<i { sum += sTy[i, k] * v[k] / sTy[k, k] }
            p[col + i] = v[col + i] + sum
        }
        solveUpperTransposed(middleFactor, n: col, reciprocals: middleReciprocals, p + col)
        for i in 0..<col { p[i] = v[i] / sTy[i, i].squareRoot() }
        // [-D^½ D^-½Lᵀ; 0 Jᵀ] [p1; p2] = [p1; p2].
        solveUpper(middleFactor, n: col, reciprocals: middleReciprocals, p + col)
        for i in 0..<col { p[i] = -p[i] / sTy[i, i].squareRoot() }
        for i in 0..<col {
            var sum = 0.0
            for k in (i + 1)..<col { sum += sTy[k, i] * p[col + k] / sTy[i, i] }
            p[i] += sum
        }
    }

    /// `q ← H q` with H = B⁻¹, by the two-loop recursion (Nocedal 1980): the quasi-Newton step -Hg in
    /// 4·count·n flops, without the 2m x 2m matrices of the compact form.
    func multiplyByInverse(_ q: UnsafeMutablePointer<Double>) {
        let alpha = scratch
        var k = count - 1
        while k >= 0 {
            let a = (1 / sTy[k, k]) * dot(sColumn(k), q, n)
            alpha[k] = a
            axpy(-a, yColumn(k), q, n)
            k -= 1
        }
        let scale = 1 / theta
        for i in 0..<n { q[i] *= scale }
        for k in 0..<count {
            let b = (1 / sTy[k, k]) * dot(yColumn(k), q, n)
            axpy(alpha[k] - b, sColumn(k), q, n)
        }
    }

    /// `w = (row i of W)ᵀ = [y_i,0 ... y_i,count-1, θs_i,0 ... θs_i,count-1]`.
    func rowOfW(_ i: Int, into w: UnsafeMutablePointer<Double>) {
        for j in 0..<count {
            let p = n &* position(j) &+ i
            w[j] = y[p]
            w[count + j] = theta * s[p]
        }
    }

    /// `p ← p + a·[Y S]ᵢᵀ`: adds a times row i of Y and of S (no θ) to the two halves of p.
    @inline(__always)
    func addRow(_ i: Int, times a: Double, to p: UnsafeMutablePointer<Double>) {
        for j in 0..<count {
            let q = n &* position(j) &+ i
            p[j] += y[q] * a
            p[count + j] += s[q] * a
        }
    }

    /// `ya[j] = y_jᵀv` and `sa[j] = s_jᵀv` for every stored pair, each in the order of ``dot(_:_:_:)``
    /// (so with its bits); one pass over v for every two pairs, whose four sums run side by side.
    func columnProducts(with v: UnsafePointer<Double>, y ya: UnsafeMutablePointer<Double>, s sa: UnsafeMutablePointer<Double>) {
        let blocks = wholeBlocks(n)
        var j = 0
        while j &+ 1 < count {
            let y0 = yColumn(j), s0 = sColumn(j), y1 = yColumn(j &+ 1), s1 = sColumn(j &+ 1)
            var a0 = DotAccumulator(), b0 = DotAccumulator(), a1 = DotAccumulator(), b1 = DotAccumulator()
            var i = 0
            while i < blocks {
                a0.add(y0, v, at: i)
                b0.add(s0, v, at: i)
                a1.add(y1, v, at: i)
                b1.add(s1, v, at: i)
                i &+= 4
            }
            ya[j] = a0.total(y0, v, from: blocks, n)
            sa[j] = b0.total(s0, v, from: blocks, n)
            ya[j &+ 1] = a1.total(y1, v, from: blocks, n)
            sa[j &+ 1] = b1.total(s1, v, from: blocks, n)
            j &+= 2
        }
        if j < count {
            let y0 = yColumn(j), s0 = sColumn(j)
            var a0 = DotAccumulator(), b0 = DotAccumulator()
            var i = 0
            while i < blocks {
                a0.add(y0, v, at: i)
                b0.add(s0, v, at: i)
                i &+= 4
            }
            ya[j] = a0.total(y0, v, from: blocks, n)
            sa[j] = b0.total(s0, v, from: blocks, n)
        }
    }

    /// ``columnProducts(with:y:s:)`` for two vectors in one pass over the columns: `ya[j] = y_jᵀv`,
    /// `sa[j] = s_jᵀv`, `yb[j] = y_jᵀu`, `sb[j] = s_jᵀu`, each with the bits of ``dot(_:_:_:)``.
    func columnProducts(with v: UnsafePointer<Double>, y ya: UnsafeMutablePointer<Double>, s sa: UnsafeMutablePointer<Double>,
                        and u: UnsafePointer<Double>, y yb: UnsafeMutablePointer<Double>, s sb: UnsafeMutablePointer<Double>) {
        let blocks = wholeBlocks(n)
        for j in 0..<count {
            let yj = yColumn(j), sj = sColumn(j)
            var a = DotAccumulator(), b = DotAccumulator(), c = DotAccumulator(), e = DotAccumulator()
            var i = 0
            while i < blocks {
                a.add(yj, v, at: i)
                b.add(sj, v, at: i)
                c.add(yj, u, at: i)
                e.add(sj, u, at: i)
                i &+= 4
            }
            ya[j] = a.total(yj, v, from: blocks, n)
            sa[j] = b.total(sj, v, from: blocks, n)
            yb[j] = c.total(yj, u, from: blocks, n)
            sb[j] = e.total(sj, u, from: blocks, n)
        }
    }

    /// `v ← v + Σ_j (a_j y_j + b_j s_j)`, adding per element in the order y_0, s_0, y_1, s_1, ...
    /// (each element's result is that of one pass per column). One pass over v for every four pairs.
    /// With `negatedStart`, v starts as `-negatedStart` instead of its own contents.
    func addColumns(y a: UnsafePointer<Double>, s b: UnsafePointer<Double>, to v: UnsafeMutablePointer<Double>,
                    negatedStart: UnsafePointer<Double>? = nil) {
        var j = 0
        if let start = negatedStart {
            if count == 0 {
                for i in 0..<n { v[i] = -start[i] }
                return
            }
            j = addGroup(from: 0, y: a, s: b, to: v) { -start[$0] }
        }
        while j < count { j = addGroup(from: j, y: a, s: b, to: v) { v[$0] } }
    }

    /// `v[i] ← first(i) + Σ_{j in the group} (a_j y_j[i] + b_j s_j[i])` for the group of up to four pairs
    /// from `j0`, in one pass; returns the pair after the group. (`first` is a literal closure read once
    /// per element, so that a group that starts from v itself reads and writes the same element.)
    @inline(__always)
    private func addGroup(from j0: Int, y a: UnsafePointer<Double>, s b: UnsafePointer<Double>,
                          to v: UnsafeMutablePointer<Double>, first: (Int) -> Double) -> Int {
        let y0 = yColumn(j0), s0 = sColumn(j0), a0 = a[j0], b0 = b[j0]
        if j0 &+ 3 < count {
            let y1 = yColumn(j0 &+ 1), s1 = sColumn(j0 &+ 1), y2 = yColumn(j0 &+ 2), s2 = sColumn(j0 &+ 2)
            let y3 = yColumn(j0 &+ 3), s3 = sColumn(j0 &+ 3)
            let a1 = a[j0 &+ 1], b1 = b[j0 &+ 1], a2 = a[j0 &+ 2], b2 = b[j0 &+ 2], a3 = a[j0 &+ 3], b3 = b[j0 &+ 3]
            for i in 0..<n {
                let half = ((first(i) + a0 * y0[i]) + b0 * s0[i] + a1 * y1[i]) + b1 * s1[i]
                v[i] = ((half + a2 * y2[i]) + b2 * s2[i] + a3 * y3[i]) + b3 * s3[i]
            }
            return j0 &+ 4
        }
        if j0 &+ 1 < count {
            let y1 = yColumn(j0 &+ 1), s1 = sColumn(j0 &+ 1), a1 = a[j0 &+ 1], b1 = b[j0 &+ 1]
            for i in 0..<n { v[i] = ((first(i) + a0 * y0[i]) + b0 * s0[i] + a1 * y1[i]) + b1 * s1[i] }
            return j0 &+ 2
        }
        for i in 0..<n { v[i] = (first(i) + a0 * y0[i]) + b0 * s0[i] }
        return j0 &+ 1
    }
}
