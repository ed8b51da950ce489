"""Shared by the noise tests: the seeds of the statistical tests and a smooth scene."""

from __future__ import annotations

import numpy as np

SEEDS = [0, 1, 2]


def scene(rows: int, cols: int, *, mean: float, contrast: float) -> np.ndarray:
    r, c = np.mgrid[:rows, :cols]
    return mean * (1 + contrast * np.sin(c / 5.0) * np.cos(r / 7.0))
