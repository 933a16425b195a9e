"""One percentage convention in every exported file (docs/architecture.md §3, exported tables).

A column named ``*_pct`` holds percent (25.0 = 25 %); every other relative value (shares, rates,
errors, MAPE) is a fraction (0.25 = 25 %). Checked on the CSV bytes the app and the CLI write, with
each percentage worked out again from the file's own columns.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from attribution import budget
from attribution.cli import main
from attribution.mmm import fit, simulate_mmm
from attribution.models.summary import compare_two
from attribution.reports.export import export_decimals, to_safe_csv
from attribution.simulate import simulate, write_csvs
from attribution.uncertainty import truth_errors


def _written(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as a spreadsheet reads the CSV the app offers for download."""
    return pd.read_csv(io.BytesIO(to_safe_csv(frame)), encoding="utf-8-sig")


def _names_follow_the_rule(frame: pd.DataFrame) -> None:
    # "pct" only as the *_pct suffix, so a name never hides which scale it is on
    assert [c for c in frame.columns if "pct" in c.lower() and not c.lower().endswith("_pct")] == []


def test_budget_plan_changes_and_lift_are_in_percent():
    sim = simulate_mmm(80, ("tv", "search"), seed=3)
    res = fit(sim.data, channels=["tv", "search"], n_starts=2, seed=0)
    plan = budget.optimize(res, total=1.3 * sum(res.current_spend.values()), pct_bounds=(-0.5, 0.5))
    written = _written(plan.allocation)
    _names_follow_the_rule(written)
    # change_pct = (recommended - current) / current x 100, from the file's own spend columns
    expected = 100 * (written["recommended_spend"] - written["current_spend"]) / written["current_spend"]
    assert written["change_pct"].to_numpy() == pytest.approx(expected.to_numpy(), abs=0.01)
    # 30 % more in all with every channel bounded to +50 %: some channel moves by more than 1 (percent), so
    # a fraction (at most 0.5 here) could not pass
    assert written["change_pct"].abs().max() > 1 and (written["change_pct"] <= 50 + 0.01).all()
    assert plan.lift_pct == pytest.approx(100 * plan.lift / plan.current_response)
    assert plan.totals["lift_pct"] == plan.lift_pct


def test_two_model_comparison_change_is_in_percent_and_shares_are_fractions():
    results = pd.DataFrame({"model": ["Last touch"] * 3 + ["Linear"] * 3, "channel": ["a", "b", "c"] * 2,
                            "conversions": [40.0, 10.0, 0.0, 30.0, 15.0, 5.0], "revenue": 0.0,
                            "share": [0.8, 0.2, 0.0, 0.6, 0.3, 0.1]})
    written = _written(compare_two(results, "Last touch", "Linear")).set_index("channel")
    _names_follow_the_rule(written.reset_index())
    # a: 40 -> 30 is -25 %, b: 10 -> 15 is +50 %, c: from 0 has no percentage
    assert written.loc["a", "change_pct"] == -25.0 and written.loc["b", "change_pct"] == 50.0
    assert np.isnan(written.loc["c", "change_pct"])


def test_truth_errors_are_fractions_like_the_media_mix_mape():
    truth = pd.DataFrame({"channel": ["a", "b"], "true_incremental_conversions": [40, 10]})
    results = pd.DataFrame({"model": "m", "channel": ["a", "b"], "conversions": [60.0, 30.0],
                            "revenue": 0.0, "share": [2 / 3, 1 / 3]})
    per_channel, summary = (_written(t) for t in truth_errors(results, truth))
    for frame in (per_channel, summary):
        _names_follow_the_rule(frame)
    # a: +20 on 40 = 0.5, b: +20 on 10 = 2.0 -> MAPE 1.25; shares .6667/.3333 against .8/.2
    assert per_channel["relative_error"].tolist() == [0.5, 2.0]
    assert summary.loc[0, "mape"] == 1.25
    assert per_channel["share"].tolist() == [0.6667, 0.3333] and per_channel["true_share"].tolist() == [0.8, 0.2]
    assert summary.loc[0, "share_error"] == pytest.approx(0.1333, abs=1e-4)


def test_cli_files_hold_fractions_and_name_no_percentages(tmp_path):
    sim_files = write_csvs(simulate(n_users=600, days=40, seed=11), tmp_path / "sim")
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
                 "--spend", str(sim_files["spend"]), "--stage", "purchase", "--models", "first_touch,linear",
                 "--no-report", "--quiet", "--out", str(out)]) == 0
    for path in out.glob("*.csv"):
        _names_follow_the_rule(pd.read_csv(path, encoding="utf-8-sig"))
    results = pd.read_csv(out / "model_comparison.csv", encoding="utf-8-sig")
    assert results["share"].between(0, 1).all()
    assert results.groupby("model")["share"].sum().to_numpy() == pytest.approx(1, abs=1e-3)  # 4 decimals each
    report = pd.read_csv(out / "channel_report.csv", encoding="utf-8-sig")
    rate = report["conversion_rate"].dropna()
    assert len(rate) and rate.between(0, 1).all()


def test_export_rounding_follows_the_names():
    assert [export_decimals(c) for c in ("change_pct", "lift_pct", "share", "true_share", "relative_error", "mape",
                                         "holdout_mape", "spend", "conversions")] == [2, 2, 4, 4, 4, 4, 4, 2, None]
