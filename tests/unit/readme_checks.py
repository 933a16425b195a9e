"""What each runnable README block must produce, beyond exiting 0 (used by test_readme_blocks.py).

``CHECKS`` maps a text that occurs in exactly one README block to its check. A Python block's check
runs in the block's own process, after it, on its namespace: ``check(ns, cwd, out)``; a shell
block's check runs in the test on what the block left in the folder and printed: ``check(None, cwd,
out)``. The figures are worked out again here from the input files (not copied from a run), so a
README example that prints or writes wrong numbers fails.
"""
from __future__ import annotations

import contextlib
import io
import re
import runpy
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE = Path("data")
#: printed between a Python block's own output and its check's
DONE = "README-BLOCK-DONE"


def run_python_block(script: str, key: str | None) -> None:
    """Run ``script`` as ``__main__`` (as ``python script`` does), print its output and DONE, then its check.

    The block's output is captured so that its check can read what it printed.
    """
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        ns = runpy.run_path(script, run_name="__main__")
    sys.stdout.write(captured.getvalue())
    print(DONE, flush=True)
    if key is not None:
        CHECKS[key](ns, Path.cwd(), captured.getvalue())


def _purchases(conversions: pd.DataFrame, start: str | None = None, end: str | None = None) -> int:
    """Purchases in the conversions file, optionally with a date in [start, end]."""
    kept = conversions[conversions["stage"] == "purchase"]
    if start is not None:
        day = pd.to_datetime(kept["ts"]).dt.strftime("%Y-%m-%d")
        kept = kept[(day >= start) & (day <= end)]
    return len(kept)


def _credit_adds_up(table: pd.DataFrame, total: float, where: str, share_tol: float = 1e-9) -> None:
    """Every model credits ``total`` conversions in all and its shares add up to 1 (within ``share_tol``:
    CSV files round shares to 4 decimals)."""
    for model, rows in table.groupby("model"):
        credited = rows["conversions"].sum()
        assert abs(credited - total) <= 1e-6 * max(total, 1), f"{where}: {model} credits {credited}, expected {total}"
        assert abs(rows["share"].sum() - 1) <= share_tol, f"{where}: {model} shares add up to {rows['share'].sum()}"


def python_api(ns: dict, cwd: Path, out: str) -> None:
    """The Python API tour on the sample: totals, grouping, intervals, spend, the fit and the plan."""
    purchases = _purchases(pd.read_parquet(SAMPLE / "conversions.parquet"))
    j, p = ns["j"], ns["p"]
    assert len(j.paths) > 0 and len(j.touches) > 0
    # the file written and read back holds the same paths
    assert len(p.paths) == len(j.paths) and p.total_conversions == j.total_conversions
    assert abs(p.total_revenue - j.total_revenue) < 0.01 * len(j.paths)
    # both ways of giving the rule group Paid Search and Paid Social, and only them
    assert "Paid media" in ns["grouped"].channels
    assert not {"Paid Search", "Paid Social"} & set(ns["grouped"].channels)
    assert "Display" in ns["grouped"].channels
    # every purchase is credited (the ones without a touch on the "(no touch)" row)
    _credit_adds_up(ns["credit"], purchases, "run_model")
    _credit_adds_up(ns["table"], purchases, "compare")
    assert set(ns["table"]["model"]) == {"first_touch", "markov"}
    ci = ns["ci"]
    assert (ci["ci_low"] <= ci["conversions"] + 1e-9).all() and (ci["conversions"] <= ci["ci_high"] + 1e-9).all()
    # the weekly report carries the sample's whole spend file, and CPA is spend / conversions
    report = ns["report"]
    spend = pd.read_parquet(SAMPLE / "spend.parquet")["spend"].sum()
    assert abs(report["spend"].sum() - spend) < 0.01, (report["spend"].sum(), spend)
    both = report[(report["spend"] > 0) & (report["conversions"] > 0)]
    assert len(both) > 0 and np.allclose(both["cpa"], both["spend"] / both["conversions"])
    # the daily report says where its spend came from; its IHC shape credits every purchase
    daily, ihc = ns["daily"], ns["ihc"]
    assert (daily.spend_source, daily.freq, daily.model) == ("spend table", "day", "linear")
    assert list(ihc.columns) == ["channel_name", "date", "cost", "ihc", "ihc_revenue", "CPO", "ROAS"]
    assert abs(ihc["ihc"].sum() - purchases) < 1e-6 * purchases
    weekly = ns["weekly"]
    assert list(weekly.columns[:2]) == ["date", "y"] and (weekly["y"] > 0).all()
    summary = ns["fit"].channel_summary
    assert set(summary["channel"]) == {"Paid Search", "Display", "Paid Social", "Affiliate"}
    assert np.isfinite(summary["roas"]).all() and (summary["roas"] > 0).all()
    assert (summary["roas_ci_low"] <= summary["roas"]).all() and (summary["roas"] <= summary["roas_ci_high"]).all()
    plan = ns["plan"].set_index("channel")
    assert abs(plan["recommended_spend"].sum() - 20_000) < 0.01
    assert 5_000 - 0.01 <= plan.loc["Paid Search", "recommended_spend"] <= 10_000 + 0.01
    # what it prints: each model's credit, each channel's ROAS with its interval, the plan
    for _, row in ns["table"].iterrows():
        assert f"{row['conversions']:.1f}" in out, (row.to_dict(), out)
    for _, row in summary.iterrows():
        assert re.search(rf"{re.escape(row['channel'])}\s+{row['roas']:.2f}\s+{row['roas_ci_low']:.2f}\s+"
                         rf"{row['roas_ci_high']:.2f}", out), (row.to_dict(), out)
    for channel, row in plan.iterrows():
        assert re.search(rf"{re.escape(channel)}\s+{row['current_spend']:.2f}\s+{row['recommended_spend']:.2f}", out), \
            (channel, out)


