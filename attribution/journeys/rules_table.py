"""Channel grouping rules as a table: read them from a CSV (a marketer's mapping sheet), write them back.

The table has one rule per row, applied in row order: ``group`` (the channel the matches become),
``pattern`` (the text to match), and optionally ``column`` (channel, campaign or interaction;
default channel) and ``match`` (contains, equals, starts_with or regex; default contains).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from attribution.errors import DataValidationError
from attribution.journeys.settings import RULE_COLUMNS, RULE_MATCHES, ChannelRule, check_channel_rules
from attribution.safe_text import neutralise_cell

RULE_TABLE_COLUMNS = ["group", "pattern", "column", "match"]


def rules_frame(rules: tuple[ChannelRule, ...]) -> pd.DataFrame:
    """The rules as a table with the columns of :data:`RULE_TABLE_COLUMNS`, in order."""
    return pd.DataFrame([[r.group, r.pattern, r.column, r.match] for r in rules], columns=RULE_TABLE_COLUMNS)


def read_channel_rules(source) -> tuple[ChannelRule, ...]:
    """Channel rules from a CSV file (path, or ``(name, bytes)`` from an upload) or a DataFrame.

    Raises :class:`DataValidationError` naming the file, the column and the row (1-based, the
    header not counted) with what to fix: missing columns, an empty group or pattern, an unknown
    column or match, or a regular expression DuckDB cannot use.
    """
    name, frame = _frame(source)
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("group", "pattern") if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{name}: no column {' or '.join(repr(c) for c in missing)}. A rules file "
                                  f"has the columns {', '.join(RULE_TABLE_COLUMNS)} (the last two optional).",
                                  file=name, column=missing[0])
    rules = []
    for row, record in enumerate(frame.to_dict("records"), start=1):
        cells = {key: _restored(str(value).strip()) for key, value in record.items()}
        if not any(cells.values()):
            continue  # a blank line in a sheet
        column = (cells.get("column") or "channel").lower()
        match = (cells.get("match") or "contains").lower().replace(" ", "_")
        where = f"{name}, row {row}"
        if column not in RULE_COLUMNS:
            raise DataValidationError(f"{where}: column {column!r} is not one of {', '.join(RULE_COLUMNS)}.",
                                      file=name, column="column", row=row)
        if match not in RULE_MATCHES:
            raise DataValidationError(f"{where}: match {match!r} is not one of {', '.join(RULE_MATCHES)}.",
                                      file=name, column="match", row=row)
        try:
            rule = ChannelRule(cells["group"], cells["pattern"], column, match)
            check_channel_rules((rule,))
        except DataValidationError as err:
            raise DataValidationError(f"{where}: {err}", file=name, row=row) from None
        rules.append(rule)
    if not rules:
        raise DataValidationError(f"{name}: no rules in the file. Put one rule per row under the header "
                                  f"{','.join(RULE_TABLE_COLUMNS)}.", file=name)
    return tuple(rules)


def _frame(source) -> tuple[str, pd.DataFrame]:
    if isinstance(source, pd.DataFrame):
        return "rules table", source.fillna("").astype(str)
    if isinstance(source, tuple):
        name, data = source
    else:
        name, data = Path(source).name, Path(source).read_bytes()
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataValidationError(f"{name}: not UTF-8 text. Save the rules as CSV UTF-8.", file=name) from None
    if not text.strip():
        raise DataValidationError(f"{name}: the file is empty. Put one rule per row under the header "
                                  f"{','.join(RULE_TABLE_COLUMNS)}.", file=name)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python")
    except (pd.errors.ParserError, ValueError) as err:
        raise DataValidationError(f"{name}: not a readable CSV ({err}).", file=name) from None
    return name, frame


def _restored(text: str) -> str:
    """Undo the apostrophe our safe CSV export puts before a formula-like cell."""
    if text.startswith("'") and neutralise_cell(text[1:]) == text:
        return text[1:]
    return text
