"""The bootstrap repeats the automatic choices: which candidates replicates retry, and what they chose."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from attribution.mmm import fit, simulate_mmm
from attribution.mmm.bootstrap import RESELECT_BIC_GAP, reselected_values

CH = ["tv", "search", "social"]


def test_replicates_retry_the_candidates_within_ten_bic_points():
    assert RESELECT_BIC_GAP == 10.0
    table = pd.DataFrame({
        "step": ["trend"] * 4 + ["max_lag"] * 3 + ["forms"] * 2,
        "trend_segments": [1, 2, 3, 4, 2, 2, 2, 2, 2],
        "max_lag": [8, 8, 8, 8, 4, 8, 13, 8, 8],
        # trend: best 95 (2 segments); 100 is 5 behind, 104.9 is 9.9 behind, 106 is 11 behind (dropped)
        # lag: best 90 (8); 4 is 12 behind (dropped), 13 is 10 behind (kept: the gap is inclusive)
        "bic": [100.0, 95.0, 104.9, 106.0, 102.0, 90.0, 100.0, 90.0, 91.0]})
    assert reselected_values(table) == {"trend": [1, 2, 3], "max_lag": [8, 13]}
    # fixed trend and lag: the point fit ran no such step, replicates choose nothing
    assert reselected_values(table[table["step"] == "forms"]) == {}
    assert reselected_values(pd.DataFrame()) == {}


def test_fixed_choices_are_kept_by_every_replicate():
    sim = simulate_mmm(104, CH, seed=1)
    res = fit(sim.data, channels=CH, trend=2, max_lag=8, n_boot=6, n_starts=1)
    assert res.diagnostics["boot_choices"] == [{"trend_segments": 2, "max_lag": 8, "replicates": 6}]
    assert all(p["max_lag"] == 8 for b in res.boot_params for p in b.values())


def test_automatic_choices_are_made_again_per_replicate():
    # long carry-over over 13 weeks: on this seed the data cannot tell 8 from 13 lags (or 1 from 2
    # trend segments) clearly, and the replicates split between them
    sim = simulate_mmm(104, CH, seed=0, adstock_params={"alpha": 0.8}, max_lag=13)
    res = fit(sim.data, channels=CH, n_boot=20, n_starts=1, holdout_share=0)
    choices = res.diagnostics["boot_choices"]
    assert sum(c["replicates"] for c in choices) == 20 == len(res.boot_params)
    assert len(choices) > 1
    table = res.diagnostics["selection"]
    retried = reselected_values(table)
    assert {c["max_lag"] for c in choices} <= set(retried["max_lag"])
    assert {c["trend_segments"] for c in choices} <= set(retried["trend"])
    lags = Counter(int(b["tv"]["max_lag"]) for b in res.boot_params)
    by_lag = Counter()
    for c in choices:
        by_lag[c["max_lag"]] += c["replicates"]
    assert lags == by_lag
    # a replicate's trend knots exist only in its own design: the point fit's knots still get an interval
    p = res.params.set_index(["channel", "param"])
    assert p.loc[("trend", "rise_1"), "ci_low"] <= p.loc[("trend", "rise_1"), "ci_high"]
