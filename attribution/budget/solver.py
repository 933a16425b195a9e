"""Numerical core of the budget optimiser: split a budget across response curves.

Maximise ``sum_c r_c(s_c)`` subject to ``sum_c s_c = total`` and ``lo_c <= s_c <= hi_c``.

1. Each curve is sampled on a fine grid and replaced by its least concave majorant (upper concave
   hull). For concave pieces the optimum is exact water-filling: fund hull segments in order of
   falling slope (marginal return) until the budget is spent; the slope where it stops is the
   Lagrange multiplier. Hulls make S-shaped curves (Hill with s > 1) safe: a channel is only funded
   past its convex start if the whole stretch pays.
2. That split, and the current split, seed SLSQP on the true curves with analytic gradients; the
   best result wins.
3. A final shift-and-clip projection makes the total exact while keeping every bound.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import minimize, minimize_scalar

Curve = Callable[[np.ndarray], np.ndarray]
GRID = 2001


def upper_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the vertices of the upper concave hull of points sorted by ``x`` (monotone chain)."""
    hull: list[int] = []
    for i in range(len(x)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or below the chord from a to i
            if (y[b] - y[a]) * (x[i] - x[a]) <= (y[i] - y[a]) * (x[b] - x[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.asarray(hull)


class HullSet:
    """Concave hulls of several response curves on their bounds ``[lo, hi]``."""

    def __init__(self, responses: Sequence[Curve], lo: np.ndarray, hi: np.ndarray, grid: int = GRID) -> None:
        self.lo, self.hi = np.asarray(lo, float), np.asarray(hi, float)
        seg_len, seg_slope, seg_owner = [], [], []
        for j, r in enumerate(responses):
            x = np.linspace(self.lo[j], self.hi[j], grid)
            v = upper_hull(x, np.asarray(r(x), float))
            lengths = np.diff(x[v])
            keep = lengths > 0
            seg_len.append(lengths[keep])
            seg_slope.append((np.diff(np.asarray(r(x), float)[v]) / np.where(lengths > 0, lengths, 1.0))[keep])
            seg_owner.append(np.full(keep.sum(), j))
        slope = np.concatenate(seg_slope) if seg_slope else np.zeros(0)
        order = np.argsort(-slope, kind="stable")  # hull slopes fall within a channel: order is kept
        self.length = np.concatenate(seg_len)[order] if seg_len else np.zeros(0)
        self.slope = slope[order]
        self.owner = np.concatenate(seg_owner)[order] if seg_owner else np.zeros(0, int)
        self.cum = np.cumsum(self.length)

    def greedy(self, total: float) -> np.ndarray:
        """Water-filling split of ``total`` (lower bounds first, then segments by falling slope)."""
        budget = total - self.lo.sum()
        take = np.clip(budget - (self.cum - self.length), 0.0, self.length)
        return self.lo + np.bincount(self.owner, weights=take, minlength=len(self.lo))

    def at_slope(self, m: float) -> np.ndarray:
        """Spend on every channel until its hull slope (marginal return) drops below ``m``."""
        take = np.where(self.slope >= m, self.length, 0.0)
        return self.lo + np.bincount(self.owner, weights=take, minlength=len(self.lo))


def project_total(s: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """Shift all channels by one amount ``t`` and clip to the bounds so that the sum is ``total``."""
    def spent(t: float) -> float:
        return float(np.clip(s + t, lo, hi).sum())

    a, b = float(lo.min() - s.max()), float(hi.max() - s.min())
    for _ in range(200):
        mid = 0.5 * (a + b)
        if spent(mid) < total:
            a = mid
        else:
            b = mid
    out = np.clip(s + 0.5 * (a + b), lo, hi)
    # Put the last rounding error on a channel with room, so the sum is exact to float precision.
    gap = total - out.sum()
    room = (hi - out) if gap > 0 else (out - lo)
    j = int(np.argmax(room))
    out[j] = np.clip(out[j] + gap, lo[j], hi[j])
    return out


def allocate(responses: Sequence[Curve], marginals: Sequence[Curve], lo: np.ndarray, hi: np.ndarray,
             total: float, starts: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Best split of ``total`` within ``[lo, hi]`` (see the module docstring for the method)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    if len(lo) == 0:
        return np.zeros(0)
    if np.allclose(lo.sum(), total) or np.allclose(hi.sum(), total):
        return lo.copy() if np.allclose(lo.sum(), total) else hi.copy()
    seeds = [HullSet(responses, lo, hi).greedy(total), *[project_total(np.asarray(s, float), lo, hi, total)
                                                         for s in starts]]
    scale = max(total, 1e-12)
    ref = max(abs(sum(float(r(np.array(h))) for r, h in zip(responses, hi, strict=True))), 1e-12)

    def value(u: np.ndarray) -> float:
        return sum(float(r(np.array(v * scale))) for r, v in zip(responses, u, strict=True))

    def neg(u: np.ndarray) -> tuple[float, np.ndarray]:
        grad = np.array([float(m(np.array(v * scale))) for m, v in zip(marginals, u, strict=True)])
        return -value(u) / ref, -grad * scale / ref

    candidates = []
    for s0 in seeds:
        candidates.append(s0)
        res = minimize(neg, s0 / scale, jac=True, method="SLSQP",
                       bounds=list(zip(lo / scale, hi / scale, strict=True)),
                       constraints=[{"type": "eq", "fun": lambda u: u.sum() - total / scale,
                                     "jac": lambda u: np.ones_like(u)}],
                       options={"maxiter": 300, "ftol": 1e-12})
        if np.all(np.isfinite(res.x)):
            candidates.append(project_total(res.x * scale, lo, hi, total))
    candidates = [project_total(c, lo, hi, total) for c in candidates]
    return max(candidates, key=lambda c: value(c / scale))


def spend_at_marginal(response: Curve, lo: float, hi: float, m: float) -> float:
    """``argmax_{lo <= s <= hi} r(s) - m s``: spend until the marginal return falls to ``m``."""
    x = np.linspace(lo, hi, GRID)
    gain = np.asarray(response(x), float) - m * x
    k = int(np.argmax(gain))
    a, b = x[max(k - 1, 0)], x[min(k + 1, GRID - 1)]
    if b <= a:
        return float(x[k])
    res = minimize_scalar(lambda s: -(float(response(np.array(s))) - m * s), bounds=(a, b), method="bounded",
                          options={"xatol": 1e-10 * max(hi, 1.0)})
    best = float(res.x) if -res.fun >= gain[k] else float(x[k])
    return best
