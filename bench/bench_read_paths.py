"""Time `read_paths` against a bare DuckDB `read_csv` (and pandas) of the same aggregated paths file.

Usage: python bench/bench_read_paths.py [--journeys 1000000] [--seed 0] [--repeat 7] [--file PATH]

The file: the synthetic paths of bench_models_paths.py (1 M journeys -> about 151 k unique paths,
the same file for the same ``--journeys`` and ``--seed``) written in the ChannelAttribution layout
(``path;total_conversions;total_conversion_value;total_null``, steps joined by ' > '), or any
``--file`` in that layout (e.g. ../shared/data/mta/channelattribution_Data.csv). Timed, in turns so
that other jobs on the machine slow every reader alike, best and median of ``--repeat``: DuckDB
``read_csv`` of the file into a pandas frame (no validation, paths left as text), pandas
``read_csv`` (the same), and :func:`read_paths` (validation with a reason for every rejected row,
step splitting, the PathData frame of tuples). CPU time (all threads) is shown beside wall time:
on a loaded machine it is the steadier of the two. The target (issue #15) is read_paths within 2x
of the bare DuckDB read.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.ingest import read_paths  # noqa: E402
from bench.bench_models_paths import synthetic_paths, write_paths_csv  # noqa: E402


def run(csv: Path, repeat: int) -> None:
    readers = {
        "duckdb read_csv -> pandas": lambda: duckdb.read_csv(str(csv), sep=";").df(),
        "pandas read_csv": lambda: pd.read_csv(csv, sep=";"),
        "read_paths (validated PathData)": lambda: read_paths(csv),
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in readers}
    for func in readers.values():  # warm-up: first-call costs (imports, caches) are not timed
        func()
    for _ in range(repeat):
        for label, func in readers.items():
            wall, cpu = time.perf_counter(), time.process_time()
            func()
            times[label].append((time.perf_counter() - wall, time.process_time() - cpu))
    best = {}
    for label, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        best[label] = (min(walls), min(cpus))
        print(f"{label:<34} wall best {min(walls):6.3f} s, median {statistics.median(walls):6.3f} s | "
              f"cpu best {min(cpus):6.3f} s")
    ours, bare = best["read_paths (validated PathData)"], best["duckdb read_csv -> pandas"]
    print(f"read_paths / bare DuckDB read: wall {ours[0] / bare[0]:.1f}x, cpu {ours[1] / bare[1]:.1f}x "
          "(target <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--file", type=Path, help="an aggregated paths file to read instead of the synthetic one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.file
        if csv is None:
            csv = Path(tmp) / "paths.csv"
            write_paths_csv(synthetic_paths(args.journeys, args.seed), csv)
        n = sum(1 for _ in csv.open("rb")) - 1
        print(f"{csv.name}: {n:,} rows, {csv.stat().st_size / 2**20:.1f} MB")
        run(csv, args.repeat)


if __name__ == "__main__":
    main()
