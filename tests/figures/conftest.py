"""A check that a written PNG shows something."""

from __future__ import annotations


def assert_not_blank(path, floor=0.005):
    """The PNG exists and its grey levels vary (it is not an empty canvas)."""
    from matplotlib import image as mpimg

    pixels = mpimg.imread(path)[..., :3].mean(axis=-1)
    assert pixels.var() > floor, f"{path.name} looks blank"
