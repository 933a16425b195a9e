"""Text timestamps on the Spark engine: the DuckDB engine's format detection, parsed in Spark.

Rules (the same as :mod:`attribution.ingest.timestamps`, which decides them):

- A bounded sample of the column (at most ``SAMPLE_ROWS`` non-empty values, chosen by a hash of
  the row's position, so all rows of a smaller input) is collected to the driver and given to
  :func:`~attribution.ingest.timestamps.plan_values`: the majority format family, and whether its
  dates are day or month first.
- Every row is parsed with the majority format first, then with the other families in
  ``FALLBACK_ORDER``; a day/month value in another family is read only when one of its numbers is
  over 12. Two-digit years are 1969-2068, as strptime reads them.
- A value no format reads is rejected with the DuckDB engine's reason text (ambiguous date,
  ambiguous or unknown time zone, or not recognised naming the majority format).

strptime formats become Spark datetime patterns through one table, :data:`STRPTIME_TO_SPARK`
(single pattern letters where Spark would otherwise demand two digits: strptime reads ``5`` for
``%d``). ISO values are read by Spark's own cast (``T``, ``Z`` and ``+01:00`` offsets converted
to UTC); zone abbreviations such as ``EST`` are not read on Spark (the rows are rejected).
"""
from __future__ import annotations

from attribution.engine.spark_session import pyspark_modules
from attribution.errors import DataValidationError
from attribution.ingest import timestamps as tsfmt

