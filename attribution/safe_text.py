"""Text that is safe to hand to a spreadsheet: cells that would run as formulas are neutralised.

This sits at the bottom of the library (with :mod:`attribution.errors`) because both writers
(CSV and Excel exports) and readers (a rules table that was exported and edited) need the rule.
"""
from __future__ import annotations

import re
import unicodedata

# A text cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets; the
# full-width forms (＝ ＋ － ＠) are turned into the ASCII ones by spreadsheets with East Asian input.
FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _first_visible(text: str) -> int:
    """Index of the first character that is neither white space (spaces, tabs, CR/LF, NBSP,
    ideographic space ...) nor an invisible format character (zero-width space, BOM); -1 if none."""
    for i, ch in enumerate(text):
        if not (ch.isspace() or unicodedata.category(ch) == "Cf"):
            return i
    return -1


def neutralise_cell(value):
    """Prefix a text value that a spreadsheet would run as a formula with an apostrophe.

    A value is a formula when its first non-blank character is ``=``, ``+``, ``-`` or ``@`` (or
    their full-width forms), after any leading white space, tabs, line breaks, no-break spaces or
    zero-width characters, which spreadsheets skip. Numbers, and text that is just a signed number
    (``-12.5``), are left alone. Line breaks inside a cell are the CSV writer's job: it quotes them.
    """
    if not isinstance(value, str):
        return value
    i = _first_visible(value)
    if i < 0 or value[i] not in FORMULA_TRIGGERS:
        return value
    if i == 0 and _NUMBER.match(value):
        return value
    return "'" + value
