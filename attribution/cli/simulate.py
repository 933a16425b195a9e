"""``python -m attribution simulate``: synthetic data with the true effect of every channel."""
from __future__ import annotations

import argparse

from attribution.cli import subcommand


def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--users", type=int, default=20_000, help="number of users arriving over the period, each in the market 30 days (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--days", type=int, default=180, help="length of the period in days (default 180)")
    p.add_argument("--start", default="2024-01-01", help="first day, ISO date (default 2024-01-01)")
    p.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="csv",
                   help="file format (default csv)")


@subcommand("simulate", help="generate simulated touchpoints, conversions, spend and the true effects",
            arguments=_simulate_args)
def run_simulate(args: argparse.Namespace) -> int:
    """Simulate a dataset, write its tables and print a one-line summary."""
    import time

    from attribution.simulate import simulate, write_csvs

    started = time.perf_counter()
    data = simulate(n_users=args.users, start=args.start, days=args.days, seed=args.seed)
    paths = write_csvs(data, args.out, fmt=args.format)
    print(f"simulated {args.users:,} users, {len(data.touchpoints):,} touchpoints, "
          f"{len(data.conversions):,} conversions ({data.meta['purchases']:,} purchases), "
          f"{len(data.spend):,} spend rows over {args.days} days (seed {args.seed}) -> "
          f"{len(paths)} {args.format} files in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0
