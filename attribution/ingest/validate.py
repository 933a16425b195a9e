"""Cast raw values to canonical types inside DuckDB, with a reason for every rejected row.

:func:`stage` turns a raw relation into a temp table holding the typed canonical columns plus
``__row`` (1-based data row), ``__code`` (NULL when the row is accepted) and, for rejected rows,
``__column``, ``__value`` and ``__reason``. All work is set-based SQL: no Python loops over rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from attribution.ingest import timestamps as tsfmt
from attribution.ingest.readers import RawTable, temp_name
from attribution.ingest.report import Issue

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "REAL")
_SQL_TYPE = {"text": "VARCHAR", "ts": "TIMESTAMP", "date": "DATE", "number": "DOUBLE", "bool": "BOOLEAN"}
YEAR_MIN, YEAR_MAX = 1900, 2200


@dataclass(frozen=True)
class Field:
    """One canonical output column and where it comes from."""

    name: str
    kind: str                   # 'text' | 'ts' | 'date' | 'number' | 'bool'
    source: str | None = None   # raw column; None = not given (``default`` or NULL)
    required: bool = False      # an empty value rejects the row
    nonneg: bool = False        # a negative value rejects the row
    empty: str | None = None    # SQL literal used for an empty value instead of NULL (e.g. '0')
    default: str | None = None  # SQL literal used when the column is not given


@dataclass(frozen=True)
class Check:
    """A role-specific rule over the typed columns: rows where ``cond`` holds are rejected."""

    cond: str
    reason: str          # SQL expression (quote literals)
    column: str | None = None
    value: str = "NULL"  # SQL expression over typed columns


@dataclass
class Staged:
    """Result of :func:`stage`."""

    file: str
    table: str
    n_in: int
    n_ok: int
    n_rejected: int
    issues: list[Issue] = field(default_factory=list)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(s: str | None) -> str:
    """SQL string literal (or NULL)."""
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"


def _base_type(t: str) -> str:
    return t.split("(")[0].strip().upper()


def _empty(s: str, typ: str) -> str:
    # read_csv already turns empty fields into NULL; trim only values that start with a blank
    if typ != "VARCHAR":
        return f"({s} is null)"
    return f"({s} is null or {s} = '' or (left({s}, 1) in (' ', '\t') and trim({s}) = ''))"


def _trimmed(s: str) -> str:
    """``s`` without surrounding blanks, NULL when empty; trims only values that need it."""
    return (f"case when left({s}, 1) in (' ', '\t') or right({s}, 1) in (' ', '\t') "
            f"then nullif(trim({s}), '') else nullif({s}, '') end")


def stage(con, raw: RawTable, fields: list[Field], *, checks: list[Check] = (), ts_format: str | None = None,
          dedupe: bool = True) -> Staged:
    """Type and validate ``raw`` into a temp table; see the module docstring for its columns.

    Parameters
    ----------
    con : DuckDB connection
    raw : RawTable
        Raw relation from :mod:`attribution.ingest.readers`.
    fields : list of Field
        Canonical columns to produce, in order.
    checks : list of Check
        Extra rejection rules, tested after the type checks, in order.
    ts_format : str, optional
        strptime format forced for VARCHAR timestamp/date columns.
    dedupe : bool
        Reject exact duplicate rows (all raw columns equal) except the first, as 'duplicate of row N'.
    """
    issues: list[Issue] = []
    srcs = sorted({f.source for f in fields if f.source})
    alias = {c: f"s{i}" for i, c in enumerate(srcs)}
    types = {c: _base_type(raw.columns[c]) for c in srcs}
    level_a = [f"{_q(c)} as {alias[c]}" for c in srcs]
    level_z, level_p, level_b, conds = [], [], [], []
    for f in fields:
        if f.source is None:
            level_b.append(f"cast({f.default or 'NULL'} as {_SQL_TYPE[f.kind]}) as {_q(f.name)}")
            continue
        s, typ = alias[f.source], types[f.source]
        v = _q(f.name)
        empty = f"({v} is null)" if f.kind == "text" else _empty(s, typ)
        if f.kind == "text":
            level_b.append(f"{_trimmed(s) if typ == 'VARCHAR' else 'cast(' + s + ' as varchar)'} as {v}")
        elif f.kind == "number":
            conv = f"try_cast({s} as double)"  # the cast itself ignores surrounding blanks
            level_b.append(f"case when {empty} then {f.empty or 'NULL'}::double else {conv} end as {v}")
            if f.empty is not None:
                level_b.append(f"{empty} as {_q('__empty_' + f.name)}")
        elif f.kind == "bool":
            conv = (f"coalesce(try_cast({_trimmed(s)} as boolean), try_cast({s} as double) <> 0)"
                    if typ == "VARCHAR" else f"try_cast({s} as double) <> 0")
            level_b.append(f"case when {empty} then NULL else {conv} end as {v}")
        else:
            value, code, plan = _ts_expr(con, raw, f, s, typ, ts_format, level_z, level_p, issues)
            level_b.append(f"{value}{'::date' if f.kind == 'date' else ''} as {v}")
            level_b.append(f"{code} as {_q('__fmt_' + f.name)}")
        if f.required and f.empty is None:
            conds.append((empty, lit(f"missing {f.name} (column {f.source!r} is empty)"), f.source, "NULL"))
        bad = {"number": f"{f.name} is not a number",
               "bool": f"{f.name} is not a yes/no value (use 1/0 or true/false)"}.get(f.kind)
        if f.kind in ("ts", "date"):
            what = "date" if f.kind == "date" else "timestamp"
            reason = (tsfmt.failure_reason(plan, f"trim({s})", what) if plan is not None
                      else lit(f"{what} not recognised"))
            conds.append((f"(not {empty} and {v} is null)", reason, f.source, f"cast({s} as varchar)"))
            conds.append((f"(year({v}) < {YEAR_MIN} or year({v}) >= {YEAR_MAX})",
                          lit(f"implausible {what} (year outside {YEAR_MIN}-{YEAR_MAX - 1})"), f.source,
                          f"cast({s} as varchar)"))
        elif bad:
            conds.append((f"(not {empty} and {v} is null)", lit(bad), f.source, f"cast({s} as varchar)"))
        if f.kind == "number":
            conds.append((f"not isfinite({v})", lit(f"{f.name} is not a finite number"), f.source,
                          f"cast({s} as varchar)"))
            if f.nonneg:
                conds.append((f"{v} < 0", lit(f"negative {f.name}"), f.source, f"cast({s} as varchar)"))
    for c in checks:
        conds.append((c.cond, c.reason, c.column, c.value))
    dup_table = _duplicates(con, raw) if dedupe else None
    if dup_table:
        conds.append(("d.__dup_of is not null", "'duplicate of row ' || __dup_of", None, "NULL"))
    table = temp_name("staged")
    code = "case " + " ".join(f"when {c} then {i}" for i, (c, *_rest) in enumerate(conds)) + " end"
    if not conds:
        code = "cast(NULL as integer)"

    def by_code(pos: int) -> str:
        if not conds:
            return "cast(NULL as varchar)"
        return ("case __code " + " ".join(f"when {i} then {item[pos] if pos != 2 else lit(item[2])}"
                                          for i, item in enumerate(conds)) + " end")

    join = f"left join {dup_table} d using (__row)" if dup_table else ""
    sql = f"""
        create temp table {table} as
        with a as (select __row{''.join(', ' + e for e in level_a)} from {raw.table}),
        z as (select *{''.join(', ' + e for e in level_z)} from a),
        p as (select *{''.join(', ' + e for e in level_p)} from z),
        b as (select *, {', '.join(level_b)} from p),
        c as (select b.*, {code} as __code{', d.__dup_of' if dup_table else ''} from b {join})
        select * exclude ({', '.join(['__row', '__code'] + list(alias.values()) + _p_cols(level_z + level_p)
                                     + (['__dup_of'] if dup_table else []))}),
               __row, __code,
               {by_code(2)} as __column, cast({by_code(3)} as varchar) as __value,
               cast({by_code(1)} as varchar) as __reason
        from c"""
    try:
        con.execute(sql)
    finally:
        if dup_table:
            con.execute(f"drop table if exists {dup_table}")
    n_rej = con.execute(f"select count(*) from {table} where __code is not null").fetchall()[0][0]
    n_reader = len(raw.reader_rejects)
    n_ok = raw.n_rows - n_reader - n_rej
    issues += _format_issues(con, table, raw.file, fields)
    return Staged(raw.file, table, raw.n_rows, n_ok, n_rej + n_reader, issues)


def _p_cols(level_p: list[str]) -> list[str]:
    return [e.rsplit(" as ", 1)[1] for e in level_p]


def _ts_expr(con, raw, f: Field, s: str, typ: str, ts_format, level_z, level_p, issues):
    """(value SQL, format-code SQL, plan or None) for a timestamp/date field."""
    if typ in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"):
        return f"cast({s} as timestamp)", "0", None
    if typ == "TIMESTAMP WITH TIME ZONE":
        return f"({s} at time zone 'UTC')", "1", None
    if typ in _NUMERIC:
        # integers: Unix seconds, or milliseconds when too large to be seconds
        return (f"case when abs({s}) > 100000000000 then make_timestamp(cast({s} as bigint) * 1000) "
                f"else make_timestamp(cast({s} * 1000000 as bigint)) end"), "0", None
    if typ != "VARCHAR":
        s = f"cast({s} as varchar)"
    plan = tsfmt.plan_column(con, raw.table, _q(f.source), raw.n_rows, ts_format)
    if plan.assumed:
        issues.append(Issue(raw.file, f.source, None, plan.assumed + ".", "warning"))
    tz, major, value, code = tsfmt.parse_levels(plan, s, f.name)
    if tz:
        level_z.append(f"{tz} as __tz_{f.name}")
    level_p.append(f"{major} as __p_{f.name}")
    return value, code, plan


def _duplicates(con, raw: RawTable) -> str | None:
    """Temp table (__row, __dup_of) of exact duplicate rows after their first copy, or None."""
    cols = ", ".join(_q(c) for c in raw.columns)
    cand = temp_name("dupcand")
    con.execute(f"create temp table {cand} as select hash({cols}) as h from {raw.table} "
                f"group by h having count(*) > 1")
    try:
        if con.execute(f"select count(*) from {cand}").fetchall()[0][0] == 0:
            return None
        dups = temp_name("dups")
        con.execute(f"""
            create temp table {dups} as
            with rows as (select * from {raw.table} where hash({cols}) in (select h from {cand})),
            firsts as (select __row, min(__row) over (partition by {cols}) as first_row from rows)
            select __row, first_row as __dup_of from firsts where __row <> first_row""")
        return dups
    finally:
        con.execute(f"drop table if exists {cand}")


def _format_issues(con, table: str, file: str, fields: list[Field]) -> list[Issue]:
    """Warnings about time zones and minority timestamp formats, and empty values counted as 0."""
    out: list[Issue] = []
    for f in fields:
        if f.source is None:
            continue
        if f.kind in ("ts", "date"):
            rows = con.execute(f"select {_q('__fmt_' + f.name)} as c, count(*), min(__row) from {table} "
                               f"where __code is null and {_q('__fmt_' + f.name)} > 0 group by c order by c"
                               ).fetchall()
            for code, n, first in rows:
                if code == 1:
                    msg = (f"{n:,} timestamps in column {f.source!r} had a time zone and were converted to "
                           "UTC")
                    out.append(Issue(file, f.source, first, msg, "info"))
                else:
                    msg = (f"{n:,} values in column {f.source!r} are written as "
                           f"{tsfmt.fallback_label(code)}, unlike most rows; they were read in that format "
                           f"(first at row {first}). Check them")
                    out.append(Issue(file, f.source, first, msg, "warning"))
        if f.kind == "number" and f.empty is not None:
            n = con.execute(f"select count(*) from {table} where __code is null and "
                            f"{_q('__empty_' + f.name)}").fetchall()[0][0]
            if n:
                out.append(Issue(file, f.source, None,
                                 f"{n:,} rows have no {f.name} (column {f.source!r} is empty); counted as "
                                 f"{f.empty}", "info"))
    return out
