"""Simplified and ordered Shapley attribution (Zhao, Mahboobi & Bagheri 2018, arXiv:1804.05327).

Players are channels. Let R(S) be the conversions of journeys whose set of channels is exactly S
(touch order and repeats ignored). Zhao et al. take the coalition value

    v(S) = Σ_{T ⊆ S} R(T)        (conversions of journeys that used only channels in S),

whose Shapley value simplifies to

    φ_c = Σ_{S ∋ c} R(S) / |S|,

i.e. each converting journey's conversion is shared equally among its distinct channels. The
**ordered** Shapley value splits φ_c by the position at which c enters the journey: with S taken
in order of first touch, φ_c^i = Σ_{S : S_i = c} R(S) / |S|, and Σ_i φ_c^i = φ_c. Revenue uses
the same formula with R(S) = revenue of those journeys. Exact, deterministic, no sampling.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.path_arrays import EncodedPaths, encode_paths, first_occurrences
from attribution.models.registry import LocalCredit, TouchRule, empty_credit, register, tidy_credit
from attribution.models.touch_table import TouchTable, group_sum


def _distinct_touches(data: PathData) -> tuple[EncodedPaths, np.ndarray]:
    """Converting paths reduced to first touches of each channel, and each touch's 1/|S| weight."""
    enc = encode_paths(data.paths)
    enc = first_occurrences(enc.select(enc.conversions > 0))
    per_touch = 1.0 / np.repeat(enc.lengths, enc.lengths)
    return enc, per_touch


def distinct_channel_weights(table: TouchTable, *, ordered: bool = False) -> np.ndarray:
    """1/|S| on the first touch of each of a journey's |S| distinct channels, 0 on repeats.

    This is one conversion's simplified Shapley credit (``ordered`` does not change it).
    """
    n_channels = max(len(table.channels), 1)
    key = table.group.astype(np.int64) * n_channels + table.channel
    order = np.lexsort((table.position, key))
    first = np.zeros(len(key), dtype=bool)
    if len(key):
        sorted_key = key[order]
        first[order] = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
    distinct = group_sum(table, first.astype(float))
    return np.where(first, 1.0 / np.maximum(distinct, 1.0)[table.group], 0.0)


# Each journey's credit depends only on its own channel set, so a bootstrap replicate is the
# resampled path counts times this rule's per-path credit.
SHAPLEY_PATH_RULE = TouchRule(
    distinct_channel_weights, inputs=("journey_id", "position", "channel"),
    formula="w = 1 / |S| on the first touch of each channel, |S| = distinct channels in the journey; "
            "0 on a channel's later touches")


@register("shapley", label="Shapley (simplified)",
          description="Zhao et al. simplified Shapley: each conversion shared equally by its distinct channels",
          needs_touches=False, touch_rule=None, bootstrap=LocalCredit(path_rule=SHAPLEY_PATH_RULE))
def shapley(data: PathData, *, ordered: bool = False) -> pd.DataFrame:
    """Simplified Shapley value per channel (see module docstring).

    Parameters
    ----------
    data : PathData or Journeys
    ordered : bool
        Compute the ordered Shapley value and sum it over positions. Its channel totals equal the
        unordered values by construction (Σ_i φ_c^i = φ_c), so the frame is the same; the split by
        position is :func:`shapley_by_position`.

    Returns
    -------
    DataFrame
        The tidy credit frame ``model, channel, conversions, revenue, share``.
    """
    if ordered:
        by_pos = shapley_by_position(data, max_positions=None)
        if by_pos.empty:
            return empty_credit("shapley")
        sums = by_pos.groupby("channel", sort=True)[["conversions", "revenue"]].sum()
        return tidy_credit("shapley", sums["conversions"], sums["revenue"])
    enc, per_touch = _distinct_touches(data)
    if enc.n_paths == 0:
        return empty_credit("shapley")
    path = enc.path_of_touch
    n = enc.n_channels
    conv = np.bincount(enc.codes, weights=enc.conversions[path] * per_touch, minlength=n)
    rev = np.bincount(enc.codes, weights=enc.revenue[path] * per_touch, minlength=n)
    names = enc.channels.astype(str)
    return tidy_credit("shapley", pd.Series(conv, index=names), pd.Series(rev, index=names))


def shapley_by_position(data: PathData, max_positions: int | None = 10) -> pd.DataFrame:
    """Ordered Shapley value: credit per channel and position at which the channel enters.

    Parameters
    ----------
    data : PathData or Journeys
    max_positions : int or None
        Positions beyond this are pooled into position ``max_positions`` (read it as "this
        position or later"), so totals still sum to all conversions. None keeps every position.

    Returns
    -------
    DataFrame
        ``channel, position, conversions, revenue`` (position is 1-based, counted over distinct
        channels in order of first touch), one row per observed pair, sorted by channel and
        position. Summed over positions it equals :func:`shapley`.
    """
    if max_positions is not None and (not isinstance(max_positions, int | np.integer) or max_positions < 1):
        raise ModelError(f"max_positions must be a positive integer or None, got {max_positions!r}")
    enc, per_touch = _distinct_touches(data)
    columns = ["channel", "position", "conversions", "revenue"]
    if enc.n_paths == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "channel" else "float64") for c in columns})
    position = enc.position + 1
    if max_positions is not None:
        position = np.minimum(position, max_positions)
    path = enc.path_of_touch
    frame = pd.DataFrame({"code": enc.codes, "position": position,
                          "conversions": enc.conversions[path] * per_touch,
                          "revenue": enc.revenue[path] * per_touch})
    out = frame.groupby(["code", "position"], sort=True, as_index=False)[["conversions", "revenue"]].sum()
    out.insert(0, "channel", enc.channels[out.pop("code").to_numpy()].astype(str))
    return out.sort_values(["channel", "position"], ignore_index=True)[columns]
