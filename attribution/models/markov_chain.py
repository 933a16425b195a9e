"""The absorbing Markov chain behind the ``markov`` model: states, counts and exact absorption.

States are ``start``, one transient state per observed k-gram of channels, ``conversion`` and
``null``. With order k, the state after a journey's t-th touch is the tuple of its last min(t, k)
channels, so a journey walks start → (c1) → (c1, c2) → … → (c_{t-k+1} … c_t) and ends in
conversion or null. Transition probabilities are counts (journeys) divided by the state's total
outflow. Absorption probabilities are solved exactly (no simulation): with Q the
transient-to-transient block, ``(I - Q) x = r`` where ``r`` is each state's one-step probability
of conversion; a dense solve (numpy, without loading scipy) for chains of up to
:data:`DENSE_MAX_STATES` states (order 1, small order 2), sparse LU for mid-sized chains, a
residual-checked Krylov solve for large k-gram chains where LU fill-in explodes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from attribution.errors import ModelError
from attribution.models import path_arrays
from attribution.models.path_arrays import EncodedPaths

if TYPE_CHECKING:  # scipy is imported where it is used, so `import attribution` does without it
    import scipy.sparse as sp

MAX_ORDER = 4
# Above this many states, sparse LU of k-gram chains fills in badly (order 4 on 10 channels:
# 8,200 states, 11 M factor entries, ~9 s per solve); a Krylov solve to round-off takes ms.
DIRECT_SOLVE_MAX_STATES = 2000
RESIDUAL_TOL = 1e-13
# Up to this many states the counts are a dense array and every solve is numpy's LU: exact like
# the sparse one and free of scipy, whose import (~0.1-0.2 s) dwarfs an order-1 solve
DENSE_MAX_STATES = 150


@dataclass(frozen=True)
class MarkovChain:
    """Transition counts of an absorbing chain; transient state 0 is ``start``.

    ``keys[s]`` encodes the k-gram of state ``s`` in base ``n_channels + 1`` (digit 0 = the most
    recent channel, each digit is code + 1, so a shorter prefix state has fewer digits); ``keys[0]``
    is 0 (start). ``counts`` is the transient-to-transient count matrix, a dense array for chains
    of up to :data:`DENSE_MAX_STATES` states (see :func:`build_chain`), else sparse; ``to_conv``,
    ``to_null`` and ``conv_value`` are per state the journeys absorbed into conversion and null
    from it and the revenue of those conversions.
    """

    order: int
    channels: np.ndarray
    keys: np.ndarray
    counts: np.ndarray | sp.csr_matrix
    to_conv: np.ndarray
    to_null: np.ndarray
    conv_value: np.ndarray

    @property
    def n_states(self) -> int:
        """Transient states including start."""
        return len(self.keys)

    @property
    def outflow(self) -> np.ndarray:
        """Journeys leaving each transient state."""
        return np.asarray(self.counts.sum(axis=1)).ravel() + self.to_conv + self.to_null

    def transitions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(from state, to state, journeys) of every stored transient-to-transient transition."""
        if isinstance(self.counts, np.ndarray):
            rows, cols = np.nonzero(self.counts)
            return rows, cols, self.counts[rows, cols]
        coo = self.counts.tocoo()
        return coo.row, coo.col, coo.data

    def state_codes(self) -> np.ndarray:
        """(n_states, order) channel codes per state, oldest first; -1 marks absent digits."""
        base = self.n_channels_base
        digits = np.empty((self.n_states, self.order), dtype=np.int64)
        rest = self.keys.copy()
        for j in range(self.order):
            digits[:, self.order - 1 - j] = rest % base - 1
            rest //= base
        return digits

    @property
    def n_channels_base(self) -> int:
        """The base of the state keys."""
        return len(self.channels) + 1

    def contains(self) -> np.ndarray:
        """Boolean (n_states, n_channels): does state s contain channel c."""
        digits = self.state_codes()
        out = np.zeros((self.n_states, len(self.channels)), dtype=bool)
        for j in range(self.order):
            ok = digits[:, j] >= 0
            out[np.flatnonzero(ok), digits[ok, j]] = True
        return out

    def state_names(self, sep: str = " > ") -> list[str]:
        """Readable state names: "(start)", "a", "a > b", …"""
        names = ["(start)"]
        for row in self.state_codes()[1:]:
            names.append(sep.join(str(self.channels[c]) for c in row if c >= 0))
        return names


def state_keys(enc: EncodedPaths, order: int) -> np.ndarray:
    """The k-gram key of the state each touch leads to (see :class:`MarkovChain`)."""
    base = enc.n_channels + 1
    if base ** order >= 2**62:
        raise ModelError(f"too many channels ({enc.n_channels}) for a Markov chain of order {order}; "
                         "use a lower order or group channels")
    pos = enc.position
    values = enc.codes.astype(np.int64) + 1
    keys = values.copy()
    for j in range(1, order):
        ok = np.flatnonzero(pos >= j)
        keys[ok] += values[ok - j] * base**j
    return keys


def prepare_paths(enc: EncodedPaths, *, collapse_repeats: bool, use_nulls: bool) -> EncodedPaths:
    """Apply the chain's path options: collapse repeats, drop nulls if unused, drop empty weight."""
    if collapse_repeats:
        enc = path_arrays.collapse_repeats(enc)
    if not use_nulls:
        enc = enc.with_counts(enc.conversions, enc.revenue, np.zeros(enc.n_paths))
    return enc.select(enc.conversions + enc.nulls > 0)


