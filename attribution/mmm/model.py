"""Fit the media-mix model (with automatic trend, lag and form choices) and compare saturation forms."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from attribution.defaults import INTERVAL_LEVEL, MMM_HOLDOUT_SHARE
from attribution.errors import DataValidationError, ModelError
from attribution.mmm.bootstrap import boot_choices, residual_block_bootstrap
from attribution.mmm.inputs import infer_freq, model_param_count, prepare_wide
from attribution.mmm.lift import check_lift_tests
from attribution.mmm.result import MMMResult
from attribution.mmm.selection import (
    AUTO,
    FitInput,
    choice_notes,
    choose_model,
    relaxed_baseline,
    solve_candidate,
)
from attribution.mmm.solver import single_blas_thread
from attribution.mmm.summaries import (
    FitContext,
    build_tables,
    channel_params,
    diagnostics,
    fit_warnings,
)
from attribution.mmm.transforms import (
    adstock_spec,
    saturation_spec,
)

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


def fit(df: pd.DataFrame, date: str = "date", target: str = "y", channels: Sequence[str] = (),
        controls: Sequence[str] = (), adstock: str = AUTO, saturation: str = AUTO,
        max_lag: int | str | None = None, freq: str | None = None, holdout_share: float = MMM_HOLDOUT_SHARE,
        n_fourier: int = 2, trend: int | bool | str = AUTO, events: pd.DataFrame | None = None,
        n_starts: int = 5, seed: int = 0, n_boot: int = 0, block_len: int | None = None, ci_level: float = INTERVAL_LEVEL,
        roas_prior_sd: float | None = 1.0, lift_tests: pd.DataFrame | None = None) -> MMMResult:
    """Fit ``y_t = level + trend + seasonality + events + controls + sum_c beta_c sat_c(adstock_c(x_c / max x_c))``.

    Parameters
    ----------
    df : wide table, one row per day or week (see :func:`prepare_wide` for the checks).
    date, target, channels, controls : column roles; controls enter linearly (put confounders here).
    adstock : ``geometric`` | ``delayed`` | ``weibull_cdf`` | ``weibull_pdf`` | ``"auto"`` (default).
    saturation : ``logistic`` | ``hill`` | ``michaelis_menten`` | ``"auto"`` (default). With ``"auto"``
        the combination with the lowest BIC among :data:`attribution.mmm.selection.FORM_CANDIDATES`
        is used (one of them fixed: the candidates with it); the Media mix page's default too.
    max_lag : number of adstock weights; ``None`` / ``"auto"`` (default): the lowest BIC among
        :data:`LAG_CANDIDATES` (4, 8, 13 weeks or 7, 14, 30 days).
    freq : ``"W"`` or ``"D"``; inferred from the dates when None.
    holdout_share : share of the latest periods kept out of the fit to measure forecast error
        (default :data:`attribution.defaults.MMM_HOLDOUT_SHARE`, 0.1; 0 fits every period).
    n_fourier : pairs of yearly Fourier terms (0 = no seasonality).
    trend : segments of a piecewise-linear trend (``True``/1 = a straight line, 0/``False`` = a
        constant level), or ``"auto"`` (default): the lowest BIC among :data:`TREND_SEGMENTS`, so a
        curved baseline is followed by the trend instead of being absorbed by media.
    events : optional holidays / events, a frame with columns ``date`` and ``event``: each event name
        gets its own effect in the periods that contain one of its dates.
    n_starts, seed : seeded random starting points for the nonlinear fit (the best one is kept).
    n_boot, block_len, ci_level : residual moving-block bootstrap replicates, block length (default
        :func:`attribution.mmm.bootstrap.block_len_for`, from the residuals' autocorrelation) and level
        of the percentile intervals (default :data:`attribution.defaults.INTERVAL_LEVEL`, 0.95). Each
        replicate chooses the trend and the lag again when they are automatic (see
        :mod:`attribution.mmm.bootstrap`), so the intervals carry the uncertainty of those choices;
        ``diagnostics["boot_choices"]`` counts the replicates per (trend segments, lag), and each
        :attr:`MMMResult.boot_params` entry carries its replicate's ``max_lag``.
    roas_prior_sd : sd of a weak prior that pulls each channel's ROAS toward a common ROAS, as a
        multiple of the pooled media ROAS of an unpenalised first fit (``None`` or 0: no prior).
        Where the data pin a channel down the pull is negligible; where they cannot tell channels
        apart (few periods, noisy outcome, always-on spend) it shares the media effect in proportion
        to spend instead of handing it all to whichever channel happens to fit the noise. 1.0 is weak.
        Bootstrap replicates keep the point fit's prior weight.
    lift_tests : optional experiments, a table with columns ``channel, x, delta_x, delta_y, sigma``
        (spend per period before the test, the change in spend, the measured change in outcome per
        period and its standard error; checked by :func:`attribution.mmm.lift.check_lift_tests`).
        Each is a measurement of the channel's steady-state response curve,
        ``beta * (sat((x + delta_x) / max) - sat(x / max)) = delta_y +- sigma``, added to the fit as a
        Gaussian likelihood term weighed against the outcome's noise; bootstrap replicates redraw each
        measurement from ``N(delta_y, sigma)`` so its uncertainty reaches the intervals.
        ``diagnostics["lift_tests"]`` compares each test with the fitted curve.

    Automatic choices are made one at a time (trend, then lag, then forms) by BIC on the fit rows;
    ``diagnostics["selection"]`` holds every candidate (BIC, ROAS per channel, which was chosen) and
    ``diagnostics["choices"]`` one sentence per choice.

    Returns
    -------
    MMMResult. Media coefficients and the baseline level are non-negative: the level at every knot
    of the trend line (so the line is >= 0 everywhere); seasonality, events and controls are free.
    When that constraint binds, the fit is repeated with a free baseline and the warning says in
    which direction, and by how much, the constraint moved media credit. Saturation parameters are
    kept where the curve is not already half-saturated at a channel's smallest typical spend (see
    :func:`attribution.mmm.identifiability.saturation_bounds`). ``diagnostics["warnings"]`` lists in
    plain words what remains doubtful.
    """
    auto_forms = AUTO in (adstock, saturation)
    if adstock != AUTO:
        adstock_spec(adstock)
    if saturation != AUTO:
        saturation_spec(saturation)
    if not 0.0 <= holdout_share < 0.5:
        raise ModelError(f"holdout_share must be in [0, 0.5) (got {holdout_share})")
    if not 0.5 <= ci_level < 1.0:
        raise ModelError(f"ci_level must be in [0.5, 1) (got {ci_level})")
    if n_fourier < 0 or n_starts < 1 or n_boot < 0:
        raise ModelError("n_fourier and n_boot must be >= 0 and n_starts >= 1")
    if roas_prior_sd is not None and roas_prior_sd < 0:
        raise ModelError(f"roas_prior_sd must be positive, or None for no ROAS prior (got {roas_prior_sd})")
    if trend != AUTO and (isinstance(trend, str) or int(trend) < 0):
        raise ModelError(f"trend must be 'auto', True/False or a number of segments >= 0 (got {trend!r})")
    lag_arg = AUTO if max_lag is None else max_lag
    if lag_arg != AUTO and (isinstance(lag_arg, str) or int(lag_arg) < 1):
        raise ModelError(f"max_lag must be at least 1, or 'auto' (got {max_lag!r})")
    channels, controls = [str(c) for c in channels], [str(c) for c in controls]
    lift = check_lift_tests(lift_tests, channels) if lift_tests is not None else None
    n_events = int(events["event"].nunique()) if events is not None and "event" in events and len(events) else 0
    n_params = model_param_count(len(channels), len(controls) + n_events, n_fourier=n_fourier,
                                 trend_params=1 if trend == AUTO else int(trend),
                                 adstock="geometric" if adstock == AUTO else adstock,
                                 saturation="logistic" if saturation == AUTO else saturation)
    data = prepare_wide(df, date, target, channels, controls, min_periods=2)
    freq = _freq(data[date], freq, date)
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
    d = FitInput(data[date], y, spend, scale, fit_rows, float(np.max(np.abs(y[fit_rows]))) or 1.0, data[controls],
              events, tuple(channels), n_fourier)
    with single_blas_thread():
        choice, table = choose_model(d, trend, lag_arg, adstock, saturation, freq, seed, lift)
        f = solve_candidate(d, choice["trend"], choice["lag"], choice["adstock"], choice["saturation"], n_starts, seed,
                   roas_prior_sd, lift=lift)
        relaxed = relaxed_baseline(d, f)
        sol, problem, design, lag = f.sol, f.problem, f.design, f.lag
        adstock, saturation = f.adstock, f.saturation
        reps, failures = ([], 0)
        if n_boot:
            reps, failures = residual_block_bootstrap(d, f, table, n_boot=n_boot, block_len=block_len, seed=seed + 1)
        ctx = FitContext(data[date], y, spend, fit_rows, tuple(channels), design, problem, d.y_scale, scale)
        boots = [(replace(ctx, design=r.design, problem=r.problem), r.sol) for r in reps]
        tables = build_tables(ctx, sol, boots, ci_level)
    diag = diagnostics(ctx, tables["fitted"]["fitted"].to_numpy(), f.n_params)
    unit = "week" if freq == "W" else "day"
    diag.update({"warnings": fit_warnings(ctx, sol, relaxed), "freq": freq, "converged": sol.success,
                 "n_boot": len(boots), "boot_choices": boot_choices(reps), "boot_failures": failures, "adstock": adstock, "saturation": saturation,
                 "max_lag": lag, "trend_segments": design.trend_segments, "roas_prior_sd": roas_prior_sd or None,
                 "selection": table, "choices": choice_notes(table, choice, unit), "auto_forms": auto_forms,
                 "baseline_relaxed": relaxed})
    result = MMMResult(
        params=tables["params"], fitted=tables["fitted"], contributions=tables["contributions"],
        channel_summary=tables["channel_summary"], diagnostics=diag, channels=tuple(channels),
        controls=tuple(controls), adstock=adstock, saturation=saturation, max_lag=lag, freq=freq,
        spend_scale={c: float(s) for c, s in zip(channels, scale, strict=True)},
        current_spend={c: float(v) for c, v in zip(channels, spend[fit_rows].mean(axis=0), strict=True)},
        channel_params=channel_params(ctx, sol),
        boot_params=tuple({ch: {**p, "max_lag": r.lag} for ch, p in channel_params(c, b).items()}
                          for (c, b), r in zip(boots, reps, strict=True)),
        ci_level=ci_level)
    if lift is not None:
        diag["lift_tests"] = lift_comparison(result, lift)
    return result


def lift_comparison(res: MMMResult, tests: pd.DataFrame) -> pd.DataFrame:
    """Each lift test next to the fitted curve: ``predicted_delta_y`` and ``z`` = (predicted - measured) / sigma.

    ``predicted_delta_y`` is the steady-state change in outcome per period the model predicts for the
    test's change in spend; ``|z|`` above about 2 means the model and the experiment disagree.
    """
    out = tests.copy()
    out["predicted_delta_y"] = [float(res.response(c, x + dx) - res.response(c, x))
                                for c, x, dx in zip(tests["channel"], tests["x"], tests["delta_x"], strict=True)]
    out["z"] = (out["predicted_delta_y"] - out["delta_y"]) / out["sigma"]
    return out


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
