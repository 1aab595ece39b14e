"""Reference runs of the coupled-oscillator physics of the book's half-inverse-gradient example
(two masses, linear coupling 0.2, control force on the last mass, 24 RK4 steps of 0.5), in
float64 NumPy, written to Tests/PhysGradLearningTests/Resources/oscillators.json. State order: positions, then
velocities. Written from the equations, not from the notebook's code."""
import json, numpy as np

N_OSC, NT, DT, COUPLING = 2, 24, 0.5, 0.2

def laplace(n):
    lap = np.diag(-2.0 * np.ones(n)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)
    lap[0, 0] = lap[-1, -1] = -1.0       # zero-flux ends
    return lap

def rhs(s, u):
    n = N_OSC
    x, v = s[:n], s[n:]
    force = -x + COUPLING * laplace(n) @ x
    force[-1] += u
    return np.concatenate([v, force])

def simulate(s0, controls):
    s = np.array(s0, dtype=float)
    for u in controls:
        k1 = rhs(s, u); k2 = rhs(s + 0.5 * DT * k1, u); k3 = rhs(s + 0.5 * DT * k2, u); k4 = rhs(s + DT * k3, u)
        s = s + DT * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return s

def jacobian_wrt_controls(s0):
    base = simulate(s0, np.zeros(NT))
    return np.stack([simulate(s0, np.eye(NT)[k]) - base for k in range(NT)], axis=1)  # linear in u

rng = np.random.default_rng(20261130)
cases = []
for _ in range(3):
    s0 = rng.random(2 * N_OSC); u = rng.standard_normal(NT)
    J = jacobian_wrt_controls(s0)
    # the control that brings the system back to s0 exactly with the smallest norm
    u_back = np.linalg.pinv(J) @ (s0 - simulate(s0, np.zeros(NT)))
    cases.append({"start": s0.tolist(), "controls": u.tolist(), "final": simulate(s0, u).tolist(),
                  "final_uncontrolled": simulate(s0, np.zeros(NT)).tolist(),
                  "jacobian_final_wrt_controls": J.tolist(),
                  "singular_values": np.linalg.svd(J, compute_uv=False).tolist(),
                  "min_norm_return_control": u_back.tolist(),
                  "return_residual": float(np.linalg.norm(simulate(s0, u_back) - s0))})
json.dump({"description": __doc__.strip(), "oscillators": N_OSC, "steps": NT, "dt": DT, "coupling": COUPLING,
           "control_acts_on": "velocity of the last mass", "cases": cases}, open(__import__("os").path.join(__import__("os").path.dirname(__file__), "..", "Tests", "PhysGradLearningTests", "Resources", "oscillators.json"), "w"), indent=1)
print("wrote Tests/PhysGradLearningTests/Resources/oscillators.json", [c["return_residual"] for c in cases], cases[0]["singular_values"])
