"""Model selection for the media-mix fit: candidate fits, BIC choice of trend, lag and forms, and
the free-baseline refit that measures what a binding baseline >= 0 constraint moves.

Every candidate is a full constrained least-squares fit (quick: one start, few steps) on the same
checked input; the candidate with the lowest BIC wins, and the table of all candidates is kept so an
analyst sees how much the answer depends on the choice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import ConvergenceError, DataValidationError, ModelError
from attribution.mmm.design import BaselineDesign, build_baseline, check_rank
from attribution.mmm.identifiability import low_spend, saturation_bounds
from attribution.mmm.lift import LiftRows, lift_rows
from attribution.mmm.solver import MediaProblem, Solution
from attribution.mmm.summaries import mape
from attribution.mmm.transforms import ADSTOCK_SPECS, SATURATION_SPECS, media_param_count, param_specs


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
#: Automatic forms keep the first candidate (geometric adstock with logistic saturation, the simplest)
#: unless another pair's BIC is lower by more than this: "strong" evidence on Kass & Raftery's (1995)
#: scale. The forms differ mostly where there is little data (the foot of the curve below the spend
#: seen), which decides how much of the level goes to media: on pymc-marketing's ``mmm_roas_data``
#: a Hill curve won by 2.8 BIC points and halved x1's ROAS (truth 49, logistic 49, Hill 25).
FORM_BIC_MARGIN = 6.0


@dataclass
class FitInput:
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
class CandidateFit:
    design: BaselineDesign
    problem: MediaProblem
    sol: Solution
    n_params: int
    adstock: str
    saturation: str
    lag: int


def _n_params(d: FitInput, design: BaselineDesign, adstock: str, saturation: str) -> int:
    return design.matrix.shape[1] + len(d.channels) * media_param_count(adstock, saturation)


def candidate_problem(d: FitInput, segments: int, lag: int, adstock: str,
                      saturation: str) -> tuple[BaselineDesign, MediaProblem]:
    """The baseline design (``segments`` of trend) and the solver problem of one candidate model."""
    design = build_baseline(d.dates, d.controls, n_fourier=d.n_fourier, trend=segments, events=d.events)
    check_rank(design, d.fit_rows)
    return design, _problem(d.spend / d.scale, design, d.fit_rows, adstock, saturation, lag)


def solve_candidate(d: FitInput, segments: int, lag: int, adstock: str, saturation: str, n_starts: int, seed: int,
           prior_sd: float | None, max_nfev: int = 200, lift: pd.DataFrame | None = None) -> CandidateFit:
    design, problem = candidate_problem(d, segments, lag, adstock, saturation)
    y_fit = d.y[d.fit_rows] / d.y_scale
    n_params = _n_params(d, design, adstock, saturation)
    sol = problem.fit(y_fit, problem.starts(n_starts, seed), max_nfev=max_nfev)
    rows = lift_rows(lift, d.channels, d.scale, d.y_scale) if lift is not None and len(lift) else None
    if prior_sd or rows is not None:
        sol = _penalised_fit(problem, sol, y_fit, d.spend[d.fit_rows].sum(axis=0) / d.y_scale, prior_sd, rows,
                             int(d.fit_rows.sum()) - n_params, problem.starts(n_starts, seed))
    return CandidateFit(design, problem, sol, n_params, adstock, saturation, lag)


def bic(n: int, cost: float, n_params: int) -> float:
    """``n log(RSS / n) + k log n`` for a least-squares fit of ``n`` rows with ``cost = RSS / 2``."""
    return float(n * np.log(max(2 * cost, 1e-300) / n) + n_params * np.log(n))


def _bic(d: FitInput, f: CandidateFit) -> float:
    return bic(int(d.fit_rows.sum()), f.sol.cost, f.n_params)


def _candidate_row(d: FitInput, step: str, f: CandidateFit, segments: int) -> dict:
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


def choose_model(d: FitInput, trend, lag, adstock: str, saturation: str, freq: str, seed: int,
            lift: pd.DataFrame | None = None) -> tuple[dict, pd.DataFrame]:
    """Pick trend segments, then the adstock lag, then the forms, each by lowest BIC (one at a time);
    the forms step keeps its first candidate unless another wins by more than :data:`FORM_BIC_MARGIN`.

    Candidates are fitted quickly (no ROAS prior, one start, at most 40 steps; the BIC compares how well
    each model explains the history for its number of parameters); a candidate with more
    parameters than half the fit periods is skipped. With lift tests each candidate is fitted with
    them and its residual sum of squares includes their weighted misfit (the joint likelihood of the
    history and the experiments), so a form that can agree with the experiments is preferred.
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
        best = first = None
        for cand in cands:
            c = {**choice, **cand}
            design_cols = (1 + c["trend"] + 2 * d.n_fourier + len(d.controls.columns)
                           + (d.events["event"].nunique() if d.events is not None and len(d.events) else 0))
            k = design_cols + len(d.channels) * media_param_count(c["adstock"], c["saturation"])
            if 2 * k > n_fit and cand is not cands[0]:
                continue
            try:
                f = solve_candidate(d, c["trend"], c["lag"], c["adstock"], c["saturation"], 1, seed, None, max_nfev=40,
                           lift=lift)
            except (DataValidationError, ModelError):
                continue
            row = _candidate_row(d, step, f, c["trend"])
            rows.append(row)
            first = first or (row["bic"], c)
            if best is None or row["bic"] < best[0]:
                best = (row["bic"], c)
        if step == "forms" and first is not None and best[0] > first[0] - FORM_BIC_MARGIN:
            best = first  # the simplest pair unless another fits clearly better
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


def choice_notes(table: pd.DataFrame, choice: dict, unit: str) -> list[str]:
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
        elif "chosen" in part and part["chosen"].any() and not part.loc[part["chosen"], "bic"].eq(best["bic"]).any():
            kept = part[part["chosen"]].iloc[0]
            notes.append(f"Forms: {kept['adstock']} adstock with {kept['saturation']} saturation, the simplest pair, "
                         f"kept: the lowest BIC among {len(part)} combinations ({best['adstock']} with "
                         f"{best['saturation']}) is only {kept['bic'] - best['bic']:.1f} BIC points better, "
                         f"less than the {FORM_BIC_MARGIN:g} a less simple pair needs.")
        else:
            notes.append(f"Forms: {best['adstock']} adstock with {best['saturation']} saturation, lowest BIC "
                         f"among {len(part)} combinations (next best {_next_gap(part):.1f} BIC points worse).")
    return notes


def _next_gap(part: pd.DataFrame) -> float:
    b = np.sort(part["bic"].to_numpy())
    return float(b[1] - b[0]) if b.size > 1 else float("nan")


def relaxed_baseline(d: FitInput, f: CandidateFit) -> dict | None:
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
