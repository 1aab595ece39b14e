"""Peer of bench-array-ad: JAX jit on the same functions and points (float64, CPU, one thread),
and SciPy / NumPy for the PG runs (the same definitions as scripts/peers/optimizers.py).

- rosenbrock-array-*, sumsqsin-array-*: jax.jit of f, grad, and jvp of grad (hvp).
- powers-hessian-array: jax.jit(jax.hessian) of |powers(x)|^2.
- burgers-grad: jax.jit(jax.grad) of |y(x) - y*|^2 with y the burgers(n) scheme in
  lax.fori_loop (JAX stores every state for the reverse pass).
- burgers-jacobian: jax.jit(jax.jacfwd) of the burgers(n) scheme (n forward tangents).
- powers-pg-numerical: scipy.optimize.minimize(L-BFGS-B, jac=True) with a NumPy gradient, 10 steps.
- powers-pg: the analytic-inverse PG step in NumPy, 10 steps.

`--objectives`: only the rosenbrock and sumsqsin rows (as bench-array-ad --objectives).
"""
import math
import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

from scipy.optimize import minimize  # noqa: E402

from common import emit, measure, quick, uniform  # noqa: E402

SUITE = "array-ad"
IMPL = "jax-" + jax.__version__


def rosenbrock(x):
    m = x.shape[0] // 2
    a = x[1 : 2 * m : 2] - x[0 : 2 * m : 2] ** 2
    b = 1.0 - x[0 : 2 * m : 2]
    return jnp.sum(100.0 * a * a + b * b)


def sumsqsin(x):
    return jnp.sum(x * x * jnp.sin(x))


def powers_loss(x):
    odd = (jnp.arange(x.shape[0]) % 2) == 1
    y = jnp.where(odd, x * x, x)
    return jnp.sum(y * y)


def timed(fn, *args, min_seconds, min_runs=5):
    return measure(lambda: jax.block_until_ready(fn(*args)), min_runs=min_runs, min_seconds=min_seconds)


def burgers(n):
    nu, time = 0.01, 0.5
    dx = 2 * math.pi / n
    stable = 0.9 * min(dx * dx / (2 * nu), 2 * nu / 1.5**2)
    steps = math.ceil(time / stable)
    dt = time / steps
    a, d = dt / (6 * dx), nu * dt / (dx * dx)

    def step(_, u):
        l, r = jnp.roll(u, 1), jnp.roll(u, -1)
        return u - a * (r - l) * (l + u + r) + d * (r - 2 * u + l)

    def model(x):
        return jax.lax.fori_loop(0, steps, step, x)

    return model, steps


def main():
    min_seconds = 0.05 if quick() else 0.25
    for name, f, sizes in (("rosenbrock", rosenbrock, [1000] if quick() else [1000, 100_000, 1_000_000]),
                           ("sumsqsin", sumsqsin, [1000] if quick() else [1000, 100_000])):
        f_jit = jax.jit(f)
        grad_jit = jax.jit(jax.grad(f))
        hvp_jit = jax.jit(lambda x, v, f=f: jax.jvp(jax.grad(f), (x,), (v,))[1])
        for n in sizes:
            x = jnp.asarray(uniform(42, n))
            v = jnp.asarray(uniform(7, n))
            for case, fn, args in ((f"{name}-array-f", f_jit, (x,)), (f"{name}-array-grad", grad_jit, (x,)),
                                   (f"{name}-array-hvp", hvp_jit, (x, v))):
                t, runs = timed(fn, *args, min_seconds=min_seconds)
                emit(SUITE, case, n, IMPL, t, runs)
    if "--objectives" in sys.argv:
        return

    n = 1000
    x = jnp.asarray(uniform(3, n))
    t, runs = timed(jax.jit(jax.hessian(powers_loss)), x, min_seconds=min_seconds)
    emit(SUITE, "powers-hessian-array", n, IMPL, t, runs)

    for n in [256] if quick() else [256, 1024, 4096]:
        model, steps = burgers(n)
        i = np.arange(n)
        target = jax.jit(model)(jnp.asarray(np.sin(2 * np.pi * i / n)))
        x = jnp.asarray(0.5 * np.sin(2 * np.pi * i / n) + 0.1 * np.cos(6 * np.pi * i / n))
        grad = jax.jit(jax.grad(lambda x: jnp.sum((model(x) - target) ** 2)))
        t, runs = timed(grad, x, min_seconds=min_seconds, min_runs=3)
        emit(SUITE, "burgers-grad", n, IMPL, t, runs, extra={"steps": steps})

    for n in [64] if quick() else [64, 256]:
        model, steps = burgers(n)
        i = np.arange(n)
        x = jnp.asarray(0.5 * np.sin(2 * np.pi * i / n) + 0.1 * np.cos(6 * np.pi * i / n))
        t, runs = timed(jax.jit(jax.jacfwd(model)), x, min_seconds=min_seconds, min_runs=3)
        emit(SUITE, "burgers-jacobian", n, IMPL, t, runs, extra={"steps": steps})

    n = 1000 if quick() else 10_000
    x0 = np.full(n, 3.0)

    def powers_y(x):
        y = x.copy()
        y[1::2] = x[1::2] ** 2
        return y

    def powers_inverse(z):
        x = z.copy()
        x[1::2] = np.sqrt(z[1::2])
        return x

    def pg_numerical():
        x = x0.copy()
        for _ in range(10):
            y = powers_y(x)
            z = y - 0.3 * y

            def phi(v):
                r = powers_y(v) - z
                g = 2 * r
                g[1::2] *= 2 * v[1::2]
                return float(r @ r), g

            x = minimize(phi, x, jac=True, method="L-BFGS-B").x
        return x

    def pg_analytic():
        x = x0.copy()
        for _ in range(10):
            y = powers_y(x)
            x = powers_inverse(y - 0.3 * y)
        return x

    t, runs = measure(pg_numerical, min_runs=3, min_seconds=min_seconds)
    emit(SUITE, "powers-pg-numerical", n, "scipy+numpy", t, runs)
    t, runs = measure(pg_analytic, min_seconds=min_seconds)
    emit(SUITE, "powers-pg", n, "numpy", t, runs)


if __name__ == "__main__":
    main()
