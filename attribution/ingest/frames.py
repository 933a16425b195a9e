"""pandas DataFrames in and out of ingest: read an input file whole, or hand a frame to ``load_into``.

Some inputs are prepared in pandas before they become a dataset (e.g. offline interactions matched
to customers by :mod:`attribution.identity`). :func:`read_frame` reads such a file with the same
format sniffing, size limit, delimiter detection and encoding checks as ingest; :func:`parquet_upload`
turns a frame back into an upload that ``load_into`` validates like any other file.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import duckdb
import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.readers import read_raw
from attribution.ingest.sources import as_source, expanded, sniff_format

REJECTED_COLUMNS = ["file", "row", "reason", "value"]


@dataclass(frozen=True, eq=False)
class FrameRead:
    """A whole file as a DataFrame, plus the lines the CSV reader could not split.

    ``frame``: the file's columns in file order. CSV values are text exactly as written (leading
    zeros of phone numbers kept; empty fields missing); Parquet and JSON keep their own types.
    ``rejected``: ``file, row, reason, value`` (1-based data row, the raw line) for lines with too
    many or too few fields; they are not in ``frame``, so positions after them shift.
    """

    name: str
    frame: pd.DataFrame
    rejected: pd.DataFrame


def read_frame(src, *, max_bytes: int | None = None, encoding: str | None = None,
               delimiter: str | None = None) -> FrameRead:
    """Read a CSV (optionally gzip), Parquet or JSON file into a DataFrame.

    Parameters
    ----------
    src : path, Path, (name, bytes) upload or FileSource
    max_bytes : int, optional
        Largest accepted file size, counted after gzip decompression (a file that expands to more
        is refused once that many bytes have been read). None (the default): no limit, for local
        files (memory is bounded by DuckDB, not by a byte count); the app passes its upload limit
        (``ATTRIBUTION_MAX_UPLOAD_MB``) for browser uploads.
    encoding, delimiter : str, optional
        CSV options ('utf-8' by default, 'latin-1', 'utf-16'; the delimiter is detected when None).

    Returns
    -------
    FrameRead

    Raises
    ------
    DataValidationError
        The file is empty, too big, not valid in the encoding, an SQLite database or unreadable;
        the message names the file and says what to do.
    """
    source = expanded(as_source(src), max_bytes)
    if sniff_format(source) == "sqlite":
        raise DataValidationError(f"{source.name} is an SQLite database; export the table as CSV or Parquet "
                                  "and upload that.", file=source.name)
    con = duckdb.connect()
    try:
        raw = read_raw(con, source, role="table", accept=lambda cols: True,
                       options={"encoding": encoding, "delimiter": delimiter})
        frame = con.execute(f"select * exclude (__row) from {raw.table} order by __row").df()
        rejects = raw.reader_rejects
    finally:
        con.close()
    text = [c for c, t in raw.columns.items() if t == "VARCHAR"]
    frame[text] = frame[text].astype("str")
    if len(rejects):
        rejected = pd.DataFrame({"file": source.name, "row": rejects["row"].astype("int64"),
                                 "reason": rejects["reason"], "value": rejects["value"]})
    else:
        rejected = pd.DataFrame({"file": pd.Series(dtype="str"), "row": pd.Series(dtype="int64"),
                                 "reason": pd.Series(dtype="str"), "value": pd.Series(dtype="str")})
    return FrameRead(source.name, frame, rejected[REJECTED_COLUMNS])


def parquet_upload(frame: pd.DataFrame, name: str) -> tuple[str, bytes]:
    """``frame`` as an in-memory Parquet upload ``(name, bytes)`` for ``load_into``/``create_dataset``.

    The frame's types travel with it (timestamps stay timestamps), and ingest then checks every
    row as it would for an uploaded file. ``name`` should end in ``.parquet``.
    """
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return name, buf.getvalue()
