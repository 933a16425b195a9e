"""Media-mix fit: recovery on simulated data, bootstrap intervals, invariants and errors."""
from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import DataValidationError, ModelError
from attribution.mmm import (
    WARNING,
    compare_saturation,
    fit,
    simulate_mmm,
)
from attribution.mmm.transforms import adstock_spec, apply_weights, saturation_spec

CHANNELS = ["tv", "search", "social"]
BETAS = {"tv": 3000.0, "search": 2500.0, "social": 2000.0}


@pytest.fixture(scope="module")
def sim():
    # 3 years weekly, media about a quarter of the outcome, noise sd 1% of the mean outcome.
    # True: tv alpha 0.6 lam 2.5, search alpha 0.3 lam 4, social alpha 0.45 lam 1.5 (simulator defaults).
    return simulate_mmm(156, CHANNELS, betas=BETAS, noise=0.01, seed=0)


@pytest.fixture(scope="module")
def res(sim):
    return fit(sim.data, channels=CHANNELS, n_boot=40, seed=0, holdout_share=0)  # every week: full-range tables


def test_recovers_decay_shares_and_roas(sim, res):
    truth = sim.params.set_index(["channel", "param"])["value"]
    summary = res.channel_summary.set_index("channel")
    for ch in CHANNELS:
        assert abs(res.channel_params[ch]["alpha"] - truth[(ch, "alpha")]) <= 0.05
        assert abs(summary.loc[ch, "share"] - sim.share[ch]) <= 0.03
        assert abs(summary.loc[ch, "roas"] / sim.roas[ch] - 1) <= 0.10
        assert abs(summary.loc[ch, "marginal_roas"] / sim.marginal_roas[ch] - 1) <= 0.10


def test_bootstrap_intervals_cover_truth(sim, res):
    summary = res.channel_summary.set_index("channel")
    for ch in CHANNELS:
        for key, truth in (("roas", sim.roas), ("share", sim.share), ("marginal_roas", sim.marginal_roas)):
            lo, hi = summary.loc[ch, f"{key}_ci_low"], summary.loc[ch, f"{key}_ci_high"]
            assert lo <= truth[ch] <= hi, (ch, key, lo, truth[ch], hi)
            assert lo <= summary.loc[ch, key] <= hi
    assert len(res.boot_params) == 40 and res.diagnostics["boot_failures"] == 0
    p = res.params
    assert (p["ci_low"] <= p["ci_high"]).all()


def test_bootstrap_width_matches_monte_carlo_spread(sim, res):
    # The residual bootstrap should be about as wide as the real sampling spread: refit on 30 fresh
    # noise draws around the true series and compare the 5-95% range of the ROAS estimates.
    clean = sim.contributions.groupby("date", sort=True)["value"].sum().to_numpy()
    rng = np.random.default_rng(99)
    draws = []
    for _ in range(30):
        d = sim.data.assign(y=clean + rng.normal(0.0, 0.01 * clean.mean(), len(clean)))
        draws.append(fit(d, channels=CHANNELS, n_starts=1, holdout_share=0).channel_summary["roas"].to_numpy())
    mc_width = np.subtract(*np.percentile(draws, [95, 5], axis=0))
    boot_width = (res.channel_summary["roas_ci_high"] - res.channel_summary["roas_ci_low"]).to_numpy()
    ratio = boot_width / mc_width
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio


