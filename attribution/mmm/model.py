"""Fit the media-mix model (with automatic trend, lag and form choices) and compare saturation forms."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import ConvergenceError, DataValidationError, ModelError
from attribution.mmm.bootstrap import residual_block_bootstrap
from attribution.mmm.design import BaselineDesign, build_baseline, check_rank
from attribution.mmm.identifiability import low_spend, saturation_bounds
from attribution.mmm.inputs import infer_freq, model_param_count, prepare_wide
from attribution.mmm.lift import LiftRows, check_lift_tests, lift_rows
from attribution.mmm.result import MMMResult
from attribution.mmm.solver import MediaProblem, Solution, single_blas_thread
from attribution.mmm.summaries import (
    FitContext,
    build_tables,
    channel_params,
    diagnostics,
    fit_warnings,
    mape,
)
from attribution.mmm.transforms import (
    ADSTOCK_SPECS,
    SATURATION_SPECS,
    adstock_spec,
    media_param_count,
    param_specs,
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


def _problem(spend_scaled: np.ndarray, design: BaselineDesign, fit_rows: np.ndarray, adstock: str,
             saturation: str, lag: int) -> MediaProblem:
    """The solver problem, with saturation bounds that keep each channel's curve identifiable."""
    ad, sat = param_specs(adstock, lag), param_specs(saturation, lag)
    sat_low, sat_high = saturation_bounds(saturation, sat, low_spend(spend_scaled[fit_rows]))
    n = spend_scaled.shape[1]
    lower = np.hstack([np.tile([s.low for s in ad], (n, 1)), sat_low])
    upper = np.hstack([np.tile([s.high for s in ad], (n, 1)), sat_high])
    return MediaProblem(spend_scaled, design.matrix, np.flatnonzero(fit_rows), adstock, saturation, lag,
                        level_cols=design.level_cols, lower=lower, upper=upper)


def _penalised_fit(problem: MediaProblem, first: Solution, y: np.ndarray, spend_y: np.ndarray,
                   prior_sd: float | None, lift: LiftRows | None, dof: int, starts: list[np.ndarray]) -> Solution:
    """Refit with the ROAS prior and the lift tests, both weighed against the noise of the first fit.

    ``sigma``, the residual sd of the unpenalised fit ``first``, puts every extra term on the scale
    of the outcome's noise. The prior is ``roas_c ~ N(rho, (prior_sd * rho_1)**2)`` with ``rho`` free
    and ``rho_1`` the pooled ROAS of ``first``: the penalty ``(sigma / (prior_sd * rho_1))**2 *
    sum_c (roas_c - rho)**2`` (posterior mode); it is skipped when ``first`` has no media effect.
    Each lift test adds ``(sigma / sigma_i)**2 * (predicted_i - delta_y_i)**2`` (see
    :meth:`MediaProblem.set_lift`).
    """
    sigma = np.sqrt(2 * first.cost / max(dof, 1))
    feats = problem.features(first.theta).sum(axis=0)
    if lift is not None:
        resid = problem.residual(first.theta.ravel(), y)[: len(y)]
        rho = float(np.clip(np.corrcoef(resid[:-1], resid[1:])[0, 1], 0.0, 0.95)) if len(y) > 2 else 0.0
        lift_sigma = sigma * np.sqrt((1 + rho) / (1 - rho))
    pooled = float((first.beta * feats).sum() / spend_y.sum())
    if prior_sd and pooled > 0:
        problem.pool_roas(spend_y, sigma / (prior_sd * pooled))
    if lift is not None:
        problem.set_lift(lift, lift_sigma)
    if problem.pool is None and problem.lift is None:
        return first
    return problem.fit(y, [first.theta.ravel(), *starts])


#: Candidates of the automatic choices (the first is the fallback when the history is too short).
TREND_SEGMENTS = (1, 2, 3, 4, 6)
LAG_CANDIDATES = {"W": (4, 8, 13), "D": (7, 14, 30)}
FORM_CANDIDATES = (("geometric", "logistic"), ("geometric", "hill"), ("geometric", "michaelis_menten"),
                   ("delayed", "logistic"), ("weibull_pdf", "logistic"))
AUTO = "auto"


@dataclass
class _Data:
    """The checked input of one fit, in the solver's scaled units where it matters."""

    dates: pd.Series
    y: np.ndarray
    spend: np.ndarray
    scale: np.ndarray
    fit_rows: np.ndarray
    y_scale: float
    controls: pd.DataFrame
    events: pd.DataFrame | None
    channels: tuple[str, ...]
    n_fourier: int


