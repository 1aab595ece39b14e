import PhysGradDerivatives
import PhysGradLinearAlgebra

extension InverseProblem {
    /// Checks a declared banded or periodic banded ``jacobianStructure`` (when `jacobian`) and a declared banded
    /// ``objectiveHessianStructure`` (when `hessian`) at x, once before a run that uses them.
    ///
    /// Compressed derivatives trust the band: an entry outside it is folded onto an entry of
    /// another column of the same colour, silently. So the band is multiplied with a fixed probe
    /// vector v (entries in [0.5, 1.5], no two alike) and compared with one exact directional
    /// derivative, `J v` (a JVP of ``model``) or `∇²L v` (a Hessian-vector product of
    /// ``objective``). An entry outside the band shows as a difference of about its size times
    /// the spread of v; rounding stays below 1e-9 of `‖|A| |v|‖∞`, so a difference above that is
    /// a band that is too narrow. The check holds at x only: a model whose sparsity changes with
    /// x is not caught elsewhere. Cost: one compressed build and one directional derivative.
    ///
    /// - Throws: ``PhysGradError/invalidParameter(name:value:reason:)`` for a band the model
    ///   does not fit, or compressed products of the wrong shape.
    func validateDeclaredStructure(at x: [Double], jacobian: Bool, hessian: Bool) throws(PhysGradError) {
        let checksJacobian = jacobian && jacobianStructure != .dense
        var checksHessian = false
        if hessian, case .banded = objectiveHessianStructure { checksHessian = true }
        guard checksJacobian || checksHessian else { return }
        let probe = (0..<x.count).map { 1 + 0.5 * _sinTwoPi(0.618_033_988_749_895 * Double($0)) }
        if jacobian {
            switch jacobianStructure {
            case .dense: break
            case .banded(let lower, let upper):
                try checkJacobianBand(at: x, probe: probe, value: "banded(lower: \(lower), upper: \(upper))")
            case .periodicBanded(let lower, let upper):
                try checkJacobianBand(at: x, probe: probe, value: "periodicBanded(lower: \(lower), upper: \(upper))")
            }
        }
        if hessian, case .banded(let b) = objectiveHessianStructure {
            try checkHessianBand(at: x, probe: probe, name: "objectiveHessianStructure", value: "banded(bandwidth: \(b))")
        }
    }

    /// Compares the declared (banded or periodic banded) Jacobian's product with the probe with an exact JVP.
    private func checkJacobianBand(at x: [Double], probe: [Double], value: String) throws(PhysGradError) {
        let name = "jacobianStructure"
        var evaluator = ProblemEvaluator(self)
        let product: (_ v: [Double], _ out: inout [Double]) throws(LinearAlgebraError) -> Void
        let absolute: (_ v: [Double], _ out: inout [Double]) throws(LinearAlgebraError) -> Void
        let rows: Int
        do throws(StepFailure) {
            if let band = try evaluator.bandedJacobian(at: x) {
                let magnitudes = band.absolute
                product = { v, out throws(LinearAlgebraError) in try band.multiply(v, into: &out) }
                absolute = { v, out throws(LinearAlgebraError) in try magnitudes.multiply(v, into: &out) }
                rows = band.rows
            } else if let j = try evaluator.periodicBandedJacobian(at: x) {
                var magnitudes = j
                magnitudes.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = Swift.abs($0[i]) } }
                product = { v, out throws(LinearAlgebraError) in try j.multiply(v, into: &out) }
                absolute = { [magnitudes] v, out throws(LinearAlgebraError) in try magnitudes.multiply(v, into: &out) }
                rows = j.rows
            } else {
                return
            }
        } catch {
            throw .invalidParameter(name: name, value: value, reason: "\(error.reason)")
        }
        var model = self.model
        let exact = model.jacobianVectorProduct(at: x, direction: probe)
        try Self.compare(band: product, absolute: absolute, rows: rows, exact: exact, probe: probe, name: name, value: value,
                         what: "the model's Jacobian has entries outside the declared band")
    }

    private func checkHessianBand(at x: [Double], probe: [Double], name: String, value: String) throws(PhysGradError) {
        var evaluator = ProblemEvaluator(self)
        let band: SymmetricBandedMatrix
        do throws(StepFailure) {
            guard case .banded(let h) = try evaluator.objectiveHessian(at: x) else { return }
            band = h
        } catch {
            throw .invalidParameter(name: name, value: value, reason: "\(error.reason)")
        }
        var objective = self.objective
        let exact = objective.hessianVectorProduct(at: x, direction: probe)
        try Self.compare(band: { v, out throws(LinearAlgebraError) in try band.multiply(v, into: &out) },
                         absolute: { v, out throws(LinearAlgebraError) in try band.absolute.multiply(v, into: &out) },
                         rows: x.count, exact: exact, probe: probe, name: name, value: value,
                         what: "the objective's Hessian has entries outside the declared band")
    }

    /// Throws unless `A v` (from `band`) matches `exact` to 1e-9 of `‖|A| |v|‖∞`.
    private static func compare(
        band: (_ v: [Double], _ out: inout [Double]) throws(LinearAlgebraError) -> Void,
        absolute: (_ v: [Double], _ out: inout [Double]) throws(LinearAlgebraError) -> Void,
        rows: Int, exact: [Double], probe: [Double], name: String, value: String, what: String
    ) throws(PhysGradError) {
        guard exact.count == rows else {
            throw .invalidParameter(name: name, value: value, reason: "the exact product has \(exact.count) entries, the band \(rows) rows")
        }
        var product = [Double](repeating: 0, count: rows), scale = product
        do throws(LinearAlgebraError) {
            try band(probe, &product)
            try absolute(probe, &scale)
        } catch {
            throw .invalidParameter(name: name, value: value, reason: "\(error)")
        }
        let difference = Vector.normInf(Vector.subtract(product, exact))
        let size = Swift.max(Vector.normInf(scale), Vector.normInf(exact))
        guard difference.isFinite, difference <= 1e-9 * size else {
            throw .invalidParameter(name: name, value: value,
                                    reason: "\(what): along a probe direction the band gives a product that differs from the exact one by \(difference) (scale \(size)); declare a wider band or .dense")
        }
    }
}
