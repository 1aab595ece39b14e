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
        show("bidiagonal(J) + singular values", measure {
            let b = try! BidiagonalDecomposition(j)
            blackHole(try! b.singularValues())
        })
        show("bidiagonal(J) + B's SVD (dbdsdc)", measure {
            let b = try! BidiagonalDecomposition(j)
            blackHole(try! b.bidiagonalSVD())
        })
        show("cholesky(H + I)", measure { blackHole(try! CholeskyFactorization.factorize(h, shift: 1e3, reusing: nil)) })
    }
}

/// `bench-least-squares --trace [--only TEXT]`: every step of each default run (stdout), to see
/// where a method spends its evaluations.
func traceLeastSquares(_ problems: [(String, Int)], only: String?) {
    for (name, n) in problems {
        let problem = name == "blur" ? try! Problems.blur(n) : try! Problems.burgers(n)
        let methods: [(String, any Optimizer)] = [("lm", LevenbergMarquardt()), ("gn", GaussNewton()), ("newton", Newton())]
        for (label, method) in methods where only.map({ "\(name)(\(n))-\(label)".contains($0) }) ?? true {
            var options = RunOptions(steps: 1000)
            options.trace = .full
            let result = try! optimize(problem, with: method, options: options)
            print("\(name)(\(n))-\(label): \(result.steps) steps, counts \(result.counts), \(result.termination)")
            let t = result.trajectory
            for (i, report) in t.reports.enumerated() {
                let x = t.x[i + 1]
                let distance = problem.solution.map { s in Vector.norm2(Vector.subtract(x, s)) } ?? .nan
                let rho = report.discrepancy.map { String(format: "rho %.2e", $0) } ?? report.radius.map { String(format: "radius %.2e", $0) } ?? ""
                let damping = report.damping.map { String(format: "%.2e", $0) } ?? "-"
                print(String(format: "%3d loss %.3e dist %.3e trials %d rejected %d ", i + 1, t.loss[i + 1], distance, report.trials, report.rejected)
                      + "\(rho) damping \(damping) \(report.solve.map { "\($0)" } ?? "")")
            }
        }
    }
}

/// `bench-least-squares --sweep`: the convergence suite's range for the second-order defaults:
/// steps, evaluations, distance to the solution, success and whether the loss ever rose.
func sweepLeastSquares(only: String?) {
    var problems: [InverseProblem] = [8, 16, 32, 64, 100, 128, 256, 512, 1000, 1024].map { try! Problems.blur($0) }
    problems += [16, 32, 64, 128, 256].map { try! Problems.burgers($0) }
    problems.append(try! Problems.heat(64))
    let methods: [(String, any Optimizer)] = [("newton", Newton()), ("gn", GaussNewton()), ("lm", LevenbergMarquardt()),
                                              ("lm-minpack", LevenbergMarquardt(acceptance: .trustRegion(.length())))]
    for p in problems {
        for (label, method) in methods where only.map({ "\(p.name)(\(p.dimension))-\(label)".contains($0) }) ?? true {
            let r = try! optimize(p, with: method, options: RunOptions(steps: 500, trace: .scalars))
            let monotone = zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }
            let c = r.counts
            print("\(p.name)(\(p.dimension))-\(label): steps \(r.steps) f \(c.models + c.losses) d \(c.jacobians + c.hessians) distance \(String(format: "%.1e", r.distanceToSolution ?? .nan)) success \(r.isSuccess) monotone \(monotone)")
        }
    }
}
