"""IHC inputs: the challenge SQLite database and the IHC API customer-journey JSON/CSV."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.context import LoadContext
from attribution.ingest.readers import frame_raw
from attribution.ingest.report import Issue
from attribution.ingest.sources import FileSource, open_sqlite_readonly, sniff_format, sqlite_damaged
from attribution.ingest.tables import conversion_fields
from attribution.ingest.validate import Check, Field
from attribution.store.sqlfiles import quote_identifier

DB_TABLES = {
    "session_sources": ["session_id", "user_id", "event_date", "event_time", "channel_name"],
    "conversions": ["conv_id", "user_id", "conv_date", "conv_time", "revenue"],
    "session_costs": ["session_id", "cost"],
}
_INTERACTION = "case {col} when true then 'impression' when false then 'visit' end"


def _read_table(db: sqlite3.Connection, name: str, file: str, tables: list[str]) -> pd.DataFrame | None:
    if name not in tables:
        if name == "session_costs":
            return None
        raise DataValidationError(
            f"{file} has no table {name!r} (tables found: {', '.join(tables) or 'none'}). Is this the IHC "
            "challenge database? It needs session_sources and conversions (session_costs optional).",
            file=file)
    cols = [r[0] for r in db.execute("select name from pragma_table_info(?)", (name,))]
    missing = [c for c in DB_TABLES[name] if c not in cols]
    if missing:
        raise DataValidationError(
            f"{file}: table {name} lacks column(s) {', '.join(missing)} (columns found: {', '.join(cols)}). "
            "The IHC challenge schema is expected.", file=f"{file}:{name}", column=missing[0])
    select = ", ".join(f"cast({quote_identifier(c)} as text)" for c in cols)
    table = quote_identifier(name)
    try:
        # _rowid_ names the row order even where a column is called "rowid"
        rows = db.execute(f"select {select} from {table} order by _rowid_").fetchall()
    except sqlite3.OperationalError:  # WITHOUT ROWID table: keep the stored order
        rows = db.execute(f"select {select} from {table}").fetchall()
    return pd.DataFrame(rows, columns=cols, dtype="object")


def _joined_ts(frame: pd.DataFrame, date: str, time: str) -> pd.Series:
    both = frame[date].fillna("").astype(str) + " " + frame[time].fillna("").astype(str)
    both = both.str.strip()
    return both.where(both != "", None)


def load_ihc_db(ctx: LoadContext, src: FileSource, *, has_spend: bool) -> None:
    """Stage the IHC challenge database: sessions -> touchpoints (with session cost), conversions.

    ``event_date + event_time`` gives the touch time, ``conv_date + conv_time`` the conversion time,
    ``conv_id`` the conversion id. Without a spend file, spend is the sum of session costs per day
    and channel.
    """
    if sniff_format(src) != "sqlite":
        raise DataValidationError(f"{src.name} is not an SQLite database; ihc_db= expects the IHC challenge "
                                  "database (for journey JSON/CSV use ihc_journeys=).", file=src.name)
    with closing(open_sqlite_readonly(src)) as db:
        try:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            sessions = _read_table(db, "session_sources", src.name, tables)
            convs = _read_table(db, "conversions", src.name, tables)
            costs = _read_table(db, "session_costs", src.name, tables)
        except sqlite3.DatabaseError as exc:
            raise sqlite_damaged(src, exc) from None
    sessions["event_date + event_time"] = _joined_ts(sessions, "event_date", "event_time")
    convs["conv_date + conv_time"] = _joined_ts(convs, "conv_date", "conv_time")
    con, name = ctx.con, src.name
    raw = frame_raw(con, sessions, f"{name}:session_sources")
    ctx.raws.append(raw)
    cols = set(sessions.columns)
    fields = [
        Field("user_id", "text", "user_id", required=True),
        Field("ts", "ts", "event_date + event_time", required=True),
        Field("channel", "text", "channel_name", required=True),
        Field("session_id", "text", "session_id", required=True),
        Field("holder_engagement", "bool", "holder_engagement" if "holder_engagement" in cols else None),
        Field("closer_engagement", "bool", "closer_engagement" if "closer_engagement" in cols else None),
        Field("impression", "bool", "impression_interaction" if "impression_interaction" in cols else None),
    ]
    st = ctx.add(ctx.stage(raw, fields), "ihc_db:session_sources", raw)
    cost_join = "cast(NULL as double)"
    if costs is not None and len(costs):
        craw = frame_raw(con, costs, f"{name}:session_costs")
        ctx.raws.append(craw)
        check = Check(f"session_id not in (select session_id from {st.good})",
                      "'no session with this session_id in session_sources'", "session_id", "session_id")
        cst = ctx.add(ctx.stage(craw, [Field("session_id", "text", "session_id", required=True),
                                        Field("cost", "number", "cost", nonneg=True)], checks=[check]),
                      "ihc_db:session_costs", craw)
        cost_join = f"(select c.cost from {cst.good} c where c.session_id = s.session_id)"
    touches = (f"select s.user_id, s.ts, s.channel, NULL, {cost_join} as cost, s.session_id, "
               f"{_INTERACTION.format(col='s.impression')}, s.holder_engagement, "
               f"s.closer_engagement from {st.good} s")
    ctx.output("touchpoints", touches)
    vraw = frame_raw(con, convs, f"{name}:conversions")
    ctx.raws.append(vraw)
    vst = ctx.add(ctx.stage(vraw, conversion_fields({"user_id": "user_id", "ts": "conv_date + conv_time",
                                                      "revenue": "revenue", "conversion_id": "conv_id"})),
                  "ihc_db:conversions", vraw)
    ctx.output("conversions", f"select user_id, ts, revenue, conversion_id, stage from {vst.good}")
    ctx.mappings["ihc_db"] = {"user_id": "user_id", "ts": "event_date + event_time", "channel": "channel_name",
                              "session_id": "session_id", "conversion_id": "conv_id", "revenue": "revenue"}
    if not has_spend and costs is not None and len(costs):
        ctx.output("spend", f"select ts::date, channel, sum(cost), NULL, NULL, NULL from ({touches}) "
                            "where cost is not null group by all order by 1, 2")
        ctx.issues.append(Issue(name, "cost", None, "spend is the sum of session costs per day and channel "
                                "(no spend file given)", "info"))


def load_ihc_journeys(ctx: LoadContext, src: FileSource, mapping: dict | None,
                      all_converted: bool | None) -> None:
    """Stage IHC API customer journeys: each conversion_id is one journey (and its user).

    Converting journeys get a conversion at their last session's time; with ``all_converted=None``
    every journey counts as converted when no row is flagged as a conversion.
    """
    raw, m = ctx.read(src, "ihc_journeys", mapping)
    fields = [
        Field("conversion_id", "text", m.get("conversion_id"), required=True),
        Field("session_id", "text", m.get("session_id"), required=True),
        Field("ts", "ts", m.get("ts"), required=True),
        Field("channel", "text", m.get("channel"), required=True),
        Field("holder_engagement", "bool", m.get("holder_engagement")),
        Field("closer_engagement", "bool", m.get("closer_engagement")),
        Field("conversion", "bool", m.get("conversion")),
        Field("impression", "bool", m.get("impression_interaction")),
        Field("revenue", "number", m.get("revenue"), nonneg=True, empty="0", default="0"),
    ]
    st = ctx.add(ctx.stage(raw, fields, ts_format=(mapping or {}).get("ts_format")), "ihc_journeys", raw)
    interaction = _INTERACTION.format(col="impression")
    ctx.output("touchpoints", f"select conversion_id, ts, channel, NULL, NULL, session_id, {interaction}, "
                              f"holder_engagement, closer_engagement from {st.good}")
    n_flag, n_journeys = ctx.con.execute(
        f"select count(distinct conversion_id) filter (where conversion), count(distinct conversion_id) "
        f"from {st.good}").fetchall()[0]
    if all_converted is None:
        all_converted = n_flag == 0
        if all_converted:
            flag = f"column {m['conversion']!r}" if m.get("conversion") else "a conversion column"
            found = (f"no session is flagged as a conversion ({flag}); every one of the {n_journeys:,} journeys "
                     "was treated as converted, at its last session.")
            # only the library has the parameter: the app and the CLI say what their users can do
            mark = "If some did not convert, mark each converting journey's converting session with 1 in a "
            ctx.issues.append(Issue(
                src.name, m.get("conversion"), None,
                f"{found} Pass ihc_all_converted=False to keep them non-converting", "warning",
                shown_as={"app": f"{found} {mark}conversion column, choose that column in the column mapping "
                                 "and load the file again",
                          "cli": f"{found} {mark}conversion column (--map ihc_journeys.conversion=COLUMN "
                                 "when its name is not guessed)"}))
    having = "" if all_converted else "having bool_or(conversion)"
    ctx.output("conversions", f"select conversion_id, max(ts), max(revenue), conversion_id, NULL "
                              f"from {st.good} group by conversion_id {having}")
