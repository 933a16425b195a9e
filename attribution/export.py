"""Safe table exports: CSV that spreadsheets cannot execute, and Excel workbooks."""
from __future__ import annotations

import io
import re

import pandas as pd

# A text cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_cell(value):
    """Prefix a text value that a spreadsheet would run as a formula with an apostrophe.

    Numbers, and text that is just a signed number (``-12.5``), are left alone.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes (with BOM so Excel reads accents) safe against formula injection."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel(tables: dict[str, pd.DataFrame]) -> bytes:
    """One .xlsx workbook with a sheet per table (sheet names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        used: set[str] = set()
        for name, frame in tables.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
            while sheet in used:
                sheet = sheet[:28] + f"_{len(used)}"
            used.add(sheet)
            neutralise_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()
