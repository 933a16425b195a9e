"""Shared controls: the global journey settings in the sidebar, and download buttons."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from attribution.engine.base import Dataset
from attribution.journeys.settings import JourneySettings
from attribution.reports.export import figure_html, figure_png, png_unavailable_reason, to_excel, to_safe_csv
from ui import cache, channel_groups

LOOKBACKS = {"7 days": 7, "14 days": 14, "30 days": 30, "60 days": 60, "90 days": 90, "Unlimited": None}
TRANSFORMS = {"As recorded": "none", "Collapse repeats (A > A > B → A > B)": "collapse_repeats",
              "First occurrence only": "unique"}
ALL_STAGES = "All conversions"


def _persistent(name: str, default):
    """Keep a sidebar value across pages: a widget's own state is dropped when the page changes,
    so the value lives under a plain key and is handed to the widget on every run."""
    store, widget = f"js_{name}", f"w_js_{name}"
    if store not in st.session_state:
        st.session_state[store] = default
    st.session_state[widget] = st.session_state[store]
    return widget


def _remember(name: str) -> None:
    st.session_state[f"js_{name}"] = st.session_state[f"w_js_{name}"]


def journey_sidebar(ds: Dataset) -> JourneySettings:
    """Render the global journey settings in the sidebar and return them."""
    sb = st.sidebar
    sb.caption(f"Dataset: **{ds.name}**")
    sb.subheader("Journey settings")
    rules = channel_groups.current_rules() if ds.has_touches else ()
    channels = cache.channels(ds, rules)
    # grouping can rename channels: an exclusion of a name that no longer exists is dropped
    st.session_state["js_exclude"] = [c for c in st.session_state.get("js_exclude", []) if c in channels]
    if ds.has_touches:
        lo, hi = cache.date_range(ds) or (date.today(), date.today())
        picked = sb.date_input("Conversion dates", key=_persistent("dates", (lo, hi)), min_value=lo,
                               max_value=hi, on_change=_remember, args=("dates",),
                               help="Journeys whose conversion falls in this range (touch dates for "
                                    "journeys that did not convert).")
        start, end = (picked + (None, None))[:2] if isinstance(picked, tuple) else (picked, None)
        look = sb.selectbox("Lookback window", list(LOOKBACKS), key=_persistent("lookback", "30 days"),
                            on_change=_remember, args=("lookback",),
                            help="Only touches this close before the conversion count.")
        stages = cache.stages(ds)
        stage = sb.selectbox("Conversion stage", [ALL_STAGES, *stages],
                             key=_persistent("stage", stages[-1] if stages else ALL_STAGES),
                             on_change=_remember, args=("stage",),
                             help="Which conversions end a journey. Earlier stages become milestones "
                                  "for the W-shaped model.")
    transform = sb.selectbox("Path transform", list(TRANSFORMS), key=_persistent("transform", "As recorded"),
                             on_change=_remember, args=("transform",))
    excluded = sb.multiselect("Exclude channels", channels, key=_persistent("exclude", []),
                              on_change=_remember, args=("exclude",),
                              help="Dropped from journeys unless they are the whole journey.")
    if not ds.has_touches:
        return JourneySettings(transform=TRANSFORMS[transform], exclude_channels=tuple(excluded))
    with sb.expander("More journey rules"):
        reset = st.checkbox("Start a new journey after each conversion", key=_persistent("reset", True),
                            on_change=_remember, args=("reset",))
        first_only = st.checkbox("Only each user's first conversion", key=_persistent("first_only", False),
                                 on_change=_remember, args=("first_only",))
        non_conv = st.checkbox("Include journeys that did not convert", key=_persistent("non_conv", True),
                               on_change=_remember, args=("non_conv",))
        cap = st.number_input("Keep at most this many last touches (0 = all)", min_value=0, step=1,
                              key=_persistent("cap", 0), on_change=_remember, args=("cap",))
    channel_groups.channel_groups_editor(sb)
    return JourneySettings(
        reset_on_conversion=reset, lookback_days=LOOKBACKS[look], max_touches=int(cap) or None,
        stage=None if stage == ALL_STAGES else stage, first_only=first_only,
        include_non_converting=non_conv, start=start, end=end, transform=TRANSFORMS[transform],
        exclude_channels=tuple(excluded), channel_rules=rules)


def csv_download(frame: pd.DataFrame, filename: str, label: str = "Download CSV", key: str | None = None) -> None:
    """A download button for one table as spreadsheet-safe CSV."""
    st.download_button(label, to_safe_csv(frame), file_name=filename, mime="text/csv",
                       key=key or f"dl_{filename}", icon=":material/download:")


def excel_download(tables: dict[str, pd.DataFrame], filename: str, key: str | None = None) -> None:
    """A download button for several tables as one Excel workbook."""
    st.download_button("Download all tables (Excel)", to_excel(tables), file_name=filename,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=key or f"xl_{filename}", icon=":material/table_view:")


def show_chart(fig, name: str, key: str | None = None) -> None:
    """Render a plotly figure with HTML and PNG downloads under it.

    Both files are made only when clicked. Without Chromium the PNG button is disabled and says
    why; the HTML download always works.
    """
    key = key or name
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False,
                                                       "toImageButtonOptions": {"filename": name}})
    # a horizontal row sizes each button to its label (columns cut the labels in half-width charts)
    row = st.container(horizontal=True, gap="small")
    row.download_button("Chart (HTML)", lambda: figure_html(fig), file_name=f"{name}.html", mime="text/html",
                        key=f"html_{key}", icon=":material/code:")
    reason = png_unavailable_reason()
    row.download_button("Chart (PNG)", lambda: figure_png(fig), file_name=f"{name}.png", mime="image/png",
                        key=f"png_{key}", icon=":material/image:", disabled=reason is not None, help=reason)


def journeys_or_stop(*, need_conversions: bool = True):
    """The common page start: current dataset, the sidebar settings and the journeys they give.

    Stops the page with a note saying what to do when there is no dataset, or no (converting)
    journeys under the settings. Returns ``(dataset, settings, journeys)``.
    """
    from ui import state

    ds = state.current_dataset()
    if ds is None:
        st.info("Load a dataset on the **Data** page first.")
        st.stop()
    settings = journey_sidebar(ds)
    data = cache.journeys(ds, settings)
    if need_conversions and data.total_conversions == 0:
        st.info("No converting journeys under the current settings: widen the date range or lookback, or "
                "pick another conversion stage in the sidebar.")
        st.stop()
    if len(data.paths) == 0:
        st.info("No journeys under the current settings: widen the date range or lookback in the sidebar.")
        st.stop()
    return ds, settings, data
