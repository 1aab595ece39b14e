"""Peer of bench-learning: the coupled-oscillator training of the book's HIG notebook in JAX
(jit on CPU, one thread, float32 as the book), with the same data, the same initial weights and
the same settings as PhysGrad's run.

- Data: 4096 starts uniform in [0, 1)^4 from SplitMix64(seed 0), sample after sample; the
  network 4-20-20-20-24 (tanh, linear output) Glorot-uniform from SplitMix64(seed 1) in the
  order of PhysGrad's flat parameters (kernel (in, out) row-major, then the zero bias, per layer).
- hig-update (batch 32): jax.jacrev of the batch's 128 final-state outputs with respect to all
  weights, flattened to 128 x 1444, jnp.linalg.svd, half-inverse with relative truncation 1e-10,
  an SGD step with learning rate 1; the whole update under one jax.jit.
- hig-update, impl ...-eigh: the same update through jnp.linalg.eigh of J J^T (J formed by
  jacrev), the decomposition PhysGrad uses by default; timed only.
- adam-update (batch 256): jax.grad of the loss through network and simulator, optax.adam(1e-3).
- sip-update (batch 256): per sample the 4 x 24 Jacobian (jax.jacrev, vmapped), jnp.linalg.pinv
  with rtol 1e-5 of the y-space step y* - y, then optax.adam(1e-3) on the proxy loss
  mean(1/2 |u - u~|^2).
- *-loss-after-budget: updates (epochs of N // B batches in the data's order) until the training
  time (evaluations excluded, as the notebook counts it; jit compilation excluded too) reaches
  the budget; the loss per data point over the 4096 samples at the end.
"""
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from common import emit, measure, quick, uniform  # noqa: E402

SUITE = "learning"
IMPL = "jax-" + jax.__version__ + "-f32"
MASSES, STEPS, DT, COUPLING = 2, 24, 0.5, 0.2
WIDTHS = [4, 20, 20, 20, 24]
SAMPLES = 4096

def units(seed, count):
    """SplitMix64(seed).nextUnit() drawn `count` times, as PhysGradNetworks: common.uniform gives
    2u - 1 for the same u, exactly, so (v + 1) / 2 is u bit for bit."""
    return (uniform(seed, count) + 1.0) / 2.0


def glorot(seed):
    count = sum(i * o for i, o in zip(WIDTHS, WIDTHS[1:]))
    u = units(seed, count)
    params, at = [], 0
    for i, o in zip(WIDTHS, WIDTHS[1:]):
        r = np.sqrt(6.0 / (i + o))
        params.append(jnp.asarray((r * (2 * u[at:at + i * o] - 1)).reshape(i, o), dtype=jnp.float32))
        params.append(jnp.zeros(o, dtype=jnp.float32))
        at += i * o
    return params


def network(params, x):
    a = x
    layers = len(params) // 2
    for l in range(layers):
        a = a @ params[2 * l] + params[2 * l + 1]
        if l < layers - 1:
            a = jnp.tanh(a)
    return a


def rates(s, u):
    x, v = s[:MASSES], s[MASSES:]
    lap = jnp.concatenate([x[1:2] - x[0:1], x[0:1] - x[1:2]])  # zero-flux ends, two masses
    force = -x + COUPLING * lap
    force = force.at[-1].add(u)
    return jnp.concatenate([v, force])


def simulate(s, controls):
    # lax.scan over the 24 steps: the notebook's Python loop unrolled under jit took XLA 90 to
    # 140 s to compile here and ran 50 to 400 times slower than the scan.
    def step(s, u):
        k1 = rates(s, u)
        k2 = rates(s + 0.5 * DT * k1, u)
        k3 = rates(s + 0.5 * DT * k2, u)
        k4 = rates(s + DT * k3, u)
        return s + DT * (k1 + 2 * k2 + 2 * k3 + k4) / 6, None
    return jax.lax.scan(step, s, controls)[0]


def outputs(params, x, s):
    return jax.vmap(simulate)(s, network(params, x))


def loss(params, x, s, target):
    return jnp.mean(jnp.sum((outputs(params, x, s) - target) ** 2, axis=1))


def loss_gradient_and_jacobian(params, x, s, target):
    """dL/dy of the batch (flattened) and the stacked Jacobian of its outputs with respect to
    all weights, one column per parameter in the order of params."""
    y = outputs(params, x, s)
    g = (2.0 / x.shape[0]) * (y - target).reshape(-1)
    jac = jax.jacrev(lambda p: outputs(p, x, s).reshape(-1))(params)
    return g, jnp.concatenate([j.reshape(g.shape[0], -1) for j in jac], axis=1)


def sgd_step(params, step, lr):
    """params - lr * step, step flat in the order of params."""
    new, at = [], 0
    for p in params:
        new.append(p - lr * step[at:at + p.size].reshape(p.shape))
        at += p.size
    return new


