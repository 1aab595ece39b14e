"""Analytic against approximate inversion, done by SciPy: the reference for `physgrad inversion`.

    python3 scripts/make_inversion_reference.py                 (numpy and scipy)
    python3 scripts/make_inversion_reference.py --dimensions 2,10,100 --output /tmp/scipy.json
    python3 scripts/make_inversion_reference.py --compare physgrad-inversion/inversion.json

Runs the chapter's procedure ("Approximate inversions": PG with the analytic inverse, and PG whose
inverse is `fmin_l_bfgs_b(approx_grad=True)` with SciPy's default options, warm-started at the
current x, float64) on the catalog's powers(n) and blur(n), for the same dimensions, step sizes
and number of steps as `physgrad inversion`'s defaults:

- powers(n): y_i = x_i (even i), x_i^2 (odd i), L = |y|^2, start 3, eta = 0.3; inverse
  x_i = y_i (even i), sqrt(y_i) (odd i). powers(2) is the chapter's problem.
- blur(n): y = G (x^3 + x), G_ij = exp(-((i - j)/1.5)^2) for |i - j| <= 9 (entries below 1e-18
  dropped), L = |y - y*|^2 with y* = G c(x*), x*_i = sin(2 pi i/n), start 3, eta = 1; inverse
  x = c^-1(G^-1 y), c^-1 by Cardano's formula and one Newton step.

Both losses are squared distances, so PG's y-space Newton step is y' = y - eta (y - y*) (y* = 0
for powers). Every run takes the book's fixed steps.

The inverse's objective phi(x) = |y(x) - y'|^2 is summed in PhysGrad's order (four running sums
over i = 0, 4, 8, ... / 1, 5, 9, ... / ..., added pairwise, then the last n mod 4 terms; left to
right for n < 4), so that both sides round phi alike. Forward differences divide phi's rounding
by their step (1e-8), so the order of summation moves the inner solves' paths by about their
tolerance: with NumPy's own pairwise `np.sum`, as the chapter writes it, powers(10)'s MAE is
2.24e-7 instead of 1.70e-7. Each case records both: "mae" (PhysGrad's order, what the tests
compare with) and "mae_numpy_sum" (the chapter's code as written). For each problem and dimension it records
the MAE between the two trajectories x_0 ... x_K as the chapter computes it (the mean over every
iterate and coordinate), the MAE and largest error per step, both runs' losses, and each inner
solve's iterations, evaluations and warnflag.

Writes Tests/PhysGradTests/Resources/inversion-scipy-reference.json (or --output). With
--compare, reads the JSON that `physgrad inversion --format json` prints (or its inversion.json)
and prints the tool's columns beside SciPy's for every problem and dimension both have.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy
import scipy.sparse
from scipy.optimize import fmin_l_bfgs_b

STEPS = 10
DIMENSIONS = [2, 10, 100, 1000]
DEFAULT_OUTPUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "PhysGradTests", "Resources",
                              "inversion-scipy-reference.json")


class Powers:
    name = "powers"
    eta = 0.3

    def __init__(self, n):
        if n < 2 or n % 2:
            raise ValueError("powers(n) needs an even n >= 2")
        self.n = n
        self.odd = np.arange(n) % 2 == 1
        self.start = np.full(n, 3.0)
        self.target = np.zeros(n)

    def y(self, x):
        return np.where(self.odd, x * x, x)

    def inverse(self, y):
        return np.where(self.odd, np.sqrt(np.where(self.odd, y, 0.0)), y)


def blur_kernel(width=1.5):
    k, d = [], 0
    while True:
        v = math.exp(-(d / width) ** 2)
        if v < 1e-18:
            return k
        k.append(v)
        d += 1


def inverse_cubic(v):
    """The real root of x^3 + x = v, elementwise (Cardano, a series for small |v|, one Newton step)."""
    m = np.abs(v)
    half = m / 2
    a = np.cbrt(half + np.sqrt(half * half + 1.0 / 27.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(m < 1e-3, m - m ** 3, a - 1 / (3 * a))
    x = x - (x ** 3 + x - m) / (3 * x * x + 1)
    return np.where(v == 0, 0.0, np.sign(v) * x)


class Blur:
    name = "blur"
    eta = 1.0

    def __init__(self, n):
        self.n = n
        k = blur_kernel()
        i = np.arange(n)
        d = np.abs(i[:, None] - i[None, :])
        self.G = np.where(d < len(k), np.array(k + [0.0])[np.minimum(d, len(k))], 0.0)
        self.band = scipy.sparse.csr_matrix(self.G)  # the same entries, applied in O(n)
        self.solution = np.sin(2 * np.pi * i / n)
        self.start = np.full(n, 3.0)
        self.target = self.y(self.solution)

    def y(self, x):
        return self.band @ (x * x * x + x)

    def inverse(self, y):
        return inverse_cubic(np.linalg.solve(self.G, y))


PROBLEMS = {"powers": Powers, "blur": Blur}


def physgrad_sum(a):
    """sum(a) in PhysGrad's order (TrackedVector.mapSum): four running sums, added pairwise, then the tail."""
    n = len(a)
    m = n - n % 4
    tail = 0.0
    for v in a[m:]:
        tail += float(v)
    if n < 4:
        return tail
    s = np.cumsum(a[:m].reshape(-1, 4), axis=0)[-1]  # each lane summed left to right
    return float((s[0] + s[1]) + (s[2] + s[3])) + tail


