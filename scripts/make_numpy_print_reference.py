#!/usr/bin/env python3
"""Prints what NumPy prints for the arrays of NumPyAgreementTests (Tests/PhysGradCLITests/ReportTests.swift)
that check zeros in scientific notation and float32 ratios: `str(np.array(values, dtype))`."""
import numpy as np

CASES = [
    ([0.0, 1e9], np.float64),
    ([0.0, 1e-4, 0.5, -0.0], np.float64),
    ([-0.0, 1e8], np.float32),
    ([540.0, -0.0, 123456792.0], np.float32),
    ([10.0, -0.01], np.float32),
    ([1e300, -0.0], np.float64),
]

print("numpy", np.__version__)
for values, dtype in CASES:
    print(dtype.__name__, values, "->", str(np.array(values, dtype=dtype)))
