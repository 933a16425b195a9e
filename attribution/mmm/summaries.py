"""Turn solver solutions into the tidy tables and diagnostics of :class:`~attribution.mmm.result.MMMResult`."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.mmm.design import BaselineDesign
from attribution.mmm.identifiability import baseline_warnings, bound_warnings, flat_response_warnings
from attribution.mmm.solver import MediaProblem, Solution
from attribution.mmm.transforms import saturation_spec


@dataclass(frozen=True)
class FitContext:
    """Everything fixed about one fit: data in original units, design, and the solver problem."""

    dates: pd.Series
    y: np.ndarray               # (T,) outcome, original units
    spend: np.ndarray           # (T, C) spend, original units
    fit_rows: np.ndarray        # (T,) bool: rows used for fitting (the rest is hold-out)
    channels: tuple[str, ...]
    design: BaselineDesign
    problem: MediaProblem
    y_scale: float
    spend_scale: np.ndarray     # (C,)


def channel_params(ctx: FitContext, sol: Solution) -> dict[str, dict[str, float]]:
    """Per channel ``{param: value}`` with ``beta`` in outcome units."""
    names = [s.name for s in ctx.problem.specs]
    return {ch: {**{n: float(v) for n, v in zip(names, sol.theta[j], strict=True)},
                 "beta": float(sol.beta[j] * ctx.y_scale)}
            for j, ch in enumerate(ctx.channels)}


def param_rows(ctx: FitContext, sol: Solution) -> list[tuple[str, str, float]]:
    """``(channel, param, value)`` rows for media and baseline parameters (original units)."""
    rows = [(ch, p, v) for ch, ps in channel_params(ctx, sol).items() for p, v in ps.items()]
    d = ctx.design
    start = float(sol.gamma[d.level_cols[0]] * ctx.y_scale)
    rows.append(("baseline", "intercept", start))
    for k, j in enumerate(d.level_cols[1:], start=1):  # rise of the trend from the start to knot k
        rows.append(("trend", f"rise_{k}", float(sol.gamma[j] * ctx.y_scale) - start))
    for j, (name, comp) in enumerate(zip(d.names, d.components, strict=True)):
        if j not in d.level_cols:
            rows.append((comp, name, float(sol.gamma[j] * ctx.y_scale / d.col_scale[j])))
    return rows


def components(ctx: FitContext, sol: Solution) -> dict[str, np.ndarray]:
    """Contribution of every component per period (original units); they sum to the fitted values."""
    base, media = ctx.problem.fitted(sol)
    d = ctx.design
    # the level at the start is the baseline; the trend is what the trend line adds to it
    start = sol.gamma[d.level_cols[0]] * ctx.y_scale
    out: dict[str, np.ndarray] = {"baseline": np.full(len(base), start)}
    if d.trend_segments:
        out["trend"] = base[:, list(d.level_cols)].sum(axis=1) * ctx.y_scale - start
    for j, comp in enumerate(d.components):
        if j not in d.level_cols:
            out[comp] = out.get(comp, 0.0) + base[:, j] * ctx.y_scale
    for j, ch in enumerate(ctx.channels):
        out[ch] = media[:, j] * ctx.y_scale
    return out


def channel_values(ctx: FitContext, sol: Solution, comps: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per-channel contribution, share, ROAS and marginal ROAS over the fit rows."""
    comps = comps if comps is not None else components(ctx, sol)
    rows = ctx.fit_rows
    contrib = np.array([comps[ch][rows].sum() for ch in ctx.channels])
    spend = ctx.spend[rows].sum(axis=0)
    mean = ctx.spend[rows].mean(axis=0)
    p = ctx.problem
    sat = sol.theta[:, p.n_ad:]
    deriv = saturation_spec(p.saturation).derivative(mean / ctx.spend_scale, *sat.T)
    total = contrib.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"contribution": contrib,
                "share": contrib / total if total > 0 else np.zeros_like(contrib),
                "roas": np.where(spend > 0, contrib / np.where(spend > 0, spend, 1.0), np.nan),
                "marginal_roas": sol.beta * ctx.y_scale * deriv / ctx.spend_scale}


