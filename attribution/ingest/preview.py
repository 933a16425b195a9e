"""Previews: the first rows of a file, for confirming a column mapping before loading."""
from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from dataclasses import dataclass

import duckdb
import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.json_records import read_json_raw
from attribution.ingest.readers import decode_head, detect_delimiter, norm_encoding, unique_names
from attribution.ingest.sources import (
    as_source,
    as_utf8,
    expanded,
    first_invalid_utf8,
    open_sqlite_readonly,
    sniff_format,
    sqlite_damaged,
)
from attribution.store.sqlfiles import quote_identifier


@dataclass
class FilePreview:
    """The first rows of a file, for confirming a column mapping."""

    name: str
    format: str
    columns: list[str]
    rows: pd.DataFrame
    delimiter: str | None
    encoding_ok: bool
    n_bytes: int


def preview(src, *, max_rows: int = 20, encoding: str | None = None,
            max_bytes: int | None = None) -> FilePreview:
    """Show the first rows of a file without loading it.

    Parameters
    ----------
    src : path, Path, (name, bytes) or FileSource
    max_rows : int
        Rows to show.
    encoding : str, optional
        Text encoding for CSV ('utf-8' by default, 'latin-1', 'utf-16').
    max_bytes : int, optional
        Largest accepted file size, counted after gzip decompression (a file that expands to more
        is refused once that many bytes have been read). None (the default): no limit, for local
        files (memory is bounded by DuckDB, not by a byte count); the app passes its upload limit
        (``ATTRIBUTION_MAX_UPLOAD_MB``) for browser uploads.

    Returns
    -------
    FilePreview
        ``rows`` holds strings for CSV (values as written) and typed values for Parquet/JSON;
        ``encoding_ok`` is False when a CSV/JSON file is not valid in the encoding (checked over the
        whole file for UTF-8).
    """
    src = expanded(as_source(src), max_bytes)
    fmt = sniff_format(src)
    enc = norm_encoding(encoding, src.name)
    if fmt == "csv":
        src, enc = as_utf8(src, enc, "the file")
        text = decode_head(src, enc)
        delim, cols = detect_delimiter(text)
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if r][1:max_rows + 1]
        rows = [(r + [None] * len(cols))[:len(cols)] for r in rows]
        frame = pd.DataFrame(rows, columns=unique_names(cols), dtype="str")
        ok = enc != "utf-8" or first_invalid_utf8(src) is None
        return FilePreview(src.name, fmt, list(frame.columns), frame, delim, ok, src.size)
    if fmt == "sqlite":
        with closing(open_sqlite_readonly(src)) as db:
            try:
                tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
                table = "session_sources" if "session_sources" in tables else (tables or [None])[0]
                cur = db.execute(f"select * from {quote_identifier(table)} limit {int(max_rows)}") if table else None
                frame = (pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype="object")
                         if cur else pd.DataFrame())
            except sqlite3.DatabaseError as exc:
                raise sqlite_damaged(src, exc) from None
        return FilePreview(src.name, fmt, list(frame.columns), frame, None, True, src.size)
    con = duckdb.connect()
    try:
        if fmt == "json":
            # the loader's own reader, so the preview follows the same encoding and shape rules
            raw = read_json_raw(con, src, "the file", encoding=encoding)
            frame = con.execute(f"select * exclude (__row) from {raw.table} limit {int(max_rows)}").df()
        else:
            frame = con.execute(f"select * from read_parquet(?) limit {int(max_rows)}", [str(src.path)]).df()
    except DataValidationError:
        if fmt == "json" and enc == "utf-8" and first_invalid_utf8(src) is not None:
            return FilePreview(src.name, fmt, [], pd.DataFrame(), None, False, src.size)
        raise
    except duckdb.Error as exc:
        raise DataValidationError(f"{src.name}: cannot read the {fmt} file ({str(exc).splitlines()[0]}).",
                                  file=src.name) from None
    finally:
        con.close()
    return FilePreview(src.name, fmt, list(frame.columns), frame, None, True, src.size)


