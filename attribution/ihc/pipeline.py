"""The IHC challenge pipeline on its SQLite database, as separable steps (one task each in an
orchestrator): read journeys → attribute (our IHC model, or the hosted IHC API) → write
``attribution_customer_journey`` → rebuild ``channel_reporting`` → export it with CPO and ROAS.

The database holds ``session_sources``, ``conversions`` and ``session_costs`` (the challenge
schema); those input tables are only read. Writing replaces earlier results, so a re-run gives the
same tables. A journey is the converting user's sessions at or before the conversion time (a
session starting at the conversion instant is the one it happened in).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.ihc import DB_TABLES
from attribution.store.sqlfiles import sql

RESULT_COLUMNS = ["conversion_id", "session_id", "ihc"]
REPORT_COLUMNS = ["channel_name", "date", "cost", "ihc", "ihc_revenue", "CPO", "ROAS"]
_SESSION_FLAGS = ("holder_engagement", "closer_engagement", "impression_interaction")


@dataclass(frozen=True)
class IHCJourneys:
    """Sessions of each conversion's journey, and what could not become a journey.

    ``sessions``: ``conv_id, user_id, conv_ts, revenue, session_id, ts, channel_name,
    holder_engagement, closer_engagement, impression_interaction`` sorted by conversion and time.
    """

    sessions: pd.DataFrame
    conversions: int
    without_sessions: int
    unreadable_conversions: int
    unreadable_sessions: int

    @property
    def n_journeys(self) -> int:
        """Conversions that have a journey."""
        return int(self.sessions["conv_id"].nunique())


def _params(start: date | None, end: date | None) -> dict[str, str | None]:
    if start and end and start > end:
        raise DataValidationError(f"the date range starts ({start}) after it ends ({end})")
    return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None}


def connect(db_path: str | Path, *, write: bool = False) -> sqlite3.Connection:
    """Open the challenge database (read-only unless ``write``) after checking its input tables."""
    path = Path(db_path)
    if not path.is_file():
        raise DataValidationError(f"IHC database not found: {db_path}", file=str(db_path))
    try:
        # as_uri percent-encodes the path, so '?', '#' or '%2f' in a file name stay part of the name
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode={'rw' if write else 'ro'}", uri=True,
                              isolation_level=None)
        tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise DataValidationError(f"{path.name} is not an SQLite database ({exc})", file=str(db_path)) from None
    for name, required in DB_TABLES.items():
        if name not in tables:
            con.close()
            raise DataValidationError(f"{path.name} has no table {name!r} (tables: {', '.join(sorted(tables)) or 'none'}); "
                                      "the IHC challenge database needs session_sources, conversions and "
                                      "session_costs", file=str(db_path))
        cols = {r[1] for r in con.execute("select * from pragma_table_info(?)", (name,))}
        missing = [c for c in (*required, *(_SESSION_FLAGS if name == "session_sources" else ())) if c not in cols]
        if missing:
            con.close()
            raise DataValidationError(f"{path.name}: table {name} lacks column(s) {', '.join(missing)}",
                                      file=f"{db_path}:{name}", column=missing[0])
    return con


def read_journeys(db_path: str | Path, start: date | None = None, end: date | None = None) -> IHCJourneys:
    """Step 1: the journeys of the conversions dated ``start``..``end`` (inclusive; None = open)."""
    params = _params(start, end)
    con = connect(db_path)
    try:
        sessions = pd.read_sql_query(sql("ihc/journeys"), con, params=params)
        counts = pd.read_sql_query(sql("ihc/conversion_counts"), con, params=params).iloc[0]
    finally:
        con.close()
    for col in ("conv_id", "user_id", "session_id", "channel_name"):
        sessions[col] = sessions[col].astype("str")
    n_conv, unreadable = int(counts["conversions"]), int(counts["unreadable"])
    return IHCJourneys(sessions=sessions, conversions=n_conv,
                       without_sessions=n_conv - unreadable - int(sessions["conv_id"].nunique()),
                       unreadable_conversions=unreadable, unreadable_sessions=int(counts["unreadable_sessions"]))


def journey_touches(sessions: pd.DataFrame) -> pd.DataFrame:
    """The sessions as a ``journey_touches`` table (see :mod:`attribution.journeys.data`) for the models."""
    ts = pd.to_datetime(sessions["ts"], format="ISO8601")
    conv_ts = pd.to_datetime(sessions["conv_ts"], format="ISO8601")
    journey = pd.factorize(sessions["conv_id"])[0].astype(np.int64)
    position = sessions.groupby(journey).cumcount().to_numpy() + 1
    n_touches = np.bincount(journey)[journey]
    # within a journey the previous session is the user's previous session (all earlier ones are in it)
    previous = ts.groupby(journey).shift(1)
    return pd.DataFrame({
        "journey_id": journey, "user_id": sessions["user_id"], "converted": True,
        "revenue": pd.to_numeric(sessions["revenue"], errors="coerce").fillna(0.0).to_numpy(),
        "conversion_ts": conv_ts, "stage": None, "position": position, "n_touches": n_touches,
        "channel": sessions["channel_name"], "ts": ts,
        "hours_to_conversion": ((conv_ts - ts).dt.total_seconds() / 3600.0).to_numpy(),
        "holder_engagement": sessions["holder_engagement"].astype(float).astype(bool).to_numpy(),
        "closer_engagement": sessions["closer_engagement"].astype(float).astype(bool).to_numpy(),
        "hours_since_previous": ((ts - previous).dt.total_seconds() / 3600.0).to_numpy(),
        "conversion_id": sessions["conv_id"], "session_id": sessions["session_id"],
    })


def attribute_local(journeys: IHCJourneys, **params) -> pd.DataFrame:
    """Step 2 (local): our IHC model per session (``conversion_id, session_id, initializer, holder,
    closer, ihc``); ``params`` are those of :func:`attribution.models.ihc.ihc`."""
    from attribution.journeys.data import Journeys
    from attribution.models import ihc_sessions

    touches = journey_touches(journeys.sessions)
    paths = (touches.groupby("journey_id")["channel"].agg(tuple).rename("path").to_frame()
             .assign(revenue=touches.groupby("journey_id")["revenue"].first())
             .groupby("path", as_index=False).agg(conversions=("revenue", "size"), revenue=("revenue", "sum"))
             .assign(nulls=0.0))
    paths["conversions"] = paths["conversions"].astype(float)
    return ihc_sessions(Journeys.from_frames(paths, touches), **params)


def check_results(results: pd.DataFrame, journeys: IHCJourneys) -> None:
    """Every journey has results for exactly its sessions and its ihc values sum to 1."""
    expected = set(zip(journeys.sessions["conv_id"], journeys.sessions["session_id"], strict=True))
    got = set(zip(results["conversion_id"].astype(str), results["session_id"].astype(str), strict=True))
    if len(results) != len(expected) or got != expected:
        raise DataValidationError(f"the attribution results ({len(results):,} rows) do not match the journeys' "
                                  f"{len(expected):,} sessions ({len(expected - got):,} missing, "
                                  f"{len(got - expected):,} unknown); nothing was written")
    sums = results.groupby("conversion_id")["ihc"].sum()
    bad = sums[(sums - 1.0).abs() > 1e-6]
    if len(bad):
        raise DataValidationError(f"ihc does not sum to 1 for {len(bad)} conversion(s), e.g. {bad.index[0]} "
                                  f"({bad.iloc[0]:.6f}); nothing was written")


def _statements(name: str) -> list[str]:
    """The statements of a multi-statement SQL file (no ``;`` inside them), comments dropped."""
    text = "\n".join(line for line in sql(name).splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in text.split(";") if part.strip()]


def write_results(db_path: str | Path, results: pd.DataFrame, start: date | None = None,
                  end: date | None = None) -> int:
    """Steps 3 and 4: replace the ``attribution_customer_journey`` rows of the conversions dated
    ``start``..``end`` (all rows without a range) by ``results``, then rebuild ``channel_reporting``
    from the four tables. One transaction: on any error the database is unchanged. Returns the
    number of rows written to ``attribution_customer_journey``."""
    params = _params(start, end)
    rows = list(results[RESULT_COLUMNS].astype({"ihc": float}).itertuples(index=False, name=None))
    con = connect(db_path, write=True)
    try:
        con.execute("begin immediate")
        con.execute(sql("ihc/create_attribution"))
        con.execute(sql("ihc/create_channel_reporting"))
        con.execute(sql("ihc/delete_attribution"), params)
        con.executemany(sql("ihc/insert_attribution"), rows)
        for statement in _statements("ihc/sort_attribution"):
            con.execute(statement)
        con.execute(sql("ihc/clear_channel_reporting"))
        con.execute(sql("ihc/channel_reporting"))
        con.execute("commit")
    except sqlite3.DatabaseError as exc:
        con.execute("rollback")
        raise DataValidationError(f"could not write the results into {Path(db_path).name}: {exc}. Check that "
                                  "attribution_customer_journey and channel_reporting have the challenge "
                                  "schema (or drop them) and that the file is writable") from None
    finally:
        con.close()
    return len(rows)


def read_channel_reporting(db_path: str | Path, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Step 5: ``channel_reporting`` rows dated ``start``..``end`` plus ``CPO`` = cost / ihc and
    ``ROAS`` = ihc_revenue / cost (empty where the denominator is 0)."""
    params = _params(start, end)
    con = connect(db_path)
    try:
        frame = pd.read_sql_query(sql("ihc/channel_reporting_export"), con, params=params)
    finally:
        con.close()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["CPO"] = np.where(frame["ihc"] > 0, frame["cost"] / frame["ihc"].where(frame["ihc"] > 0), np.nan)
        frame["ROAS"] = np.where(frame["cost"] > 0, frame["ihc_revenue"] / frame["cost"].where(frame["cost"] > 0),
                                 np.nan)
    return frame[REPORT_COLUMNS]
