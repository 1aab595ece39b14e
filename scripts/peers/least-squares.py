"""Peer of bench-least-squares: SciPy's least-squares and trust-region methods on the same problems.

- <problem>-lm and -lm-minpack: least_squares(method="lm") (MINPACK lmder), exact Jacobian.
- <problem>-gn: least_squares(method="trf"), exact Jacobian (SciPy's Gauss-Newton-type method).
- <problem>-newton: minimize(method="trust-exact"), exact gradient and Hessian.

blur(n) has its Jacobian and Hessian in closed form in NumPy; burgers(n) is differentiated by
JAX (jit, float64: jacfwd for the Jacobian, jax.hessian for the Hessian), the way a SciPy user
with a simulator would. Every method runs with SciPy's defaults; on burgers(256) `lm` does not
converge within its default budget of 100 n evaluations (about 8 minutes), so its budget is cut to
2000 evaluations and the row says whether it succeeded. Extras as bench-least-squares: f, jac,
hess (evaluations), distance to the known solution, success (SciPy's `success`, which a run
that used up its evaluations does not have, and a loss that did not rise; bench-least-squares
counts its own runs the same way).
"""
import math
import os
import sys

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import least_squares, minimize  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_least_squares_reference import blur  # noqa: E402

from common import emit, measure, quick  # noqa: E402

SUITE = "least-squares"


def burgers(n, nu=0.01, t_end=0.5, speed=1.5):
    dx = 2 * math.pi / n
    stable = 0.9 * min(dx * dx / (2 * nu), 2 * nu / (speed * speed))
    steps = math.ceil(t_end / stable)
    dt = t_end / steps
    a, d = dt / (6 * dx), nu * dt / (dx * dx)

    def model(x):
        def body(_, u):
            left, right = jnp.roll(u, 1), jnp.roll(u, -1)
            return u - a * (right - left) * (left + u + right) + d * (right - 2 * u + left)

        return jax.lax.fori_loop(0, steps, body, x)

    sol = np.array([0.0 if (4 * i) % n == 0 and (4 * i // n) % 2 == 0 else math.sin(2 * math.pi * i / n) for i in range(n)])
    target = np.asarray(model(jnp.asarray(sol)))
    residual = jax.jit(lambda x: model(x) - target)
    jac = jax.jit(jax.jacfwd(lambda x: model(x) - target))
    loss = lambda x: jnp.sum((model(x) - target) ** 2)
    hess = jax.jit(jax.hessian(loss))
    res_np = lambda x: np.asarray(residual(jnp.asarray(x)))
    jac_np = lambda x: np.asarray(jac(jnp.asarray(x)))
    hess_np = lambda x: np.asarray(hess(jnp.asarray(x)))
    return res_np, jac_np, hess_np, np.zeros(n), sol


def main():
    problems = [("blur", 100), ("burgers", 64)] if quick() else [("blur", 100), ("blur", 1000), ("burgers", 64), ("burgers", 256)]
    for name, n in problems:
        res, jac, hess, x0, sol = blur(n) if name == "blur" else burgers(n)
        res(x0), jac(x0), hess(x0)  # compile JAX's functions outside the timing
        loss0 = float(res(x0) @ res(x0))
        budget = 2000 if (name, n) == ("burgers", 256) else None

        def lm():
            return least_squares(res, x0, jac=jac, method="lm", max_nfev=budget)

        def trf():
            return least_squares(res, x0, jac=jac, method="trf")

        def trust_exact():
            with np.errstate(all="ignore"):
                return minimize(lambda x: float(res(x) @ res(x)), x0, jac=lambda x: 2 * jac(x).T @ res(x), hess=hess,
                                method="trust-exact")

        for case, run, kind in [("lm", lm, "lsq"), ("lm-minpack", lm, "lsq"), ("gn", trf, "lsq"), ("newton", trust_exact, "min")]:
            last = {}

            def body():
                try:
                    last["r"] = run()
                except (ValueError, np.linalg.LinAlgError) as error:  # trust-exact on a NaN Hessian
                    last["r"] = error

            median, runs = measure(body, min_runs=1 if n >= 256 else 3, min_seconds=0 if n >= 256 else 0.25)
            r = last["r"]
            if isinstance(r, Exception):
                emit(SUITE, f"{name}-{case}", n, "scipy", median, runs, {"success": 0, "error": 1})
                continue
            loss = float(2 * r.cost) if kind == "lsq" else float(r.fun)
            extra = {"f": int(r.nfev), "jac": int(r.njev), "distance": float(np.linalg.norm(r.x - sol)),
                     "success": int(bool(r.success) and loss <= loss0)}
            if kind == "min":
                extra["hess"] = int(r.nhev)
            emit(SUITE, f"{name}-{case}", n, "scipy", median, runs, extra)


if __name__ == "__main__":
    main()