def numpy_sum(a):
    return float(np.sum(a))


def study(problem, steps=STEPS, total=physgrad_sum):
    """PG with the analytic inverse and with the chapter's numerical inverse, side by side."""
    eta, t = problem.eta, problem.target

    def loss(x):
        return total(np.square(problem.y(x) - t))

    def step_target(x):
        z = problem.y(x)
        return z - eta * (z - t)

    xa = problem.start.copy()
    xn = problem.start.copy()
    analytic, numerical, calls = [xa.copy()], [xn.copy()], []
    began = time.perf_counter()
    for _ in range(steps):
        xa = problem.inverse(step_target(xa))
        analytic.append(xa.copy())
        z = step_target(xn)
        res = fmin_l_bfgs_b(lambda v: total(np.square(problem.y(v) - z)), xn.copy(), approx_grad=True)
        xn = np.array(res[0], dtype=np.float64)
        numerical.append(xn.copy())
        task = res[2]["task"]
        calls.append({"nit": int(res[2]["nit"]), "nfev": int(res[2]["funcalls"]), "warnflag": int(res[2]["warnflag"]),
                      "task": task.decode() if isinstance(task, bytes) else str(task)})
    seconds = time.perf_counter() - began
    a, b = np.array(analytic), np.array(numerical)
    err = np.abs(b - a)
    per_step = []
    for k in range(steps + 1):
        row = {"step": k, "mae": float(err[k].mean()), "max_error": float(err[k].max()),
               "loss_analytic": loss(a[k]), "loss_numerical": loss(b[k])}
        if k > 0:
            row.update(calls[k - 1])
        per_step.append(row)
    return {
        "problem": problem.name, "dimension": problem.n, "eta": eta, "steps": steps,
        "mae": float(err.mean()), "max_error": float(err.max()),
        "final_loss_analytic": loss(a[-1]), "final_loss_numerical": loss(b[-1]),
        "inner_iterations": sum(c["nit"] for c in calls), "inner_evaluations": sum(c["nfev"] for c in calls),
        "inner_not_converged": sum(1 for c in calls if c["warnflag"] != 0),
        "per_step": per_step,
    }, seconds


def generate(dimensions, steps, output):
    cases = []
    for name, make in PROBLEMS.items():
        for n in dimensions:
            if name == "powers" and n % 2:
                continue
            case, seconds = study(make(n), steps)
            literal, _ = study(make(n), steps, total=numpy_sum)
            case["mae_numpy_sum"] = literal["mae"]
            cases.append(case)
            print(f"{name}({n}): MAE {case['mae']:.3g} (with np.sum {literal['mae']:.3g}), final loss {case['final_loss_numerical']:.3g} "
                  f"(analytic {case['final_loss_analytic']:.3g}), {case['inner_evaluations']} inner evaluations, "
                  f"{seconds:.2f} s", flush=True)
    out = {
        "about": "PG with the analytic inverse against PG with fmin_l_bfgs_b(approx_grad=True), float64; "
                 "regenerated by scripts/make_inversion_reference.py",
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "cases": cases,
    }
    with open(output, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(output)}")


def compare(tool_path, reference_path):
    """The tool's finite-difference column beside SciPy's, for every problem and dimension both have."""
    with open(tool_path) as f:
        tool = json.load(f)
    with open(reference_path) as f:
        ref = {(c["problem"], c["dimension"]): c for c in json.load(f)["cases"]}

    def fmt(v):
        return "-" if v is None else f"{v:.3g}"

    header = ["problem", "n", "eta", "PhysGrad FD", "SciPy FD", "ratio", "PhysGrad exact",
              "FD evals (PhysGrad/SciPy)", "FD loss (PhysGrad/SciPy)"]
    rows = []
    for s in tool["studies"]:
        name = "powers" if s["problem"] == "seed" else s["problem"]
        r = ref.get((name, s["dimension"]))
        variants = {v["name"]: v for v in s["variants"]}
        fd, exact = variants.get("finite-differences"), variants.get("exact")
        fd_mae = fd and fd["mae"]
        ratio = f"{fd_mae / r['mae']:.3f}" if r and fd_mae is not None and r["mae"] > 0 else "-"
        evals = f"{fd['inner_evaluations']}/{r['inner_evaluations']}" if fd and r else "-"
        losses = f"{fmt(fd['final_loss'])}/{fmt(r['final_loss_numerical'])}" if fd and r else "-"
        rows.append([s["problem"], str(s["dimension"]), f"{s['eta']:g}", fmt(fd_mae), fmt(r and r["mae"]), ratio,
                     fmt(exact and exact["mae"]), evals, losses])
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dimensions", default=",".join(map(str, DIMENSIONS)))
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--output", default=DEFAULT_OUTPUT)
    p.add_argument("--compare", metavar="TOOL_JSON", help="print the tool's JSON beside the reference (--output)")
    a = p.parse_args()
    if a.compare:
        compare(a.compare, a.output)
        return
    generate([int(v) for v in a.dimensions.split(",")], a.steps, a.output)


if __name__ == "__main__":
    sys.exit(main())
