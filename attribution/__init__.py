"""Marketing attribution library: load data, build journeys, run attribution and media-mix models.

Never imports streamlit; usable from notebooks and the CLI (``python -m attribution``)::

    import attribution as at
    ds = at.load(touchpoints="tp.csv", conversions="conv.csv", spend="spend.csv")
    j = ds.journeys(lookback_days=30)
    at.compare(j, models=["first_touch", "markov"])
"""
from __future__ import annotations

import importlib

from attribution.engine.base import Dataset
from attribution.engine.duckdb_journeys import build_journeys
from attribution.engine.load import load
from attribution.errors import (
    AttributionError,
    ConvergenceError,
    DataValidationError,
    ModelError,
    OptimisationError,
    OptimizationError,
)
from attribution.ingest import read_paths
from attribution.journeys.data import Journeys, PathData
from attribution.journeys.rules_table import read_channel_rules
from attribution.journeys.settings import ChannelRule, JourneySettings
from attribution.models import (
    MODELS,
    compare,
    ihc_sessions,
    journey_credit,
    logistic_auc,
    logistic_coefficients,
    markov_order_auc,
    removal_effects,
    run_model,
    shapley_by_position,
    transition_matrix,
)
from attribution.models.touch_credit import touch_credit
from attribution.reports.channel_report import (
    ChannelReport,
    build_channel_report,
    channel_report,
    channel_reporting,
    dataset_channel_report,
    with_totals,
)
from attribution.reports.conversion_paths import filter_paths, path_report
from attribution.reports.funnels import funnel, funnel_steps
from attribution.reports.journey_phases import journey_phases
from attribution.simulate import SAMPLE_DIR, SimulatedData, sample_paths, simulate, write_csvs

# Loaded on first use, so `import attribution` stays fast: the media mix and budget code (scipy.optimize),
# the HTML reports (plotly) and the bootstrap. name -> (module, attribute; None for the module itself).
_LAZY = {
    "budget": ("attribution.budget", None),
    "mmm": ("attribution.mmm", None),
    "dataset_report": ("attribution.reports.sections", "dataset_report"),
    "full_report": ("attribution.reports.sections", "full_report"),
    "bootstrap": ("attribution.uncertainty", "bootstrap"),
}


def __getattr__(name: str):
    """The public names of :data:`_LAZY`, imported on first use (then kept as module attributes)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'attribution' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# Earlier public name of journey_phases (the early/mid/late split was called a "stage" split).
stage_split = journey_phases

__all__ = [
    "AttributionError", "ChannelReport", "ChannelRule", "ConvergenceError", "DataValidationError", "Dataset", "Journeys",
    "JourneySettings", "MODELS", "ModelError", "OptimisationError", "OptimizationError", "PathData", "SAMPLE_DIR", "SimulatedData",
    "bootstrap", "budget", "build_channel_report", "build_journeys", "channel_report", "channel_reporting", "compare", "dataset_channel_report", "dataset_report", "full_report",
    "filter_paths", "funnel", "funnel_steps", "mmm", "path_report", "journey_phases", "stage_split", "touch_credit", "with_totals", "ihc_sessions", "journey_credit", "load", "logistic_auc",
    "logistic_coefficients", "markov_order_auc", "read_channel_rules", "read_paths", "removal_effects", "run_model",
    "sample_paths", "shapley_by_position", "simulate", "transition_matrix", "write_csvs",
]
