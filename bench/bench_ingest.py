"""Benchmark: load_into on 10 M synthetic touchpoints (~1 M users) from CSV and from Parquet.

Run: python bench/bench_ingest.py [n_rows] [--file-db]
Generates the inputs with DuckDB in a temp dir, times each load in a fresh process-local
connection, and prints the peak resident memory of this process.
"""
from __future__ import annotations

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


def timed_load(tp: Path, conv: Path, db: str) -> tuple[float, dict[str, int]]:
    con = duckdb.connect(db)
    con.execute("create schema if not exists bench")
    start = time.perf_counter()
    report = load_into(con, "bench", touchpoints=tp, conversions=conv, max_bytes=2**40)
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed, report.tables


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000_000))
    file_db = "--file-db" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        csv, parquet, conv = generate(folder, n)
        size = csv.stat().st_size / 2**20
        print(f"generated {n:,} touchpoints in {time.perf_counter() - t0:.1f} s "
              f"(CSV {size:.0f} MB, Parquet {parquet.stat().st_size / 2**20:.0f} MB)")
        for label, path in (("CSV", csv), ("Parquet", parquet)):
            db = str(folder / f"{label}.duckdb") if file_db else ":memory:"
            elapsed, tables = timed_load(path, conv, db)
            print(f"load_into from {label:<8}: {elapsed:5.2f} s  tables={tables}"
                  f"  ({'file' if file_db else 'in-memory'} database)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
