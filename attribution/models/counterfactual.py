"""Leave-one-out counterfactual attribution in the style of Google's fractribution.

Fractribution (github.com/google/fractribution, ``py/fractribution.py``) documents this model:

1. Apply a path transform, then pool journeys with the same transformed path.
2. P(path) = conversions / (conversions + non-conversions) of that path; 0 for an unseen path.
3. For a converting path and each touch i, the counterfactual path drops touch i, and the
   marginal contribution is m_i = max(P(path) − P(path without touch i), 0) (negatives floored).
4. The m_i are normalised to sum to 1 per path; if all are 0, the last touch gets everything.
   A one-touch path gives its touch everything.
5. The path's conversions (and revenue) are split by these fractions and summed per channel.

Path transforms (fractribution's names), for a path D > A > B > B > C > D > C > C:

- ``unique``: unchanged;
- ``exposure`` (default): consecutive repeats collapsed, D > A > B > C > D > C;
- ``first``: first occurrence of each channel only, D > A > B > C;
- ``frequency``: first occurrences, each tagged with the channel's touch count,
  D(2) > A(1) > B(2) > C(3); credit to a tagged touch goes to its channel.

One deliberate difference: with ``exposure``, dropping B from A > B > A leaves A > A, which can
never be observed after the transform, so fractribution scores it 0. We re-apply the transform to
the counterfactual (A > B > A without B is A) unless ``retransform=False``, which reproduces
fractribution exactly. The other transforms need no re-application.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.path_arrays import (
    HASH_BASES,
    LENGTH_MIX,
    EncodedPaths,
    collapse_repeats,
    encode_paths,
    first_occurrences,
    merge_identical,
    pair_lookup,
    path_hashes,
    prefix_hashes,
)
from attribution.models.registry import FastRefit, empty_credit, register, tidy_credit

PATH_TRANSFORMS = ("unique", "exposure", "first", "frequency")


def transform_paths(enc: EncodedPaths, path_transform: str) -> tuple[EncodedPaths, np.ndarray]:
    """Apply a fractribution path transform and pool identical paths.

    Returns the transformed paths and, per token code of the result, the original channel code
    (tokens differ from channels only under ``frequency``).
    """
    if path_transform not in PATH_TRANSFORMS:
        raise ModelError(f"unknown path_transform {path_transform!r}; choose one of {', '.join(PATH_TRANSFORMS)}")
    identity = np.arange(enc.n_channels)
    if path_transform == "exposure":
        return merge_identical(collapse_repeats(enc)), identity
    if path_transform == "first":
        return merge_identical(first_occurrences(enc)), identity
    if path_transform == "frequency":
        return _frequency_tokens(enc)
    return merge_identical(enc), identity


def _frequency_tokens(enc: EncodedPaths) -> tuple[EncodedPaths, np.ndarray]:
    """First occurrences, each recoded as token (channel, touch count in the path)."""
    key = enc.path_of_touch.astype(np.int64) * enc.n_channels + enc.codes
    uniq, counts = np.unique(key, return_counts=True)
    firsts = first_occurrences(enc)
    first_key = firsts.path_of_touch.astype(np.int64) * enc.n_channels + firsts.codes
    freq = counts[np.searchsorted(uniq, first_key)]
    width = int(freq.max(initial=1)) + 1
    token_codes, token_uniques = pd.factorize(firsts.codes.astype(np.int64) * width + freq, sort=True)
    channel_of = (token_uniques // width).astype(np.int64)
    names = np.array([f"{enc.channels[c]}({n})" for c, n in zip(channel_of, token_uniques % width, strict=True)],
                     dtype=object)
    tokens = EncodedPaths(names, token_codes.astype(np.int32), firsts.offsets, firsts.conversions,
                          firsts.revenue, firsts.nulls)
    return merge_identical(tokens), channel_of


def _leave_one_out_hashes(enc: EncodedPaths, collapse_neighbours: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per touch, the two hashes (as in :func:`path_hashes`) of its path without that touch."""
    pos = enc.position
    path = enc.path_of_touch
    length = enc.lengths[path]
    first = pos == 0
    merge = np.zeros(len(enc.codes), dtype=bool)
    if collapse_neighbours:
        inner = np.flatnonzero((pos > 0) & (pos < length - 1))
        merge[inner] = enc.codes[inner - 1] == enc.codes[inner + 1]
    # a merged neighbour pair drops touches i and i+1 (the next duplicate)
    skip = 1 + merge.astype(np.int64)
    new_len = (length - skip).astype(np.uint64)
    out = []
    for base in HASH_BASES:
        prefix, full = prefix_hashes(enc, base)
        powers = np.cumprod(np.concatenate([[np.uint64(1)], np.full(int(length.max(initial=1)), base)]))
        last_kept = np.minimum(np.arange(len(enc.codes)) + skip - 1, enc.offsets[1:][path] - 1)
        # hash of the suffix after the removed touch(es): H − prefix(last removed) · B^(remaining)
        rest = (length - 1 - pos - (skip - 1)).astype(np.int64)
        suffix = full[path] - prefix[last_kept] * powers[rest]
        before = np.where(first, np.uint64(0), prefix[np.maximum(np.arange(len(enc.codes)) - 1, 0)])
        h = before * powers[rest] + suffix
        out.append(h ^ (new_len * LENGTH_MIX))
    return out[0], out[1]


