"""Logistic-regression attribution: conversion modelled on channel exposure (statsmodels).

The model is logit P(convert) = β₀ + Σ_c β_c x_c, where x_c is 1 if the journey touched channel c
(``exposure="binary"``) or its number of touches of c (``exposure="count"``). It is fitted by
maximum likelihood on the aggregated paths: journeys with the same features are pooled into one
row and enter as frequency weights (conversions with y = 1, nulls with y = 0), which is the same
likelihood as one row per journey and fast on millions of journeys.

**Perfect separation** (e.g. a channel set that always or never converts) makes the maximum
likelihood estimate infinite; collinear channels make it non-unique. When the unpenalised fit
fails, does not converge or shows such symptoms (a channel coefficient beyond ±12 or a standard
error above 50), the fit is redone with a ridge penalty ½ λ Σ_c β_c² (λ = 0.16, i.e. a
Normal(0, 2.5²) prior on each channel's log-odds effect; the intercept is not penalised), and the
standard errors come from the penalised information matrix (approximate, Wald). The coefficient
table says which fit was used in ``attrs["penalised"]``.

**Credit**: for a journey with predicted probability p and each channel c it touched,
drop_c = max(p − p₋c, 0), where p₋c is the prediction with x_c = 0. Its conversion (and revenue)
is split in proportion to the drops; if every drop is 0, it is split linearly over its touches.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.defaults import INTERVAL_LEVEL
from attribution.errors import ConvergenceError, ModelError
from attribution.journeys.data import PathData
from attribution.models.holdout import split_journeys, weighted_auc
from attribution.models.path_arrays import (
    EncodedPaths,
    channel_masks,
    encode_paths,
    first_occurrences,
    group_identical,
    sort_within_paths,
)
from attribution.models.registry import FastRefit, empty_credit, register, tidy_credit

RIDGE = 1.0 / 2.5**2
EXPOSURES = ("binary", "count")


@dataclass(frozen=True)
class _Design:
    """Pooled design: one row per distinct feature vector."""

    x: np.ndarray            # (rows, channels)
    conv: np.ndarray
    revenue: np.ndarray
    nulls: np.ndarray
    row_of_path: np.ndarray  # per path of the encoded input


@dataclass(frozen=True)
class _Fit:
    params: np.ndarray       # intercept first
    cov: np.ndarray
    penalised: bool


#: values of the ``fit`` column of :func:`logistic_coefficients`
MAXIMUM_LIKELIHOOD_FIT = "maximum likelihood"
RIDGE_FIT = "ridge"

def _design(enc: EncodedPaths, exposure: str) -> _Design:
    if exposure not in EXPOSURES:
        raise ModelError(f"exposure must be one of {', '.join(EXPOSURES)}, got {exposure!r}")
    n_ch = enc.n_channels
    masks = channel_masks(enc) if exposure == "binary" else None
    if masks is not None and masks.dtype != object:
        # binary features are the channel set: pool paths by their set's bit mask
        uniq, group = np.unique(masks, return_inverse=True)
        x = ((uniq[:, None] >> np.arange(n_ch, dtype=np.uint64)[None, :]) & np.uint64(1)).astype(float)
    else:
        reduced = sort_within_paths(first_occurrences(enc) if exposure == "binary" else enc)
        group, first = group_identical(reduced)
        keep = np.zeros(enc.n_paths, dtype=bool)
        keep[first] = True
        rows = reduced.select(keep)
        cell = rows.path_of_touch.astype(np.int64) * n_ch + rows.codes
        x = np.bincount(cell, minlength=len(first) * n_ch).reshape(len(first), n_ch).astype(float)
        if exposure == "binary":
            x = np.minimum(x, 1.0)
    n_rows = len(x)
    sums = [np.bincount(group, weights=v, minlength=n_rows) for v in (enc.conversions, enc.revenue, enc.nulls)]
    return _Design(x, sums[0], sums[1], sums[2], group)


def _fit(x: np.ndarray, conv: np.ndarray, nulls: np.ndarray) -> _Fit:
    """Maximum likelihood, or the ridge-penalised fit when separation or collinearity bite."""
    import statsmodels.api as sm  # here, not at import: it takes about a second to load

    if conv.sum() <= 0 or nulls.sum() <= 0:
        raise ModelError("logistic regression needs both converting and non-converting journeys; "
                         "load data with non-converting journeys (nulls) or use another model")
    n_ch = x.shape[1]
    used = np.flatnonzero(x.max(axis=0, initial=0) > 0)  # channels never seen get coefficient 0
    exog = np.column_stack([np.ones(len(x)), x[:, used]])
    endog_x = np.vstack([exog, exog])
    y = np.concatenate([np.ones(len(x)), np.zeros(len(x))])
    w = np.concatenate([conv, nulls])
    keep = w > 0
    model = sm.GLM(y[keep], endog_x[keep], family=sm.families.Binomial(), freq_weights=w[keep])
    params = cov = None
    penalised = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(maxiter=100)
        bse = np.asarray(res.bse)
        ok = (res.converged and np.all(np.isfinite(bse)) and np.max(bse) < 50
              and np.max(np.abs(res.params[1:]), initial=0) < 12)
        if ok:
            params, cov = np.asarray(res.params), np.asarray(res.cov_params())
    except (np.linalg.LinAlgError, ValueError, RuntimeError):
        pass
    if params is None:
        penalised = True
        penalty = np.full(exog.shape[1], RIDGE)
        penalty[0] = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # statsmodels minimises -loglike / n_rows + alpha/2 |b|^2, so alpha = lambda / n_rows
            res = model.fit_regularized(alpha=penalty / keep.sum(), L1_wt=0.0, cnvrg_tol=1e-10, maxiter=500)
        params = np.asarray(res.params)
        if not np.all(np.isfinite(params)):
            raise ConvergenceError("the penalised logistic fit did not converge; group rare channels "
                                   "or use exposure='binary'")
        p = _expit(exog @ params)
        info = (exog * ((conv + nulls) * p * (1 - p))[:, None]).T @ exog + np.diag(penalty)
        cov = np.linalg.pinv(info)
    full = np.zeros(n_ch + 1)
    full[0] = params[0]
    full[1 + used] = params[1:]
    full_cov = np.full((n_ch + 1, n_ch + 1), np.nan)
    idx = np.concatenate([[0], 1 + used])
    full_cov[np.ix_(idx, idx)] = cov
    return _Fit(full, full_cov, penalised)


def _expit(x):
    """The logistic function 1 / (1 + exp(-x)), without overflow (scipy, imported on first use so
    that `import attribution` does without scipy)."""
    from scipy.special import expit

    return expit(x)


def _predict(fit: _Fit, x: np.ndarray) -> np.ndarray:
    return _expit(fit.params[0] + x @ fit.params[1:])


@register("logistic", label="Logistic regression",
          description="Logit of conversion on channel exposure; credit by drop in predicted probability",
          needs_touches=False,
          touch_rule=None, bootstrap=FastRefit("attribution.uncertainty.refit_logistic:LogisticRefit"))
def logistic(data: PathData, *, exposure: str = "binary") -> pd.DataFrame:
    """Logistic-regression attribution (see module docstring).

    Parameters
    ----------
    data : PathData or Journeys
        Needs non-converting journeys.
    exposure : {"binary", "count"}
        Channel features: touched or not, or number of touches.

    Returns
    -------
    DataFrame
        The tidy credit frame ``model, channel, conversions, revenue, share``.
    """
    enc = encode_paths(data.paths)
    if enc.conversions.sum() <= 0:
        return empty_credit("logistic")
    design = _design(enc, exposure)
    fit = _fit(design.x, design.conv, design.nulls)
    beta = fit.params[1:]
    eta = fit.params[0] + design.x @ beta
    drop = _expit(eta)[:, None] - _expit(eta[:, None] - design.x * beta[None, :])
    drop = np.where(design.x > 0, np.clip(drop, 0.0, None), 0.0)
    total = drop.sum(axis=1)
    good = total > 0
    shares = np.divide(drop, total[:, None], out=np.zeros_like(drop), where=good[:, None])
    conv = design.conv @ shares
    rev = design.revenue @ shares
    # journeys whose every drop is 0: linear split over their own touches
    fallback = ~good[design.row_of_path]
    if fallback.any():
        per_touch = (1.0 / enc.lengths)[enc.path_of_touch]
        mask = fallback[enc.path_of_touch]
        path = enc.path_of_touch[mask]
        conv += np.bincount(enc.codes[mask], weights=enc.conversions[path] * per_touch[mask],
                            minlength=enc.n_channels)
        rev += np.bincount(enc.codes[mask], weights=enc.revenue[path] * per_touch[mask],
                           minlength=enc.n_channels)
    names = enc.channels.astype(str)
    return tidy_credit("logistic", pd.Series(conv, index=names), pd.Series(rev, index=names))


def logistic_coefficients(data: PathData, exposure: str = "binary", level: float = INTERVAL_LEVEL) -> pd.DataFrame:
    """Fitted coefficients with Wald confidence intervals.

    Returns
    -------
    DataFrame
        ``channel, coef, std_err, ci_low, ci_high, p_value, odds_ratio, fit``; the first row is the
        intercept (channel "(intercept)"). Channels absent from the data have coefficient 0 and
        NaN statistics. ``fit`` names the estimator on every row: "maximum likelihood", or "ridge"
        when the unpenalised fit failed (separation or collinearity) and the penalised one was used.
    """
    if not 0 < level < 1:
        raise ModelError(f"level must be between 0 and 1, got {level!r}")
    enc = encode_paths(data.paths)
    design = _design(enc, exposure)
    fit = _fit(design.x, design.conv, design.nulls)
    from scipy.stats import norm  # here, not at import (scipy.stats loads scipy.optimize)

    se = np.sqrt(np.diag(fit.cov))
    z = norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * norm.sf(np.abs(fit.params / se))
    out = pd.DataFrame({
        "channel": ["(intercept)", *enc.channels.astype(str)],
        "coef": fit.params, "std_err": se, "ci_low": fit.params - z * se, "ci_high": fit.params + z * se,
        "p_value": p_value, "odds_ratio": np.exp(fit.params),
        "fit": RIDGE_FIT if fit.penalised else MAXIMUM_LIKELIHOOD_FIT,
    })
    return out


def logistic_auc(data: PathData, test_share: float = 0.3, seed: int = 0, *,
                 exposure: str = "binary") -> float:
    """Hold-out ROC AUC of the logistic model's conversion probabilities.

    Journeys are split as in :func:`~attribution.models.markov_order.markov_order_auc` (each
    path's conversions and nulls go to test binomially with probability ``test_share``, seeded);
    the model is fitted on the train journeys and scored on the test ones, weighted by counts.
    """
    enc = encode_paths(data.paths)
    design = _design(enc, exposure)
    pooled = EncodedPaths(enc.channels, np.zeros(0, dtype=np.int32), np.zeros(len(design.conv) + 1, dtype=np.int64),
                          design.conv, design.revenue, design.nulls)
    train, test = split_journeys(pooled, test_share, seed)
    fit = _fit(design.x, train.conversions, train.nulls)
    return weighted_auc(_predict(fit, design.x), test.conversions, test.nulls)
