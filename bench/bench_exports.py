"""Benchmark the exports: the full HTML report, `python -m attribution run`, and the IHC pipeline.

Usage::

    python bench/bench_exports.py                  # 100,000 simulated users (about 1 M touchpoints)
    python bench/bench_exports.py --users 20000    # smaller

Steps timed: building the report of the built-in sample (25,000 users); the `run` subcommand on
simulated CSV files (load, journeys, every model, channel report, report); the `ihc` subcommand on an
IHC challenge database made from the same simulation (sessions = touchpoints with their cost,
conversions = purchases), run twice (the second run replaces the first).
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.cli import main  # noqa: E402
from attribution.simulate import simulate, write_csvs  # noqa: E402


def _timed(label: str, func) -> object:
    started = time.perf_counter()
    result = func()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def bench_report() -> None:
    """The full report of the sample dataset (every model, channel report)."""
    from attribution.engine.load import load
    from attribution.journeys.settings import JourneySettings
    from attribution.models import compare
    from attribution.reports.channel_report import dataset_channel_report, with_totals
    from attribution.reports.sections import dataset_report
    from attribution.simulate.sample import sample_inputs

    ds = load(**{k: str(v) for k, v in sample_inputs().items()})
    settings = JourneySettings(stage="purchase")
    data = ds.journeys(settings)
    results = compare(data)
    report = with_totals(dataset_channel_report(ds, data, "linear", None))
    html = _timed("report of the sample (HTML only)",
                  lambda: dataset_report(ds, settings=settings, results=results, channel_report=report))
    from plotly.offline import get_plotlyjs

    print(f"  report size {len(html) / 1e6:.1f} MB (plotly.js {len(get_plotlyjs()) / 1e6:.1f} MB of it)")


def challenge_db(sim, path: Path) -> Path:
    """An IHC challenge database from simulated touchpoints (sessions) and purchases (conversions)."""
    tp = sim.touchpoints
    conv = sim.conversions[sim.conversions["stage"] == "purchase"]
    with sqlite3.connect(path) as con:
        con.execute("create table session_sources (session_id text primary key, user_id text, event_date text, "
                    "event_time text, channel_name text, holder_engagement integer, closer_engagement integer, "
                    "impression_interaction integer)")
        con.execute("create table session_costs (session_id text primary key, cost real)")
        con.execute("create table conversions (conv_id text primary key, user_id text, conv_date text, "
                    "conv_time text, revenue real)")
        con.executemany("insert into session_sources values (?, ?, ?, ?, ?, ?, ?, ?)", zip(
            tp["session_id"], tp["user_id"], tp["ts"].dt.strftime("%Y-%m-%d"), tp["ts"].dt.strftime("%H:%M:%S"),
            tp["channel"], tp["holder_engagement"].astype(int), tp["closer_engagement"].astype(int),
            (tp["interaction"] == "impression").astype(int), strict=True))
        con.executemany("insert into session_costs values (?, ?)", zip(tp["session_id"], tp["cost"], strict=True))
        con.executemany("insert into conversions values (?, ?, ?, ?, ?)", zip(
            conv["conversion_id"], conv["user_id"], conv["ts"].dt.strftime("%Y-%m-%d"),
            conv["ts"].dt.strftime("%H:%M:%S"), conv["revenue"], strict=True))
    con.close()
    return path


def main_bench() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    args = ap.parse_args()
    bench_report()
    sim = _timed(f"simulate {args.users:,} users", lambda: simulate(n_users=args.users, seed=1))
    print(f"  {len(sim.touchpoints):,} touchpoints, {len(sim.conversions):,} conversions")
    with tempfile.TemporaryDirectory() as tmp:
        files = write_csvs(sim, Path(tmp) / "in")
        out = Path(tmp) / "out"
        _timed("python -m attribution run (every model, channel report, HTML report)", lambda: main([
            "run", "--touchpoints", str(files["touchpoints"]), "--conversions", str(files["conversions"]),
            "--spend", str(files["spend"]), "--stage", "purchase", "--out", str(out), "--quiet"]))
        db = _timed("build the IHC challenge database", lambda: challenge_db(sim, Path(tmp) / "challenge.db"))
        _timed("python -m attribution ihc (first run)", lambda: main(["ihc", "--db", str(db), "--quiet"]))
        _timed("python -m attribution ihc (re-run, replaces the results)",
               lambda: main(["ihc", "--db", str(db), "--quiet"]))


if __name__ == "__main__":
    main_bench()