def _dense(n_states: int) -> bool:
    """Is a chain of ``n_states`` states kept dense and solved with numpy? (Not when direct solves
    are turned off for larger chains: DIRECT_SOLVE_MAX_STATES below it means sparse for all.)"""
    return n_states <= min(DENSE_MAX_STATES, DIRECT_SOLVE_MAX_STATES)


def build_chain(enc: EncodedPaths, order: int) -> MarkovChain:
    """Count transitions of the order-``order`` chain over the (prepared) paths."""
    if not 1 <= order <= MAX_ORDER:
        raise ModelError(f"Markov order must be 1 to {MAX_ORDER}, got {order!r}")
    keys = state_keys(enc, order)
    uniq, inverse = np.unique(keys, return_inverse=True)
    state = inverse.astype(np.int64) + 1  # 0 is start
    n = len(uniq) + 1
    weight = (enc.conversions + enc.nulls)[enc.path_of_touch]
    prev = np.empty_like(state)
    prev[1:] = state[:-1]
    prev[enc.offsets[:-1]] = 0
    if _dense(n):
        counts = np.bincount(prev * n + state, weights=weight, minlength=n * n).reshape(n, n)
    else:
        import scipy.sparse as sp  # here, not at import: scipy takes a tenth of a second to load

        counts = sp.csr_matrix((weight, (prev, state)), shape=(n, n))
        counts.sum_duplicates()
    last = state[enc.offsets[1:] - 1]
    to_conv = np.bincount(last, weights=enc.conversions, minlength=n)
    to_null = np.bincount(last, weights=enc.nulls, minlength=n)
    conv_value = np.bincount(last, weights=enc.revenue, minlength=n)
    return MarkovChain(order, enc.channels, np.concatenate([[0], uniq]), counts, to_conv, to_null,
                       conv_value)


def absorption(chain: MarkovChain, keep: np.ndarray | None = None) -> tuple[float, float]:
    """From start: probability of conversion and expected conversion value.

    ``keep`` (boolean per state, start included) removes the other states: transitions into them
    go to null instead. Solved exactly (to round-off) by :func:`solve_absorbing`.
    """
    out = chain.outflow
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(out > 0, 1.0 / out, 0.0)
    rhs = np.column_stack([chain.to_conv * inv, chain.conv_value * inv])
    idx = np.flatnonzero(keep) if keep is not None else np.arange(chain.n_states)
    if isinstance(chain.counts, np.ndarray):
        q = (chain.counts * inv[:, None])[np.ix_(idx, idx)]
        x = np.linalg.solve(np.eye(len(idx)) - q, rhs[idx])
        return float(x[0, 0]), float(x[0, 1])
    import scipy.sparse as sp  # (see build_chain)

    q = sp.diags(inv) @ chain.counts
    if keep is not None:
        q = q[idx][:, idx]
        rhs = rhs[idx]
    a = (sp.identity(q.shape[0], format="csc") - q.tocsc()).tocsc()
    x = solve_absorbing(a, rhs)
    return float(x[0, 0]), float(x[0, 1])


def solve_absorbing(a: sp.csc_matrix, rhs: np.ndarray) -> np.ndarray:
    """Solve ``(I - Q) x = rhs`` for an absorbing chain, to round-off.

    Small systems use sparse LU. Large ones use BiCGSTAB, accepted only when the residual
    max |(I − Q) x − rhs| is below 1e-13 (x is then exact to about that times the expected number
    of steps to absorption); otherwise they fall back to LU.
    """
    # imported here, as scipy.sparse in build_chain: `import attribution` does without scipy
    from scipy.sparse.linalg import bicgstab, splu

    if a.shape[0] <= DIRECT_SOLVE_MAX_STATES:
        return splu(a).solve(rhs)
    x = np.empty_like(rhs)
    for j in range(rhs.shape[1]):
        x[:, j], _ = bicgstab(a, rhs[:, j], rtol=1e-15, atol=0.0, maxiter=10_000)
    scale = np.maximum(1.0, np.max(np.abs(rhs), axis=0))
    if np.all(np.isfinite(x)) and np.all(np.max(np.abs(a @ x - rhs), axis=0) <= RESIDUAL_TOL * scale):
        return x
    return splu(a).solve(rhs)


def exact_removal_effects(chain: MarkovChain) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Per channel code, the removal effect on conversions and on conversion value.

    RE(c) = 1 − P₋c(conversion) / P(conversion), where P₋c removes every state containing c; the
    value version uses expected conversion value instead of probability. Both are in [0, 1]
    mathematically (removing states can only lose conversions); round-off below 0 is clipped.
    Also returns P(conversion) and the expected value of the full chain.
    """
    p_full, v_full = absorption(chain)
    contains = chain.contains()
    re_conv = np.zeros(len(chain.channels))
    re_value = np.zeros(len(chain.channels))
    for c in range(len(chain.channels)):
        if not contains[:, c].any():
            continue
        p, v = absorption(chain, ~contains[:, c])
        re_conv[c] = 1.0 - p / p_full if p_full > 0 else 0.0
        re_value[c] = 1.0 - v / v_full if v_full > 0 else 0.0
    return np.clip(re_conv, 0.0, 1.0), np.clip(re_value, 0.0, 1.0), p_full, v_full
