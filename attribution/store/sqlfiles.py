"""Load the SQL files in ``attribution/sql`` and fill in whitelisted identifiers.

SQL files take values only as bound parameters (``$name``). The one identifier that varies, the
dataset's schema, is checked against a strict pattern before it is substituted.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_identifier(name: str) -> str:
    """Return ``name`` if it is a safe lower-case SQL identifier, else raise ValueError."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"unsafe SQL identifier {name!r}")
    return name


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (DuckDB and SQLite), any characters allowed: an
    embedded '"' is doubled so the name cannot end the quoting. Used for column and table names
    that come from a user's file; NUL, which no SQL engine accepts in a name, is refused."""
    name = str(name)
    if "\x00" in name:
        raise ValueError(f"a column or table name contains a NUL character: {name!r}")
    return '"' + name.replace('"', '""') + '"'


@cache
def _read(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql(name: str, *, fragments: Mapping[str, str] | None = None,
        expressions: Mapping[str, str] | None = None, **identifiers: str) -> str:
    """The text of ``sql/<name>.sql`` with ``{identifier}`` placeholders filled safely.

    ``fragments`` maps a placeholder to the name of another SQL file, whose text (filled the same
    way) goes in its place: statements are composed only from our own files. ``expressions`` maps
    a placeholder to an expression built in code from whitelisted identifiers and ``$parameters``
    only (never from user text), e.g. the CASE of channel grouping rules.
    """
    parts = {key: sql(file, expressions=expressions, **identifiers) for key, file in (fragments or {}).items()}
    values = {k: check_identifier(v) for k, v in identifiers.items()}
    return _read(name).format(**values, **(expressions or {}), **parts)


@contextmanager
def registered(con, name: str, data) -> Iterator[str]:
    """Expose a DataFrame or Arrow table to ``con``'s SQL as relation ``name`` for the block."""
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)
