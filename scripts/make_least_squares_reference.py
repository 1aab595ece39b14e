#!/usr/bin/env python3
"""Reference runs of SciPy's least-squares and trust-region methods for PhysGrad's tests.

Writes Tests/PhysGradTests/Resources/least-squares-reference.json: for each problem, SciPy
1.17's `least_squares(method="lm")` (MINPACK lmder; exact Jacobian, the defaults: ftol = xtol =
gtol = 1e-8, x_scale="jac"), `least_squares(method="trf")` (also with bounds), and
`minimize(method="trust-exact")` (exact gradient and Hessian): the solution, the final cost,
nfev/njev/nhev and the status. The problems are written here in NumPy with their exact
derivatives, as PhysGrad's catalog defines them (Sources/PhysGrad/Problems):

- rosenbrock: r = [10 (x1 - x0²), 1 - x0] from [-1.2, 1] (MINPACK's test 4);
- powell: Powell's singular function, four residuals, from [3, -1, 0, 1] (a zero residual at a
  singular Jacobian);
- blur(n): r = G (x³ + x) - G (x*³ + x*), x*_i = sin(2π i/n), from 3 (Problems.blur);
- heat(n): r = Aᵀ x - Aᵀ x*, A the explicit periodic heat step with r = 0.1, T = 50 steps,
  x* a Gaussian bump of width n/8, from 0 (Problems.heat);
- bounded: blur(8) with 0 <= x <= 0.5 from 0.25 (the unconstrained solution leaves the box), trf only.

Run with any Python that has numpy and scipy (the bench environment's pins: scripts/peers/
requirements.txt):  .venv-bench/bin/python scripts/make_least_squares_reference.py
"""
import json
import math
import pathlib

import numpy as np
import scipy
from scipy.optimize import least_squares, minimize

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/PhysGradTests/Resources/least-squares-reference.json"


def sin_two_pi(t):
    r = t - math.floor(t)
    return {0.0: 0.0, 0.5: 0.0, 0.25: 1.0, 0.75: -1.0}.get(r, math.sin(2 * math.pi * r))


def blur(n):
    kernel = []
    d = 0
    while True:
        v = math.exp(-(d / 1.5) ** 2)
        if v < 1e-18:
            break
        kernel.append(v)
        d += 1
    w = len(kernel) - 1
    g = np.zeros((n, n))
    for i in range(n):
        for k in range(-w, w + 1):
            if 0 <= i + k < n:
                g[i, i + k] = kernel[abs(k)]
    sol = np.array([sin_two_pi(i / n) for i in range(n)])
    target = g @ (sol**3 + sol)

    def residual(x):
        return g @ (x**3 + x) - target

    def jacobian(x):
        return g * (3 * x**2 + 1)[None, :]

    def hessian(x):
        j = jacobian(x)
        r = residual(x)
        return 2 * j.T @ j + 2 * np.diag(6 * x * (g.T @ r))

    return residual, jacobian, hessian, np.full(n, 3.0), sol


def heat(n, steps=50, r=0.1):
    a = np.eye(n) * (1 - 2 * r)
    for i in range(n):
        a[i, (i - 1) % n] += r
        a[i, (i + 1) % n] += r
    b = np.linalg.matrix_power(a, steps)
    w = n / 8
    sol = np.exp(-(((np.arange(n) - n / 2) / w) ** 2))
    target = b @ sol
    return (lambda x: b @ x - target), (lambda x: b), (lambda x: 2 * b.T @ b), np.zeros(n), sol


def rosenbrock():
    res = lambda x: np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])
    jac = lambda x: np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    def hess(x):
        r, j = res(x), jac(x)
        return 2 * j.T @ j + 2 * r[0] * np.array([[-20.0, 0], [0, 0]])

    return res, jac, hess, np.array([-1.2, 1.0]), np.array([1.0, 1.0])


def powell():
    s5, s10 = math.sqrt(5), math.sqrt(10)

    def res(x):
        return np.array([x[0] + 10 * x[1], s5 * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2, s10 * (x[0] - x[3]) ** 2])

    def jac(x):
        return np.array([
            [1.0, 10.0, 0, 0],
            [0, 0, s5, -s5],
            [0, 2 * (x[1] - 2 * x[2]), -4 * (x[1] - 2 * x[2]), 0],
            [2 * s10 * (x[0] - x[3]), 0, 0, -2 * s10 * (x[0] - x[3])],
        ])

    def hess(x):
        r, j = res(x), jac(x)
        h = 2 * j.T @ j
        h2 = np.zeros((4, 4))
        h2[1, 1], h2[1, 2], h2[2, 1], h2[2, 2] = 2, -4, -4, 8
        h3 = np.zeros((4, 4))
        h3[0, 0], h3[0, 3], h3[3, 0], h3[3, 3] = 2 * s10, -2 * s10, -2 * s10, 2 * s10
        return h + 2 * r[2] * h2 + 2 * r[3] * h3

    return res, jac, hess, np.array([3.0, -1.0, 0.0, 1.0]), np.zeros(4)


def run(name, problem, bounds=None):
    res, jac, hess, x0, sol = problem
    entry = {"name": name, "start": x0.tolist(), "solution": sol.tolist()}
    if bounds is None:
        r = least_squares(res, x0, jac=jac, method="lm")
        entry["lm"] = {"x": r.x.tolist(), "cost": float(r.cost), "nfev": int(r.nfev), "njev": int(r.njev),
                       "status": int(r.status)}
        t = minimize(lambda x: float(res(x) @ res(x)), x0, jac=lambda x: 2 * jac(x).T @ res(x), hess=hess,
                     method="trust-exact")
        entry["trust_exact"] = {"x": t.x.tolist(), "fun": float(t.fun), "nfev": int(t.nfev), "njev": int(t.njev),
                                "nhev": int(t.nhev), "nit": int(t.nit), "success": bool(t.success)}
    else:
        entry["lower"], entry["upper"] = list(bounds[0]), list(bounds[1])
    r = least_squares(res, x0, jac=jac, method="trf", bounds=bounds if bounds is not None else (-np.inf, np.inf))
    entry["trf"] = {"x": r.x.tolist(), "cost": float(r.cost), "nfev": int(r.nfev), "njev": int(r.njev),
                    "status": int(r.status), "active_mask": r.active_mask.tolist()}
    return entry


def main():
    problems = [
        run("rosenbrock", rosenbrock()),
        run("powell", powell()),
        run("blur8", blur(8)),
        run("blur16", blur(16)),
        run("heat16", heat(16)),
        run("heat64", heat(64)),
    ]
    res, jac, hess, _, sol = blur(8)
    bounded = (res, jac, hess, np.full(8, 0.25), sol)
    problems.append(run("blur8-bounded", bounded, bounds=(np.zeros(8), np.full(8, 0.5))))
    doc = {
        "generator": "scripts/make_least_squares_reference.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "problems": problems,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")
    for p in problems:
        parts = [p["name"]]
        for k in ("lm", "trf", "trust_exact"):
            if k in p:
                e = p[k]
                parts.append(f"{k}: nfev {e['nfev']} njev {e['njev']} " + (f"nhev {e['nhev']}" if "nhev" in e else ""))
        print("  ".join(parts))


if __name__ == "__main__":
    main()
