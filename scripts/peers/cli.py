"""Peer of bench-cli: scripts/chapter_jax.py (the chapter with eager JAX, SciPy's fmin_l_bfgs_b
and matplotlib figures) as a whole process, as `physgrad compare` is timed."""
import os
import subprocess
import sys
import tempfile

from common import emit, measure, quick

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chapter_jax.py")
with tempfile.TemporaryDirectory() as output:
    def run():
        subprocess.run([sys.executable, script, "--output", output, "--quiet"], check=True)

    median, runs = measure(run, min_runs=1 if quick() else 3, min_seconds=0)
    emit("cli", "compare-process", 2, "jax+scipy+mpl", median, runs)
