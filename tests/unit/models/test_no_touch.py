"""Conversions with no touch in their window: counted, and credited to one "(no touch)" row."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.journeys.data import NO_TOUCH
from attribution.journeys.settings import JourneySettings
from attribution.models import compare, run_model, supported_models
from attribution.reports.channel_report import channel_report
from attribution.store.workspace import Workspace
from tests.report_data import CONVERSIONS, T0, TOUCHPOINTS, build_dataset

# u5 buys with no touch at all (Jan 4 08:00, 40); u4 buys on Mar 1 (30), 57+ days after its touches
EXTRA = pd.DataFrame([("u5", T0 + pd.Timedelta(hours=80), 40.0, "c5", "purchase"),
                      ("u4", T0 + pd.Timedelta(days=60), 30.0, "c6", "purchase")], columns=CONVERSIONS.columns)


@pytest.fixture(scope="module")
def ds():
    ws = Workspace(None)
    yield build_dataset(ws, TOUCHPOINTS, pd.concat([CONVERSIONS, EXTRA], ignore_index=True))
    ws.close()


def test_build_counts_conversions_without_touch(ds):
    stats = ds.journeys(stage="purchase", lookback_days=30).stats
    # purchases c2 (u1, 100), c4 (u3, 50), c5 (no touch, 40), c6 (touches too old, 30)
    assert (stats.conversions_counted, stats.converting_journeys, stats.conversions_without_touches,
            stats.revenue_without_touches) == (4, 2, 2, 70.0)
    assert stats.no_touch_daily.values.tolist() == [[pd.Timestamp("2024-01-04"), 1.0, 40.0],
                                                    [pd.Timestamp("2024-03-01"), 1.0, 30.0]]
    unlimited = ds.journeys(stage="purchase", lookback_days=None).stats
    assert (unlimited.conversions_without_touches, unlimited.revenue_without_touches) == (1, 40.0)


def test_every_model_credits_them_so_totals_equal_counted_conversions(ds):
    j = ds.journeys(stage="purchase", lookback_days=30)
    results = compare(j, supported_models(j))
    for model, frame in results.groupby("model"):
        assert frame["conversions"].sum() == pytest.approx(4.0), model
        assert frame["revenue"].sum() == pytest.approx(220.0), model
        assert frame["share"].sum() == pytest.approx(1.0), model
        row = frame.set_index("channel").loc[NO_TOUCH]
        assert (row["conversions"], row["revenue"], row["share"]) == pytest.approx((2.0, 70.0, 0.5)), model


def test_they_can_go_to_a_chosen_channel(ds):
    j = ds.journeys(stage="purchase", lookback_days=30, no_touch_channel="Email")
    credit = run_model("first_touch", j).set_index("channel")
    # first touch: c2 → Search, c4 → Email, plus the two without touch on Email
    assert credit["conversions"].to_dict() == {"Email": 3.0, "Search": 1.0, "Social": 0.0}
    assert credit.loc["Email", "revenue"] == 120.0


def test_channel_report_shows_them_by_conversion_date(ds):
    j = ds.journeys(stage="purchase", lookback_days=30)
    whole = channel_report(j, "linear", None).set_index("channel")
    assert whole["conversions"].sum() == pytest.approx(4.0)
    assert whole.loc[NO_TOUCH, ["touches", "conversions", "revenue"]].tolist() == [0.0, 2.0, 70.0]
    assert pd.isna(whole.loc[NO_TOUCH, "spend"]) and pd.isna(whole.loc[NO_TOUCH, "cpa"])
    monthly = channel_report(j, "linear", "month")
    rows = monthly[monthly["channel"] == NO_TOUCH][["period", "conversions"]].values.tolist()
    assert rows == [[pd.Timestamp("2024-01-01"), 1.0], [pd.Timestamp("2024-03-01"), 1.0]]
    assert monthly["conversions"].sum() == pytest.approx(4.0)


def test_rule_applies_to_settings_validation():
    with pytest.raises(ValueError, match="no_touch_channel"):
        JourneySettings(no_touch_channel=" ")


def test_note_says_how_many_why_and_where():
    from attribution.journeys.data import Journeys, JourneyStats, PathData
    from attribution.models.no_touch import no_touch_note

    paths = pd.DataFrame({"path": [("a",)], "conversions": [3.0], "revenue": [30.0], "nulls": [0.0]})
    assert no_touch_note(PathData(paths)) is None  # aggregated paths carry no build counts
    stats = JourneyStats(journeys=3, converting_journeys=3, touches=3, conversions_counted=5,
                         conversions_without_touches=2, revenue_without_touches=25.0)
    data = Journeys(paths=paths, settings=JourneySettings(lookback_days=7), stats=stats)
    assert no_touch_note(data) == (
        "2 of 5 conversions (25.00 revenue) have no touch in the 7 days before it or since the user's "
        "previous conversion; every model credits them to the channel '(no touch)', so channel totals "
        "add up to the conversions.")