def simulate(ns: None, cwd: Path, out: str) -> None:
    """``--help`` lists the subcommands; ``simulate`` writes the files it says, with the rows it says."""
    for command in ("run", "simulate", "ihc", "serve"):
        assert command in out
    said = re.search(r"simulated ([\d,]+) users, ([\d,]+) touchpoints, ([\d,]+) conversions \(([\d,]+) purchases\)",
                     out)
    assert said, out
    users, touches, conversions, purchases = (int(g.replace(",", "")) for g in said.groups())
    assert users == 5_000
    tp, conv = pd.read_csv(cwd / "sim" / "touchpoints.csv"), pd.read_csv(cwd / "sim" / "conversions.csv")
    assert (len(tp), len(conv), _purchases(conv)) == (touches, conversions, purchases)
    assert {"spend.csv", "truth.csv", "daily_truth.csv"} <= {f.name for f in (cwd / "sim").iterdir()}


def other_inputs(ns: dict, cwd: Path, out: str) -> None:
    """The event log has one row per touch and per purchase; the paths file reads back as paths."""
    tp, conv = pd.read_csv(cwd / "sim" / "touchpoints.csv"), pd.read_csv(cwd / "sim" / "conversions.csv")
    events = pd.read_csv(cwd / "events.csv")
    assert len(events) == len(tp) + _purchases(conv)
    assert int(events["conversion"].sum()) == _purchases(conv)
    paths = pd.read_csv(cwd / "paths.csv", sep=";")
    assert list(paths.columns) == ["path", "total_conversions", "total_conversion_value", "total_null"]
    assert 0 < paths["total_conversions"].sum() <= _purchases(conv)


def run(ns: None, cwd: Path, out: str) -> None:
    """Each of the three runs credits all its conversions; the report carries the spend file."""
    conv = pd.read_csv(cwd / "sim" / "conversions.csv")
    results = pd.read_csv(cwd / "results" / "model_comparison.csv")
    _credit_adds_up(results, _purchases(conv), "run on touchpoints", share_tol=1e-3)
    report = pd.read_csv(cwd / "results" / "channel_report.csv")
    spend = pd.read_csv(cwd / "sim" / "spend.csv")["spend"].sum()
    assert abs(report.loc[~report["is_total"], "spend"].sum() - spend) < 0.01
    assert (cwd / "results" / "report.html").stat().st_size > 10_000
    # the event log run keeps the purchases of January to March, and only the three models asked for
    events = pd.read_csv(cwd / "results-events" / "model_comparison.csv")
    assert set(events["model"]) == {"linear", "markov", "shapley"}
    _credit_adds_up(events, _purchases(conv, "2024-01-01", "2024-03-31"), "run on the event log", share_tol=1e-3)
    paths = pd.read_csv(cwd / "results-paths" / "model_comparison.csv")
    _credit_adds_up(paths, pd.read_csv(cwd / "paths.csv", sep=";")["total_conversions"].sum(), "run on paths", share_tol=1e-3)


def ihc_database(ns: dict, cwd: Path, out: str) -> None:
    """The database has the three input tables with a row per session and per purchase."""
    tp, conv = pd.read_csv(cwd / "sim" / "touchpoints.csv"), pd.read_csv(cwd / "sim" / "conversions.csv")
    with sqlite3.connect(cwd / "challenge.db") as db:
        counts = {t: db.execute(f"select count(*) from {t}").fetchall()[0][0]  # names from this list
                  for t in ("session_sources", "session_costs", "conversions")}
    assert counts == {"session_sources": len(tp), "session_costs": len(tp), "conversions": _purchases(conv)}


def ihc(ns: None, cwd: Path, out: str) -> None:
    """The IHC values of each conversion add up to 1; the March CSV holds March only."""
    with sqlite3.connect(cwd / "challenge.db") as db:
        sums = [s for (s,) in db.execute("select sum(ihc) from attribution_customer_journey group by conv_id")]
        reporting = db.execute("select count(*) from channel_reporting").fetchall()[0][0]
    assert len(sums) > 0 and np.allclose(sums, 1.0)
    assert reporting > 0
    march = pd.read_csv(cwd / "march.csv")
    assert len(march) > 0 and march["date"].str.startswith("2024-03").all()


def full_report(ns: dict, cwd: Path, out: str) -> None:
    """Both reports are whole HTML pages naming the models and channels, with nothing fetched."""
    for html in ((cwd / "report.html").read_text(encoding="utf-8"), ns["html"]):
        assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html.lower()
        assert "Paid Search" in html and "markov" in html.lower()
        assert not re.search(r"<script[^>]+src=", html), "the report loads a script from elsewhere"
    assert set(ns["results"]["model"]) == {"last_touch", "linear", "markov"}


#: text that occurs in exactly one runnable README block -> its check
CHECKS = {
    "at.mmm.mmm_frame(ds": python_api,
    "simulate --users": simulate,
    "to 'events.csv'": other_inputs,
    "--out results-paths/": run,
    'to_sql("session_sources"': ihc_database,
    "--csv march.csv": ihc,
    "at.dataset_report(ds": full_report,
}
