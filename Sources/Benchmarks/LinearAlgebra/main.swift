// bench-linear-algebra: dense solves (LU, Cholesky) against NumPy/SciPy (scripts/peers/linear-algebra.py),
// and PhysGrad's Swift vector kernels against OpenBLAS's level-1 BLAS called directly.
// One BLAS thread on both sides (scripts/bench sets OPENBLAS_NUM_THREADS=1; this sets it too).
import CPhysGradLAPACK
import PhysGradBenchSupport
import PhysGradRandom
import PhysGradLinearAlgebra

OpenBLAS.setThreadCount(1)
let args = BenchArguments()
let suite = "linear-algebra"

/// The matrices both sides use: A from SplitMix64(seed = n), column-major; SPD: B Bᵀ + n I
/// with B from seed n + 1; b from seed 2n + 1.
func generalMatrix(_ n: Int) -> Matrix {
    Matrix(rows: n, columns: n, columnMajor: uniformValues(seed: UInt64(n), count: n * n))
}

func spdMatrix(_ n: Int) -> Matrix {
    let b = Matrix(rows: n, columns: n, columnMajor: uniformValues(seed: UInt64(n + 1), count: n * n))
    var a = try! b * b.transposed()
    for i in 0..<n { a[i, i] += Double(n) }
    for j in 0..<n { for i in (j + 1)..<max(n, j + 1) { a[j, i] = a[i, j] } }
    return a
}

let sizes = args.quick ? [100, 500] : [100, 500, 1000, 2000]
for n in sizes {
    let rhs = uniformValues(seed: UInt64(2 * n + 1), count: n)
    let nd = Double(n)
    let a = generalMatrix(n)
    let lu = measure(minRuns: n >= 1000 ? 7 : 9) { blackHole(try! solve(a, rhs)) }
    let luFlops = 2.0 / 3.0 * nd * nd * nd + 2 * nd * nd
    BenchRecord(suite: suite, caseName: "lu-solve", n: n, median: lu.median, runs: lu.runs,
                extra: ["gflops": luFlops / lu.median / 1e9]).emit()

    let s = spdMatrix(n)
    let ch = measure(minRuns: n >= 1000 ? 7 : 9) { blackHole(try! solve(s, rhs, assuming: .symmetricPositiveDefinite)) }
    let chFlops = 1.0 / 3.0 * nd * nd * nd + 2 * nd * nd
    BenchRecord(suite: suite, caseName: "cholesky-solve", n: n, median: ch.median, runs: ch.runs,
                extra: ["gflops": chFlops / ch.median / 1e9]).emit()
}

// Level-1 kernels: Swift SIMD (what Vector uses) versus cblas_ddot / daxpy / dnrm2 called directly.
// Each measurement repeats the kernel so that one timed body is long enough; the figure is per call.
let vectorSizes = args.quick ? [8, 1_000, 100_000] : [8, 64, 512, 4_096, 32_768, 262_144, 1_048_576]
for n in vectorSizes {
    let x = uniformValues(seed: 7, count: n), y0 = uniformValues(seed: 8, count: n)
    var y = y0
    let reps = max(1, 2_000_000 / n)
    func perCall(_ body: () -> Void) -> (Double, Int) {
        let m = measure(minRuns: 7, minSeconds: 0.1) { for _ in 0..<reps { body() } }
        return (m.median / Double(reps), m.runs)
    }
    let d = perCall { blackHole(Vector.dot(x, y)) }
    let db = perCall { blackHole(cblas_ddot(Int32(n), x, 1, y, 1)) }
    BenchRecord(suite: "vector", caseName: "dot", n: n, median: d.0, runs: d.1).emit()
    BenchRecord(suite: "vector", caseName: "dot", n: n, impl: "openblas", median: db.0, runs: db.1, peer: true).emit()

    let a = perCall { Vector.axpy(1e-9, x, &y) }
    let ab = perCall {
        y.withUnsafeMutableBufferPointer { yp in cblas_daxpy(Int32(n), 1e-9, x, 1, yp.baseAddress, 1) }
    }
    BenchRecord(suite: "vector", caseName: "axpy", n: n, median: a.0, runs: a.1).emit()
    BenchRecord(suite: "vector", caseName: "axpy", n: n, impl: "openblas", median: ab.0, runs: ab.1, peer: true).emit()

    let r = perCall { blackHole(Vector.norm2(x)) }
    let rb = perCall { blackHole(cblas_dnrm2(Int32(n), x, 1)) }
    BenchRecord(suite: "vector", caseName: "norm2", n: n, median: r.0, runs: r.1).emit()
    BenchRecord(suite: "vector", caseName: "norm2", n: n, impl: "openblas", median: rb.0, runs: rb.1, peer: true).emit()
}
