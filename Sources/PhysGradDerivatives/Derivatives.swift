// Drivers: values, gradients, Jacobians, Hessians and their products for generic functions.
import PhysGradLinearAlgebra

/// How ``Derivatives/jacobian(of:at:mode:)`` computes a k x n Jacobian.
public enum JacobianMode: Sendable, Hashable {
    /// Forward mode when k >= n (⌈n/8⌉ 8-lane dual evaluations), reverse mode when k < n (one taped
    /// evaluation and k reverse sweeps); one extra `Double` evaluation determines k.
    case automatic
    /// ⌈n/8⌉ evaluations on `DualLanes<SIMD8<Double>>`, eight columns each (the same numbers
    /// as n evaluations on `Dual<Double>`, one column each).
    case forward
    /// One evaluation on a tape, then one reverse sweep per row.
    case reverse
}

/// How ``Derivatives/hessian(of:at:method:)`` computes a dense n x n Hessian.
public enum HessianMethod: Sendable, Hashable {
    /// n Hessian-vector products, each one taped evaluation on `TrackedReal<Dual<Double>>` and
    /// one reverse sweep: O(n · cost(f)). The reference for ``forwardOverReverseLanes``: the two
    /// agree entry for entry.
    case forwardOverReverse
    /// n(n+1)/2 evaluations on `Dual<Dual<Double>>`, one entry each: O(n² · cost(f)).
    /// Independent of the tape; useful for small n and as a cross-check.
    case nestedDuals
    /// Forward-over-reverse with 8 directions per pass, the default: ⌈n/8⌉ taped evaluations
    /// on `TrackedReal<DualLanes<SIMD8<Double>>>` (input j = 8p + k seeded with tangent e_k in
    /// pass p) and one reverse sweep each; lane k of the adjoint of input i is ∂²f/∂x_i∂x_j.
    /// Same O(n · cost(f)) as ``forwardOverReverse``, but the tape, the primal values and the
    /// elementary functions are shared by 8 columns and the chain rule runs on SIMD vectors.
    /// Every lane performs the operations of the one-column pass, so the result is the same,
    /// entry for entry. Per pass the cost is f's own work on 176-byte tracked scalars, the sweep
    /// over 176-byte records (both ∝ 8 lanes) and the n² output: the lanes share the per-column
    /// value, elementary-function and bookkeeping work, not the per-column derivative bytes.
    case forwardOverReverseLanes
}

/// Derivatives of functions written once, generic over ``PhysGradReal``.
///
/// All drivers are exact to rounding (no truncation error), allocate per call only their
/// results and one tape (pass a tape to reuse one), and touch no shared state, so any number of
/// threads may call them at once.
public enum Derivatives {
    // MARK: objectives R^n -> R

    /// f(x) in `Double`.
    @inlinable
    public static func value<F: GenericObjective>(of f: F, at x: [Double]) -> Double { f(x) }

    /// ∇f(x) by reverse mode: one taped evaluation and one reverse sweep.
    @inlinable
    public static func gradient<F: GenericObjective>(of f: F, at x: [Double]) -> [Double] {
        valueAndGradient(of: f, at: x).gradient
    }

    /// f(x) and ∇f(x) by reverse mode, on `tape` (a fresh one if nil; it is reset first).
    @inlinable
    public static func valueAndGradient<F: GenericObjective>(
        of f: F, at x: [Double], tape: ReverseTape<Double>? = nil
    ) -> (value: Double, gradient: [Double]) {
        let tape = tape ?? ReverseTape<Double>(reservingCapacity: 8 * x.count + 64)
        var variables: [TrackedReal<Double>] = []
        var g = [Double](repeating: 0, count: x.count)
        let v = valueAndGradient(of: f, at: x, gradient: &g, tape: tape, variables: &variables)
        return (v, g)
    }