def test_tables_are_consistent(sim, res):
    contrib = res.contributions.pivot(index="date", columns="component", values="value")
    fitted = res.fitted.set_index("date")["fitted"]
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), fitted.to_numpy(), rtol=1e-10)
    assert set(contrib.columns) == {"baseline", "trend", "seasonality", *CHANNELS}
    assert (contrib[CHANNELS] >= 0).all().all()
    s = res.channel_summary
    assert s["share"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(s["contribution"], contrib[CHANNELS].sum().to_numpy())
    np.testing.assert_allclose(s["roas"], s["contribution"] / s["spend"])
    np.testing.assert_allclose(s["spend"], sim.data[CHANNELS].sum().to_numpy())
    d = res.diagnostics
    assert d["r2"] > 0.95 and d["adj_r2"] < d["r2"] and 1.5 < d["durbin_watson"] < 2.5
    assert d["n_obs"] == 156 and d["freq"] == "W" and np.isnan(d["holdout_mape"])
    assert (res.params.query("param == 'beta'")["value"] >= 0).all()


def test_contributions_match_transforms_by_reference(sim, res):
    # Recompute one channel's contribution with the public transforms: beta * sat(adstock(x / max x)).
    p = res.channel_params["tv"]
    w = adstock_spec("geometric").weights(p["alpha"], res.max_lag)
    x = sim.data["tv"].to_numpy() / sim.data["tv"].max()
    expected = p["beta"] * saturation_spec("logistic").function(apply_weights(x, w), p["lam"])
    got = res.contributions.query("component == 'tv'")["value"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_response_is_steady_state_of_constant_spend(res):
    # Run a constant spend through adstock + saturation for longer than max_lag: the last period's
    # effect must equal response(), because the adstock weights sum to 1.
    p = res.channel_params["search"]
    s = 2500.0
    x = np.full(3 * res.max_lag, s / res.spend_scale["search"])
    long_run = p["beta"] * saturation_spec("logistic").function(adstock_spec("geometric").apply(x, p["alpha"], max_lag=res.max_lag), p["lam"])
    assert res.response("search", s) == pytest.approx(long_run[-1])
    curves = res.response_curves(n_points=11, max_multiple=2.0)
    assert len(curves) == 33 and {"response_ci_low", "response_ci_high"} <= set(curves.columns)
    tv = curves.query("channel == 'tv'")
    assert tv["spend"].iloc[-1] == pytest.approx(2 * res.current_spend["tv"])
    assert np.all(np.diff(tv["response"]) > 0) and np.all(np.diff(tv["marginal"]) < 0)  # concave
    h = 1e-3
    numeric = (res.response("tv", 1000 + h) - res.response("tv", 1000 - h)) / (2 * h)
    assert res.marginal_response("tv", 1000.0) == pytest.approx(numeric, rel=1e-6)
    w = res.adstock_weights()
    assert w.groupby("channel")["weight"].sum().to_numpy() == pytest.approx([1, 1, 1])


def test_holdout_rows_are_not_fitted(sim):
    r = fit(sim.data, channels=CHANNELS, holdout_share=0.2, n_starts=2)
    assert r.diagnostics["n_holdout"] == 31 and r.diagnostics["n_obs"] == 125  # round(0.2 * 156) = 31
    assert r.fitted["is_holdout"].sum() == 31 and r.fitted["is_holdout"].iloc[-31:].all()
    assert 0 < r.diagnostics["holdout_mape"] < 0.05
    # summary covers the fit range only
    assert r.channel_summary["spend"].iloc[0] == pytest.approx(sim.data["tv"].iloc[:125].sum())


def test_controls_and_daily_data():
    sim = simulate_mmm(400, ["tv", "search"], freq="D", noise=0.01, seed=3, betas={"tv": 3000, "search": 2000})
    df = sim.data.copy()
    promo = (np.arange(len(df)) % 50 == 0).astype(float)
    df["y"] += 800 * promo
    df["promo"] = promo
    r = fit(df, channels=["tv", "search"], controls=["promo"], n_starts=2)
    lags = r.diagnostics["selection"].query("step == 'max_lag'")
    assert r.freq == "D" and lags["max_lag"].tolist() == [7, 14, 30]  # daily candidates
    assert r.max_lag == lags.loc[lags["bic"].idxmin(), "max_lag"]
    coef = r.params.query("channel == 'promo'")["value"].item()
    assert coef == pytest.approx(800, rel=0.15)


def test_compare_saturation_and_warning(sim):
    out = compare_saturation(sim.data, channels=CHANNELS, n_starts=2)
    assert out["form"].tolist() == ["logistic", "hill", "michaelis_menten"]
    assert {"r2", "nrmse", "mape", "holdout_mape", "aic", "bic"} <= set(out.columns)
    assert (out["r2"] > 0.9).all()
    assert "does not prove" in WARNING and "does not prove" in (compare_saturation.__doc__ or "")


def test_fit_errors(sim):
    with pytest.raises(ModelError, match="choose one of"):
        fit(sim.data, channels=CHANNELS, adstock="linear")
    with pytest.raises(DataValidationError, match="2 x parameters"):
        fit(sim.data.iloc[:20], channels=CHANNELS)
    with pytest.raises(DataValidationError, match="weekly"):
        fit(sim.data, channels=CHANNELS, freq="D")
    with pytest.raises(ModelError, match="unknown channel"):
        fit(sim.data, channels=["tv"], n_starts=1).response("radio", 1.0)
    df = sim.data.assign(dup=sim.data["tv"] * 0 + np.arange(len(sim.data)))  # a second trend
    with pytest.raises(DataValidationError, match="'dup' is a linear combination"):
        fit(df, channels=CHANNELS, controls=["dup"])