def _ci(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    q = [50 * (1 - level), 50 * (1 + level)]
    # nanpercentile loops column by column; only pay for it when a draw is undefined. A column with
    # no defined draw (a trend knot no replicate's model has) gets a NaN interval.
    if not np.isnan(draws).any():
        out = np.percentile(draws, q, axis=0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.nanpercentile(draws, q, axis=0)
    return out[0], out[1]


def build_tables(ctx: FitContext, sol: Solution, boots: list[tuple[FitContext, Solution]],
                 level: float) -> dict[str, pd.DataFrame]:
    """The ``params``, ``fitted``, ``contributions`` and ``channel_summary`` tables (CIs from ``boots``).

    Each bootstrap replicate comes with its own context (its trend design and lag may differ from the
    point fit's). A parameter the replicate's model does not have (a trend knot of another number of
    segments) is left out of that parameter's interval; a component it lacks counts as 0.
    """
    comps = components(ctx, sol)
    fitted = sum(comps.values())
    rows = param_rows(ctx, sol)
    params = pd.DataFrame(rows, columns=["channel", "param", "value"])
    names = list(comps)
    contrib = pd.concat([pd.DataFrame({"date": ctx.dates, "component": k, "value": comps[k]}) for k in names],
                        ignore_index=True)
    vals = channel_values(ctx, sol, comps)
    spend = ctx.spend[ctx.fit_rows]
    summary = pd.DataFrame({"channel": list(ctx.channels), "spend": spend.sum(axis=0),
                            "spend_per_period": spend.mean(axis=0), **vals})
    if boots:
        bcomps = [components(c, b) for c, b in boots]
        keys = [(ch, p) for ch, p, _ in rows]
        draws = [{(ch, p): v for ch, p, v in param_rows(c, b)} for c, b in boots]
        lo, hi = _ci(np.array([[d.get(k, np.nan) for k in keys] for d in draws]), level)
        params["ci_low"], params["ci_high"] = lo, hi
        zero = np.zeros(len(ctx.dates))
        lo, hi = _ci(np.array([np.concatenate([c.get(k, zero) for k in names]) for c in bcomps]), level)
        contrib["ci_low"], contrib["ci_high"] = lo, hi
        bvals = [channel_values(c, b, comps_b) for (c, b), comps_b in zip(boots, bcomps, strict=True)]
        for key in ("contribution", "share", "roas", "marginal_roas"):
            lo, hi = _ci(np.array([v[key] for v in bvals]), level)
            summary[f"{key}_ci_low"], summary[f"{key}_ci_high"] = lo, hi
    fit_frame = pd.DataFrame({"date": ctx.dates, "actual": ctx.y, "fitted": fitted,
                              "residual": ctx.y - fitted, "is_holdout": ~ctx.fit_rows})
    return {"params": params, "fitted": fit_frame, "contributions": contrib, "channel_summary": summary}


def fit_warnings(ctx: FitContext, sol: Solution, relaxed: dict | None = None) -> list[str]:
    """Plain-language warnings about the point estimate (see :mod:`attribution.mmm.identifiability`)."""
    p = ctx.problem
    comps = components(ctx, sol)
    rows = ctx.fit_rows
    non_media = sum(v for k, v in comps.items() if k not in ctx.channels)[rows]
    media = np.column_stack([comps[ch][rows] for ch in ctx.channels])
    shape = sol.theta.shape
    intercept = float(sol.gamma[ctx.design.level_cols[0]] * ctx.y_scale)
    return [*baseline_warnings(intercept, non_media, sol.held, relaxed),
            *bound_warnings(ctx.channels, [s.name for s in p.specs], sol.theta, sol.beta,
                            p.lower.reshape(shape), p.upper.reshape(shape)),
            *flat_response_warnings(ctx.channels, media)]


def _nrmse(actual: np.ndarray, pred: np.ndarray) -> float:
    if actual.size == 0:
        return float("nan")
    span = actual.max() - actual.min()
    rmse = np.sqrt(np.mean((actual - pred) ** 2))
    return float(rmse / span) if span > 0 else float("nan")


def mape(actual: np.ndarray, pred: np.ndarray) -> float:
    """Mean absolute percentage error as a fraction, over the periods where the actual is not 0 (NaN if none)."""
    keep = actual != 0
    return float(np.mean(np.abs((actual[keep] - pred[keep]) / actual[keep]))) if keep.any() else float("nan")


def diagnostics(ctx: FitContext, fitted: np.ndarray, n_params: int) -> dict:
    """Goodness of fit on the fit rows and on the hold-out rows."""
    rows = ctx.fit_rows
    y, f = ctx.y[rows], fitted[rows]
    res = y - f
    n = int(rows.sum())
    rss = float(res @ res)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - rss / tss if tss > 0 else float("nan")
    dof = n - n_params
    safe_rss = max(rss, 1e-300)
    return {
        "r2": r2,
        "adj_r2": 1 - (1 - r2) * (n - 1) / dof if dof > 0 else float("nan"),
        "nrmse": _nrmse(y, f),
        "mape": mape(y, f),
        "durbin_watson": float(np.sum(np.diff(res) ** 2) / rss) if rss > 0 else float("nan"),
        "holdout_mape": mape(ctx.y[~rows], fitted[~rows]),
        "holdout_nrmse": _nrmse(ctx.y[~rows], fitted[~rows]),
        "n_obs": n,
        "n_holdout": int((~rows).sum()),
        "n_params": n_params,
        "aic": float(n * np.log(safe_rss / n) + 2 * n_params),
        "bic": float(n * np.log(safe_rss / n) + n_params * np.log(n)),
    }
