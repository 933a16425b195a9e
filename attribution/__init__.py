"""Marketing attribution library: load data, build journeys, run attribution and media-mix models.

Never imports streamlit; usable from notebooks and the CLI (``python -m attribution``).
"""
from __future__ import annotations

from attribution.errors import (
    AttributionError,
    ConvergenceError,
    DataValidationError,
    ModelError,
    OptimisationError,
)
from attribution.pathdata import Journeys, PathData

__all__ = [
    "AttributionError", "ConvergenceError", "DataValidationError", "ModelError",
    "OptimisationError", "Journeys", "PathData",
]
