"""The "full report" download: one self-contained HTML file, built only when the button is clicked.

Pages call :func:`report_button`. The report holds the dataset summary, the journey settings, the
model comparison (the page's own results when it passes them, else every model with default
parameters), the channel report, and, when this session has fitted a media-mix model, the fit and
a budget plan: the last scenario saved on the Budget optimiser page, else the optimal split of the
current total spend.
"""
from __future__ import annotations

import re

import pandas as pd

from attribution.engine.base import Dataset
from attribution.errors import AttributionError
from attribution.journeys.settings import JourneySettings
from ui.downloads import deferred_download

CHANNEL_MODEL = "linear"


def _channel_report(data):
    """The whole-range channel report of :data:`CHANNEL_MODEL` (journeys of the dataset carry its spend)."""
    from attribution.reports.channel_report import build_channel_report

    try:
        return build_channel_report(data, CHANNEL_MODEL, None)
    except AttributionError:  # the report shows the other sections
        return None


def _media_mix() -> tuple[object | None, object | None]:
    """This session's media-mix fit and the budget plan for the report (None when there is no fit)."""
    from ui import budget_controls, mmm_controls

    fit = mmm_controls.latest_fit()[0]
    scenarios = budget_controls.saved_scenarios()
    plan = list(scenarios.values())[-1]["plan"] if scenarios else None
    return fit, plan


def _default_plan(fit):
    """The optimal split of the current total spend (no bounds), for a report without a saved scenario."""
    from attribution.budget import optimize
    from attribution.errors import OptimizationError

    try:
        return optimize(fit)
    except OptimizationError:
        return None


def build_report(ds: Dataset, settings: JourneySettings, results: pd.DataFrame | None = None,
                 failures: dict[str, str] | None = None, params: dict[str, dict] | None = None,
                 mmm=None, budget=None, level: float | None = None) -> bytes:
    """The report's HTML bytes. Runs outside the page script (the download callable), so it calls
    the library directly and no Streamlit command."""
    from attribution.models import compare, run_model, supported_models
    from attribution.reports.sections import dataset_report

    data = ds.journeys(settings)
    if mmm is not None and budget is None:
        budget = _default_plan(mmm)
    if results is None and data.total_conversions > 0:
        frames, failures = [], {}
        for name in supported_models(data):
            try:
                frames.append(run_model(name, data))
            except AttributionError as err:
                failures[name] = err.message_for("app")
        results = pd.concat(frames, ignore_index=True) if frames else compare(data, [])
    html = dataset_report(ds, settings=settings, results=results, failures=failures, params=params,
                          channel_report=_channel_report(data) if data.total_conversions > 0 else None,
                          mmm=mmm, budget=budget, level=level)
    return html.encode("utf-8")


def report_button(ds: Dataset, settings: JourneySettings, *, results: pd.DataFrame | None = None,
                  failures: dict[str, str] | None = None, params: dict[str, dict] | None = None,
                  level: float | None = None, key: str = "full_report") -> None:
    """A download button for the full HTML report of ``ds`` under ``settings``.

    ``results`` (stacked tidy model results with registered model names), ``failures`` and
    ``params`` are the page's own model comparison (``level``: the confidence level of its
    intervals, when it has them); without them the report runs every model the data supports with
    default parameters. Nothing is computed until the click.
    """
    mmm, budget = _media_mix()
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ds.name).strip("_")[:40] or "dataset"
    deferred_download(
        "Full report (HTML)", lambda: build_report(ds, settings, results, failures, params, mmm, budget, level),
        file_name=f"attribution_report_{slug}.html", mime="text/html", key=key, icon=":material/summarize:",
        help="One self-contained HTML file (works offline): dataset summary, journey settings, model "
             "comparison, channel report, and the media-mix and budget results when you have them.")
