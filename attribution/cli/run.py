"""``python -m attribution run``: files in, every model's credit as CSVs and the HTML report out.

Exit status (for schedulers): 0 everything written; 2 unusable input or arguments (one line on
stderr says what and how to fix it; nothing is written); 3 some models failed (the others and the
report are written, stderr names the failures); 1 an unexpected error (a bug: the traceback).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from attribution.cli import subcommand
from attribution.cli.options import add_journey_args, journey_settings, parse_params, progress, status_printer
from attribution.defaults import INTERVAL_LEVEL
from attribution.errors import DataValidationError, ModelError
from attribution.ingest.part_files import is_part_file_pattern

EXIT_OK, EXIT_INPUT, EXIT_PARTIAL = 0, 2, 3
INPUTS = ("touchpoints", "conversions", "spend", "event_log", "paths", "ihc_db", "ihc_journeys")
EPILOG = """examples:
  python -m attribution run --touchpoints tp.csv --conversions conv.csv --spend spend.csv --out results/
  python -m attribution run --event-log events.csv --models linear,markov --bootstrap 200 --out results/
  python -m attribution run --paths paths.csv --transform collapse_repeats --out results/

exit status: 0 done; 2 unusable input or arguments (nothing written); 3 some models failed (the rest
is written); 1 unexpected error."""


def _run_args(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    files = p.add_argument_group("input files (CSV, gzip CSV or Parquet; give one main input)")
    files.add_argument("--touchpoints", help="touchpoints file (user, time, channel, ...)")
    files.add_argument("--conversions", help="conversions file (user, time, revenue, ...); goes with --touchpoints")
    files.add_argument("--spend", help="daily spend per channel (date, channel, spend)")
    files.add_argument("--event-log", dest="event_log", help="one event log with a conversion flag and value")
    files.add_argument("--paths", help="aggregated paths (path;conversions;value;non-conversions)")
    files.add_argument("--ihc-db", dest="ihc_db", help="the IHC challenge SQLite database")
    files.add_argument("--ihc-journeys", dest="ihc_journeys", help="IHC API journeys (JSON or CSV)")
    files.add_argument("--map", action="append", default=[], metavar="ROLE.COLUMN=SOURCE",
                       help="column mapping when names are not guessed, e.g. touchpoints.user_id=cookie "
                            "(repeatable)")
    engine = p.add_argument_group("engine (Spark for data that outgrows one machine)")
    engine.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                        help="where journeys are built: embedded DuckDB (default) or Apache Spark; with spark "
                             "--touchpoints/--conversions/--spend may be URIs (s3a://, hdfs://), folders or globs "
                             "of part files, or Spark table names (db.table)")
    engine.add_argument("--spark-master", metavar="URL",
                        help="Spark master (default: $SPARK_MASTER, else local[*]; ignored under spark-submit)")
    engine.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark setting, e.g. spark.driver.memory=8g (repeatable)")
    models = p.add_argument_group("models")
    models.add_argument("--models", help="comma-separated model names (default: every model the data supports)")
    models.add_argument("--param", action="append", default=[], metavar="MODEL.NAME=VALUE",
                        help="a model parameter, e.g. markov.order=2 or time_decay.half_life_days=3 (repeatable)")
    models.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="bootstrap replicates for confidence intervals (default 0: none; 200 is usual)")
    models.add_argument("--level", type=float, default=INTERVAL_LEVEL,
                        help=f"confidence level of the intervals (default {INTERVAL_LEVEL})")
    models.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    add_journey_args(p)
    out = p.add_argument_group("output")
    out.add_argument("--out", required=True, help="output folder (created if missing)")
    out.add_argument("--report-model", default="linear",
                     help="model whose credit the channel report uses (default linear)")
    out.add_argument("--freq", choices=["day", "week", "month"],
                     help="also write the channel report per day, week or month")
    out.add_argument("--no-report", action="store_true", help="skip the HTML report")
    out.add_argument("--quiet", action="store_true", help="no progress messages or bars on stderr")


def _mappings(items: list[str]) -> dict[str, dict[str, str]]:
    mappings: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, source = item.partition("=")
        role, dot, column = key.partition(".")
        if not (sep and dot and role and column and source):
            raise DataValidationError(f"--map {item!r} is not ROLE.COLUMN=SOURCE (e.g. touchpoints.user_id=cookie)")
        mappings.setdefault(role.replace("-", "_"), {})[column] = source
    return mappings


def _inputs(args: argparse.Namespace) -> dict[str, str]:
    given = {k: getattr(args, k) for k in INPUTS if getattr(args, k)}
    if not given:
        raise DataValidationError("no input file: give --touchpoints (with --conversions), --event-log, --paths, "
                                  "--ihc-db or --ihc-journeys")
    if getattr(args, "engine", "duckdb") == "spark":
        return given  # URIs, folders, globs and table names: Spark checks them when it reads
    for role, path in given.items():
        if not (Path(path).is_file() or is_part_file_pattern(path)):
            raise DataValidationError(f"{role.replace('_', '-')} file not found: {path}", file=path)
    return given


def _model_names(args: argparse.Namespace, data) -> list[str]:
    from attribution.models import model_spec, supported_models, unsupported_reason

    if not args.models:
        return supported_models(data)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    for name in names:
        model_spec(name)  # unknown name: ModelError listing the valid ones
        reason = unsupported_reason(name, data)
        if reason:
            raise ModelError(reason)
    return names


def _with_intervals(data, names: list[str], params: dict, args: argparse.Namespace):
    """Every model's credit with bootstrap percentile intervals (``--bootstrap N``), with a progress bar."""
    from tqdm import tqdm

    from attribution.uncertainty import bootstrap

    with tqdm(total=args.bootstrap, desc="bootstrap", unit="replicate", disable=True if args.quiet else None,
              leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        return bootstrap(data, names, n_boot=args.bootstrap, level=args.level, seed=args.seed,
                         model_params=params, progress=progress)


def _channel_report(data, model: str, freq: str | None, params: dict):
    """The channel report of ``model`` (per channel, or per channel and ``freq`` period) with totals;
    ``data`` comes from the dataset, so it carries the dataset's spend."""
    from attribution.reports.channel_report import build_channel_report

    return build_channel_report(data, model, freq, **params.get(model, {})).with_totals()


@subcommand("run", help="run attribution models on files and write CSVs and an HTML report", arguments=_run_args)
def run_attribution(args: argparse.Namespace) -> int:
    """Load the inputs, build journeys, run the models and write the results; returns the exit status."""
    from attribution.engine.load import load
    from attribution.models import MODEL_SPECS, model_spec, run_model, unsupported_reason
    from attribution.models.no_touch import no_touch_note
    from attribution.models.summary import credit_table
    from attribution.reports.channel_report import marked_totals
    from attribution.reports.export import export_decimals, to_safe_csv

    started = time.perf_counter()

    say = status_printer(args.quiet)

    inputs = _inputs(args)
    settings = journey_settings(args)  # bad rules fail now, before the (slow) load
    params = parse_params(args.param)
    for name in (args.models or "").split(","):
        if name.strip():
            model_spec(name.strip())  # an unknown name fails now, before the (slow) load
    say(f"loading {', '.join(Path(p).name for p in inputs.values())} ...")
    spark = None
    if args.engine == "spark":
        from attribution.engine.spark_session import parse_conf, spark_session

        spark = spark_session(master=args.spark_master, conf=parse_conf(args.spark_conf))
    ds = load(**inputs, mappings=_mappings(args.map) or None, name=Path(next(iter(inputs.values()))).name,
              engine=args.engine, spark=spark)
    rejected = int(ds.report.rejected_counts["rows"].sum()) if len(ds.report.rejected_counts) else 0
    say("loaded " + ", ".join(f"{n:,} {t} rows" for t, n in ds.report.tables.items() if t != "rejected")
        + (f"; {rejected:,} rows rejected (see rejected_rows.csv)" if rejected else ""))
    for issue in ds.report.warnings:
        if issue.severity == "warning":
            say(f"warning: {issue.message_for('cli')}" + (f" ({issue.location})" if issue.location else ""))
    settings = journey_settings(args, ds)  # with the dataset's defaults (no lookback for pre-built journeys)
    data = ds.journeys(settings)
    if data.total_conversions == 0:
        raise DataValidationError("no converting journeys under these settings: widen --start/--end or "
                                  "--lookback-days, or pick another --stage")
    note = no_touch_note(data)
    if note:
        say(note)
    names = _model_names(args, data)
    if not args.models:  # every model by default: say which ones the data cannot support, and why
        for name in (n for n in MODEL_SPECS if n not in names):
            say(f"skipping {name}: {unsupported_reason(name, data)}")
    reason = unsupported_reason(args.report_model, data)  # unknown name: ModelError listing the valid ones
    if reason:
        raise ModelError(f"--report-model {args.report_model}: {reason}")
    if args.freq and not data.has_touches:
        raise DataValidationError("--freq needs dated journeys; aggregated paths have none (leave --freq out)")
    unknown = set(params) - set(names) - {args.report_model}
    if unknown:
        raise ModelError(f"--param for model(s) not being run: {', '.join(sorted(unknown))}")
    frames, failures = [], {}
    for name in progress(names, "models", args.quiet):
        try:
            frames.append(run_model(name, data, **params.get(name, {})))
        except ModelError as exc:
            failures[name] = str(exc)
    import pandas as pd

    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if args.bootstrap > 0 and len(results):
        say(f"bootstrapping {args.bootstrap} replicates ...")
        ok = [n for n in names if n not in failures]
        results = _with_intervals(data, ok, {n: p for n, p in params.items() if n in ok}, args)

    files: dict[str, bytes] = {}  # everything is computed before the first file is written
    if len(results):
        files["model_comparison.csv"] = to_safe_csv(results)
        files["credit_conversions.csv"] = to_safe_csv(credit_table(results, "conversions"),
                                                      export_decimals("conversions"))
        files["credit_revenue.csv"] = to_safe_csv(credit_table(results, "revenue"), export_decimals("revenue"))
    if rejected:
        files["rejected_rows.csv"] = to_safe_csv(ds.table("rejected"))
    report = None
    if args.report_model not in failures:
        try:
            report = _channel_report(data, args.report_model, None, params)
            files["channel_report.csv"] = to_safe_csv(marked_totals(report.table))
            if args.freq:
                periodic = _channel_report(data, args.report_model, args.freq, params)
                files[f"channel_report_by_{args.freq}.csv"] = to_safe_csv(marked_totals(periodic.table))
        except ModelError as exc:
            failures[f"{args.report_model} (channel report)"] = str(exc)
    if not args.no_report:
        from attribution.reports.sections import dataset_report

        say("building the HTML report ...")
        html = dataset_report(ds, settings=settings, results=results if len(results) else None, failures=failures,
                              params=params, channel_report=report, level=args.level if args.bootstrap else None)
        files["report.html"] = html.encode("utf-8")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (out / name).write_bytes(payload)
    for name, message in failures.items():
        print(f"warning: model {name} failed: {message}", file=sys.stderr)
    ran = sum(name not in failures for name in names)  # a failed channel report is not a failed model
    print(f"{ran} of {len(names)} models on {data.total_conversions:,.0f} conversions -> "
          f"{len(files)} files in {out} ({time.perf_counter() - started:.1f} s)")
    return EXIT_PARTIAL if failures else EXIT_OK

