"""Position-based rule models: first touch, last touch, last non-direct, linear, position based (U).

They need only the order of touches, so they run on the aggregated ``paths`` (each unique path
weighted by its conversions, revenue split with the same weights) and work on
:class:`~attribution.journeys.data.PathData` as well as on journeys. Each model's per-touch rule is a
registered weight function, reused for exact per-journey credit.
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
    WeightFunction,
    channel_flags,
    credit_from_weights,
    path_table,
)

DIRECT_CHANNELS = ("direct", "(direct)", "direct traffic", "(none)")


def first_touch_weights(table: TouchTable) -> np.ndarray:
    """Weight 1 on each journey's first touch."""
    return (table.position == 1).astype(float)


def last_touch_weights(table: TouchTable) -> np.ndarray:
    """Weight 1 on each journey's last touch."""
    return (table.position == table.n_touches).astype(float)


def last_non_direct_weights(table: TouchTable, *,
                            direct_channels: Sequence[str] | str = DIRECT_CHANNELS) -> np.ndarray:
    """Weight 1 on the last touch whose channel is not direct; the last touch if all are direct."""
    direct = channel_flags(table, direct_channels)
    # position of the last non-direct touch per journey (0 when the whole journey is direct)
    last_nd = np.zeros(table.n_groups, dtype=np.int64)
    np.maximum.at(last_nd, table.group, np.where(direct, 0, table.position))
    target = last_nd[table.group]
    target = np.where(target > 0, target, table.n_touches)
    return (table.position == target).astype(float)


def linear_weights(table: TouchTable) -> np.ndarray:
    """Weight 1/k on each of a journey's k touches."""
    return 1.0 / table.n_touches


def position_based_weights(table: TouchTable, *, first: float = 0.4, last: float = 0.4) -> np.ndarray:
    """U-shaped weights: ``first`` and ``last`` to the end touches, the rest shared by the middle.

    One touch gets 1. Two touches split ``first : last`` (50/50 at the defaults). With k >= 3 the
    middle k - 2 touches share ``1 - first - last`` equally.
    """
    _check_position_params(first, last)
    k = table.n_touches
    pos = table.position
    ends = first + last
    two_first, two_last = (first / ends, last / ends) if ends > 0 else (0.5, 0.5)
    middle = (1.0 - ends) / np.maximum(k - 2, 1)
    w = np.where(pos == 1, first, np.where(pos == k, last, middle))
    w = np.where(k == 2, np.where(pos == 1, two_first, two_last), w)
    return np.where(k == 1, 1.0, w)


def _check_position_params(first: float, last: float) -> None:
    if first < 0 or last < 0 or first + last > 1 + 1e-12:
        raise ModelError(f"position_based needs first >= 0, last >= 0 and first + last <= 1; "
                         f"got first={first}, last={last}")


def _on_paths(name: str, weights: WeightFunction, data: PathData, **params) -> pd.DataFrame:
    table = path_table(data)
    return credit_from_weights(name, table, weights(table, **params))


@register("first_touch", label="First touch", needs_touches=False,
          description="All credit to the first touch of each converting journey.",
          touch_rule=TouchRule(first_touch_weights, inputs=("position",),
                               formula="w = 1 if position == 1 else 0"),
          bootstrap=LOCAL_CREDIT)
def first_touch(data: PathData) -> pd.DataFrame:
    """Credit each conversion (and its revenue) to the journey's first touch.

    Parameters
    ----------
    data : Journeys or PathData

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    return _on_paths("first_touch", first_touch_weights, data)


@register("last_touch", label="Last touch", needs_touches=False,
          description="All credit to the last touch before each conversion.",
          touch_rule=TouchRule(last_touch_weights, inputs=("position", "n_touches"),
                               formula="w = 1 if position == n_touches else 0"),
          bootstrap=LOCAL_CREDIT)
def last_touch(data: PathData) -> pd.DataFrame:
    """Credit each conversion (and its revenue) to the journey's last touch.

    Parameters
    ----------
    data : Journeys or PathData

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    return _on_paths("last_touch", last_touch_weights, data)


@register("last_non_direct", label="Last non-direct touch", needs_touches=False,
          description="All credit to the last touch that is not direct traffic "
                      "(direct only when the whole journey is direct).",
          touch_rule=TouchRule(last_non_direct_weights,
                               inputs=("journey_id", "position", "n_touches", "channel"),
                               formula="w = 1 on the journey's last touch whose channel is not one of "
                                       "direct_channels (case-insensitive, trimmed), or on its last touch "
                                       "when every touch is direct; else 0"),
          bootstrap=LOCAL_CREDIT)
def last_non_direct(data: PathData, *, direct_channels: Sequence[str] | str = DIRECT_CHANNELS) -> pd.DataFrame:
    """Credit each conversion to the last touch whose channel is not direct.

    Parameters
    ----------
    data : Journeys or PathData
    direct_channels : sequence of str
        Channel names that count as direct, compared case-insensitively. A journey made only of
        direct touches credits its last touch.

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    return _on_paths("last_non_direct", last_non_direct_weights, data, direct_channels=direct_channels)


@register("linear", label="Linear", needs_touches=False,
          description="Equal credit to every touch (a channel touched twice gets twice the share).",
          touch_rule=TouchRule(linear_weights, inputs=("n_touches",),
                               formula="w = 1 / n_touches"),
          bootstrap=LOCAL_CREDIT)
def linear(data: PathData) -> pd.DataFrame:
    """Credit 1/k of each conversion to each of the journey's k touches.

    Parameters
    ----------
    data : Journeys or PathData

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    return _on_paths("linear", linear_weights, data)


@register("position_based", label="Position based (U-shaped)", needs_touches=False,
          description="40 % to the first touch, 40 % to the last, 20 % shared by the touches between.",
          touch_rule=TouchRule(position_based_weights, inputs=("position", "n_touches"),
                               formula="n_touches = 1: w = 1. n_touches = 2: w = first / (first + last) at "
                                       "position 1 and last / (first + last) at 2 (1/2 each when both are 0). "
                                       "Otherwise w = first at position 1, last at n_touches and "
                                       "(1 - first - last) / (n_touches - 2) in between"),
          bootstrap=LOCAL_CREDIT)
def position_based(data: PathData, *, first: float = 0.4, last: float = 0.4) -> pd.DataFrame:
    """U-shaped credit: ``first`` to the first touch, ``last`` to the last, the rest to the middle.

    Parameters
    ----------
    data : Journeys or PathData
    first, last : float
        Shares of the first and last touch (each >= 0, together <= 1). A one-touch journey gives
        its touch 100 %; a two-touch journey splits ``first : last``.

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    _check_position_params(first, last)
    return _on_paths("position_based", position_based_weights, data, first=first, last=last)
