"""Fixtures for ingest tests: a DuckDB connection with a schema, and a writer of small files."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def con():
    """In-memory DuckDB with an empty schema ``ds``."""
    c = duckdb.connect()
    c.execute("create schema ds")
    yield c
    c.close()


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes) -> path of a new file in tmp_path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return _write