@dataclass
class _Fit:
    design: BaselineDesign
    problem: MediaProblem
    sol: Solution
    n_params: int
    adstock: str
    saturation: str
    lag: int


def _n_params(d: _Data, design: BaselineDesign, adstock: str, saturation: str) -> int:
    return design.matrix.shape[1] + len(d.channels) * media_param_count(adstock, saturation)


def _solve(d: _Data, segments: int, lag: int, adstock: str, saturation: str, n_starts: int, seed: int,
           prior_sd: float | None, max_nfev: int = 200, lift: pd.DataFrame | None = None) -> _Fit:
    design = build_baseline(d.dates, d.controls, n_fourier=d.n_fourier, trend=segments, events=d.events)
    check_rank(design, d.fit_rows)
    problem = _problem(d.spend / d.scale, design, d.fit_rows, adstock, saturation, lag)
    y_fit = d.y[d.fit_rows] / d.y_scale
    n_params = _n_params(d, design, adstock, saturation)
    sol = problem.fit(y_fit, problem.starts(n_starts, seed), max_nfev=max_nfev)
    rows = lift_rows(lift, d.channels, d.scale, d.y_scale) if lift is not None and len(lift) else None
    if prior_sd or rows is not None:
        sol = _penalised_fit(problem, sol, y_fit, d.spend[d.fit_rows].sum(axis=0) / d.y_scale, prior_sd, rows,
                             int(d.fit_rows.sum()) - n_params, problem.starts(n_starts, seed))
    return _Fit(design, problem, sol, n_params, adstock, saturation, lag)


def _bic(d: _Data, f: _Fit) -> float:
    n = int(d.fit_rows.sum())
    rss = max(2 * f.sol.cost, 1e-300)
    return float(n * np.log(rss / n) + f.n_params * np.log(n))


def _candidate_row(d: _Data, step: str, f: _Fit, segments: int) -> dict:
    """One row of the selection table: the candidate, its fit (R², BIC), hold-out error and ROAS per channel."""
    feats = f.problem.features(f.sol.theta) * f.sol.beta * d.y_scale
    roas = feats.sum(axis=0) / d.spend[d.fit_rows].sum(axis=0)
    base, media = f.problem.fitted(f.sol)
    pred = (base.sum(axis=1) + media.sum(axis=1)) * d.y_scale
    y_fit = d.y[d.fit_rows]
    tss = float(((y_fit - y_fit.mean()) ** 2).sum())
    r2 = 1 - float(((y_fit - pred[d.fit_rows]) ** 2).sum()) / tss if tss > 0 else float("nan")
    return {"step": step, "trend_segments": segments, "max_lag": f.lag, "adstock": f.adstock,
            "saturation": f.saturation, "n_params": f.n_params, "r2": r2, "bic": _bic(d, f),
            "holdout_mape": mape(d.y[~d.fit_rows], pred[~d.fit_rows]),
            **{f"roas_{ch}": float(r) for ch, r in zip(d.channels, roas, strict=True)}}


def _choose(d: _Data, trend, lag, adstock: str, saturation: str, freq: str, seed: int) -> tuple[dict, pd.DataFrame]:
    """Pick trend segments, then the adstock lag, then the forms, each by lowest BIC (one at a time).

    Candidates are fitted quickly (no ROAS prior, one start, at most 40 steps; the BIC compares how well
    each model explains the history for its number of parameters); a candidate with more
    parameters than half the fit periods is skipped.
    """
    n_fit = int(d.fit_rows.sum())
    choice = {"trend": 1 if trend == AUTO else int(trend),
              "lag": LAG_CANDIDATES[freq][1] if lag == AUTO else int(lag),
              "adstock": "geometric" if adstock == AUTO else adstock,
              "saturation": "logistic" if saturation == AUTO else saturation}
    rows: list[dict] = []
    steps = []
    if trend == AUTO:
        steps.append(("trend", [{"trend": k} for k in TREND_SEGMENTS]))
    if lag == AUTO:
        steps.append(("max_lag", [{"lag": k} for k in LAG_CANDIDATES[freq]]))
    if AUTO in (adstock, saturation):
        forms = [(a, s) for a, s in FORM_CANDIDATES
                 if adstock in (AUTO, a) and saturation in (AUTO, s)]
        if adstock != AUTO and not forms:
            forms = [(adstock, s) for s in SATURATION_SPECS]
        if saturation != AUTO and not forms:
            forms = [(a, saturation) for a in ADSTOCK_SPECS]
        steps.append(("forms", [{"adstock": a, "saturation": s} for a, s in forms]))
    for step, cands in steps:
        best = None
        for cand in cands:
            c = {**choice, **cand}
            design_cols = (1 + c["trend"] + 2 * d.n_fourier + len(d.controls.columns)
                           + (d.events["event"].nunique() if d.events is not None and len(d.events) else 0))
            k = design_cols + len(d.channels) * media_param_count(c["adstock"], c["saturation"])
            if 2 * k > n_fit and cand is not cands[0]:
                continue
            try:
                f = _solve(d, c["trend"], c["lag"], c["adstock"], c["saturation"], 1, seed, None, max_nfev=40)
            except (DataValidationError, ModelError):
                continue
            row = _candidate_row(d, step, f, c["trend"])
            rows.append(row)
            if best is None or row["bic"] < best[0]:
                best = (row["bic"], c)
        if best is not None:
            choice = best[1]
    table = pd.DataFrame(rows)
    if not table.empty:
        table["chosen"] = False
        for i, r in table.iterrows():
            table.loc[i, "chosen"] = bool(r["trend_segments"] == choice["trend"] and r["max_lag"] == choice["lag"]
                                          and r["adstock"] == choice["adstock"]
                                          and r["saturation"] == choice["saturation"])
        table["delta_bic"] = table["bic"] - table["bic"].min()
    return choice, table


