#!/usr/bin/env python3
"""Writes Tests/PhysGradLBFGSBTests/Resources/lbfgsb-reference.json: SciPy's L-BFGS-B results on the
problems PhysGradLBFGSBTests checks (iteration and evaluation counts, termination, f*, and x* for small n).

Every problem is defined here and again, independently, in Swift (Tests/PhysGradLBFGSBTests/Problems.swift);
the names tie them together. BLAS is pinned to one thread so that the numbers are reproducible.

    python3 scripts/make_lbfgsb_reference.py            # writes the JSON
    python3 scripts/make_lbfgsb_reference.py --print    # also prints a summary table
"""
import os
import sys

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import fmin_l_bfgs_b, minimize  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "PhysGradLBFGSBTests", "Resources", "lbfgsb-reference.json")
X_MAX_N = 1000  # store x* only up to this size


# ----------------------------------------------------------------------------------------------
# Objectives (exact gradients)

def ext_rosen(x):
    """Extended Rosenbrock (More-Garbow-Hillstrom #21): sum over pairs 100 (b - a^2)^2 + (1 - a)^2."""
    a, b = x[0::2], x[1::2]
    t = b - a * a
    g = np.empty_like(x)
    g[0::2] = -400.0 * a * t - 2.0 * (1.0 - a)
    g[1::2] = 200.0 * t
    return float(np.sum(100.0 * t * t + (1.0 - a) ** 2)), g


def chained_rosen(x):
    """scipy.optimize.rosen: sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    t = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * t - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * t
    return float(np.sum(100.0 * t * t + (1.0 - x[:-1]) ** 2)), g


def driver1(x):
    """L-BFGS-B 3.0 driver1.f: (x_1 - 1)^2 + 4 sum_{i>=2} (x_i - x_{i-1}^2)^2."""
    t = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[0] = 2.0 * (x[0] - 1.0)
    g[:-1] += -16.0 * x[:-1] * t
    g[1:] += 8.0 * t
    return float((x[0] - 1.0) ** 2 + 4.0 * np.sum(t * t)), g


def driver1_bounds(n):
    return [(1.0, 100.0) if i % 2 == 0 else (-100.0, 100.0) for i in range(n)]


def quadratic(n):
    """0.5 x'Ax - b'x, A = tridiag(-1, a_i, -1), a_i = 2 + 10^(-2 + 2i/(n-1)); bounds cycle over
    [-1,1], [-1,inf), (-inf,1], free; b = A x_true - g_true puts a third of the bounded variables on
    their bounds with strictly complementary multipliers."""
    i = np.arange(n)
    a = 2.0 + 10.0 ** (-2.0 + 2.0 * i / (n - 1))
    lb = np.full(n, -np.inf)
    ub = np.full(n, np.inf)
    k = i % 4
    lb[(k == 0) | (k == 1)] = -1.0
    ub[(k == 0) | (k == 2)] = 1.0
    xt = 0.5 * np.sin(i + 1.0)
    gt = np.zeros(n)
    s = i % 3
    lo = (s == 0) & np.isfinite(lb)
    up = (s == 1) & np.isfinite(ub)
    xt[lo] = lb[lo]
    xt[up] = ub[up]
    gt[lo] = 0.5 + (i[lo] % 7) / 7.0
    gt[up] = -(0.5 + (i[up] % 5) / 5.0)

    def av(x):
        y = a * x
        y[1:] -= x[:-1]
        y[:-1] -= x[1:]
        return y

    b = av(xt) - gt

    def fg(x):
        ax = av(x)
        return float(0.5 * x @ ax - b @ x), ax - b

    return fg, [(None if np.isinf(p) else p, None if np.isinf(q) else q) for p, q in zip(lb, ub)]


def inverse_value(x):
    """The chapter's inverse: |[x0, x1^2] - [2, 2]|^2."""
    return float((x[0] - 2.0) ** 2 + (x[1] ** 2 - 2.0) ** 2)