    /// f(x), writing ∇f(x) into `gradient` (resized to n if needed). With a reused `tape` and
    /// `variables` buffer this allocates nothing once warm: the allocation-free path for
    /// optimizers (``AutomaticObjective`` uses it).
    @inlinable
    public static func valueAndGradient<F: GenericObjective>(
        of f: F, at x: [Double], gradient: inout [Double],
        tape: ReverseTape<Double>, variables: inout [TrackedReal<Double>]
    ) -> Double {
        if gradient.count != x.count { gradient = [Double](repeating: 0, count: x.count) }
        return x.withUnsafeBufferPointer { xb in
            gradient.withUnsafeMutableBufferPointer { gb in
                valueAndGradient(of: f, at: xb, gradient: gb, tape: tape, variables: &variables)
            }
        }
    }

    /// f(x), writing ∇f(x) into `gradient` (which must have x.count elements): the form of an
    /// L-BFGS-B objective `(UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> f`.
    /// With a reused `tape` and `variables` buffer it allocates nothing once warm.
    @inlinable
    public static func valueAndGradient<F: GenericObjective>(
        of f: F, at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>,
        tape: ReverseTape<Double>, variables: inout [TrackedReal<Double>]
    ) -> Double {
        precondition(gradient.count == x.count, "valueAndGradient: x has \(x.count) entries, gradient \(gradient.count)")
        tape.reset()
        tape.makeVariables(x, into: &variables)
        let y = withExtendedLifetime(tape) { f(variables) }
        tape.reverseSweep(from: y)
        let adjoints = tape.adjoints
        // Variables were recorded right after reset(): indices 1...n.
        for i in 0..<gradient.count { gradient[i] = adjoints[i + 1] }
        return y.value
    }

    /// ∇f(x) by forward mode: n evaluations on `Dual<Double>` (for cross-checks and tiny n).
    @inlinable
    public static func forwardGradient<F: GenericObjective>(of f: F, at x: [Double]) -> [Double] {
        var xs = x.map { Dual<Double>(constant: $0) }
        var g = [Double](repeating: 0, count: x.count)
        for j in 0..<x.count {
            xs[j].derivative = 1
            g[j] = f(xs).derivative
            xs[j].derivative = 0
        }
        return g
    }

    /// The directional derivative ∇f(x)·v by one forward (dual) evaluation.
    @inlinable
    public static func directionalDerivative<F: GenericObjective>(of f: F, at x: [Double], direction v: [Double]) -> Double {
        precondition(x.count == v.count, "directionalDerivative: x has \(x.count) entries, v has \(v.count)")
        let xs = (0..<x.count).map { Dual<Double>(value: x[$0], derivative: v[$0]) }
        return f(xs).derivative
    }

    /// The Hessian-vector product ∇²f(x)·v by forward-over-reverse: one evaluation on
    /// `TrackedReal<Dual<Double>>` seeded with x + v·ε and one reverse sweep; the ε-parts of the
    /// input adjoints are ∇²f(x)·v. O(cost(f)), independent of n.
    @inlinable
    public static func hessianVectorProduct<F: GenericObjective>(
        of f: F, at x: [Double], direction v: [Double], tape: ReverseTape<Dual<Double>>? = nil
    ) -> [Double] {
        precondition(x.count == v.count, "hessianVectorProduct: x has \(x.count) entries, v has \(v.count)")
        let tape = tape ?? ReverseTape<Dual<Double>>(reservingCapacity: 8 * x.count + 64)
        var variables: [TrackedReal<Dual<Double>>] = []
        var seeds = (0..<x.count).map { Dual<Double>(value: x[$0], derivative: v[$0]) }
        var result = [Double](repeating: 0, count: x.count)
        _ = _hvp(of: f, seeds: &seeds, into: &result, tape: tape, variables: &variables)
        return result
    }

    /// One forward-over-reverse pass from dual seeds; writes ε-parts of input adjoints into
    /// `result`; returns f(x).
    @inlinable
    static func _hvp<F: GenericObjective>(
        of f: F, seeds: inout [Dual<Double>], into result: inout [Double],
        tape: ReverseTape<Dual<Double>>, variables: inout [TrackedReal<Dual<Double>>]
    ) -> Double {
        tape.reset()
        tape.makeVariables(seeds, into: &variables)
        let y = withExtendedLifetime(tape) { f(variables) }
        tape.reverseSweep(from: y)
        let adjoints = tape.adjoints
        result.withUnsafeMutableBufferPointer { r in
            for i in 0..<r.count { r[i] = adjoints[i + 1].derivative }
        }
        return y.value.value
    }

