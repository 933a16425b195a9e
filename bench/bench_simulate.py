"""Benchmark: simulate a large dataset (default 1 M users ≈ 10 M touchpoints) and write it.

Usage: python bench/bench_simulate.py [--users N] [--formats parquet csv]
Files go to bench/out/simulate/ (git-ignored). Prints wall time per step and peak memory.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attribution.simulate import simulate, write_csvs  # noqa: E402


def main() -> None:
    """Run the benchmark and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", nargs="*", default=["parquet", "csv"])
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = simulate(n_users=args.users, seed=args.seed)
    t1 = time.perf_counter()
    print(f"simulate: {args.users:,} users -> {len(data.touchpoints):,} touchpoints, "
          f"{len(data.conversions):,} conversions in {t1 - t0:.1f} s")
    for fmt in args.formats:
        out = ROOT / "bench" / "out" / "simulate" / fmt
        t = time.perf_counter()
        paths = write_csvs(data, out, fmt=fmt)
        size = sum(p.stat().st_size for p in paths.values()) / 1e6
        print(f"write {fmt}: {time.perf_counter() - t:.1f} s, {size:,.0f} MB in {out}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
