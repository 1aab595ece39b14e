import PhysGradDerivatives
import PhysGradLBFGSB

// L-BFGS-B on objectives from the derivatives module. PhysGradLBFGSB stays independent of
// PhysGradDerivatives (a user can hand it a closure); this module, which depends on both,
// connects them.

extension LBFGSBSolver {
    /// Minimizes a `DifferentiableObjective` (automatic, analytic or finite-difference
    /// derivatives) with its own gradient. No allocation per evaluation for objectives that
    /// implement the buffer form of `valueAndGradient` (`AutomaticObjective` does).
    ///
    /// - Throws: `LBFGSBError` for a wrong-length or non-finite `x0`, an objective of another
    ///   dimension than the solver's (`LBFGSBError.dimensionMismatch` named "objective"), or invalid
    ///   options.
    public mutating func minimize<Objective: DifferentiableObjective>(
        _ objective: inout Objective, from x0: [Double],
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil
    ) throws(LBFGSBError) -> LBFGSBResult {
        if objective.dimension != dimension {
            throw .dimensionMismatch(name: "objective", expected: dimension, actual: objective.dimension)
        }
        return try minimize(from: x0, callback: callback) { x, g in objective.valueAndGradient(at: x, gradient: g) }
    }

    /// Minimizes a function written once, generically, with reverse-mode gradients:
    ///
    /// ```swift
    /// let r = try LBFGSBSolver.minimize(StandardFunctions.ExtendedRosenbrock(), from: x0)
    /// ```
    public static func minimize<F: GenericObjective>(
        _ function: F, from x0: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
        options: LBFGSBOptions = LBFGSBOptions(),
        callback: ((LBFGSBProgress) -> LBFGSBCallbackDecision)? = nil
    ) throws(LBFGSBError) -> LBFGSBResult {
        var solver = try LBFGSBSolver(dimension: x0.count, lower: lower, upper: upper, options: options)
        var objective = AutomaticObjective(function, dimension: x0.count)
        return try solver.minimize(&objective, from: x0, callback: callback)
    }
}
