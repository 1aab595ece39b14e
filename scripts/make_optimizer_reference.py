"""Reference trajectories for PhysGrad's adaptive first-order rules (Adam, AdaGrad, RMSProp),
computed by optax itself in float64 (JAX x64).

    .venv-bench/bin/python scripts/make_optimizer_reference.py
    (scripts/bench creates .venv-bench with the pinned jax/optax of scripts/peers/requirements.txt)

Writes Tests/PhysGradTests/Resources/optax-reference.json. Problems: the chapter's
L(x) = x0^2 + x1^4 (y = [x0, x1^2], L = |y|^2) from [3, 3], and powers(4) (y_i = x_i for even i,
x_i^2 for odd i) from [3, 3, 3, 3]; gradients by jax.grad. PhysGrad uses optax's defaults:
  adam(lr, b1=0.9, b2=0.999, eps=1e-8, eps_root=0)
  adagrad(lr, initial_accumulator_value=0.1, eps=1e-7)
  rmsprop(lr, decay=0.9, eps=1e-8, initial_scale=0, eps_in_sqrt=True, centered=False)
"""
import json
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402


def powers_y(x):
    idx = jnp.arange(x.shape[0])
    return jnp.where(idx % 2 == 0, x, x * x)


def loss(x):
    return jnp.sum(jnp.square(powers_y(x)))


RULES = {
    "adam": (optax.adam, 0.1),
    "adagrad": (optax.adagrad, 0.5),
    "rmsprop": (optax.rmsprop, 0.05),
}
STEPS = 25


def run(rule, lr, x0):
    opt = rule(lr)
    x = jnp.asarray(x0, dtype=jnp.float64)
    state = opt.init(x)
    grad = jax.grad(loss)
    history = [list(map(float, x))]
    for _ in range(STEPS):
        updates, state = opt.update(grad(x), state, x)
        x = optax.apply_updates(x, updates)
        history.append(list(map(float, x)))
    return history


def main():
    out = {
        "about": __doc__.strip().splitlines()[0],
        "generator": "scripts/make_optimizer_reference.py",
        "jax_version": jax.__version__,
        "optax_version": optax.__version__,
        "steps": STEPS,
        "runs": [],
    }
    for problem, x0 in (("seed", [3.0, 3.0]), ("powers4", [3.0, 3.0, 3.0, 3.0])):
        for name, (rule, lr) in RULES.items():
            out["runs"].append({"problem": problem, "method": name, "learning_rate": lr, "start": x0,
                                "trajectory": run(rule, lr, x0)})
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "PhysGradTests", "Resources", "optax-reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: {len(out['runs'])} runs of {STEPS} steps")


if __name__ == "__main__":
    main()
