"""``load``: the Python entry point that reads files into a dataset of an engine."""
from __future__ import annotations

from attribution.engine.base import Dataset
from attribution.engine.duckdb_dataset import create_dataset
from attribution.store.workspace import PUBLIC_OWNER, Workspace


def load(touchpoints=None, conversions=None, spend=None, *, event_log=None, paths=None, ihc_db=None,
         ihc_journeys=None, mappings: dict | None = None, name: str = "dataset",
         workspace: Workspace | None = None, max_bytes: int | None = None) -> Dataset:
    """Load data in any accepted shape and return a :class:`~attribution.engine.base.Dataset`.

    Shapes: separate touchpoints / conversions / spend files (CSV, gzip CSV or Parquet), one event
    log with a conversion flag, aggregated paths (``path;conversions;value;nulls``), the IHC
    challenge SQLite database or IHC API journeys. The data goes into a private in-memory DuckDB
    workspace unless ``workspace`` is given.

    Examples: ``load(touchpoints="tp.csv", conversions="conv.csv", spend="spend.csv")``,
    ``load(event_log="events.csv")``, ``load(paths="paths.csv")``, ``load(ihc_db="challenge.db")``.
    Bad input raises :class:`~attribution.errors.DataValidationError` naming file, column and row.

    Local files have no size cap (``max_bytes=None``; DuckDB bounds the memory). Give ``max_bytes``
    to refuse files larger than that many bytes, counted after gzip decompression (so a small
    archive that inflates a thousand-fold is stopped), as the app does for browser uploads.
    """
    inputs = {k: v for k, v in dict(touchpoints=touchpoints, conversions=conversions, spend=spend,
                                    event_log=event_log, paths=paths, ihc_db=ihc_db,
                                    ihc_journeys=ihc_journeys).items() if v is not None}
    return create_dataset(workspace or Workspace(None), name, PUBLIC_OWNER, source="api",
                          mappings=mappings, max_bytes=max_bytes, **inputs)
