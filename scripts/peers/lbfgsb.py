#!/usr/bin/env python3
"""Peer of bench-lbfgsb: scipy.optimize.minimize(method="L-BFGS-B") on the same problems, same rows.

    python3 scripts/peers/lbfgsb.py [--quick]

Rows (suite "lbfgsb"): "rosenbrock-2d" (whole minimize call) and "ext-rosenbrock" at n = 1e3 ... 1e6
(total time; extra: nit, nfev, objective_s = nfev x median time of one f+g evaluation,
solver_ns_per_iter_per_var = (total - objective_s) / nit / n). BLAS is pinned to one thread.
"""
import os
import sys

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

import common  # noqa: E402

SUITE = "lbfgsb"
IMPL = "scipy"


def ext_rosen(x):
    """Extended Rosenbrock: sum over pairs 100 (b - a^2)^2 + (1 - a)^2, with its gradient."""
    a = x[0::2]
    b = x[1::2]
    t = b - a * a
    c = 1.0 - a
    g = np.empty_like(x)
    g[0::2] = -400.0 * a * t - 2.0 * c
    g[1::2] = 200.0 * t
    return float(np.sum(100.0 * t * t + c * c)), g


def start(n):
    return np.tile([-1.2, 1.0], n // 2)


def solve(x0):
    return minimize(ext_rosen, x0, jac=True, method="L-BFGS-B")


def main():
    quick = common.quick()
    x0 = start(2)
    box = {}

    def run2():
        box["r"] = solve(x0)

    med, runs = common.measure(run2, min_runs=20 if quick else 200, min_seconds=0.05 if quick else 0.5)
    r = box["r"]
    common.emit(SUITE, "rosenbrock-2d", 2, IMPL, med, runs, dict(nit=int(r.nit), nfev=int(r.nfev)))

    sizes = [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    for n in sizes:
        x0 = start(n)
        obj, _ = common.measure(lambda: ext_rosen(x0), min_runs=5, min_seconds=0.02 if quick else 0.1)

        def run():
            box["r"] = solve(x0)

        big = n >= 1_000_000
        med, runs = common.measure(run, min_runs=3 if (quick or big) else 5,
                                   min_seconds=0.1 if quick else 0.5, max_runs=3 if big else 10_000)
        r = box["r"]
        objective = r.nfev * obj
        solver_ns = (med - objective) / max(r.nit, 1) / n * 1e9
        common.emit(SUITE, "ext-rosenbrock", n, IMPL, med, runs,
                    dict(nit=int(r.nit), nfev=int(r.nfev), objective_s=objective,
                         solver_ns_per_iter_per_var=solver_ns))


if __name__ == "__main__":
    main()
