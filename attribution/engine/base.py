"""The engine interface: what a loaded dataset offers to everything above the engine layer.

An engine (DuckDB today, Spark for data that outgrows one machine) holds the raw rows: canonical
``touchpoints``, ``conversions`` and ``spend`` tables, or aggregated ``paths``. Everything above it
(models, reports, media mix, the app, the CLI) reads a dataset only through the methods below, and
every method returns something small: one row per unique path, per channel, per day, per stage.
Raw touchpoints never leave the engine except as the ``touches`` of built journeys, whose form the
engine chooses (a pandas frame for DuckDB).

Spend sources, returned with every spend frame, say where a channel's spend came from:
``"spend table"`` (the dataset's spend file), ``"touch cost"`` (the summed ``cost`` of its
touchpoints, when there is no spend table) or ``"none"`` (unknown).
"""
from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date

import pandas as pd

from attribution.journeys.data import PathData
from attribution.journeys.settings import ChannelRule, JourneySettings

SPEND_TABLE, TOUCH_COST, NO_SPEND = "spend table", "touch cost", "none"
#: funnel step sources: conversion stages of ``conversions``, interaction types of ``touchpoints``
FUNNEL_SOURCES = ("stage", "interaction")
CANONICAL_TABLES = ("touchpoints", "conversions", "spend", "paths", "rejected")
KINDS = ("journeys", "paths")  # touch-level data, or aggregated paths only
#: main inputs that are journeys already: the IHC challenge database and IHC journey files (each
#: conversion's sessions were chosen when the file was made) and aggregated paths. They get no
#: lookback window unless one is asked for (see :meth:`Dataset.default_settings`).
PREBUILT_INPUTS = ("paths", "ihc_db", "ihc_journeys")


