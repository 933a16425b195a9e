"""The "full report" download: one self-contained HTML file, built only when the button is clicked.

Pages call :func:`report_button`. The report holds the dataset summary, the journey settings, the
model comparison (the page's own results when it passes them, else every model with default
parameters), the channel report, and the media-mix fit and budget plan when a page has left them
in ``st.session_state`` under :data:`MMM_KEY` / :data:`BUDGET_KEY`.
"""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from attribution.dataset import Dataset
from attribution.errors import AttributionError
from attribution.journeys import JourneySettings

MMM_KEY = "report_mmm_fit"          # an attribution.mmm fit result, set by the Media mix page
BUDGET_KEY = "report_budget_plan"   # an attribution.budget.optimize result, set by the Budget page
CHANNEL_MODEL = "linear"


def _channel_report(ds: Dataset, data) -> pd.DataFrame | None:
    try:
        from attribution.channel_report import dataset_channel_report, with_totals
    except ImportError:  # the channel report is not part of this build yet
        return None
    try:
        return with_totals(dataset_channel_report(ds, data, CHANNEL_MODEL, None))
    except AttributionError:
        return None


def build_report(ds: Dataset, settings: JourneySettings, results: pd.DataFrame | None = None,
                 failures: dict[str, str] | None = None, params: dict[str, dict] | None = None,
                 mmm=None, budget: pd.DataFrame | None = None) -> bytes:
    """The report's HTML bytes. Runs outside the page script (the download callable), so it calls
    the library directly and no Streamlit command."""
    from attribution.models import compare, run_model, supported_models
    from attribution.report_sections import dataset_report

    data = ds.journeys(settings)
    if results is None and data.total_conversions > 0:
        frames, failures = [], {}
        for name in supported_models(data):
            try:
                frames.append(run_model(name, data))
            except AttributionError as err:
                failures[name] = str(err)
        results = pd.concat(frames, ignore_index=True) if frames else compare(data, [])
    html = dataset_report(ds, settings=settings, results=results, failures=failures, params=params,
                          channel_report=_channel_report(ds, data) if data.total_conversions > 0 else None,
                          mmm=mmm, budget=budget)
    return html.encode("utf-8")


def report_button(ds: Dataset, settings: JourneySettings, *, results: pd.DataFrame | None = None,
                  failures: dict[str, str] | None = None, params: dict[str, dict] | None = None,
                  key: str = "full_report") -> None:
    """A download button for the full HTML report of ``ds`` under ``settings``.

    ``results`` (stacked tidy model results with registered model names), ``failures`` and
    ``params`` are the page's own model comparison; without them the report runs every model the
    data supports with default parameters. Nothing is computed until the click.
    """
    mmm, budget = st.session_state.get(MMM_KEY), st.session_state.get(BUDGET_KEY)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ds.name).strip("_")[:40] or "dataset"
    st.download_button(
        "Full report (HTML)", lambda: build_report(ds, settings, results, failures, params, mmm, budget),
        file_name=f"attribution_report_{slug}.html", mime="text/html", key=key, icon=":material/summarize:",
        help="One self-contained HTML file (works offline): dataset summary, journey settings, model "
             "comparison, channel report, and the media-mix and budget results when you have them.")