    /// The dense Hessian ∇²f(x) written into `h`, reusing its storage when it is already n x n
    /// (8 columns per forward-over-reverse pass, as ``hessian(of:at:method:)``'s default): for
    /// Newton-type loops that would otherwise allocate, and fault in, n² fresh doubles per step.
    @inlinable
    public static func hessian<F: GenericObjective>(of f: F, at x: [Double], into h: inout Matrix) {
        let n = x.count
        if h.rows != n || h.columns != n { h = Matrix(rows: n, columns: n) }
        h.withUnsafeMutableBufferPointer { buffer in
            _hessianLanes(of: f, at: x, lanes: SIMD8<Double>.self, into: buffer)
        }
    }

    /// The dense Hessian ∇²f(x) (n x n, symmetric: the forward-over-reverse result is
    /// symmetrized as (H + Hᵀ)/2, which only moves rounding errors). Default method:
    /// ``HessianMethod/forwardOverReverseLanes`` (8 columns per pass).
    @inlinable
    public static func hessian<F: GenericObjective>(
        of f: F, at x: [Double], method: HessianMethod = .forwardOverReverseLanes
    ) -> Matrix {
        let n = x.count
        if method == .forwardOverReverseLanes {
            // Every entry is written by _hessianLanes: no zero fill of the n² doubles.
            let h = [Double](unsafeUninitializedCapacity: n * n) { buffer, count in
                _hessianLanes(of: f, at: x, lanes: SIMD8<Double>.self, into: buffer)
                count = n * n
            }
            return Matrix(rows: n, columns: n, columnMajor: h)
        }
        var h = [Double](repeating: 0, count: n * n)
        switch method {
        case .forwardOverReverse:
            let tape = ReverseTape<Dual<Double>>(reservingCapacity: 8 * n + 64)
            var variables: [TrackedReal<Dual<Double>>] = []
            var seeds = x.map { Dual<Double>(constant: $0) }
            var column = [Double](repeating: 0, count: n)
            for j in 0..<n {
                seeds[j].derivative = 1
                _ = _hvp(of: f, seeds: &seeds, into: &column, tape: tape, variables: &variables)
                seeds[j].derivative = 0
                h.withUnsafeMutableBufferPointer { hb in
                    for i in 0..<n { hb[i + j * n] = column[i] }
                }
            }
            h.withUnsafeMutableBufferPointer { hb in
                for j in 0..<n {
                    for i in 0..<j {
                        let s = 0.5 * (hb[i + j * n] + hb[j + i * n])
                        hb[i + j * n] = s
                        hb[j + i * n] = s
                    }
                }
            }
        case .forwardOverReverseLanes:
            preconditionFailure("handled above")
        case .nestedDuals:
            var xs = x.map { Dual<Dual<Double>>(constant: Dual(constant: $0)) }
            for i in 0..<n {
                xs[i].value.derivative = 1
                for j in i..<n {
                    xs[j].derivative.value = 1
                    let hij = f(xs).derivative.derivative
                    xs[j].derivative.value = 0
                    h[i + j * n] = hij
                    h[j + i * n] = hij
                }
                xs[i].value.derivative = 0
            }
        }
        return Matrix(rows: n, columns: n, columnMajor: h)
    }

