"""Fit every media-mix file in ../shared/data/mmm (skipped when absent).

R² floors are set below what the default model reaches on each file (observed in brackets), so a
regression in the fitter shows up while the floors still reflect how much each file can explain:
pymc example 0.95, pymc ROAS 0.98, Robyn 0.92, Meridian 0.36 (a noisy simulation whose spend and
impressions fit identically), haensel 0.51 (real-looking data with Black-Friday spikes the model
has no term for).

Each ``test_x`` has a ``test_x_generated`` counterpart that always runs: a file of the same layout
written by tests/shared_like.py (simulated from known geometric adstock + logistic saturation
curves), read through the upload path (read_wide_csv, guess_wide_roles) and fitted the same way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.mmm import fit
from attribution.mmm.wide_csv import guess_wide_roles, read_wide_csv
from tests import shared_like


def _check(res, r2_floor: float) -> None:
    d = res.diagnostics
    assert d["r2"] > r2_floor, d["r2"]
    assert 1.0 < d["durbin_watson"] < 3.0
    assert (res.params.query("param == 'beta'")["value"] >= 0).all()
    s = res.channel_summary
    assert (s["contribution"] >= 0).all() and (s["roas"] >= 0).all() and (s["marginal_roas"] >= 0).all()
    assert s["share"].sum() == pytest.approx(1.0)
    total = res.contributions.groupby("date")["value"].sum().to_numpy()
    np.testing.assert_allclose(total, res.fitted["fitted"].to_numpy(), rtol=1e-9)


def _read(path) -> tuple[pd.DataFrame, dict]:
    """The file as the media-mix upload reads it, and the roles it guesses."""
    frame = read_wide_csv(path.read_bytes(), path.name)
    return frame, guess_wide_roles(frame)


def _roas(res) -> pd.Series:
    return res.channel_summary.set_index("channel")["roas"]


def _pooled_roas(res, frame, channels) -> float:
    """Total media contribution over total spend."""
    return res.channel_summary["contribution"].sum() / frame[channels].to_numpy().sum()


@pytest.mark.shared
def test_pymc_example_recovers_documented_truth(shared_data):
    # pymc-marketing generated this file with geometric adstock (l_max 8, normalised) alpha 0.4 / 0.2,
    # logistic saturation lam 4 / 3 on spend in [0, 1] (max x1 0.997, x2 0.994, so lam on our
    # x / max x scale is 3.99 / 2.98), betas 3 / 2 times an amplitude (fitted: about 1000).
    df = pd.read_csv(shared_data / "mmm" / "pymc_marketing_mmm_example.csv")
    res = fit(df, date="date_week", target="y", channels=["x1", "x2"], controls=["event_1", "event_2"])
    _check(res, 0.9)
    p = res.channel_params
    assert p["x1"]["alpha"] == pytest.approx(0.4, abs=0.05)
    assert p["x2"]["alpha"] == pytest.approx(0.2, abs=0.05)
    assert p["x1"]["lam"] == pytest.approx(4.0 * df["x1"].max(), rel=0.2)
    assert p["x2"]["lam"] == pytest.approx(3.0 * df["x2"].max(), rel=0.2)
    assert p["x1"]["beta"] / p["x2"]["beta"] == pytest.approx(3 / 2, rel=0.1)


def test_pymc_example_recovers_documented_truth_generated(tmp_path):
    # simulated like pymc-marketing's example: alpha 0.4 / 0.2, lam 4 / 3 on x / max x, beta 3000 / 2000
    # (observed with the default fit: ROAS +4 % / -2 %, alpha within 0.015, lam within 7 %, beta 5 %)
    truth = shared_like.write_pymc_example(tmp_path / "mmm_example.csv")
    df, roles = _read(tmp_path / "mmm_example.csv")
    assert roles == {"date": "date_week", "target": "y", "channels": ["x1", "x2"], "controls": ["event_1", "event_2"]}
    res = fit(df, **roles)
    _check(res, 0.95)
    p = res.channel_params
    for c in ("x1", "x2"):
        assert p[c]["alpha"] == pytest.approx(truth.alpha[c], abs=0.05)
        assert p[c]["lam"] == pytest.approx(truth.lam[c], rel=0.2)
        assert p[c]["beta"] == pytest.approx(truth.beta[c], rel=0.15)
        assert _roas(res)[c] == pytest.approx(truth.roas[c], rel=0.1)


@pytest.mark.shared
def test_pymc_roas_needs_the_confounder_as_control(shared_data):
    # True ROAS documented by pymc-marketing's mmm_roas notebook: x1 93.39, x2 171.41.
    df = pd.read_csv(shared_data / "mmm" / "pymc_marketing_mmm_roas_data.csv")
    res = fit(df, date="date", target="y", channels=["x1", "x2"], controls=["z"])
    _check(res, 0.95)
    roas = res.channel_summary.set_index("channel")["roas"]
    assert roas["x1"] == pytest.approx(93.39, rel=0.15)
    assert roas["x2"] == pytest.approx(171.41, rel=0.3)  # linear trend vs the file's curved one
    assert roas["x2"] > roas["x1"]
    # Leaving the confounder out inflates x1 (z drives both x1 and y), as the notebook shows
    biased = fit(df, date="date", target="y", channels=["x1", "x2"]).channel_summary.set_index("channel")["roas"]
    assert biased["x1"] > 1.5 * 93.39


def test_pymc_roas_needs_the_confounder_as_control_generated(tmp_path):
    # z drives x1 and y; with z as a control the fit recovers both ROAS (observed -1 % / +9 %),
    # without it x1 takes z's effect (observed 2.6 x its true ROAS)
    truth = shared_like.write_pymc_roas(tmp_path / "mmm_roas_data.csv")
    df, roles = _read(tmp_path / "mmm_roas_data.csv")
    assert roles == {"date": "date", "target": "y", "channels": ["x1", "x2"], "controls": []}  # z is the user's call
    res = fit(df, **roles | {"controls": ["z"]})
    _check(res, 0.95)
    roas = _roas(res)
    assert roas["x1"] == pytest.approx(truth.roas["x1"], rel=0.15)
    assert roas["x2"] == pytest.approx(truth.roas["x2"], rel=0.15)
    # the confounding shown on the forms the data were made with: with automatic forms a Hill curve fits
    # the confounded table 10 BIC points better and happens to give x1 42 (truth 49) - its S-shaped foot
    # hands part of what z did back to the baseline, which is luck, not a remedy for a missing control
    assert _roas(fit(df, **roles, adstock="geometric", saturation="logistic"))["x1"] > 1.5 * truth.roas["x1"]


@pytest.mark.shared
def test_robyn_weekly(shared_data):
    df = pd.read_csv(shared_data / "mmm" / "robyn_dt_simulated_weekly.csv")
    df["event"] = (df["events"] != "na").astype(float)
    res = fit(df, date="DATE", target="revenue",
              channels=["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
              controls=["competitor_sales_B", "newsletter", "event"], holdout_share=0.1)
    _check(res, 0.85)
    assert res.diagnostics["holdout_mape"] < 0.15


def test_robyn_weekly_generated(tmp_path):
    # quoted header and "na" events (read as missing); five *_S spend columns beside impressions and
    # clicks; observed R² 0.96, holdout MAPE 0.02, pooled media ROAS within 5 %
    truth = shared_like.write_robyn_weekly(tmp_path / "dt_simulated_weekly.csv")
    df, roles = _read(tmp_path / "dt_simulated_weekly.csv")
    channels = list(shared_like.ROBYN_SPEND)
    assert roles == {"date": "DATE", "target": "revenue", "channels": channels, "controls": ["competitor_sales_B"]}
    assert df["events"].notna().sum() == 2
    df["event"] = df["events"].notna().astype(float)
    res = fit(df, date="DATE", target="revenue", channels=channels,
              controls=["competitor_sales_B", "newsletter", "event"], holdout_share=0.1)
    _check(res, 0.9)
    assert res.diagnostics["holdout_mape"] < 0.1
    true_pooled = sum(truth.roas[c] * df[c].sum() for c in channels) / df[channels].to_numpy().sum()
    assert _pooled_roas(res, df, channels) == pytest.approx(true_pooled, rel=0.15)


@pytest.mark.shared
def test_meridian_national(shared_data):
    df = pd.read_csv(shared_data / "mmm" / "meridian_national_media.csv")
    df["revenue"] = df["conversions"] * df["revenue_per_conversion"]
    res = fit(df, date="time", target="revenue", channels=[f"Channel{i}_spend" for i in range(4)],
              controls=["competitor_activity_score_control", "sentiment_score_control"])
    _check(res, 0.25)


def test_meridian_national_generated(tmp_path):
    # conversions x a constant revenue_per_conversion; observed R² 0.90, pooled media ROAS within 5 %
    truth = shared_like.write_meridian_national(tmp_path / "national_media.csv")
    df, roles = _read(tmp_path / "national_media.csv")
    channels = [f"Channel{i}_spend" for i in range(4)]
    controls = ["competitor_activity_score_control", "sentiment_score_control"]
    assert roles == {"date": "time", "target": "conversions", "channels": channels, "controls": controls}
    df["revenue"] = df["conversions"] * df["revenue_per_conversion"]
    res = fit(df, date="time", target="revenue", channels=channels, controls=controls)
    _check(res, 0.8)
    true_pooled = sum(truth.roas[c] * df[c].sum() for c in channels) / df[channels].to_numpy().sum()
    assert _pooled_roas(res, df, channels) == pytest.approx(true_pooled, rel=0.15)


@pytest.mark.shared
def test_haensel_weekly(shared_data):
    df = pd.read_csv(shared_data / "mmm" / "haensel_DataScience_202209_MMM_test_data.csv")
    res = fit(df, date="start_of_week", target="revenue", channels=[f"spend_channel_{i}" for i in range(1, 8)])
    _check(res, 0.35)
    assert res.fitted["date"].iloc[0] == pd.Timestamp("2020-08-30")  # day-first dates read right


def test_haensel_weekly_generated(tmp_path):
    # DD-MM-YY dates starting 07-03-21 (7 March 2021; month-first would read 3 July); seven channels
    # on 104 weeks pin down the total better than each channel: observed R² 0.95, pooled media ROAS
    # 12 % low (single channels are off by up to 50 %, so only the total is checked)
    truth = shared_like.write_haensel_weekly(tmp_path / "MMM_test_data.csv", start="2021-03-07")
    df, roles = _read(tmp_path / "MMM_test_data.csv")
    channels = [f"spend_channel_{i}" for i in range(1, 8)]
    assert roles == {"date": "start_of_week", "target": "revenue", "channels": channels, "controls": []}
    res = fit(df, **roles)
    _check(res, 0.85)
    assert res.fitted["date"].iloc[0] == pd.Timestamp("2021-03-07")
    assert (res.fitted["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    true_pooled = sum(truth.roas[c] * df[c].sum() for c in channels) / df[channels].to_numpy().sum()
    assert _pooled_roas(res, df, channels) == pytest.approx(true_pooled, rel=0.25)
