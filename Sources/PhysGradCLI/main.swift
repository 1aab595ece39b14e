#if canImport(Glibc)
import Glibc
#endif
import PhysGradLinearAlgebra

// Until the command-line issue lands, `physgrad` runs the chapter's sanity check through LAPACK:
// the Jacobian of y(x) = [x0, x1^2] at x = [3, 3] is J = [[1, 0], [0, 6]], and
// solve(J, J x) must give x back.
let x: [Double] = [3, 3]
let jacobian = Matrix([[1, 0], [0, 2 * x[1]]])
do {
    let jx = try jacobian * x
    let back = try solve(jacobian, jx)
    let lu = try LUFactorization(jacobian)
    print("PhysGrad: the chapter's sanity check, through LAPACK (OpenBLAS \(OpenBLAS.coreName))")
    print("Starting point x = \(x)")
    print("Jacobian y(x) = \(jacobian)")
    print("J x = \(jx)")
    print("Sanity check with inverse Jacobian of y, this should give x again: \(back)")
    print("det J = \(lu.determinant), reciprocal condition number = \(lu.reciprocalConditionNumber)")
    if Vector.distance(back, x) > 1e-14 {
        print("error: solve(J, J x) differs from x by \(Vector.distance(back, x))")
        exit(1)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
