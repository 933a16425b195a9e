"""Channel report: spend, credit, CPA (= CPO), ROAS by period; totals; IHC export; dataset spend."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.journeys.settings import ChannelRule, JourneySettings
from attribution.models import run_model, supported_models
from attribution.reports.channel_report import (
    IHC_COLUMNS,
    build_channel_report,
    channel_report,
    channel_reporting,
    dataset_channel_report,
    with_totals,
)
from attribution.store.workspace import Workspace
from tests.report_data import CONVERSIONS, TOUCHPOINTS, build_dataset, make_journeys

# (journey, channel, touch hour, conversion hour or None, revenue, cost); hour 0 = 2024-01-01 00:00
ROWS = [
    (1, "A", 0, 40, 100.0, 1.0), (1, "B", 30, 40, 100.0, 2.0),   # touches Jan 1, Jan 2; converts Jan 2
    (2, "A", 50, 50, 60.0, 1.0),                                 # Jan 3, converts at once
    (3, "C", 10, None, 0.0, 4.0),                                # Jan 1, no conversion
]
D1, D2, D3 = (pd.Timestamp(2024, 1, d) for d in (1, 2, 3))
NAN = float("nan")


def _credit():
    # linear by hand, per touch: journey 1 A 0.5 / 50, B 0.5 / 50; journey 2 A 1 / 60
    return pd.DataFrame({"journey_id": [1, 1, 2], "position": [1, 2, 1], "channel": ["A", "B", "A"],
                         "conversions": [0.5, 0.5, 1.0], "revenue": [50.0, 50.0, 60.0]})


def _rows(report, columns):
    return {tuple(r[:-len(columns)]): list(r[-len(columns):])
            for r in report[[c for c in ("channel", "period") if c in report] + columns].itertuples(index=False)}


def _same(actual, expected):
    return all((math.isnan(a) and math.isnan(e)) or a == pytest.approx(e) for a, e in zip(actual, expected,
                                                                                          strict=True))


@pytest.fixture(scope="module")
def journeys():
    return make_journeys(ROWS)


def test_daily_by_conversion_date_with_touch_cost(journeys):
    built = build_channel_report(journeys, "linear", "day", credit=_credit())
    report = built.table
    assert (built.spend_source, built.freq, built.model, built.date_by) == ("touch cost", "day", "linear",
                                                                            "conversion")
    rows = _rows(report, ["spend", "touches", "conversions", "revenue", "cpa", "roas", "conversion_rate"])
    # A Jan 1: its journey-1 touch cost 1 that day, but the touch is dated by the Jan 2 conversion
    assert _same(rows[("A", D1)], [1, 0, 0, 0, NAN, 0.0, NAN])   # no conversions → empty CPA
    assert _same(rows[("A", D2)], [0, 1, 0.5, 50, 0.0, NAN, 0.5])  # no spend → empty ROAS, CPA 0/0.5 = 0
    assert _same(rows[("A", D3)], [1, 1, 1, 60, 1.0, 60.0, 1.0])
    assert _same(rows[("B", D2)], [2, 1, 0.5, 50, 4.0, 25.0, 0.5])  # CPA 2/0.5, ROAS 50/2
    assert _same(rows[("C", D1)], [4, 1, 0, 0, NAN, 0.0, 0.0])      # non-converting touch by its date
    assert len(rows) == 5


def test_daily_by_touch_date(journeys):
    report = channel_report(journeys, "linear", "day", credit=_credit(), date_by="touch")
    rows = _rows(report, ["spend", "touches", "conversions", "revenue", "cpa", "roas"])
    # A's journey-1 credit now lands on its touch date, next to its cost
    assert _same(rows[("A", D1)], [1, 1, 0.5, 50, 2.0, 50.0])
    assert _same(rows[("B", D2)], [2, 1, 0.5, 50, 4.0, 25.0])
    assert ("A", D2) not in rows


def test_whole_range_week_and_month_agree(journeys):
    whole = channel_report(journeys, "linear", None, credit=_credit())
    assert "period" not in whole.columns
    rows = _rows(whole, ["spend", "touches", "conversions", "revenue", "cpa", "roas", "conversion_rate"])
    # A: spend 1 + 1, touches 2, conversions 1.5, revenue 110 → CPA 2/1.5, ROAS 110/2, rate 1.5/2
    assert _same(rows[("A",)], [2, 2, 1.5, 110, 2 / 1.5, 55.0, 0.75])
    assert _same(rows[("C",)], [4, 1, 0, 0, NAN, 0.0, 0.0])
    cols = ["spend", "touches", "conversions", "revenue"]
    for freq in ("week", "month"):  # 2024-01-01 is a Monday: one week and one month
        periodic = channel_report(journeys, "linear", freq, credit=_credit())
        assert set(periodic["period"]) == {D1}
        assert periodic[cols].to_numpy().tolist() == whole[cols].to_numpy().tolist()


def test_totals_recompute_ratios_from_sums(journeys):
    total = with_totals(channel_report(journeys, "linear", None, credit=_credit()))
    assert total["channel"].tolist() == ["A", "B", "C", "Total"]
    # spend 2 + 2 + 4 = 8, conversions 2, revenue 160, touches 4 → CPA 4, ROAS 20, rate 0.5
    assert total.iloc[-1][["spend", "conversions", "revenue", "cpa", "roas", "conversion_rate"]].tolist() == [
        8.0, 2.0, 160.0, 4.0, 20.0, 0.5]
    daily = with_totals(channel_report(journeys, "linear", "day", credit=_credit()))
    jan1 = daily[daily["period"] == D1]
    assert jan1["channel"].tolist() == ["A", "C", "Total"]
    assert jan1.iloc[-1]["spend"] == 5.0 and math.isnan(jan1.iloc[-1]["cpa"])  # zero conversions that day


def test_given_spend_zero_spend_and_spend_only_channels(journeys):
    spend = pd.DataFrame({"date": [D1.date(), D2.date(), D2.date()], "channel": ["A", "B", "D"],
                          "spend": [10.0, 0.0, 5.0]})
    rows = _rows(channel_report(journeys, "linear", None, spend=spend, credit=_credit()),
                 ["spend", "touches", "conversions", "cpa", "roas", "conversion_rate"])
    assert rows[("A",)][:1] == [10.0] and rows[("A",)][3] == pytest.approx(10 / 1.5)
    assert _same(rows[("B",)], [0, 1, 0.5, 0.0, NAN, 0.5])        # zero spend → ROAS empty
    assert _same(rows[("C",)], [NAN, 1, 0, NAN, NAN, 0.0])        # not in the spend table: unknown
    assert _same(rows[("D",)], [5, 0, 0, NAN, 0.0, NAN])          # spend only, no touches
    # the journeys' date range also bounds spend: A's Jan 1 spend falls outside Jan 2–3
    ranged = make_journeys(ROWS, settings=JourneySettings(start=D2.date(), end=D3.date()))
    rows = _rows(channel_report(ranged, "linear", None, spend=spend, credit=_credit()), ["spend"])
    assert rows[("A",)] == [0.0] and rows[("D",)] == [5.0]


def test_channels_the_spend_table_does_not_name_have_unknown_spend_and_empty_cpa(journeys):
    # the spend table names only B (a known 0): A converts 1.5 but its spend is unknown, not 0
    spend = pd.DataFrame({"date": [D2.date()], "channel": ["B"], "spend": [0.0]})
    whole = channel_report(journeys, "linear", None, spend=spend, credit=_credit())
    rows = _rows(whole, ["spend", "conversions", "cpa", "roas"])
    assert _same(rows[("A",)], [NAN, 1.5, NAN, NAN])
    assert _same(rows[("B",)], [0.0, 0.5, 0.0, NAN])
    daily = _rows(channel_report(journeys, "linear", "day", spend=spend, credit=_credit()), ["spend", "cpa"])
    assert _same(daily[("A", D3)], [NAN, NAN])
    # the total counts the known spend only
    assert with_totals(whole).iloc[-1]["spend"] == 0.0


def test_no_cost_anywhere_leaves_spend_unknown():
    free = make_journeys([(j, c, h, conv, rev, 0.0) for j, c, h, conv, rev, _ in ROWS])
    built = build_channel_report(free, "linear", None, credit=_credit())
    report = built.table
    assert built.spend_source == "none"
    assert report[["spend", "cpa", "roas"]].isna().all().all()
    assert report["conversions"].sum() == 2.0


def test_channel_reporting_shape(journeys):
    daily = build_channel_report(journeys, "linear", "day", credit=_credit(), date_by="touch").with_totals()
    assert daily.table["channel"].eq("Total").any()
    ihc = channel_reporting(daily)
    assert ihc.columns.tolist() == IHC_COLUMNS
    assert "Total" not in set(ihc["channel_name"])
    first = ihc.iloc[0].tolist()  # A on 2024-01-01: cost 1, credit 0.5, revenue 50 → CPO 2, ROAS 50
    assert first == ["A", "2024-01-01", 1.0, 0.5, 50.0, 2.0, 50.0]
    with pytest.raises(DataValidationError, match="daily"):
        channel_reporting(build_channel_report(journeys, "linear", "week", credit=_credit()))
    with pytest.raises(DataValidationError, match="bare table"):  # a frame does not say its period length
        channel_reporting(daily.table)


def test_bad_arguments(journeys):
    with pytest.raises(DataValidationError, match="freq"):
        channel_report(journeys, "linear", "year", credit=_credit())
    with pytest.raises(DataValidationError, match="date_by"):
        channel_report(journeys, "linear", "day", credit=_credit(), date_by="spend")
    with pytest.raises(DataValidationError, match="spend lacks"):
        channel_report(journeys, "linear", "day", credit=_credit(), spend=pd.DataFrame({"date": [], "cost": []}))


def test_dataset_spend_sources():
    ws = Workspace(None)
    try:
        with_table = build_dataset(ws)
        spend, source = with_table.spend(date(2024, 1, 2), date(2024, 1, 3))
        # spend rows Jan 2 Social 20, Email 0; Jan 3 Search 6
        assert source == "spend table" and spend["spend"].sum() == 26.0 and len(spend) == 3
        no_table = build_dataset(ws, spend=None)
        cost, source = no_table.spend(date(2024, 1, 2), date(2024, 1, 3))
        # every touchpoint's cost, journey or not: Jan 2 Email 1; Jan 3 Search 2 + 2, Social 3
        assert source == "touch cost"
        assert cost.values.tolist() == [[D2, "Email", 1.0], [D3, "Search", 4.0], [D3, "Social", 3.0]]
        free = build_dataset(ws, TOUCHPOINTS.assign(cost=0.0), CONVERSIONS, None)
        assert free.spend() == (None, "none")
    finally:
        ws.close()


def test_spend_follows_the_journeys_channel_grouping_rules():
    # Email and Social grouped as "Owned": spend must land on "Owned" too, or its CPA and ROAS
    # would be missing and Email/Social would show spend without credit.
    owned = (ChannelRule("Owned", "^(email|social)$", match="regex"),)
    ws = Workspace(None)
    try:
        ds = build_dataset(ws)
        spend, _ = ds.spend(channel_rules=owned)
        # Jan 1 Search 10, Email 5; Jan 2 Social 20, Email 0; Jan 3 Search 6
        assert spend.values.tolist() == [[D1, "Owned", 5.0], [D1, "Search", 10.0], [D2, "Owned", 20.0],
                                         [D3, "Search", 6.0]]
        cost, _ = build_dataset(ws, spend=None).spend(channel_rules=owned)
        # touch cost by day: Jan 1 Search 2, Social 3 + Email 1; Jan 2 Email 1; Jan 3 Search 2 + 2,
        # Social 3; Jan 5 Email 1
        assert cost.values.tolist() == [[D1, "Owned", 4.0], [D1, "Search", 2.0], [D2, "Owned", 1.0],
                                        [D3, "Owned", 3.0], [D3, "Search", 4.0],
                                        [pd.Timestamp(2024, 1, 5), "Owned", 1.0]]
        report = dataset_channel_report(ds, ds.journeys(JourneySettings(channel_rules=owned)), "linear", None)
        assert report.set_index("channel")["spend"].to_dict() == {"Owned": 25.0, "Search": 16.0}
    finally:
        ws.close()


def test_totals_agree_with_run_model_for_every_model():
    ws = Workspace(None)
    try:
        ds = build_dataset(ws)
        journeys = ds.journeys(JourneySettings(lookback_days=None))
        for name in supported_models(journeys):
            expected = run_model(name, journeys).set_index("channel")[["conversions", "revenue"]]
            for freq in (None, "day"):
                report = dataset_channel_report(ds, journeys, name, freq)
                assert build_channel_report(journeys, name, freq).spend_source == "spend table"
                got = report.groupby("channel")[["conversions", "revenue"]].sum()
                got = got.reindex(expected.index, fill_value=0.0)
                assert got.to_numpy().ravel().tolist() == pytest.approx(expected.to_numpy().ravel().tolist()), name
    finally:
        ws.close()


def test_journeys_from_a_dataset_report_the_dataset_spend():
    # The README's call channel_report(j) must give the app's and the CLI's table: the spend table,
    # not the journeys' touch costs (touch cost here: Search 4, Social 3, Email 1 on Jan 1-3).
    ws = Workspace(None)
    try:
        ds = build_dataset(ws)
        j = ds.journeys(JourneySettings(lookback_days=None, start=date(2024, 1, 2), end=date(2024, 1, 3)))
        plain = channel_report(j, "linear", None)
        assert build_channel_report(j, "linear", None).spend_source == "spend table"
        # spend table Jan 2 Social 20, Email 0; Jan 3 Search 6
        assert plain.set_index("channel")["spend"].dropna().to_dict() == {"Email": 0.0, "Search": 6.0,
                                                                        "Social": 20.0}
        pd.testing.assert_frame_equal(plain, dataset_channel_report(ds, j, "linear", None))
        # hand-made journeys keep reporting their touch cost
        assert build_channel_report(make_journeys(ROWS), "linear", None).spend_source == "touch cost"
    finally:
        ws.close()


def test_marked_totals_flag_the_total_rows(journeys):
    from attribution.reports.channel_report import marked_totals

    report = with_totals(channel_report(journeys, "linear", None, credit=_credit()))
    marked = marked_totals(report)
    assert list(marked.columns[:3]) == ["model", "channel", "is_total"]
    assert marked["is_total"].tolist() == [False, False, False, True]
    channels = marked[~marked["is_total"]]
    assert channels["conversions"].sum() == pytest.approx(marked.loc[marked["is_total"], "conversions"].item())


def test_report_section_names_the_spend_source_and_adds_totals(journeys):
    from attribution.reports.sections import channels_section

    built = build_channel_report(journeys, "linear", None, credit=_credit())
    section = channels_section(built)
    texts = [b.text for b in section.blocks if hasattr(b, "text")]
    assert texts[0] == "Credit from the Linear model; spend from the summed cost of the touchpoints."
    table = next(b.frame for b in section.blocks if hasattr(b, "frame"))
    assert table["channel"].tolist()[-1] == "Total"
    assert table["spend"].iloc[-1] == 8.0  # touch costs 1 + 2 + 1 + 4
    # a report that already has its Total row is not given a second one
    assert channels_section(built.with_totals()).blocks[1].frame["channel"].eq("Total").sum() == 1
