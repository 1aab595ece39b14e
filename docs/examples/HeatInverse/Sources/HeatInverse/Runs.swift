import Foundation
import PhysGrad

/// One method with its settings, and what it should reach.
public struct MethodRun: Sendable {
    public var method: any Optimizer
    public var options: RunOptions

    public init(_ method: any Optimizer, options: RunOptions) {
        self.method = method
        self.options = options
    }
}

/// A finished run next to its closed-form expectation.
public struct RunRow: Sendable {
    public var result: OptimizationResult
    /// The loss the method reaches in exact arithmetic (``HeatExperiment/expectedLoss(of:eta:steps:)``).
    public var expectedLoss: Double?
    /// ‖x - x*‖ / ‖x*‖.
    public var relativeError: Double
}

extension HeatExperiment {
    /// The methods compared: GD, Newton, Gauss-Newton and PG with `steps` fixed steps of η = 0.5
    /// (the book's update rules, whose losses have closed forms here), Levenberg-Marquardt and
    /// L-BFGS-B until they converge. A new method is one
    /// more line here (and, if it has a closed form on a linear problem, one more case in
    /// ``expectedLoss(of:eta:steps:)``).
    public func methods(steps: Int = 20) -> [MethodRun] {
        let fixed = RunOptions(steps: steps, trace: .scalars)
        return [
            // The largest stable GD step is 1 / σ₁² ≈ 1; half of it.
            MethodRun(GradientDescent(eta: 0.5), options: fixed),
            // Newton's library default is a trust region; a fixed step is asked for explicitly.
            MethodRun(Newton(eta: 0.5, policy: .exact, acceptance: .fixed), options: fixed),
            MethodRun(GaussNewton(eta: 0.5, acceptance: .fixed), options: fixed),
            // PG with the exact inverse (banded Cholesky), and with a numerical one (L-BFGS-B).
            MethodRun(PhysicalGradient(eta: 0.5, inverse: .analytic), options: fixed),
            MethodRun(PhysicalGradient(eta: 0.5, inverse: .numerical(.exact)), options: fixed),
            // Levenberg-Marquardt with its defaults, until its own tests stop it.
            MethodRun(LevenbergMarquardt(), options: RunOptions(steps: 1000, trace: .scalars)),
            // L-BFGS-B with SciPy's default settings until its own tests stop it (one driver step is
            // one L-BFGS-B iteration).
            MethodRun(LBFGSBMethod(), options: RunOptions(steps: 1000, trace: .scalars)),
        ]
    }

    /// Runs one method from the problem's start.
    public func run(_ m: MethodRun) throws(PhysGradError) -> RunRow {
        let result = try optimize(problem, with: m.method, options: m.options)
        let expected = m.method.stepSize.flatMap { expectedLoss(of: m.method.name, eta: $0, steps: result.steps) }
        let norm = truth.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return RunRow(result: result, expectedLoss: expected, relativeError: (result.distanceToSolution ?? .nan) / norm)
    }
}

/// The rows as a plain-text table.
public func formatTable(_ rows: [RunRow]) -> String {
    func sci(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "-" }
    var lines = [
        ["method", "eta", "steps", "loss", "closed form", "|x-x*|/|x*|", "grads", "hessians", "inverses", "termination"],
    ]
    for row in rows {
        let r = row.result
        lines.append([
            r.method, r.stepSize.map { "\($0)" } ?? "-", "\(r.steps)", sci(r.loss), sci(row.expectedLoss),
            sci(row.relativeError), "\(r.counts.gradients)", "\(r.counts.hessians)", "\(r.counts.inverseSolves)",
            r.termination.code,
        ])
    }
    let widths = (0..<lines[0].count).map { c in lines.map { $0[c].count }.max()! }
    return lines.map { cells in
        zip(cells, widths).enumerated().map { i, cw in
            let pad = String(repeating: " ", count: cw.1 - cw.0.count)
            if i == cells.count - 1 { return cw.0 }
            return i == 0 ? cw.0 + pad : pad + cw.0
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
