"""Load input files into a DuckDB schema's canonical tables, with a validation report."""
from __future__ import annotations

import re

import duckdb
import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest import ihc, paths, tables
from attribution.ingest.context import CANONICAL_DDL, LoadContext
from attribution.ingest.mapping import ROLES
from attribution.ingest.report import REJECTED_DDL, IngestReport, Issue, rejected_counts, sort_issues
from attribution.ingest.sources import as_source, expanded

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_MAIN = ("touchpoints", "event_log", "paths", "ihc_db", "ihc_journeys")


def load_into(con, schema: str, *, touchpoints=None, conversions=None, spend=None, event_log=None,
              paths=None, ihc_db=None, ihc_journeys=None, mappings: dict[str, dict] | None = None,
              max_bytes: int | None = None, path_separator: str | None = None,
              ihc_all_converted: bool | None = None, dedupe: bool = True) -> IngestReport:
    """Validate input files and (re)create the canonical tables in ``schema``.

    Give exactly one main input: ``touchpoints`` (with optional ``conversions``), ``event_log``,
    ``paths``, ``ihc_db`` or ``ihc_journeys``; ``spend`` may accompany any of them. Files are paths
    or uploads ``(name, bytes)``: CSV (optionally gzip), Parquet, JSON, or the IHC SQLite database.

    Creates ``touchpoints``, ``conversions`` and ``spend`` (kind 'journeys') or ``paths`` and
    ``spend`` (kind 'paths'), plus ``rejected``, replacing earlier tables; tables of the other kind
    are dropped. Nothing is changed when a fatal problem is found. ``rejected`` lists every rejected
    input row: ``file, row, column_name, value, reason``, where ``row`` is the 1-based data row (the
    header and blank lines are not counted, so in a CSV without blank lines or quoted line breaks
    the file line is row + 1; for JSON the record's position; for an SQLite table the position in
    rowid order).

    Parameters
    ----------
    con : DuckDB connection
    schema : str
        Existing schema, matching ``^[a-z_][a-z0-9_]*$``.
    mappings : dict, optional
        Role -> {canonical column: source column}, plus options 'encoding', 'delimiter',
        'ts_format'. Columns not given are guessed from their names.
    max_bytes : int, optional
        Largest accepted file size, counted after gzip decompression (a file that expands to more
        is refused once that many bytes have been read). None (the default): no limit, for local
        files (memory is bounded by DuckDB, not by a byte count); the app passes its upload limit
        (``ATTRIBUTION_MAX_UPLOAD_MB``) for browser uploads.
    path_separator : str, optional
        Step separator of aggregated paths (detected when None).
    ihc_all_converted : bool, optional
        IHC journeys: treat every journey as converted. None: only when no row is flagged as a
        conversion (a warning says so).
    dedupe : bool
        Reject exact duplicate rows (every column equal) after their first copy, as 'duplicate of
        row N'. Turning it off saves one hash aggregation over all rows (about a third of the
        time of a 10 M-row load); aggregated path files are never deduplicated.

    Returns
    -------
    IngestReport

    Raises
    ------
    DataValidationError
        A file cannot be used (empty, unreadable, over ``max_bytes``, a required column missing, all
        rows rejected); the message names the file, column and row and says how to fix it.
    """
    if not isinstance(schema, str) or not _SCHEMA_RE.match(schema):
        raise DataValidationError(f"schema name {schema!r} is not allowed: use lower-case letters, digits "
                                  "and '_' (not starting with a digit).")
    given = {k: v for k, v in dict(touchpoints=touchpoints, event_log=event_log, paths=paths, ihc_db=ihc_db,
                                   ihc_journeys=ihc_journeys).items() if v is not None}
    if len(given) != 1:
        what = ", ".join(given) if given else "none"
        raise DataValidationError(
            f"give exactly one main input ({', '.join(_MAIN)}); got {what}. Conversions and spend files go "
            "with touchpoints; an event log, paths file or IHC data stands alone (plus spend).")
    if conversions is not None and touchpoints is None:
        raise DataValidationError("a conversions file needs a touchpoints file (touchpoints=...). For one "
                                  "file holding both, pass it as event_log=.")
    # An empty mapping says nothing: the app sends one for the IHC database, which has no columns to
    # map. Any other name that is not a role is a typo and is refused, empty or not.
    mappings = mappings or {}
    unknown = sorted(set(mappings) - set(ROLES) - {"ihc_db"})
    if mappings.get("ihc_db"):
        raise DataValidationError("the IHC database has fixed tables and no columns to map: "
                                  "drop the 'ihc_db' entry from mappings.")
    mappings = {role: m for role, m in mappings.items() if m and role in ROLES}
    if unknown:
        raise DataValidationError(f"mappings has unknown roles {unknown}; use: {', '.join(ROLES)}.")
    # gzip files are decompressed up front, counting the uncompressed bytes against max_bytes
    srcs = {k: expanded(as_source(v), max_bytes)
            for k, v in {**given, "conversions": conversions, "spend": spend}.items() if v is not None}
    ctx = LoadContext(con, dedupe=dedupe)
    try:
        kind = _load_main(ctx, srcs, mappings, path_separator, ihc_all_converted)
        if "spend" in srcs:
            tables.load_spend(ctx, srcs["spend"], mappings.get("spend"))
        counts = _write(ctx, schema, kind)
    except duckdb.Error as exc:
        # every expected problem is caught above with its own message; this keeps the promise that
        # bad input never surfaces as a raw database error
        names = ", ".join(s.name for s in srcs.values())
        raise DataValidationError(
            f"{names}: the data could not be loaded ({str(exc).splitlines()[0]}). Check the files' format "
            "and the column mapping; if they look right, please report this as a bug.") from exc
    finally:
        _cleanup(ctx)
    q = f'"{schema}"'
    issues = ctx.issues + _cross_checks(con, q, kind, srcs, counts)
    files = pd.DataFrame([{k: v for k, v in f.items() if k != "_raw"} for f in ctx.files],
                         columns=["file", "role", "rows", "loaded", "rejected"])
    return IngestReport(kind=kind, schema=schema, tables=counts,
                        rejected_counts=rejected_counts(con, f"{q}.rejected"),
                        warnings=sort_issues(issues), files=files, mappings=ctx.mappings)


