"""Cast raw values to canonical types inside DuckDB, with a reason for every rejected row.

:func:`stage` turns a raw relation into a temp view (a table with ``materialize``, for small
inputs read several times) holding the typed canonical columns (and any ``derived`` ones) plus
``__row`` (1-based data row), ``__code`` (NULL when the row is accepted) and, for rejected rows,
``__column``, ``__value`` and ``__reason``; ``Staged.good`` selects the accepted rows and
``Staged.rejected`` holds the rejected ones. All work is set-based SQL: no Python loops over rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from attribution.errors import DataValidationError
from attribution.ingest import timestamps as tsfmt
from attribution.ingest.readers import RawTable, temp_name
from attribution.ingest.report import Issue
from attribution.ingest.stats import duplicates, format_issues, view_stats
from attribution.store.sqlfiles import quote_identifier

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "REAL")
_SQL_TYPE = {"text": "VARCHAR", "ts": "TIMESTAMP", "date": "DATE", "number": "DOUBLE", "bool": "BOOLEAN"}
YEAR_MIN, YEAR_MAX = 1900, 2200
#: numbers written with a decimal comma: '12', '12,5', ',5', '1.234,5', '1.234.567' (dots group
#: thousands only with a comma after them or more than one group)
DECIMAL_COMMA_RX = r"[+-]?(\d+(,\d*)?|,\d+|\d{1,3}(\.\d{3})+,\d*|\d{1,3}(\.\d{3}){2,})"


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
    temps: list[str] = field(default_factory=list)   # "view name" / "table name" to drop afterwards
    counts: dict[str, int] = field(default_factory=dict)  # accepted rows where each flag holds
    good: str = ""                # SQL relation of the accepted rows (typed columns)
    rejected: str | None = None   # temp table (__row, __column, __value, __reason), None if none


def lit(s: str | None) -> str:
    """SQL string literal (or NULL)."""
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"


def _base_type(t: str) -> str:
    return t.split("(")[0].strip().upper()


def _empty(s: str, typ: str) -> str:
    """SQL: is the raw value missing (NULL, empty or blanks only)?

    ``s < '!'`` holds exactly for strings that are empty or start with a blank or control
    character, so trim() (costly over millions of rows) only runs on those.
    """
    return f"({s} is null or ({s} < '!' and trim({s}) = ''))" if typ == "VARCHAR" else f"({s} is null)"


def _trimmed(s: str) -> str:
    """SQL: the text value trimmed (trim() removes Unicode space separators), NULL when empty.

    trim() is costly over millions of rows, so it only runs on values that may need it: an
    ASCII value (byte length = character length) whose first byte is above the space and whose
    last is not a space has nothing to trim; every other value goes through trim().
    """
    return (f"(case when {s} >= '!' and not ends_with({s}, ' ') and strlen({s}) = length({s}) then {s} "
            f"else nullif(trim({s}), '') end)")


@dataclass
class _Sql:
    """SQL pieces of a staged view, by level (each level may use the columns of the one before)."""

    level_a: list[str] = field(default_factory=list)  # raw columns under short aliases
    level_z: list[str] = field(default_factory=list)  # time-zone flags
    level_p: list[str] = field(default_factory=list)  # majority-format timestamp parses
    level_b: list[str] = field(default_factory=list)  # typed canonical columns
    conds: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # (cond, reason, column, value)


def _field_sql(con, raw: RawTable, f: Field, s: str, typ: str, ts_format: str | None, sql: _Sql,
               issues: list[Issue], commas: set[str]) -> None:
    """Add the typed expression of ``f`` (raw column alias ``s`` of DuckDB type ``typ``) and its
    rejection conditions to ``sql``; ``commas`` holds the columns written with a decimal comma."""
    v = quote_identifier(f.name)
    empty = _empty(s, typ)
    comma, text_value = False, s
    dflt = f"cast({f.empty} as double)" if f.empty is not None else "NULL"
    if f.kind == "text":
        text = _trimmed(s) if typ == "VARCHAR" else f"cast({s} as varchar)"
        sql.level_b.append(f"{text} as {v}")
    elif f.kind == "number":
        # the cast ignores surrounding blanks; only values it rejects are checked for emptiness
        num = f"try_cast({s} as double)"
        comma = typ == "VARCHAR" and f.source in commas
        if comma:
            # with a decimal comma a dot can only group thousands: '1.5' (or '1.500', which could be
            # 1.5 in the other convention) is ambiguous and rejected, never read as 15 or 1500
            num = (f"case when regexp_full_match(trim({s}), '{DECIMAL_COMMA_RX}') "
                   f"then try_cast(replace(replace(trim({s}), '.', ''), ',', '.') as double) end")
            issues.append(Issue(raw.file, f.source, None,
                                f"column {f.source!r} uses a decimal comma (1.234,5); it was read as such",
                                "info"))
        sql.level_b.append(f"coalesce({num}, case when {empty} then {dflt} end) as {v}")
        if f.empty is not None:
            sql.level_b.append(f"({num} is null and {empty}) as {quote_identifier('__empty_' + f.name)}")
    elif f.kind == "bool":
        conv = (f"coalesce(try_cast({s} as boolean), try_cast(trim({s}) as boolean), "
                f"try_cast({s} as double) <> 0)" if typ == "VARCHAR" else f"try_cast({s} as double) <> 0")
        sql.level_b.append(f"{conv} as {v}")
    else:
        value, code, plan, text_value = _ts_expr(con, raw, f, s, typ, ts_format, sql.level_z, sql.level_p,
                                                 issues)
        sql.level_b.append(f"{value}{'::date' if f.kind == 'date' else ''} as {v}")
        sql.level_b.append(f"{code} as {quote_identifier('__fmt_' + f.name)}")
    # conditions test the typed value first so that the emptiness test runs on few rows; text
    # tests the raw value, so that counting rows never computes the trimmed value
    if f.kind != "text" and f.empty is None:
        empty = f"({v} is null and {empty})"
    if f.required and f.empty is None:
        sql.conds.append((empty, lit(f"missing {f.name} (column {f.source!r} is empty)"), f.source, "NULL"))
    bad = {"number": f"{f.name} is not a number",
           "bool": f"{f.name} is not a yes/no value (use 1/0 or true/false)"}.get(f.kind)
    if f.kind in ("ts", "date"):
        what = "date" if f.kind == "date" else "timestamp"
        reason = (tsfmt.failure_reason(plan, f"trim({text_value})", what) if plan is not None
                  else lit(f"{what} not recognised"))
        sql.conds.append((f"({v} is null and not {_empty(s, typ)})", reason, f.source, f"cast({s} as varchar)"))
        sql.conds.append((f"({v} < TIMESTAMP '{YEAR_MIN}-01-01' or {v} >= TIMESTAMP '{YEAR_MAX}-01-01')",
                          lit(f"implausible {what} (year outside {YEAR_MIN}-{YEAR_MAX - 1})"), f.source,
                          f"cast({s} as varchar)"))
    elif bad:
        if f.kind == "number" and comma:
            sql.conds.append((f"({v} is null and contains({s}, '.') and not {_empty(s, typ)})",
                              lit(f"ambiguous number: column {f.source!r} uses a decimal comma, so a dot can only "
                                  "separate thousands (1.234,5); write this value with a comma (1,5) or with "
                                  "thousands and a comma (1.500,0)"), f.source, f"cast({s} as varchar)"))
        sql.conds.append((f"({v} is null and not {_empty(s, typ)})", lit(bad), f.source, f"cast({s} as varchar)"))
    if f.kind == "number":
        sql.conds.append((f"not isfinite({v})", lit(f"{f.name} is not a finite number"), f.source,
                          f"cast({s} as varchar)"))
        if f.nonneg:
            sql.conds.append((f"{v} < 0", lit(f"negative {f.name}"), f.source, f"cast({s} as varchar)"))


def stage(con, raw: RawTable, fields: list[Field], *, checks: list[Check] = (), ts_format: str | None = None,
          dedupe: bool = True, flags: dict[str, str] | None = None, derived: dict[str, str] | None = None,
          materialize: bool = False) -> Staged:
    """Type and validate ``raw`` as a temp view (or table); see the module docstring for its columns.

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
    flags : dict, optional
        Name -> SQL condition over the typed columns; ``Staged.counts[name]`` is the number of
        accepted rows where it holds (for warnings).
    derived : dict, optional
        Name -> SQL expression over the typed columns: extra columns of the staged rows, computed
        once per row, that ``checks`` may use (e.g. the steps of a path).
    materialize : bool
        Store the staged rows in a temp table (in ``__row`` order) instead of a view: for small
        inputs read several times (aggregated paths), where computing the casts once beats
        computing them again in each pass. The default view suits large files read once.
    """
    issues: list[Issue] = []
    srcs = sorted({f.source for f in fields if f.source})
    alias = {c: f"s{i}" for i, c in enumerate(srcs)}
    types = {c: _base_type(raw.columns[c]) for c in srcs}
    sql = _Sql(level_a=[f"{quote_identifier(c)} as {alias[c]}" for c in srcs])
    commas = _decimal_commas(con, raw, sorted({f.source for f in fields if f.kind == "number" and f.source
                                               and types[f.source] == "VARCHAR"}))
    for f in fields:
        if f.source is None:
            sql.level_b.append(f"cast({f.default or 'NULL'} as {_SQL_TYPE[f.kind]}) as {quote_identifier(f.name)}")
        else:
            _field_sql(con, raw, f, alias[f.source], types[f.source], ts_format, sql, issues, commas)
    level_a, level_z, level_p, level_b, conds = sql.level_a, sql.level_z, sql.level_p, sql.level_b, sql.conds
    for c in checks:
        conds.append((c.cond, c.reason, c.column, c.value))
    table = temp_name("staged")
    hash_cols = ", ".join(quote_identifier(c) for c in raw.columns) if dedupe else None
    level_a += [f"hash({hash_cols}) as __h"] if dedupe else []
    base = len(conds)

    def create_view(dup_table: str | None) -> None:
        del conds[base:]
        if dup_table:
            conds.append(("__dup_of is not null", "'duplicate of row ' || __dup_of", None, "NULL"))
        code = ("case " + " ".join(f"when {c} then {i}" for i, (c, *_rest) in enumerate(conds)) + " end"
                if conds else "cast(NULL as integer)")

        def by_code(pos: int) -> str:
            if not conds:
                return "cast(NULL as varchar)"
            return ("case __code " + " ".join(f"when {i} then {item[pos] if pos != 2 else lit(item[2])}"
                                              for i, item in enumerate(conds)) + " end")

        join = f"left join {dup_table} d using (__row)" if dup_table else ""
        extra = "".join(f", {expr} as {quote_identifier(name)}" for name, expr in (derived or {}).items())
        flag_cols = [f"({sql}) as {quote_identifier('__flag_' + name)}" for name, sql in (flags or {}).items()]
        drop = ["__row", "__code", *alias.values(), *_p_cols(level_z + level_p)]
        drop += ["__dup_of"] if dup_table else []
        # a view by default: writing 10 M typed rows twice (stage, then final) costs more than
        # evaluating the casts once more in the final insert. A table keeps __row order (a join
        # or an unordered source needs the sort)
        order = " order by __row" if materialize and (dup_table or not raw.ordered) else ""
        con.execute(f"""
            create or replace temp {'table' if materialize else 'view'} {table} as
            with a as (select __row{''.join(', ' + e for e in level_a)} from {raw.table}),
            z as (select *{''.join(', ' + e for e in level_z)} from a),
            p as (select *{''.join(', ' + e for e in level_p)} from z),
            b as (select *, {', '.join(level_b + flag_cols)} from p),
            c as (select b.*{', d.__dup_of' if dup_table else ''}{extra} from b {join}),
            e as (select *, {code} as __code from c)
            select * exclude ({', '.join(drop)}), __row, __code,
                   {by_code(2)} as __column, cast({by_code(3)} as varchar) as __value,
                   cast({by_code(1)} as varchar) as __reason
            from e{order}""")

    create_view(None)
    temps = [f"{'table' if materialize else 'view'} {table}"]
    # one pass gives the counts for the report and the hashes that occur more than once
    stats, candidates = view_stats(con, table, fields, list(flags or {}), with_hash=dedupe)
    if len(candidates):
        dup_table = duplicates(con, raw, candidates)
        if dup_table:
            temps.append(f"table {dup_table}")
            create_view(dup_table)
            stats, _ = view_stats(con, table, fields, list(flags or {}), with_hash=False)
    n_rej = int(stats.loc[stats["__code"].notna(), "n"].sum())
    n_reader = len(raw.reader_rejects)
    n_ok = raw.n_rows - n_reader - n_rej
    ok = stats[stats["__code"].isna()]
    counts = {name: int(ok.loc[ok["__flag_" + name].astype(bool), "n"].sum()) for name in (flags or {})}
    issues += format_issues(ok, raw.file, fields)
    good, rejected = table, None
    if n_rej:
        rejected = temp_name("rejected")
        temps.insert(0, f"table {rejected}")
        # a WHERE on __code would be pushed into the view and re-evaluate every cast several times;
        # an aggregate FILTER is not, so the rejected rows are collected that way, then anti-joined
        con.execute(f"""
            create temp table {rejected} as
            select unnest(l, recursive := true) from (
                select list({{'__row': __row, '__column': __column, '__value': __value,
                              '__reason': __reason}}) filter (where __code is not null) as l
                from {table})""")
        good = (f"(select * from {table} where __code is null)" if materialize else
                f"(select v.* from {table} v anti join {rejected} r on v.__row = r.__row)")
    return Staged(raw.file, table, raw.n_rows, n_ok, n_rej + n_reader, issues, temps, counts, good, rejected)


def _p_cols(level_p: list[str]) -> list[str]:
    return [e.rsplit(" as ", 1)[1] for e in level_p]


def _decimal_commas(con, raw: RawTable, cols: list[str]) -> set[str]:
    """The text columns among ``cols`` where most sampled values use a decimal comma ('12,5',
    '1.234,56').

    '1,234' alone could be a thousands separator: when every comma has exactly three digits after
    it, a decimal comma is only assumed in files not separated by commas. A first pass counts the
    sampled values and those with a comma for every column; only columns where at least half have
    one are parsed in a second pass.
    """
    step = max(1, raw.n_rows // tsfmt.SAMPLE_ROWS)
    sample = f"from {raw.table} where __row % {step} = 0"
    qs = {c: quote_identifier(c) for c in cols}
    # an ASCII value starting above the space is not blank: trim() only runs on the others
    given = {c: f"{q} is not null and (({q} >= '!' and strlen({q}) = length({q})) or trim({q}) <> '')"
             for c, q in qs.items()}
    counts = con.execute("select " + ", ".join(
        f"count(*) filter (where {given[c]}), count(*) filter (where contains({q}, ','))" for c, q in qs.items())
        + f" {sample}").fetchall()[0] if cols else ()
    maybe = [c for i, c in enumerate(cols) if counts[2 * i] and counts[2 * i + 1] >= counts[2 * i] / 2]
    if not maybe:
        return set()
    parts = []
    for c in maybe:
        q = qs[c]
        parts += [f"count(*) filter (where {given[c]})",
                  f"count(try_cast(replace(replace({q}, '.', ''), ',', '.') as double)) "
                  f"filter (where contains({q}, ','))",
                  rf"count(*) filter (where regexp_matches(trim({q}), ',\d{{3}}$'))"]
    row = con.execute(f"select {', '.join(parts)} {sample}").fetchall()[0]
    out = set()
    for i, c in enumerate(maybe):
        n, commas, three = row[3 * i: 3 * i + 3]
        if commas >= n / 2 and (commas > three or raw.delimiter not in (",", None)):
            out.add(c)
    return out


def _number_text(x: str) -> str:
    """SQL: a number as the text it is written as (whole floats without '.0')."""
    return (f"(case when isfinite({x}) and {x} = round({x}) and abs({x}) < 1e15 "
            f"then cast(cast({x} as bigint) as varchar) else cast({x} as varchar) end)")


def _ts_expr(con, raw, f: Field, s: str, typ: str, ts_format, level_z, level_p, issues):
    """(value SQL, format-code SQL, plan or None, the value as text SQL) for a timestamp/date field.

    Timestamp and date columns are taken as they are; text and numbers go through format detection
    (numbers as the text they print as); any other type (true/false, lists, binary) is refused.
    """
    if typ in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"):
        return f"cast({s} as timestamp)", "0", None, s
    if typ == "TIMESTAMP WITH TIME ZONE":
        return f"({s} at time zone 'UTC')", "1", None, s
    if typ in _NUMERIC:
        # numbers are read as the text they print as, so the same shape rules decide between
        # YYYYMMDD dates (20240105), Unix seconds and milliseconds, and refuse the rest (inf, 9e18);
        # whole floats print without their '.0'
        s, col_text = _number_text(s), _number_text(quote_identifier(f.source))
    elif typ == "VARCHAR":
        col_text = quote_identifier(f.source)
    else:
        kind = "dates or times" if f.kind == "ts" else "dates"
        raise DataValidationError(
            f"{raw.file}: column {f.source!r} holds {typ} values, not {kind}, so it cannot be the {f.name} column. "
            f"Choose the column that holds the {kind} (in the mapping, {f.name}: '<column name>').",
            file=raw.file, column=f.source)
    if ts_format:
        try:
            con.execute("select try_strptime('2000-01-01', ?)", [ts_format]).fetchall()
        except duckdb.Error as exc:
            raise DataValidationError(
                f"{raw.file}: the ts_format {ts_format!r} for column {f.source!r} is not a valid format "
                f"({str(exc).splitlines()[0].split(': ', 1)[-1]}). Use strptime codes such as '%Y-%m-%d %H:%M:%S' "
                "or '%d/%m/%Y', or leave ts_format out to detect the format.", file=raw.file, column=f.source) from None
    plan = tsfmt.plan_column(con, raw.table, col_text, raw.n_rows, ts_format)
    if plan.assumed:
        issues.append(Issue(raw.file, f.source, None, plan.assumed + ".", "warning"))
    tz, major, value, code = tsfmt.parse_levels(plan, s, f.name)
    if tz:
        level_z.append(f"{tz} as __tz_{f.name}")
    level_p.append(f"{major} as __p_{f.name}")
    return value, code, plan, s