class Dataset(ABC):
    """One loaded dataset behind an engine (see the module docstring for the contract).

    Attributes every engine sets: ``dataset_id`` (stable; used as the cache fingerprint: a dataset
    never changes after loading), ``name`` (a label, user text), ``kind`` (one of :data:`KINDS`),
    ``report`` (the ingest report when this handle made the dataset, else None), ``source``
    (how it was loaded: "sample", "upload", "api", ...) and ``main_input`` (the load's main input:
    "touchpoints", "event_log", "paths", "ihc_db" or "ihc_journeys"; None when unknown).
    """

    engine: str = ""
    dataset_id: str
    name: str
    kind: str
    report: object
    source: str | None
    main_input: str | None = None

    @property
    def fingerprint(self) -> str:
        """Stable identity for caches."""
        return self.dataset_id

    @property
    def has_touches(self) -> bool:
        """True when timestamps and touches exist (not aggregated paths)."""
        return self.kind == "journeys"

    @property
    def prebuilt_journeys(self) -> bool:
        """True when the data are journeys already (:data:`PREBUILT_INPUTS`, or aggregated paths)."""
        return self.kind == "paths" or self.main_input in PREBUILT_INPUTS

    def default_settings(self, **rules) -> JourneySettings:
        """:class:`JourneySettings` of ``rules`` with this dataset's defaults for the rules not given.

        The one dataset-dependent default: pre-built journeys (:attr:`prebuilt_journeys`) get no
        lookback window (``lookback_days=None``), since a window would cut sessions that the
        journey file already assigned to a conversion; touch-level data get the 30-day default of
        :class:`JourneySettings`. A ``lookback_days`` given in ``rules`` always wins.
        """
        if self.prebuilt_journeys:
            rules.setdefault("lookback_days", None)
        return JourneySettings(**rules)

    @abstractmethod
    def journeys(self, settings: JourneySettings | None = None, **rules) -> PathData:
        """Journeys under ``settings`` (or keyword rules of :class:`JourneySettings`, with this
        dataset's defaults for the rules not given: :meth:`default_settings`).

        Touch-level data gives :class:`~attribution.journeys.data.Journeys` (paths plus touches);
        aggregated paths give :class:`PathData` with only the path rules applied (transform,
        excluded channels).
        """

    def with_dataset_spend(self, data: PathData, settings: JourneySettings) -> PathData:
        """``data`` carrying this dataset's spend (``load_spend``, read on first use) over the
        settings' date range and grouped by their channel rules. Every engine's :meth:`journeys`
        returns its result through this, so reports on the journeys use the dataset's spend."""
        start, end, rules = settings.start, settings.end, tuple(settings.channel_rules)
        return dataclasses.replace(data, load_spend=lambda: self.spend(start, end, rules))

    @abstractmethod
    def paths_data(self) -> PathData:
        """The stored aggregated paths (datasets of kind "paths")."""

    @abstractmethod
    def summary(self) -> dict:
        """Headline numbers. Touch-level data: users, touchpoints, conversions, revenue, spend,
        touch_cost, channels, spend_channels, first_date, last_date. Paths: unique_paths,
        conversions, revenue, non_conversions, channels. Missing values are None."""

    @abstractmethod
    def stage_counts(self) -> pd.DataFrame:
        """Conversions per stage (``stage, conversions``), most frequent first; empty without stages."""

    def stages(self) -> list[str]:
        """Conversion stages in funnel order (most frequent first), or [] when there are none."""
        return self.stage_counts()["stage"].tolist()

    @abstractmethod
    def channels(self, channel_rules: tuple[ChannelRule, ...] = ()) -> list[str]:
        """Sorted channel names of the touchpoints (or paths), after ``channel_rules`` if given."""

    @abstractmethod
    def date_range(self) -> tuple[date, date] | None:
        """(first, last) date of touches and conversions, or None for aggregated paths."""

    @abstractmethod
    def row_count(self, table: str) -> int:
        """Rows of one canonical table (:data:`CANONICAL_TABLES`); 0 when the dataset lacks it."""

    @abstractmethod
    def table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """One canonical table as a DataFrame, ``limit`` rows for previews. Meant for small tables
        (``spend``, ``rejected``) and previews; reports never read raw touchpoints this way."""

    @abstractmethod
    def spend(self, start: date | None = None, end: date | None = None,
              channel_rules: tuple[ChannelRule, ...] = ()) -> tuple[pd.DataFrame | None, str]:
        """Spend per date and channel in [start, end] (``date, channel, spend``) and its source.

        The spend table when it has any rows (:data:`SPEND_TABLE`); else the summed cost of every
        touchpoint in the range, in a journey or not (:data:`TOUCH_COST`); else ``(None, NO_SPEND)``.
        ``channel_rules`` group spend channels as the journeys group theirs, so spend and credit
        meet on one channel name.
        """

    @abstractmethod
    def daily_activity(self) -> pd.DataFrame:
        """One row per date and channel: ``date, channel, touches, conversions, revenue, spend``;
        conversions and revenue are on the channel ``"(all)"``. Empty for aggregated paths."""

    @abstractmethod
    def funnel_step_values(self, source: str) -> pd.DataFrame:
        """The values of a funnel source (:data:`FUNNEL_SOURCES`) with the users who had each
        (``name, users``), most users first."""

    @abstractmethod
    def funnel_counts(self, steps: Sequence[str], source: str, start: date | None = None,
                      end: date | None = None, first_channels: Sequence[str] | None = None) -> pd.DataFrame:
        """Users per funnel step, one row per step in order: ``step`` (1-based), ``name``,
        ``users`` (reached step 1 and then every step up to this one, each at or after the
        previous) and ``users_any`` (had an event of this step at all). Only events dated in
        [start, end] count; ``first_channels`` keeps users whose earliest touch was on one of them."""

    @abstractmethod
    def daily_spend(self) -> pd.DataFrame:
        """Spend per day and channel (``date, channel, spend``; a missing amount counts 0) from the
        spend table: the media input of the media-mix model. Empty without a spend table."""

    @abstractmethod
    def daily_outcome(self, stage: str | None = None) -> pd.DataFrame:
        """Conversions and revenue per day (``day, conversions, revenue``) inside the spend table's
        date range, of one stage or of every conversion (``stage=None``)."""
