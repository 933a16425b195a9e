"""Fit the media-mix model and compare saturation forms."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError, ModelError
from attribution.mmm.bootstrap import residual_block_bootstrap
from attribution.mmm.design import BaselineDesign, build_baseline, check_rank
from attribution.mmm.identifiability import low_spend, saturation_bounds
from attribution.mmm.inputs import infer_freq, model_param_count, prepare_wide
from attribution.mmm.result import MMMResult
from attribution.mmm.solver import MediaProblem, Solution, single_blas_thread
from attribution.mmm.summaries import FitContext, build_tables, channel_params, diagnostics, fit_warnings
from attribution.mmm.transforms import adstock_spec, param_specs, saturation_spec

DEFAULT_MAX_LAG = {"W": 8, "D": 30}

SATURATION_FORM_WARNING = (
    "A better fit does not prove the saturation form: several curves fit the observed spend range "
    "about equally well and differ mainly where there is little data (very low or very high spend). "
    "Prefer the simplest form that fits, and check budget recommendations that move spend far from "
    "historical levels with an experiment.")


def _freq(dates: pd.Series, freq: str | None, column: str) -> str:
    found = infer_freq(dates, column)
    if freq is None:
        return found
    want = {"d": "D", "day": "D", "daily": "D", "w": "W", "week": "W", "weekly": "W"}.get(str(freq).lower())
    if want is None:
        raise ModelError(f"freq must be 'D' (daily) or 'W' (weekly), got {freq!r}")
    if want != found:
        raise DataValidationError(f"freq={freq!r} but the dates in {column!r} are "
                                  f"{'daily' if found == 'D' else 'weekly'}; leave freq=None to infer it",
                                  column=column)
    return want


def _problem(spend_scaled: np.ndarray, design: BaselineDesign, fit_rows: np.ndarray, adstock: str,
             saturation: str, lag: int) -> MediaProblem:
    """The solver problem, with saturation bounds that keep each channel's curve identifiable."""
    ad, sat = param_specs(adstock, lag), param_specs(saturation, lag)
    sat_low, sat_high = saturation_bounds(saturation, sat, low_spend(spend_scaled[fit_rows]))
    n = spend_scaled.shape[1]
    lower = np.hstack([np.tile([s.low for s in ad], (n, 1)), sat_low])
    upper = np.hstack([np.tile([s.high for s in ad], (n, 1)), sat_high])
    return MediaProblem(spend_scaled, design.matrix, np.flatnonzero(fit_rows), adstock, saturation, lag,
                        intercept_col=design.names.index("intercept"),
                        trend_col=design.names.index("slope") if "slope" in design.names else None,
                        lower=lower, upper=upper)


def _pooled_fit(problem: MediaProblem, first: Solution, y: np.ndarray, spend_y: np.ndarray, prior_sd: float,
                dof: int, starts: list[np.ndarray]) -> Solution:
    """Refit with every channel's ROAS pulled toward a common (fitted) ROAS by a weak Gaussian prior.

    The prior is ``roas_c ~ N(rho, (prior_sd * rho_1)**2)`` with ``rho`` free and ``rho_1`` the pooled
    ROAS of the unpenalised fit ``first``; weighed against the residual variance of ``first`` it is
    the penalty ``(sigma / (prior_sd * rho_1))**2 * sum_c (roas_c - rho)**2`` (posterior mode).
    """
    feats = problem.features(first.theta).sum(axis=0)
    pooled = float((first.beta * feats).sum() / spend_y.sum())
    if pooled <= 0:  # no media effect at all: nothing to pool
        return first
    sigma = np.sqrt(2 * first.cost / max(dof, 1))
    problem.pool_roas(spend_y, sigma / (prior_sd * pooled))
    return problem.fit(y, [first.theta.ravel(), *starts])


