"""Forward look: baseline continued, carry-over of past spend fading, plan spend building up, intervals."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from attribution.budget.forecast import forecast
from attribution.errors import DataValidationError, ModelError
from attribution.mmm import fit, simulate_mmm

CH = ["tv", "search"]


@pytest.fixture(scope="module")
def fitted():
    sim = simulate_mmm(104, CH, seed=2, seasonality=0.0)
    res = fit(sim.data, channels=CH, n_fourier=0, trend=1, max_lag=8, n_boot=20)
    return sim.data, res


def test_constant_spend_reaches_the_steady_state(fitted):
    data, res = fitted
    flat = data.copy()
    flat[CH] = [1000.0, 2500.0]  # the same spend before and during the plan: carry-over is already full
    out = forecast(res, flat, {"tv": 1000.0, "search": 2500.0}, 13)
    np.testing.assert_allclose(out["tv"], res.response("tv", 1000.0))
    np.testing.assert_allclose(out["search"], res.response("search", 2500.0))
    np.testing.assert_allclose(out["outcome"], out["baseline"] + out["tv"] + out["search"])
    assert out["date"].iloc[0] == data["date"].iloc[-1] + np.timedelta64(7, "D") and out["period"].tolist()[-1] == 13


def test_past_spend_fades_and_plan_spend_builds_up(fitted):
    data, res = fitted
    off = forecast(res, data, {"tv": 0.0, "search": 0.0}, 10)
    # geometric adstock over 8 lags: period h still feels the history's spend at lags h..7, nothing from h = 8 on
    alpha, lag = res.channel_params["tv"]["alpha"], res.max_lag
    w = alpha ** np.arange(lag) / (alpha ** np.arange(lag)).sum()
    tail = data["tv"].to_numpy()[::-1][:lag]  # last period first
    # first future period: its own spend is 0, the history's last spend sits at lag 1, the one before at lag 2...
    carried = sum(w[1 + k] * tail[k] for k in range(lag - 1))
    expected = float(res.response("tv", carried))  # the curve is applied to the adstocked spend
    assert off["tv"].iloc[0] == pytest.approx(expected)
    assert (off[["tv", "search"]].iloc[lag - 1:] == 0).all().all()
    assert off["tv"].is_monotonic_decreasing
    on = forecast(res, data.assign(tv=0.0, search=0.0), {"tv": 3000.0, "search": 0.0}, 10)
    assert on["tv"].is_monotonic_increasing
    assert on["tv"].iloc[-1] == pytest.approx(float(res.response("tv", 3000.0)))
    assert (on["search"] == 0).all()  # no spend before nor during


def test_trend_continues_its_last_segment(fitted):
    data, res = fitted
    out = forecast(res, data, {}, 5)
    comp = res.contributions.pivot(index="date", columns="component", values="value")
    level = (comp["baseline"] + comp["trend"]).to_numpy()
    slope = level[-1] - level[-2]
    np.testing.assert_allclose(out["baseline"], level[-1] + slope * np.arange(1, 6), rtol=1e-9)


def test_intervals_contain_the_prediction(fitted):
    data, res = fitted
    out = forecast(res, data, {"tv": 2000.0, "search": 4000.0}, 13)
    assert (out["outcome_ci_low"] < out["outcome"]).all() and (out["outcome"] < out["outcome_ci_high"]).all()
    assert (out["media_ci_low"] <= out["media_ci_high"]).all()
    # the prediction interval is at least as wide as the noise alone (+-1.645 sd for 90 %)
    sd = res.fitted.loc[~res.fitted["is_holdout"], "residual"].std()
    assert ((out["outcome_ci_high"] - out["outcome_ci_low"]) > 2 * 1.2 * sd).all()


def test_bad_plans(fitted):
    data, res = fitted
    with pytest.raises(DataValidationError, match="'search'"):
        forecast(res, data.drop(columns=["search"]), {}, 4)
    with pytest.raises(ModelError, match="unknown channel 'radio'"):
        forecast(res, data, {"radio": 1.0}, 4)
    with pytest.raises(ModelError, match=">= 0"):
        forecast(res, data, {"tv": -1.0}, 4)
    with pytest.raises(ModelError, match="whole number"):
        forecast(res, data, {}, 0)


def test_a_channel_left_out_keeps_its_average_spend(fitted):
    data, res = fitted
    kept = forecast(res, data, {"tv": 0.0}, 30)
    avg = forecast(res, data, {"tv": 0.0, "search": res.current_spend["search"]}, 30)
    np.testing.assert_allclose(kept["search"], avg["search"])


def test_a_replicate_adstocks_with_the_lag_it_chose(fitted):
    # Replicates choose the lag again (attribution.mmm.bootstrap): one that chose 2 lags carries the
    # spend of the last period only into the first future period, with weight alpha / (1 + alpha).
    data, res = fitted
    rep = {ch: {**p, "max_lag": 2} for ch, p in res.channel_params.items()}
    two = dataclasses.replace(res, boot_params=(rep,) * 5)
    out = forecast(two, data, {"tv": 0.0, "search": 0.0}, 4)
    alpha = rep["tv"]["alpha"]
    carried = alpha / (1 + alpha) * data["tv"].iloc[-1]
    tv_first = float(res.response("tv", carried))
    search_first = float(res.response("search", rep["search"]["alpha"] / (1 + rep["search"]["alpha"])
                                      * data["search"].iloc[-1]))
    assert out["media_ci_low"].iloc[0] == pytest.approx(tv_first + search_first)
    assert (out[["media_ci_low", "media_ci_high"]].iloc[1:] == 0).all().all()  # nothing left after 2 lags
    assert out["media"].iloc[1] > 0  # while the point fit (8 lags) still carries the history over
