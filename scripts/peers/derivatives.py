"""Peer of bench-derivatives: JAX's jit-compiled value, grad and Hessian-vector product
(jvp of grad, forward-over-reverse as on the Swift side) on the same functions and the same
points, in float64 on the CPU, and the dense Hessian of the chapter's n-dimensional objective
(jax.hessian = jacfwd(jacrev)). Rows carry the same suite/case/n as the Swift rows."""
import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

from common import emit, measure, quick, uniform  # noqa: E402

SUITE = "derivatives"
IMPL = "jax-" + jax.__version__


def sumsqsin(x):
    return jnp.sum(x * x * jnp.sin(x))


def rosenbrock(x):
    # Extended Rosenbrock: pairs (x[2i], x[2i+1]); a trailing odd entry is ignored, as in Swift.
    m = x.shape[0] // 2
    a = x[1 : 2 * m : 2] - x[0 : 2 * m : 2] ** 2
    b = 1.0 - x[0 : 2 * m : 2]
    return jnp.sum(100.0 * a * a + b * b)


def powers_loss(x):
    odd = (jnp.arange(x.shape[0]) % 2) == 1
    y = jnp.where(odd, x * x, x)
    return jnp.sum(y * y)


def timed(fn, *args, min_seconds):
    # block_until_ready: JAX dispatches asynchronously.
    return measure(lambda: jax.block_until_ready(fn(*args)), min_seconds=min_seconds)


def main():
    sizes = [10, 1000] if quick() else [10, 1000, 100_000]
    min_seconds = 0.05 if quick() else 0.25
    for name, f in (("sumsqsin", sumsqsin), ("rosenbrock", rosenbrock)):
        f_jit = jax.jit(f)
        grad_jit = jax.jit(jax.grad(f))
        hvp_jit = jax.jit(lambda x, v, f=f: jax.jvp(jax.grad(f), (x,), (v,))[1])
        for n in sizes:
            # Same points as the Swift side: uniformValues(seed: 42 / 7, count: n).
            x = jnp.asarray(uniform(42, n))
            v = jnp.asarray(uniform(7, n))
            for case, fn, args in (
                (f"{name}-f", f_jit, (x,)),
                (f"{name}-grad-reverse", grad_jit, (x,)),
                (f"{name}-hvp", hvp_jit, (x, v)),
            ):
                t, runs = timed(fn, *args, min_seconds=min_seconds)
                emit(SUITE, case, n, IMPL, t, runs)
    n = 1000
    x = jnp.asarray(uniform(3, n))
    t, runs = timed(jax.jit(powers_loss), x, min_seconds=min_seconds)
    emit(SUITE, "powers-f", n, IMPL, t, runs)
    t, runs = timed(jax.jit(jax.hessian(powers_loss)), x, min_seconds=min_seconds)
    emit(SUITE, "powers-hessian", n, IMPL, t, runs)


if __name__ == "__main__":
    main()
