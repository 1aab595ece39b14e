"""SciPy's figures for the README's "L-BFGS-B on its own" example, checked by
Tests/PhysGradLBFGSBTests/ReadmeExampleTests.swift.

    python3 scripts/make_readme_lbfgsb_reference.py   (numpy and scipy)

Prints SciPy's iterations (nit) and evaluations (nfev) of fmin_l_bfgs_b, default options, on the
2-D Rosenbrock function from [-1.2, 1] with the bounds -2 <= x_i <= 2 of the example and without
bounds (the benchmark's whole call).
"""
import numpy as np
from scipy.optimize import fmin_l_bfgs_b


def rosenbrock(x):
    t = x[1] - x[0] * x[0]
    return 100 * t * t + (1 - x[0]) ** 2, np.array([-400 * x[0] * t - 2 * (1 - x[0]), 200 * t])


for name, bounds in [("bounds [-2, 2]", [(-2.0, 2.0), (-2.0, 2.0)]), ("no bounds", None)]:
    x, f, d = fmin_l_bfgs_b(rosenbrock, np.array([-1.2, 1.0]), bounds=bounds)
    print(f"{name}: x = {x.tolist()}, nit = {d['nit']}, nfev = {d['funcalls']}")
