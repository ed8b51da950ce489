"""The demo's analysis: the profile line along the particle's top layer."""

import numpy as np
import pytest

from temdenoise.workflows.demo_analysis import surface_line


def test_surface_line_runs_along_the_top_layer_from_vacuum_to_vacuum():
    clean = np.full((100, 120), 0.5)
    clean[70:] = 1.0  # support below row 70
    clean[40:60, 50:70] = 0.3  # particle body
    clean[43, 52:68:3] = 1.2  # its top layer of columns, 3 px below the edge
    r0, c0, r1, c1 = surface_line(clean, dose=0.5, interface_row=70)
    assert r0 == pytest.approx(43)
    assert r1 == pytest.approx(43)
    assert c0 < 50
    assert c1 > 69
    assert surface_line(np.full((50, 50), 0.5), dose=0.5, interface_row=40) is None


def test_surface_line_follows_a_tilted_facet():
    rows, cols = np.mgrid[:100, :120]
    edge = 30 + 0.25 * (cols - 40)  # the top facet falls by 1 px every 4 columns
    clean = np.where((rows >= edge) & (cols >= 40) & (cols < 90) & (rows < 65), 0.2, 0.5)
    r0, c0, r1, c1 = surface_line(clean, dose=0.5, interface_row=70)
    assert (r1 - r0) / (c1 - c0) == pytest.approx(0.25, abs=0.03)
