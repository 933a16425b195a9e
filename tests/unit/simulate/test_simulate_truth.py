"""Ground truth: exact counterfactuals by common random numbers, and the true media response."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.simulate import simulate


def _purchases(data) -> pd.DataFrame:
    return data.conversions[data.conversions["stage"] == "purchase"]


def test_truth_invariants(sim):
    truth = sim.truth
    for col in ("true_incremental_conversions", "true_incremental_revenue", "true_incremental_leads"):
        assert (truth[col] >= 0).all(), col  # switching a channel off never adds purchases
    n_purchases = len(_purchases(sim))
    assert sim.meta["purchases"] == n_purchases
    assert 0 < sim.meta["baseline_purchases"] < n_purchases
    # Each channel's incremental purchases are a part of what marketing adds over the baseline.
    assert (truth["true_incremental_conversions"] <= n_purchases - sim.meta["baseline_purchases"]).all()
    assert truth.loc[truth["kind"] == "paid", "true_incremental_conversions"].gt(0).all()
    cols = ["incremental_purchases", "incremental_revenue"]
    daily = sim.daily_truth.groupby("channel", sort=False)[cols].sum()
    by_channel = truth.set_index("channel")
    assert (daily["incremental_purchases"] == by_channel["true_incremental_conversions"]).all()
    np.testing.assert_allclose(daily["incremental_revenue"], by_channel["true_incremental_revenue"],
                               atol=0.05)


@pytest.mark.parametrize("channel", ["Paid Search", "Email", "Direct"])
def test_truth_equals_resimulation_with_channel_switched_off(sim, channel):
    meta = sim.meta
    off = simulate(n_users=meta["n_users"], days=meta["days"], seed=meta["seed"], switched_off=[channel])
    row = sim.truth.set_index("channel").loc[channel]
    assert channel not in set(off.touchpoints["channel"])
    full_p, off_p = _purchases(sim), _purchases(off)
    assert len(full_p) - len(off_p) == row["true_incremental_conversions"]
    assert full_p["revenue"].sum() - off_p["revenue"].sum() == pytest.approx(row["true_incremental_revenue"],
                                                                            abs=0.05)
    leads = (sim.conversions["stage"] == "lead").sum() - (off.conversions["stage"] == "lead").sum()
    assert leads == row["true_incremental_leads"]
    # Same random draws: no user buys more in the world without the channel ...
    per_user = pd.concat([full_p["user_id"].value_counts().rename("full"),
                          off_p["user_id"].value_counts().rename("off")], axis=1).fillna(0)
    assert (per_user["off"] <= per_user["full"]).all()
    # ... and the other channels' spend is untouched.
    others = sim.spend[sim.spend["channel"] != channel].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, off.spend.reset_index(drop=True))
    # Per purchase date too.
    dates = sim.daily_truth.loc[sim.daily_truth["channel"] == channel, "date"]
    by_day = (full_p["ts"].dt.normalize().value_counts().reindex(dates, fill_value=0)
              - off_p["ts"].dt.normalize().value_counts().reindex(dates, fill_value=0))
    expected = sim.daily_truth.loc[sim.daily_truth["channel"] == channel, "incremental_purchases"]
    assert by_day.to_numpy().tolist() == expected.to_numpy().tolist()
    assert off.truth.set_index("channel").loc[channel, "true_incremental_conversions"] == 0
