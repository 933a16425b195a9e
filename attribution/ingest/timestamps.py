"""Timestamp parsing in SQL: detect a column's majority format, parse the rest when unambiguous.

A value's *shape* is the value with digits replaced by '0' and letters by 'a'
('2018-07-22T20:40:41Z' -> '0000-00-00a00:00:00a'). Shapes of a systematic sample decide the
majority format family; every row is parsed with the majority format first and, only when that
fails, with the other families (rows whose day/month order cannot be told are rejected).
"""
from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field

_LETTERS = string.ascii_letters
_SHAPE_TABLE = str.maketrans("0123456789" + _LETTERS, "0" * 10 + "a" * 52)
SAMPLE_ROWS = 20_000

_T = r"( 0{1,2}:00(:00(\.0+)?)?( ?aa)?)?"  # optional time, 12- or 24-hour
_RULES = [
    ("iso", r"^0000-0{1,2}-0{1,2}([ a]0{1,2}:00(:00(\.0+)?)?( ?a| ?aaa|[+-]00(:?00)?)?)?$"),
    ("ymd_slash", rf"^0000/0{{1,2}}/0{{1,2}}{_T}$"),
    ("dm_slash", rf"^0{{1,2}}/0{{1,2}}/(0000|00){_T}$"),
    ("dm_dot", rf"^0{{1,2}}\.0{{1,2}}\.(0000|00){_T}$"),
    ("dm_dash", rf"^0{{1,2}}-0{{1,2}}-(0000|00){_T}$"),
    ("compact", r"^0{8}$"),
    ("text", rf"^(0{{1,2}}[ -]a{{3,9}}[ -]0000|a{{3,9}} 0{{1,2}},? 0000){_T}$"),
    ("epoch_s", r"^0{9,10}(\.0+)?$"),
    ("epoch_ms", r"^0{12,13}$"),
]
_SEP = {"dm_slash": "/", "dm_dot": ".", "dm_dash": "-"}
_TIMES = ["", " %H:%M:%S", " %H:%M", " %H:%M:%S.%f", " %I:%M:%S %p", " %I:%M %p"]
_TEXT_DATES = ["%d %b %Y", "%d-%b-%Y", "%b %d, %Y", "%b %d %Y", "%d %B %Y", "%d-%B-%Y", "%B %d, %Y",
               "%B %d %Y"]
_LABELS = {"iso": "YYYY-MM-DD hh:mm:ss", "ymd_slash": "YYYY/MM/DD", "compact": "YYYYMMDD",
           "text": "day month-name year", "epoch_s": "Unix seconds", "epoch_ms": "Unix milliseconds",
           "custom": "the given ts_format"}
# cheap tests first: most values are 19 characters or fewer and end in a digit (no zone). A value
# that ends in anything but a digit (a zone name, an abbreviation, any trailing text) goes to the
# zone-aware parse, which converts it to UTC or leaves it unparsed: a suffix is never dropped.
_TZ_TEST = ("(length({x}) > 10 and (not (right({x}, 1) between '0' and '9') "
            "or (length({x}) > 19 and (contains(substr({x}, 17), '+') or contains(substr({x}, 17), '-')) "
            r"and regexp_matches({x}, '\d:\d\d(:\d\d(\.\d+)?)?\s*[+-]\d\d(:?\d\d)?\s*$'))))")
#: the trailing word of a value, a candidate zone ('EST', 'Europe/Berlin', 'Z'); '' when none
_ZONE_WORD = r"regexp_extract({x}, '\d\s*([A-Za-z][A-Za-z0-9_/+-]*)\s*$', 1)"
#: zone abbreviations with one meaning, as fixed offsets in minutes east of UTC. An abbreviation
#: names standard or summer time itself (CET is +01:00 even in July), so the offset does not
#: follow daylight saving; zone names (Europe/Berlin) do, through the time-zone database.
ZONE_ABBREVIATIONS = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "CET": 60, "CEST": 120, "MET": 60,
    "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AWST": 480, "ACST": 570, "ACDT": 630,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}
#: abbreviations used for more than one zone (CST: US Central, China, Cuba; IST: India, Ireland,
#: Israel; BST: British Summer, Bangladesh; AST: Atlantic, Arabia): rows using them are rejected
AMBIGUOUS_ZONES = ("CST", "IST", "BST", "AST", "ADT", "ECT", "GST", "SST", "CAT", "EAT", "WAT")


