import PhysGradRandom
import PhysGradLinearAlgebra

/// A deterministic random `rows × columns` matrix with entries uniform in [-1, 1).
func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
    Matrix(rows: rows, columns: columns, columnMajor: uniformValues(seed: seed, count: rows * columns))
}

/// A random matrix shifted by `shift · I`: for shift ≳ sqrt(n) its condition number stays small.
func wellConditioned(_ n: Int, seed: UInt64) -> Matrix {
    var a = randomMatrix(n, n, seed: seed)
    let shift = 2 * Double(n).squareRoot() + 1
    for i in 0..<n { a[i, i] += shift }
    return a
}

/// A random symmetric positive definite matrix `B Bᵀ + n I`.
func randomSPD(_ n: Int, seed: UInt64) -> Matrix {
    let b = randomMatrix(n, n, seed: seed)
    var a = try! b * b.transposed()
    for i in 0..<n { a[i, i] += Double(n) }
    // Make it exactly symmetric (gemm's rounding can differ by an ulp between a_ij and a_ji).
    for j in 0..<n { for i in (j + 1)..<max(n, j + 1) { a[j, i] = a[i, j] } }
    return a
}

/// Reference product by the definition, three plain loops.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    Matrix(rows: a.rows, columns: b.columns) { i, j in
        var s = 0.0
        for k in 0..<a.columns { s += a[i, k] * b[k, j] }
        return s
    }
}

func naiveProduct(_ a: Matrix, _ x: [Double]) -> [Double] {
    (0..<a.rows).map { i in (0..<a.columns).reduce(0.0) { $0 + a[i, $1] * x[$1] } }
}

/// max_ij |a_ij - b_ij|
func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.shape == b.shape)
    return zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
}

func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Normwise backward error ‖Ax - b‖∞ / (‖A‖∞ ‖x‖∞ + ‖b‖∞) (Higham, Accuracy and Stability, 7.1).
func backwardError(_ a: Matrix, _ x: [Double], _ b: [Double]) -> Double {
    let r = Vector.subtract(naiveProduct(a, x), b)
    return Vector.normInf(r) / (a.normInfinity * Vector.normInf(x) + Vector.normInf(b))
}