def _choice_notes(table: pd.DataFrame, choice: dict, unit: str) -> list[str]:
    """One plain sentence per automatic choice: what was picked among which candidates, and why."""
    notes = []
    names = {"trend": ("trend", "trend_segments", lambda v: f"{v} segment{'s' if v != 1 else ''}"),
             "max_lag": ("adstock lag", "max_lag", lambda v: f"{v} {unit}s"),
             "forms": ("forms", None, None)}
    for step, (label, col, fmt) in names.items():
        part = table[table["step"] == step] if not table.empty else table
        if part.empty:
            continue
        best = part.loc[part["bic"].idxmin()]
        if col:
            others = ", ".join(fmt(int(v)) for v in part[col])
            notes.append(f"{label.capitalize()}: {fmt(int(best[col]))}, lowest BIC among {others} "
                         f"(next best {_next_gap(part):.1f} BIC points worse).")
        else:
            notes.append(f"Forms: {best['adstock']} adstock with {best['saturation']} saturation, lowest BIC "
                         f"among {len(part)} combinations (next best {_next_gap(part):.1f} BIC points worse).")
    return notes


def _next_gap(part: pd.DataFrame) -> float:
    b = np.sort(part["bic"].to_numpy())
    return float(b[1] - b[0]) if b.size > 1 else float("nan")


def _relaxed_baseline(d: _Data, f: _Fit) -> dict | None:
    """When the baseline >= 0 constraint binds, refit with a free baseline and measure what it moves.

    Returns the periods (knot dates) held at 0, media credit under the constraint and without it
    (original units, fit rows), or None when the constraint does not bind.
    """
    if not f.sol.held:
        return None
    design = f.design
    free = MediaProblem(d.spend / d.scale, design.matrix, np.flatnonzero(d.fit_rows), f.adstock, f.saturation,
                        f.lag, level_cols=(), lower=f.problem.lower.reshape(f.sol.theta.shape),
                        upper=f.problem.upper.reshape(f.sol.theta.shape))
    free.pool, free.lift = f.problem.pool, f.problem.lift  # the same prior and experiments, only the level freed
    y_fit = d.y[d.fit_rows] / d.y_scale
    try:
        relaxed = free.fit(y_fit, [f.sol.theta.ravel(), *f.problem.starts(2, 0)])
    except ConvergenceError:
        return None
    media = float((f.problem.features(f.sol.theta) * f.sol.beta).sum() * d.y_scale)
    media_free = float((free.features(relaxed.theta) * relaxed.beta).sum() * d.y_scale)
    n = len(d.dates)
    knots = np.linspace(0, n - 1, len(design.level_cols)).round().astype(int)
    levels = f.sol.gamma[list(design.level_cols)]
    where = [pd.Timestamp(d.dates.iloc[k]).strftime("%Y-%m-%d") for k, v in zip(knots, levels, strict=True) if v <= 0]
    return {"where": where, "media": media, "media_free": media_free}


