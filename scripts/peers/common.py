"""Shared pieces of the Python peers of PhysGrad's benchmarks (see Sources/Benchmarks/Support).

Every measurement is printed as one JSON line with "peer": true; scripts/bench pairs it with the
Swift rows of the same (suite, case, n).
"""
import json
import sys
import time

import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def uniform(seed: int, count: int) -> np.ndarray:
    """`count` numbers in [-1, 1) from SplitMix64 seeded with `seed`: the same values, bit for bit,
    as `uniformValues(seed:count:)` of the Swift module PhysGradRandom."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed) + k * _GAMMA
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return 2.0 * ((z >> np.uint64(11)).astype(np.float64) * 2.0**-53) - 1.0


def measure(body, min_runs=5, min_seconds=0.25, max_runs=10_000):
    """Median wall time of body() after one warm-up run (same rule as the Swift side)."""
    body()
    times = []
    total = 0.0
    while len(times) < min_runs or (total < min_seconds and len(times) < max_runs):
        t0 = time.perf_counter()
        body()
        t = time.perf_counter() - t0
        times.append(t)
        total += t
    times.sort()
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])
    return median, len(times)


def emit(suite, case, n, impl, median, runs, extra=None):
    row = {"suite": suite, "case": case, "n": n, "impl": impl, "median_s": median, "runs": runs, "peer": True}
    if extra:
        row["extra"] = extra
    print(json.dumps(row, sort_keys=True), flush=True)


def quick() -> bool:
    return "--quick" in sys.argv
