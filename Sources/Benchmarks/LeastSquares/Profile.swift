import Foundation
import PhysGrad
import PhysGradBenchSupport
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// `bench-least-squares --profile`: what one step's pieces cost on each problem (medians, stderr).
func profileLeastSquares(_ problems: [(String, Int)]) {
    for (name, n) in problems {
        let p = name == "blur" ? try! Problems.blur(n) : try! Problems.burgers(n)
        var model = p.model
        var objective = p.objective
        let x = p.start.map { $0 + 0.1 }
        func show(_ what: String, _ t: (median: Double, runs: Int)) {
            FileHandle.standardError.write(Data("\(name)(\(n)) \(what): \(Int(t.median * 1e6)) us\n".utf8))
        }
        show("model value", measure { blackHole(model.value(at: x)) })
        var evaluator = ProblemEvaluator(p)
        if try! evaluator.bandedJacobian(at: x) != nil {
            show("banded jacobian", measure { blackHole(try! evaluator.bandedJacobian(at: x)) })
            show("banded hessian", measure { blackHole(try! evaluator.objectiveHessian(at: x)) })
            let band = try! evaluator.bandedJacobian(at: x)!
            show("gram", measure { blackHole(band.gram()) })
            let a = band.gram()
            var chol = ShiftedBandedCholesky()
            show("banded cholesky", measure { try! chol.factorize(a, shift: 1e-3) })
            show("banded rcond", measure { blackHole(chol.reciprocalConditionNumber(oneNorm: a.normOne)) })
            let r = x
            show("banded solve", measure { blackHole(try! chol.solve(r)) })
            show("banded lower solve", measure { blackHole(try! chol.solveLower(r)) })
            var out = r
            show("gbmv", measure { try! band.multiply(r, into: &out) })
        }
        show("jacobian", measure { blackHole(model.jacobian(at: x)) })
        let v = (0..<n).map { $0 % 19 == 0 ? 1.0 : 0.0 }
        show("jvp", measure { blackHole(model.jacobianVectorProduct(at: x, direction: v)) })
        show("hvp", measure { blackHole(objective.hessianVectorProduct(at: x, direction: v)) })
        var g = x
        show("loss+gradient", measure { blackHole(objective.valueAndGradient(at: x, gradient: &g)) })
        var h = Matrix(rows: n, columns: n)
        show("hessian", measure { objective.hessian(at: x, into: &h) })
        let j = model.jacobian(at: x)
        show("svd(J)", measure { blackHole(try! SingularValueDecomposition(j)) })
        show("qr(J)", measure { blackHole(try! PivotedQRFactorization(j)) })
        show("cholesky(H + I)", measure { blackHole(try! CholeskyFactorization.factorize(h, shift: 1e3, reusing: nil)) })
    }
}
