"""Wide credit tables and the GA4-style two-model comparison."""
from __future__ import annotations

import math

import pandas as pd

from attribution.models.summary import compare_two, credit_table


def _results():
    return pd.DataFrame({
        "model": ["first", "first", "last", "last", "last"],
        "channel": ["A", "B", "A", "B", "C"],
        "conversions": [3.0, 1.0, 1.0, 2.0, 1.0],
        "revenue": [30.0, 10.0, 10.0, 20.0, 10.0],
        "share": [0.75, 0.25, 0.25, 0.5, 0.25],
    })


def test_credit_table_fills_missing_channels_with_zero():
    wide = credit_table(_results(), "conversions")
    assert wide.columns.tolist() == ["channel", "first", "last"]
    assert wide.set_index("channel").loc["C"].tolist() == [0.0, 1.0]
    assert wide["channel"].tolist()[0] == "A"  # largest under the first model


def test_compare_two_percent_change():
    cmp = compare_two(_results(), "first", "last").set_index("channel")
    # A: (1 − 3)/3 = −66.7 %; B: (2 − 1)/1 = +100 %; C: baseline 0 → no percentage
    assert math.isclose(cmp.loc["A", "change_pct"], -200 / 3)
    assert math.isclose(cmp.loc["B", "change_pct"], 100.0)
    assert math.isnan(cmp.loc["C", "change_pct"])
    assert cmp.loc["C", "change"] == 1.0
