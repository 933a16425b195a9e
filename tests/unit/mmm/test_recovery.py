"""Recovery: the default fit on data simulated from known curves finds the true ROAS, and its intervals cover it.

Each scenario is fitted on 4 seeds with the defaults (automatic trend, carry-over and forms, ROAS prior,
40 bootstrap replicates that repeat the trend and lag choice) and 90 % intervals. The thresholds sit
just outside what the fit reaches today (measured in brackets: median |ROAS error| / coverage of the
90 % intervals), so a regression fails; they are NOT the issue's targets (median error <= 10 %,
coverage >= 85 % at two years weekly): 12 intervals per scenario cannot measure a coverage to better
than about +-10 points; bench/bench_mmm_recovery.py prints the figures over 30 seeds. With the
bootstrap around the one chosen model (before replicates chose again) the long carry-over scenario
covered 8 of 12 (67 %), which the 0.7 below rules out.
"""
from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm import fit, simulate_mmm
from attribution.mmm.bootstrap import block_len_for, default_block_len

CH = ["tv", "search", "social"]
SEEDS = range(4)

SCENARIOS = {  # name -> (simulate_mmm arguments, channels, controls, max median |err|, min coverage)
    # 1 year weekly, 2 channels: little data (36 % / 88 %)
    "weekly 1y": ({"n_periods": 52, "channels": CH[:2]}, CH[:2], [], 0.45, 0.75),
    # 2 years, a baseline that curves up (15 % / 75 %)
    "weekly 2y curved trend": ({"n_periods": 104, "channels": CH, "trend": 0.0, "intercept": 3000.0,
                                "curve": 4000.0}, CH, [], 0.2, 0.7),
    # 3 years, short carry-over (9 % / 75 %)
    "weekly 3y short carry-over": ({"n_periods": 156, "channels": CH, "adstock_params": {"alpha": 0.1}},
                                   CH, [], 0.12, 0.7),
    # 2 years, long carry-over over 13 weeks (18 % / 75 %)
    "weekly 2y long carry-over": ({"n_periods": 104, "channels": CH, "adstock_params": {"alpha": 0.8},
                                   "max_lag": 13}, CH, [], 0.22, 0.7),
    # 2 years daily, curved trend, 5 % noise (13 % / 88 %)
    "daily 2y curved trend": ({"n_periods": 730, "channels": CH[:2], "freq": "D", "noise": 0.05, "trend": 0.0,
                               "curve": 3000.0}, CH[:2], [], 0.18, 0.75),
    # 2 years, spend driven by demand z, z given as a control (3 % / 88 %)
    "weekly 2y confounder as control": ({"n_periods": 104, "channels": CH[:2], "confounder": 400.0,
                                         "betas": {"tv": 4000, "search": 6000}}, CH[:2], ["z"], 0.06, 0.75),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_roas_recovered_with_coverage(name):
    sim_args, channels, controls, max_err, min_cover = SCENARIOS[name]
    errors, covered = [], []
    for seed in SEEDS:
        sim = simulate_mmm(**sim_args, seed=seed)
        # every period (holdout_share=0): the errors and coverage above were measured on the full series
        s = fit(sim.data, channels=channels, controls=controls, n_boot=40, ci_level=0.9,
                holdout_share=0).channel_summary.set_index("channel")
        for ch in channels:
            errors.append(s.loc[ch, "roas"] / sim.roas[ch] - 1)
            covered.append(s.loc[ch, "roas_ci_low"] <= sim.roas[ch] <= s.loc[ch, "roas_ci_high"])
    assert np.median(np.abs(errors)) <= max_err, errors
    assert np.mean(covered) >= min_cover, covered


def test_curve_part_of_the_simulated_trend():
    flat = simulate_mmm(11, CH[:1], trend=0.0, seed=1)
    bent = simulate_mmm(11, CH[:1], trend=0.0, curve=1000.0, seed=1)
    trend = bent.contributions.query("component == 'trend'")["value"].to_numpy()
    np.testing.assert_allclose(trend, 1000.0 * (np.arange(11) / 10) ** 2)  # 0, 10, 40, ..., 1000
    np.testing.assert_allclose(bent.data["tv"], flat.data["tv"])  # same random spend


def test_block_length_follows_residual_autocorrelation():
    rng = np.random.default_rng(0)
    white = rng.normal(size=200)
    assert block_len_for(white) == default_block_len(200) == 6  # ceil(200 ** (1/3))
    ar = np.zeros(200)
    for t in range(1, 200):
        ar[t] = 0.9 * ar[t - 1] + rng.normal()
    r = ar - ar.mean()
    rho = (r[1:] @ r[:-1]) / (r @ r)
    assert rho == pytest.approx(0.835, abs=1e-3)
    # (2 * 0.835 / (1 - 0.835**2)) ** (2/3) * (1.5 * 200) ** (1/3) = 3.12 * 6.69 = 20.9 -> 21 (cap 200 // 4 = 50)
    assert block_len_for(ar) == 21
