"""Peer of bench-linear-algebra: numpy.linalg.solve (LU, LAPACK gesv) and SciPy's Cholesky
(cho_factor + cho_solve, LAPACK potrf/potrs) on the same matrices, one BLAS thread."""
import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from common import emit, measure, quick, uniform

SUITE = "linear-algebra"


def general(n):
    # Same values as the Swift side, which stores them column-major.
    return np.ascontiguousarray(uniform(n, n * n).reshape((n, n), order="F"))


def spd(n):
    b = uniform(n + 1, n * n).reshape((n, n), order="F")
    a = b @ b.T + n * np.eye(n)
    return np.ascontiguousarray(np.tril(a) + np.tril(a, -1).T)


def main():
    sizes = [100, 500] if quick() else [100, 500, 1000, 2000]
    with threadpool_limits(limits=1):
        for n in sizes:
            rhs = uniform(2 * n + 1, n)
            a = general(n)
            t, runs = measure(lambda: np.linalg.solve(a, rhs), min_runs=7 if n >= 1000 else 9)
            flops = 2.0 / 3.0 * n**3 + 2 * n * n
            emit(SUITE, "lu-solve", n, "numpy", t, runs, {"gflops": flops / t / 1e9})
            s = spd(n)
            # The bar compares PhysGrad's Cholesky with NumPy's LU on the SPD matrix.
            t, runs = measure(lambda: np.linalg.solve(s, rhs), min_runs=7 if n >= 1000 else 9)
            emit(SUITE, "cholesky-solve", n, "numpy-lu", t, runs, {"gflops": flops / t / 1e9})
            t, runs = measure(lambda: scipy.linalg.cho_solve(scipy.linalg.cho_factor(s, lower=True), rhs),
                              min_runs=7 if n >= 1000 else 9)
            emit(SUITE, "cholesky-solve", n, "scipy-cholesky", t, runs,
                 {"gflops": (n**3 / 3.0 + 2 * n * n) / t / 1e9})


if __name__ == "__main__":
    main()
