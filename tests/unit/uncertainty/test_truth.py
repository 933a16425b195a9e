"""Errors against the ground truth, worked by hand; and the sample's truth file."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.simulate.sample import sample_truth
from attribution.uncertainty import read_truth, truth_errors


def test_truth_errors_hand_worked():
    # truth: a 40, b 10, c 0 (total 50 → shares .8, .2, 0); revenue truth a 400, b 100, c 0
    # model m: a 60, b 30, d 10 (total 100 → shares .6, .3, .1; channel c missing = 0, d not in truth)
    #   errors: a +20, b +20, c 0, d +10 → MAE over 4 channels = 50 / 4 = 12.5
    #   relative errors where truth > 0: a 0.5, b 2.0 → MAPE 1.25 (fractions, as every non-*_pct ratio)
    #   share errors: a −.2, b +.1, c 0, d +.1 → ½ Σ|·| = ½ · 0.4 = 0.2
    #   revenue (10 × conversions): a 600 − 400 = 200, b 300 − 100 = 200, c 0, d 100 → MAE 125
    truth = pd.DataFrame({"channel": ["a", "b", "c"], "true_incremental_conversions": [40, 10, 0],
                          "true_incremental_revenue": [400.0, 100.0, 0.0]})
    results = pd.DataFrame({"model": "m", "channel": ["a", "b", "d"], "conversions": [60.0, 30.0, 10.0],
                            "revenue": [600.0, 300.0, 100.0], "share": [0.6, 0.3, 0.1]})
    per_channel, summary = truth_errors(results, truth)
    rows = per_channel.set_index("channel")
    assert list(rows.index) == ["a", "b", "c", "d"]
    assert rows["error"].tolist() == [20.0, 20.0, 0.0, 10.0]
    assert rows.loc["a", "relative_error"] == pytest.approx(0.5) and rows.loc["b", "relative_error"] == pytest.approx(2.0)
    assert np.isnan(rows.loc["c", "relative_error"]) and np.isnan(rows.loc["d", "relative_error"])
    assert rows["share_error"].tolist() == pytest.approx([-0.2, 0.1, 0.0, 0.1])
    row = summary.set_index("model").loc["m"]
    assert row["mae"] == pytest.approx(12.5)
    assert row["mape"] == pytest.approx(1.25)
    assert row["share_error"] == pytest.approx(0.2)
    assert row["revenue_mae"] == pytest.approx(125.0)


def test_a_model_with_the_true_split_has_zero_share_error():
    truth = pd.DataFrame({"channel": ["a", "b"], "true_incremental_conversions": [30, 10]})
    results = pd.DataFrame({"model": ["x", "x", "y", "y"], "channel": ["a", "b", "a", "b"],
                            "conversions": [60.0, 20.0, 20.0, 60.0], "revenue": 0.0, "share": [.75, .25, .25, .75]})
    _, summary = truth_errors(results, truth)
    errors = summary.set_index("model")["share_error"]
    # x splits 3:1 like the truth; y splits 1:3: ½ (|.25 − .75| + |.75 − .25|) = 0.5
    assert errors["x"] == pytest.approx(0.0) and errors["y"] == pytest.approx(0.5)
    assert "revenue_mae" not in summary.columns


def test_bad_truth_tables_are_rejected(tmp_path):
    with pytest.raises(DataValidationError, match="true_incremental_conversions"):
        truth_errors(pd.DataFrame({"model": ["m"], "channel": ["a"], "conversions": [1.0], "revenue": [0.0],
                                   "share": [1.0]}), pd.DataFrame({"channel": ["a"]}))
    bad = tmp_path / "truth.csv"
    pd.DataFrame({"channel": ["a"], "effect": [1]}).to_csv(bad, index=False)
    with pytest.raises(DataValidationError, match="truth.csv"):
        read_truth(bad)


def test_the_sample_ships_a_truth_table():
    truth = read_truth(sample_truth())
    assert {"channel", "true_incremental_conversions", "true_incremental_revenue"} <= set(truth.columns)
    assert (truth["true_incremental_conversions"] >= 0).all() and truth["channel"].is_unique
