"""Command-line interface: ``python -m attribution <subcommand> ...``.

Each subcommand is one ``run`` function plus one function that declares its arguments, registered
in :data:`SUBCOMMANDS` with :func:`subcommand`. To add one::

    def _report_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True)

    @subcommand("report", help="...", arguments=_report_args)
    def run_report(args: argparse.Namespace) -> int:
        ...
        return 0

Heavy imports go inside the ``run`` function so ``--help`` stays fast. Errors the user can fix
(:class:`~attribution.errors.AttributionError`) print one line to stderr and exit with status 2.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from attribution.errors import AttributionError


@dataclass(frozen=True)
class Subcommand:
    """One CLI subcommand: its help line, argument declarations and the function that runs it."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, help: str, arguments: Callable[[argparse.ArgumentParser], None]):
    """Decorator: register a ``run(args) -> exit status`` function as subcommand ``name``."""

    def decorate(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        if name in SUBCOMMANDS:
            raise RuntimeError(f"subcommand {name!r} registered twice")
        SUBCOMMANDS[name] = Subcommand(help, arguments, run)
        return run

    return decorate


def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--users", type=int, default=20_000, help="number of simulated users (default 20000)")
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


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m attribution",
        description="Marketing attribution, media-mix modelling and budget optimisation.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, cmd in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except AttributionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
