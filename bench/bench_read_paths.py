"""Time `read_paths` against a bare DuckDB `read_csv` (and pandas) of the same aggregated paths file.

Usage: python bench/bench_read_paths.py [--journeys 1000000] [--seed 0] [--repeat 3]

The file: the synthetic paths of bench_models_paths.py (1 M journeys -> about 165 k unique paths)
written in the ChannelAttribution layout (``path;total_conversions;total_conversion_value;total_null``,
steps joined by ' > '). Timed, best of ``--repeat``: DuckDB ``read_csv`` of the file into a pandas
frame (no validation, paths left as text), pandas ``read_csv`` (the same), and :func:`read_paths`
(validation, step splitting, the PathData frame). The target (issue #15) is read_paths within 2x of
the bare DuckDB read.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.ingest import read_paths  # noqa: E402
from bench.bench_models_paths import synthetic_paths  # noqa: E402


def timed(label: str, func, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<40} {best:7.3f} s (best of {repeat})")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    paths = synthetic_paths(args.journeys, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "paths.csv"
        pd.DataFrame({"path": [" > ".join(p) for p in paths["path"]], "total_conversions": paths["conversions"],
                      "total_conversion_value": paths["revenue"], "total_null": paths["nulls"]}
                     ).to_csv(csv, sep=";", index=False)
        print(f"{len(paths):,} unique paths, {csv.stat().st_size / 2**20:.1f} MB")
        bare = timed("duckdb read_csv -> pandas", lambda: duckdb.read_csv(str(csv), sep=";").df(), args.repeat)
        timed("pandas read_csv", lambda: pd.read_csv(csv, sep=";"), args.repeat)
        ours = timed("read_paths (validated PathData)", lambda: read_paths(csv), args.repeat)
        print(f"read_paths / bare DuckDB read: {ours / bare:.1f}x (target <= 2x)")


if __name__ == "__main__":
    main()
