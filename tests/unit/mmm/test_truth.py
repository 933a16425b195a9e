"""Fitted ROAS against a simulator's truth over the fitted periods only."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.mmm import fit, simulate_mmm
from attribution.mmm.truth import compare_with_truth


def test_true_roas_over_the_fit_range_only():
    sim = simulate_mmm(60, ["tv", "search"], seed=1)
    res = fit(sim.data, channels=["tv", "search"], holdout_share=0.1, n_boot=5, n_starts=1)
    fitted = res.fitted
    first, last_fit = fitted["date"].min(), fitted.loc[~fitted["is_holdout"], "date"].max()
    days = pd.date_range(first - pd.Timedelta(days=14), fitted["date"].max() + pd.Timedelta(days=6))
    inside = (days >= first) & (days < last_fit + pd.Timedelta(days=7))
    # tv: 10 spent and 25 earned per day in the fit range -> 2.5; days before it and in the hold-out earn 1000
    truth = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "channel": "tv", "spend": 10.0,
                          "incremental_revenue": [25.0 if i else 1000.0 for i in inside]})
    table = compare_with_truth(res, truth)
    assert table["channel"].tolist() == ["tv"]  # search is not in the truth: left out
    row = table.iloc[0]
    assert row["true_roas"] == pytest.approx(2.5)
    tv = res.channel_summary.set_index("channel").loc["tv"]
    assert row["roas"] == pytest.approx(tv["roas"]) and row["error"] == pytest.approx(tv["roas"] / 2.5 - 1)
    assert row["covered"] == (tv["roas_ci_low"] <= 2.5 <= tv["roas_ci_high"])
    with pytest.raises(DataValidationError, match="incremental_revenue"):
        compare_with_truth(res, truth.drop(columns=["incremental_revenue"]))
