"""Spend → exposure: geometric adstock (carry-over) and logistic saturation (diminishing returns)."""
from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm.transforms import logistic_saturation
from attribution.simulate.media import recursive_adstock, spend_to_exposure


def test_adstock_by_hand():
    # θ = 0.5, A_{-1} = 0: A = 0.5·100 = 50, then 0.5·50 = 25, then 12.5.
    np.testing.assert_allclose(recursive_adstock([100, 0, 0], 0.5, initial=0.0), [50, 25, 12.5])
    # Default start A_{-1} = x_0 = 100: A_0 = 0.5·100 + 0.5·100 = 100, then 50, 25.
    np.testing.assert_allclose(recursive_adstock([100, 0, 0], 0.5), [100, 50, 25])
    # Normalised: constant spend stays at its own level.
    np.testing.assert_allclose(recursive_adstock(np.full(20, 7.0), 0.8), 7.0)


def test_saturation_by_hand():
    # (1 − e^{−2}) / (1 + e^{−2}) = 0.864665 / 1.135335 = 0.761594
    assert logistic_saturation(np.array(1.0), 2.0) == pytest.approx(0.7615941559557649)
    assert logistic_saturation(np.array(0.0), 2.0) == 0.0


def _params(sim, channel):
    row = sim.truth.set_index("channel").loc[channel]
    return {"decay": row["adstock_decay"], "lam": row["saturation_lambda"], "scale": row["saturation_scale"],
            "capacity": row["exposure_capacity"]}


def test_truth_parameters_reproduce_expected_exposures(sim):
    for channel in sim.spend["channel"].unique():
        p = _params(sim, channel)
        spend = sim.spend.loc[sim.spend["channel"] == channel, "spend"].to_numpy()
        daily = sim.daily_truth[sim.daily_truth["channel"] == channel]
        # The world ran before day 0 (burn-in): start from the reported carry-over of day 0, then
        # A_t = θ·A_{t-1} + (1 − θ)·x_t and E_t = capacity·s(A_t / scale) with the true parameters.
        adstock = daily["adstock"].to_numpy()
        got = recursive_adstock(spend[1:], p["decay"], initial=adstock[0])
        np.testing.assert_allclose(got, adstock[1:], rtol=1e-6, atol=1e-3)
        want = daily["expected_touches"].to_numpy()
        np.testing.assert_allclose(p["capacity"] * logistic_saturation(adstock / p["scale"], p["lam"]), want,
                                   rtol=1e-4, atol=1e-3)
        # Realised touches are Poisson around the expectation (5 standard deviations).
        touches = (sim.touchpoints["channel"] == channel).sum()
        assert abs(touches - want.sum()) < 5 * np.sqrt(want.sum())


@pytest.mark.parametrize("channel", ["Display", "Paid Search"])
def test_spend_spike_carries_over(sim, channel):
    p = _params(sim, channel)
    base = np.full(30, p["scale"])
    spike = base.copy()
    spike[10] *= 3
    with_spike = spend_to_exposure(spike, **p, initial=p["scale"])
    without = spend_to_exposure(base, **p, initial=p["scale"])
    gap = with_spike - without
    assert gap[:10] == pytest.approx(0.0, abs=1e-9)  # nothing before the spike
    assert (gap[11:15] > 0).all()  # exposure after the spike day stays above the counterfactual
    assert (np.diff(gap[10:20]) < 0).all()  # and fades away


@pytest.mark.parametrize("channel", ["Display", "Affiliate"])
def test_diminishing_returns(sim, channel):
    p = _params(sim, channel)
    levels = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    # Steady state: constant spend k·scale for 60 days, look at the last day.
    steady = np.array([spend_to_exposure(np.full(60, k * p["scale"]), **p)[-1] for k in levels])
    per_unit = steady / levels
    assert (np.diff(steady) > 0).all()  # more spend, more exposure ...
    assert (np.diff(per_unit) < 0).all()  # ... but less per unit of spend
    assert steady[-1] < p["capacity"]
