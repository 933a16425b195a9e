"""Fast counterfactual (fractribution) refits for the bootstrap.

The transformed paths, which original paths pool into each, and where every converting path's
leave-one-out path sits among them depend only on the paths, not on their counts; they are found
once. A replicate then only recomputes each transformed path's conversion rate and the per-touch
marginal contributions m_i = max(P(path) − P(path without touch i), 0), normalised per path (last
touch when all are 0), exactly as :func:`~attribution.models.counterfactual.counterfactual` does.
The ``frequency`` transform recodes touches as tokens and has no fast path (the bootstrap then
refits the model itself per replicate).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from attribution.models.counterfactual import _leave_one_out_hashes
from attribution.models.path_arrays import (
    collapse_repeats,
    first_occurrences,
    group_identical,
    pair_lookup,
    path_hashes,
)
from attribution.uncertainty.resample import BaseData, Chunk, observed_counts

REDUCERS = {"unique": lambda enc: enc, "exposure": collapse_repeats, "first": first_occurrences}
BATCH = 8  # replicates per vectorised step (bounds the (touches × replicates) work arrays)


class CounterfactualRefit:
    """Bootstrap estimator of the ``counterfactual`` model for the unique/exposure/first transforms."""

    @staticmethod
    def supports(path_transform: str = "exposure", retransform: bool = True) -> bool:
        """True when this fast path covers the parameters."""
        return path_transform in REDUCERS

    def __init__(self, base: BaseData, *, path_transform: str = "exposure", retransform: bool = True) -> None:
        reduced = REDUCERS[path_transform](base.enc)
        group, first = group_identical(reduced)  # same pooling and order as transform_paths
        keep = np.zeros(reduced.n_paths, dtype=bool)
        keep[first] = True
        enc = reduced.select(keep)
        n_rows = len(base.data.paths)
        # (transformed paths × rows of paths): pools the resampled counts
        self.pool = sp.csr_matrix((np.ones(len(group)), (group, base.rows)), shape=(enc.n_paths, n_rows))
        conv0, _, _ = observed_counts(base.data)
        converting = np.flatnonzero(self.pool @ conv0 > 0)
        conv = enc.select(np.isin(np.arange(enc.n_paths), converting))
        h1, h2 = path_hashes(enc)
        q1, q2 = _leave_one_out_hashes(conv, retransform and path_transform == "exposure")
        self.found = pair_lookup(h1, h2, q1, q2)
        self.touch_source = converting[conv.path_of_touch]   # transformed path of each touch
        self.touch_path = conv.path_of_touch
        self.starts = conv.offsets[:-1]
        self.without = np.where(self.found >= 0, self.found, enc.n_paths)   # n_paths: unseen, rate 0
        last = np.zeros(len(conv.codes), dtype=bool)
        last[conv.offsets[1:] - 1] = True
        self.last = last.astype(float)
        self.codes = conv.codes
        self.n_channels = len(base.channels)

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k)."""
        # (replicates × paths) rows: gathers along a row stay in cache, unlike (paths × replicates)
        conv, nulls, revenue = (np.ascontiguousarray((self.pool @ m).T)
                                for m in (chunk.conversions, chunk.nulls, chunk.revenue))
        parts = [self._credit(conv[i:i + BATCH], nulls[i:i + BATCH], revenue[i:i + BATCH])
                 for i in range(0, chunk.size, BATCH)]
        return np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts])

    def _credit(self, conv: np.ndarray, nulls: np.ndarray, revenue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = conv.shape[0]
        journeys = conv + nulls
        p_path = np.zeros((k, conv.shape[1] + 1))
        np.divide(conv, journeys, out=p_path[:, :-1], where=journeys > 0)
        if len(self.touch_path) == 0:
            zeros = np.zeros((self.n_channels, k))
            return zeros, zeros.copy()
        m = np.take(p_path, self.touch_source, axis=1)
        m -= np.take(p_path, self.without, axis=1)
        np.maximum(m, 0.0, out=m)
        total = np.take(np.add.reduceat(m, self.starts, axis=1), self.touch_path, axis=1)
        share = np.divide(m, total, out=np.broadcast_to(self.last, m.shape).copy(), where=total > 0)
        out = []
        for weights in (conv, revenue):
            credit = share * np.take(weights, self.touch_source, axis=1)
            out.append(np.stack([np.bincount(self.codes, weights=row, minlength=self.n_channels)
                                 for row in credit], axis=1))
        return out[0], out[1]
