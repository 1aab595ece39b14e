"""Peer of bench-optimizers: the same steps with JAX (jit where the issue asks) and SciPy.

- chapter: the chapter's own way (eager JAX grad/jacobian/inv, fmin_l_bfgs_b with approx_grad),
  GD, Newton, PG and PG with the numerical inverse, 10 steps each, plus the inverse test.
- powers-pg / blur-pg: the analytic-inverse PG step in NumPy (vectorized), 10 steps.
- powers-pg-numerical / blur-pg-numerical: scipy.optimize.minimize(method="L-BFGS-B", jac=True)
  with an exact NumPy gradient 2 J^T (y(x) - y'), default options, warm-started, 10 steps.
- powers-newton-dense: jax.jit(jax.hessian(L)) + jnp.linalg.solve, 10 steps (also reported as
  the peer of powers-newton-structured, which the issue compares against it).
"""
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
from scipy.optimize import fmin_l_bfgs_b, minimize  # noqa: E402

from common import emit, measure, quick  # noqa: E402

SUITE = "optimizers"
IMPL = "jax+scipy"


def powers_y(x):
    y = x.copy()
    y[1::2] = x[1::2] ** 2
    return y


def powers_inverse(z):
    x = z.copy()
    x[1::2] = np.sqrt(z[1::2])
    return x


def chapter():
    def physics_y(x):
        return jnp.array([x[0], x[1] * x[1]])

    def loss_y(y):
        return jnp.sum(jnp.square(y))

    def loss_x(x):
        return loss_y(physics_y(x))

    x = jnp.asarray([3.0, 3.0])
    for _ in range(10):
        x = x - 0.01 * jax.grad(loss_x)(x)
    x = jnp.asarray([3.0, 3.0])
    gx, hx = jax.grad(loss_x), jax.jacobian(jax.jacobian(loss_x))
    for _ in range(10):
        x = x - (1.0 / 3.0) * jnp.matmul(jnp.linalg.inv(hx(x)), gx(x))
    gy, hy = jax.grad(loss_y), jax.jacobian(jax.jacobian(loss_y))
    x = jnp.asarray([3.0, 3.0])
    for _ in range(10):
        z = physics_y(x)
        z = z - 0.3 * jnp.matmul(jnp.linalg.inv(hy(z)), gy(z))
        x = jnp.array([z[0], jnp.power(z[1], 0.5)])

    def inv_opt(target, x_ini):
        target = np.array(target)
        return fmin_l_bfgs_b(lambda v: np.sum(np.square(np.array([v[0], v[1] * v[1]]) - target)),
                             np.array(x_ini, dtype=np.float64), approx_grad=True)[0]

    inv_opt([2, 2], [3, 3])
    x = jnp.asarray([3.0, 3.0])
    for _ in range(10):
        y = physics_y(x)
        y = y - 0.3 * jnp.matmul(jnp.linalg.inv(hy(y)), gy(y))
        x = inv_opt(y, x)
    return x


def pg_analytic(x0, eta, forward, inverse, steps=10):
    x = x0.copy()
    for _ in range(steps):
        y = forward(x)
        # L = |y - y*|^2: H = 2I, g = 2 (y - y*): the Newton step in y is (y - y*).
        x = inverse(y - eta * (y - TARGET[0]))
    return x


def pg_numerical(x0, eta, forward, vjp, target, steps=10):
    x = x0.copy()
    for _ in range(steps):
        y = forward(x)
        z = y - eta * (y - target)

        def phi(v):
            r = forward(v) - z
            return float(r @ r), 2 * vjp(v, r)

        x = minimize(phi, x, jac=True, method="L-BFGS-B").x
    return x


TARGET = [None]


def main():
    t, runs = measure(chapter, min_runs=3, min_seconds=1.0)
    emit(SUITE, "chapter", 2, "jax-eager+scipy", t, runs)

    for n in ([10, 100] if quick() else [10, 100, 1000, 10000]):
        x0 = np.full(n, 3.0)
        TARGET[0] = np.zeros(n)
        t, runs = measure(lambda: pg_analytic(x0, 0.3, powers_y, powers_inverse))
        emit(SUITE, "powers-pg", n, "numpy", t, runs)

        def vjp(v, r):
            out = r.copy()
            out[1::2] = 2 * v[1::2] * r[1::2]
            return out

        t, runs = measure(lambda: pg_numerical(x0, 0.3, powers_y, vjp, np.zeros(n)), min_runs=3)
        emit(SUITE, "powers-pg-numerical", n, "scipy", t, runs)
        if n <= 1000:
            def loss(x):
                idx = jnp.arange(x.shape[0])
                y = jnp.where(idx % 2 == 0, x, x * x)
                return jnp.sum(y * y)

            grad = jax.jit(jax.grad(loss))
            hess = jax.jit(jax.hessian(loss))

            def newton():
                x = jnp.full(n, 3.0)
                for _ in range(10):
                    x = x - (1.0 / 3.0) * jnp.linalg.solve(hess(x), grad(x))
                return x.block_until_ready()

            t, runs = measure(newton, min_runs=3)
            emit(SUITE, "powers-newton-dense", n, "jax-jit", t, runs)
            emit(SUITE, "powers-newton-structured", n, "jax-jit-dense", t, runs)

    for n in ([10, 100] if quick() else [10, 100, 1000]):
        kernel = np.exp(-(np.arange(10) / 1.5) ** 2)
        g = np.zeros((n, n))
        for d in range(10):
            g += np.diag(np.full(n - d, kernel[d]), d) if d < n else 0
            if 0 < d < n:
                g += np.diag(np.full(n - d, kernel[d]), -d)
        xs = np.sin(2 * np.pi * np.arange(n) / n)
        target = g @ (xs ** 3 + xs)
        TARGET[0] = target
        chol = scipy.linalg.cho_factor(g, lower=True)

        def forward(x):
            return g @ (x ** 3 + x)

        def inverse(y):
            c = scipy.linalg.cho_solve(chol, y)
            x = np.cbrt(c)  # Newton polish of x^3 + x = c from a start near the root
            for _ in range(30):
                x = x - (x ** 3 + x - c) / (3 * x ** 2 + 1)
            return x

        def vjp(v, r):
            return (3 * v ** 2 + 1) * (g.T @ r)

        x0 = np.full(n, 3.0)
        t, runs = measure(lambda: pg_analytic(x0, 0.5, forward, inverse), min_runs=3)
        emit(SUITE, "blur-pg", n, "numpy", t, runs)
        t, runs = measure(lambda: pg_numerical(x0, 0.5, forward, vjp, target), min_runs=3)
        emit(SUITE, "blur-pg-numerical", n, "scipy", t, runs)


if __name__ == "__main__":
    main()
