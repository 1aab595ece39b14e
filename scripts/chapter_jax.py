#!/usr/bin/env python3
"""The chapter "Simple Example comparing Different Optimizers" the chapter's way, as one process:
eager JAX calls (float32), SciPy's fmin_l_bfgs_b with approx_grad for the numerical inverse,
matplotlib figures saved as PNG. The peer of `physgrad compare` in scripts/bench (suite "cli");
it checks its numbers against ../shared/reference/seed.json (or the repository's copy in
Tests/PhysGradExamplesTests/Resources/seed-reference.json) and exits 1 when they disagree.

    python scripts/chapter_jax.py [--output DIR] [--quiet]
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import jax  # noqa: E402
import jax.numpy as np  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as onp  # noqa: E402
from scipy.optimize import fmin_l_bfgs_b  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--output", default="chapter-jax-output")
parser.add_argument("--quiet", action="store_true")
args = parser.parse_args()
os.makedirs(args.output, exist_ok=True)
out = (lambda *a: None) if args.quiet else print


def physics_y(x):
    return np.array([x[0], x[1] * x[1]])


def loss_y(y):
    return np.sum(np.square(y))


def loss_x(x):
    return loss_y(physics_y(x))


x = np.asarray([3, 3], dtype=np.float32)
out("Starting point x = " + format(x) + "\n")
out((physics_y(x), loss_y(physics_y(x)), loss_x(x)))
out("Jacobian L(y): " + format(jax.grad(loss_y)(physics_y(x))) + "\n")
J = jax.jacobian(physics_y)(x)
out("Jacobian y(x): \n" + format(J))
out("\nSanity check with inverse Jacobian of y, this should give x again: " + format(np.linalg.solve(J, np.matmul(J, x))) + "\n")
out("Gradient for full L(x): " + format(jax.grad(loss_x)(x)) + "\n")

# GD
x = np.asarray([3.0, 3.0])
eta = 0.01
historyGD = [x]
updatesGD = []
for i in range(10):
    G = jax.grad(loss_x)(x)
    x += -eta * G
    historyGD.append(x)
    updatesGD.append(G)
    out("GD iter %d: " % i + format(x))

# Newton
x = np.asarray([3.0, 3.0])
eta = 1.0 / 3.0
historyNt = [x]
updatesNt = []
Gx = jax.grad(loss_x)
Hx = jax.jacobian(jax.jacobian(loss_x))
for i in range(10):
    g = Gx(x)
    h = Hx(x)
    hinv = np.linalg.inv(h)
    x += -eta * np.matmul(hinv, g)
    historyNt.append(x)
    updatesNt.append(np.matmul(hinv, g))
    out("Newton iter %d: " % i + format(x))

# PG, analytic inverse
x = np.asarray([3.0, 3.0])
eta = 0.3
historyPG = [x]
historyPGy = []
updatesPG = []


def physics_y_inv(y):
    return np.array([y[0], np.power(y[1], 0.5)])


Gy = jax.grad(loss_y)
Hy = jax.jacobian(jax.jacobian(loss_y))
for i in range(10):
    zForw = physics_y(x)
    g = Gy(zForw)
    h = Hy(zForw)
    hinv = np.linalg.inv(h)
    zBack = zForw - eta * np.matmul(hinv, g)
    historyPGy.append(zBack)
    x = physics_y_inv(zBack)
    historyPG.append(x)
    updatesPG.append(historyPG[-2] - historyPG[-1])
    out("PG iter %d: " % i + format(x))


def mag(v):
    return np.sqrt(np.sum(np.square(v)))


def one_len(v):
    return np.dot(v / mag(v), np.array([1, 1]))


diag = (one_len(updatesGD[0]), one_len(updatesNt[0]), one_len(updatesPG[0]))
out("Diagonal lengths (larger is better): GD %f, Nt %f, PG %f " % diag)

historyGD = onp.asarray(historyGD)
historyNt = onp.asarray(historyNt)
historyPG = onp.asarray(historyPG)
axes = plt.figure(figsize=(4, 4), dpi=100).gca()
axes.scatter(historyGD[:, 0], historyGD[:, 1], lw=0.5, color="#1F77B4", label="GD")
axes.scatter(historyNt[:, 0], historyNt[:, 1], lw=0.5, color="#FF7F0E", label="Newton")
axes.scatter(historyPG[:, 0], historyPG[:, 1], lw=0.5, color="#D62728", label="PG")
axes.scatter([0], [0], lw=0.25, color="black", marker="x")
axes.set_xlabel("x0")
axes.set_ylabel("x1")
axes.legend()
plt.savefig(os.path.join(args.output, "x-space.png"))
plt.close()

historyGDy = onp.asarray([physics_y(historyGD[i]) for i in range(1, 10)])
historyNty = onp.asarray([physics_y(historyNt[i]) for i in range(1, 10)])
historyPGy = onp.asarray(historyPGy)
axes = plt.figure(figsize=(4, 4), dpi=100).gca()
axes.set_title("y space")
axes.scatter(historyGDy[:, 0], historyGDy[:, 1], lw=0.5, marker="*", color="#1F77B4", label="GD")
axes.scatter(historyNty[:, 0], historyNty[:, 1], lw=0.5, marker="*", color="#FF7F0E", label="Newton")
axes.scatter(historyPGy[:, 0], historyPGy[:, 1], lw=0.5, marker="*", color="#D62728", label="PG")
axes.scatter([0], [0], lw=0.25, color="black", marker="*")
axes.set_xlabel("z0")
axes.set_ylabel("z1")
axes.legend()
plt.savefig(os.path.join(args.output, "y-space.png"))
plt.close()


def physics_y_inv_opt(target_y, x_ini):
    target_y = onp.array(target_y)
    # The chapter's SciPy turned a float32 x0 into float64; SciPy 1.17 keeps float32, where
    # approx_grad's step of 1e-8 vanishes (PG iter 0 would print [2.09960394 2.50955067]).
    x_ini = onp.array(x_ini, dtype=onp.float64)

    def physics_y_opt(x, target_y=[2, 2]):
        y = onp.array([x[0], x[1] * x[1]])
        return onp.sum(onp.square(y - target_y))

    ret = fmin_l_bfgs_b(lambda x: physics_y_opt(x, target_y), x_ini, approx_grad=True)
    return ret[0]


out("BFGS optimization test run, find x such that y=[2,2]:")
bfgs_test = physics_y_inv_opt([2, 2], [3, 3])
out(repr(bfgs_test))

x = np.asarray([3.0, 3.0])
eta = 0.3
history = [x]
for i in range(10):
    y = physics_y(x)
    g = Gy(y)
    y += -eta * np.matmul(np.linalg.inv(Hy(y)), g)
    x = physics_y_inv_opt(y, x)
    history.append(x)
    out("PG iter %d: " % i + format(x))
historyPGa = onp.asarray(history)
mae = onp.average(onp.abs(historyPGa - historyPG))
out("MAE difference between analytic PG and approximate inversion: %f" % mae)

# Check against the reference numbers (the chapter's printed values).
here = os.path.dirname(os.path.abspath(__file__))
candidates = [os.path.join(here, "..", "..", "shared", "reference", "seed.json"),
              os.path.join(here, "..", "Tests", "PhysGradExamplesTests", "Resources", "seed-reference.json")]
reference = next((p for p in candidates if os.path.exists(p)), None)
if reference is None:
    sys.exit("chapter_jax: no reference file found")
printed = json.load(open(reference))["printed"]


def final(key):
    v = printed.get(key + "_final")
    return v if v is not None else printed[key][-1]


checks = [("gd", historyGD[-1]), ("newton", historyNt[-1]), ("pg", historyPG[-1]), ("pg_numerical", historyPGa[-1])]
bad = [(k, list(v), final(k)) for k, v in checks if onp.max(onp.abs(onp.asarray(v, dtype=float) - onp.asarray(final(k)))) > 2e-6]
if onp.max(onp.abs(bfgs_test - onp.asarray(printed["bfgs_test"]))) > 1e-8:
    bad.append(("bfgs_test", list(bfgs_test), printed["bfgs_test"]))
if "%f" % mae != "0.000001":
    bad.append(("mae", mae, printed["mae"]))
if bad:
    sys.exit("chapter_jax: numbers differ from %s: %s" % (reference, bad))
