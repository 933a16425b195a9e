"""Statistics of a staged view in one pass, exact-duplicate detection, and format warnings."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from attribution.ingest import timestamps as tsfmt
from attribution.ingest.readers import RawTable, temp_name
from attribution.ingest.report import Issue
from attribution.store.sqlfiles import quote_identifier, registered

if TYPE_CHECKING:  # validate imports this module
    from attribution.ingest.validate import Field


def view_stats(con, view: str, fields: list[Field], flags: list[str], *, with_hash: bool
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One pass over a staged view: row counts by rejection code, format code and flags.

    With ``with_hash``, the same pass also returns the row hashes (``__h``) that occur more than
    once (duplicate candidates); otherwise the second frame is empty.
    """
    keys = ["__code"]
    keys += [f"__fmt_{f.name}" for f in fields if f.source and f.kind in ("ts", "date")]
    keys += [f"__empty_{f.name}" for f in fields if f.source and f.kind == "number" and f.empty is not None]
    keys += [f"__flag_{name}" for name in flags]
    cols = ", ".join(quote_identifier(k) for k in keys)
    if not with_hash:
        stats = con.execute(f"select {cols}, count(*) as n, min(__row) as first from {view} group by all").df()
        return stats, pd.DataFrame({"__h": []})
    frame = con.execute(
        f"select * from (select grouping(__h) as __g, __h, {cols}, count(*) as n, min(__row) as first "
        f"from {view} group by grouping sets ((__h), ({cols}))) where __g = 1 or n > 1").df()
    return frame[frame["__g"] == 1].drop(columns=["__g", "__h"]), frame.loc[frame["__g"] == 0, ["__h"]]


def duplicates(con, raw: RawTable, candidates: pd.DataFrame) -> str | None:
    """Temp table (__row, __dup_of) of exact duplicate rows after their first copy, or None.

    ``candidates`` holds the row hashes (column ``__h``) seen more than once; rows sharing a hash
    are compared on every column, so hash collisions are not taken for duplicates.
    """
    cols = ", ".join(quote_identifier(c) for c in raw.columns)
    cand = temp_name("dupcand")
    with registered(con, temp_name("df"), candidates[["__h"]]) as df:
        con.execute(f"create temp table {cand} as select __h as h from {df}")
    try:
        dups = temp_name("dups")
        con.execute(f"""
            create temp table {dups} as
            with rows as (select * from {raw.table} where hash({cols}) in (select h from {cand})),
            firsts as (select __row, min(__row) over (partition by {cols}) as first_row from rows)
            select __row, first_row as __dup_of from firsts where __row <> first_row""")
        if con.execute(f"select count(*) from {dups}").fetchall()[0][0] == 0:
            con.execute(f"drop table {dups}")
            return None
        return dups
    finally:
        con.execute(f"drop table if exists {cand}")


def format_issues(ok: pd.DataFrame, file: str, fields: list[Field]) -> list[Issue]:
    """Warnings about time zones and minority timestamp formats, and empty values counted as 0.

    ``ok`` holds the stats rows of accepted rows (see :func:`view_stats`).
    """
    out: list[Issue] = []
    for f in fields:
        if f.source is None:
            continue
        if f.kind in ("ts", "date"):
            by = ok.groupby(f"__fmt_{f.name}").agg(n=("n", "sum"), first=("first", "min"))
            for code, row in by.iterrows():
                n, first = int(row["n"]), int(row["first"])
                if code == 1:
                    msg = (f"{n:,} timestamps in column {f.source!r} had a time zone and were converted to "
                           "UTC")
                    out.append(Issue(file, f.source, first, msg, "info"))
                elif code >= 10:
                    msg = (f"{n:,} values in column {f.source!r} are written as "
                           f"{tsfmt.fallback_label(int(code))}, unlike most rows; they were read in that "
                           f"format (first at row {first}). Check them")
                    out.append(Issue(file, f.source, first, msg, "warning"))
        if f.kind == "number" and f.empty is not None:
            n = int(ok.loc[ok[f"__empty_{f.name}"].astype(bool), "n"].sum())
            if n:
                out.append(Issue(file, f.source, None,
                                 f"{n:,} rows have no {f.name} (column {f.source!r} is empty); counted as "
                                 f"{f.empty}", "info"))
    return out
