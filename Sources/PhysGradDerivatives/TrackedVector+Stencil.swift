// Fused three-point stencils: y_i = k(u_{i-1}, u_i, u_{i+1}, i) in one node.

/// What a stencil reads beyond the ends of the vector.
public enum StencilBoundary<Base: PhysGradReal> {
    /// u_{-1} = u_{n-1} and u_n = u_0.
    case periodic
    /// u_{-1} = left and u_n = right, constants (Dirichlet ghost values).
    case fixed(left: Base, right: Base)
}

extension StencilBoundary: Sendable where Base: Sendable {}

/// The three-point stencil kernels shared by the stencil node and stencil time loops
/// (implementation detail, public for inlining): values, reverse and tangent rules on buffers of
/// n >= 1 points, reading `u_{-1}` and `u_n` from the ghosts (for a periodic stencil, `u[n - 1]`
/// and `u[0]`).
@frozen
public struct _StencilRules<K: StencilKernel, Base: PhysGradReal> {
    @usableFromInline let k: K
    @usableFromInline let n: Int
    @usableFromInline let periodic: Bool
    @usableFromInline let fixedLeft: Base, fixedRight: Base

    @inlinable
    init(_ k: K, count n: Int, boundary: StencilBoundary<Base>) {
        self.k = k
        self.n = n
        switch boundary {
        case .periodic: periodic = true; fixedLeft = 0; fixedRight = 0
        case .fixed(let l, let r): periodic = false; fixedLeft = l; fixedRight = r
        }
    }

    /// `out_i = k(u_{i-1}, u_i, u_{i+1}, i)`.
    @inlinable @inline(__always)
    func values(_ u: UnsafePointer<Base>, into out: UnsafeMutablePointer<Base>) {
        if Base.self == DualLanes<SIMD8<Double>>.self { return _laneValues(SIMD8<Double>.self, u, into: out) }
        if Base.self == DualLanes<SIMD16<Double>>.self { return _laneValues(SIMD16<Double>.self, u, into: out) }
        let leftGhost = periodic ? u[n - 1] : fixedLeft, rightGhost = periodic ? u[0] : fixedRight
        if n == 1 {
            out[0] = k(leftGhost, u[0], rightGhost, at: 0)
        } else {
            out[0] = k(leftGhost, u[0], u[1], at: 0)
            for i in 1..<(n - 1) { out[i] = k(u[i - 1], u[i], u[i + 1], at: i) }
            out[n - 1] = k(u[n - 2], u[n - 1], rightGhost, at: n - 1)
        }
    }

    /// ``values(_:into:)`` on ``DualLanes`` elements: each point's value and its three partials
    /// from one evaluation on `_DualTriple<Double>`, then every tangent lane as
    /// `∂k/∂l · t_l + ∂k/∂c · t_c + ∂k/∂r · t_r`. The value is bit for bit the dual evaluation's;
    /// the lanes are the same derivatives with the chain rule applied once per point instead of
    /// once per operation (they agree to rounding), at three products per lane.
    @inlinable @inline(__always)
    func _laneValues<V: SIMD>(_: V.Type, _ u: UnsafePointer<Base>, into out: UnsafeMutablePointer<Base>) where V.Scalar == Double {
        typealias L = DualLanes<V>
        typealias T = _DualTriple<Double>
        let u = UnsafeRawPointer(u).assumingMemoryBound(to: L.self)
        let out = UnsafeMutableRawPointer(out).assumingMemoryBound(to: L.self)
        let leftGhost = periodic ? u[n - 1] : unsafeBitCast(fixedLeft, to: L.self)
        let rightGhost = periodic ? u[0] : unsafeBitCast(fixedRight, to: L.self)
        @inline(__always) func point(_ l: L, _ c: L, _ r: L, _ i: Int) -> L {
            let y = k(T(value: l.value, d0: 1, d1: 0, d2: 0, lanes: 1), T(value: c.value, d0: 0, d1: 1, d2: 0, lanes: 2),
                      T(value: r.value, d0: 0, d1: 0, d2: 1, lanes: 4), at: i)
            return L(value: y.value, tangents: y.d0 * l.tangents + y.d1 * c.tangents + y.d2 * r.tangents)
        }
        if n == 1 {
            out[0] = point(leftGhost, u[0], rightGhost, 0)
        } else {
            out[0] = point(leftGhost, u[0], u[1], 0)
            for i in 1..<(n - 1) { out[i] = point(u[i - 1], u[i], u[i + 1], i) }
            out[n - 1] = point(u[n - 2], u[n - 1], rightGhost, n - 1)
        }
    }

