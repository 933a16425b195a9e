"""An excluded channel never gets credit; a journey made only of excluded channels becomes a
conversion without a touch, credited on the "(no touch)" row, so totals still add up.

Touch-level data (excluding "direct", any case):
  u1: Direct 01-01, Email 01-02 → buys 01-03 (10)    journey [Email]
  u2: Direct 01-01              → buys 01-03 (20)    only Direct → no touch left: (no touch) 1, 20
  u3: DIRECT 01-01, Direct 01-02 (no conversion)     only Direct → no journey at all
  u4: Search 01-01              → buys 01-03 (30)    journey [Search]
  u5: Email 01-01 (no conversion)                    journey [Email], not converting
Last touch: Email 1 (10), Search 1 (30), (no touch) 1 (20); 3 conversions, 60 revenue as counted.
Without the exclusion: Email 1, Direct 1, Search 1 (Direct has the 20).

Aggregated paths (excluding "Direct"):
  Direct               2 conv, 20 rev, 1 null   → empty: (no touch) 2, 20; its null disappears
  Direct > Email       1 conv, 10 rev           → Email
  Search               3 conv, 30 rev, 2 nulls  → Search
  Direct > Direct      0 conv, 4 nulls          → empty, no conversion: disappears
Linear: Email 1 (10), Search 3 (30), (no touch) 2 (20); 6 conversions, 60 revenue.
"""
from __future__ import annotations

import pandas as pd
import pytest

import attribution as at
from attribution.errors import DataValidationError
from attribution.journeys.data import NO_TOUCH, PathData
from attribution.journeys.settings import JourneySettings
from attribution.journeys.transforms import transform_paths
from attribution.models import compare, supported_models
from attribution.models.no_touch import no_touch_note

TOUCHES = ("user_id,ts,channel\nu1,2024-01-01 10:00,Direct\nu1,2024-01-02 10:00,Email\n"
           "u2,2024-01-01 10:00,Direct\nu3,2024-01-01 10:00,DIRECT\nu3,2024-01-02 10:00,Direct\n"
           "u4,2024-01-01 10:00,Search\nu5,2024-01-01 10:00,Email\n")
CONVERSIONS = "user_id,ts,revenue\nu1,2024-01-03 10:00,10\nu2,2024-01-03 10:00,20\nu4,2024-01-03 10:00,30\n"
PATHS = pd.DataFrame({"path": [("Direct",), ("Direct", "Email"), ("Search",), ("Direct", "Direct")],
                      "conversions": [2.0, 1.0, 3.0, 0.0], "revenue": [20.0, 10.0, 30.0, 0.0],
                      "nulls": [1.0, 0.0, 2.0, 4.0]})


def _credit(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {r.channel: (r.conversions, r.revenue) for r in frame.itertuples() if r.conversions or r.revenue}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("excluded")
    (folder / "tp.csv").write_text(TOUCHES)
    (folder / "conv.csv").write_text(CONVERSIONS)
    return at.load(touchpoints=folder / "tp.csv", conversions=folder / "conv.csv")


def test_journeys_of_only_excluded_channels_go_to_the_no_touch_row(ds):
    j = ds.journeys(exclude_channels=("direct",))
    assert "Direct" not in j.channels and "DIRECT" not in j.channels
    assert j.paths.sort_values("path")[["conversions", "nulls"]].values.tolist() == [[1.0, 1.0], [1.0, 0.0]]
    assert sorted(j.paths["path"]) == [("Email",), ("Search",)]
    assert (j.stats.journeys, j.stats.conversions_counted, j.stats.conversions_without_touches,
            j.stats.revenue_without_touches) == (3, 3, 1, 20.0)
    assert _credit(at.run_model("last_touch", j)) == {"Email": (1.0, 10.0), "Search": (1.0, 30.0),
                                                       NO_TOUCH: (1.0, 20.0)}
    assert _credit(at.run_model("last_touch", ds.journeys())) == {"Email": (1.0, 10.0), "Direct": (1.0, 20.0),
                                                                   "Search": (1.0, 30.0)}


def test_every_model_keeps_the_totals_and_never_credits_the_excluded_channel(ds):
    j = ds.journeys(exclude_channels=("Direct",))
    for model, frame in compare(j, supported_models(j)).groupby("model"):
        assert frame["conversions"].sum() == pytest.approx(3.0), model
        assert frame["revenue"].sum() == pytest.approx(60.0), model
        assert not frame["channel"].str.lower().eq("direct").any(), model
    report = at.channel_report(j, "last_touch", None).set_index("channel")
    assert report.loc[NO_TOUCH, ["touches", "conversions", "revenue"]].tolist() == [0.0, 1.0, 20.0]
    assert "Direct" not in report.index


def test_the_note_names_the_excluded_channels(ds):
    note = no_touch_note(ds.journeys(exclude_channels=("Direct",)))
    assert note.startswith("1 of 3 conversions (20.00 revenue) have no touch in the 30 days before it or since "
                           "the user's previous conversion, or only touches on excluded channels (Direct); ")


def test_aggregated_paths_of_only_excluded_channels_go_to_the_no_touch_row():
    data = transform_paths(PathData(PATHS), exclude_channels=("Direct",))
    assert data.paths.to_dict("records") == [
        {"path": ("Email",), "conversions": 1.0, "revenue": 10.0, "nulls": 0.0},
        {"path": ("Search",), "conversions": 3.0, "revenue": 30.0, "nulls": 2.0}]
    assert _credit(at.run_model("linear", data)) == {"Email": (1.0, 10.0), "Search": (3.0, 30.0),
                                                     NO_TOUCH: (2.0, 20.0)}
    assert no_touch_note(data).startswith("2 of 6 conversions (20.00 revenue) are on paths made only of "
                                          "excluded channels (Direct); ")


def test_a_paths_dataset_applies_the_same_rule(tmp_path):
    path = tmp_path / "paths.csv"
    PATHS.assign(path=PATHS["path"].map(" > ".join)).to_csv(path, index=False)
    ds = at.load(paths=path)
    j = ds.journeys(exclude_channels=("direct",))
    assert _credit(at.run_model("first_touch", j)) == {"Email": (1.0, 10.0), "Search": (3.0, 30.0),
                                                       NO_TOUCH: (2.0, 20.0)}
    table = at.channel_report(j, "first_touch", None).set_index("channel")
    assert table["conversions"].sum() == pytest.approx(6.0)


def test_the_no_touch_channel_cannot_be_an_excluded_one():
    with pytest.raises(DataValidationError, match="no_touch_channel 'Direct' is an excluded channel"):
        JourneySettings(exclude_channels=("direct",), no_touch_channel="Direct")
