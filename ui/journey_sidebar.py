"""The journey settings in the sidebar, drawn once per run by ``app.py`` around every page.

Streamlit runs the entry point on every page, so drawing the controls there keeps each widget
alive across page changes (a widget's value is dropped only when a run does not draw it). The
settings of this run are kept in session state for the page to read (:func:`current_settings`).
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from attribution.defaults import CONVERSION_STAGE
from attribution.engine.base import Dataset
from attribution.journeys.data import NO_TOUCH
from attribution.journeys.settings import JourneySettings
from ui import cache, channel_groups

LOOKBACKS = {"7 days": 7, "14 days": 14, "30 days": 30, "60 days": 60, "90 days": 90, "Unlimited": None}
TRANSFORMS = {"As recorded": "none", "Collapse repeats (A > A > B → A > B)": "collapse_repeats",
              "First occurrence only": "unique"}
ALL_STAGES = "All conversions"
SETTINGS_KEY = "journey_settings"
#: every widget key of the sidebar starts with this (a new dataset clears them: see ui.state)
KEY_PREFIX = "js_"


def _default(key: str, value) -> dict:
    """The widget's initial value, only while session state has none (passing both warns)."""
    return {} if key in st.session_state else {"value": value}


def _index(key: str, options: list, default) -> dict:
    return {} if key in st.session_state else {"index": options.index(default)}


def journey_sidebar(ds: Dataset) -> JourneySettings:
    """Draw the journey settings for ``ds`` in the sidebar; return (and remember) the settings."""
    sb = st.sidebar
    sb.caption("Dataset")
    sb.text(ds.name)  # user text: never rendered as Markdown
    sb.subheader("Journey settings")
    sb.caption("Used by the attribution pages: Overview, Model comparison, Validation, Journeys, "
               "Channel report.")
    rules = channel_groups.current_rules() if ds.has_touches else ()
    channels = cache.channels(ds, rules)
    # grouping can rename channels: an exclusion of a name that no longer exists is dropped
    if "js_exclude" in st.session_state:
        st.session_state["js_exclude"] = [c for c in st.session_state["js_exclude"] if c in channels]
    settings = JourneySettings(transform="none")
    if ds.has_touches:
        lo, hi = cache.date_range(ds) or (date.today(), date.today())
        picked = sb.date_input("Conversion dates", key="js_dates", min_value=lo, max_value=hi,
                               help="Journeys whose conversion falls in this range (touch dates for "
                                    "journeys that did not convert).", **_default("js_dates", (lo, hi)))
        start, end = (picked + (None, None))[:2] if isinstance(picked, tuple) else (picked, None)
        # the dataset's default: 30 days, none for pre-built journeys (IHC database or journey file)
        days = ds.default_settings().lookback_days
        look = sb.selectbox("Lookback window", list(LOOKBACKS), key="js_lookback",
                            help="Only touches this close before the conversion count. Pre-built journeys "
                                 "(the IHC database, IHC journey files) start at Unlimited: their sessions "
                                 "were already chosen for each conversion.",
                            **_index("js_lookback", list(LOOKBACKS),
                                     next(k for k, v in LOOKBACKS.items() if v == days)))
        stages = [ALL_STAGES, *cache.stages(ds)]
        stage = sb.selectbox("Conversion stage", stages, key="js_stage",
                             help="Which conversions end a journey: all of them (the default, as in the "
                                  "library, the CLI and the API), or one stage, whose journeys then carry the "
                                  "earlier stages as milestones for the W-shaped model.",
                             **_index("js_stage", stages,
                                      CONVERSION_STAGE if CONVERSION_STAGE in stages else ALL_STAGES))
    transform = sb.selectbox("Path transform", list(TRANSFORMS), key="js_transform")
    excluded = sb.multiselect("Exclude channels", channels, key="js_exclude",
                              help="An excluded channel never gets credit: its touches are dropped from "
                                   "journeys. A conversion whose journey had only excluded channels counts "
                                   f"as a conversion without a touch, on the '{NO_TOUCH}' row, so channel "
                                   "totals still add up to the conversions.")
    if not ds.has_touches:
        settings = JourneySettings(transform=TRANSFORMS[transform], exclude_channels=tuple(excluded))
    else:
        with sb.expander("More journey rules"):
            reset = st.checkbox("Start a new journey after each conversion", key="js_reset",
                                **_default("js_reset", True))
            first_only = st.checkbox("Only each user's first conversion", key="js_first_only")
            non_conv = st.checkbox("Include journeys that did not convert", key="js_non_conv",
                                   **_default("js_non_conv", True))
            cap = st.number_input("Keep at most this many last touches (0 = all)", min_value=0, step=1,
                                  key="js_cap")
        channel_groups.channel_groups_editor(sb)
        settings = JourneySettings(
            reset_on_conversion=reset, lookback_days=LOOKBACKS[look], max_touches=int(cap) or None,
            stage=None if stage == ALL_STAGES else stage, first_only=first_only,
            include_non_converting=non_conv, start=start, end=end, transform=TRANSFORMS[transform],
            exclude_channels=tuple(excluded), channel_rules=rules)
    st.session_state[SETTINGS_KEY] = settings
    return settings


def current_settings() -> JourneySettings:
    """The journey settings drawn in this run's sidebar (defaults when none were drawn)."""
    return st.session_state.get(SETTINGS_KEY) or JourneySettings()
