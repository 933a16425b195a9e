"""The Model details view of Model comparison: what the data-driven models computed on the way.

Markov chain: removal effects and the transition matrix (with a heatmap); Shapley: credit by the
position at which a channel enters; IHC: each session's initializer, holder and closer values.
Every table comes from the library function of the same name (:mod:`attribution.models`, cached by
:func:`ui.cache.model_detail`) and has a CSV download. Channel and state names reach the page only
as table cells and chart labels, never as Markdown.
"""
from __future__ import annotations

import streamlit as st

from attribution.engine.base import Dataset
from attribution.errors import ModelError
from attribution.journeys.settings import JourneySettings
from attribution.reports.figures import channel_bars
from ui import cache
from ui.charts_reports import MAX_HEATMAP_STATES, position_heatmap, transition_heatmap
from ui.downloads import csv_download, show_chart
from ui.text import plain

#: Shapley positions from this one on are pooled (read the last column as "this or later")
SHAPLEY_POSITIONS = 10
PERCENT = st.column_config.NumberColumn(format="percent")
NUMBER = st.column_config.NumberColumn(format="%.2f")


def model_details(ds: Dataset, settings: JourneySettings, params: dict[str, dict]) -> None:
    """Draw the Model details view: a tab each for Markov chain, Shapley and IHC.

    ``params`` are the model parameters picked on the page (``{model: {param: value}}``): the
    Markov order and the IHC weights apply here as they do to the credit above.
    """
    st.subheader("Model details")
    markov, shapley, ihc = st.tabs(["Markov chain", "Shapley by position", "IHC sessions"])
    with markov:
        _markov(ds, settings, params.get("markov", {}))
    with shapley:
        _shapley(ds, settings)
    with ihc:
        _ihc(ds, settings, params.get("ihc", {}))


def _detail(ds: Dataset, settings: JourneySettings, kind: str, params: dict | None = None):
    """The library's table, or None after saying on the page why it could not be computed."""
    try:
        return cache.model_detail(ds, settings, kind, params)
    except ModelError as err:
        st.info(plain(err))
        return None


def _markov(ds: Dataset, settings: JourneySettings, params: dict) -> None:
    order = params.get("order", 1)
    effects = _detail(ds, settings, "removal_effects", params)
    if effects is None:
        return
    if effects.empty:
        st.info("No journey converts under the current settings, so nothing has a removal effect: "
                "widen the date range or lookback in the sidebar.")
        return
    st.caption(f"Order {order}. Removal effect: the share of conversions lost if the channel were taken "
               "out of every journey; credit is shared in proportion to it.")
    effects = effects.sort_values("removal_effect", ascending=False, ignore_index=True)
    st.dataframe(effects, hide_index=True, key="md_removal", column_config={
        "removal_effect": PERCENT, "revenue_removal_effect": PERCENT, "conversions": NUMBER, "revenue": NUMBER})
    csv_download(effects, "markov_removal_effects.csv", key="dl_md_removal")
    show_chart(cache.figure(channel_bars, effects, "removal_effect", "Markov removal effect", "Removal effect",
                            tickformat=".0%"), "markov_removal_effects")
    matrix = _detail(ds, settings, "transition_matrix", params)
    if matrix is None:
        return
    states = matrix["from_state"].nunique()
    st.caption(f"Transition matrix: {len(matrix):,} observed transitions out of {states:,} states; "
               "probabilities out of each state sum to 1."
               + (f" The heatmap shows the {MAX_HEATMAP_STATES} busiest states; the CSV has all."
                  if states > MAX_HEATMAP_STATES else ""))
    st.dataframe(matrix, hide_index=True, key="md_transitions",
                 column_config={"probability": PERCENT, "count": st.column_config.NumberColumn(format="%.0f")})
    csv_download(matrix, "markov_transition_matrix.csv", key="dl_md_transitions")
    show_chart(cache.figure(transition_heatmap, matrix, "Transition probabilities (row: from, column: to)"),
               "markov_transitions")


def _shapley(ds: Dataset, settings: JourneySettings) -> None:
    by_position = _detail(ds, settings, "shapley_by_position", {"max_positions": SHAPLEY_POSITIONS})
    if by_position is None:
        return
    if by_position.empty:
        st.info("No journey converts under the current settings, so Shapley has no credit to split: "
                "widen the date range or lookback in the sidebar.")
        return
    st.caption("Ordered Shapley value: each channel's credit by the position at which it enters the journey "
               f"(distinct channels in order of first touch; position {SHAPLEY_POSITIONS} means "
               f"{SHAPLEY_POSITIONS} or later). Summed over positions it is the Shapley credit above.")
    st.dataframe(by_position, hide_index=True, key="md_shapley",
                 column_config={"conversions": NUMBER, "revenue": NUMBER})
    csv_download(by_position, "shapley_by_position.csv", key="dl_md_shapley")
    show_chart(cache.figure(position_heatmap, by_position, "Shapley conversions by entry position"),
               "shapley_by_position")


def _ihc(ds: Dataset, settings: JourneySettings, params: dict) -> None:
    if not ds.has_touches:
        st.info("IHC needs touch-level data (sessions with timestamps): load touchpoints + conversions, "
                "an event log or an IHC journeys file on the **Data** page. Aggregated paths have no sessions.")
        return
    sessions = _detail(ds, settings, "ihc_sessions", params)
    if sessions is None:
        return
    if sessions.empty:
        st.info("No journey converts under the current settings, so there are no IHC sessions: widen the "
                "date range or lookback in the sidebar.")
        return
    st.caption(f"{len(sessions):,} sessions of {sessions['conversion_id'].nunique():,} conversions. Per "
               "conversion, initializer, holder and closer each sum to 1 over its sessions; ihc is their blend.")
    st.dataframe(sessions, hide_index=True, key="md_ihc", column_config={
        c: st.column_config.NumberColumn(format="%.4f") for c in ("initializer", "holder", "closer", "ihc")})
    csv_download(sessions, "ihc_sessions.csv", key="dl_md_ihc")
