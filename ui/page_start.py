"""The common start of an attribution page: the current dataset, the sidebar's settings and journeys."""
from __future__ import annotations

import streamlit as st

from attribution.models.no_touch import no_touch_note
from ui import cache, state
from ui.journey_sidebar import current_settings
from ui.text import plain


def journeys_or_stop(*, need_conversions: bool = True):
    """The current dataset, the settings drawn in the sidebar (by ``app.py``) and their journeys.

    Stops the page with a note saying what to do when there is no dataset, or no (converting)
    journeys under the settings. Returns ``(dataset, settings, journeys)``.
    """
    ds = state.current_dataset()
    if ds is None:
        st.info("Load a dataset on the **Data** page first.")
        st.stop()
    settings = current_settings()
    data = cache.journeys(ds, settings)
    if need_conversions and data.total_conversions == 0:
        st.info("No converting journeys under the current settings: widen the date range or lookback, or "
                "pick another conversion stage in the sidebar.")
        st.stop()
    if len(data.paths) == 0:
        st.info("No journeys under the current settings: widen the date range or lookback in the sidebar.")
        st.stop()
    note = no_touch_note(data)
    if note:
        st.caption(plain(note))
    return ds, settings, data
