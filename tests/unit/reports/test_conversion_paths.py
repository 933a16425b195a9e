"""Conversion paths report, Sankey links, distributions and channel overlap on hand-made journeys."""
from __future__ import annotations

import math

import pytest

from attribution.errors import DataValidationError
from attribution.journeys.data import PathData
from attribution.reports.conversion_paths import (
    channel_overlap,
    filter_paths,
    path_length_distribution,
    path_report,
    sankey_links,
    time_to_conversion,
)
from tests.report_data import make_journeys

# (journey, channel, touch hour, conversion hour or None, revenue, cost)
ROWS = [
    (1, "A", 0, 36, 100.0, 1.0), (1, "B", 12, 36, 100.0, 2.0),   # A > B, converts after 1.5 days
    (2, "A", 0, 12, 40.0, 1.0), (2, "B", 6, 12, 40.0, 2.0),      # A > B, converts after 0.5 days
    (3, "A", 0, None, 0.0, 1.0), (3, "B", 1, None, 0.0, 2.0),    # A > B, no conversion
    (4, "C", 0, 0, 10.0, 0.0),                                   # C, same-instant conversion
    (5, "B", 0, 100, 20.0, 2.0), (5, "C", 10, 100, 20.0, 0.0),
    (5, "A", 20, 100, 20.0, 1.0), (5, "B", 30, 100, 20.0, 2.0),  # B > C > A > B, 100 h = 4.17 days
    (6, "C", 5, None, 0.0, 0.0),                                 # C, no conversion
]


@pytest.fixture(scope="module")
def journeys():
    return make_journeys(ROWS)


def test_path_report_hand_numbers(journeys):
    report = path_report(journeys).set_index("path")
    ab = report.loc["A > B"]
    # 3 journeys, 2 converting: rate 2/3, revenue 100 + 40, days (1.5 + 0.5) / 2 = 1.0
    assert (ab["touchpoints"], ab["journeys"], ab["conversions"], ab["non_conversions"]) == (2, 3, 2, 1)
    assert ab["conversion_rate"] == pytest.approx(2 / 3)
    assert ab["revenue"] == 140.0
    assert ab["avg_days_to_conversion"] == pytest.approx(1.0)
    c = report.loc["C"]  # journeys 4 (converts at once) and 6 (does not)
    assert (c["journeys"], c["conversions"], c["conversion_rate"], c["avg_days_to_conversion"]) == (2, 1, 0.5, 0.0)
    long = report.loc["B > C > A > B"]
    assert long["touchpoints"] == 4 and long["avg_days_to_conversion"] == pytest.approx(100 / 24)
    assert report.index[0] == "A > B"  # most conversions first
    # invariants: every journey and conversion appears once
    assert report["journeys"].sum() == 6 and report["conversions"].sum() == 4
    assert report["revenue"].sum() == 170.0


def test_path_report_on_aggregated_paths_matches_counts(journeys):
    paths_only = PathData(paths=journeys.paths)
    agg = path_report(paths_only).set_index("path")
    full = path_report(journeys).set_index("path")
    cols = ["touchpoints", "journeys", "conversions", "non_conversions", "conversion_rate", "revenue"]
    assert agg.loc[full.index, cols].astype(float).equals(full[cols].astype(float))
    assert agg["avg_days_to_conversion"].isna().all()


def test_filter_paths_search_sort_top(journeys):
    report = path_report(journeys)
    hits = filter_paths(report, "c >")  # case-insensitive substring
    assert hits["path"].tolist() == ["B > C > A > B"]
    by_rate = filter_paths(report, sort_by="conversion_rate", ascending=True, top=2)
    # rates: A > B 2/3, C 1/2, B > C > A > B 1 → lowest two: C, A > B
    assert by_rate["path"].tolist() == ["C", "A > B"]
    with pytest.raises(DataValidationError, match="sort_by"):
        filter_paths(report, sort_by="nope")


def test_sankey_links(journeys):
    links = sankey_links(journeys, steps=3).set_index(["source", "target"])
    # A > B: 3 journeys (2 conv); B > C > A > B goes B → C → A then to its outcome after step 3
    assert links.loc[("1. A", "2. B"), "journeys"] == 3
    assert links.loc[("2. B", "Conversion"), "journeys"] == 2
    assert links.loc[("2. B", "No conversion"), "journeys"] == 1
    assert links.loc[("3. A", "Conversion"), "conversions"] == 1
    assert ("3. A", "No conversion") not in links.index  # zero flows are dropped
    outcomes = links.reset_index()
    assert outcomes.loc[outcomes["target"] == "Conversion", "journeys"].sum() == 4
    assert outcomes.loc[outcomes["target"] == "No conversion", "journeys"].sum() == 2


def test_path_length_distribution(journeys):
    dist = path_length_distribution(journeys).set_index("touchpoints")
    # length 1: journeys 4, 6 (1 conv); length 2: journeys 1–3 (2 conv); length 4: journey 5
    assert dist.loc[1, ["journeys", "conversions", "non_conversions"]].tolist() == [2, 1, 1]
    assert dist.loc[2, "conversion_rate"] == pytest.approx(2 / 3)
    assert dist.loc[4, "journeys"] == 1


def test_time_to_conversion(journeys):
    days = time_to_conversion(journeys)
    # days: j1 1.5 → 1, j2 0.5 → 0, j4 0 → 0, j5 4.17 → 4
    assert days[["days", "conversions", "revenue"]].values.tolist() == [[0, 2, 50], [1, 1, 100], [4, 1, 20]]
    assert days["cumulative_share"].tolist() == [0.5, 0.75, 1.0]
    with pytest.raises(DataValidationError, match="timestamps"):
        time_to_conversion(PathData(paths=journeys.paths))


def test_channel_overlap(journeys):
    ov = channel_overlap(journeys).set_index(["channel", "other"])
    # A is in journeys 1, 2, 3, 5 (4); with B in all four; with C only in 5
    assert ov.loc[("A", "A"), "journeys"] == 4
    assert ov.loc[("A", "B"), "share"] == 1.0
    assert ov.loc[("A", "C"), "share"] == 0.25
    # C is in journeys 4, 5, 6 → with A in 1 of 3
    assert ov.loc[("C", "A"), "share"] == pytest.approx(1 / 3)
    conv = channel_overlap(journeys, converted_only=True).set_index(["channel", "other"])
    # converting: A in 1, 2, 5; C in 4, 5
    assert conv.loc[("A", "A"), "journeys"] == 3 and conv.loc[("C", "A"), "share"] == 0.5
    # symmetric counts
    assert ov.loc[("B", "C"), "journeys"] == ov.loc[("C", "B"), "journeys"]
    assert not math.isnan(ov["share"].sum())