def make_hig(lr=1.0, tau=1e-10):
    @jax.jit
    def update(params, x, s, target):
        g, flat = loss_gradient_and_jacobian(params, x, s, target)
        u, sv, vt = jnp.linalg.svd(flat, full_matrices=False)
        keep = sv > tau * sv[0]
        scale = jnp.where(keep, 1.0 / jnp.sqrt(jnp.where(keep, sv, 1.0)), 0.0)
        step = vt.T @ (scale * (u.T @ g))
        return sgd_step(params, step, lr), None
    return update, None


def make_hig_gram(lr=1.0, tau=1e-10):
    """The same update through the eigendecomposition of J J^T (PhysGrad's default solver), for
    the update time only: J is formed by jacrev, G = J J^T, jnp.linalg.eigh,
    step = J^T U L^(-3/4) U^T g."""
    @jax.jit
    def update(params, x, s, target):
        g, flat = loss_gradient_and_jacobian(params, x, s, target)
        lam, u = jnp.linalg.eigh(flat @ flat.T)
        floor = jnp.maximum(tau * tau, g.shape[0] * jnp.finfo(flat.dtype).eps) * lam[-1]
        keep = lam > floor
        weight = jnp.where(keep, jnp.where(keep, lam, 1.0) ** -0.75, 0.0)
        step = flat.T @ (u @ (weight * (u.T @ g)))
        return sgd_step(params, step, lr), None
    return update, None


def make_adam(lr=1e-3):
    opt = optax.adam(lr)

    @jax.jit
    def update(params, state, x, s, target):
        g = jax.grad(loss)(params, x, s, target)
        step, state = opt.update(g, state, params)
        return optax.apply_updates(params, step), state
    return update, opt


def make_sip(lr=1e-3, tau=1e-5):
    opt = optax.adam(lr)

    @jax.jit
    def update(params, state, x, s, target):
        u = network(params, x)
        y = jax.vmap(simulate)(s, u)
        jac = jax.vmap(jax.jacrev(simulate, argnums=1))(s, u)  # B x 4 x 24
        pinv = jnp.linalg.pinv(jac, rtol=tau)
        u_new = jax.lax.stop_gradient(u + jnp.einsum("bij,bj->bi", pinv, target - y))

        def proxy(p):
            return jnp.mean(0.5 * jnp.sum((network(p, x) - u_new) ** 2, axis=1))
        g = jax.grad(proxy)(params)
        step, state = opt.update(g, state, params)
        return optax.apply_updates(params, step), state
    return update, opt


class Run:
    """One method's training from the initial weights: step(i) runs update i (batch i mod N // B)."""

    def __init__(self, name, data, params0):
        (self.update, self.opt), self.batch = METHODS[name]()
        self.data = data
        self.params = params0
        self.state = self.opt.init(params0) if self.opt is not None else None
        self.batches = SAMPLES // self.batch

    def step(self, index):
        b = index % self.batches
        x = self.data[b * self.batch:(b + 1) * self.batch]
        if self.opt is None:
            self.params, _ = self.update(self.params, x, x, x)
        else:
            self.params, self.state = self.update(self.params, self.state, x, x, x)
        jax.block_until_ready(self.params)


_COMPILED = {}


def _method(name):
    """The jitted update of each method, made once (so that it compiles once)."""
    if name not in _COMPILED:
        _COMPILED[name] = {"hig": lambda: (make_hig(), 32), "hig-gram": lambda: (make_hig_gram(), 32),
                           "adam": lambda: (make_adam(), 256), "sip": lambda: (make_sip(), 256)}[name]()
    return _COMPILED[name]


METHODS = {name: (lambda name=name: _method(name)) for name in ("hig", "hig-gram", "adam", "sip")}


def main():
    data = jnp.asarray(units(0, SAMPLES * 4).reshape(SAMPLES, 4), dtype=jnp.float32)
    params0 = glorot(1)
    evaluate = jax.jit(loss)

    for name in ("hig", "hig-gram", "adam", "sip"):
        run = Run(name, data, params0)
        counter = [0]

        def body():
            run.step(counter[0])
            counter[0] += 1
        median, runs = measure(body, min_runs=20, min_seconds=0.2 if quick() else 1.0)
        case, impl = (f"{name}-update", IMPL) if name != "hig-gram" else ("hig-update", IMPL + "-eigh")
        emit(SUITE, case, run.batch, impl, median, runs)

    budget = 2.0 if quick() else 10.0
    for name in ("hig", "adam", "sip"):
        Run(name, data, params0).step(0)  # compiles (not counted); the race starts afresh below
        run = Run(name, data, params0)
        initial = float(evaluate(run.params, data, data, data))
        seconds, updates = 0.0, 0
        while seconds < budget:
            t0 = time.perf_counter()
            run.step(updates)
            seconds += time.perf_counter() - t0
            updates += 1
        final = float(evaluate(run.params, data, data, data))
        print(f"peer: {name}: {updates} updates, {updates / run.batches:.4g} epochs, loss {final:.6g}", file=sys.stderr)
        emit(SUITE, f"{name}-loss-after-budget", int(budget), IMPL, seconds, 1,
             {"loss": final, "initial_loss": initial, "epochs": updates / run.batches, "updates": updates})


if __name__ == "__main__":
    main()
