"""Ingest: every accepted input shape, validated in DuckDB, into the canonical tables of docs/architecture.md §3.

>>> report = load_into(con, "ds1", event_log="events.csv", spend="spend.csv")
>>> report.tables, report.rejected_counts, report.warnings
"""
from __future__ import annotations

from attribution.ingest.load import load_into
from attribution.ingest.mapping import OPTION_KEYS, OPTIONAL, REQUIRED, ROLES, guess_mapping
from attribution.ingest.paths import read_paths
from attribution.ingest.preview import FilePreview, preview
from attribution.ingest.report import IngestReport, Issue
from attribution.ingest.sources import FileSource, as_source, file_size

__all__ = [
    "FilePreview", "FileSource", "IngestReport", "Issue", "OPTIONAL", "OPTION_KEYS", "REQUIRED", "ROLES",
    "as_source", "file_size", "guess_mapping", "load_into", "preview", "read_paths",
]
