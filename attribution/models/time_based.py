"""Rule models that read touch times or funnel milestones: linear by day, time decay, W-shaped.

Only converting journeys get credit. ``linear_by_day`` and ``time_decay`` need the touches table
(timestamps); ``w_shaped`` uses funnel milestones from the touches when it has them and otherwise
falls back to fixed positions, so it also runs on aggregated paths.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.registry import LOCAL_CREDIT, TouchRule, register
from attribution.models.touch_table import (
    TouchTable,
    credit_from_weights,
    group_sum,
    hours_to_conversion,
    journey_table,
    normalise,
    path_table,
)

MILESTONES = ("lead", "opportunity")
ANCHOR_SHARE = 0.3   # W-shaped: first, lead-creation and opportunity-creation touch each
REST_SHARE = 0.1     # shared by the other touches


def _calendar_days(values) -> np.ndarray:
    """Day numbers (days since 1970-01-01, wall-clock date) of a timestamp column."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        missing = np.isnat(values)
    else:   # text, or timezone-aware timestamps: wall-clock date in their own zone
        ts = pd.Series(values)
        if not pd.api.types.is_datetime64_any_dtype(ts):
            ts = pd.to_datetime(ts, format="ISO8601")
        if getattr(ts.dt, "tz", None) is not None:
            ts = ts.dt.tz_localize(None)
        values = ts.to_numpy()
        missing = np.isnat(values)
    if missing.any():
        raise ModelError("some touches of converting journeys have no timestamp (ts); "
                         "fix or drop those rows before running a time-based model")
    return values.astype("datetime64[D]").astype(np.int64)


