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
import importlib
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


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    from attribution.defaults import describe

    parser = argparse.ArgumentParser(
        prog="python -m attribution",
        description="Marketing attribution, media-mix modelling and budget optimisation.",
        epilog="defaults (the same in the app, the API and the Python library):\n" + describe(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
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
        print(f"error: {exc.message_for('cli')}", file=sys.stderr)
        return 2


# Subcommands live in their own modules (attribution/cli/<name>.py) and register themselves when imported.
for _module in ("simulate", "run", "ihc"):
    importlib.import_module(f"attribution.cli.{_module}")
