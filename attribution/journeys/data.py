"""The two shapes of data every model reads: built journeys and aggregated paths.

Both expose ``paths``: one row per unique path with columns

- ``path``: tuple of channel names in touch order (after path transforms),
- ``conversions``: float, number of journeys on this path that converted,
- ``revenue``: float, total conversion value of those journeys,
- ``nulls``: float, number of journeys on this path that did not convert.

:class:`Journeys` also exposes ``touches`` (the ``journey_touches`` table, one row per touch, sorted
by ``journey_id, position``) with columns::

    journey_id int64, user_id str, converted bool, revenue float64 (journey revenue, repeated on
    each touch), conversion_ts datetime64 (NaT when not converted), stage str|None (the
    conversion's stage), position int (1-based, after transforms), n_touches int, channel str,
    ts datetime64, hours_to_conversion float64 (NaN when not converted), cost float64 (0 when
    unknown), milestone str|None (name of an earlier funnel stage this touch was the last touch
    before, e.g. "lead"), campaign, session_id, interaction str|None, holder_engagement,
    closer_engagement bool|None, hours_since_previous float64 (NaN for a user's first touch).

Models that need timestamps check ``has_touches`` and refuse :class:`PathData` with a
:class:`~attribution.errors.ModelError`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

PATH_COLUMNS = ["path", "conversions", "revenue", "nulls"]
TOUCH_COLUMNS = [
    "journey_id", "user_id", "converted", "revenue", "conversion_ts", "stage", "position",
    "n_touches", "channel", "ts", "hours_to_conversion", "cost", "milestone", "campaign",
    "session_id", "interaction", "holder_engagement", "closer_engagement", "hours_since_previous",
]


#: the channel name of conversions that have no touch (see :class:`JourneyStats`)
NO_TOUCH = "(no touch)"
NO_TOUCH_DAILY_COLUMNS = ["date", "conversions", "revenue"]


@dataclass(frozen=True, eq=False)
class JourneyStats:
    """Counts that explain what the build kept.

    ``conversions_counted`` are the conversions that end journeys under the settings: of the
    chosen ``stage`` (every stage when None), each user's first only with ``first_only``, dated
    (conversion date) in [``start``, ``end``]. A counted conversion **has no touch** when no touch
    of its user falls in its window: at or before the conversion, inside the lookback window
    (``lookback_days`` before it) and, with ``reset_on_conversion``, after the user's previous
    counted conversion, on a channel that is not excluded (``exclude_channels``: a journey made only
    of excluded channels is left with no touch). The step cap and path transforms never empty a
    journey. Such conversions make no journey; they are counted here
    (``conversions_without_touches``, their summed revenue ``revenue_without_touches`` and per
    conversion date ``no_touch_daily``: ``date, conversions, revenue``, one row per date with
    any) and every model result and report shows them as one row on the channel
    ``JourneySettings.no_touch_channel`` (default :data:`NO_TOUCH`, "(no touch)"), so channel totals
    equal ``conversions_counted``. Every engine computes these the same way. For aggregated paths
    (no window) :func:`attribution.journeys.transforms.transform_paths` counts the conversions of
    paths made only of excluded channels the same way (``no_touch_daily`` is None: no dates).
    """

    journeys: int
    converting_journeys: int
    touches: int
    conversions_counted: int
    conversions_without_touches: int
    revenue_without_touches: float = 0.0
    no_touch_daily: pd.DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class PathData:
    """Aggregated paths only (e.g. a ChannelAttribution file): no timestamps, no touches."""

    paths: pd.DataFrame
    fingerprint: str = ""
    source: str = "paths"
    #: ``() -> (spend frame | None, source)``: the spend of the dataset these paths came from, over
    #: their date range and grouped by their channel rules (set by the engine; None for frames made
    #: by hand). :func:`attribution.reports.channel_report.channel_report` reads it when no spend is
    #: passed, so ``at.channel_report(ds.journeys())`` reports the dataset's spend.
    load_spend: Callable[[], tuple[pd.DataFrame | None, str]] | None = field(default=None, repr=False)
    #: the JourneySettings the data were built under (None for frames made by hand)
    settings: Any = None
    #: :class:`JourneyStats` of the build (None for frames made by hand and untransformed paths)
    stats: Any = None

    has_touches = False

    @property
    def total_conversions(self) -> float:
        """Total converting journeys."""
        return float(self.paths["conversions"].sum())

    @property
    def total_revenue(self) -> float:
        """Total conversion value."""
        return float(self.paths["revenue"].sum())

    @property
    def channels(self) -> list[str]:
        """Sorted channel names that appear on any path."""
        return sorted({c for p in self.paths["path"] for c in p})


@dataclass(frozen=True, eq=False)
class Journeys(PathData):
    """Built journeys: aggregated paths plus the per-touch ``journey_touches`` table.

    ``touches`` is loaded lazily through ``load_touches`` (one DuckDB query) the first time it is
    read, because most path-based models never need it.
    """

    load_touches: Callable[[], pd.DataFrame] | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    has_touches = True

    @property
    def touches(self) -> pd.DataFrame:
        """The ``journey_touches`` table (see module docstring)."""
        if "touches" not in self._cache:
            if self.load_touches is None:
                raise ValueError("these journeys were built without a touches table")
            self._cache["touches"] = self.load_touches()
        return self._cache["touches"]

    @classmethod
    def from_frames(cls, paths: pd.DataFrame, touches: pd.DataFrame, *, fingerprint: str = "",
                    settings: Any = None) -> Journeys:
        """Wrap in-memory frames (tests and notebooks)."""
        return cls(paths=paths, fingerprint=fingerprint, source="journeys",
                   load_touches=lambda: touches, settings=settings)
