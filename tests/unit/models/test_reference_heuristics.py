"""First/last/linear credit equals ChannelAttribution 2.2.5's ``heuristic_models``.

The reference numbers (reference/channelattribution_heuristics.csv) were produced once by running
ChannelAttribution 2.2.5 (``heuristic_models(Data, "path", "total_conversions",
var_value="total_conversion_value", sep=">", flg_pro=False)``) on the shared
``mta/channelattribution_Data.csv`` in a scratch environment; the package is not a dependency.
That test skips without ../shared; ``test_matches_channelattribution_generated`` runs the same
reader and models on a small hand-made file in the same layout, with the credit worked out by hand.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from attribution.ingest import read_paths
from attribution.journeys.data import PathData
from attribution.models import run_model
from tests.shared_like import write_channelattribution_paths

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


# A ChannelAttribution-layout file (";", "a > b" steps, a path repeated on two rows):
HAND_ROWS = [
    ("alpha > beta > alpha", 2, 10, 1),
    ("beta", 1, 4, 3),
    ("gamma > beta", 3, 6, 0),
    ("alpha > beta > alpha", 1, 2, 2),
    ("gamma", 0, 0, 5),
    ("delta > gamma > beta > alpha", 4, 20, 1),
]
# Credit by hand, (conversions, value); 11 conversions worth 42 in all. Rows 1 and 4 together:
# alpha > beta > alpha with 3 conversions worth 12.
HAND_CREDIT = {
    # first touch: alpha rows 1+4 (3, 12); beta row 2 (1, 4); gamma row 3 (3, 6); delta row 6 (4, 20)
    "first_touch": {"alpha": (3, 12), "beta": (1, 4), "gamma": (3, 6), "delta": (4, 20)},
    # last touch: alpha rows 1+4 and 6 (3 + 4, 12 + 20); beta rows 2 and 3 (1 + 3, 4 + 6)
    "last_touch": {"alpha": (7, 32), "beta": (4, 10), "gamma": (0, 0), "delta": (0, 0)},
    # linear, 1/k per touch (repeats count): rows 1+4 alpha 2/3 x (3, 12) = (2, 8), beta (1, 4);
    # row 2 beta (1, 4); row 3 gamma, beta (1.5, 3) each; row 6 each channel (1, 5)
    # alpha 2 + 1, 8 + 5; beta 1 + 1 + 1.5 + 1, 4 + 4 + 3 + 5; gamma 1.5 + 1, 3 + 5; delta (1, 5)
    "linear": {"alpha": (3, 13), "beta": (4.5, 16), "gamma": (2.5, 8), "delta": (1, 5)},
    # position based 40/20/40 (two touches 50/50): rows 1+4 alpha 0.8 x (3, 12) = (2.4, 9.6), beta
    # 0.2 x = (0.6, 2.4); row 2 beta (1, 4); row 3 gamma, beta (1.5, 3) each; row 6 delta, alpha
    # 0.4 x (4, 20) = (1.6, 8), gamma, beta 0.1 x = (0.4, 2)
    # alpha 2.4 + 1.6, 9.6 + 8; beta 0.6 + 1 + 1.5 + 0.4, 2.4 + 4 + 3 + 2; gamma 1.5 + 0.4, 3 + 2
    "position_based": {"alpha": (4.0, 17.6), "beta": (3.5, 11.4), "gamma": (1.9, 5), "delta": (1.6, 8)},
}


@pytest.mark.parametrize("model", sorted(HAND_CREDIT))
def test_matches_channelattribution_generated(tmp_path, model):
    path = write_channelattribution_paths(tmp_path / "Data.csv", HAND_ROWS)
    expected = pd.DataFrame(HAND_CREDIT[model], index=["conversions", "revenue"]).T.sort_index()
    # the test's own minimal reader (as above) and the library's reader give the same credit
    for data in (_read_channelattribution_paths(path), read_paths(path)):
        ours = run_model(model, data).set_index("channel")[["conversions", "revenue"]]
        ours = ours.reindex(expected.index, fill_value=0.0).astype(float)
        pd.testing.assert_frame_equal(ours, expected.astype(float), rtol=1e-12, atol=1e-12)
        assert ours["conversions"].sum() == pytest.approx(11) and ours["revenue"].sum() == pytest.approx(42)
