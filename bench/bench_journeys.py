"""Benchmark the journey builder (docs/architecture.md §11: journeys + paths ≤ 10 s, peak memory ≤ 4 GB on 2 cores).

Generates synthetic canonical tables straight in DuckDB (default 10 M touchpoints, 1 M users,
1.2 M conversions over 180 days) into a database file, then times ``build_journeys`` in a fresh
child process per case, so each peak RSS is that case's own:

- ``paths``: build_journeys (paths computed, touches kept as Arrow, not turned into pandas);
- ``touches``: the same plus ``j.touches`` (the pandas frame).

Usage::

    python bench/bench_journeys.py                       # 10 M touches
    python bench/bench_journeys.py --touches 1000000     # smaller
    python bench/bench_journeys.py --steps               # also time each SQL step
    python bench/bench_journeys.py --memory-limit 3GB    # cap DuckDB's memory (it spills to disk)
    python bench/bench_journeys.py --settings '{"reset_on_conversion": false}'   # other journey rules
    python bench/bench_journeys.py --explain journey_touches    # EXPLAIN ANALYZE one step, slowest first

Each case prints wall seconds, CPU seconds (user + sys over both threads: the figure to compare
when other jobs share the machine) and peak RSS in GiB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attribution.engine.duckdb_journeys import build_journeys, journey_statements  # noqa: E402
from attribution.journeys.settings import JourneySettings  # noqa: E402

SCHEMA = "bench"
CHANNELS = ["Direct", "Organic Search", "Paid Search", "Display", "Social", "Email", "Affiliate",
            "Referral", "Video", "Push"]


def generate(path: Path, touches: int, users: int, conversions: int, seed: float) -> None:
    """Write ``bench.touchpoints`` and ``bench.conversions`` of the given sizes into ``path``."""
    con = duckdb.connect(str(path))
    con.execute("select setseed($s)", {"s": seed})
    con.execute(f"create schema if not exists {SCHEMA}")
    # Users get a skewed activity (random()^2) so journeys vary in length, as real data does.
    con.execute(f"""
        create or replace table {SCHEMA}.touchpoints as
        select 'u' || lpad(cast(cast(floor(pow(random(), 2) * $users) as bigint) as varchar), 8, '0') as user_id,
               timestamp '2024-01-01' + to_seconds(cast(floor(random() * 180 * 86400) as bigint)) as ts,
               $channels[cast(1 + floor(pow(random(), 1.5) * 10) as integer)] as channel,
               'cmp_' || cast(floor(random() * 20) as integer) as campaign,
               round(random() * 2, 2) as cost,
               's' || cast(i as varchar) as session_id,
               case when random() < 0.3 then 'impression' else 'click' end as interaction,
               random() < 0.5 as holder_engagement,
               random() < 0.5 as closer_engagement
        from range($touches) r(i)
    """, {"users": users, "touches": touches, "channels": CHANNELS})
    con.execute(f"""
        create or replace table {SCHEMA}.conversions as
        select 'u' || lpad(cast(cast(floor(pow(random(), 2) * $users) as bigint) as varchar), 8, '0') as user_id,
               timestamp '2024-01-01' + to_seconds(cast(floor(random() * 180 * 86400) as bigint)) as ts,
               round(random() * 200, 2) as revenue,
               'c' || cast(i as varchar) as conversion_id,
               case when random() < 0.25 then 'lead' else 'paid' end as stage
        from range($conversions) r(i)
    """, {"users": users, "conversions": conversions})
    con.close()


class TimedConnection:
    """Wraps a connection and records wall and CPU seconds of each statement (per-step profile)."""

    def __init__(self, con) -> None:
        self.con, self.steps = con, []

    def _timed(self, method: str, query: str, *args, **kwargs):
        start, cpu = time.perf_counter(), _cpu_seconds()
        result = getattr(self.con, method)(query, *args, **kwargs)
        if method == "sql":  # relations are lazy: force the work the builder forces
            result = _Eager(result.to_arrow_table())
        self.steps.append((self._label(query), time.perf_counter() - start, _cpu_seconds() - cpu, _peak_gb()))
        return result

    @staticmethod
    def _label(query: str) -> str:
        for line in query.strip().splitlines():
            if not line.startswith("--"):
                return " ".join(line.split())[:70]
        return query[:70]

    def execute(self, query: str, *args):
        return self._timed("execute", query, *args)

    def sql(self, query: str, *args, **kwargs):
        return self._timed("sql", query, *args, **kwargs)

    def register(self, name: str, data):
        return self.con.register(name, data)

    def unregister(self, name: str):
        return self.con.unregister(name)


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # KiB → GiB


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Eager:
    def __init__(self, table) -> None:
        self.table = table

    def to_arrow_table(self):
        return self.table

    def df(self):
        return self.table.to_pandas()


def run_case(db: Path, case: str, steps: bool, settings: JourneySettings, threads: int,
             memory_limit: str | None) -> dict:
    """Time one build in this process; returns seconds and peak RSS."""
    con = duckdb.connect(str(db), read_only=False)
    con.execute(f"set threads = {int(threads)}")
    if memory_limit:
        con.execute("set memory_limit = $m", {"m": memory_limit})
    work = TimedConnection(con) if steps else con
    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    journeys = build_journeys(work, SCHEMA, settings)
    built = time.perf_counter() - start
    rows = len(journeys.touches) if case == "touches" else None
    total = time.perf_counter() - start
    rss = _peak_gb()
    # CPU seconds (user + sys, both cores) are robust to other jobs on the machine; wall time is not.
    cpu = _cpu_seconds() - cpu0
    out = {"case": case, "build_s": round(built, 2), "total_s": round(total, 2), "cpu_s": round(cpu, 2),
           "peak_rss_gb": round(rss, 2),
           "paths": len(journeys.paths), "journeys": journeys.stats.journeys,
           "touches": journeys.stats.touches, "touch_rows_in_pandas": rows}
    if steps:
        out["steps"] = [(label, round(wall, 2), round(cpu, 2), round(peak, 2)) for label, wall, cpu, peak in work.steps]
    return out


def explain(db: Path, step: str, settings: JourneySettings, threads: int) -> None:
    """Run the build statements before ``step``, then print EXPLAIN ANALYZE of ``step``."""
    con = duckdb.connect(str(db))
    con.execute(f"set threads = {int(threads)}")
    statements = journey_statements(SCHEMA, settings)
    if step not in statements:
        raise SystemExit(f"--explain takes one of {', '.join(statements)}")
    for name, (query, args) in statements.items():
        if name == step:
            plan = json.loads(con.execute("explain (analyze, format json) " + query, args or None).fetchall()[0][1])
            _print_operators(plan)
            return
        con.execute(query, args or None)


def _print_operators(plan: dict) -> None:
    """The operators of a JSON profile, slowest first (time is summed over threads)."""
    found = []

    def walk(node: dict, depth: int) -> None:
        extra = node.get("extra_info", {})
        what = (extra.get("Projections") or extra.get("Aggregates") or extra.get("Conditions")
                or extra.get("Table") or extra.get("Order By") or "")
        found.append((node.get("timing", 0.0), node.get("intermediate_rows", 0),
                      node.get("intermediate_size_bytes", 0) / 1e9, node.get("type", "?"), depth,
                      " ".join(str(what).split())[:120]))
        for child in node.get("children", []):
            walk(child, depth + 1)

    for root in plan.get("operator", []):
        walk(root, 0)
    print(f"operator time {sum(f[0] for f in found):.2f} s")
    for timing, rows, gb, name, depth, what in sorted(found, reverse=True)[:25]:
        print(f"{timing:7.2f} s {rows:>11,} {gb:5.2f} GB d{depth:<2} {name:22s} {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--touches", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, help="default: touches / 10")
    parser.add_argument("--conversions", type=int, help="default: 1.2 × users")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--db", type=Path, help="database file (kept); default: a temporary file")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the builds, e.g. 3GB")
    parser.add_argument("--steps", action="store_true", help="time each SQL step")
    parser.add_argument("--settings", default="{}", help='journey settings as JSON, e.g. \'{"max_touches": 5}\'')
    parser.add_argument("--explain", metavar="STEP", help="print EXPLAIN ANALYZE of one step and exit")
    parser.add_argument("--case", choices=["paths", "touches"], help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    # JSON keeps the child's command line simple; lists become the tuples the settings expect
    settings = JourneySettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(args.settings).items()})

    if args.case:
        print(json.dumps(run_case(args.db, args.case, args.steps, settings, args.threads, args.memory_limit)))
        return

    users = args.users or max(1, args.touches // 10)
    conversions = args.conversions or int(users * 1.2)
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "journeys_bench.duckdb"  # not "bench": that would clash with the schema
    if not db.exists():
        start = time.perf_counter()
        generate(db, args.touches, users, conversions, args.seed)
        print(f"generated {args.touches:,} touches, {users:,} users, {conversions:,} conversions "
              f"in {time.perf_counter() - start:.1f} s → {db}")
    if args.explain:
        explain(db, args.explain, settings, args.threads)
        return
    for case in ("paths", "touches"):
        cmd = [sys.executable, __file__, "--case", case, "--db", str(db), "--threads", str(args.threads)]
        cmd += ["--steps"] if args.steps else []
        cmd += ["--settings", args.settings]
        cmd += ["--memory-limit", args.memory_limit] if args.memory_limit else []
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                           env={**os.environ}).stdout)
        steps = result.pop("steps", [])
        print(json.dumps(result))
        for label, wall, cpu, peak in steps:
            print(f"    {wall:6.2f} s wall {cpu:6.2f} s cpu  peak {peak:5.2f} GB  {label}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
