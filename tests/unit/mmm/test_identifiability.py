"""Identifiability guards: saturation bounds from the spend, the bounded linear solve, fit warnings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import lsq_linear

from attribution.mmm import fit, param_specs, simulate_mmm
from attribution.mmm.design import build_baseline
from attribution.mmm.identifiability import (
    baseline_warnings,
    bound_warnings,
    flat_response_warnings,
    low_spend,
    saturation_bounds,
)
from attribution.mmm.solver import MediaProblem
from attribution.mmm.transforms import logistic_saturation


def test_low_spend_counts_zeros():
    # 11 values 0, 0.1 .. 1.0: the 10th percentile sits at position 0.1 * 10 = 1 -> 0.1.
    # With 2 zeros among 10 values the 10th percentile is 0 (the channel is dark often enough).
    x = np.column_stack([np.linspace(0, 1, 11), np.r_[0, 0, np.linspace(0.5, 1, 9)]])
    np.testing.assert_allclose(low_spend(x), [0.1, 0.0])


@pytest.mark.parametrize("form", ["logistic", "hill", "michaelis_menten"])
def test_saturation_bounds_half_saturation_at_low_spend(form):
    specs = param_specs(form, 8)
    lower, upper = saturation_bounds(form, specs, np.array([0.0, 0.25, 0.01]))
    names = [s.name for s in specs]
    # A channel with x_low = 0 keeps the registered bounds.
    np.testing.assert_allclose(lower[0], [s.low for s in specs])
    np.testing.assert_allclose(upper[0], [s.high for s in specs])
    if form == "logistic":
        # lam <= ln 3 / 0.25 = 4.394; at that cap tanh(lam x / 2) = tanh(ln 3 / 2) = (3 - 1) / (3 + 1) = 0.5
        assert upper[1, 0] == pytest.approx(np.log(3) / 0.25)
        assert logistic_saturation(0.25, upper[1, 0]) == pytest.approx(0.5)
        assert upper[2, 0] == 30.0  # ln 3 / 0.01 = 110 is above the registered cap
    else:
        k = names.index("k")
        assert lower[1, k] == 0.25 and lower[2, k] == 0.02  # k >= x_low, registered 0.02 floor
        assert np.all(lower <= upper)


def _problem(y_shift: float):
    """Noiseless y = y_shift + 0.5 * trend + 0.3 * feature(tv) on a 2-channel design (scaled units)."""
    sim = simulate_mmm(104, ["tv", "radio"], noise=0.0, seed=4)
    x = sim.data[["tv", "radio"]].to_numpy()
    base = build_baseline(sim.data["date"], pd.DataFrame(index=sim.data.index), n_fourier=1, trend=True)
    prob = MediaProblem(x / x.max(axis=0), base.matrix, np.arange(104), "geometric", "logistic", 8,
                        level_cols=base.level_cols)
    theta = np.array([0.5, 2.0, 0.3, 3.0])  # tv: alpha, lam; radio: alpha, lam
    feats = prob.features(theta.reshape(2, 2))
    y = y_shift + 0.5 * base.matrix[:, 1] + 0.3 * feats[:, 0]
    return prob, base.matrix, feats, theta, y


def test_linear_solve_matches_bounded_reference():
    # Reference: lsq_linear on [1 - s, s, sin, cos, media] with the start/end levels and media >= 0.
    # y = -0.4 + 0.5 s + 0.3 tv: the free fit would start the baseline at -0.4, so the bounded one holds
    # the start level at 0 and tv (its feature is never zero) absorbs part of the negative shift.
    prob, base, feats, theta, y = _problem(-0.4)
    sol = prob.linear_terms(theta, y)
    s = base[:, 1]
    a = np.column_stack([1 - s, s, base[:, 2:], feats])
    ref = lsq_linear(a, y, bounds=([0, 0, -np.inf, -np.inf, 0, 0], np.inf), method="bvls", tol=1e-12)
    np.testing.assert_allclose(sol.gamma[:2], ref.x[:2], atol=1e-9)              # levels at start and end
    np.testing.assert_allclose(sol.gamma[2:], ref.x[2:4], atol=1e-8)
    np.testing.assert_allclose(sol.beta, ref.x[4:], atol=1e-8)
    assert sol.gamma[0] == 0.0 and sol.held
    np.testing.assert_allclose(2 * sol.cost, np.sum((a @ ref.x - y) ** 2), rtol=1e-8, atol=1e-14)


def test_linear_solve_free_when_level_is_positive():
    # y = 0.4 + 0.5 s + 0.3 tv is inside the bounds: exact recovery, nothing held.
    prob, _, _, theta, y = _problem(0.4)
    sol = prob.linear_terms(theta, y)
    np.testing.assert_allclose(sol.gamma[:2], [0.4, 0.9], atol=1e-10)  # levels: start 0.4, end 0.4 + 0.5
    np.testing.assert_allclose(sol.beta, [0.3, 0.0], atol=1e-10)
    assert sol.cost < 1e-20 and not sol.held


def test_roas_pooling_strength():
    # Penalty w (roas_c - rho): w = 0 leaves the fit alone, a huge w forces equal ROAS on both channels.
    prob, _, feats, theta, y = _problem(0.4)
    spend = np.array([10.0, 20.0])
    free = prob.linear_terms(theta, y)
    prob.pool_roas(spend, 1e6)
    pooled = prob.linear_terms(theta, y)
    roas = pooled.beta * feats.sum(axis=0) / spend
    assert roas[0] == pytest.approx(roas[1], rel=1e-6)
    prob.pool_roas(spend, 0.0)
    np.testing.assert_allclose(prob.linear_terms(theta, y).beta, free.beta)


def test_flat_channel_cannot_replace_the_intercept():
    # tv spend is always on (150 to 1000 a week) and the outcome is 1500 lower in the few weeks it is
    # below 180. Unbounded, the best logistic curve for that is one already flat at 150 with a huge
    # beta, offset by a hugely negative intercept (before this fix: intercept -74,248, tv ROAS 137).
    # The most tv can honestly claim is the step: 1500 in (1000 - 180) / 850 = 96.5% of weeks over a
    # mean spend of 575, i.e. a ROAS of 1500 * 0.965 / 575 = 2.5; the baseline without it is 5000.
    rng = np.random.default_rng(7)
    n = 156
    sim = simulate_mmm(n, ["search"], betas={"search": 2000.0}, intercept=5000.0, trend=0.0, seasonality=0.0,
                       noise=0.02, seed=7)
    tv = rng.uniform(150.0, 1000.0, n)
    df = sim.data.assign(tv=tv, y=sim.data["y"] + 1500.0 * (tv > 180.0))
    res = fit(df, channels=["search", "tv"], n_fourier=0, trend=False, holdout_share=0, saturation="logistic")
    summary = res.channel_summary.set_index("channel")
    intercept = res.params.query("param == 'intercept'")["value"].item()
    assert 5000.0 * 0.95 <= intercept <= 6500.0 * 1.05
    assert summary.loc["tv", "roas"] <= 2.5 * 1.2
    x_low = np.quantile(tv / tv.max(), 0.1)
    assert res.channel_params["tv"]["lam"] <= np.log(3) / x_low + 1e-9
    assert summary.loc["search", "roas"] == pytest.approx(sim.roas["search"], rel=0.25)


def test_warning_sentences():
    # Non-media per period: 2 of 5 below zero (lowest -3), total 7 > 0.
    w = baseline_warnings(0.0, np.array([5.0, -1.0, 3.0, -3.0, 3.0]), held=True)
    assert len(w) == 2 and "held at its lower limit of 0" in w[0] and "2 of 5" in w[1] and "-3" in w[1]
    assert "adds up to less than zero" in baseline_warnings(1.0, np.array([-5.0, 1.0]), held=False)[0]
    assert baseline_warnings(1.0, np.array([1.0, 2.0]), held=False) == []
    # Constant tv effect (spread 0) is flat; search moves between 50 and 150 around a mean of 100.
    media = np.column_stack([np.full(10, 40.0), np.linspace(50.0, 150.0, 10), np.zeros(10)])
    flat = flat_response_warnings(("tv", "search", "off"), media)
    assert len(flat) == 1 and flat[0].startswith("tv:")
    # tv lam at its upper limit is reported; radio lam at the lower limit (a straight line) is not;
    # an unused channel (beta 0) is not.
    theta = np.array([[0.2, 4.0], [0.2, 0.05], [0.95, 4.0]])
    lower = np.tile([0.0, 0.05], (3, 1))
    upper = np.tile([0.95, 4.0], (3, 1))
    msg = bound_warnings(("tv", "radio", "off"), ["alpha", "lam"], theta, np.array([1.0, 1.0, 0.0]), lower, upper)
    assert len(msg) == 1 and "tv: lam = 4" in msg[0] and "radio" not in msg[0] and "off" not in msg[0]
