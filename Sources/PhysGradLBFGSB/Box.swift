/// Which bounds a variable has.
enum BoundKind: UInt8, Sendable {
    case none, lower, upper, both

    @inline(__always) var hasLower: Bool { self == .lower || self == .both }
    @inline(__always) var hasUpper: Bool { self == .upper || self == .both }
}

/// The feasible set `lower <= x <= upper` of an L-BFGS-B problem: per variable a ``BoundKind`` and the
/// bounds it has. Immutable once made, and shared by a solver and all its runs.
struct Box: @unchecked Sendable {
    let dimension: Int
    /// `lower[i]`, meaningful where `kinds[i].hasLower` (without any lower bound: one stand-in element).
    let lower: UnsafePointer<Double>
    /// `upper[i]`, meaningful where `kinds[i].hasUpper`.
    let upper: UnsafePointer<Double>
    let kinds: UnsafePointer<BoundKind>
    /// Some variable has a bound (the problem is constrained).
    let hasBounds: Bool
    /// Every variable has both bounds.
    let isBoxed: Bool
    let hasLowerBounds: Bool
    let hasUpperBounds: Bool
    /// Variables with `lower < upper` (the others are fixed): the evaluations a forward-difference
    /// gradient costs, less one.
    let movableCount: Int
    private let memory: MemoryBlock

    /// A box from validated bounds (`nil`, `-infinity` or `+infinity` for none).
    init(dimension n: Int, lower: [Double]?, upper: [Double]?) {
        let lo = lower ?? [], up = upper ?? []
        let anyLower = lo.contains { $0 > -.infinity }, anyUpper = up.contains { $0 < .infinity }
        let lowerCount = anyLower ? n : 1, upperCount = anyUpper ? n : 1
        memory = MemoryBlock(byteCount: 8 * (lowerCount + upperCount) + n)
        var carver = MemoryCarver(memory.base)
        let l = carver.take(lowerCount, of: Double.self), u = carver.take(upperCount, of: Double.self)
        let k = carver.take(n, of: BoundKind.self)
        if anyLower { for i in 0..<n { l[i] = lo[i] } } else { l[0] = -.infinity }
        if anyUpper { for i in 0..<n { u[i] = up[i] } } else { u[0] = .infinity }
        var boxed = true, movable = 0
        for i in 0..<n {
            let hasLower = anyLower && lo[i] > -.infinity, hasUpper = anyUpper && up[i] < .infinity
            k[i] = hasLower ? (hasUpper ? .both : .lower) : (hasUpper ? .upper : .none)
            if k[i] != .both { boxed = false }
            if !(k[i] == .both && lo[i] == up[i]) { movable += 1 }
        }
        dimension = n
        self.lower = UnsafePointer(l)
        self.upper = UnsafePointer(u)
        kinds = UnsafePointer(k)
        hasBounds = anyLower || anyUpper
        isBoxed = boxed
        hasLowerBounds = anyLower
        hasUpperBounds = anyUpper
        movableCount = movable
    }

    /// The lower bound of variable i (`-infinity` for none).
    func lowerBound(_ i: Int) -> Double { kinds[i].hasLower ? lower[i] : -.infinity }
    /// The upper bound of variable i (`+infinity` for none).
    func upperBound(_ i: Int) -> Double { kinds[i].hasUpper ? upper[i] : .infinity }

    /// `v` projected onto `[lower_i, upper_i]`.
    @inline(__always)
    func project(_ v: Double, _ i: Int) -> Double {
        let kind = kinds[i]
        var w = v
        if kind.hasLower { w = max(w, lower[i]) }
        if kind.hasUpper { w = min(w, upper[i]) }
        return w
    }

    /// The longest step `α <= step` such that `p_i + α d_i` stays within the bounds of variable i
    /// (0 when p_i already lies on the bound that d_i points at).
    @inline(__always)
    func limitStep(_ step: Double, _ i: Int, direction di: Double, from pi: Double) -> Double {
        let kind = kinds[i]
        if di < 0 && kind.hasLower {
            let room = lower[i] - pi
            if room >= 0 { return 0 }
            if di * step < room { return room / di }
        } else if di > 0 && kind.hasUpper {
            let room = upper[i] - pi
            if room <= 0 { return 0 }
            if di * step > room { return room / di }
        }
        return step
    }

    /// The projected-gradient norm `max_i |P(x - g)_i - x_i|` (P the projection onto the box); NaN if g
    /// holds a NaN.
    func projectedGradientNorm(x: UnsafePointer<Double>, g: UnsafePointer<Double>) -> Double {
        if !hasBounds { return maximumMagnitude(g, dimension) }
        var norm = 0.0
        for i in 0..<dimension {
            var gi = g[i]
            if gi.isNaN { return gi }
            let kind = kinds[i]
            if gi < 0 {
                if kind.hasUpper { gi = max(x[i] - upper[i], gi) }
            } else {
                if kind.hasLower { gi = min(x[i] - lower[i], gi) }
            }
            norm = max(norm, abs(gi))
        }
        return norm
    }

    /// The status of every variable before the first Cauchy search: unbounded, fixed (`lower = upper`)
    /// or free.
    func initialStatus(into status: UnsafeMutablePointer<VariableStatus>) {
        if !hasBounds {
            status.update(repeating: .unbounded, count: dimension)
            return
        }
        for i in 0..<dimension {
            switch kinds[i] {
            case .none: status[i] = .unbounded
            case .both where upper[i] - lower[i] <= 0: status[i] = .fixed
            default: status[i] = .free
            }
        }
    }
}
