"""First/last/linear credit equals ChannelAttribution 2.2.5's ``heuristic_models``.

The reference numbers (reference/channelattribution_heuristics.csv) were produced once by running
ChannelAttribution 2.2.5 (``heuristic_models(Data, "path", "total_conversions",
var_value="total_conversion_value", sep=">", flg_pro=False)``) on the shared
``mta/channelattribution_Data.csv`` in a scratch environment; the package is not a dependency.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from attribution.journeys.data import PathData
from attribution.models import run_model

REFERENCE = Path(__file__).with_name("reference") / "channelattribution_heuristics.csv"
OURS_VS_THEIRS = {"first_touch": "first_touch", "last_touch": "last_touch", "linear": "linear_touch"}


def _read_channelattribution_paths(path: Path) -> PathData:
    """A minimal reader for the ChannelAttribution layout (the library's own reader is separate)."""
    raw = pd.read_csv(path, sep=";")
    paths = pd.DataFrame({
        "path": [tuple(c.strip() for c in p.split(" > ")) for p in raw["path"]],
        "conversions": raw["total_conversions"].astype(float),
        "revenue": raw["total_conversion_value"].astype(float),
        "nulls": raw["total_null"].astype(float),
    })
    return PathData(paths=paths)


@pytest.mark.shared
@pytest.mark.parametrize("model", sorted(OURS_VS_THEIRS))
def test_matches_channelattribution(shared_data, model):
    data = _read_channelattribution_paths(shared_data / "mta" / "channelattribution_Data.csv")
    reference = pd.read_csv(REFERENCE).set_index("channel").astype(float)
    ours = run_model(model, data).set_index("channel").reindex(reference.index)
    theirs = OURS_VS_THEIRS[model]
    assert ours["conversions"].notna().all()
    pd.testing.assert_series_equal(ours["conversions"], reference[f"{theirs}_conversions"],
                                   check_names=False, rtol=1e-9, atol=0)
    pd.testing.assert_series_equal(ours["revenue"], reference[f"{theirs}_value"],
                                   check_names=False, rtol=1e-9, atol=0)
    # 12 channels, 19,785 conversions (data README)
    assert len(ours) == 12 and ours["conversions"].sum() == pytest.approx(19785)
