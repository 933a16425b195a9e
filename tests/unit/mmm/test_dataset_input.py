"""Media-mix input from a dataset: a tiny dataset written straight into DuckDB, aggregated by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.engine.duckdb_dataset import DuckDBDataset
from attribution.errors import DataValidationError
from attribution.ingest.context import CANONICAL_DDL
from attribution.mmm.dataset_input import mmm_frame, mmm_unavailable_reason, suggest_freq
from attribution.store.workspace import PUBLIC_OWNER, Workspace

# Spend: channel A 10 per day on Mon 2024-01-01 .. Wed 2024-01-17; channel B on a few days, one day
# in two campaign rows (5 + 3), one row with no amount (counts 0) and 100 in the partial third week.
SPEND = ([(f"2024-01-{d:02d}", "A", 10.0) for d in range(1, 18)]
         + [("2024-01-02", "B", 5.0), ("2024-01-02", "B", 3.0), ("2024-01-05", "B", None),
            ("2024-01-10", "B", 7.0), ("2024-01-16", "B", 100.0)])
CONVERSIONS = [
    ("u1", "2024-01-01 09:00", 100.0, "purchase"),
    ("u2", "2024-01-03 23:59", None, "lead"),
    ("u3", "2024-01-07 23:00", 50.0, "purchase"),    # Sunday: still week 1
    ("u4", "2024-01-08 00:00", 20.0, "purchase"),    # Monday: week 2
    ("u5", "2024-01-12 10:00", 0.0, "lead"),
    ("u6", "2024-01-16 10:00", 30.0, "purchase"),    # partial week 3
    ("u7", "2024-01-20 10:00", 999.0, "purchase"),   # after the last spend day: left out
    ("u8", "2023-12-31 10:00", 999.0, "purchase"),   # before the first spend day: left out
]


def _dataset(spend=SPEND, conversions=CONVERSIONS, kind="journeys") -> DuckDBDataset:
    ws = Workspace(None)

    def loader(cur, schema):
        for table in ("touchpoints", "conversions", "spend") if kind == "journeys" else ("paths", "spend"):
            cur.execute(f"create table {schema}.{table} ({CANONICAL_DDL[table]})")
        if spend:
            cur.executemany(f"insert into {schema}.spend (date, channel, spend) values (?::date, ?, ?)", spend)
        if kind == "journeys" and conversions:
            cur.executemany(f"insert into {schema}.conversions (user_id, ts, revenue, stage) "
                            "values (?, ?::timestamp, ?, ?)", conversions)
        return kind

    dataset_id, _ = ws.create("tiny", PUBLIC_OWNER, loader)
    return DuckDBDataset(ws, dataset_id, "tiny", kind)


def test_weekly_revenue_and_spend_by_hand():
    out = mmm_frame(_dataset(), "W", "revenue")
    # weeks start Monday; week 3 (Jan 15-21) is only covered to Wed 17 and is dropped
    assert out["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert list(out.columns) == ["date", "y", "A", "B"]
    assert out["A"].tolist() == [70.0, 70.0]          # 7 days x 10
    assert out["B"].tolist() == [8.0, 7.0]            # 5 + 3 (+ 0 for the empty row); 7
    assert out["y"].tolist() == [150.0, 20.0]         # 100 + 0 + 50; 20 + 0 (u7, u8 outside the range)


def test_weekly_conversions_with_and_without_stage():
    assert mmm_frame(_dataset(), "W", "conversions")["y"].tolist() == [3.0, 2.0]   # u1 u2 u3; u4 u5
    assert mmm_frame(_dataset(), "W", "conversions", stage="purchase")["y"].tolist() == [2.0, 1.0]
    assert mmm_frame(_dataset(), "W", "conversions", stage="lead")["y"].tolist() == [1.0, 1.0]


def test_daily_rows_cover_every_spend_day():
    out = mmm_frame(_dataset(), "D", "revenue")
    assert len(out) == 17 and out["date"].iloc[0] == pd.Timestamp("2024-01-01")
    by_day = out.set_index(out["date"].dt.day)
    assert by_day.loc[2, "B"] == 8.0 and by_day.loc[5, "B"] == 0.0 and by_day.loc[16, "B"] == 100.0
    assert by_day.loc[1, "y"] == 100.0 and by_day.loc[16, "y"] == 30.0
    assert out["y"].sum() == 200.0                    # 100 + 50 + 20 + 30
    assert out["A"].sum() == 170.0 and (out[["A", "B"]] >= 0).all().all()


def test_zero_outcome_unknown_stage_and_bad_arguments():
    with pytest.raises(DataValidationError, match="revenue is zero in every period for stage 'lead'"):
        mmm_frame(_dataset(), "W", "revenue", stage="lead")
    with pytest.raises(DataValidationError, match="no conversions of stage 'booked'"):
        mmm_frame(_dataset(), "W", "conversions", stage="booked")
    with pytest.raises(DataValidationError, match="target must be one of"):
        mmm_frame(_dataset(), "W", "profit")
    with pytest.raises(DataValidationError, match="freq must be"):
        mmm_frame(_dataset(), "M", "revenue")


def test_unavailable_reasons_say_what_to_do():
    assert mmm_unavailable_reason(_dataset()) is None
    no_spend = mmm_unavailable_reason(_dataset(spend=[]))
    assert "no spend table" in no_spend and "wide CSV" in no_spend
    assert "aggregated paths" in mmm_unavailable_reason(_dataset(kind="paths"))
    assert "no conversions" in mmm_unavailable_reason(_dataset(conversions=[]))
    with pytest.raises(DataValidationError, match="no spend table"):
        mmm_frame(_dataset(spend=[]))


def test_suggested_granularity():
    # 2 full weeks, 2 channels: a weekly model needs 2 x (2 + 4 + 2 x 3) = 24 weeks -> daily
    freq, note = suggest_freq(_dataset())
    assert freq == "D" and "only 2 full weeks" in note and "at least 24" in note
    # spend recorded once a week (every Monday for 40 weeks) stays weekly whatever its length
    mondays = pd.date_range("2024-01-01", periods=40, freq="7D").strftime("%Y-%m-%d")
    weekly = [(d, "A", 10.0 + i % 3) for i, d in enumerate(mondays)]
    convs = [(f"u{i}", f"{d} 12:00", 5.0, "purchase") for i, d in enumerate(mondays)]
    assert suggest_freq(_dataset(spend=weekly, conversions=convs)) == ("W", None)


def test_suggested_granularity_counts_parameters_like_fit():
    # 30 full weeks, 2 channels. Geometric + logistic: 2 x (1 + 1 + 4 + 2 x 3) = 24 weeks -> weekly.
    # Weibull PDF (shape, scale) + Hill (k, s) + beta = 5 per channel: 2 x (6 + 2 x 5) = 32 weeks -> daily.
    days = pd.date_range("2024-01-01", periods=7 * 30, freq="D").strftime("%Y-%m-%d")
    spend = [(d, ch, 10.0 + (i % 5) + (ch == "B")) for i, d in enumerate(days) for ch in ("A", "B")]
    convs = [(f"u{i}", f"{d} 12:00", 5.0, "purchase") for i, d in enumerate(days)]
    ds = _dataset(spend=spend, conversions=convs)
    assert suggest_freq(ds) == ("W", None)
    freq, note = suggest_freq(ds, adstock="weibull_pdf", saturation="hill")
    assert freq == "D" and "at least 32" in note


@pytest.mark.parametrize(("adstock", "saturation", "per_channel"),
                         [("geometric", "logistic", 3), ("delayed", "hill", 5), ("weibull_cdf", "michaelis_menten", 4)])
def test_param_count_agrees_with_fit(adstock, saturation, per_channel):
    # fit refuses fewer than 2 x parameters periods and names the count; it must be the same count
    from attribution.errors import DataValidationError as Invalid
    from attribution.mmm import fit
    from attribution.mmm.inputs import model_param_count
    n_params = model_param_count(2, 0, n_fourier=0, adstock=adstock, saturation=saturation)
    assert n_params == 2 + 2 * per_channel
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=2 * n_params - 1, freq="W-MON"),
                          "y": rng.uniform(50, 60, 2 * n_params - 1), "A": rng.uniform(1, 9, 2 * n_params - 1),
                          "B": rng.uniform(1, 9, 2 * n_params - 1)})
    with pytest.raises(Invalid, match=f"has {n_params} parameters"):
        fit(frame, channels=["A", "B"], adstock=adstock, saturation=saturation, n_fourier=0)