    /// Forward-over-reverse Hessian, K = `Lanes.scalarCount` columns per pass: in pass p, input
    /// j = pK + k carries tangent e_k (all other inputs zero tangents), so after the reverse
    /// sweep lane k of the adjoint of input i is ∂²f/∂x_i∂x_j. Writes the symmetrized
    /// (H + Hᵀ)/2 column-major into `h` (n² entries, which may be uninitialized: each is
    /// written exactly once per pass that owns it).
    ///
    /// The symmetrization runs per group of columns G = [g0, g1) (about 64: 8 passes) as soon
    /// as they are all raw: against every earlier column (rows i < g0, whose raw entries
    /// H[G, i] are one contiguous run of column i) and inside the group. Each pair i < j gets
    /// 0.5·(H[i,j] + H[j,i]), the operands of the one-column method, so the result is identical;
    /// a whole-matrix transposed sweep at the end (or one per pass) would visit one cache line
    /// and one page per entry.
    @inlinable
    static func _hessianLanes<F: GenericObjective, Lanes: SIMD>(
        of f: F, at x: [Double], lanes: Lanes.Type, into h: UnsafeMutableBufferPointer<Double>
    ) where Lanes.Scalar == Double {
        typealias Scalar = DualLanes<Lanes>
        let n = x.count
        let k = Lanes.scalarCount
        precondition(h.count == n * n, "hessian: output has \(h.count) entries, expected \(n * n)")
        guard n > 0, let hp = h.baseAddress else { return }
        let tape = ReverseTape<Scalar>(reservingCapacity: 8 * n + 64)
        // Inputs 1...n are recorded once; each pass only swaps in the seeded values of its own
        // block (and clears the previous block), then records f's operations after them.
        var variables: [TrackedReal<Scalar>] = []
        tape.makeVariables(x.map { Scalar(constant: $0) }, into: &variables)
        let header = tape.header
        tape.prepareAdjoints(upTo: tape.count)
        func seed(_ start: Int, _ width: Int, _ on: Bool) {
            for l in 0..<width {
                var t = Lanes()
                if on { t[l] = 1 }
                variables[start + l] = TrackedReal(value: Scalar(value: x[start + l], tangents: t),
                                                   index: Int32(truncatingIfNeeded: start + l + 1), tape: header)
            }
        }
        // Columns are symmetrized in groups of ~64 (whole passes), once all of a group is raw.
        let groupWidth = Swift.max(k, (64 / k) * k)
        var groupStart = 0
        var start = 0
        while start < n {
            let width = Swift.min(k, n - start)
            let end = start + width
            seed(start, width, true)
            tape._resetKeepingLeadingInputs()
            let y = withExtendedLifetime(tape) { f(variables) }
            // All adjoints are zero here (zeroed once below, then cleared by each sweep and by
            // the extraction), so the sweep needs no zero fill of the whole tape.
            tape._reverseSweepOnClearedAdjoints(from: y)
            seed(start, width, false)
            // Inputs were recorded right after reset(): indices 1...n. Lane l of the adjoint of
            // input i is the raw H[i, start + l]; stored raw, symmetrized per group below, and the
            // adjoint is cleared for the next pass.
            let adjoint = tape.adjoints + 1
            let columns = hp + start * n  // column start + l begins at columns + l·n
            if width == k {
                for i in 0..<n {
                    let t = adjoint[i].tangents
                    adjoint[i] = 0
                    for l in 0..<k { columns[i + l * n] = t[l] }
                }
            } else {
                for l in 0..<width {
                    for i in 0..<n { columns[i + l * n] = adjoint[i].tangents[l] }
                }
                for i in 0..<n { adjoint[i] = 0 }
            }
            if end - groupStart >= groupWidth || end == n {
                _symmetrizeColumns(groupStart..<end, of: hp, n: n)
                groupStart = end
            }
            start = end
        }
    }

    /// Symmetrizes the raw columns `group` of the n x n column-major `h` against all earlier
    /// columns and within the group: h[i,j] = h[j,i] = 0.5·(h[i,j] + h[j,i]) for i < j,
    /// j ∈ group. For fixed i the entries h[j, i], j ∈ group, are contiguous; the group's
    /// columns are walked in step, so every cache line is used for 8 consecutive i.
    @inlinable
    static func _symmetrizeColumns(_ group: Range<Int>, of h: UnsafeMutablePointer<Double>, n: Int) {
        for i in 0..<group.upperBound {
            let row = h + i * n  // column i: h[j + i·n] = H[j, i]
            for j in Swift.max(group.lowerBound, i + 1)..<group.upperBound {
                let s = 0.5 * (h[i + j * n] + row[j])
                h[i + j * n] = s
                row[j] = s
            }
        }
    }