def _load_main(ctx, srcs, mappings, path_separator, ihc_all_converted) -> str:
    if "touchpoints" in srcs:
        tables.load_touchpoints(ctx, srcs["touchpoints"], mappings.get("touchpoints"))
        if "conversions" in srcs:
            tables.load_conversions(ctx, srcs["conversions"], mappings.get("conversions"))
        else:
            ctx.issues.append(Issue(srcs["touchpoints"].name, None, None,
                                    "no conversions file: every journey will be non-converting", "warning"))
        return "journeys"
    if "event_log" in srcs:
        tables.load_event_log(ctx, srcs["event_log"], mappings.get("event_log"))
        return "journeys"
    if "paths" in srcs:
        paths.load_paths(ctx, srcs["paths"], mappings.get("paths"), path_separator)
        return "paths"
    if "ihc_db" in srcs:
        ihc.load_ihc_db(ctx, srcs["ihc_db"], has_spend="spend" in srcs)
        return "journeys"
    ihc.load_ihc_journeys(ctx, srcs["ihc_journeys"], mappings.get("ihc_journeys"), ihc_all_converted)
    return "journeys"


def _write(ctx: LoadContext, schema: str, kind: str) -> dict[str, int]:
    """Create the canonical tables in one transaction; returns their row counts."""
    con, q = ctx.con, f'"{schema}"'
    wanted = ["touchpoints", "conversions", "spend"] if kind == "journeys" else ["paths", "spend"]
    stale = [t for t in ("touchpoints", "conversions", "paths") if t not in wanted]
    reader = []
    for i, f in enumerate(ctx.files):
        raw = f["_raw"]
        if raw is not None and len(raw.reader_rejects):
            name = f"__ingest_reader_rejects_{i}"
            frame = raw.reader_rejects.assign(file=f["file"])[["file", "row", "column_name", "value", "reason"]]
            con.register(name, frame)
            reader.append(name)
    try:
        con.execute("begin transaction")
        own = True
    except duckdb.TransactionException:  # the caller already holds a transaction: use theirs
        own = False
    try:
        for t in stale:
            con.execute(f"drop table if exists {q}.{t}")
        for t in wanted:
            con.execute(f"create or replace table {q}.{t} ({CANONICAL_DDL[t]})")
            for sql in ctx.outputs.get(t, []):
                con.execute(f"insert into {q}.{t} {sql}")
        con.execute(f"create or replace table {q}.rejected ({REJECTED_DDL})")
        for sql in ctx.rejected_selects():
            con.execute(f"insert into {q}.rejected {sql}")
        for name in reader:
            con.execute(f"insert into {q}.rejected select * from {name}")
        if own:
            con.execute("commit")
    except Exception:
        if own:
            con.execute("rollback")
        raise
    finally:
        for name in reader:
            con.unregister(name)
    return {t: con.execute(f"select count(*) from {q}.{t}").fetchall()[0][0] for t in [*wanted, "rejected"]}


