"""``python -m attribution ihc``: the IHC challenge pipeline on its SQLite database.

Reads ``session_sources``, ``conversions`` and ``session_costs``; builds each conversion's journey;
computes ``ihc`` with our model (default) or the hosted IHC API (``--api-url``); writes
``attribution_customer_journey`` and ``channel_reporting`` back and a CSV with CPO and ROAS.

Exit status (for schedulers): 0 done; 2 unusable database or arguments (one line on stderr, the
database unchanged); 4 the IHC API failed (the database unchanged); 1 an unexpected error.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from attribution.cli import subcommand
from attribution.cli.options import parse_date, parse_params, status_printer
from attribution.errors import DataValidationError

EXIT_OK, EXIT_INPUT, EXIT_REMOTE = 0, 2, 4
EPILOG = """examples:
  python -m attribution ihc --db challenge.db
  python -m attribution ihc --db challenge.db --start 2023-09-01 --end 2023-09-30 --csv sept.csv
  IHC_API_KEY=... python -m attribution ihc --db challenge.db \\
      --api-url https://api.ihc-attribution.com/v1/compute_ihc --conv-type-id my_conversions

Re-running replaces earlier results (of the conversions in --start..--end) and never changes the
input tables. exit status: 0 done; 2 unusable database or arguments; 4 the IHC API failed (nothing
written); 1 unexpected error."""


def _ihc_args(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--db", required=True, help="the IHC challenge SQLite database (results are written into it)")
    p.add_argument("--start", type=parse_date, help="first conversion date to attribute (YYYY-MM-DD)")
    p.add_argument("--end", type=parse_date, help="last conversion date to attribute (YYYY-MM-DD)")
    p.add_argument("--csv", help="where to write channel_reporting with CPO and ROAS "
                                 "(default: channel_reporting.csv next to the database)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter of the local IHC model, e.g. w_closer=0.5 or closer_half_life_hours=12")
    p.add_argument("--quiet", action="store_true", help="no progress messages or bars on stderr")
    remote = p.add_argument_group("remote mode (hosted IHC API instead of the local model)")
    remote.add_argument("--api-url", help="the compute_ihc endpoint, e.g. https://api.ihc-attribution.com/v1/compute_ihc")
    remote.add_argument("--api-key-env", default="IHC_API_KEY",
                        help="environment variable holding the API key (default IHC_API_KEY)")
    remote.add_argument("--conv-type-id", help="the API's conv_type_id (required with --api-url)")
    remote.add_argument("--retries", type=int, default=5, help="retries on HTTP 429/5xx per request (default 5)")
    remote.add_argument("--retry-delay", type=float, default=2.0,
                        help="first back-off wait in seconds, doubled on each retry (default 2)")
    remote.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one answer (default 60)")
    remote.add_argument("--allow-partial", action="store_true",
                        help="keep the journeys the API attributed when it fails some (default: stop)")


def _api_settings(args: argparse.Namespace):
    from attribution.ihc.api_client import ApiSettings

    if not args.conv_type_id:
        raise DataValidationError("--api-url needs --conv-type-id (the conversion type your IHC account was "
                                  "trained on)")
    key = os.environ.get(args.api_key_env, "")
    if not key:
        raise DataValidationError(f"no API key: set the environment variable {args.api_key_env} (or name another "
                                  "with --api-key-env)")
    return ApiSettings(url=args.api_url, api_key=key, conv_type_id=args.conv_type_id, retries=args.retries,
                       retry_delay=args.retry_delay, timeout=args.timeout, allow_partial=args.allow_partial)


@subcommand("ihc", help="run the IHC challenge pipeline on its SQLite database", arguments=_ihc_args)
def run_ihc(args: argparse.Namespace) -> int:
    """Attribute the database's conversions with IHC and write the results; returns the exit status."""
    from dataclasses import replace

    from attribution.ihc import pipeline as pipe
    from attribution.ihc.api_client import IHCApiError, compute_ihc_remote
    from attribution.reports.export import to_safe_csv

    started = time.perf_counter()

    say = status_printer(args.quiet)

    params = parse_params(f"ihc.{p}" for p in args.param).get("ihc", {})
    api = _api_settings(args) if args.api_url else None
    if api is not None and params:
        raise DataValidationError("--param sets the local model; the hosted API uses its own trained parameters")
    journeys = pipe.read_journeys(args.db, args.start, args.end)
    say(f"{journeys.conversions:,} conversions, {journeys.n_journeys:,} journeys of {len(journeys.sessions):,} sessions"
        + (f"; {journeys.without_sessions:,} conversions have no session before them" if journeys.without_sessions else ""))
    for what, n in (("conversions", journeys.unreadable_conversions), ("sessions", journeys.unreadable_sessions)):
        if n:
            print(f"warning: {n:,} {what} have a date/time that cannot be read and were left out", file=sys.stderr)
    if api is None:
        results = pipe.attribute_local(journeys, **params)
    else:
        from tqdm import tqdm

        bar = tqdm(desc="IHC API requests", unit="request", disable=True if args.quiet else None, leave=False)

        def on_batch(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        try:
            results, problems = compute_ihc_remote(journeys.sessions, api, on_batch=on_batch)
        except IHCApiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REMOTE
        finally:
            bar.close()
        for message in problems:
            print(f"warning: IHC API: {message}", file=sys.stderr)
        done = set(results["conversion_id"])
        journeys = replace(journeys, sessions=journeys.sessions[journeys.sessions["conv_id"].isin(done)])
    pipe.check_results(results, journeys)
    n_rows = pipe.write_results(args.db, results, args.start, args.end)
    report = pipe.read_channel_reporting(args.db, args.start, args.end)
    csv = Path(args.csv) if args.csv else Path(args.db).with_name("channel_reporting.csv")
    csv.parent.mkdir(parents=True, exist_ok=True)
    csv.write_bytes(to_safe_csv(report))
    print(f"ihc ({'IHC API' if api else 'local model'}) for {journeys.n_journeys:,} conversions -> {n_rows:,} rows in "
          f"attribution_customer_journey, {len(report):,} channel_reporting rows in {csv} "
          f"({time.perf_counter() - started:.1f} s)")
    return EXIT_OK
