#!/usr/bin/env python3
"""Writes docs/examples/HeatInverse/Tests/HeatInverseTests/heat-reference.json: the example
consumer's heat-rod problem (docs/examples/HeatInverse) computed independently with dense NumPy
matrices and SciPy's L-BFGS-B.

The Swift example writes the simulator as explicit time steps and checks PhysGrad's runs against
closed forms in the sine modes; here the same problem is built as the dense matrix B = A^m and every
method is run by plain matrix iteration, so that the closed forms, the model and the runs are
checked against a second, unrelated computation. BLAS is pinned to one thread.

    python3 scripts/make_heat_reference.py            # writes the JSON
    python3 scripts/make_heat_reference.py --print    # also prints a summary
"""
import os
import sys

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import fmin_l_bfgs_b  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "examples", "HeatInverse", "Tests", "HeatInverseTests", "heat-reference.json")

# The rod (HeatRod's defaults): 1 m of copper, 31 interior points, observed after 8 s.
POINTS, LENGTH, DIFFUSIVITY, TIME = 31, 1.0, 1.11e-4, 8.0
ETA, STEPS = 0.5, 20          # GD, Newton and PG: step size and steps
LBFGSB_STEPS = 200            # L-BFGS-B: iterations (SciPy's other defaults)


def rod():
    ds = LENGTH / (POINTS + 1)
    total = DIFFUSIVITY * TIME / ds**2
    steps = max(1, math.ceil(total / 0.1))
    r = total / steps
    a = np.eye(POINTS) * (1 - 2 * r) + (np.eye(POINTS, k=1) + np.eye(POINTS, k=-1)) * r
    return steps, r, np.linalg.matrix_power(a, steps)


def truth():
    s = np.arange(1, POINTS + 1) * LENGTH / (POINTS + 1)
    return 40 * np.exp(-(((s - 0.3) / 0.08) ** 2)) + np.where((s >= 0.6) & (s <= 0.75), 25.0, 0.0)


def main():
    steps, r, b = rod()
    x_true = truth()
    y_star = b @ x_true
    x0 = np.zeros(POINTS)

    def loss(x):
        d = b @ x - y_star
        return float(d @ d)

    def loss_grad(x):
        d = b @ x - y_star
        return float(d @ d), 2 * b.T @ d

    # Gradient descent: x <- x - eta * 2 B^T (B x - y*).
    x = x0.copy()
    for _ in range(STEPS):
        x = x - ETA * loss_grad(x)[1]
    gd = loss(x)

    # Newton: x <- x - eta * (2 B^T B)^-1 2 B^T (B x - y*).
    h = 2 * b.T @ b
    x = x0.copy()
    for _ in range(STEPS):
        x = x - ETA * np.linalg.solve(h, loss_grad(x)[1])
    newton = loss(x)

    # PG with the exact inverse: y' = y - eta (y - y*), x = B^-1 y'.
    x = x0.copy()
    for _ in range(STEPS):
        y = b @ x
        x = np.linalg.solve(b, y - ETA * (y - y_star))
    pg = loss(x)

    x_lb, f_lb, info = fmin_l_bfgs_b(loss_grad, x0, maxiter=LBFGSB_STEPS)

    ref = {
        "generator": "scripts/make_heat_reference.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "timeSteps": steps,
        "diffusionNumber": r,
        "singularValues": sorted(np.linalg.svd(b, compute_uv=False).tolist()),
        "measurement": y_star.tolist(),
        "initialLoss": loss(x0),
        "eta": ETA,
        "steps": STEPS,
        "gd": gd,
        "newton": newton,
        "pg": pg,
        "lbfgsb": {
            "iterations": int(info["nit"]),
            "evaluations": int(info["funcalls"]),
            "loss": float(f_lb),
            "relativeError": float(np.linalg.norm(x_lb - x_true) / np.linalg.norm(x_true)),
            "message": info["task"] if isinstance(info["task"], str) else info["task"].decode(),
        },
    }
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    if "--print" in sys.argv:
        print(f"steps {steps}, r {r:.6g}, cond(B) {ref['singularValues'][-1] / ref['singularValues'][0]:.4g}")
        print(f"L0 {ref['initialLoss']:.6g}; after {STEPS} steps of eta {ETA}: "
              f"gd {gd:.6g}, newton {newton:.6g}, pg {pg:.6g}")
        lb = ref["lbfgsb"]
        print(f"L-BFGS-B: {lb['iterations']} iterations, {lb['evaluations']} evaluations, loss {lb['loss']:.4g}, "
              f"|x-x*|/|x*| {lb['relativeError']:.4g}: {lb['message']}")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