@register("counterfactual", label="Counterfactual (fractribution)",
          description="Leave-one-out drop in path conversion rate, normalised per path (fractribution)",
          needs_touches=False,
          touch_rule=None, bootstrap=FastRefit("attribution.uncertainty.refit_counterfactual:CounterfactualRefit"))
def counterfactual(data: PathData, *, path_transform: str = "exposure",
                   retransform: bool = True) -> pd.DataFrame:
    """Fractribution-style leave-one-out attribution (see module docstring).

    Parameters
    ----------
    data : PathData or Journeys
    path_transform : {"exposure", "unique", "first", "frequency"}
        Transform applied to every path before pooling (fractribution's default: exposure).
    retransform : bool
        Re-apply the transform to counterfactual paths (matters for ``exposure`` only);
        False reproduces fractribution exactly.

    Returns
    -------
    DataFrame
        The tidy credit frame ``model, channel, conversions, revenue, share``.
    """
    base = encode_paths(data.paths)
    if base.conversions.sum() <= 0:
        return empty_credit("counterfactual")
    enc, channel_of = transform_paths(base, path_transform)
    h1, h2 = path_hashes(enc)
    journeys = enc.conversions + enc.nulls
    p_path = np.where(journeys > 0, enc.conversions / np.where(journeys > 0, journeys, 1.0), 0.0)
    conv = enc.select(enc.conversions > 0)
    p_conv = p_path[enc.conversions > 0]
    q1, q2 = _leave_one_out_hashes(conv, retransform and path_transform == "exposure")
    found = pair_lookup(h1, h2, q1, q2)
    p_without = np.where(found >= 0, p_path[np.maximum(found, 0)], 0.0)
    path = conv.path_of_touch
    m = np.maximum(p_conv[path] - p_without, 0.0)
    total = np.bincount(path, weights=m, minlength=conv.n_paths)
    last = np.zeros(len(m), dtype=bool)
    last[conv.offsets[1:] - 1] = True
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total[path] > 0, m / total[path], last.astype(float))
    channels = channel_of[conv.codes]
    n = base.n_channels
    credit = np.bincount(channels, weights=share * conv.conversions[path], minlength=n)
    revenue = np.bincount(channels, weights=share * conv.revenue[path], minlength=n)
    names = base.channels.astype(str)
    return tidy_credit("counterfactual", pd.Series(credit, index=names), pd.Series(revenue, index=names))
