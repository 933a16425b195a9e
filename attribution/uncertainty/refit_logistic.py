"""Fast logistic-regression refits for the bootstrap.

The pooled design (one row per distinct channel-feature vector, see
:mod:`attribution.models.logistic`) depends only on the paths, so it is built once; a replicate
pools its resampled counts into it and refits by Newton's method, warm-started at the full-data
estimate (a few iterations on a table of at most a few thousand rows). The fit follows the
model's rules: maximum likelihood first; when it fails, does not converge, or shows separation
or collinearity (a channel coefficient beyond ±12 or a standard error above 50), the ridge-
penalised fit (½ λ Σ_c β_c², λ = 1/2.5², intercept free) instead. Channels that no resampled
journey touched get coefficient 0. Credit then splits each pooled row's conversions in
proportion to the drop in predicted probability when each touched channel is removed, with a
linear split over the path's touches when every drop is 0, as the model does.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from attribution.models.logistic import RIDGE, _design
from attribution.uncertainty.resample import BaseData, Chunk, observed_counts

MAX_COEF, MAX_SE = 12.0, 50.0   # the model's symptoms of separation / collinearity
MAX_ITER, TOL = 100, 1e-10


def newton_logit(x: np.ndarray, positives: np.ndarray, totals: np.ndarray, penalty: np.ndarray,
                 start: np.ndarray, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray, bool]:
    """Weighted logistic regression by Newton's method with step halving.

    ``x`` includes the intercept column; ``penalty`` is λ per coefficient (0 = unpenalised).
    Returns the coefficients, the unpenalised information matrix at them, and whether it converged
    (False as soon as a non-intercept coefficient exceeds ``limit``: separation diverges).
    """
    beta = start.copy()

    def objective(b: np.ndarray) -> float:
        eta = x @ b
        return float(positives @ eta - totals @ np.logaddexp(0.0, eta) - 0.5 * penalty @ (b * b))

    current = objective(beta)
    for _ in range(MAX_ITER):
        p = expit(x @ beta)
        info = (x * (totals * p * (1 - p))[:, None]).T @ x
        grad = x.T @ (positives - totals * p) - penalty * beta
        try:
            step = np.linalg.solve(info + np.diag(penalty), grad)
        except np.linalg.LinAlgError:
            return beta, info, False
        for _ in range(30):
            trial = objective(beta + step)
            if trial >= current - 1e-12 * abs(current):
                break
            step = step / 2
        beta, current = beta + step, trial
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta[1:]), initial=0) > limit:
            return beta, info, False
        if np.max(np.abs(step)) < TOL * (1 + np.max(np.abs(beta))):
            p = expit(x @ beta)
            return beta, (x * (totals * p * (1 - p))[:, None]).T @ x, True
    return beta, info, False


class LogisticRefit:
    """Bootstrap estimator of the ``logistic`` model (same ``exposure`` parameter)."""

    def __init__(self, base: BaseData, *, exposure: str = "binary") -> None:
        enc = base.enc
        design = _design(enc, exposure)
        self.x = design.x
        n_rows = len(base.data.paths)
        n_design = len(design.x)
        self.pool = sp.csr_matrix((np.ones(enc.n_paths), (design.row_of_path, base.rows)), shape=(n_design, n_rows))
        self.row_of_path, self.rows = design.row_of_path, base.rows
        per_touch = 1.0 / np.repeat(enc.lengths, enc.lengths)
        self.linear_t = sp.csr_matrix((per_touch, (enc.codes, enc.path_of_touch)),
                                      shape=(len(base.channels), enc.n_paths))
        conv0, _, nulls0 = observed_counts(base.data)
        self.start = np.zeros(self.x.shape[1] + 1)
        try:
            self.start = self.fit(self.pool @ conv0, self.pool @ nulls0)
        except ValueError:
            pass

    def fit(self, conv: np.ndarray, nulls: np.ndarray) -> np.ndarray:
        """Coefficients (intercept first, one per channel) under the model's fitting rules."""
        if conv.sum() <= 0 or nulls.sum() <= 0:
            raise ValueError("needs converting and non-converting journeys")
        totals = conv + nulls
        used = np.flatnonzero(totals @ self.x > 0)
        rows = totals > 0
        x = np.column_stack([np.ones(rows.sum()), self.x[rows][:, used]])
        start = self.start[np.concatenate([[0], 1 + used])]
        beta, info, ok = newton_logit(x, conv[rows], totals[rows], np.zeros(x.shape[1]), start,
                                      limit=3 * MAX_COEF)
        if ok:
            with np.errstate(invalid="ignore"):
                try:
                    se = np.sqrt(np.diag(np.linalg.inv(info)))
                except np.linalg.LinAlgError:
                    se = np.full(len(beta), np.inf)
            ok = bool(np.all(np.isfinite(se)) and se.max() < MAX_SE and np.max(np.abs(beta[1:]), initial=0) < MAX_COEF)
        if not ok:
            penalty = np.full(x.shape[1], RIDGE)
            penalty[0] = 0.0
            beta, _, ok = newton_logit(x, conv[rows], totals[rows], penalty, np.clip(start, -MAX_COEF, MAX_COEF))
            if not ok:
                raise ValueError("penalised logistic fit did not converge")
        full = np.zeros(self.x.shape[1] + 1)
        full[0] = beta[0]
        full[1 + used] = beta[1:]
        return full

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k); NaN where a fit fails."""
        conv, nulls, revenue = (self.pool @ m for m in (chunk.conversions, chunk.nulls, chunk.revenue))
        out_conv = np.full((self.x.shape[1], chunk.size), np.nan)
        out_rev = np.full_like(out_conv, np.nan)
        for b in range(chunk.size):
            try:
                beta = self.fit(conv[:, b], nulls[:, b])
            except ValueError:
                continue
            eta = beta[0] + self.x @ beta[1:]
            drop = expit(eta)[:, None] - expit(eta[:, None] - self.x * beta[None, 1:])
            drop = np.where(self.x > 0, np.clip(drop, 0.0, None), 0.0)
            total = drop.sum(axis=1)
            good = total > 0
            shares = np.divide(drop, total[:, None], out=np.zeros_like(drop), where=good[:, None])
            fallback = ~good[self.row_of_path]   # rows where every drop is 0: linear over the path's touches
            out_conv[:, b] = conv[:, b] @ shares + self.linear_t @ (chunk.conversions[self.rows, b] * fallback)
            out_rev[:, b] = revenue[:, b] @ shares + self.linear_t @ (chunk.revenue[self.rows, b] * fallback)
        return out_conv, out_rev
