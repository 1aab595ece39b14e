#!/usr/bin/env python3
"""Reference values for Tests/PhysGradTests/MethodReviewTests.swift (bounded least squares).

SciPy 1.17's `least_squares(method="trf")` with exact Jacobians and tight tolerances
(ftol = xtol = gtol = 1e-15) on small problems whose bounds are active at the solution; the
printed numbers are pasted into the test as literals. SciPy needs lower < upper and a feasible
start, so a variable with lower == upper is eliminated (its column moved into the target) and
the start is the projected one, which is where PhysGrad's projected methods begin too.

- rosenbrock-bounded: r = [10 (x1 - x0²), 1 - x0], 1.5 <= x1 (x0 free, infinite bounds),
  from [2, 3], [2, 1.5] and [1, 1.5] (the projection of [1, 0], where PhysGrad's tests start);
- linear-held: r = A x - t, A 5 × 3 below, x0 <= 0 (active) and x2 == 0.3 (lower == upper),
  eliminated here: SciPy solves for (x0, x1) with t - 0.3 A[:, 2];
- wide-bounded: r = W x - t, W 2 × 3 below, -0.5 <= x0 <= 0.5, -1 <= x1, x2 <= 1, from
  [0.3, -0.7, 0.4] (two bounds active: the solution is unique although W is wide).

Run:  .venv-bench/bin/python scripts/make_method_review_reference.py
"""
import numpy as np
from scipy.optimize import least_squares

tight = dict(ftol=1e-15, xtol=1e-15, gtol=1e-15, method="trf")


def rosenbrock():
    res = lambda x: np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])
    jac = lambda x: np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])
    for x0 in ([2.0, 3.0], [2.0, 1.5], [1.0, 1.5]):
        r = least_squares(res, x0, jac=jac, bounds=([-np.inf, 1.5], [np.inf, np.inf]), **tight)
        print("rosenbrock-bounded from", x0, "x =", repr(r.x.tolist()), "loss =", repr(float(2 * r.cost)),
              "active =", r.active_mask.tolist())


A = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0], [3.0, -1.0, 2.0], [1.0, 1.0, 1.0], [-2.0, 0.5, 0.0]])
T = np.array([1.0, -1.0, 2.0, 0.5, -3.0])


def linear_held():
    a, t = A[:, :2], T - 0.3 * A[:, 2]
    r = least_squares(lambda z: a @ z - t, [-1.0, 0.0], jac=lambda z: a, bounds=([-np.inf, -np.inf], [0.0, np.inf]), **tight)
    x = [*r.x.tolist(), 0.3]
    print("linear-held x =", repr(x), "loss =", repr(float(2 * r.cost)), "active =", r.active_mask.tolist())
    free = np.linalg.lstsq(A, T, rcond=None)[0]
    print("  unconstrained x =", free.tolist())


def wide_bounded():
    w = np.array([[2.0, 1.0, 3.0], [0.5, -1.0, 0.25]])  # column-major [2, 0.5, 1, -1, 3, 0.25]
    t = np.array([1.0, -2.0])
    r = least_squares(lambda x: w @ x - t, [0.3, -0.7, 0.4], jac=lambda x: w, bounds=([-0.5, -1, -1], [0.5, 1, 1]), **tight)
    print("wide-bounded x =", repr(r.x.tolist()), "loss =", repr(float(2 * r.cost)), "active =", r.active_mask.tolist())


rosenbrock()
linear_held()
wide_bounded()
