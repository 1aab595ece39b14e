import PhysGradLBFGSB

/// The chapter's own arithmetic, replayed operation for operation in the precisions its code
/// used, so that the tool's transcript prints the chapter's digits.
///
/// The chapter runs JAX with its default float32 arrays: GD, Newton and PG iterate in float32,
/// and JAX's derivatives evaluate in a fixed order (for L = y0² + y1², y1 = x1·x1, the gradient's
/// second entry is `2y1·x1 + 2y1·x1`, the Hessian's is `t + t` with `t = 2(x1 + x1)·x1 + 2y1`).
/// Its numerical inverse runs SciPy's L-BFGS-B in float64 towards float32 y-space targets (the
/// JAX step), from the float64 iterate SciPy returned. The replay does exactly that (the inverse
/// through `PhysGradLBFGSB` with finite differences, unbounded, as the chapter's
/// `fmin_l_bfgs_b(approx_grad=True)`), which reproduces every printed digit of the chapter.
///
/// The library's results (``Chapter/run()``) are float64 and are the numbers of record
/// (summary.json, trajectories.csv, the figures); they agree with this replay to about 1e-7
/// (float32 rounding). The replay exists only to print the chapter's text faithfully.
public struct ChapterReplay: Sendable {
    /// x₁ ... x₁₀ of GD (η = 0.01), float32.
    public var gd: [[Float]] = []
    /// x₁ ... x₁₀ of Newton (η = 1/3), float32.
    public var newton: [[Float]] = []
    /// x₁ ... x₁₀ of PG with the analytic inverse (η = 0.3), float32.
    public var pg: [[Float]] = []
    /// PG's y-space targets y₁ ... y₁₀ (the chapter's `historyPGy`), float32.
    public var pgY: [[Float]] = []
    /// y(x₁) ... y(x₉) of GD, as the chapter's y-space figure shows them.
    public var gdY: [[Float]] = []
    /// y(x₁) ... y(x₉) of Newton.
    public var newtonY: [[Float]] = []
    /// The first update of each method as the chapter measures it (G, H⁻¹g, x₀ - x₁).
    public var firstUpdates: (gd: [Float], newton: [Float], pg: [Float]) = ([], [], [])
    /// `one_len` of those updates, in float32 as the chapter computes it.
    public var diagonalLengths: (gd: Float, newton: Float, pg: Float) = (0, 0, 0)
    /// x₁ ... x₁₀ of PG with the numerical inverse (float64 from SciPy's solver).
    public var pgNumerical: [[Double]] = []
    /// The mean absolute difference of the numerical and analytic PG histories (x₀ ... x₁₀).
    public var mae: Double = 0

    /// Runs the replay: 30 float32 steps and ten small L-BFGS-B solves.
    public static func run() -> ChapterReplay {
        var r = ChapterReplay()
        let start: [Float] = [3, 3]

        // GD: G = jax.grad(loss_x)(x); x += -eta * G.
        var x = start
        let etaGD: Float = 0.01
        for _ in 0..<10 {
            let g = gradient(x)
            if r.firstUpdates.gd.isEmpty { r.firstUpdates.gd = g }
            x = [x[0] + -etaGD * g[0], x[1] + -etaGD * g[1]]
            r.gd.append(x)
        }

        // Newton: x += -eta * inv(H) @ g.
        x = start
        let etaNt = Float(1.0 / 3.0)
        for _ in 0..<10 {
            let g = gradient(x)
            let y1 = x[1] * x[1]
            let t = 2 * (x[1] + x[1]) * x[1] + 2 * y1
            let hinv: [Float] = [1 / Float(2), 1 / (t + t)]
            let d: [Float] = [hinv[0] * g[0], hinv[1] * g[1]]
            if r.firstUpdates.newton.isEmpty { r.firstUpdates.newton = d }
            x = [x[0] + -etaNt * d[0], x[1] + -etaNt * d[1]]
            r.newton.append(x)
        }

        // PG: a Newton step for L(y) = |y|² in y (H = 2I, inv = 0.5 I), then y⁻¹ = [y0, y1^0.5].
        x = start
        let etaPG: Float = 0.3
        var history: [[Float]] = [start]
        for _ in 0..<10 {
            let z: [Float] = [x[0], x[1] * x[1]]
            let d: [Float] = [0.5 * (2 * z[0]), 0.5 * (2 * z[1])]
            let back: [Float] = [z[0] - etaPG * d[0], z[1] - etaPG * d[1]]
            x = [back[0], back[1].squareRoot()]
            r.pgY.append(back)
            history.append(x)
            r.pg.append(x)
        }
        r.firstUpdates.pg = [history[0][0] - history[1][0], history[0][1] - history[1][1]]

        func physicsY(_ p: [Float]) -> [Float] { [p[0], p[1] * p[1]] }
        r.gdY = r.gd[0..<9].map(physicsY)
        r.newtonY = r.newton[0..<9].map(physicsY)

        func oneLen(_ u: [Float]) -> Float {
            let mag = (u[0] * u[0] + u[1] * u[1]).squareRoot()
            return u[0] / mag * 1 + u[1] / mag * 1
        }
        r.diagonalLengths = (oneLen(r.firstUpdates.gd), oneLen(r.firstUpdates.newton), oneLen(r.firstUpdates.pg))

        // PG with the numerical inverse: the y-step in float32, the inverse in float64.
        var xd: [Double] = [3, 3]
        var historyNumerical: [[Double]] = [xd]
        for _ in 0..<10 {
            let y: [Float] = [Float(xd[0]), Float(xd[1] * xd[1])]
            let d: [Float] = [0.5 * (2 * y[0]), 0.5 * (2 * y[1])]
            let target: [Double] = [Double(y[0] + -etaPG * d[0]), Double(y[1] + -etaPG * d[1])]
            xd = inverse(target: target, from: xd)
            historyNumerical.append(xd)
            r.pgNumerical.append(xd)
        }
        var sum = 0.0
        for (a, b) in zip(historyNumerical, history) {
            for i in 0..<2 { sum += abs(a[i] - Double(b[i])) }
        }
        r.mae = sum / Double(2 * historyNumerical.count)
        return r
    }

    /// jax.grad of L(x) = sum(square([x0, x1·x1])) at x, in float32.
    static func gradient(_ x: [Float]) -> [Float] {
        let y1 = x[1] * x[1]
        let g1 = 2 * y1
        return [2 * x[0], g1 * x[1] + g1 * x[1]]
    }

    /// The chapter's `physics_y_inv_opt`: `fmin_l_bfgs_b(approx_grad=True)` on
    /// |[x0, x1²] - target|², unbounded, SciPy's defaults.
    static func inverse(target: [Double], from start: [Double]) -> [Double] {
        do {
            let result = try LBFGSBSolver.minimize(from: start) { x in
                let r0 = x[0] - target[0], r1 = x[1] * x[1] - target[1]
                return r0 * r0 + r1 * r1
            }
            return result.x
        } catch {
            return start
        }
    }
}