#: strptime directive -> Spark (Java DateTimeFormatter) pattern letters, for parsing
STRPTIME_TO_SPARK = {"Y": "yyyy", "y": "yy", "m": "M", "d": "d", "H": "H", "I": "h", "M": "m", "S": "s",
                     "f": "SSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "z": "XX", "j": "D", "%": "%"}
SAMPLE_ROWS = tsfmt.SAMPLE_ROWS


def spark_pattern(fmt: str) -> str:
    """A strptime format (``%d/%m/%Y %H:%M``) as a Spark datetime pattern (``d/M/yyyy H:m``);
    letters outside directives are quoted literals. Unknown directives raise DataValidationError."""
    out, literal, i = [], [], 0

    def flush():
        if literal:
            out.append("'" + "".join(literal).replace("'", "''") + "'")
            literal.clear()

    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code not in STRPTIME_TO_SPARK:
                raise DataValidationError(f"ts_format {fmt!r}: %{code} is not supported by the Spark engine; "
                                          f"use {', '.join('%' + k for k in STRPTIME_TO_SPARK)}")
            flush()
            out.append(STRPTIME_TO_SPARK[code])
            i += 2
        elif ch.isalpha() or ch == "'":
            literal.append(ch)
            i += 1
        else:
            flush()
            out.append(ch)
            i += 1
    flush()
    return "".join(out)


def plan_column(frame, source: str, order: tuple[str, ...]) -> tsfmt.TsPlan:
    """The DuckDB engine's plan for text column ``source`` of ``frame``, from a bounded sample."""
    _, F, _ = pyspark_modules()
    value = F.trim(F.col(f"`{source}`"))
    # a top-k by a hash of the row's position: one pass, a bounded sample, the same on every run
    rows = (frame.where(value.isNotNull()).select(value.alias("v"), F.xxhash64(*order).alias("h"))
            .orderBy("h").limit(SAMPLE_ROWS).collect())
    return tsfmt.plan_values([r["v"] for r in rows])


def _strptime(F, x, formats: list[str]):
    """The first of ``formats`` (strptime) that reads ``x``; ``%y`` years 69-99 are 19xx."""
    parsed = []
    for fmt in formats:
        p = F.try_to_timestamp(x, F.lit(spark_pattern(fmt)))
        if "%y" in fmt:  # Spark reads 'yy' as 2000-2099; strptime as 1969-2068
            p = F.when(F.year(p) >= 2069, p - F.expr("INTERVAL 100 YEARS")).otherwise(p)
        parsed.append(p)
    return F.coalesce(*parsed) if len(parsed) > 1 else parsed[0]


def _with_times(dates: list[str], times=tsfmt._TIMES) -> list[str]:
    return [d + t for d in dates for t in times]


def _dm(F, fam: str, x, day_first: bool | None):
    """A day/month family value; ``day_first=None`` decides per row and leaves ambiguous rows NULL."""
    s = tsfmt._SEP[fam]
    year4 = F.length(F.split_part(F.split_part(x, F.lit(" "), F.lit(1)), F.lit(s), F.lit(3))) == 4

    def read(dfirst: bool):
        a, b = ("%d", "%m") if dfirst else ("%m", "%d")
        return F.when(year4, _strptime(F, x, _with_times([f"{a}{s}{b}{s}%Y"]))).otherwise(
            _strptime(F, x, _with_times([f"{a}{s}{b}{s}%y"])))

    if day_first is not None:
        return read(day_first)
    f1 = F.split_part(x, F.lit(s), F.lit(1)).try_cast("int")
    f2 = F.split_part(x, F.lit(s), F.lit(2)).try_cast("int")
    return F.when(f1 > 12, read(True)).when(f2 > 12, read(False))


def _family(F, fam: str, x, day_first: bool | None = None):
    """``x`` (trimmed text) read in format family ``fam`` as a UTC timestamp, NULL when it is not."""
    if fam == "iso":
        return x.try_cast("timestamp")
    if fam == "ymd_slash":
        return _strptime(F, x, _with_times(["%Y/%m/%d"]))
    if fam in tsfmt._SEP:
        return _dm(F, fam, x, day_first)
    if fam == "compact":
        return _strptime(F, x, ["%Y%m%d"])
    if fam == "text":
        return _strptime(F, x, _with_times(tsfmt._TEXT_DATES, tsfmt._TIMES[:3]))
    # try_cast throughout: inf, 9e18 and other values out of range become NULL (a rejected row)
    micros = 1e6 if fam == "epoch_s" else 1e3
    return F.timestamp_micros((x.try_cast("double") * micros).try_cast("long"))


def parse(F, x, plan: tsfmt.TsPlan):
    """``x`` (trimmed text) as a timestamp under ``plan`` (see the module docstring)."""
    if plan.fmt:
        return _strptime(F, x, [plan.fmt])
    tries = [_family(F, plan.major, x, plan.day_first.get(plan.major))]
    for fam in tsfmt.FALLBACK_ORDER:
        if fam == plan.major:
            continue
        if fam in tsfmt._SEP:
            s = tsfmt._SEP[fam]
            tries.append(F.when(F.split_part(x, F.lit(s), F.lit(1)).try_cast("int") > 12, _dm(F, fam, x, True)))
            tries.append(F.when(F.split_part(x, F.lit(s), F.lit(2)).try_cast("int") > 12, _dm(F, fam, x, False)))
        else:
            tries.append(_family(F, fam, x))
    return F.coalesce(*tries)


def failure_reason(F, x, plan: tsfmt.TsPlan, what: str):
    """The DuckDB engine's reason text for a non-empty value ``x`` (trimmed) that was not parsed."""
    if plan.fmt:
        return F.lit(f"{what} does not match ts_format {plan.fmt!r}")
    ambiguous = (x.rlike(f"^(?:{tsfmt.AMBIGUOUS_DATE_RX})$")
                 & (F.regexp_extract(x, r"^(\d+)", 1).try_cast("int") <= 12)
                 & (F.regexp_extract(x, r"^\d+\D(\d+)", 1).try_cast("int") <= 12))
    word = F.regexp_extract(x, r"\d\s*([A-Za-z][A-Za-z0-9_/+-]*)\s*$", 1)
    return (F.when(ambiguous, F.lit(tsfmt.ambiguous_reason(plan)))
            .when(word.isin(*tsfmt.AMBIGUOUS_ZONES),
                  F.concat(F.lit("time zone "), word, F.lit(tsfmt.AMBIGUOUS_ZONE_TAIL)))
            .when((word != "") & x.rlike(r"^\d{4}-\d"),
                  F.concat(F.lit("time zone "), word, F.lit(tsfmt.UNKNOWN_ZONE_TAIL)))
            .otherwise(F.lit(tsfmt.unrecognised_reason(plan, what))))
