"""Residual moving-block bootstrap for the media-mix model.

Each replicate keeps the fitted series and adds residuals resampled in contiguous blocks (so their
autocorrelation survives), then refits the nonlinear parameters starting from the point estimate.
This is the residual form of the moving-block bootstrap (Künsch 1989; Lahiri 2003): much cheaper
than resampling rows, and it keeps the spend series (and so the adstock) intact.
"""
from __future__ import annotations

import numpy as np

from attribution.errors import ConvergenceError
from attribution.mmm.solver import MediaProblem, Solution


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


def residual_block_bootstrap(problem: MediaProblem, point: Solution, y: np.ndarray, *, n_boot: int,
                             block_len: int | None, seed: int) -> tuple[list[Solution], int]:
    """Refit on ``fitted + resampled residual blocks`` ``n_boot`` times; returns the fits and failures.

    ``y`` is the scaled outcome on the fit rows, as used for ``point``. With lift tests on the problem,
    each replicate also redraws every test's measured change from ``N(delta_y, sigma)`` (parametric
    bootstrap of the experiment), so a vague test widens the intervals and a precise one narrows them.
    """
    rng = np.random.default_rng(seed)
    fitted = problem.features(point.theta) @ point.beta + problem.baseline[problem.fit_rows] @ point.gamma
    resid = y - fitted
    # Fitted residuals are smaller than the errors by about sqrt((n - p) / n); undo that shrinkage
    # (Davison & Hinkley 1997, §6.2) so the intervals are not too narrow.
    n_params = problem.baseline.shape[1] + problem.lower.size + problem.n_channels
    resid = (resid - resid.mean()) * np.sqrt(len(y) / max(len(y) - n_params, 1))
    length = block_len or block_len_for(resid)
    start = [point.theta.ravel()]
    fits, failures = [], 0
    measured = problem.lift[0].delta if problem.lift is not None else None
    try:
        for _ in range(n_boot):
            y_star = fitted + resid[block_indices(len(y), length, rng)]
            if measured is not None:  # redraw each experiment's measurement within its standard error
                sigma = problem.lift[0].sigma
                problem.set_lift_delta(measured + sigma * rng.standard_normal(len(sigma)))
            try:
                fits.append(problem.fit(y_star, start, max_nfev=100))
            except ConvergenceError:
                failures += 1
    finally:
        if measured is not None:
            problem.set_lift_delta(measured)
    return fits, failures