def fit(df: pd.DataFrame, date: str = "date", target: str = "y", channels: Sequence[str] = (),
        controls: Sequence[str] = (), adstock: str = "geometric", saturation: str = "logistic",
        max_lag: int | str | None = None, freq: str | None = None, holdout_share: float = 0.0,
        n_fourier: int = 2, trend: int | bool | str = AUTO, events: pd.DataFrame | None = None,
        n_starts: int = 5, seed: int = 0, n_boot: int = 0, block_len: int | None = None, ci_level: float = 0.9,
        roas_prior_sd: float | None = 1.0, lift_tests: pd.DataFrame | None = None) -> MMMResult:
    """Fit ``y_t = level + trend + seasonality + events + controls + sum_c beta_c sat_c(adstock_c(x_c / max x_c))``.

    Parameters
    ----------
    df : wide table, one row per day or week (see :func:`prepare_wide` for the checks).
    date, target, channels, controls : column roles; controls enter linearly (put confounders here).
    adstock : ``geometric`` | ``delayed`` | ``weibull_cdf`` | ``weibull_pdf`` | ``"auto"``.
    saturation : ``logistic`` | ``hill`` | ``michaelis_menten`` | ``"auto"``. With ``"auto"`` the
        combination with the lowest BIC among :data:`FORM_CANDIDATES` is used.
    max_lag : number of adstock weights; ``None`` / ``"auto"`` (default): the lowest BIC among
        :data:`LAG_CANDIDATES` (4, 8, 13 weeks or 7, 14, 30 days).
    freq : ``"W"`` or ``"D"``; inferred from the dates when None.
    holdout_share : share of the latest periods kept out of the fit to measure forecast error.
    n_fourier : pairs of yearly Fourier terms (0 = no seasonality).
    trend : segments of a piecewise-linear trend (``True``/1 = a straight line, 0/``False`` = a
        constant level), or ``"auto"`` (default): the lowest BIC among :data:`TREND_SEGMENTS`, so a
        curved baseline is followed by the trend instead of being absorbed by media.
    events : optional holidays / events, a frame with columns ``date`` and ``event``: each event name
        gets its own effect in the periods that contain one of its dates.
    n_starts, seed : seeded random starting points for the nonlinear fit (the best one is kept).
    n_boot, block_len, ci_level : residual moving-block bootstrap replicates, block length (default
        ``ceil(n ** (1/3))``) and level of the percentile intervals.
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
    d = _Data(data[date], y, spend, scale, fit_rows, float(np.max(np.abs(y[fit_rows]))) or 1.0, data[controls],
              events, tuple(channels), n_fourier)
    with single_blas_thread():
        choice, table = _choose(d, trend, lag_arg, adstock, saturation, freq, seed)
        f = _solve(d, choice["trend"], choice["lag"], choice["adstock"], choice["saturation"], n_starts, seed,
                   roas_prior_sd, lift=lift)
        relaxed = _relaxed_baseline(d, f)
        sol, problem, design, lag = f.sol, f.problem, f.design, f.lag
        adstock, saturation = f.adstock, f.saturation
        boots, failures = ([], 0)
        if n_boot:
            boots, failures = residual_block_bootstrap(problem, sol, y[fit_rows] / d.y_scale, n_boot=n_boot,
                                                       block_len=block_len, seed=seed + 1)
        ctx = FitContext(data[date], y, spend, fit_rows, tuple(channels), design, problem, d.y_scale, scale)
        tables = build_tables(ctx, sol, boots, ci_level)
    diag = diagnostics(ctx, tables["fitted"]["fitted"].to_numpy(), f.n_params)
    unit = "week" if freq == "W" else "day"
    diag.update({"warnings": fit_warnings(ctx, sol, relaxed), "freq": freq, "converged": sol.success,
                 "n_boot": len(boots), "boot_failures": failures, "adstock": adstock, "saturation": saturation,
                 "max_lag": lag, "trend_segments": design.trend_segments, "roas_prior_sd": roas_prior_sd or None,
                 "selection": table, "choices": _choice_notes(table, choice, unit), "auto_forms": auto_forms,
                 "baseline_relaxed": relaxed})
    result = MMMResult(
        params=tables["params"], fitted=tables["fitted"], contributions=tables["contributions"],
        channel_summary=tables["channel_summary"], diagnostics=diag, channels=tuple(channels),
        controls=tuple(controls), adstock=adstock, saturation=saturation, max_lag=lag, freq=freq,
        spend_scale={c: float(s) for c, s in zip(channels, scale, strict=True)},
        current_spend={c: float(v) for c, v in zip(channels, spend[fit_rows].mean(axis=0), strict=True)},
        channel_params=channel_params(ctx, sol), boot_params=tuple(channel_params(ctx, b) for b in boots),
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
