import PhysGradDerivatives

/// The controlled chain of coupled linear oscillators of the book's half-inverse-gradient example
/// ("Coupled Oscillators with Half-Inverse Gradients"): `N` masses with positions `x` and
/// velocities `v`, state `s = [x_1 ... x_N, v_1 ... v_N]`,
///
///     dx/dt = v,   dv/dt = -x + κ Lap x + u(t) e_N,
///
/// with `Lap` the chain's Laplacian with zero-flux ends (`-2` on the diagonal, `1` beside it,
/// `-1` in the two corners; `[[-1, 1], [1, -1]]` for two masses), coupling `κ` and the control
/// force `u` acting on the last mass. Integrated with ``steps`` classical Runge-Kutta steps of
/// ``dt``, the control constant within each step: one control value per step, so
/// `P(s_0, u) = s_T` maps a start (the condition) and ``steps`` controls to the final state.
/// The book's setting is `N = 2`, `κ = 0.2`, 24 steps of 0.5.
///
/// The model is affine in `(s_0, u)`, so the pullback and the Jacobian with respect to `u` are
/// one reverse sweep through the Runge-Kutta stages (the Jacobian sweeps its `2N` rows at once);
/// they do not depend on the point. Batches run eight samples side by side in the lanes of
/// `SIMD8<Double>` (the same operations per lane as one sample alone, so the same bits).
/// ``ControlModel`` is the same simulation written generically, for the derivatives module.
public struct CoupledOscillators: TrainingPhysics, Hashable {
    /// N.
    public let masses: Int
    /// Runge-Kutta steps (= controls per sample).
    public let steps: Int
    /// The step length.
    public let dt: Double
    /// κ.
    public let coupling: Double

