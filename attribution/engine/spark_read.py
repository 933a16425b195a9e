"""Read and validate the Spark engine's inputs: files, part-file folders, URIs or Spark tables.

Everything runs inside Spark; nothing but counts and a sample of rejected rows reaches the driver.

Sources (:func:`read_source`): a Spark DataFrame; a Spark table name (``db.table``) that exists in
the catalogue; or any path Spark reads (local, ``file://``, ``hdfs://``, ``s3a://``), a file, a
folder of part files or a glob. The format comes from the name (``.parquet``; ``.csv``, ``.csv.gz``,
``.txt``, ``.tsv``), for a local folder from the files in it, else Parquet. CSV is read as text
(header row, the mapping's ``delimiter`` and ``encoding``) and typed here, as the DuckDB engine does.

Validation (:func:`stage`) applies the same :class:`~attribution.ingest.validate.Field` specs as
the DuckDB engine: a required value that is empty, a value that is not a number / yes-no value /
timestamp, a non-finite or (where the field says so) negative number, a timestamp outside the years
1900-2199, an exact duplicate of an earlier row, or a CSV row that does not parse rejects the row,
with the first failing reason. Rows keep their input order in ``__file, __block, __row`` (file
path, split offset, position), which breaks ties between simultaneous touches: by file name, then
row in the file, as the DuckDB engine does with its row numbers.

Differences from DuckDB, stated so nobody is surprised: text timestamps are read in ISO 8601 form
(``2024-01-05 10:00:00``, ``T``, ``Z`` and ``+01:00`` offsets converted to UTC) or with the mapping's
``ts_format`` (a strptime format, translated to Spark's pattern); day-first and other forms need
``ts_format``. Numbers use a decimal point. Rejected rows name file, column and value; their row
number within a split file is not known (``row`` is NULL).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from attribution.engine.spark_session import pyspark_modules
from attribution.errors import DataValidationError
from attribution.ingest.validate import YEAR_MAX, YEAR_MIN, Field

ORDER_COLUMNS = ("__file", "__block", "__row")
REJECTED_COLUMNS = ("file", "row", "column_name", "value", "reason")
_TABLE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*){0,2}$")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".gz")
_CORRUPT = "__corrupt_record"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
# strptime directive -> Spark (Java DateTimeFormatter) pattern letters
_STRPTIME = {"Y": "yyyy", "y": "yy", "m": "MM", "d": "dd", "H": "HH", "I": "hh", "M": "mm", "S": "ss",
             "f": "SSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "z": "XX", "j": "DDD", "%": "%"}


def source_label(source) -> str:
    """How a source is named in messages: its path or table name, or "DataFrame"."""
    return str(source) if isinstance(source, str | os.PathLike) else "DataFrame"


def read_source(spark, source, options: dict | None = None):
    """The raw rows of one source as a Spark DataFrame plus the order columns (see module docstring)."""
    sql, F, _ = pyspark_modules()
    options = options or {}
    if isinstance(source, sql.DataFrame):
        frame = source
    elif not isinstance(source, str | os.PathLike):
        raise DataValidationError(f"the Spark engine reads a path, a URI, a table name or a Spark DataFrame; "
                                  f"got {type(source).__name__}")
    else:
        text = os.fspath(source)
        if _is_table(spark, text):
            frame = spark.table(text)
        else:
            frame = _read_files(spark, text, options)
    return _with_order(frame, F)


def _is_table(spark, text: str) -> bool:
    if not _TABLE_NAME.match(text) or Path(text).exists() or text.lower().endswith((*_CSV_SUFFIXES, ".parquet")):
        return False
    try:
        return bool(spark.catalog.tableExists(text))
    except Exception:  # an unusable catalogue name is simply not a table
        return False


def file_format(text: str) -> str:
    """"csv" or "parquet" for a path, URI, folder or glob (see the module docstring)."""
    name = text.rstrip("/").lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    local = Path(text.removeprefix("file://"))
    if "://" not in text.replace("file://", "") and local.is_dir():
        names = [p.name.lower() for p in local.iterdir() if not p.name.startswith(("_", "."))]
        if names and all(n.endswith(_CSV_SUFFIXES) for n in names):
            return "csv"
    return "parquet"


def _read_files(spark, text: str, options: dict):
    fmt = file_format(text)
    try:
        if fmt == "parquet":
            return spark.read.parquet(text)
        reader = spark.read.option("header", True).option("inferSchema", False).option("mode", "PERMISSIVE")
        # RFC 4180 quoting: a quote inside a quoted field is doubled ("")
        reader = reader.option("sep", options.get("delimiter") or ",").option("encoding", options.get("encoding") or "UTF-8")
        reader = reader.option("quote", '"').option("escape", '"')
        header = reader.csv(text).schema
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(f.name, StringType()) for f in header.fields]
                            + [StructField(_CORRUPT, StringType())])
        return reader.option("columnNameOfCorruptRecord", _CORRUPT).schema(schema).csv(text)
    except Exception as exc:
        if type(exc).__name__ in ("AnalysisException", "IllegalArgumentException", "Py4JJavaError"):
            raise DataValidationError(f"{text}: Spark cannot read it as {fmt} ({str(exc).splitlines()[0]}); "
                                      "check the path, the URI scheme and the file format", file=text) from exc
        raise


def _with_order(frame, F):
    try:  # resolving the hidden _metadata column fails for sources that are not files
        frame.select("_metadata.file_path", "_metadata.file_block_start")
        file_col, block_col = F.col("_metadata.file_path"), F.col("_metadata.file_block_start")
    except Exception:  # not a file source (e.g. an in-memory table): input order only
        file_col, block_col = F.lit(""), F.lit(0).cast("long")
    return frame.select("*", file_col.alias("__file"), block_col.alias("__block"),
                        F.monotonically_increasing_id().alias("__row"))


def spark_pattern(fmt: str) -> str:
    """A strptime format (``%d/%m/%Y %H:%M``) as a Spark datetime pattern (``dd/MM/yyyy HH:mm``)."""
    out, literal, i = [], [], 0

    def flush():
        if literal:
            out.append("'" + "".join(literal).replace("'", "''") + "'")
            literal.clear()

    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code not in _STRPTIME:
                raise DataValidationError(f"ts_format {fmt!r}: %{code} is not supported by the Spark engine; "
                                          f"use {', '.join('%' + k for k in _STRPTIME)}")
            flush()
            out.append(_STRPTIME[code])
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


def stage(frame, fields: list[Field], file: str, *, ts_format: str | None = None, dedupe: bool = True):
    """``(good, rejected, counts)``: typed canonical columns of the accepted rows (plus the order
    columns) and the rejected rows (:data:`REJECTED_COLUMNS`), both Spark DataFrames, and the row
    counts by reason (None for the accepted rows) from one pass (see the module docstring)."""
    _, F, W = pyspark_modules()
    types = dict(frame.dtypes)
    typed, conditions = [], []
    if _CORRUPT in frame.columns:
        conditions.append((F.col(_CORRUPT).isNotNull(), "the row does not parse as CSV (quoting or column count)",
                           None, F.col(_CORRUPT)))
    for f in fields:
        if f.source is None:
            value = F.lit(None) if f.default is None else F.lit(f.default)
            typed.append(value.cast(_SPARK_TYPE[f.kind]).alias(f.name))
            continue
        value, failures = _field(F, f, types[f.source], ts_format)
        typed.append(value.alias(f.name))
        conditions += failures
    raw_columns = [c for c in frame.columns if c not in (*ORDER_COLUMNS, _CORRUPT)]
    if dedupe and raw_columns:
        by_row = W.Window.partitionBy(*[F.col(f"`{c}`") for c in raw_columns]).orderBy(*ORDER_COLUMNS)
        frame = frame.withColumn("__copy", F.row_number().over(by_row))
        conditions.append((F.col("__copy") > 1, "duplicate of an earlier row", None, F.lit(None)))
    reason = column = value = None
    for cond, why, col, raw in reversed(conditions):   # the first failing condition wins
        reason = F.when(cond, F.lit(why)) if reason is None else F.when(cond, F.lit(why)).otherwise(reason)
        column = F.when(cond, F.lit(col)) if column is None else F.when(cond, F.lit(col)).otherwise(column)
        value = (F.when(cond, raw.cast("string")) if value is None
                 else F.when(cond, raw.cast("string")).otherwise(value))
    checked = frame.select(*typed, *ORDER_COLUMNS,
                           (reason if reason is not None else F.lit(None).cast("string")).alias("__reason"),
                           (column if column is not None else F.lit(None).cast("string")).alias("__column"),
                           (value if value is not None else F.lit(None).cast("string")).alias("__value"))
    # checked once, kept: the counts, the rejected sample and every journey build read it
    checked = checked.persist()
    good = checked.where(F.col("__reason").isNull()).drop("__reason", "__column", "__value")
    rejected = checked.where(F.col("__reason").isNotNull()).select(
        F.lit(file).alias("file"), F.lit(None).cast("long").alias("row"), F.col("__column").alias("column_name"),
        F.col("__value").alias("value"), F.col("__reason").alias("reason"))
    counts = {r["__reason"]: int(r["count"]) for r in checked.groupBy("__reason").count().collect()}
    return good, rejected, counts


_SPARK_TYPE = {"text": "string", "ts": "timestamp", "date": "date", "number": "double", "bool": "boolean"}


def _field(F, f: Field, dtype: str, ts_format: str | None):
    """The typed value of one field and its ``(condition, reason, column, raw value)`` failures."""
    raw = F.col(f"`{f.source}`")
    is_text = dtype == "string"
    trimmed = F.trim(raw) if is_text else raw
    empty = (raw.isNull() | (F.trim(raw) == "")) if is_text else raw.isNull()
    failures = []
    if f.kind == "text":
        value = F.nullif(trimmed, F.lit("")) if is_text else raw.cast("string")
    elif f.kind == "number":
        parsed = trimmed.try_cast("double") if is_text else raw.cast("double")
        fallback = F.lit(float(f.empty)) if f.empty is not None else F.lit(None).cast("double")
        value = F.when(empty, fallback).otherwise(parsed)
        failures.append((~empty & parsed.isNull(), f"{f.name} is not a number", f.source, raw))
        failures.append((F.isnan(value) | (F.abs(value) == float("inf")), f"{f.name} is not a finite number",
                         f.source, raw))
        if f.nonneg:
            failures.append((value < 0, f"negative {f.name}", f.source, raw))
    elif f.kind == "bool":
        if dtype == "boolean":
            value = raw
        elif is_text:
            low = F.lower(trimmed)
            value = (F.when(low.isin(*_TRUE), True).when(low.isin(*_FALSE), False)
                     .otherwise(low.try_cast("double") != 0))
        else:
            value = raw.cast("double") != 0
        failures.append((~empty & value.isNull(), f"{f.name} is not a yes/no value (use 1/0 or true/false)",
                         f.source, raw))
    else:
        value = _timestamp(F, raw, trimmed, dtype, ts_format)
        what = "date" if f.kind == "date" else "timestamp"
        if f.kind == "date":
            value = value.cast("date")
        failures.append((~empty & value.isNull(), f"{what} not recognised", f.source, raw))
        low, high = F.lit(f"{YEAR_MIN}-01-01").cast("timestamp"), F.lit(f"{YEAR_MAX}-01-01").cast("timestamp")
        failures.append(((value.cast("timestamp") < low) | (value.cast("timestamp") >= high),
                         f"implausible {what} (year outside {YEAR_MIN}-{YEAR_MAX - 1})", f.source, raw))
    if f.required and f.empty is None:
        failures.insert(0, (empty, f"missing {f.name} (column {f.source!r} is empty)", f.source, F.lit(None)))
    return value, failures


def _timestamp(F, raw, trimmed, dtype: str, ts_format: str | None):
    """A timestamp from text (ISO 8601, or ``ts_format``), a date/timestamp or a number (YYYYMMDD,
    Unix seconds or milliseconds by magnitude)."""
    if dtype in ("timestamp", "timestamp_ntz", "date"):
        return raw.cast("timestamp")
    if dtype == "string":
        if ts_format:
            return F.try_to_timestamp(trimmed, F.lit(spark_pattern(ts_format)))
        return trimmed.try_cast("timestamp")
    if dtype in ("boolean",):
        return F.lit(None).cast("timestamp")
    number = raw.cast("double")
    compact = F.try_to_timestamp(raw.cast("long").cast("string"), F.lit("yyyyMMdd"))
    return (F.when((number >= 19000101) & (number <= 22001231) & (number == F.floor(number)), compact)
            .when(F.abs(number) < 1e11, F.timestamp_micros((number * 1e6).cast("long")))
            .otherwise(F.timestamp_millis(number.cast("long"))))