def fit(df: pd.DataFrame, date: str = "date", target: str = "y", channels: Sequence[str] = (),
        controls: Sequence[str] = (), adstock: str = "geometric", saturation: str = "logistic",
        max_lag: int | None = None, freq: str | None = None, holdout_share: float = 0.0,
        n_fourier: int = 2, trend: bool = True, n_starts: int = 5, seed: int = 0, n_boot: int = 0,
        block_len: int | None = None, ci_level: float = 0.9, roas_prior_sd: float | None = 1.0) -> MMMResult:
    """Fit ``y_t = intercept + trend + seasonality + controls + sum_c beta_c sat_c(adstock_c(x_c / max x_c))``.

    Parameters
    ----------
    df : wide table, one row per day or week (see :func:`prepare_wide` for the checks).
    date, target, channels, controls : column roles; controls enter linearly (put confounders here).
    adstock : ``geometric`` | ``delayed`` | ``weibull_cdf`` | ``weibull_pdf``.
    saturation : ``logistic`` | ``hill`` | ``michaelis_menten``.
    max_lag : number of adstock weights; default 8 for weekly, 30 for daily data.
    freq : ``"W"`` or ``"D"``; inferred from the dates when None.
    holdout_share : share of the latest periods kept out of the fit to measure forecast error.
    n_fourier : pairs of yearly Fourier terms (0 = no seasonality). trend : include a linear trend.
    n_starts, seed : seeded random starting points for the nonlinear fit (the best one is kept).
    n_boot, block_len, ci_level : residual moving-block bootstrap replicates, block length (default
        ``ceil(n ** (1/3))``) and level of the percentile intervals.
    roas_prior_sd : sd of a weak prior that pulls each channel's ROAS toward a common ROAS, as a
        multiple of the pooled media ROAS of an unpenalised first fit (``None`` or 0: no prior).
        Where the data pin a channel down (its ROAS known to within a fraction of the pooled
        ROAS) the pull is negligible; where they cannot tell channels apart (few periods, noisy
        outcome, always-on spend) it shares the media effect in proportion to spend instead of
        handing it all to whichever channel happens to fit the noise. Meridian's default
        ROAS prior plays the same role; 1.0 is weak (a channel may still have twice or half the
        pooled ROAS at little cost). Bootstrap replicates keep the point fit's prior weight.

    Returns
    -------
    MMMResult. Media coefficients and the baseline level are constrained to be non-negative: the
    intercept and, with a trend, the trend line at both ends of the range (seasonality and controls
    are free). Saturation parameters are kept where the curve is not already half-saturated at a
    channel's smallest typical spend (see
    :func:`attribution.mmm.identifiability.saturation_bounds`), so a channel whose spend never goes
    near zero cannot turn into a second intercept. ``diagnostics["warnings"]`` lists, in plain
    words, what remains doubtful (baseline level held at 0, baseline below zero in some periods,
    parameters at a limit, channels whose effect is a near-constant).
    """
    adstock_spec(adstock)
    saturation_spec(saturation)
    if not 0.0 <= holdout_share < 0.5:
        raise ModelError(f"holdout_share must be in [0, 0.5) (got {holdout_share})")
    if not 0.5 <= ci_level < 1.0:
        raise ModelError(f"ci_level must be in [0.5, 1) (got {ci_level})")
    if n_fourier < 0 or n_starts < 1 or n_boot < 0:
        raise ModelError("n_fourier and n_boot must be >= 0 and n_starts >= 1")
    if roas_prior_sd is not None and roas_prior_sd < 0:
        raise ModelError(f"roas_prior_sd must be positive, or None for no ROAS prior (got {roas_prior_sd})")
    channels, controls = [str(c) for c in channels], [str(c) for c in controls]
    n_params = model_param_count(len(channels), len(controls), n_fourier=n_fourier, trend_params=int(trend),
                                 adstock=adstock, saturation=saturation)
    data = prepare_wide(df, date, target, channels, controls, min_periods=2)
    freq = _freq(data[date], freq, date)
    lag = int(max_lag or DEFAULT_MAX_LAG[freq])
    if lag < 1:
        raise ModelError(f"max_lag must be at least 1 (got {max_lag})")
    n = len(data)
    n_fit = n - int(round(holdout_share * n))
    if n_fit < 2 * n_params:
        raise DataValidationError(
            f"{n_fit} periods to fit but the model has {n_params} parameters; it needs at least "
            f"{2 * n_params} (2 x parameters): use a longer history, fewer channels or controls, fewer "
            "Fourier terms or a smaller hold-out")
    fit_rows = np.arange(n) < n_fit
    spend = data[channels].to_numpy(dtype="float64")
    scale = spend[fit_rows].max(axis=0)
    dead = [c for c, s in zip(channels, scale, strict=True) if s <= 0]
    if dead:
        raise DataValidationError(f"channel(s) {dead} have no spend in the fit range; drop them or shrink "
                                  "the hold-out", column=dead[0])
    y = data[target].to_numpy(dtype="float64")
    y_scale = float(np.max(np.abs(y[fit_rows]))) or 1.0
    design = build_baseline(data[date], data[controls], n_fourier=n_fourier, trend=trend)
    check_rank(design, fit_rows)
    problem = _problem(spend / scale, design, fit_rows, adstock, saturation, lag)
    y_fit = y[fit_rows] / y_scale
    with single_blas_thread():
        sol = problem.fit(y_fit, problem.starts(n_starts, seed))
        if roas_prior_sd:
            sol = _pooled_fit(problem, sol, y_fit, spend[fit_rows].sum(axis=0) / y_scale, roas_prior_sd,
                              n_fit - n_params, problem.starts(n_starts, seed))
        boots, failures = ([], 0)
        if n_boot:
            boots, failures = residual_block_bootstrap(problem, sol, y_fit, n_boot=n_boot, block_len=block_len,
                                                       seed=seed + 1)
        ctx = FitContext(data[date], y, spend, fit_rows, tuple(channels), design, problem, y_scale, scale)
        tables = build_tables(ctx, sol, boots, ci_level)
    diag = diagnostics(ctx, tables["fitted"]["fitted"].to_numpy(), n_params)
    diag.update({"warnings": fit_warnings(ctx, sol), "freq": freq, "converged": sol.success, "n_boot": len(boots),
                 "boot_failures": failures, "adstock": adstock, "saturation": saturation, "max_lag": lag,
                 "roas_prior_sd": roas_prior_sd or None})
    return MMMResult(
        params=tables["params"], fitted=tables["fitted"], contributions=tables["contributions"],
        channel_summary=tables["channel_summary"], diagnostics=diag, channels=tuple(channels),
        controls=tuple(controls), adstock=adstock, saturation=saturation, max_lag=lag, freq=freq,
        spend_scale={c: float(s) for c, s in zip(channels, scale, strict=True)},
        current_spend={c: float(v) for c, v in zip(channels, spend[fit_rows].mean(axis=0), strict=True)},
        channel_params=channel_params(ctx, sol), boot_params=tuple(channel_params(ctx, b) for b in boots),
        ci_level=ci_level)


def compare_saturation(df: pd.DataFrame, date: str = "date", target: str = "y", channels: Sequence[str] = (),
                       controls: Sequence[str] = (),
                       forms: Sequence[str] = ("logistic", "hill", "michaelis_menten"), **kwargs) -> pd.DataFrame:
    """Fit once per saturation form; ``form, r2, adj_r2, nrmse, mape, holdout_mape, holdout_nrmse, aic, bic``.

    Warning: a good fit does not prove the form (see :data:`SATURATION_FORM_WARNING`). The forms
    mostly differ outside the observed spend range, which the data cannot speak to; lower AIC/BIC
    only says which curve summarises the history more economically. Other keyword arguments go
    to :func:`fit` (``n_boot`` is forced to 0).
    """
    kwargs["n_boot"] = 0
    rows = []
    for form in forms:
        res = fit(df, date=date, target=target, channels=channels, controls=controls, saturation=form, **kwargs)
        d = res.diagnostics
        rows.append({"form": form, **{k: d[k] for k in ("r2", "adj_r2", "nrmse", "mape", "holdout_mape",
                                                         "holdout_nrmse", "aic", "bic")}})
    return pd.DataFrame(rows)
