import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradBenchSupport

/// `bench-optimizers --profile`: where a dense Newton step on powers(1000) spends its time.
func profileDenseNewton() {
    let p = try! Problems.powers(1000)
    var obj = p.objective
    let x = p.start
    let h = measure(minRuns: 5) { blackHole(obj.hessian(at: x)) }
    print("hessian through the problem (existential)", h.median)
    let direct = measure(minRuns: 5) { blackHole(Derivatives.hessian(of: StandardFunctions.powersLoss, at: x)) }
    print("hessian direct", direct.median)
    let m = obj.hessian(at: x)
    let c = measure(minRuns: 5) { blackHole(try! CholeskyFactorization(m)) }
    print("cholesky factorization", c.median)
    let chol = try! CholeskyFactorization(m)
    let g = obj.gradient(at: x)
    let s = measure(minRuns: 5) { blackHole(try! chol.solve(g)) }
    print("cholesky solve", s.median)
    let fin = measure(minRuns: 5) { blackHole(m.isFinite) }
    print("isFinite", fin.median)
    let sym = measure(minRuns: 5) { blackHole(m.isSymmetric()) }
    print("isSymmetric", sym.median)
    var dense = p
    dense.objectiveHessianStructure = .dense
    let step = measure(minRuns: 3) { blackHole(try! optimize(dense, with: Newton(eta: 1.0 / 3.0, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 1, trace: .none))) }
    print("one Newton step through the driver", step.median)
    let ten = measure(minRuns: 3) { blackHole(try! optimize(dense, with: Newton(eta: 1.0 / 3.0, policy: .exact, acceptance: .fixed), options: RunOptions(steps: 10, trace: .none))) }
    print("ten Newton steps through the driver", ten.median)
}
