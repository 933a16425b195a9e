"""Touches in long form, and the helpers the rule-based models' weight functions share.

A rule-based model is a *weight function* (the ``weights`` of its registered
:class:`~attribution.models.registry.TouchRule`): given the touches of converting journeys (or of
unique paths) it returns one weight per touch, summing to 1 within each journey. The same function
gives the model's channel totals (weights times each journey's conversions and revenue, summed by
channel) and its exact per-journey credit (:func:`attribution.models.journey_credit`).
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.registry import empty_credit, tidy_credit


@dataclass(frozen=True, eq=False)
class TouchTable:
    """Touches of converting journeys (or unique paths) as aligned numpy arrays.

    ``group`` numbers the journeys (or paths) 0..G-1; ``channel`` indexes ``channels`` (every
    channel seen in the data, converting or not). ``extra`` holds optional touch columns
    (``ts``, ``hours_to_conversion``, ``milestone``, ...) when built from a touches table.
    """

    group: np.ndarray
    position: np.ndarray
    n_touches: np.ndarray
    channel: np.ndarray
    channels: np.ndarray
    group_ids: np.ndarray
    group_conversions: np.ndarray
    group_revenue: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_groups(self) -> int:
        """Number of journeys (or paths)."""
        return len(self.group_ids)

    def column(self, name: str) -> np.ndarray:
        """An optional touch column; ModelError when the data does not have it."""
        if name not in self.extra:
            raise ModelError(f"this model needs the touch column {name!r}, which the data lacks; "
                             "build journeys from touchpoints and conversions to get it")
        return self.extra[name]


WeightFunction = Callable[..., np.ndarray]


def table_from_touches(touches: pd.DataFrame, columns: Sequence[str] = ()) -> TouchTable:
    """A :class:`TouchTable` over every row of ``touches`` (whole journeys, any row order).

    ``touches`` needs ``journey_id``, ``position`` and ``channel``; ``columns`` are optional touch
    columns copied into ``extra`` when present. Each journey counts as one conversion (revenue 0):
    the table is for computing weights, which do not depend on either.
    """
    missing = [c for c in ("journey_id", "position", "channel") if c not in touches.columns]
    if missing:
        raise ModelError(f"touch weights need the column(s) {', '.join(missing)}")
    codes, channels = pd.factorize(touches["channel"])
    _check_channels(codes)
    group, group_ids = pd.factorize(touches["journey_id"].to_numpy())
    n_groups = len(group_ids)
    everything = np.ones(len(touches), dtype=bool)
    return TouchTable(group=group, position=touches["position"].to_numpy(dtype=np.int64),
                      n_touches=np.bincount(group, minlength=n_groups)[group], channel=codes,
                      channels=np.asarray(channels, dtype=object), group_ids=np.asarray(group_ids),
                      group_conversions=np.ones(n_groups), group_revenue=np.zeros(n_groups),
                      extra={c: _masked(touches[c], everything) for c in columns if c in touches.columns})


def group_sum(table: TouchTable, values: np.ndarray) -> np.ndarray:
    """Per-group sums of a per-touch array (length ``n_groups``)."""
    return np.bincount(table.group, weights=values, minlength=table.n_groups)


def normalise(table: TouchTable, values: np.ndarray) -> np.ndarray:
    """Scale non-negative per-touch values to sum to 1 within each group (uniform when all zero)."""
    totals = group_sum(table, values)
    empty = totals <= 0
    inverse = 1.0 / np.where(empty, 1.0, totals)
    scaled = values * inverse[table.group]
    if empty.any():
        scaled = np.where(empty[table.group], 1.0 / table.n_touches, scaled)
    return scaled


# Exploding paths is the costly part of a path-level model (one Python object per touch); the
# structure depends only on the (immutable) data object, so models run on the same data share it.
_EXPLODED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _explode(data: PathData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Path lengths, channel code per touch (paths concatenated) and channel names."""
    cached = _EXPLODED.get(data)
    if cached is None:
        column = data.paths["path"].tolist()
        lengths = np.fromiter(map(len, column), dtype=np.int64, count=len(column))
        codes, channels = pd.factorize(pd.Series(list(chain.from_iterable(column)), dtype=object))
        _check_channels(codes)
        cached = (lengths, codes, np.asarray(channels, dtype=object))
        _EXPLODED[data] = cached
    return cached


def path_table(data: PathData) -> TouchTable:
    """Explode the unique paths of ``data`` into touches, one group per path with conversions.

    Paths without conversions or revenue are left out (they carry no credit); ``channels`` still
    lists every channel of every path.
    """
    lengths, codes, channels = _explode(data)
    conversions = data.paths["conversions"].to_numpy(dtype=float)
    revenue = data.paths["revenue"].to_numpy(dtype=float)
    keep_path = ((conversions > 0) | (revenue != 0)) & (lengths > 0)
    path_of_touch = np.repeat(np.arange(len(lengths)), lengths)
    keep = keep_path[path_of_touch]
    group_of_path = np.cumsum(keep_path) - 1
    starts = np.cumsum(lengths) - lengths
    position = (np.arange(len(codes)) - np.repeat(starts, lengths) + 1)[keep]
    return TouchTable(group=group_of_path[path_of_touch[keep]], position=position,
                      n_touches=lengths[path_of_touch[keep]], channel=codes[keep], channels=channels,
                      group_ids=np.flatnonzero(keep_path), group_conversions=conversions[keep_path],
                      group_revenue=revenue[keep_path])