def _zone_sql(x: str) -> str:
    """SQL converting an ISO value with a trailing zone to naive UTC (NULL when the zone is not
    known or is ambiguous). Offsets (+01:00), Z/UTC and zone names go through DuckDB's time-zone
    parse; abbreviations through :data:`ZONE_ABBREVIATIONS`; other upper-case words are refused
    rather than guessed."""
    word = _ZONE_WORD.format(x=x)
    offsets = " ".join(f"when '{k}' then {v}" for k, v in ZONE_ABBREVIATIONS.items())
    base = rf"try_cast(trim(regexp_extract({x}, '^(.*\d)\s*[A-Za-z][A-Za-z0-9_/+-]*\s*$', 1)) as timestamp)"
    ambiguous = ", ".join(f"'{z}'" for z in AMBIGUOUS_ZONES)
    w = word
    offset = rf"regexp_matches({x}, '\d:\d\d(:\d\d(\.\d+)?)?\s*[+-]\d\d(:?\d\d)?\s*$')"
    return (f"case when {w} = '' then (case when {offset} then try_cast({x} as timestamptz) at time zone 'UTC' "
            rf"when regexp_matches(trim({x}), '\d$') then try_cast(trim({x}) as timestamp) end) "
            f"when {w} in ({ambiguous}) then NULL "
            f"when (case {w} {offsets} end) is not null then {base} - to_minutes(case {w} {offsets} end) "
            f"when regexp_full_match({w}, '[A-Z]{{2,5}}') then NULL "
            f"else try_cast({x} as timestamptz) at time zone 'UTC' end")


FALLBACK_ORDER = ["iso", "ymd_slash", "dm_slash", "dm_dot", "dm_dash", "text", "compact"]


def shape_family(shape: str) -> str | None:
    """Format family of a value shape, or None when not recognised."""
    for key, rx in _RULES:
        if re.match(rx, shape):
            return key
    return None


def family_label(fam: str, day_first: bool | None = None, shape: str = "") -> str:
    """Human label of a format family ('DD/MM/YYYY', 'YYYY-MM-DD hh:mm:ss', ...)."""
    if fam in _SEP:
        s = _SEP[fam]
        date = f"DD{s}MM{s}YYYY" if day_first is not False else f"MM{s}DD{s}YYYY"
        if day_first is None:
            date = f"DD{s}MM{s}YYYY or MM{s}DD{s}YYYY"
        return date
    if fam == "iso" and shape and ":" not in shape:
        return "YYYY-MM-DD"
    return _LABELS.get(fam, fam)


@dataclass
class TsPlan:
    """How to parse one VARCHAR timestamp column."""

    major: str
    label: str
    day_first: dict[str, bool | None] = field(default_factory=dict)
    assumed: str | None = None  # set when the day/month order of the majority had to be assumed
    fmt: str | None = None      # explicit strptime format (mapping option ts_format)


