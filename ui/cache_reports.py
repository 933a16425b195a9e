"""Cached report computations for the Journeys & funnels and Channel report pages.

Like :mod:`ui.cache`, every result is keyed on the dataset fingerprint, the journey settings' key
and small parameters; the big journeys object is passed unhashed (``_data``).
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from attribution.engine.base import Dataset
from attribution.journeys.settings import JourneySettings
from attribution.reports import conversion_paths as path_reports
from attribution.reports import funnels
from attribution.reports.channel_report import ChannelReport, build_channel_report, channel_reporting
from attribution.reports.journey_phases import journey_phases as phases
from ui import cache


@st.cache_data(show_spinner=False, max_entries=64)
def _funnel_steps(_ds: Dataset, fingerprint: str, source: str) -> pd.DataFrame:
    return funnels.funnel_steps(_ds, source)


def funnel_steps(ds: Dataset, source: str) -> list[str]:
    """Step names a funnel can use, most users first."""
    return _funnel_steps(ds, ds.fingerprint, source)["name"].tolist()


@st.cache_data(show_spinner=False, max_entries=128)
def _funnel(_ds: Dataset, fingerprint: str, steps: tuple[str, ...], source: str, start: date | None,
            end: date | None, first_channels: tuple[str, ...] | None) -> pd.DataFrame:
    return funnels.funnel(_ds, steps, source=source, start=start, end=end, first_channels=first_channels)


def funnel(ds: Dataset, steps: list[str], source: str, start: date | None, end: date | None,
           first_channels: list[str]) -> pd.DataFrame:
    """Users per funnel step (see :func:`attribution.reports.funnels.funnel`); no channels = all users."""
    return _funnel(ds, ds.fingerprint, tuple(steps), source, start, end,
                   tuple(first_channels) if first_channels else None)


@st.cache_data(show_spinner=False, max_entries=64)
def _path_view(_data, fingerprint: str, settings_key: str, view: str, option: object):
    if view == "paths":
        return path_reports.path_report(_data)
    if view == "sankey":
        return path_reports.sankey_links(_data, steps=int(option))
    if view == "lengths":
        return path_reports.path_length_distribution(_data)
    if view == "days":
        return path_reports.time_to_conversion(_data)
    return path_reports.channel_overlap(_data, converted_only=bool(option))


def path_view(ds: Dataset, settings: JourneySettings, view: str, option: object = None) -> pd.DataFrame:
    """One path-level report of the journeys under ``settings``: ``paths`` (GA4-style report),
    ``sankey`` (option: steps), ``lengths``, ``days`` (time to conversion) or ``overlap``
    (option: converting journeys only)."""
    data = cache.journeys(ds, settings)
    return _path_view(data, ds.fingerprint, settings.key(), view, option)


@st.cache_data(show_spinner=False, max_entries=64)
def _journey_phases(_data, fingerprint: str, settings_key: str, model: str) -> pd.DataFrame:
    return phases(_data, model)


def journey_phases(ds: Dataset, settings: JourneySettings, model: str) -> pd.DataFrame:
    """Credit by journey phase (early / mid / late) per channel for one model."""
    data = cache.journeys(ds, settings)
    with st.spinner(f"Splitting {model} credit by journey phase…"):
        return _journey_phases(data, ds.fingerprint, settings.key(), model)


@st.cache_data(show_spinner=False, max_entries=64)
def _spend(_ds: Dataset, fingerprint: str, start: date | None, end: date | None, rules: tuple):
    return _ds.spend(start, end, rules)


def spend_source(ds: Dataset, settings: JourneySettings) -> str:
    """Where the channel report's spend comes from: "spend table", "touch cost" or "none"."""
    return _spend(ds, ds.fingerprint, settings.start, settings.end, settings.channel_rules)[1]


@st.cache_data(show_spinner=False, max_entries=256)
def _channel_report(_ds: Dataset, _data, fingerprint: str, settings_key: str, start: date | None,
                    end: date | None, model: str, freq: str | None, date_by: str, rules: tuple) -> ChannelReport:
    spend, source = _spend(_ds, fingerprint, start, end, rules)
    return build_channel_report(_data, model, freq, spend=spend, spend_source=source, date_by=date_by)


def _report(ds: Dataset, settings: JourneySettings, model: str, freq: str | None, date_by: str) -> ChannelReport:
    return _channel_report(ds, cache.journeys(ds, settings), ds.fingerprint, settings.key(), settings.start,
                           settings.end, model, freq, date_by, settings.channel_rules)


def channel_reports(ds: Dataset, settings: JourneySettings, models: list[str], freq: str | None,
                    date_by: str = "conversion") -> pd.DataFrame:
    """Channel reports of one or more models, stacked, with a Total row per model and period."""
    with st.spinner("Building the channel report…"):
        frames = [_report(ds, settings, m, freq, date_by).with_totals().table for m in models]
    return pd.concat(frames, ignore_index=True)


def ihc_channel_reporting(ds: Dataset, settings: JourneySettings, model: str, date_by: str) -> pd.DataFrame:
    """The daily report of ``model`` in the IHC ``channel_reporting`` shape (see
    :func:`attribution.reports.channel_report.channel_reporting`)."""
    with st.spinner("Building the channel report…"):
        return cache.derived(channel_reporting, _report(ds, settings, model, "day", date_by))
