"""Data-driven Shapley attribution on conversion rates of channel sets (uses non-converting journeys).

Following the causally motivated attribution of Dalessandro et al. (2012) and the probabilistic
model of Shao & Li (2011), a coalition's value is the conversion probability of journeys exposed
to it. Concretely, for a set of channels T,

    v(T) = conversions(T) / (conversions(T) + nulls(T)),

over journeys whose channel set is exactly T (order and repeats ignored); v(T) = 0 when no
journey has exactly T (as in Google's fractribution, an unseen path converts with probability 0)
and v(∅) = 0. For each converting journey with channel set S the Shapley value of the game
restricted to the subsets of S is

    φ_c(S) = Σ_{T ⊆ S∖{c}} |T|! (|S|−|T|−1)! / |S|! · (v(T ∪ {c}) − v(T)),   Σ_c φ_c(S) = v(S).

Rates are not monotone, so some φ_c(S) can be negative: they are clipped at 0 and the rest
renormalised to sum to 1 (Σ φ = v(S) > 0 for a set with conversions, so a positive part always
exists). Each journey's conversions are split by these shares, so credit is never negative and
sums to total conversions. **Revenue** repeats this with v_rev(T) = revenue(T) / journeys(T)
(revenue per journey) and splits each set's revenue by its revenue shares.

Sets with at most ``max_exact`` channels are computed exactly over all 2^|S| subsets. Larger sets
use ``n_samples`` random channel orders (seeded): the mean marginal contribution over sampled
orders, which still sums exactly to v(S) for every order sampled.
"""
from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.path_arrays import channel_masks, encode_paths
from attribution.models.registry import FastRefit, empty_credit, register, safe_share, tidy_credit

MAX_EXACT_LIMIT = 16