def plan_column(con, relation: str, col: str, n_rows: int, fmt: str | None = None) -> TsPlan:
    """Decide the majority format of ``col`` from a systematic sample of ``relation``.

    Parameters
    ----------
    con : DuckDB connection
    relation : str
        Raw relation with the column and ``__row``.
    col : str
        Quoted column identifier.
    n_rows : int
        Rows in the relation (for the sampling step).
    fmt : str, optional
        Explicit strptime format; skips detection.
    """
    if fmt:
        return TsPlan("custom", f"the format {fmt!r}", fmt=fmt)
    step = max(1, n_rows // SAMPLE_ROWS)
    # shapes are computed in Python on the (bounded) sample: DuckDB's translate() is slow here
    values = [r[0] for r in con.execute(
        f"select trim(cast({col} as varchar)) from {relation} where __row % {step} = 0 "
        f"and {col} is not null").fetchall()]
    return plan_values(values)


def plan_values(values: list[str], fmt: str | None = None) -> TsPlan:
    """Decide the majority format from a sample of trimmed, non-null text values (one per row, so
    that the format of most *rows* wins). Used by both engines (see :func:`plan_column`).

    Rules: each value's shape picks a format family; the family with most rows is the majority
    (ISO wins ties); for day/month families a first number over 12 means day first, a second
    number over 12 month first, else dots and dashes are read day first and slashes month first,
    with :attr:`TsPlan.assumed` saying so. No recognised value: ISO.
    """
    if fmt:
        return TsPlan("custom", f"the format {fmt!r}", fmt=fmt)
    counts: dict[str, int] = {}
    maxes: dict[str, list[int]] = {}
    top_shape: dict[str, tuple[int, str]] = {}
    shapes = Counter(v.translate(_SHAPE_TABLE) for v in values if v)
    firsts: dict[str, list[str]] = {}
    for v in values:
        if v and v[:1].isdigit():
            firsts.setdefault(v.translate(_SHAPE_TABLE), []).append(v)
    for shape, n in shapes.items():
        fam = shape_family(shape)
        if fam is None:
            continue
        counts[fam] = counts.get(fam, 0) + n
        m = maxes.setdefault(fam, [0, 0])
        if fam in _SEP:
            for v in firsts.get(shape, []):
                parts = re.split(r"\D", v, maxsplit=2)
                m[0], m[1] = max(m[0], int(parts[0])), max(m[1], int(parts[1]))
        if n > top_shape.get(fam, (0, ""))[0]:
            top_shape[fam] = (n, shape)
    if not counts:
        return TsPlan("iso", _LABELS["iso"])
    major = max(counts, key=lambda k: (counts[k], k == "iso"))
    plan = TsPlan(major, "")
    if major in _SEP:
        f1, f2 = maxes[major]
        if f1 > 12:
            plan.day_first[major] = True
        elif f2 > 12:
            plan.day_first[major] = False
        else:
            # nothing in the data tells day from month: dots and dashes are European (day first),
            # slashes most often US (month first)
            plan.day_first[major] = major != "dm_slash"
            s = _SEP[major]
            other = "%m{s}%d{s}%Y" if plan.day_first[major] else "%d{s}%m{s}%Y"
            plan.assumed = (
                f"dates such as 01{s}02{s}2024 could be day or month first; they were read as "
                f"{family_label(major, plan.day_first[major])}. If that is wrong, set the mapping option "
                f"ts_format='{other.format(s=s)} %H:%M:%S' (or '{other.format(s=s)}' for dates only)")
    plan.label = family_label(major, plan.day_first.get(major), top_shape[major][1])
    return plan


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _formats(dates: list[str]) -> str:
    return "[" + ", ".join(_lit(d + t) for d in dates for t in _TIMES) + "]"


def _dm_parse(fam: str, x: str, day_first: bool | None) -> str:
    """Parse a day/month family; ``day_first=None`` decides per row and leaves ambiguous rows NULL."""
    s = _SEP[fam]
    year4 = f"length(split_part(split_part({x}, ' ', 1), '{s}', 3)) = 4"

    def fmts(dfirst: bool) -> str:
        a, b = ("%d", "%m") if dfirst else ("%m", "%d")
        return (f"case when {year4} then try_strptime({x}, {_formats([f'{a}{s}{b}{s}%Y'])}) "
                f"else try_strptime({x}, {_formats([f'{a}{s}{b}{s}%y'])}) end")

    if day_first is not None:
        return fmts(day_first)
    f1 = f"try_cast(split_part({x}, '{s}', 1) as int)"
    f2 = f"try_cast(split_part({x}, '{s}', 2) as int)"
    return f"case when {f1} > 12 then {fmts(True)} when {f2} > 12 then {fmts(False)} end"


def family_parse(fam: str, x: str, day_first: bool | None = None, tz: str | None = None) -> str:
    """SQL parsing ``x`` (VARCHAR) in family ``fam`` to a naive UTC TIMESTAMP (NULL if not).

    ``tz`` is SQL telling whether the value ends with a time zone (ISO only); by default it is
    tested here.
    """
    if fam == "iso":
        tz = tz or _TZ_TEST.format(x=x)
        return f"case when {tz} then {_zone_sql(x)} else try_cast({x} as timestamp) end"
    x = f"trim({x})"
    if fam == "ymd_slash":
        return f"try_strptime({x}, {_formats(['%Y/%m/%d'])})"
    if fam in _SEP:
        return _dm_parse(fam, x, day_first)
    if fam == "compact":
        return f"try_strptime({x}, '%Y%m%d')"
    if fam == "text":
        return f"try_strptime({x}, [{', '.join(_lit(d + t) for d in _TEXT_DATES for t in _TIMES[:3])}])"
    if fam == "epoch_s":
        # try_cast throughout: inf, 9e18 and other values out of range become NULL (a rejected row)
        return f"make_timestamp(try_cast(try_cast({x} as double) * 1000000 as bigint))"
    if fam == "epoch_ms":
        return f"make_timestamp(try_cast(try_cast({x} as double) * 1000 as bigint))"
    raise ValueError(fam)


def parse_levels(plan: TsPlan, x: str, name: str) -> tuple[str | None, str, str, str]:
    """SQL for one VARCHAR column, in three steps so that nothing is evaluated twice per row.

    Returns ``(tz_sql, major_sql, value_sql, code_sql)``: ``tz_sql`` (or None) becomes column
    ``__tz_{name}``, which ``major_sql`` may use; ``major_sql`` becomes ``__p_{name}``, which
    ``value_sql`` and ``code_sql`` use. Codes: 0 majority format, 1 majority format with a time
    zone, 10+i the i-th family of :data:`FALLBACK_ORDER`, NULL when not parsed.
    """
    p, tzc = f"__p_{name}", f"__tz_{name}"
    if plan.fmt:
        return None, f"try_strptime(trim({x}), {_lit(plan.fmt)})", p, f"case when {p} is not null then 0 end"
    tz = _TZ_TEST.format(x=x) if plan.major == "iso" else None
    major = family_parse(plan.major, x, plan.day_first.get(plan.major), tz=tzc if tz else None)
    fallbacks = [(c, sql) for c, (fam, sql) in _fallbacks(x).items() if fam != plan.major]
    value = f"case when {p} is not null then {p} else coalesce({', '.join(sql for _, sql in fallbacks)}) end"
    major_code = f"case when {tzc} then 1 else 0 end" if tz else "0"
    code = (f"case when {p} is not null then {major_code} "
            + " ".join(f"when ({sql}) is not null then {c}" for c, sql in fallbacks) + " end")
    return tz, major, value, code


def _fallbacks(x: str) -> dict[int, tuple[str, str]]:
    """Format code -> (family, SQL) of every family tried when the majority format fails.

    Day/month families appear twice: day first (when the first number is over 12) and month
    first (when the second is); values where neither tells are left unparsed.
    """
    out: dict[int, tuple[str, str]] = {}
    for i, fam in enumerate(FALLBACK_ORDER):
        if fam in _SEP:
            s, t = _SEP[fam], f"trim({x})"
            out[10 + i] = (fam, f"case when try_cast(split_part({t}, '{s}', 1) as int) > 12 then "
                                f"{_dm_parse(fam, t, True)} end")
            out[30 + i] = (fam, f"case when try_cast(split_part({t}, '{s}', 2) as int) > 12 then "
                                f"{_dm_parse(fam, t, False)} end")
        else:
            out[10 + i] = (fam, family_parse(fam, x))
    return out


def fallback_label(code: int) -> str:
    """Label of the format behind a fallback format code."""
    fam = FALLBACK_ORDER[code % 20 - 10]
    return family_label(fam, code < 30) if fam in _SEP else _LABELS.get(fam, fam)


#: what follows "time zone <word>" in the reason of a row whose zone is ambiguous / not understood
AMBIGUOUS_ZONE_TAIL = (" is ambiguous (it names more than one zone); write an offset such as -06:00 or a zone name "
                       "such as America/Chicago")
UNKNOWN_ZONE_TAIL = (" not understood (write YYYY-MM-DD hh:mm:ss followed by an offset such as +01:00, UTC, an "
                     "abbreviation such as EST or CET, or a zone name such as Europe/Berlin)")
#: a value whose day and month cannot be told apart (both numbers 12 or less), as a full-match regex
AMBIGUOUS_DATE_RX = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}( .*)?"


