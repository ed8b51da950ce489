"""Figures (PNG). The only module that imports matplotlib, lazily and with the Agg backend."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` set up for writing files (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt
