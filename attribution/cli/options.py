"""Command-line options shared by subcommands: journey rules, model parameters, dates, progress."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from datetime import date

from attribution.errors import DataValidationError, ModelError
from attribution.journeys.settings import TRANSFORMS, JourneySettings


def parse_date(text: str) -> date:
    """An ISO date argument (argparse ``type``)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31") from None


def _lookback(text: str) -> int | None:
    if text.strip().lower() in ("none", "unlimited", "all"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (or 'none')") from None


def add_journey_args(p: argparse.ArgumentParser) -> None:
    """Declare the journey rules of docs/architecture.md §4 (defaults as in ``JourneySettings``) and a date range."""
    g = p.add_argument_group("journey settings")
    g.add_argument("--start", type=parse_date, help="first conversion date to count (YYYY-MM-DD)")
    g.add_argument("--end", type=parse_date, help="last conversion date to count (YYYY-MM-DD)")
    g.add_argument("--lookback-days", type=_lookback, default=argparse.SUPPRESS, metavar="DAYS",
                   help="touches this many days before a conversion count ('none' = unlimited; default 30, "
                        "and none for pre-built journeys: --ihc-db, --ihc-journeys, --paths)")
    g.add_argument("--max-touches", type=int, metavar="N", help="keep only the last N touches of a journey")
    g.add_argument("--stage", help="conversion stage that ends a journey (default: every conversion)")
    g.add_argument("--first-only", action="store_true", help="count only each user's first conversion")
    g.add_argument("--no-reset", action="store_true",
                   help="do not start a new journey after each conversion (journeys may overlap)")
    g.add_argument("--no-non-converting", action="store_true", help="leave out journeys that did not convert")
    g.add_argument("--transform", choices=TRANSFORMS, default="none", help="path transform (default none)")
    g.add_argument("--exclude", action="append", default=[], metavar="CHANNEL",
                   help="drop a channel's touches from journeys: it never gets credit, and a conversion "
                        "whose journey had only excluded channels goes on the '(no touch)' row (repeatable)")
    g.add_argument("--groups", metavar="RULES.csv",
                   help="channel grouping rules: a CSV with columns group, pattern and optionally column "
                        "(channel|campaign|interaction) and match (contains|equals|starts_with|regex)")


def journey_settings(args: argparse.Namespace, dataset=None) -> JourneySettings:
    """The ``JourneySettings`` of parsed journey arguments (invalid combinations raise
    :class:`~attribution.errors.DataValidationError`).

    Rules not given take ``dataset``'s defaults (:meth:`~attribution.engine.base.Dataset.default_settings`:
    no lookback for pre-built journeys), or those of ``JourneySettings`` without a dataset.
    """
    from attribution.journeys.rules_table import read_channel_rules

    groups = read_channel_rules(args.groups) if getattr(args, "groups", None) else ()
    rules = dict(
        reset_on_conversion=not args.no_reset, max_touches=args.max_touches,
        stage=args.stage, first_only=args.first_only, include_non_converting=not args.no_non_converting,
        start=args.start, end=args.end, transform=args.transform, exclude_channels=tuple(args.exclude),
        channel_rules=groups)
    if hasattr(args, "lookback_days"):  # given on the command line
        rules["lookback_days"] = args.lookback_days
    return dataset.default_settings(**rules) if dataset is not None else JourneySettings(**rules)


def _typed(text: str, default: object, where: str) -> object:
    """``text`` converted to the type of the parameter's default value."""
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, tuple):
            return tuple(s.strip() for s in text.split(",") if s.strip())
    except ValueError:
        raise ModelError(f"--param {where}: {text!r} is not a valid {type(default).__name__}") from None
    return text


def parse_params(items: Iterable[str]) -> dict[str, dict[str, object]]:
    """``{model: {param: value}}`` from ``MODEL.NAME=VALUE`` strings, typed like each default."""
    from attribution.models import model_spec

    params: dict[str, dict[str, object]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        model, dot, name = key.strip().partition(".")
        if not (sep and dot and model and name):
            raise DataValidationError(f"--param {item!r} is not MODEL.NAME=VALUE (e.g. markov.order=2)")
        defaults = model_spec(model).defaults
        if name not in defaults:
            raise ModelError(f"{model} has no parameter {name!r}; valid: {', '.join(defaults) or 'none'}")
        params.setdefault(model, {})[name] = _typed(text.strip(), defaults[name], key)
    return params


def progress(items: Iterable, desc: str, quiet: bool) -> Iterator:
    """Iterate with a tqdm progress bar on stderr (only on a terminal, never with ``quiet``)."""
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, disable=True if quiet else None, leave=False)


def status_printer(quiet: bool):
    """A ``say(message)`` that prints progress lines to stderr unless ``quiet``."""

    def say(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return say
