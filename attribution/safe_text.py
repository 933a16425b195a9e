"""Text that is safe to hand to a spreadsheet: cells that would run as formulas are neutralised.

This sits at the bottom of the library (with :mod:`attribution.errors`) because both writers
(CSV and Excel exports) and readers (a rules table that was exported and edited) need the rule.
"""
from __future__ import annotations

import re

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