class _SetValues:
    """v(T) lookup for exact channel sets, from every journey (converting or not)."""

    def __init__(self, masks: np.ndarray, conv: np.ndarray, rev: np.ndarray, nulls: np.ndarray):
        self.keys, inverse = np.unique(masks, return_inverse=True)
        n = len(self.keys)
        self.conv = np.bincount(inverse, weights=conv, minlength=n)
        self.rev = np.bincount(inverse, weights=rev, minlength=n)
        journeys = self.conv + np.bincount(inverse, weights=nulls, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.rate = np.where(journeys > 0, self.conv / journeys, 0.0)
            self.rev_rate = np.where(journeys > 0, self.rev / journeys, 0.0)

    def lookup(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(conversion rate, revenue per journey) of each mask; zeros for unseen sets."""
        flat = masks.ravel()
        pos = np.minimum(np.searchsorted(self.keys, flat), len(self.keys) - 1)
        hit = self.keys[pos] == flat
        rate = np.where(hit, self.rate[pos], 0.0).reshape(masks.shape)
        rev = np.where(hit, self.rev_rate[pos], 0.0).reshape(masks.shape)
        return rate, rev


def _bits_of(mask, n_channels: int) -> np.ndarray:
    """Channel codes in a set mask, ascending."""
    mask = int(mask)
    return np.array([c for c in range(n_channels) if mask >> c & 1], dtype=np.int64)


def _exact(sets: list[np.ndarray], bit_values: np.ndarray, values: _SetValues) -> tuple[np.ndarray, np.ndarray]:
    """Exact Shapley values (rate game and revenue game) for sets of one size n: (n_sets, n) each."""
    n = len(sets[0])
    members = np.stack(sets)                                   # (n_sets, n) channel codes
    local = np.arange(2**n)
    in_sub = (local[:, None] >> np.arange(n)) & 1              # (2^n, n) membership of local bits
    gbits = bit_values[members]                                # (n_sets, n) global bit of each member
    zero = np.zeros((), dtype=bit_values.dtype)
    # distinct bits: their sum is their union (works for uint64 and Python-int masks alike)
    masks = np.where(in_sub[None, :, :] == 1, gbits[:, None, :], zero).sum(axis=2)
    rate, rev = values.lookup(masks)                           # (n_sets, 2^n)
    size = in_sub.sum(axis=1)
    weight = np.array([factorial(t) * factorial(n - t - 1) / factorial(n) for t in range(n)])
    phi_rate = np.empty((len(sets), n))
    phi_rev = np.empty((len(sets), n))
    for b in range(n):
        without = np.flatnonzero(in_sub[:, b] == 0)
        w = weight[size[without]]
        phi_rate[:, b] = (rate[:, without + 2**b] - rate[:, without]) @ w
        phi_rev[:, b] = (rev[:, without + 2**b] - rev[:, without]) @ w
    return phi_rate, phi_rev


def _sampled(members: np.ndarray, bit_values: np.ndarray, values: _SetValues, n_samples: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Permutation-sampling Shapley values of one large set (rate game and revenue game)."""
    n = len(members)
    perms = rng.permuted(np.tile(np.arange(n), (n_samples, 1)), axis=1)
    prefix = np.cumsum(bit_values[members][perms], axis=1)    # distinct bits: sum == union
    rate, rev = values.lookup(prefix)
    out = []
    for v in (rate, rev):
        marginal = np.diff(np.concatenate([np.zeros((n_samples, 1)), v], axis=1), axis=1)
        phi = np.zeros(n)
        np.add.at(phi, perms.ravel(), marginal.ravel())
        out.append(phi / n_samples)
    return out[0], out[1]


def _clipped_shares(phi: np.ndarray) -> np.ndarray:
    """Per row: negative values set to 0, then normalised to 1 (equal split if nothing is left)."""
    pos = np.clip(phi, 0.0, None)
    total = pos.sum(axis=1, keepdims=True)
    equal = np.full_like(pos, 1.0 / pos.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, pos / total, equal)


@register("shapley_rate", label="Shapley (conversion rates)",
          description="Shapley values of channel sets' conversion rates, using non-converting journeys",
          needs_touches=False,
          touch_rule=None, bootstrap=FastRefit("attribution.uncertainty.refit_shapley_rate:ShapleyRateRefit"))
def shapley_rate(data: PathData, *, max_exact: int = 12, n_samples: int = 2000,
                 seed: int = 0) -> pd.DataFrame:
    """Data-driven Shapley attribution on conversion rates (see module docstring).

    Parameters
    ----------
    data : PathData or Journeys
    max_exact : int
        Channel sets up to this size are computed exactly (2^size subsets each); at most 16.
    n_samples : int
        Random channel orders per larger set.
    seed : int
        Seed of the sampling (results do not depend on it when no set exceeds ``max_exact``).

    Returns
    -------
    DataFrame
        The tidy credit frame ``model, channel, conversions, revenue, share``.
    """
    if not 1 <= int(max_exact) <= MAX_EXACT_LIMIT:
        raise ModelError(f"max_exact must be 1 to {MAX_EXACT_LIMIT}, got {max_exact!r}")
    if int(n_samples) < 1:
        raise ModelError(f"n_samples must be a positive integer, got {n_samples!r}")
    enc = encode_paths(data.paths)
    if enc.conversions.sum() <= 0:
        return empty_credit("shapley_rate")
    masks = channel_masks(enc)
    values = _SetValues(masks, enc.conversions, enc.revenue, enc.nulls)
    bit_values = (np.left_shift(np.uint64(1), np.arange(enc.n_channels, dtype=np.uint64))
                  if masks.dtype != object else np.array([1 << c for c in range(enc.n_channels)], dtype=object))
    converting = np.flatnonzero(values.conv > 0)
    members = [_bits_of(values.keys[k], enc.n_channels) for k in converting]
    conv_credit = np.zeros(enc.n_channels)
    rev_credit = np.zeros(enc.n_channels)
    rng = np.random.default_rng(seed)
    by_size: dict[int, list[int]] = {}
    for i, m in enumerate(members):
        by_size.setdefault(len(m), []).append(i)
    for size in sorted(by_size):
        idx = by_size[size]
        if size <= max_exact:
            step = max(1, 2**22 // (2**size * size))  # bound the (sets, 2^n, n) work array
            parts = [_exact([members[i] for i in idx[j:j + step]], bit_values, values)
                     for j in range(0, len(idx), step)]
            phi_rate = np.concatenate([p[0] for p in parts])
            phi_rev = np.concatenate([p[1] for p in parts])
        else:
            pairs = [_sampled(members[i], bit_values, values, int(n_samples), rng) for i in idx]
            phi_rate = np.stack([p[0] for p in pairs])
            phi_rev = np.stack([p[1] for p in pairs])
        codes = np.stack([members[i] for i in idx])
        k = converting[idx]
        np.add.at(conv_credit, codes, _clipped_shares(phi_rate) * values.conv[k][:, None])
        np.add.at(rev_credit, codes, _clipped_shares(phi_rev) * values.rev[k][:, None])
    names = enc.channels.astype(str)
    # guard against round-off drift: credit must sum exactly to the totals
    conv_credit = safe_share(conv_credit) * values.conv.sum()
    rev_credit = safe_share(rev_credit) * values.rev.sum() if rev_credit.sum() > 0 else rev_credit
    return tidy_credit("shapley_rate", pd.Series(conv_credit, index=names), pd.Series(rev_credit, index=names))
