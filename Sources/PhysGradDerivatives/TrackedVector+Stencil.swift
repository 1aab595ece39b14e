// Fused three-point stencils: y_i = k(u_{i-1}, u_i, u_{i+1}, i) in one node.

/// What a stencil reads beyond the ends of the vector.
public enum StencilBoundary<Base: PhysGradReal> {
    /// u_{-1} = u_{n-1} and u_n = u_0.
    case periodic
    /// u_{-1} = left and u_n = right, constants (Dirichlet ghost values).
    case fixed(left: Base, right: Base)
}

extension StencilBoundary: Sendable where Base: Sendable {}

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
        let periodic: Bool
        let leftGhost: Base, rightGhost: Base
        switch boundary {
        case .periodic: periodic = true; leftGhost = u[n - 1]; rightGhost = u[0]
        case .fixed(let l, let r): periodic = false; leftGhost = l; rightGhost = r
        }
        if n == 1 {
            out[0] = k(leftGhost, u[0], rightGhost, at: 0)
        } else {
            out[0] = k(leftGhost, u[0], u[1], at: 0)
            for i in 1..<(n - 1) { out[i] = k(u[i - 1], u[i], u[i + 1], at: i) }
            out[n - 1] = k(u[n - 2], u[n - 1], rightGhost, at: n - 1)
        }
        let src = node
        guard tape.isRecording, src >= 0 else { return TrackedVector(tape: tape, node: -1, count: n, values: out) }
        return tape._record(count: n, values: out) { tape, me, sweep in
            @inline(__always) func left(_ i: Int) -> Base { i == 0 ? (periodic ? u[n - 1] : leftGhost) : u[i - 1] }
            @inline(__always) func right(_ i: Int) -> Base { i == n - 1 ? (periodic ? u[0] : rightGhost) : u[i + 1] }
            switch sweep {
            case .reverse:
                let ybar = tape._adjoint(me)!
                // Contributions of point i to its left neighbour, itself and its right neighbour.
                let toLeft = tape._allocate(n), toSelf = tape._allocate(n), toRight = tape._allocate(n)
                @inline(__always) func contribute(_ i: Int, _ l: Base, _ c: Base, _ r: Base) {
                    let w = ybar[i]
                    let (pl, pc, pr) = k._partials(l, c, r, at: i, mask: 7)
                    toLeft[i] = pl * w
                    toSelf[i] = pc * w
                    toRight[i] = pr * w
                }
                // Interior points without boundary tests (a loop the compiler can unroll and
                // schedule freely), then the two ends.
                if n > 2 { for i in 1..<(n - 1) { contribute(i, u[i - 1], u[i], u[i + 1]) } }
                contribute(0, left(0), u[0], right(0))
                if n > 1 { contribute(n - 1, left(n - 1), u[n - 1], right(n - 1)) }
                // ū_j = toRight[j-1] + toSelf[j] + toLeft[j+1] (ghosts are constants: nothing flows to them).
                tape._accumulateAdjoint(src) { p, fresh in
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
            case .forward:
                guard let t = tape._tangent(src) else { return }
                let o = tape._newTangent(me)
                @inline(__always) func tl(_ i: Int) -> Base { i == 0 ? (periodic ? t[n - 1] : 0) : t[i - 1] }
                @inline(__always) func tr(_ i: Int) -> Base { i == n - 1 ? (periodic ? t[0] : 0) : t[i + 1] }
                for i in 0..<n {
                    o[i] = k(Dual(value: left(i), derivative: tl(i)), Dual(value: u[i], derivative: t[i]),
                             Dual(value: right(i), derivative: tr(i)), at: i).derivative
                }
            }
        }
    }
}