def linear_by_day_weights(table: TouchTable) -> np.ndarray:
    """Each calendar day with touches gets an equal share, split equally among that day's touches."""
    day = _calendar_days(table.column("ts"))
    if len(day) == 0:
        return np.zeros(0)
    span = int(day.max() - day.min()) + 1
    day_key, day_keys = pd.factorize(table.group.astype(np.int64) * span + (day - day.min()))
    touches_that_day = np.bincount(day_key)[day_key]
    days_in_journey = np.bincount(np.asarray(day_keys) // span, minlength=table.n_groups)
    return 1.0 / (days_in_journey[table.group] * touches_that_day)


def time_decay_weights(table: TouchTable, *, half_life_days: float = 7.0) -> np.ndarray:
    """w = 2^(-Δt / H) per touch (Δt = time to conversion, H = half life), normalised per journey."""
    if not half_life_days > 0:
        raise ModelError(f"time_decay needs half_life_days > 0; got {half_life_days}")
    hours = hours_to_conversion(table)
    # measure Δt from each journey's latest touch: the factor cancels in the normalisation and
    # keeps very old touches (unlimited lookback) from underflowing to an all-zero journey
    latest = np.full(table.n_groups, np.inf)
    np.minimum.at(latest, table.group, hours)
    raw = np.exp2(-(hours - latest[table.group]) / (24.0 * half_life_days))
    return raw / group_sum(table, raw)[table.group]


def _milestone_positions(table: TouchTable, name: str, fallback: np.ndarray) -> np.ndarray:
    """Per journey, the position of the last touch tagged ``name`` (else ``fallback``)."""
    found = np.zeros(table.n_groups, dtype=np.int64)
    if "milestone" in table.extra:
        # compare the few distinct tags, not every touch (-1 = no tag indexes the final False)
        codes, tags = pd.factorize(table.extra["milestone"])
        wanted = name.strip().casefold()
        match = np.array([str(t).strip().casefold() == wanted for t in tags] + [False], dtype=bool)
        hit = match[codes]
        np.maximum.at(found, table.group[hit], table.position[hit])
    return np.where(found > 0, found, fallback)


def w_shaped_weights(table: TouchTable, *, milestones: Sequence[str] = MILESTONES) -> np.ndarray:
    """30 % each to the first, lead-creation and opportunity-creation touch; 10 % to the others.

    Milestone touches come from the ``milestone`` column (last touch tagged ``milestones[0]`` /
    ``milestones[1]``); a journey without a tag uses its middle touch ⌈k/2⌉ / its last touch.
    A touch that is two anchors at once gets both shares. Journeys of k <= 3 touches split equally.
    """
    if isinstance(milestones, str) or len(milestones) != 2:
        raise ModelError(f"w_shaped needs milestones as two stage names (lead, opportunity); got {milestones!r}")
    k_group = np.bincount(table.group, minlength=table.n_groups)
    lead = _milestone_positions(table, milestones[0], (k_group + 1) // 2)[table.group]
    opportunity = _milestone_positions(table, milestones[1], k_group)[table.group]
    pos = table.position
    anchors = (pos == 1).astype(float) + (pos == lead) + (pos == opportunity)
    others = group_sum(table, (anchors == 0).astype(float))[table.group]
    raw = np.where(anchors > 0, ANCHOR_SHARE * anchors, REST_SHARE / np.maximum(others, 1.0))
    # anchors that coincide leave fewer than three distinct ones: normalise so each journey sums to 1
    w = normalise(table, raw)
    return np.where(table.n_touches <= 3, 1.0 / table.n_touches, w)


LINEAR_BY_DAY_RULE = TouchRule(
    linear_by_day_weights, inputs=("journey_id", "ts"),
    formula="w = 1 / (D × n_d): D = distinct calendar dates (of ts, wall clock) in the journey, "
            "n_d = the journey's touches on the touch's date")
TIME_DECAY_RULE = TouchRule(
    time_decay_weights, inputs=("journey_id", "hours_to_conversion", "ts", "conversion_ts"),
    formula="w ∝ 2^(−Δt / (24·half_life_days)), Δt = hours_to_conversion (or conversion_ts − ts "
            "where it is missing; negative counts as 0), normalised to sum to 1 per journey")
W_SHAPED_RULE = TouchRule(
    w_shaped_weights, inputs=("journey_id", "position", "n_touches", "milestone"),
    formula="n_touches <= 3: w = 1 / n_touches. Otherwise anchors are position 1, the lead touch (last "
            "touch whose milestone is milestones[0], else position ⌈n_touches/2⌉) and the opportunity "
            "touch (last tagged milestones[1], else position n_touches); w = 0.3 per anchor a touch is, "
            "0.1 shared equally by the non-anchor touches, then normalised to sum to 1 per journey")


@register("linear_by_day", label="Linear by day", needs_touches=True,
          description="Each calendar day of a journey gets equal credit, split among that day's touches.",
          touch_rule=LINEAR_BY_DAY_RULE, bootstrap=LOCAL_CREDIT)
def linear_by_day(data: PathData) -> pd.DataFrame:
    """Give each calendar day of a converting journey an equal share, split among its touches.

    Parameters
    ----------
    data : Journeys
        Needs touch timestamps; :class:`PathData` raises :class:`ModelError`.

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    table = journey_table(data, LINEAR_BY_DAY_RULE.columns, label="Linear by day")
    return credit_from_weights("linear_by_day", table, linear_by_day_weights(table))


@register("time_decay", label="Time decay", needs_touches=True,
          description="Touches closer to the conversion get more credit: weight halves every "
                      "half_life_days before it.",
          touch_rule=TIME_DECAY_RULE, bootstrap=LOCAL_CREDIT)
def time_decay(data: PathData, *, half_life_days: float = 7.0) -> pd.DataFrame:
    """Credit touches by w = 2^(−Δt/H), Δt = time to conversion, normalised per journey.

    Parameters
    ----------
    data : Journeys
        Needs touch timestamps; :class:`PathData` raises :class:`ModelError`.
    half_life_days : float
        H: a touch this many days before the conversion weighs half a touch at the conversion.

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    table = journey_table(data, TIME_DECAY_RULE.columns, label="Time decay")
    return credit_from_weights("time_decay", table, time_decay_weights(table, half_life_days=half_life_days))


@register("w_shaped", label="W-shaped", needs_touches=False,
          description="30 % each to the first, lead-creation and opportunity-creation touch, "
                      "10 % shared by the others.",
          touch_rule=W_SHAPED_RULE, bootstrap=LOCAL_CREDIT)
def w_shaped(data: PathData, *, milestones: Sequence[str] = MILESTONES) -> pd.DataFrame:
    """W-shaped credit: 30/30/30 to the first, lead and opportunity touch, 10 % to the rest.

    Parameters
    ----------
    data : Journeys or PathData
        With a touches table whose ``milestone`` column tags funnel stages, those touches are the
        lead and opportunity touches; otherwise the middle touch ⌈k/2⌉ and the last touch are.
    milestones : pair of str
        The stage names of lead creation and opportunity creation (case-insensitive).

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    if W_SHAPED_RULE.reads_touches(data):
        table = journey_table(data, W_SHAPED_RULE.columns, label="W-shaped")
    else:
        table = path_table(data)
    return credit_from_weights("w_shaped", table, w_shaped_weights(table, milestones=milestones))
