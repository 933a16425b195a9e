"""Fast conversion-rate Shapley refits for the bootstrap.

The Shapley value of a channel set S is linear in the coalition values: for member c,
φ_c = Σ_{T ⊆ S∖c} w(|T|) (v(T ∪ c) − v(T)) with w(t) = t!(|S|−t−1)!/|S|!, and the sampled
version (sets above ``max_exact``) is an average of marginal differences over fixed random orders.
Here v(T) is the conversion rate (or revenue per journey) of journeys whose channel set is exactly
T. So the model's whole computation up to the clipping is one sparse matrix G (set members ×
observed channel sets), built once with the model's own random orders (same ``seed``, same
order of draws); a replicate needs the rates of its resampled counts, G times them, then the
model's per-set clipping of negatives and normalisation. Channel sets never observed have value 0.
"""
from __future__ import annotations

from math import factorial

import numpy as np
import scipy.sparse as sp

from attribution.models.path_arrays import channel_masks
from attribution.uncertainty.estimators import NoFastRefit
from attribution.uncertainty.resample import BaseData, Chunk, observed_counts

MAX_ENTRIES = 30_000_000   # above this G is too large to keep; the bootstrap refits the model instead
BLOCK = 2**22              # bound on the (sets, 2^n, n) work array while building G


class TooLarge(NoFastRefit):
    """G would not fit comfortably in memory."""


class ShapleyRateRefit:
    """Bootstrap estimator of the ``shapley_rate`` model (same parameters as the model)."""

    def __init__(self, base: BaseData, *, max_exact: int = 12, n_samples: int = 2000, seed: int = 0) -> None:
        enc = base.enc
        masks = channel_masks(enc)
        self.keys, inverse = np.unique(masks, return_inverse=True)
        self.pool = sp.csr_matrix((np.ones(enc.n_paths), (inverse, base.rows)),
                                  shape=(len(self.keys), len(base.data.paths)))
        converting = np.flatnonzero(self.pool @ observed_counts(base.data)[0] > 0)
        n_ch = enc.n_channels
        bits = (np.left_shift(np.uint64(1), np.arange(n_ch, dtype=np.uint64)) if masks.dtype != object
                else np.array([1 << c for c in range(n_ch)], dtype=object))
        members = [np.array([c for c in range(n_ch) if int(self.keys[k]) >> c & 1], dtype=np.int64)
                   for k in converting]
        sizes = np.array([len(m) for m in members], dtype=np.int64)
        entries = sum(int(n) * 2**int(n) if n <= max_exact else 2 * int(n) * int(n_samples) for n in sizes)
        if entries > MAX_ENTRIES:
            raise TooLarge(entries)
        first_pair = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.pair_set = np.repeat(np.arange(len(members)), sizes)
        self.pair_key = converting[self.pair_set]
        self.size = sizes[self.pair_set].astype(float)
        pair_channel = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        rng = np.random.default_rng(seed)
        by_size: dict[int, list[int]] = {}
        for i, n in enumerate(sizes.tolist()):
            by_size.setdefault(n, []).append(i)
        for n in sorted(by_size):  # the model's order, so the sampled orders match its draws
            idx = by_size[n]
            if n <= max_exact:
                step = max(1, BLOCK // (2**n * n))
                for j in range(0, len(idx), step):
                    block = np.array(idx[j:j + step])
                    parts.extend(self._exact(np.stack([members[i] for i in block]), first_pair[block], bits))
            else:
                for i in idx:
                    parts.extend(self._sampled(members[i], first_pair[i], bits, int(n_samples), rng))
        rows, cols, vals = (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in range(3))
        n_pairs = len(self.pair_set)
        self.g = sp.csr_matrix((vals, (rows.astype(np.int64), cols.astype(np.int64))), shape=(n_pairs, len(self.keys)))
        self.set_sum = sp.csr_matrix((np.ones(n_pairs), (self.pair_set, np.arange(n_pairs))),
                                     shape=(len(members), n_pairs))
        self.by_channel = sp.csr_matrix((np.ones(n_pairs), (pair_channel, np.arange(n_pairs))), shape=(n_ch, n_pairs))

    def _lookup(self, masks: np.ndarray) -> np.ndarray:
        """Index of each mask among the observed sets, -1 when never observed."""
        flat = masks.ravel()
        pos = np.minimum(np.searchsorted(self.keys, flat), len(self.keys) - 1)
        hit = (self.keys[pos] == flat).astype(bool)
        return np.where(hit, pos, -1).reshape(masks.shape)

    def _exact(self, members: np.ndarray, first_pair: np.ndarray, bits: np.ndarray):
        n = members.shape[1]
        local = np.arange(2**n)
        in_sub = (local[:, None] >> np.arange(n)) & 1
        gbits = bits[members]
        zero = np.zeros((), dtype=bits.dtype)
        cols = self._lookup(np.where(in_sub[None, :, :] == 1, gbits[:, None, :], zero).sum(axis=2))
        weight = np.array([factorial(t) * factorial(n - t - 1) / factorial(n) for t in range(n)])
        size = in_sub.sum(axis=1)
        for b in range(n):
            without = np.flatnonzero(in_sub[:, b] == 0)
            w = np.broadcast_to(weight[size[without]], (len(members), len(without)))
            rows = np.broadcast_to((first_pair + b)[:, None], w.shape)
            for sign, col in ((1.0, cols[:, without + 2**b]), (-1.0, cols[:, without])):
                ok = col >= 0
                yield rows[ok], col[ok], sign * w[ok]

    def _sampled(self, members: np.ndarray, first_pair: int, bits: np.ndarray, n_samples: int,
                 rng: np.random.Generator):
        n = len(members)
        perms = rng.permuted(np.tile(np.arange(n), (n_samples, 1)), axis=1)   # as the model draws them
        cols = self._lookup(np.cumsum(bits[members][perms], axis=1))
        rows = first_pair + perms
        for sign, r, col in ((1.0, rows, cols), (-1.0, rows[:, 1:], cols[:, :-1])):
            ok = col >= 0
            yield r[ok], col[ok], np.full(int(ok.sum()), sign / n_samples)

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k)."""
        conv, nulls, revenue = (self.pool @ m for m in (chunk.conversions, chunk.nulls, chunk.revenue))
        journeys = conv + nulls
        out = []
        for counts, weights in ((conv, conv), (revenue, revenue)):   # rate game, revenue game
            values = np.divide(counts, journeys, out=np.zeros_like(counts), where=journeys > 0)
            pos = np.clip(self.g @ values, 0.0, None)
            total = (self.set_sum @ pos)[self.pair_set]
            share = np.divide(pos, total, out=np.broadcast_to(1.0 / self.size[:, None], pos.shape).copy(),
                              where=total > 0)
            out.append(self.by_channel @ (share * weights[self.pair_key]))
        conv_credit = _shares(out[0]) * conv.sum(axis=0)
        rev_credit = np.where(out[1].sum(axis=0) > 0, _shares(out[1]) * revenue.sum(axis=0), out[1])
        return conv_credit, rev_credit


def _shares(values: np.ndarray) -> np.ndarray:
    """Columns scaled to sum to 1 (zeros where a column sums to 0)."""
    total = values.sum(axis=0, keepdims=True)
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)
