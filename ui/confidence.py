"""Confidence-interval controls and tables shared by the model pages."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.defaults import INTERVAL_LEVEL
from attribution.engine.base import Dataset
from attribution.errors import AttributionError
from attribution.journeys.settings import JourneySettings
from attribution.models import MODEL_SPECS
from ui import cache_validation
from ui.charts_validation import CI_OF
from ui.downloads import csv_download
from ui.text import plain

LEVELS = {"80 %": 0.80, "90 %": 0.90, "95 %": 0.95, "99 %": 0.99}


def ci_controls(key: str, expanded: bool = False) -> tuple[int, float, int]:
    """Replicates, interval level and seed, in an expander; returns (n_boot, level, seed)."""
    with st.expander("Bootstrap settings", expanded=expanded):
        left, middle, right = st.columns(3)
        n_boot = left.number_input("Replicates", min_value=20, max_value=2000, value=200, step=50,
                                   key=f"{key}_n_boot", help="More replicates give steadier interval ends.")
        level = middle.selectbox("Interval", list(LEVELS), index=list(LEVELS.values()).index(INTERVAL_LEVEL),
                                 key=f"{key}_level")
        seed = right.number_input("Seed", min_value=0, value=0, step=1, key=f"{key}_seed",
                                  help="The same seed gives the same intervals.")
    return int(n_boot), LEVELS[level], int(seed)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with model names replaced by their display labels."""
    return frame.assign(model=frame["model"].map(lambda n: MODEL_SPECS[n].label if n in MODEL_SPECS else n))


def bootstrap_draws(ds: Dataset, settings: JourneySettings, names: list[str], params: dict[str, dict],
                    n_boot: int, seed: int):
    """Cached bootstrap replicates, or None after showing why they could not be computed."""
    try:
        return cache_validation.draws(ds, settings, names, params, n_boot, seed)
    except AttributionError as err:
        st.warning(f"Confidence intervals could not be computed: {plain(err)}")
        return None


def interval_table(ci: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Model, channel, estimate and interval ends of one metric (labelled models)."""
    low, high = CI_OF[metric]
    return ci[["model", "channel", metric, low, high]].rename(columns={low: "ci_low", high: "ci_high"})


def show_interval_table(table: pd.DataFrame, metric: str, level: float, filename: str) -> None:
    """The interval table with formatted columns and its CSV download."""
    fmt = "percent" if metric == "share" else "%.1f"
    st.dataframe(table, hide_index=True, column_config={
        c: st.column_config.NumberColumn(c.replace("_", " ").capitalize() if c != metric else metric.capitalize(),
                                         format=fmt) for c in (metric, "ci_low", "ci_high")})
    st.caption(f"{level:.0%} percentile bootstrap intervals (journeys resampled with replacement).")
    csv_download(table, filename, key=f"dl_{filename}")
