"""Checks of uploaded wide tables and aggregation of the canonical tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.mmm import aggregate_for_mmm, infer_freq, prepare_wide


def _wide(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"date": pd.date_range("2022-01-03", periods=n, freq="7D").strftime("%Y-%m-%d"),
                         "y": rng.uniform(100, 200, n), "tv": rng.uniform(0, 50, n),
                         "radio": rng.uniform(0, 20, n), "price": rng.uniform(1, 2, n)})


def test_clean_table_passes_and_is_sorted():
    df = _wide().iloc[::-1]
    out = prepare_wide(df, "date", "y", ["tv", "radio"], ["price"])
    assert list(out.columns) == ["date", "y", "tv", "radio", "price"]
    assert out["date"].is_monotonic_increasing and len(out) == 30
    assert infer_freq(out["date"]) == "W"


def test_day_first_dates_are_read():
    df = _wide()
    df["date"] = pd.to_datetime(df["date"]).dt.strftime("%d-%m-%y")  # the haensel export style
    out = prepare_wide(df, "date", "y", ["tv"])
    assert out["date"].iloc[0] == pd.Timestamp("2022-01-03")


@pytest.mark.parametrize("column, row, value, pattern", [
    ("date", 4, "not a date", r"'date', row 5: cannot read"),
    ("tv", 2, "12,5 EUR", r"'tv', row 3: '12,5 EUR' is not a number"),
    ("tv", 7, -3.0, r"'tv', row 8: spend -3.0 is negative"),
    ("radio", 0, None, r"'radio', row 1: value is missing"),
])
def test_bad_cells_name_column_and_row(column, row, value, pattern):
    df = _wide().astype({column: "object"})
    df.loc[row, column] = value
    with pytest.raises(DataValidationError, match=pattern) as err:
        prepare_wide(df, "date", "y", ["tv", "radio"])
    assert err.value.column == column and err.value.row == row + 1


def test_duplicate_dates_gaps_constants_and_length():
    df = _wide()
    df.loc[3, "date"] = df.loc[2, "date"]
    with pytest.raises(DataValidationError, match="appears in rows 3 and 4"):
        prepare_wide(df, "date", "y", ["tv"])
    with pytest.raises(DataValidationError, match="jump from"):
        prepare_wide(_wide().drop(index=10), "date", "y", ["tv"])
    const = _wide().assign(radio=5.0)
    with pytest.raises(DataValidationError, match="'radio' has the same value"):
        prepare_wide(const, "date", "y", ["tv", "radio"])
    # default model with 2 channels and 1 control: 2 + 4 + 1 + 6 = 13 parameters -> needs 26 rows
    with pytest.raises(DataValidationError, match="only 20 periods; this model needs at least 26"):
        prepare_wide(_wide(20), "date", "y", ["tv", "radio"], ["price"])
    with pytest.raises(DataValidationError, match="not found"):
        prepare_wide(_wide(), "date", "y", ["tv", "facebook"])
    with pytest.raises(DataValidationError, match="chosen twice"):
        prepare_wide(_wide(), "date", "y", ["tv", "tv"])


def test_monthly_dates_rejected():
    df = _wide().assign(date=pd.date_range("2020-01-01", periods=30, freq="MS"))
    with pytest.raises(DataValidationError, match="daily or weekly"):
        prepare_wide(df, "date", "y", ["tv"])


def test_aggregate_weekly_and_daily():
    # Two full weeks Mon 2024-01-01 .. Sun 2024-01-14
    spend = pd.DataFrame({"date": ["2024-01-01", "2024-01-03", "2024-01-09", "2024-01-14"],
                          "channel": ["tv", "tv", "search", "tv"], "spend": [10.0, 5.0, 7.0, 1.0]})
    conv = pd.DataFrame({"ts": pd.to_datetime(["2024-01-02 10:00", "2024-01-07 23:00", "2024-01-10 09:00"]),
                         "revenue": [100.0, 50.0, 30.0]})
    w = aggregate_for_mmm(spend, conv, freq="W", target="revenue")
    # week 1: tv 10 + 5 = 15, revenue 100 + 50 = 150; week 2: tv 1, search 7, revenue 30
    assert w["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert w["y"].tolist() == [150.0, 30.0]
    assert w["tv"].tolist() == [15.0, 1.0] and w["search"].tolist() == [0.0, 7.0]
    c = aggregate_for_mmm(spend, conv, freq="W", target="conversions")
    assert c["y"].tolist() == [2.0, 1.0]
    d = aggregate_for_mmm(spend, conv, freq="D")
    # 14 days, every day present, totals preserved
    assert len(d) == 14 and d["y"].sum() == 180.0 and d["tv"].sum() == 16.0 and d["search"].sum() == 7.0


def test_aggregate_trims_partial_edge_weeks():
    # Wednesday 2024-01-03 .. Wednesday 2024-01-24: first and last weeks are partial
    days = pd.date_range("2024-01-03", "2024-01-24", freq="D")
    spend = pd.DataFrame({"date": days, "channel": "tv", "spend": 1.0})
    conv = pd.DataFrame({"ts": days, "revenue": 2.0})
    w = aggregate_for_mmm(spend, conv)
    assert w["date"].tolist() == [pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15")]
    assert w["tv"].tolist() == [7.0, 7.0] and w["y"].tolist() == [14.0, 14.0]
    assert len(aggregate_for_mmm(spend, conv, trim_partial=False)) == 4


def test_aggregate_errors():
    spend = pd.DataFrame({"date": ["2024-01-01"], "channel": ["tv"], "spend": [1.0]})
    with pytest.raises(DataValidationError, match="revenue"):
        aggregate_for_mmm(spend, pd.DataFrame({"ts": ["2024-01-01"]}), target="revenue")
    with pytest.raises(DataValidationError, match="freq"):
        aggregate_for_mmm(spend, pd.DataFrame({"ts": ["2024-01-01"]}), freq="M", target="conversions")


def test_aggregate_accepts_utc_timestamps():
    spend = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "channel": "tv", "spend": [1.0, 2.0]})
    conv = pd.DataFrame({"ts": ["2024-01-01T23:30:00Z", "2024-01-02T00:30:00+02:00"], "revenue": [5.0, 7.0]})
    d = aggregate_for_mmm(spend, conv, freq="D")
    # 00:30+02:00 is 22:30 UTC on 1 January: both conversions fall on day one
    assert d["y"].tolist() == [12.0, 0.0] and d["tv"].tolist() == [1.0, 2.0]
