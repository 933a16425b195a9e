"""Read an uploaded wide media-mix CSV and guess which column plays which role.

A wide file has one row per day or week: a date, the outcome, one spend column per channel and
optional controls. :func:`attribution.mmm.prepare_wide` then checks the chosen columns.
"""
from __future__ import annotations

import csv
import io
import re

import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest import file_size

MAX_BYTES = 50 * 2**20  # 50 MB

_DATE = re.compile(r"date|week|time|day|period|month", re.I)
_TARGET = ("y", "revenue", "sales", "conversions", "kpi", "target", "outcome", "orders")
# Common spend spellings: spend/cost anywhere, Robyn's "_S" suffix, pymc-marketing's x1, x2...
_SPEND = re.compile(r"spend|cost|_s$|^x\d+$", re.I)
_CONTROL = re.compile(r"control|^events?(_|$)|competitor|holiday|promo|price", re.I)


def read_wide_csv(data: bytes, name: str = "upload.csv") -> pd.DataFrame:
    """Parse an uploaded wide CSV (comma, semicolon or tab separated; UTF-8) into a DataFrame.

    Cells stay as read (text where a column is not numeric) so that :func:`prepare_wide` can name
    the first bad cell. Raises :class:`DataValidationError` for an empty, oversized, binary or
    single-column file.
    """
    if len(data) > MAX_BYTES:
        raise DataValidationError(f"{name} is {file_size(len(data))}; a wide media-mix file has one row per "
                                  f"day or week and should be far below {file_size(MAX_BYTES)}", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataValidationError(f"{name} is not UTF-8 text (byte {err.start}); save it as CSV UTF-8",
                                  file=name) from None
    if not text.strip():
        raise DataValidationError(f"{name} is empty; upload a CSV with a header row and one row per period",
                                  file=name)
    try:
        sep = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, na_values=["", "na", "NA", "NaN", "null"],
                            keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as err:
        raise DataValidationError(f"{name} could not be read as CSV: {err}", file=name) from None
    if frame.shape[1] < 3:
        raise DataValidationError(f"{name} has {frame.shape[1]} column(s); a media-mix file needs at least a "
                                  "date, an outcome and one spend column", file=name)
    if frame.empty:
        raise DataValidationError(f"{name} has a header but no rows", file=name)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _is_numeric(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)) and not pd.api.types.is_bool_dtype(values)


def _looks_like_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if _is_numeric(values):
        return False
    parsed = pd.to_datetime(values.astype("string"), errors="coerce", format="mixed", dayfirst=True)
    return bool(parsed.notna().mean() > 0.9)


def guess_wide_roles(frame: pd.DataFrame) -> dict:
    """Best guess of the column roles: ``{"date": str | None, "target": str | None, "channels": [...],
    "controls": [...]}``.

    Only a guess for the user to confirm: the date is the first column named like a date (or that
    parses as dates), the outcome a column named like ``y``/``revenue``/``sales``/``conversions``,
    channels are numeric columns named like spend (``spend``, ``cost``, ``*_S``, ``x1``), controls
    numeric columns named like events, prices or controls.
    """
    cols = list(frame.columns)
    date = next((c for c in cols if _DATE.search(c) and _looks_like_dates(frame[c])), None)
    date = date or next((c for c in cols if _looks_like_dates(frame[c])), None)
    numeric = [c for c in cols if c != date and _is_numeric(frame[c])]
    lower = {c.lower(): c for c in numeric}
    target = next((lower[t] for t in _TARGET if t in lower), None)
    channels = [c for c in numeric if c != target and _SPEND.search(c)]
    controls = [c for c in numeric if c not in (target, *channels) and _CONTROL.search(c)]
    return {"date": date, "target": target, "channels": channels, "controls": controls}