    /// `ū_j = ∂y_{j+1}/∂u_j ȳ_{j+1} + ∂y_j/∂u_j ȳ_j + ∂y_{j-1}/∂u_j ȳ_{j-1}`, assigned into `p`
    /// when `fresh`, else added; `scratch` holds 3n elements. `p` may be `ybar` itself (ȳ is
    /// read completely before p is written).
    @inlinable @inline(__always)
    func pullback(_ u: UnsafePointer<Base>, _ ybar: UnsafePointer<Base>, into p: UnsafeMutablePointer<Base>, fresh: Bool,
                  scratch: UnsafeMutablePointer<Base>) {
        let leftGhost = periodic ? u[n - 1] : fixedLeft, rightGhost = periodic ? u[0] : fixedRight
        @inline(__always) func left(_ i: Int) -> Base { i == 0 ? leftGhost : u[i - 1] }
        @inline(__always) func right(_ i: Int) -> Base { i == n - 1 ? rightGhost : u[i + 1] }
        // Contributions of point i to its left neighbour, itself and its right neighbour.
        let toLeft = scratch, toSelf = scratch + n, toRight = scratch + 2 * n
        @inline(__always) func contribute(_ i: Int, _ l: Base, _ c: Base, _ r: Base) {
            let w = ybar[i]
            let (pl, pc, pr) = k._partials(l, c, r, at: i, mask: 7)
            toLeft[i] = pl * w
            toSelf[i] = pc * w
            toRight[i] = pr * w
        }
        // Interior points without boundary tests (a loop the compiler can unroll and schedule
        // freely), then the two ends.
        if n > 2 { for i in 1..<(n - 1) { contribute(i, u[i - 1], u[i], u[i + 1]) } }
        contribute(0, left(0), u[0], right(0))
        if n > 1 { contribute(n - 1, left(n - 1), u[n - 1], right(n - 1)) }
        // ū_j = toRight[j-1] + toSelf[j] + toLeft[j+1] (ghosts are constants: nothing flows to them).
        @inline(__always) func total(_ j: Int) -> Base {
            let fromLeft: Base = j > 0 ? toRight[j - 1] : (periodic ? toRight[n - 1] : 0)
            let fromRight: Base = j < n - 1 ? toLeft[j + 1] : (periodic ? toLeft[0] : 0)
            return fromLeft + toSelf[j] + fromRight
        }
        if n == 1 {
            let v = total(0)
            if fresh { p[0] = v } else { p[0] += v }
            return
        }
        if fresh {
            p[0] = total(0)
            for j in 1..<(n - 1) { p[j] = toRight[j - 1] + toSelf[j] + toLeft[j + 1] }
            p[n - 1] = total(n - 1)
        } else {
            p[0] += total(0)
            for j in 1..<(n - 1) { p[j] += toRight[j - 1] + toSelf[j] + toLeft[j + 1] }
            p[n - 1] += total(n - 1)
        }
    }

    /// `o_i = ∂y_i/∂u_{i-1} t_{i-1} + ∂y_i/∂u_i t_i + ∂y_i/∂u_{i+1} t_{i+1}` (one dual
    /// evaluation per point; the ghosts' tangents are 0 unless periodic).
    @inlinable @inline(__always)
    func tangent(_ u: UnsafePointer<Base>, _ t: UnsafePointer<Base>, into o: UnsafeMutablePointer<Base>) {
        let leftGhost = periodic ? u[n - 1] : fixedLeft, rightGhost = periodic ? u[0] : fixedRight
        @inline(__always) func left(_ i: Int) -> Base { i == 0 ? leftGhost : u[i - 1] }
        @inline(__always) func right(_ i: Int) -> Base { i == n - 1 ? rightGhost : u[i + 1] }
        @inline(__always) func tl(_ i: Int) -> Base { i == 0 ? (periodic ? t[n - 1] : 0) : t[i - 1] }
        @inline(__always) func tr(_ i: Int) -> Base { i == n - 1 ? (periodic ? t[0] : 0) : t[i + 1] }
        for i in 0..<n {
            o[i] = k(Dual(value: left(i), derivative: tl(i)), Dual(value: u[i], derivative: t[i]),
                     Dual(value: right(i), derivative: tr(i)), at: i).derivative
        }
    }
}

extension TrackedVector {
    /// The three-point stencil `y_i = k(u_{i-1}, u_i, u_{i+1}, i)` with the given ends: one
    /// node that stores only its values. The reverse rule evaluates k's three partials per point
    /// on duals and gathers `ū_j = ∂y_{j+1}/∂u_j ȳ_{j+1} + ∂y_j/∂u_j ȳ_j + ∂y_{j-1}/∂u_j ȳ_{j-1}`;
    /// the tangent rule is one dual evaluation per point.
    @inlinable
    public func stencil<K: StencilKernel>(_ k: K, boundary: StencilBoundary<Base>) -> TrackedVector {
        if !_isWhole { return _contiguous().stencil(k, boundary: boundary) }
        let n = count
        precondition(n >= 1, "TrackedVector.stencil: empty vector")
        let u = values
        let out = tape._allocate(n)
        let rules = _StencilRules(k, count: n, boundary: boundary)
        rules.values(u, into: out)
        let src = node
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: n, values: out) }
        return tape._record(count: n, values: out) { tape, me, sweep in
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                let scratch = tape._allocate(3 * n)
                tape._accumulateAdjoint(src) { p, fresh in rules.pullback(u, ybar, into: p, fresh: fresh, scratch: scratch) }
            case .forward:
                guard let t = tape._tangent(src) else { return }
                rules.tangent(u, t, into: tape._newTangent(me))
            }
        }
    }
}
