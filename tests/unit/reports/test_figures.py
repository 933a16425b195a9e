"""Figures: the house palette gives every registered model a colour of its own; channel bars."""
from __future__ import annotations

import itertools
import math

import pytest
from plotly.colors import hex_to_rgb, unlabel_rgb

from attribution.models import MODEL_SPECS
from attribution.reports.figures import COLORS


def _lab(color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour, by the standard formulas (IEC 61966-2-1, CIE 1976)."""
    rgb = hex_to_rgb(color) if color.startswith("#") else unlabel_rgb(color)
    lin = [((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_every_model_has_a_clearly_different_colour():
    colours = COLORS[:len(MODEL_SPECS)]
    assert len(MODEL_SPECS) == 14 and len(set(colours)) == len(MODEL_SPECS)  # no colour repeats
    # CIE76 ΔE: about 2 is just noticeable, above 20 reads as another colour on a chart legend
    closest = min(math.dist(_lab(a), _lab(b)) for a, b in itertools.combinations(colours, 2))
    assert closest >= 20, closest


def test_lab_conversion_matches_reference_values():
    # reference values (CIE76, D65): white L 100, black L 0, sRGB red ≈ (53.24, 80.09, 67.20)
    assert _lab("#FFFFFF")[0] == pytest.approx(100, abs=0.01)
    assert _lab("#000000")[0] == pytest.approx(0, abs=0.01)
    assert _lab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)


def test_channel_bars_put_the_largest_on_top_and_format_the_value_axis():
    import pandas as pd

    from attribution.reports.figures import channel_bars

    effects = pd.DataFrame({"channel": ["Email", "Search", "Social"], "removal_effect": [0.2, 0.5, 0.3]})
    fig = channel_bars(effects, "removal_effect", "Removal", "Removal effect", tickformat=".0%")
    # plotly draws the first row at the bottom: ascending order puts the largest on top
    assert list(fig.data[0].y) == ["Email", "Social", "Search"]
    assert fig.layout.xaxis.tickformat == ".0%"
    assert channel_bars(effects, "removal_effect").layout.xaxis.tickformat is None