    /// The largest chain and the most steps accepted.
    public static let maximumMasses = 1_000
    public static let maximumSteps = 100_000

    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)`` for sizes outside
    ///   `1 ... maximumMasses`, `1 ... maximumSteps`, or a non-finite or non-positive `dt`.
    public init(masses: Int = 2, steps: Int = 24, dt: Double = 0.5, coupling: Double = 0.2) throws(TrainingError) {
        guard (1...Self.maximumMasses).contains(masses) else {
            throw .invalidSetting(name: "masses", value: "\(masses)", reason: "must be in 1 ... \(Self.maximumMasses)")
        }
        guard (1...Self.maximumSteps).contains(steps) else {
            throw .invalidSetting(name: "steps", value: "\(steps)", reason: "must be in 1 ... \(Self.maximumSteps)")
        }
        guard dt.isFinite && dt > 0 else { throw .invalidSetting(name: "dt", value: "\(dt)", reason: "must be finite and positive") }
        guard coupling.isFinite else { throw .invalidSetting(name: "coupling", value: "\(coupling)", reason: "must be finite") }
        self.masses = masses
        self.steps = steps
        self.dt = dt
        self.coupling = coupling
    }

    /// The book's two masses, 24 steps of 0.5, coupling 0.2.
    public static let book = try! CoupledOscillators()

    public var name: String { "oscillators" }
    public var controlCount: Int { steps }
    public var outputCount: Int { 2 * masses }
    public var conditionCount: Int { 2 * masses }

    /// Samples integrated side by side, one per SIMD lane.
    typealias Lanes = SIMD8<Double>

    /// `k = A s + u e`: velocities, then forces `-x + κ Lap x` (plus `u` on the last mass).
    @inline(__always)
    func rates(_ s: UnsafePointer<Lanes>, _ u: Lanes, _ k: UnsafeMutablePointer<Lanes>) {
        let n = masses
        for i in 0..<n { k[i] = s[n + i] }
        forces(s, k + n)
        k[2 * n - 1] += u
    }

    /// `f = -x + κ Lap x` for positions `x` (N lanes-vectors).
    @inline(__always)
    func forces(_ x: UnsafePointer<Lanes>, _ f: UnsafeMutablePointer<Lanes>) {
        let n = masses
        if n == 1 { f[0] = -x[0]; return }
        let kappa = Lanes(repeating: coupling)
        f[0] = -x[0] + kappa * (x[1] - x[0])
        for i in 1..<(n - 1) { f[i] = -x[i] + kappa * ((x[i - 1] - x[i]) + (x[i + 1] - x[i])) }
        f[n - 1] = -x[n - 1] + kappa * (x[n - 2] - x[n - 1])
    }

    /// `Aᵀ k̄`: positions get `(-I + κ Lap)ᵀ k̄_v` (Lap is symmetric), velocities get `k̄_x`.
    @inline(__always)
    func transposedRates(_ kBar: UnsafePointer<Lanes>, _ out: UnsafeMutablePointer<Lanes>) {
        let n = masses
        forces(kBar + n, out)
        for i in 0..<n { out[n + i] = kBar[i] }
    }

    public func evaluate(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                         outputs: UnsafeMutableBufferPointer<Double>) {
        let m = 2 * masses, lanes = Lanes.scalarCount, h = Lanes(repeating: dt), half = Lanes(repeating: 0.5 * dt)
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 6 * m) { work in
            let s = work.baseAddress!, k1 = s + m, k2 = k1 + m, k3 = k2 + m, k4 = k3 + m, stage = k4 + m
            for start in stride(from: 0, to: count, by: lanes) {
                let width = Swift.min(lanes, count - start)
                for j in 0..<m {
                    var v = Lanes()
                    for l in 0..<width { v[l] = conditions[(start + l) * m + j] }
                    s[j] = v
                }
                for t in 0..<steps {
                    var u = Lanes()
                    for l in 0..<width { u[l] = controls[(start + l) * steps + t] }
                    rates(s, u, k1)
                    for i in 0..<m { stage[i] = s[i] + half * k1[i] }
                    rates(stage, u, k2)
                    for i in 0..<m { stage[i] = s[i] + half * k2[i] }
                    rates(stage, u, k3)
                    for i in 0..<m { stage[i] = s[i] + h * k3[i] }
                    rates(stage, u, k4)
                    for i in 0..<m { s[i] += h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6 }
                }
                for j in 0..<m {
                    for l in 0..<width { outputs[(start + l) * m + j] = s[j][l] }
                }
            }
        }
    }

    /// The reverse sweep for one group of samples (one per lane) and `columns` cotangents each:
    /// `sBar` holds `2N × columns` lane-vectors (column j the cotangent of the final state), and
    /// on return the cotangent of the start; `uBar(t, j)` receives control t's cotangent for
    /// column j.
    ///
    /// One step `s' = s + h/6 (k1 + 2 k2 + 2 k3 + k4)`, `k_i = A s_i + u e` with
    /// `s_1 = s, s_2 = s + h/2 k1, s_3 = s + h/2 k2, s_4 = s + h k3`, reversed: `k̄4 = k̄1 = h/6 s̄'`,
    /// `k̄2 = k̄3 = h/3 s̄'`, then from the last stage down `s̄_i = Aᵀ k̄_i`, `ū += eᵀ k̄_i`, and
    /// `s̄ += s̄_i`, `k̄_{i-1} += c_i s̄_i` (c = h, h/2, h/2). The model is affine, so the sweep needs
    /// no stored trajectory.
    @inline(__always)
    func reverseSweep(_ sBar: UnsafeMutablePointer<Lanes>, columns: Int, uBar: (Int, Int, Lanes) -> Void) {
        let n = masses, m = 2 * n
        let h = Lanes(repeating: dt), half = Lanes(repeating: 0.5 * dt)
        let sixth = Lanes(repeating: dt / 6), third = Lanes(repeating: dt / 3)
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 5 * m) { work in
            let kb1 = work.baseAddress!, kb2 = kb1 + m, kb3 = kb2 + m, kb4 = kb3 + m, st = kb4 + m
            for t in stride(from: steps - 1, through: 0, by: -1) {
                for j in 0..<columns {
                    let sb = sBar + j * m
                    for i in 0..<m {
                        kb4[i] = sixth * sb[i]
                        kb1[i] = kb4[i]
                        kb2[i] = third * sb[i]
                        kb3[i] = kb2[i]
                    }
                    var ub = Lanes()
                    // Stage 4 (s_4 = s + h k3), 3 (s_3 = s + h/2 k2), 2 (s_2 = s + h/2 k1), 1 (s).
                    transposedRates(kb4, st); ub += kb4[m - 1]
                    for i in 0..<m { sb[i] += st[i]; kb3[i] += h * st[i] }
                    transposedRates(kb3, st); ub += kb3[m - 1]
                    for i in 0..<m { sb[i] += st[i]; kb2[i] += half * st[i] }
                    transposedRates(kb2, st); ub += kb2[m - 1]
                    for i in 0..<m { sb[i] += st[i]; kb1[i] += half * st[i] }
                    transposedRates(kb1, st); ub += kb1[m - 1]
                    for i in 0..<m { sb[i] += st[i] }
                    uBar(t, j, ub)
                }
            }
        }
    }

    public func pullback(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>,
                         cotangents: UnsafeBufferPointer<Double>, count: Int,
                         into controlCotangents: UnsafeMutableBufferPointer<Double>) {
        let m = 2 * masses, lanes = Lanes.scalarCount, steps = self.steps
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: m) { sBar in
            let sb = sBar.baseAddress!
            for start in stride(from: 0, to: count, by: lanes) {
                let width = Swift.min(lanes, count - start)
                for j in 0..<m {
                    var v = Lanes()
                    for l in 0..<width { v[l] = cotangents[(start + l) * m + j] }
                    sb[j] = v
                }
                reverseSweep(sb, columns: 1) { t, _, ub in
                    for l in 0..<width { controlCotangents[(start + l) * steps + t] = ub[l] }
                }
            }
        }
    }

    /// The `2N × 2N` adjoint seeds of the batch Jacobian's sweep and its stages, on
    /// `Lanes.scalarCount` samples at once: `8 · 8 · ((2N)² + 10N)` bytes (256 MB at 1000 masses).
    public var jacobianScratchBytes: Double {
        let m = Double(2 * masses)
        return Double(MemoryLayout<Lanes>.stride) * (m * m + 5 * m)
    }

    public func jacobian(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                         into jacobians: UnsafeMutableBufferPointer<Double>) {
        // Row r of J is the pullback of e_r: all m rows in one sweep; ū(t, r) = J[r, t], at
        // r + t m in the sample's column-major m × T block.
        let m = 2 * masses, lanes = Lanes.scalarCount, block = m * steps
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: m * m) { sBar in
            let sb = sBar.baseAddress!
            for start in stride(from: 0, to: count, by: lanes) {
                let width = Swift.min(lanes, count - start)
                for e in 0..<(m * m) { sb[e] = Lanes() }
                for r in 0..<m { sb[r * m + r] = Lanes(repeating: 1) }
                reverseSweep(sb, columns: m) { t, r, ub in
                    for l in 0..<width { jacobians[(start + l) * block + r + t * m] = ub[l] }
                }
            }
        }
    }

    public func evaluate(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         output: UnsafeMutableBufferPointer<Double>) {
        evaluate(conditions: condition, controls: control, count: 1, outputs: output)
    }

    public func pullback(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         cotangent: UnsafeBufferPointer<Double>, into controlCotangent: UnsafeMutableBufferPointer<Double>) {
        pullback(conditions: condition, controls: control, cotangents: cotangent, count: 1, into: controlCotangent)
    }

    public func jacobian(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         into jacobian: UnsafeMutableBufferPointer<Double>) {
        self.jacobian(conditions: condition, controls: control, count: 1, into: jacobian)
    }

    /// The linear model has no curvature.
    public var providesCurvature: Bool { true }

    public func curvature(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                          residual: UnsafeBufferPointer<Double>, into curvature: UnsafeMutableBufferPointer<Double>) {
        curvature.update(repeating: 0)
    }

    /// `P(s_0, u)` for one start and ``steps`` controls (arrays).
    ///
    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)`` when the start does not have
    ///   `2 · masses` entries or the controls not ``steps``.
    public func finalState(start: [Double], controls: [Double]) throws(TrainingError) -> [Double] {
        guard start.count == 2 * masses else {
            throw .invalidSetting(name: "start", value: "\(start.count) entries", reason: "the state of \(masses) masses has \(2 * masses)")
        }
        guard controls.count == steps else {
            throw .invalidSetting(name: "controls", value: "\(controls.count) entries", reason: "one per time step: \(steps)")
        }
        var y = [Double](repeating: 0, count: 2 * masses)
        start.withUnsafeBufferPointer { c in
            controls.withUnsafeBufferPointer { u in
                y.withUnsafeMutableBufferPointer { evaluate(condition: c, control: u, output: $0) }
            }
        }
        return y
    }

    /// The simulation as a generic model of the controls at a fixed start (for the derivatives
    /// module: `Derivatives.jacobian(of: physics.controlModel(start: s0), at: u)`).
    public func controlModel(start: [Double]) -> ControlModel { ControlModel(physics: self, start: start) }

    /// u ↦ P(s_0, u) for a fixed start, written once for every scalar type.
    public struct ControlModel: GenericModel, Sendable {
        public var physics: CoupledOscillators
        public var start: [Double]

        public func callAsFunction<T: PhysGradReal>(_ u: [T]) -> [T] {
            let n = physics.masses, m = 2 * n
            let h = T(physics.dt), kappa = T(physics.coupling)
            func rates(_ s: [T], _ control: T) -> [T] {
                var k = [T](repeating: 0, count: m)
                for i in 0..<n {
                    k[i] = s[n + i]
                    var f = -s[i]
                    if n > 1 {
                        if i > 0 { f += kappa * (s[i - 1] - s[i]) }
                        if i < n - 1 { f += kappa * (s[i + 1] - s[i]) }
                    }
                    k[n + i] = f
                }
                k[m - 1] += control
                return k
            }
            var s = start.map { T($0) }
            for t in 0..<physics.steps {
                let k1 = rates(s, u[t])
                let k2 = rates((0..<m).map { s[$0] + T(0.5) * h * k1[$0] }, u[t])
                let k3 = rates((0..<m).map { s[$0] + T(0.5) * h * k2[$0] }, u[t])
                let k4 = rates((0..<m).map { s[$0] + h * k3[$0] }, u[t])
                for i in 0..<m { s[i] += h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6 }
            }
            return s
        }
    }
}
