"""Residual moving-block bootstrap of the whole media-mix fit, automatic choices included.

Each replicate keeps the fitted series and adds residuals resampled in contiguous blocks (so their
autocorrelation survives): the residual form of the moving-block bootstrap (Künsch 1989; Lahiri
2003), much cheaper than resampling rows, and it keeps the spend series (and so the adstock) intact.

A replicate then repeats what the point fit did with the data, **the automatic choices too**: the
trend flexibility and the adstock lag are chosen again by BIC on the replicate (Efron 2014,
"Estimation and accuracy after model selection": bootstrap the whole procedure). Intervals around
one chosen model reflect only the noise and undercover when the choice itself is uncertain
(bench/bench_mmm_recovery.py, 30 seeds, coverage of 90 % intervals around one model -> with the
choice repeated: two-year weekly long carry-over 80 % -> 87 %, curved trend 87 % -> 88 %, three-year
short carry-over 83 % -> 86 %, confounder as control 80 % -> 87 %). Under the true model (trend and
lag fixed at the simulator's) the same bootstrap covered 87 % on the long carry-over, a wild or an
i.i.d. residual bootstrap 84 % and 87 %: the shortfall was the choice, not the resampling scheme.
The adstock and saturation forms stay those of the
point fit, so every replicate's curve has the same parameters (the budget optimiser and the forecast
evaluate each replicate's curve).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import ConvergenceError
from attribution.mmm.design import BaselineDesign
from attribution.mmm.selection import CandidateFit, FitInput, bic, candidate_problem
from attribution.mmm.solver import MediaProblem, Solution

#: In a replicate, a candidate is tried again only if its BIC on the data was within this many points
#: of the best of its step. A gap above 10 is "very strong" evidence (Kass & Raftery 1995): such a
#: candidate wins a replicate only in rare draws, and skipping it keeps the bootstrap about as cheap
#: as refitting one model when the choice is clear.
RESELECT_BIC_GAP = 10.0
#: Steps of a replicate's quick candidate fits (from the point estimate, no prior). 10 instead of the
#: point selection's 40 (which starts from the default): on the long-carry-over scenario 1 replicate in
#: 100 chose differently, and the bootstrap took 2.1 s instead of 3.6 s.
QUICK_NFEV = 10
#: Steps of the automatic choice that replicates repeat: step name -> column of the selection table.
RESELECTED_STEPS = {"trend": "trend_segments", "max_lag": "max_lag"}


def default_block_len(n: int) -> int:
    """``ceil(n ** (1/3))``, at least 2: the usual rate for block bootstrap of variances (Hall et al. 1995)."""
    return max(2, int(np.ceil(n ** (1 / 3))))


def block_len_for(resid: np.ndarray) -> int:
    """Block length that keeps the residuals' autocorrelation: Carlstein's (1986) AR(1) rule.

    ``(2 rho / (1 - rho**2)) ** (2/3) * (3 n / 2) ** (1/3)`` with ``rho`` the lag-1 autocorrelation
    of the residuals (clipped to [0, 0.95]), never below :func:`default_block_len` nor above ``n / 4``.
    A misspecified baseline (a curve the trend cannot follow) leaves slowly wandering residuals; short
    blocks would break them up and make the intervals too narrow for the error the misfit causes.
    """
    n = len(resid)
    base = default_block_len(n)
    if n < 8 or not np.any(resid):
        return base
    r = resid - resid.mean()
    rho = float(np.clip((r[1:] @ r[:-1]) / (r @ r), 0.0, 0.95))
    carlstein = (2 * rho / (1 - rho ** 2)) ** (2 / 3) * (1.5 * n) ** (1 / 3)
    return int(min(max(base, np.ceil(carlstein)), max(base, n // 4)))


def block_indices(n: int, block_len: int, rng: np.random.Generator) -> np.ndarray:
    """Row indices of ``n`` values made of blocks of ``block_len`` consecutive rows with random starts."""
    block_len = min(max(int(block_len), 1), n)
    n_blocks = -(-n // block_len)
    starts = rng.integers(0, n - block_len + 1, size=n_blocks)
    return (starts[:, None] + np.arange(block_len)).ravel()[:n]


@dataclass(frozen=True)
class Replicate:
    """One bootstrap refit: its solution and the model it was chosen with (trend design, problem, lag)."""

    sol: Solution
    design: BaselineDesign
    problem: MediaProblem
    lag: int


def reselected_values(table: pd.DataFrame) -> dict[str, list[int]]:
    """Per automatic step (``trend``, ``max_lag``) the values replicates try: those whose BIC on the data
    is within :data:`RESELECT_BIC_GAP` of the step's best, in the selection table's order. Steps the
    point fit did not choose automatically (a fixed trend or lag) are absent."""
    out = {}
    for step, col in RESELECTED_STEPS.items():
        part = table[table["step"] == step] if not table.empty else table
        if len(part):
            near = part[part["bic"] - part["bic"].min() <= RESELECT_BIC_GAP]
            out[step] = list(dict.fromkeys(int(v) for v in near[col]))
    return out


class _Models:
    """The candidate problems a replicate may pick, built once and shared by every replicate.

    Each carries the point fit's ROAS prior and lift-test weights (replicates keep the point fit's
    prior weight); :meth:`quick` fits without the prior, as the point fit's selection does.
    """

    def __init__(self, d: FitInput, point: CandidateFit) -> None:
        self.d, self.point = d, point
        self.cache: dict[tuple[int, int], tuple[BaselineDesign, MediaProblem]] = {
            (point.design.trend_segments, point.lag): (point.design, point.problem)}

    def get(self, segments: int, lag: int) -> tuple[BaselineDesign, MediaProblem]:
        key = (segments, lag)
        if key not in self.cache:
            p = self.point
            design, problem = candidate_problem(self.d, segments, lag, p.adstock, p.saturation)
            problem.pool, problem.lift = p.problem.pool, p.problem.lift
            self.cache[key] = (design, problem)
        return self.cache[key]

    def set_lift_delta(self, delta: np.ndarray) -> None:
        for _, problem in self.cache.values():
            if problem.lift is not None:
                problem.set_lift_delta(delta)

    def bic(self, segments: int, lag: int, y: np.ndarray, start: list[np.ndarray]) -> float:
        """BIC of the candidate's quick unpenalised fit to ``y`` (as in the point fit's selection)."""
        design, problem = self.get(segments, lag)
        pool = problem.pool
        if pool is not None:
            problem.pool_roas(pool[0], 0.0)  # removes the prior for the quick fit
        try:
            sol = problem.fit(y, start, max_nfev=QUICK_NFEV)
        except ConvergenceError:
            return np.inf
        finally:
            if pool is not None:
                problem.pool_roas(*pool)
        return bic(len(y), sol.cost, design.matrix.shape[1] + problem.lower.size + problem.n_channels)


def _choose(models: _Models, values: dict[str, list[int]], trend_lag: int, y: np.ndarray,
            start: list[np.ndarray]) -> tuple[int, int]:
    """The replicate's (trend segments, lag): the trend step at the lag it was run with, then the lag step."""
    point = models.point
    segments, lag = point.design.trend_segments, point.lag
    trends = values.get("trend", [segments])
    if len(trends) > 1:
        segments = min(trends, key=lambda k: models.bic(k, trend_lag, y, start))
    lags = values.get("max_lag", [lag])
    if len(lags) > 1:
        lag = min(lags, key=lambda g: models.bic(segments, g, y, start))
    return segments, lag


