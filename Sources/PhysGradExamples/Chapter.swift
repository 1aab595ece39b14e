// The Physics-based Deep Learning book's chapter "Simple Example comparing Different Optimizers",
// reproduced as one call on top of the library.
import PhysGrad
import PhysGradLinearAlgebra

/// Everything the chapter ("Simple Example comparing Different Optimizers", Physics-based Deep
/// Learning) computes and prints, in its order, in float64.
///
/// The chapter's problem is `Problems.seed()`: y(x) = [x₀, x₁²], L(y) = |y|², from x₀ = [3, 3];
/// the minimum is L = 0 at x = [0, 0].
public struct ChapterReport: Sendable {
    /// The starting point [3, 3].
    public var start: [Double]
    /// The chapter's first test call: y(x₀) = [3, 9].
    public var y0: [Double]
    /// L(y(x₀)) = 90, the loss of that output.
    public var lossOfY0: Double
    /// L(x₀) = 90, the composed objective at the start.
    public var loss0: Double
    /// ∂L/∂y at y(x₀) (= [6, 18]).
    public var lossGradientInY: [Double]
    /// The Jacobian ∂y/∂x at x₀ (= [[1, 0], [0, 6]]).
    public var jacobian: Matrix
    /// The sanity check solve(J, J x₀), which must give x₀ back.
    public var sanityCheck: [Double]
    /// ∂L/∂x at x₀ (= [6, 108]).
    public var gradient: [Double]
    /// Ten steps of GD, η = 0.01 (full trace).
    public var gd: OptimizationResult
    /// Ten exact Newton steps, η = 1/3 (full trace).
    public var newton: OptimizationResult
    /// Ten steps of PG with the analytic inverse, η = 0.3 (full trace).
    public var pg: OptimizationResult
    /// Distances of the final points to the solution [0, 0] (the chapter: 2.63, 0.925, 0.51).
    public var distances: (gd: Double, newton: Double, pg: Double)
    /// Diagonal lengths of the first updates (the chapter: 1.053930, 1.264911, 1.356443).
    public var diagonalLengths: (gd: Double, newton: Double, pg: Double)
    /// GD's y-space trajectory as the chapter plots it: y(x₁) ... y(x₉).
    public var gdY: [[Double]]
    /// Newton's: y(x₁) ... y(x₉).
    public var newtonY: [[Double]]
    /// PG's: y(x₁) ... y(x₁₀) (its y-space targets, up to rounding).
    public var pgY: [[Double]]
    /// The numerical inverse's test: x with y(x) = [2, 2] from [3, 3] ([2.00000003, 1.41421353]).
    public var inverseTest: InversionResult
    /// PG with the numerical inverse, forward differences as the chapter (η = 0.3).
    public var pgNumerical: OptimizationResult
    /// PG with the numerical inverse, exact gradients and tight inner tolerances.
    public var pgNumericalExact: OptimizationResult
    /// Mean absolute difference (1/(11·2)) Σ_k Σ_i |x̃_k,i - x_k,i| between PG's iterates with the
    /// forward-difference inverse and with the analytic one (the chapter prints 0.000001).
    public var maeFiniteDifferences: Double
    /// The same with the exact-gradient inverse (about 1e-13).
    public var maeExact: Double
}

/// The chapter as one library call.
///
/// Its three update rules, each with a fixed step of size η:
/// - GD: Δx = -η ∇ₓL (η = 0.01);
/// - Newton: Δx = -η H_L(x)⁻¹ ∇ₓL (η = 1/3, exact Newton step, no trust region);
/// - PG: x' = y⁻¹(y(x) - η H_L(y)⁻¹ ∇_yL) (η = 0.3), with the analytic y⁻¹(y) = [y₀, √y₁], or
///   with the numerical inverse x' = argmin_x |y(x) - y'|² by L-BFGS-B warm-started at x.
///
/// ```swift
/// import PhysGradExamples
///
/// let report = try Chapter.run()
/// report.pg.x                    // [0.0847425..., 0.5042100...]
/// report.maeFiniteDifferences    // 9.9e-07: numerical against analytic inversion
/// ```
public enum Chapter {
    /// GD's step size η = 0.01.
    public static let gdStepSize = 0.01
    /// Newton's step size η = 1/3.
    public static let newtonStepSize = 1.0 / 3.0
    /// PG's step size η = 0.3.
    public static let pgStepSize = 0.3
    /// The number of steps of every method: 10.
    public static let steps = 10

    /// Runs the whole chapter on `Problems.seed()` from [3, 3]: the test calls and the sanity
    /// check, ten steps each of GD, Newton and PG (analytic inverse), the numerical inverse's
    /// test, ten steps of PG with the numerical inverse (finite differences, and exact
    /// gradients), and the metrics the chapter prints.
    public static func run() throws(PhysGradError) -> ChapterReport {
        var problem = Problems.seed()
        let x0 = problem.start
        let y0 = problem.model.value(at: x0)
        var gy = [Double](repeating: 0, count: 2)
        let lossOfY0 = problem.loss.valueAndGradient(at: y0, gradient: &gy)
        var gx = [Double](repeating: 0, count: 2)
        let loss0 = problem.objective.valueAndGradient(at: x0, gradient: &gx)
        let jacobian = problem.model.jacobian(at: x0)
        let sanity: [Double]
        do {
            sanity = try solve(jacobian, try jacobian * x0)
        } catch {
            throw .invalidParameter(name: "sanity check", value: "", reason: error.description)
        }

        // Every run: the chapter's 10 steps and the full trace (x, y(x) and L at every iterate),
        // which it prints and plots.
        let options = RunOptions(steps: steps, trace: .full)

        let gd = try optimize(problem, with: GradientDescent(eta: gdStepSize), options: options)
        let newton = try optimize(problem, with: Newton(eta: newtonStepSize, policy: .exact, acceptance: .fixed), options: options)
        let pg = try optimize(problem, with: PhysicalGradient(eta: pgStepSize), options: options)
        let pgNumerical = try optimize(
            problem, with: PhysicalGradient(eta: pgStepSize, inverse: .numerical(.finiteDifferences)), options: options)
        let pgExact = try optimize(
            problem, with: PhysicalGradient(eta: pgStepSize, inverse: .numerical(.exact)), options: options)

        func distance(_ r: OptimizationResult) -> Double { Metrics.distance(r.x, to: problem.solution!) }
        func diagonal(_ r: OptimizationResult) -> Double {
            Metrics.diagonalLength((r.firstUpdate ?? []).map { -$0 })
        }
        return ChapterReport(
            start: x0, y0: y0, lossOfY0: lossOfY0, loss0: loss0, lossGradientInY: gy, jacobian: jacobian,
            sanityCheck: sanity, gradient: gx, gd: gd, newton: newton, pg: pg,
            distances: (distance(gd), distance(newton), distance(pg)),
            diagonalLengths: (diagonal(gd), diagonal(newton), diagonal(pg)),
            gdY: Array(gd.trajectory.y[1...9]), newtonY: Array(newton.trajectory.y[1...9]),
            pgY: Array(pg.trajectory.y[1...]),
            inverseTest: try problem.invert(target: [2, 2], from: x0),
            pgNumerical: pgNumerical, pgNumericalExact: pgExact,
            maeFiniteDifferences: try Metrics.meanAbsoluteError(pgNumerical.trajectory.x, pg.trajectory.x),
            maeExact: try Metrics.meanAbsoluteError(pgExact.trajectory.x, pg.trajectory.x))
    }
}
