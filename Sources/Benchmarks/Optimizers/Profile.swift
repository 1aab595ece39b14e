import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradBenchSupport

func profileDenseNewton() {
    let p = try! Problems.powers(1000)
    var obj = p.objective
    let x = p.start
    let h = measure(minRuns: 3) { blackHole(obj.hessian(at: x)) }
    print("existential hessian", h.median)
    let direct = measure(minRuns: 3) { blackHole(Derivatives.hessian(of: StandardFunctions.powersLoss, at: x)) }
    print("direct hessian", direct.median)
    let m = obj.hessian(at: x)
    let c = measure(minRuns: 3) { blackHole(try! CholeskyFactorization(m)) }
    print("cholesky", c.median)
}