def residual_block_bootstrap(d: FitInput, point: CandidateFit, table: pd.DataFrame, *, n_boot: int,
                             block_len: int | None, seed: int) -> tuple[list[Replicate], int]:
    """Refit on ``fitted + resampled residual blocks`` ``n_boot`` times; returns the replicates and failures.

    ``table`` is the selection table of the point fit (:func:`attribution.mmm.selection.choose_model`):
    each replicate chooses its trend and lag again among :func:`reselected_values` (none to choose when
    the point fit's were fixed), then refits the chosen model with the point fit's prior weight from the
    point estimate. With lift tests on the problem, each replicate also redraws every test's measured
    change from ``N(delta_y, sigma)`` (parametric bootstrap of the experiment), so a vague test widens
    the intervals and a precise one narrows them.
    """
    rng = np.random.default_rng(seed)
    problem, sol = point.problem, point.sol
    y = d.y[d.fit_rows] / d.y_scale
    fitted = problem.features(sol.theta) @ sol.beta + problem.baseline[problem.fit_rows] @ sol.gamma
    resid = y - fitted
    # Fitted residuals are smaller than the errors by about sqrt((n - p) / n); undo that shrinkage
    # (Davison & Hinkley 1997, §6.2) so the intervals are not too narrow.
    n_params = problem.baseline.shape[1] + problem.lower.size + problem.n_channels
    resid = (resid - resid.mean()) * np.sqrt(len(y) / max(len(y) - n_params, 1))
    length = block_len or block_len_for(resid)
    values = reselected_values(table)
    trend_rows = table[table["step"] == "trend"] if not table.empty else table
    trend_lag = int(trend_rows["max_lag"].iloc[0]) if len(trend_rows) else point.lag
    models = _Models(d, point)
    start = [sol.theta.ravel()]
    fits, failures = [], 0
    measured = problem.lift[0].delta if problem.lift is not None else None
    try:
        for _ in range(n_boot):
            y_star = fitted + resid[block_indices(len(y), length, rng)]
            if measured is not None:  # redraw each experiment's measurement within its standard error
                models.set_lift_delta(measured + problem.lift[0].sigma * rng.standard_normal(len(measured)))
            segments, lag = _choose(models, values, trend_lag, y_star, start)
            design, chosen = models.get(segments, lag)
            try:
                fits.append(Replicate(chosen.fit(y_star, start, max_nfev=100), design, chosen, lag))
            except ConvergenceError:
                failures += 1
    finally:
        if measured is not None:
            models.set_lift_delta(measured)
    return fits, failures


def boot_choices(reps: list[Replicate]) -> list[dict]:
    """How often the replicates chose each (trend segments, lag): ``trend_segments, max_lag, replicates``."""
    counts: dict[tuple[int, int], int] = {}
    for r in reps:
        key = (r.design.trend_segments, r.lag)
        counts[key] = counts.get(key, 0) + 1
    return [{"trend_segments": k, "max_lag": g, "replicates": n} for (k, g), n in sorted(counts.items())]
