"""Benchmark: load_into on 10 M synthetic touchpoints (~1 M users) from CSV and from Parquet.

Run: python bench/bench_ingest.py [n_rows] [--file-db] [--no-dedupe] [--dir DIR]
Generates the inputs with DuckDB in a temp dir (or in DIR, reused when already there), times each
load in a fresh connection (in-memory, or a DuckDB file with --file-db), and prints the peak
resident memory of this process.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attribution.ingest import load_into  # noqa: E402

CHANNELS = ["Search", "Social", "Display", "Email", "Direct", "Affiliate", "Video", "Referral"]


def generate(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """Write touchpoints (CSV and Parquet) and a conversions CSV for ~n/10 users."""
    con = duckdb.connect()
    users = max(n // 10, 1)
    channels = "[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
    con.execute(f"""
        create table tp as
        select 'u' || (hash(i) % {users})::varchar as user_id,
               timestamp '2024-01-01' + to_seconds((hash(i * 7) % 31536000)::bigint) as ts,
               ({channels})[1 + (i % 8)::int] as channel,
               'campaign_' || (i % 50)::varchar as campaign,
               round((hash(i * 3) % 1000) / 100.0, 2) as cost
        from range({n}) t(i)""")
    csv, parquet, conv = folder / "tp.csv", folder / "tp.parquet", folder / "conv.csv"
    con.execute(f"copy (select user_id, strftime(ts, '%Y-%m-%d %H:%M:%S') as ts, channel, campaign, cost "
                f"from tp) to '{csv}' (header)")
    con.execute(f"copy tp to '{parquet}' (format parquet)")
    con.execute(f"copy (select 'u' || (hash(i * 11) % {users})::varchar as user_id, "
                f"strftime(timestamp '2024-01-01' + to_seconds((hash(i * 13) % 31536000)::bigint), "
                f"'%Y-%m-%d %H:%M:%S') as ts, round((hash(i) % 10000) / 100.0, 2) as revenue "
                f"from range({max(n // 100, 1)}) t(i)) to '{conv}' (header)")
    con.close()
    return csv, parquet, conv


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def timed_load(tp: Path, conv: Path, db: str, dedupe: bool) -> tuple[float, float, dict[str, int]]:
    """Wall and CPU seconds of one load_into (CPU time is robust to other jobs on the machine)."""
    con = duckdb.connect(db)
    con.execute("create schema if not exists bench")
    start, cpu = time.perf_counter(), _cpu()
    report = load_into(con, "bench", touchpoints=tp, conversions=conv, dedupe=dedupe)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    con.close()
    return elapsed, cpu, report.tables


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000_000))
    file_db = "--file-db" in sys.argv
    keep = sys.argv[sys.argv.index("--dir") + 1] if "--dir" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        csv, parquet, conv = folder / "tp.csv", folder / "tp.parquet", folder / "conv.csv"
        if not (keep and csv.exists() and parquet.exists() and conv.exists()):
            csv, parquet, conv = generate(folder, n)
        size = csv.stat().st_size / 2**20
        print(f"generated {n:,} touchpoints in {time.perf_counter() - t0:.1f} s "
              f"(CSV {size:.0f} MB, Parquet {parquet.stat().st_size / 2**20:.0f} MB)")
        for label, path in (("CSV", csv), ("Parquet", parquet)):
            db = str(Path(tmp) / f"{label}.duckdb") if file_db else ":memory:"
            dedupe = "--no-dedupe" not in sys.argv
            elapsed, cpu, tables = timed_load(path, conv, db, dedupe)
            print(f"load_into from {label:<8}: wall {elapsed:5.2f} s, CPU {cpu:5.2f} s  tables={tables}"
                  f"  ({'file' if file_db else 'in-memory'} database, dedupe={dedupe})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {peak:.2f} GB; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
