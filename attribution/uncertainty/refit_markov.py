"""Fast Markov refits for the bootstrap: the chain's counts are linear in the path counts.

Every transition count of the chain is Σ_paths (journeys on the path) × (times the path makes that
transition), and the absorption counts are sums over the paths ending in each state. So the
states and a sparse (transitions × paths) incidence matrix are built once; a replicate's chain is
one sparse product away, and only the removal effects are solved per replicate: for small chains
(order 1, small order 2) all removals of many replicates in one batched dense solve of
``(I − Q) x = r``, for larger k-gram chains with the model's own sparse exact solver
(:func:`~attribution.models.markov_chain.exact_removal_effects`). A state that a replicate never
visits has no inflow and changes no absorption probability, so keeping the full state set is exact.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from attribution.models.markov_chain import MarkovChain, exact_removal_effects, state_keys
from attribution.models.path_arrays import collapse_repeats as collapse
from attribution.uncertainty.resample import BaseData, Chunk, observed_counts

# Up to this many states all removals of a replicate are one batched dense solve (order 1 and
# small order 2 chains); larger k-gram chains use the model's sparse solver per replicate.
DENSE_MAX_STATES = 150
DENSE_CELLS = 2_000_000  # bound on replicates × systems × states² per batched solve


class MarkovRefit:
    """Bootstrap estimator of the ``markov`` model (same parameters as the model)."""

    def __init__(self, base: BaseData, *, order: int = 1, collapse_repeats: bool = True,
                 use_nulls: bool = True) -> None:
        self.order, self.use_nulls = order, use_nulls
        enc = collapse(base.enc) if collapse_repeats else base.enc
        conv, _, nulls = observed_counts(base.data)
        weight = conv[base.rows] + (nulls[base.rows] if use_nulls else 0.0)
        keep = weight > 0
        enc = enc.select(keep)
        self.rows = base.rows[keep]
        self.n_channels = len(base.channels)
        keys = state_keys(enc, order)
        uniq, inverse = np.unique(keys, return_inverse=True)
        state = inverse.astype(np.int64) + 1  # 0 is start
        n = len(uniq) + 1
        prev = np.empty_like(state)
        prev[1:] = state[:-1]
        prev[enc.offsets[:-1]] = 0
        transition, pairs = pd.factorize(prev * n + state)
        pairs = np.asarray(pairs, dtype=np.int64)
        self.trans_rows, self.trans_cols, self.n_states = pairs // n, pairs % n, n
        ones = np.ones(len(state))
        self.incidence = sp.csr_matrix((ones, (transition, enc.path_of_touch)), shape=(len(pairs), enc.n_paths))
        last = state[enc.offsets[1:] - 1]
        self.ends = sp.csr_matrix((np.ones(enc.n_paths), (last, np.arange(enc.n_paths))), shape=(n, enc.n_paths))
        self.template = MarkovChain(order, enc.channels, np.concatenate([[0], uniq]),
                                    sp.csr_matrix((n, n)), np.zeros(n), np.zeros(n), np.zeros(n))
        contains = self.template.contains()                                   # (n, C)
        self.present = contains.any(axis=0)
        self.keep = np.vstack([np.ones((1, n), dtype=bool), ~contains.T]).astype(float)   # (C+1, n)
        self.keep_pairs = self.keep[:, :, None] * self.keep[:, None, :]

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k); NaN where a fit fails."""
        conv = chunk.conversions[self.rows]
        nulls = chunk.nulls[self.rows] if self.use_nulls else np.zeros_like(conv)
        trans = self.incidence @ (conv + nulls)
        to_conv, to_null, value = self.ends @ conv, self.ends @ nulls, self.ends @ chunk.revenue[self.rows]
        if self.n_states <= DENSE_MAX_STATES:
            step = max(1, DENSE_CELLS // (len(self.keep) * self.n_states**2))
            parts = [self._removal_dense(*(m[:, i:i + step] for m in (trans, to_conv, to_null, value)))
                     for i in range(0, trans.shape[1], step)]
            re_conv, re_value = np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts])
        else:
            re_conv, re_value = self._removal_sparse(trans, to_conv, to_null, value)
        total_conv, total_rev = to_conv.sum(axis=0), value.sum(axis=0)
        credit = _shares(re_conv) * np.where(total_conv > 0, total_conv, 0.0)
        revenue = np.where(total_rev != 0, _shares(re_value) * total_rev, 0.0)
        return credit, revenue

    def _removal_dense(self, trans: np.ndarray, to_conv: np.ndarray, to_null: np.ndarray,
                       value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Removal effects (C, k) of all replicates from one batched dense solve.

        System r = 0 is the full chain, r = c + 1 the chain without the states containing c:
        their rows and columns of Q and their right-hand side are zeroed, so they absorb nothing
        (transitions into them go to null), exactly as removing them.
        """
        k, n = trans.shape[1], self.n_states
        counts = np.zeros((k, n, n))
        counts[:, self.trans_rows, self.trans_cols] = trans.T
        out = counts.sum(axis=2) + (to_conv + to_null).T
        inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
        q = counts * inv[:, :, None]
        rhs = np.stack([to_conv.T * inv, value.T * inv], axis=2)              # (k, n, 2)
        a = np.eye(n) - q[:, None] * self.keep_pairs[None]                    # (k, C+1, n, n)
        b = rhs[:, None] * self.keep[None, :, :, None]                        # (k, C+1, n, 2)
        try:
            x = np.linalg.solve(a, b)[:, :, 0, :]                             # from start
        except np.linalg.LinAlgError:
            return self._removal_sparse(trans, to_conv, to_null, value)
        return _effects(x[..., 0], self.present), _effects(x[..., 1], self.present)

    def _removal_sparse(self, trans, to_conv, to_null, value) -> tuple[np.ndarray, np.ndarray]:
        """Removal effects (C, k) with the model's sparse exact solver, one replicate at a time."""
        re_conv = np.zeros((self.n_channels, trans.shape[1]))
        re_value = np.zeros_like(re_conv)
        for b in range(trans.shape[1]):
            counts = sp.csr_matrix((trans[:, b], (self.trans_rows, self.trans_cols)),
                                   shape=(self.n_states, self.n_states))
            chain = replace(self.template, counts=counts, to_conv=to_conv[:, b], to_null=to_null[:, b],
                            conv_value=value[:, b])
            re_conv[:, b], re_value[:, b], _, _ = exact_removal_effects(chain)
        return re_conv, re_value


def _effects(start_values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """RE(c) = 1 − x₋c / x per replicate (rows) → (C, k), 0 for absent channels, clipped to [0, 1]."""
    full = start_values[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        re = np.where(full > 0, 1.0 - start_values[:, 1:] / np.where(full > 0, full, 1.0), 0.0)
    return np.clip(np.where(present[None, :], re, 0.0), 0.0, 1.0).T


def _shares(values: np.ndarray) -> np.ndarray:
    """Columns scaled to sum to 1 (zeros where a column sums to 0)."""
    total = values.sum(axis=0, keepdims=True)
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)