def _cleanup(ctx: LoadContext) -> None:
    for obj in ctx.temps:
        kind, name = obj.split()
        ctx.con.execute(f"drop {kind} if exists {name}")
    for raw in ctx.raws:
        raw.drop(ctx.con)


def _cross_checks(con, q: str, kind: str, srcs: dict, counts: dict[str, int]) -> list[Issue]:
    """Warnings that relate two tables: orphan conversions, unknown spend channels, date ranges."""
    out: list[Issue] = []
    spend_file = srcs["spend"].name if "spend" in srcs else None
    if kind == "journeys":
        conv_file = next(srcs[k].name for k in ("conversions", "event_log", "ihc_db", "ihc_journeys",
                                                 "touchpoints") if k in srcs)
        n = con.execute(f"select count(*) from {q}.conversions c where not exists "
                        f"(select 1 from {q}.touchpoints t where t.user_id = c.user_id)").fetchall()[0][0]
        if n:
            out.append(Issue(conv_file, "user_id", None,
                             f"{n:,} conversions belong to users with no touchpoints (their journeys will "
                             "be empty)", "warning"))
        known = f"select distinct channel from {q}.touchpoints"
    else:
        known = f"select distinct unnest(path) as channel from {q}.paths"
    if spend_file and counts.get("spend"):
        rows = con.execute(f"select channel, sum(spend) from {q}.spend where channel not in ({known}) "
                           "group by channel order by 2 desc, 1").fetchall()
        if rows:
            names = ", ".join(repr(r[0]) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            out.append(Issue(spend_file, "channel", None,
                             f"spend has {len(rows)} channel(s) not seen in "
                             f"{'touchpoints' if kind == 'journeys' else 'paths'}: {names} (check the "
                             "spellings; their spend cannot be matched to conversions)", "warning"))
        if kind == "journeys" and counts.get("touchpoints"):
            (s0, s1), (t0, t1) = (con.execute(f"select min(date), max(date) from {q}.spend").fetchall()[0],
                                  con.execute(f"select min(ts)::date, max(ts)::date from {q}.touchpoints"
                                              ).fetchall()[0])
            if s1 < t0 or s0 > t1:
                out.append(Issue(spend_file, "date", None,
                                 f"spend covers {s0} to {s1} but touchpoints cover {t0} to {t1}: the periods do "
                                 "not overlap", "warning"))
    return out
