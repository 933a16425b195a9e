"""Forward look: the outcome per period a fitted media-mix model predicts for the next periods under a plan.

Rules (written out, per future period ``h = 1..periods`` after the last period of the fit's data):

- **Baseline** = trend + seasonality + controls. The trend continues the last straight segment of the
  fitted piecewise-linear trend (its slope per period), kept ``>= 0`` as in the fit; with no trend the
  level stays where it is. Seasonality uses the fitted yearly Fourier terms at the future dates.
  Controls are held at their average over the history (their future values are unknown); events do
  not recur.
- **Media** per channel = ``beta * sat(adstock(spend) / max spend)`` on the history's spend followed
  by the plan's constant spend per period, so the carry-over of past spend fades out and the plan's
  builds up (after ``max_lag`` periods it reaches the steady-state response of the budget page).
- **Intervals** (``ci_level`` of the fit): media from each bootstrap replicate's channel parameters,
  and the outcome adds one draw of the fit's residual noise (sd of the fit-range residuals) per
  replicate, so ``outcome_ci_*`` is a prediction interval for what will be observed. Uncertainty of the
  baseline's own parameters is not included. Without bootstrap replicates only the noise is.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError, ModelError
from attribution.mmm import MMMResult
from attribution.mmm.design import YEAR_DAYS
from attribution.mmm.transforms import adstock_spec, apply_weights, param_specs, saturation_spec


def _baseline(res: MMMResult, history: pd.DataFrame, future: pd.DatetimeIndex, first: pd.Timestamp) -> np.ndarray:
    p = res.params
    value = {(c, n): v for c, n, v in zip(p["channel"], p["param"], p["value"], strict=True)}
    n = len(res.fitted)
    h = np.arange(1, len(future) + 1, dtype="float64")
    segments = int(res.diagnostics.get("trend_segments", 0))
    start = value[("baseline", "intercept")]
    if segments:
        last = start + value[("trend", f"rise_{segments}")]
        before = start + (value[("trend", f"rise_{segments - 1}")] if segments > 1 else 0.0)
        slope = (last - before) / ((n - 1) / segments)
        level = np.maximum(last + slope * h, 0.0)
    else:
        level = np.full(len(h), start)
    phase = 2 * np.pi * (future - first).days.to_numpy(dtype="float64") / YEAR_DAYS
    k = 1
    while ("seasonality", f"sin_{k}") in value:
        level = level + value[("seasonality", f"sin_{k}")] * np.sin(k * phase) \
            + value[("seasonality", f"cos_{k}")] * np.cos(k * phase)
        k += 1
    for c in res.controls:
        level = level + value[(c, "coef")] * float(pd.to_numeric(history[c]).mean())
    return level


def _media(res: MMMResult, spend: np.ndarray, params: Mapping[str, Mapping[str, float]], horizon: int) -> np.ndarray:
    """``(horizon, C)`` media response in the future periods for one parameter set."""
    ad = [s.name for s in param_specs(res.adstock, res.max_lag)]
    sat = [s.name for s in param_specs(res.saturation, res.max_lag)]
    out = np.empty((horizon, len(res.channels)))
    for j, ch in enumerate(res.channels):
        p = params[ch]
        # a bootstrap replicate carries the lag it chose (see attribution.mmm.bootstrap)
        w = adstock_spec(res.adstock).weights(*[p[a] for a in ad], int(p.get("max_lag", res.max_lag)))
        x = apply_weights(spend[:, j] / res.spend_scale[ch], w)[-horizon:]
        out[:, j] = p["beta"] * saturation_spec(res.saturation).function(x, *[p[s] for s in sat])
    return out


def forecast(res: MMMResult, history: pd.DataFrame, spend_per_period: Mapping[str, float], periods: int, *,
             date: str = "date", seed: int = 0) -> pd.DataFrame:
    """Predicted outcome for each of the next ``periods`` periods when spending ``spend_per_period``.

    ``history`` is the table the model was fitted on (its date column ``date`` and one spend column
    per channel, plus the controls); ``spend_per_period`` gives each channel's spend per period of
    the plan (a channel left out keeps its average spend over the fit range). Returns ``date,
    period, baseline, <channel>..., media, outcome`` and, when intervals can be made,
    ``media_ci_low, media_ci_high, outcome_ci_low, outcome_ci_high`` (see the module docstring).
    """
    if int(periods) != periods or periods < 1:
        raise ModelError(f"periods must be a whole number >= 1 (got {periods})")
    periods = int(periods)
    missing = [c for c in (date, *res.channels, *res.controls) if c not in history.columns]
    if missing:
        raise DataValidationError(f"the history has no column {missing[0]!r} (the fit's data is needed for the "
                                  "carry-over of past spend)", column=missing[0])
    unknown = sorted(set(spend_per_period) - set(res.channels))
    if unknown:
        raise ModelError(f"unknown channel {unknown[0]!r} in the plan; the model has: {', '.join(res.channels)}")
    plan = np.array([float(spend_per_period.get(c, res.current_spend[c])) for c in res.channels])
    if (plan < 0).any() or not np.isfinite(plan).all():
        raise ModelError("spend per period must be a number >= 0 for every channel")
    dates = pd.to_datetime(history[date]).sort_values().reset_index(drop=True)
    step = dates.iloc[-1] - dates.iloc[-2] if len(dates) > 1 else pd.Timedelta(days=7 if res.freq == "W" else 1)
    future = pd.DatetimeIndex([dates.iloc[-1] + step * h for h in range(1, periods + 1)])
    past = history.sort_values(date)[list(res.channels)].to_numpy(dtype="float64")
    spend = np.vstack([past, np.tile(plan, (periods, 1))])
    base = _baseline(res, history, future, dates.iloc[0])
    media = _media(res, spend, res.channel_params, periods)
    out = pd.DataFrame({"date": future, "period": np.arange(1, periods + 1), "baseline": base})
    for j, ch in enumerate(res.channels):
        out[ch] = media[:, j]
    out["media"] = media.sum(axis=1)
    out["outcome"] = out["baseline"] + out["media"]
    fit_resid = res.fitted.loc[~res.fitted["is_holdout"], "residual"].to_numpy()
    noise_sd = float(np.std(fit_resid, ddof=1)) if len(fit_resid) > 1 else 0.0
    draws = [_media(res, spend, b, periods).sum(axis=1) for b in res.boot_params] or [media.sum(axis=1)] * 200
    draws = np.array(draws)
    rng = np.random.default_rng(seed)
    outcome = base + draws + rng.normal(0.0, noise_sd, draws.shape)
    q = [50 * (1 - res.ci_level), 50 * (1 + res.ci_level)]
    if res.boot_params:
        out["media_ci_low"], out["media_ci_high"] = np.percentile(draws, q, axis=0)
    out["outcome_ci_low"], out["outcome_ci_high"] = np.percentile(outcome, q, axis=0)
    return out
