"""Path transforms on aggregated paths."""
from __future__ import annotations

import pandas as pd

from attribution.journeys.data import PathData
from attribution.journeys.transforms import transform_path, transform_paths


def test_transform_path_rules():
    p = ("A", "A", "Direct", "B", "A")
    assert transform_path(p, "collapse_repeats") == ("A", "Direct", "B", "A")
    assert transform_path(p, "unique") == ("A", "Direct", "B")
    # exclusion first, then collapsing: A A B A → A B A
    assert transform_path(p, "collapse_repeats", ("direct",)) == ("A", "B", "A")
    # a path made only of excluded channels is left empty (an excluded channel never gets credit)
    assert transform_path(("Direct", "Direct"), "none", ("DIRECT",)) == ()


def test_transform_paths_reaggregates():
    frame = pd.DataFrame({"path": [("A", "A"), ("A",)], "conversions": [1.0, 2.0], "revenue": [5.0, 1.0],
                          "nulls": [3.0, 4.0]})
    out = transform_paths(PathData(frame), "collapse_repeats").paths
    assert out.to_dict("records") == [{"path": ("A",), "conversions": 3.0, "revenue": 6.0, "nulls": 7.0}]