def ambiguous_reason(plan: TsPlan) -> str:
    """Reason of a rejected row whose day and month order cannot be told."""
    return (f"ambiguous date: day and month order cannot be told (DD/MM/YYYY or MM/DD/YYYY); most rows "
            f"use {plan.label}; write it as YYYY-MM-DD")


def unrecognised_reason(plan: TsPlan, what: str) -> str:
    """Reason of a rejected row whose value is in no known format (``what``: 'timestamp' or 'date')."""
    return f"{what} not recognised (most rows use {plan.label})"


def failure_reason(plan: TsPlan, x: str, what: str) -> str:
    """SQL text of the reason a non-empty value of ``x`` was not parsed."""
    if plan.fmt:
        return _lit(f"{what} does not match ts_format {plan.fmt!r}")
    ambiguous = (f"(regexp_full_match({x}, {_lit(AMBIGUOUS_DATE_RX)}) "
                 rf"and try_cast(regexp_extract({x}, '^(\d+)', 1) as int) <= 12 "
                 rf"and try_cast(regexp_extract({x}, '^\d+\D(\d+)', 1) as int) <= 12)")
    amb, bad = _lit(ambiguous_reason(plan)), _lit(unrecognised_reason(plan, what))
    word = _ZONE_WORD.format(x=x)
    zones = ", ".join(f"'{z}'" for z in AMBIGUOUS_ZONES)
    amb_zone = f"'time zone ' || {word} || {_lit(AMBIGUOUS_ZONE_TAIL)}"
    bad_zone = f"'time zone ' || {word} || {_lit(UNKNOWN_ZONE_TAIL)}"
    return (f"case when {ambiguous} then {amb} when {word} in ({zones}) then {amb_zone} "
            rf"when {word} <> '' and regexp_matches({x}, '^\d{{4}}-\d') then {bad_zone} else {bad} end")
