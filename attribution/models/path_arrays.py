"""Aggregated paths as flat integer arrays, the common input of the data-driven models.

A paths frame (one row per unique path: ``path`` tuple, ``conversions``, ``revenue``, ``nulls``)
becomes :class:`EncodedPaths`: every touch of every path in one ``int32`` array of channel codes
plus offsets, so the models can count transitions, channel sets and leave-one-out paths with
numpy instead of Python loops over millions of touches. Paths without touches carry no channel
and are left out (the journey builder never emits them; a hand-made paths file might).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.journeys.data import PATH_COLUMNS

# Odd 64-bit multipliers of the two polynomial path hashes (arbitrary, fixed for determinism).
HASH_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
LENGTH_MIX = np.uint64(0xFF51AFD7ED558CCD)  # folds the path length into each hash


@dataclass(frozen=True)
class EncodedPaths:
    """Unique paths as flat arrays.

    ``codes[offsets[i]:offsets[i + 1]]`` are the channel codes of path ``i`` in touch order;
    ``channels[code]`` is the channel name (names sorted). ``conversions``, ``revenue`` and
    ``nulls`` are per path.
    """

    channels: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray
    nulls: np.ndarray

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        """Number of distinct channel codes."""
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        """Touches per path."""
        return np.diff(self.offsets)

    @property
    def path_of_touch(self) -> np.ndarray:
        """Path index of every touch."""
        return np.repeat(np.arange(self.n_paths), self.lengths)

    @property
    def position(self) -> np.ndarray:
        """0-based position of every touch inside its path."""
        return np.arange(len(self.codes)) - np.repeat(self.offsets[:-1], self.lengths)

    def with_counts(self, conversions: np.ndarray, revenue: np.ndarray,
                    nulls: np.ndarray) -> EncodedPaths:
        """The same paths with other per-path counts (bootstrap and hold-out splits)."""
        return replace(self, conversions=np.asarray(conversions, dtype=float),
                       revenue=np.asarray(revenue, dtype=float), nulls=np.asarray(nulls, dtype=float))

    def select(self, keep: np.ndarray) -> EncodedPaths:
        """Only the paths where boolean ``keep`` is true."""
        keep = np.asarray(keep, dtype=bool)
        touch_keep = np.repeat(keep, self.lengths)
        offsets = np.concatenate([[0], np.cumsum(self.lengths[keep])]).astype(np.int64)
        return EncodedPaths(self.channels, self.codes[touch_keep], offsets, self.conversions[keep],
                            self.revenue[keep], self.nulls[keep])

    def drop_touches(self, drop: np.ndarray) -> EncodedPaths:
        """Remove the touches where boolean ``drop`` is true (never a path's only touch)."""
        lengths = np.bincount(self.path_of_touch[~drop], minlength=self.n_paths)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return replace(self, codes=self.codes[~drop], offsets=offsets)


def encode_paths(paths: pd.DataFrame) -> EncodedPaths:
    """Encode a paths frame (see :mod:`attribution.journeys.data`); empty paths are left out."""
    missing = [c for c in PATH_COLUMNS if c not in paths.columns]
    if missing:
        raise DataValidationError(
            f"paths frame lacks column(s) {', '.join(missing)}; expected {', '.join(PATH_COLUMNS)} "
            "(one row per unique path, path as a tuple of channel names)")
    counts = {c: paths[c].to_numpy(dtype=float, na_value=0.0) for c in ("conversions", "revenue", "nulls")}
    if (counts["conversions"] < 0).any() or (counts["nulls"] < 0).any():
        raise DataValidationError("paths have negative conversions or nulls; counts must be >= 0",
                                  column="conversions")
    col = paths["path"].tolist()
    lengths = np.fromiter(map(len, col), dtype=np.int64, count=len(col))
    keep = lengths > 0
    if not keep.all():
        col = [p for p, k in zip(col, keep, strict=True) if k]
        lengths = lengths[keep]
        counts = {k: v[keep] for k, v in counts.items()}
    flat = np.fromiter(chain.from_iterable(col), dtype=object, count=int(lengths.sum()))
    codes, channels = pd.factorize(flat, sort=True)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return EncodedPaths(np.asarray(channels, dtype=object), codes.astype(np.int32), offsets,
                        counts["conversions"], counts["revenue"], counts["nulls"])


def collapse_repeats(enc: EncodedPaths) -> EncodedPaths:
    """A > A > B becomes A > B (identical paths are not merged; use :func:`merge_identical`)."""
    drop = np.zeros(len(enc.codes), dtype=bool)
    drop[1:] = enc.codes[1:] == enc.codes[:-1]
    drop[enc.offsets[:-1]] = False
    return enc.drop_touches(drop)


def first_occurrences(enc: EncodedPaths) -> EncodedPaths:
    """Keep each channel's first touch in each path: A > B > A > C becomes A > B > C."""
    key = enc.path_of_touch.astype(np.int64) * enc.n_channels + enc.codes
    _, first = np.unique(key, return_index=True)
    drop = np.ones(len(enc.codes), dtype=bool)
    drop[first] = False
    return enc.drop_touches(drop)


def path_hashes(enc: EncodedPaths) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit polynomial hashes per path (with its length mixed in).

    Two paths with equal pairs are treated as identical; a false match needs both 64-bit hashes
    to collide at once (odds about n² / 2¹²⁸, i.e. nil for any real data).
    """
    out = []
    for base in HASH_BASES:
        _, h = prefix_hashes(enc, base)
        out.append(h ^ (enc.lengths.astype(np.uint64) * LENGTH_MIX))
    return out[0], out[1]


def prefix_hashes(enc: EncodedPaths, base: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """Per touch, the hash of its path's prefix up to and including it; and per path its hash."""
    values = enc.codes.astype(np.uint64) + np.uint64(1)
    prefix = values.copy()
    for at in touches_by_position(enc)[1:]:
        prefix[at] = prefix[at - 1] * base + values[at]
    last = enc.offsets[1:] - 1
    return prefix, prefix[last] if len(last) else np.zeros(0, dtype=np.uint64)


def touches_by_position(enc: EncodedPaths) -> list[np.ndarray]:
    """Touch indices grouped by position: element ``p`` holds every path's touch number ``p``."""
    pos = enc.position
    order = np.argsort(pos, kind="stable")
    return np.split(order, np.cumsum(np.bincount(pos))[:-1]) if len(pos) else []


def group_identical(enc: EncodedPaths) -> tuple[np.ndarray, np.ndarray]:
    """Group identical paths: per path its group id, and per group its first path (ascending)."""
    h1, h2 = path_hashes(enc)
    order = np.lexsort((h2, h1))
    new = np.ones(enc.n_paths, dtype=bool)
    new[1:] = (h1[order][1:] != h1[order][:-1]) | (h2[order][1:] != h2[order][:-1])
    sorted_group = np.cumsum(new) - 1
    n_groups = int(sorted_group[-1]) + 1 if enc.n_paths else 0
    first = np.full(n_groups, enc.n_paths, dtype=np.int64)
    np.minimum.at(first, sorted_group, order)
    # renumber groups by first appearance so results never depend on hash values
    rank = np.empty(n_groups, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(n_groups)
    group = np.empty(enc.n_paths, dtype=np.int64)
    group[order] = rank[sorted_group]
    return group, np.sort(first)


def pair_lookup(keys1: np.ndarray, keys2: np.ndarray, query1: np.ndarray, query2: np.ndarray) -> np.ndarray:
    """Index of each (query1, query2) pair among the (keys1, keys2) pairs, or -1 when absent."""
    order = np.lexsort((keys2, keys1))
    s1, s2 = keys1[order], keys2[order]
    lo = np.searchsorted(s1, query1, "left")
    hi = np.searchsorted(s1, query1, "right")
    out = np.full(len(query1), -1, dtype=np.int64)
    one = np.flatnonzero(hi - lo == 1)
    hit = one[s2[lo[one]] == query2[one]]
    out[hit] = order[lo[hit]]
    for i in np.flatnonzero(hi - lo > 1):  # equal first hashes: practically never happens
        seg = np.flatnonzero(s2[lo[i]:hi[i]] == query2[i])
        if len(seg):
            out[i] = order[lo[i] + seg[0]]
    return out


def merge_identical(enc: EncodedPaths) -> EncodedPaths:
    """Merge identical paths (after a transform) by summing their counts; order is deterministic."""
    group, first = group_identical(enc)
    if len(first) == enc.n_paths:
        return enc
    sums = [np.bincount(group, weights=v, minlength=len(first))
            for v in (enc.conversions, enc.revenue, enc.nulls)]
    keep = np.zeros(enc.n_paths, dtype=bool)
    keep[first] = True
    order = group[keep]  # group ids of the kept paths, in path order
    return enc.select(keep).with_counts(sums[0][order], sums[1][order], sums[2][order])


def sort_within_paths(enc: EncodedPaths) -> EncodedPaths:
    """Each path's touches sorted by channel code: identifies its multiset of channels."""
    order = np.lexsort((enc.codes, enc.path_of_touch))
    return replace(enc, codes=enc.codes[order])


def channel_masks(enc: EncodedPaths) -> np.ndarray:
    """Per path, the set of its channels as a bit mask (bit ``code``).

    ``uint64`` when there are at most 64 channels, else Python ints in an object array (slower,
    same results).
    """
    if enc.n_channels <= 64:
        bits = np.left_shift(np.uint64(1), enc.codes.astype(np.uint64))
        masks = np.zeros(enc.n_paths, dtype=np.uint64)
        np.bitwise_or.at(masks, enc.path_of_touch, bits)
        return masks
    masks = np.zeros(enc.n_paths, dtype=object)
    masks[:] = 0
    for i, code in zip(enc.path_of_touch, enc.codes.tolist(), strict=True):
        masks[i] |= 1 << code
    return masks