def inverse(x):
    return inverse_value(x), np.array([2.0 * (x[0] - 2.0), 4.0 * x[1] * (x[1] ** 2 - 2.0)])


def beale(x):
    X, Y = x
    r1, r2, r3 = 1.5 - X + X * Y, 2.25 - X + X * Y ** 2, 2.625 - X + X * Y ** 3
    gx = 2 * r1 * (Y - 1) + 2 * r2 * (Y ** 2 - 1) + 2 * r3 * (Y ** 3 - 1)
    gy = 2 * r1 * X + 2 * r2 * (2 * X * Y) + 2 * r3 * (3 * X * Y ** 2)
    return float(r1 * r1 + r2 * r2 + r3 * r3), np.array([gx, gy])


def booth(x):
    X, Y = x
    r1, r2 = X + 2 * Y - 7, 2 * X + Y - 5
    return float(r1 * r1 + r2 * r2), np.array([2 * r1 + 4 * r2, 4 * r1 + 2 * r2])


C6 = np.arange(1.0, 7.0)


def sepquad(x):
    r = x - C6
    return float(r @ r), 2.0 * r


def rosen_x0(n):
    return np.tile([-1.2, 1.0], n // 2)


# ----------------------------------------------------------------------------------------------

def fin(v):
    v = float(v)
    if v != v:
        return "nan"
    if v in (np.inf, -np.inf):
        return "inf" if v > 0 else "-inf"
    return v


def record(name, n, r, keep_x=True, extra=None):
    rec = dict(name=name, n=n, nit=int(r.nit), nfev=int(r.nfev), njev=int(r.njev), status=int(r.status),
               success=bool(r.success), message=str(r.message), fun=fin(r.fun))
    if keep_x and n <= X_MAX_N:
        rec["x"] = [fin(v) for v in np.asarray(r.x, float)]
    else:
        rec["sum_x"] = float(np.sum(r.x))
    if extra:
        rec.update(extra)
    return rec


def run(fg, x0, bounds=None, **options):
    return minimize(fg, np.asarray(x0, float), jac=True, method="L-BFGS-B", bounds=bounds,
                    options=options or None)


def problems():
    out = []
    for n in (2, 10, 100, 1000):
        out.append(record(f"ext_rosenbrock_n{n}", n, run(ext_rosen, rosen_x0(n))))
    for n in (10000,):
        out.append(record(f"ext_rosenbrock_n{n}", n, run(ext_rosen, rosen_x0(n)), keep_x=False))
    for n in (2, 10):
        out.append(record(f"chained_rosenbrock_n{n}", n, run(chained_rosen, rosen_x0(n))))
    out.append(record("driver1_n25", 25, run(driver1, np.full(25, 3.0), driver1_bounds(25))))
    out.append(record("driver1_n25_m5", 25, run(driver1, np.full(25, 3.0), driver1_bounds(25), maxcor=5)))
    for n in (100, 1000):
        fg, b = quadratic(n)
        out.append(record(f"bounded_quadratic_n{n}", n, run(fg, np.zeros(n), b)))
    out.append(record("inverse_2d_exact_grad", 2, run(inverse, [3.0, 3.0])))
    x, f, d = fmin_l_bfgs_b(inverse_value, np.array([3.0, 3.0]), approx_grad=True)
    out.append(dict(name="inverse_2d_fmin_approx_grad", n=2, nit=int(d["nit"]), nfev=int(d["funcalls"]),
                    status=int(d["warnflag"]), success=d["warnflag"] == 0, message=str(d["task"]), fun=fin(f),
                    x=[fin(v) for v in x]))
    out.append(record("beale", 2, run(beale, [1.0, 1.0])))
    out.append(record("booth", 2, run(booth, [0.0, 0.0])))
    b5 = [(None, None)] * 5
    b5[2] = (1.0, 1.0)
    out.append(record("fixed_var_chained_rosenbrock_n5", 5, run(chained_rosen, np.zeros(5), b5)))
    b6 = [(None, None)] * 6
    b6[1] = (0.0, 0.0)
    b6[3] = (10.0, 10.0)
    out.append(record("fixed_var_sep_quadratic_n6", 6, run(sepquad, np.zeros(6), b6)))
    out.append(record("x0_outside_bounds_rosenbrock_2d", 2,
                      run(chained_rosen, [-3.0, 5.0], [(-2.0, 0.5), (-2.0, 2.0)])))
    out.extend(review_problems())
    return out


def quartic1(x):
    """n = 1: (x - 2)^4 + x."""
    return float((x[0] - 2.0) ** 4 + x[0]), np.array([4.0 * (x[0] - 2.0) ** 3 + 1.0])


def review_problems():
    """Bounded problems with active bounds for LBFGSBReviewTests.swift: n = 1, m = 1, m > n, fixed, mixed
    infinite and finite bounds, a start outside the box."""
    return [
        record("review_quartic_n1_upper", 1, run(quartic1, [-5.0], [(None, 1.2)])),
        record("review_quartic_n1_m1_lower", 1, run(quartic1, [5.0], [(1.5, None)], maxcor=1)),
        record("review_rosenbrock_n2_m50_upper", 2, run(chained_rosen, [-1.2, 0.4], [(-2.0, 2.0), (None, 0.5)],
                                                          maxcor=50)),
        record("review_driver1_n25_m1", 25, run(driver1, np.full(25, 3.0), driver1_bounds(25), maxcor=1)),
        record("review_quartic_n1_free", 1, run(quartic1, [-5.0])),
        record("review_rosenbrock_n2_m50_free", 2, run(chained_rosen, [-1.2, 1.0], maxcor=50)),
        record("review_sepquad_n6_mixed", 6, run(sepquad, np.zeros(6), [(None, 0.5), (3.0, None), (2.5, 2.5),
                                                                       (None, None), (0.0, 4.0), (7.0, 9.0)])),
        record("review_chained_rosenbrock_n10_upper", 10,
               run(chained_rosen, rosen_x0(10), [(None, 0.8) if i % 3 == 0 else (None, None) for i in range(10)])),
    ]


def edge_cases():
    """The 17 edge cases of the shared reference suite, with SciPy's outcome."""
    E = []

    def add(name, fn):
        try:
            with np.errstate(all="ignore"):
                r = fn()
            E.append(dict(name=name, nit=None if r.get("nit") is None else int(r["nit"]), nfev=int(r["nfev"]),
                          status=None if r.get("status") is None else int(r["status"]),
                          success=bool(r["success"]), message=str(r["message"]), fun=fin(r["fun"]),
                          x=[fin(v) for v in np.asarray(r["x"], float)],
                          **({"extra": r["extra"]} if "extra" in r else {})))
        except Exception as e:  # noqa: BLE001
            E.append(dict(name=name, raised=f"{type(e).__name__}: {e}"))

    def fmin(fg, x0, **kw):
        x, f, d = fmin_l_bfgs_b(fg, np.asarray(x0, float), **kw)
        return dict(nit=d["nit"], nfev=d["funcalls"], status=d["warnflag"], success=d["warnflag"] == 0,
                    message=d["task"], fun=f, x=x)

    def rb10(x, c=4.0):
        f = 10.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
        g = np.array([-c * 10.0 * x[0] * (x[1] - x[0] ** 2) - 2.0 * (1.0 - x[0]), 20.0 * (x[1] - x[0] ** 2)])
        return float(f), g

    add("gh23161_rosenbrock_b10_factr0", lambda: fmin(rb10, [-1.0, 1.0], factr=0))
    add("gh23161_verbatim_inconsistent_gradient", lambda: fmin(lambda x: rb10(x, 2.0), [-1.0, 1.0], factr=0))

    def expfg(x):
        return float(x[0] + np.exp(-10.0 * x[0])), np.array([1.0 - 10.0 * np.exp(-10.0 * x[0])])

    add("gh11718_unbounded_below_maxls5", lambda: dict(run(expfg, [10.0], maxls=5)))
    add("gh11718_unbounded_below_default", lambda: dict(run(expfg, [10.0])))
    add("wrong_gradient_bias",
        lambda: dict(run(lambda x: (float(np.sum((x - 1) ** 2)), 2 * (x - 1) + 0.5), np.zeros(3))))
    add("wrong_gradient_sign",
        lambda: dict(run(lambda x: (float(np.sum((x - 1) ** 2)), -2 * (x - 1)), np.zeros(3))))
    add("nan_everywhere", lambda: dict(run(lambda x: (float("nan"), np.full(2, np.nan)), [1.0, 2.0])))

    def xlogx(bounds):
        count = [0]

        def fg(x):
            if np.all(x > 0):
                return float(np.sum(x * np.log(x))), np.log(x) + 1.0
            count[0] += 1
            return float("nan"), np.full_like(x, np.nan)
        r = dict(run(fg, [3.0], bounds))
        r["extra"] = dict(n_nan_evaluations=count[0])
        return r

    add("nan_in_line_search", lambda: xlogx(None))
    add("nan_in_line_search_with_bounds", lambda: xlogx([(1e-12, None)]))
    x10 = rosen_x0(10)
    add("maxiter_5", lambda: dict(run(chained_rosen, x10, maxiter=5)))
    add("maxfun_10", lambda: dict(run(chained_rosen, x10, maxfun=10)))

    def cb_run():
        seen = []

        def cb(intermediate_result):
            seen.append(float(intermediate_result.fun))
            if len(seen) == 3:
                raise StopIteration
        r = dict(minimize(chained_rosen, x10, jac=True, method="L-BFGS-B", callback=cb))
        r["extra"] = dict(callback_fun_values=seen)
        return r

    add("callback_stopiteration_at_3", cb_run)
    add("all_variables_fixed", lambda: dict(run(booth, [0.0, 0.0], [(1.0, 1.0), (3.0, 3.0)])))
    add("x0_already_optimal", lambda: dict(run(booth, [1.0, 3.0])))

    def fd_fixed():
        b5 = [(None, None)] * 5
        b5[2] = (1.0, 1.0)
        return dict(minimize(lambda x: chained_rosen(x)[0], np.zeros(5), method="L-BFGS-B", bounds=b5))

    add("fixed_var_chained_rosenbrock_n5_fd_grad", fd_fixed)
    add("infeasible_bounds_lb_gt_ub", lambda: dict(run(booth, [0.0, 0.0], [(2.0, 1.0), (0.0, 5.0)])))
    add("float32_gradient",
        lambda: dict(run(lambda x: (booth(x)[0], booth(x)[1].astype(np.float32)), [0.0, 0.0])))
    return E


def main():
    doc = dict(
        generator="scripts/make_lbfgsb_reference.py",
        scipy=scipy.__version__, numpy=np.__version__,
        note=("scipy.optimize L-BFGS-B, default options unless the name says otherwise, exact gradients "
              "(jac=True) except inverse_2d_fmin_approx_grad (fmin_l_bfgs_b(approx_grad=True)) and "
              "fixed_var_chained_rosenbrock_n5_fd_grad; BLAS on one thread"),
        problems=problems(), edge_cases=edge_cases())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=None, separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    if "--print" in sys.argv:
        for p in doc["problems"]:
            print(f"{p['name']:36s} nit={p['nit']:4d} nfev={p['nfev']:4d} f={p['fun']!s:24s} {p['message']}")
        for e in doc["edge_cases"]:
            print(f"{e['name']:40s} {e.get('nit')} {e.get('nfev')} {e.get('message', e.get('raised'))}")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