    // MARK: models R^n -> R^k

    /// y(x) in `Double`.
    @inlinable
    public static func value<M: GenericModel>(of model: M, at x: [Double]) -> [Double] { model(x) }

    /// The Jacobian-vector product J(x)·v by one evaluation on `Dual<Double>`; also returns y(x).
    @inlinable
    public static func jacobianVectorProduct<M: GenericModel>(
        of model: M, at x: [Double], direction v: [Double]
    ) -> (value: [Double], product: [Double]) {
        precondition(x.count == v.count, "jacobianVectorProduct: x has \(x.count) entries, v has \(v.count)")
        let xs = (0..<x.count).map { Dual<Double>(value: x[$0], derivative: v[$0]) }
        let ys = model(xs)
        return (ys.map(\.value), ys.map(\.derivative))
    }

    /// The vector-Jacobian product J(x)ᵀ·w by one taped evaluation and one reverse sweep;
    /// also returns y(x).
    @inlinable
    public static func vectorJacobianProduct<M: GenericModel>(
        of model: M, at x: [Double], cotangent w: [Double], tape: ReverseTape<Double>? = nil
    ) -> (value: [Double], product: [Double]) {
        let tape = tape ?? ReverseTape<Double>(reservingCapacity: 8 * x.count + 64)
        tape.reset()
        let xs = tape.variables(x)
        let ys = withExtendedLifetime(tape) { model(xs) }
        precondition(ys.count == w.count, "vectorJacobianProduct: model has \(ys.count) outputs, cotangent has \(w.count)")
        tape.reverseSweep(from: ys, seeds: w)
        return (ys.map(\.value), xs.map { tape.adjoint(of: $0) })
    }

    /// The k x n Jacobian J(x) of y = model(x).
    @inlinable
    public static func jacobian<M: GenericModel>(of model: M, at x: [Double], mode: JacobianMode = .automatic) -> Matrix {
        let n = x.count
        var useForward: Bool
        switch mode {
        case .forward: useForward = true
        case .reverse: useForward = false
        case .automatic: useForward = model(x).count >= n
        }
        if useForward {
            // 8 columns per evaluation: input c = 8p + l carries tangent e_l in evaluation p, and
            // lane l of output r is J[r, c] (each lane repeats the Dual<Double> operations).
            typealias Lanes = SIMD8<Double>
            var xs = x.map { DualLanes<Lanes>(constant: $0) }
            var k = -1
            var j = [Double]()
            var start = 0
            while start < n {
                let width = Swift.min(Lanes.scalarCount, n - start)
                for l in 0..<width { xs[start + l].tangents[l] = 1 }
                let ys = model(xs)
                for l in 0..<width { xs[start + l].tangents[l] = 0 }
                if k < 0 {
                    k = ys.count
                    j = [Double](repeating: 0, count: k * n)
                }
                precondition(ys.count == k, "jacobian: the model's output count changed between evaluations")
                j.withUnsafeMutableBufferPointer { jb in
                    for r in 0..<k {
                        let t = ys[r].tangents
                        for l in 0..<width { jb[r + (start + l) * k] = t[l] }
                    }
                }
                start += width
            }
            if k < 0 { k = model(x).count; j = [Double](repeating: 0, count: 0) }
            return Matrix(rows: k, columns: n, columnMajor: j)
        } else {
            let tape = ReverseTape<Double>(reservingCapacity: 8 * n + 64)
            let xs = tape.variables(x)
            let ys = withExtendedLifetime(tape) { model(xs) }
            let k = ys.count
            var j = [Double](repeating: 0, count: k * n)
            for r in 0..<k {
                tape.reverseSweep(from: ys[r])
                for c in 0..<n { j[r + c * k] = tape.adjoint(of: xs[c]) }
            }
            return Matrix(rows: k, columns: n, columnMajor: j)
        }
    }
}
