"""Funnels by conversion stage and by touch interaction, on the hand-made dataset of tests/report_data.py
(on the DuckDB and the Spark engine)."""
from __future__ import annotations

import math
from datetime import date

import pytest

from attribution.errors import DataValidationError
from attribution.reports.funnels import funnel, funnel_steps
from attribution.store.workspace import Workspace
from tests.report_data import CONVERSIONS, TOUCHPOINTS, build_dataset


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def ds(request):
    """The hand-made dataset on each engine (Spark counts the funnel in Spark; skipped without it)."""
    if request.param == "spark":
        import attribution as at

        spark = request.getfixturevalue("spark")
        yield at.load(touchpoints=spark.createDataFrame(TOUCHPOINTS), conversions=spark.createDataFrame(CONVERSIONS),
                      engine="spark", spark=spark)
        return
    ws = Workspace(None)
    yield build_dataset(ws)
    ws.close()


def test_steps_listed_by_users(ds):
    # lead: u1, u2; purchase: u1, u3 → both 2 users, ties by name
    assert funnel_steps(ds, "stage").values.tolist() == [["lead", 2], ["purchase", 2]]
    # click: u1, u3, u4; impression: u1, u2, u4; visit: u2
    assert funnel_steps(ds, "interaction").values.tolist() == [["click", 3], ["impression", 3], ["visit", 1]]


def test_stage_funnel_counts_users_in_order(ds):
    out = funnel(ds, ["lead", "purchase"])
    # lead: u1 (h30), u2 (h12) → 2; purchase at/after lead: u1 (h50) only → 1 (u3 bought without a lead)
    assert out["users"].tolist() == [2, 1]
    assert out["users_any"].tolist() == [2, 2]
    assert out["step_rate"].tolist() == [1.0, 0.5]  # 1/2
    assert out["overall_rate"].tolist() == [1.0, 0.5]
    assert out["step"].tolist() == [1, 2]


def test_default_steps_are_every_stage(ds):
    assert funnel(ds)["name"].tolist() == ["lead", "purchase"]


def test_interaction_funnel_and_first_touch_filter(ds):
    out = funnel(ds, ["impression", "click", "visit"], source="interaction")
    # impression: u1, u2, u4 → 3; then click: u1 (h24 ≥ h0), u4 (h70 ≥ h60) → 2; then visit: nobody
    assert out["users"].tolist() == [3, 2, 0]
    assert out["users_any"].tolist() == [3, 3, 1]
    assert out["step_rate"].tolist() == pytest.approx([1.0, 2 / 3, 0.0])
    # first touch on Search: u1 (h0) and u4 (h60)
    search = funnel(ds, ["impression", "click"], source="interaction", first_channels=["Search"])
    assert search["users"].tolist() == [2, 2]


def test_date_range_filters_events(ds):
    # from 2024-01-02: leads u1 (Jan 2); purchases u1 (Jan 3) — u2's lead and u3's purchase are Jan 1
    out = funnel(ds, ["lead", "purchase"], start=date(2024, 1, 2), end=date(2024, 1, 3))
    assert out["users"].tolist() == [1, 1]


def test_zero_users_give_empty_rates(ds):
    # u2 is the only user first touched on Social and never purchased
    out = funnel(ds, ["purchase", "lead"], first_channels=["Social"])
    assert out["users"].tolist() == [0, 0]
    assert all(math.isnan(v) for v in out["step_rate"]) and all(math.isnan(v) for v in out["overall_rate"])


def test_reversed_order_counts_only_ordered_users(ds):
    # purchase then a later lead: nobody (u1's lead came before its purchase)
    out = funnel(ds, ["purchase", "lead"])
    assert out["users"].tolist() == [2, 0]
    assert out["step_rate"].tolist() == [1.0, 0.0]


def test_bad_inputs_raise_clear_errors(ds):
    with pytest.raises(DataValidationError, match="source"):
        funnel(ds, ["lead"], source="campaign")
    with pytest.raises(DataValidationError, match="repeat"):
        funnel(ds, ["lead", "lead"])
    assert funnel(ds, []).empty
