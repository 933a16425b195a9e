"""Read a JSON file of records (an array of objects, or one object per line) into a raw relation.

Rules, so that every JSON file either loads or is refused saying what it is:

- Encoding: UTF-8 (a leading UTF-8 byte-order mark is dropped), UTF-16 with a byte-order mark
  (recognised by the mark), or the encoding the mapping names (``'cp1252'`` / ``'latin-1'`` for a
  Windows export, ``'utf-16'``); anything but plain UTF-8 is transcoded into a private UTF-8 copy
  first, as CSV files are (:func:`attribution.ingest.sources.as_utf8`). Bytes that are not UTF-8
  without a named encoding give the line and byte, and the option to pass.
- Shape: the records must be objects. An array of numbers or strings, a mix of objects and other
  values, or a single string is refused as "not a list of records". A single object whose one field
  holds the list of records (``{"customer_journeys": [...]}``) is refused naming that field, so the
  user can give the list itself.
- Nested values (objects, lists) inside a record are kept as their JSON text: a column mapped to one
  is then checked like any other text value.
"""
from __future__ import annotations

import codecs

import duckdb

from attribution.errors import DataValidationError
from attribution.ingest.readers import RawTable, _columns, _numbered_view, norm_encoding, temp_name
from attribution.ingest.sources import FileSource, as_utf8, encoding_error, first_invalid_utf8
from attribution.store.sqlfiles import quote_identifier

_SHAPE_HINT = "Give an array of records ([{...}, {...}]) or one record per line."
_NESTED = ("STRUCT", "MAP", "UNION", "JSON")


def _as_utf8_json(src: FileSource, encoding: str | None, role: str) -> FileSource:
    """``src`` as UTF-8 JSON text without a byte-order mark (a private copy when it had to change)."""
    enc = norm_encoding(encoding, src.name)
    if enc == "utf-8" and src.text_head(3).startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"  # DuckDB's JSON reader takes the mark for text and sees one string
    return as_utf8(src, enc, role)[0]


def _is_nested(dtype: str) -> bool:
    return dtype.upper().startswith(_NESTED) or dtype.endswith("]")


def _as_text(col: str, dtype: str) -> str:
    """SQL turning a nested column into text: its JSON, except that a plain string stays that string
    (a column of mixed values is typed JSON, where "B" would otherwise become '"B"')."""
    if dtype.upper() == "JSON":
        return f"case when json_type({col}) = 'VARCHAR' then json_extract_string({col}, '$') else {col}::varchar end"
    return f"to_json({col})::varchar"


def _wrapped_list(columns: dict[str, str], n: int) -> str | None:
    """The field of a single top-level object that holds a list of records, or None."""
    if n != 1:
        return None
    for name, dtype in columns.items():
        if dtype.endswith("[]") and dtype.upper().startswith("STRUCT"):
            return name
    return None


def _count_values(con, src: FileSource) -> int:
    """How many top-level values the file holds (records or not)."""
    return con.execute("select count(*) from read_json_auto(?)", [str(src.path)]).fetchall()[0][0]


def read_json_raw(con, src: FileSource, role: str, encoding: str | None = None) -> RawTable:
    """Load a JSON array of records (or newline-delimited JSON) into a temp table with ``__row``.

    Raises DataValidationError naming the file for undecodable bytes, malformed JSON, values that
    are not records, a list of records wrapped in one object, and a file without records.
    """
    utf8 = _as_utf8_json(src, encoding, role)
    table = temp_name("raw")
    try:
        con.execute(f"create temp table {table} as select * from read_json_auto(?, records = true)",
                    [str(utf8.path)])
    except duckdb.Error as exc:
        # the reader names the private copy it read: never show a server path
        message = str(exc).splitlines()[0].replace(str(utf8.path), src.name).replace(str(src.path), src.name)
        if utf8 is src and first_invalid_utf8(src) is not None:
            raise encoding_error(src, role) from None
        if "non-record JSON" in message and _count_values(con, utf8) == 0:
            raise DataValidationError(f"{src.name} has no records (an empty array). Export the data again.",
                                      file=src.name) from None
        if "non-record JSON" in message:
            raise DataValidationError(
                f"{src.name} is JSON but not a list of records: its values are not objects with named "
                f"fields (such as {{\"conversion_id\": \"c1\", \"channel\": \"Search\"}}). {_SHAPE_HINT}",
                file=src.name) from None
        raise DataValidationError(f"{src.name}: cannot read the JSON ({message.strip()}). {_SHAPE_HINT}",
                                  file=src.name) from None
    n = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if n == 0:
        con.execute(f"drop table {table}")
        raise DataValidationError(f"{src.name} has no records. Export the data again.", file=src.name)
    columns = _columns(con, table)
    wrapped = _wrapped_list(columns, n)
    if wrapped is not None:
        con.execute(f"drop table {table}")
        raise DataValidationError(
            f"{src.name} holds one object whose field {wrapped!r} is the list of records. Give that list "
            "itself (an array of records, [{...}, {...}]) or one record per line.", file=src.name, column=wrapped)
    nested = [c for c, t in columns.items() if _is_nested(t)]
    if nested:
        # kept as JSON text: the checks and casts downstream work on text and numbers
        sets = ", ".join(f"{_as_text(quote_identifier(c), columns[c])} as {quote_identifier(c)}" for c in nested)
        con.execute(f"create or replace temp table {table} as select * replace ({sets}) from {table}")
    cleanup = [f"table {table}"]
    try:
        view = _numbered_view(con, table, [], cleanup, src.name)
    except DataValidationError:
        con.execute(f"drop table if exists {table}")
        raise
    return RawTable(src.name, view, _columns(con, view), n, cleanup=cleanup, ordered=True)