def _check_channels(codes: np.ndarray) -> None:
    if len(codes) and codes.min() < 0:
        raise ModelError(f"{int((codes < 0).sum())} touches have no channel; map or drop them "
                         "(e.g. group them as '(none)') before running a model")


def require_touches(data: PathData, label: str) -> pd.DataFrame:
    """The touches table of ``data``, or ModelError when ``data`` is aggregated paths only."""
    if not data.has_touches:
        raise ModelError(f"{label} needs touch timestamps; aggregated paths have none. "
                         "Load touchpoints and conversions (or an event log) to use it.")
    if not data.touches_on_driver:
        raise ModelError(f"{label} per touch or per journey needs the touches on this machine; these journeys "
                         "keep theirs in Spark, which computes channel totals, channel reports, journey phases and "
                         "intervals, but credit per touch or journey is as large as the touches. Build the "
                         "journeys with the DuckDB engine for it.")
    return data.touches


def journey_table(data: PathData, columns: Sequence[str] = (), label: str = "this model") -> TouchTable:
    """Touches of the converting journeys of ``data`` (one conversion each, with its revenue).

    ``columns`` are optional touch columns copied into ``extra`` when the table has them.
    """
    touches = require_touches(data, label)
    cached = _JOURNEY_BASE.get(data)
    if cached is None:
        cached = _journey_base(touches)
        _JOURNEY_BASE[data] = cached
    mask, base = cached
    extra = {c: _masked(touches[c], mask) for c in columns if c in touches.columns}
    return replace(base, extra=extra)


# the columns every touch-level model reads, shared by the models run on the same journeys
_JOURNEY_BASE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _journey_base(touches: pd.DataFrame) -> tuple[np.ndarray, TouchTable]:
    mask = touches["converted"].to_numpy(dtype=bool, na_value=False)
    codes, channels = pd.factorize(touches["channel"])
    _check_channels(codes)
    group, group_ids = pd.factorize(touches["journey_id"].to_numpy()[mask])
    n_groups = len(group_ids)
    revenue = np.zeros(n_groups)
    revenue[group] = touches["revenue"].to_numpy(dtype=float, na_value=0.0)[mask]
    # count touches per journey here rather than trusting n_touches, so a filtered table still works
    n_touches = np.bincount(group, minlength=n_groups)[group]
    return mask, TouchTable(group=group, position=touches["position"].to_numpy(dtype=np.int64)[mask],
                            n_touches=n_touches, channel=codes[mask],
                            channels=np.asarray(channels, dtype=object), group_ids=np.asarray(group_ids),
                            group_conversions=np.ones(n_groups), group_revenue=revenue)


def hours_to_conversion(table: TouchTable) -> np.ndarray:
    """Hours from each touch to its conversion (from ``ts``/``conversion_ts`` where missing), >= 0."""
    hours = np.asarray(table.column("hours_to_conversion"), dtype=float).copy()
    missing = np.isnan(hours)
    if missing.any() and {"ts", "conversion_ts"} <= table.extra.keys():
        gap = pd.Series(table.extra["conversion_ts"]) - pd.Series(table.extra["ts"])
        hours[missing] = (gap.dt.total_seconds().to_numpy() / 3600.0)[missing]
    if np.isnan(hours).any():
        raise ModelError("some touches of converting journeys have no hours_to_conversion "
                         "(and no ts/conversion_ts to derive it); fix those rows first")
    # a touch logged a moment after its conversion (clock skew) counts as at the conversion
    return np.maximum(hours, 0.0)


def _masked(column: pd.Series, mask: np.ndarray):
    """Rows of a column as an array; text stays an extension array (converting it costs seconds)."""
    if column.dtype.kind in "biufcmM":
        return column.to_numpy()[mask]
    return column.array[mask]


def credit_from_weights(model: str, table: TouchTable, weights: np.ndarray) -> pd.DataFrame:
    """The tidy credit frame: per-touch weights times journey conversions and revenue, by channel."""
    if table.group_conversions.sum() <= 0 and not np.any(table.group_revenue):
        return empty_credit(model)
    n = len(table.channels)
    conv = np.bincount(table.channel, weights=weights * table.group_conversions[table.group], minlength=n)
    rev = np.bincount(table.channel, weights=weights * table.group_revenue[table.group], minlength=n)
    names = pd.Index(table.channels.astype(str))
    return tidy_credit(model, pd.Series(conv, index=names), pd.Series(rev, index=names))


def channel_flags(table: TouchTable, names: Sequence[str] | str) -> np.ndarray:
    """Per-touch booleans: is the touch's channel one of ``names`` (case-insensitive, trimmed)."""
    wanted = {names.strip().casefold()} if isinstance(names, str) else {n.strip().casefold() for n in names}
    per_channel = np.array([str(c).strip().casefold() in wanted for c in table.channels], dtype=bool)
    return per_channel[table.channel] if len(per_channel) else np.zeros(len(table.channel), dtype=bool)


def bool_column(values: np.ndarray) -> np.ndarray:
    """A flag column (bool, boolean with NA, or object with None) as plain booleans, NA = False."""
    return pd.array(values, dtype="boolean").fillna(False).to_numpy(dtype=bool)
