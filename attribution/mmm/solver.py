"""Variable-projection least squares for the media-mix model.

The nonlinear parameters (adstock and saturation, one set per channel) are fitted by bounded
``scipy.optimize.least_squares``; for each candidate set the linear terms (baseline and the
non-negative media coefficients) are solved exactly, so the optimiser only sees the reduced
problem. The Jacobian is Kaufman's approximation of the variable-projection derivative
(Golub & Pereyra 2003): ``J = -P_perp (dM/dtheta) beta``, where the media-feature derivatives come
from forward differences. Every channel's feature depends on its own parameters only, so one
perturbation per parameter *slot* updates all channels at once and a Jacobian costs a handful of
cheap feature evaluations plus one QR, instead of one full linear solve per parameter.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import least_squares, nnls

from attribution.errors import ConvergenceError
from attribution.mmm.transforms import ADSTOCK_WEIGHTS, SATURATIONS, ParamSpec, param_specs

try:  # optional: without it BLAS keeps its default thread count
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run BLAS on one thread inside the block.

    The fit's matrices are small (periods x a few dozen columns); multi-threaded OpenBLAS spends
    more time synchronising than computing on them, and on a busy 2-core machine it was measured
    30-50x slower than one thread.
    """
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@dataclass(frozen=True)
class Solution:
    """One fitted parameter set, in the solver's scaled units."""

    theta: np.ndarray   # (C, P) nonlinear parameters: adstock params then saturation params
    beta: np.ndarray    # (C,) media coefficients (scaled y units), >= 0
    gamma: np.ndarray   # (q,) baseline coefficients (scaled y units per design column)
    cost: float         # 0.5 * residual sum of squares on the fit rows (scaled)
    success: bool


def lag_stack(x: np.ndarray, max_lag: int) -> np.ndarray:
    """``(L, T, C)`` array whose slice ``l`` is ``x`` shifted down ``l`` periods (zeros before the start)."""
    t, c = x.shape
    out = np.zeros((max_lag, t, c))
    for lag in range(min(max_lag, t)):
        out[lag, lag:] = x[: t - lag]
    return out


class MediaProblem:
    """A fixed design (spend, baseline, fit rows) whose nonlinear parameters can be fitted to any ``y``."""

    def __init__(self, spend_scaled: np.ndarray, baseline: np.ndarray, fit_rows: np.ndarray,
                 adstock: str, saturation: str, max_lag: int) -> None:
        self.adstock, self.saturation, self.max_lag = adstock, saturation, max_lag
        self.ad_specs = param_specs(adstock, max_lag)
        self.sat_specs = param_specs(saturation, max_lag)
        self.specs: tuple[ParamSpec, ...] = self.ad_specs + self.sat_specs
        self.n_ad = len(self.ad_specs)
        self.n_channels = spend_scaled.shape[1]
        self.fit_rows = fit_rows
        self.lags_all = lag_stack(spend_scaled, max_lag)
        self.lags_fit = np.ascontiguousarray(self.lags_all[:, fit_rows, :])
        self.baseline = baseline
        self.q, self.r = np.linalg.qr(baseline[fit_rows])
        shape = (self.n_channels, len(self.specs))
        self.lower = np.broadcast_to([s.low for s in self.specs], shape).ravel().copy()
        self.upper = np.broadcast_to([s.high for s in self.specs], shape).ravel().copy()
        self.init = np.broadcast_to([s.init for s in self.specs], shape).ravel().copy()
        self._cache: tuple | None = None

    # ---- model pieces -------------------------------------------------------------------------
    def features(self, theta: np.ndarray, rows: str = "fit") -> np.ndarray:
        """Saturated adstocked media, ``(T, C)``, for parameters ``theta`` of shape ``(C, P)``."""
        lags = self.lags_fit if rows == "fit" else self.lags_all
        w = ADSTOCK_WEIGHTS[self.adstock](*theta[:, : self.n_ad].T, self.max_lag)  # (C, L)
        ad = np.einsum("ltc,cl->tc", lags, w, optimize=False)
        return SATURATIONS[self.saturation](ad, *theta[:, self.n_ad:].T)

    def _project(self, a: np.ndarray) -> np.ndarray:
        """Remove the part of ``a`` explained by the baseline (on the fit rows)."""
        return a - self.q @ (self.q.T @ a)

    def _linear(self, flat: np.ndarray, y_perp: np.ndarray):
        # least_squares calls residual and jacobian at the same point: solve the linear part once.
        key = flat.tobytes()
        if self._cache is not None and self._cache[0] == key and self._cache[1] is y_perp:
            return self._cache[2:]
        theta = flat.reshape(self.n_channels, -1).copy()
        m_perp = self._project(self.features(theta))
        beta, _ = nnls(m_perp, y_perp)
        self._cache = (key, y_perp, beta, m_perp, theta)
        return beta, m_perp, theta

    def residual(self, flat: np.ndarray, y_perp: np.ndarray) -> np.ndarray:
        """Fit-row residuals of the best linear terms given nonlinear parameters ``flat``."""
        beta, m_perp, _ = self._linear(flat, y_perp)
        return y_perp - m_perp @ beta

    def jacobian(self, flat: np.ndarray, y_perp: np.ndarray) -> np.ndarray:
        """Kaufman variable-projection Jacobian of :meth:`residual`, ``(n_fit, C * P)``."""
        beta, m_perp, theta = self._linear(flat, y_perp)
        base = self.features(theta)
        n, c = base.shape
        p = theta.shape[1]
        upper = self.upper.reshape(c, p)
        d = np.empty((n, c, p))
        for j in range(p):
            step = 1.5e-8 * np.maximum(1.0, np.abs(theta[:, j]))
            step = np.where(theta[:, j] + step > upper[:, j], -step, step)  # stay inside the bounds
            moved = theta.copy()
            moved[:, j] += step
            d[:, :, j] = (self.features(moved) - base) / step * beta
        d = self._project(d.reshape(n, c * p))
        free = beta > 0
        if free.any():
            qf, _ = np.linalg.qr(m_perp[:, free])
            d -= qf @ (qf.T @ d)
        return -d

    def linear_terms(self, flat: np.ndarray, y: np.ndarray) -> Solution:
        """The full solution (baseline coefficients included) at nonlinear parameters ``flat``."""
        y_perp = self._project(y)
        beta, m_perp, theta = self._linear(flat, y_perp)
        rest = y - self.features(theta) @ beta
        gamma = solve_triangular(self.r, self.q.T @ rest)
        res = y_perp - m_perp @ beta
        return Solution(theta.copy(), beta.copy(), gamma, 0.5 * float(res @ res), True)

    # ---- fitting ------------------------------------------------------------------------------
    def starts(self, n_starts: int, seed: int) -> list[np.ndarray]:
        """The default starting point, then ``n_starts - 1`` seeded uniform draws inside the bounds."""
        rng = np.random.default_rng(seed)
        out = [self.init.copy()]
        for _ in range(max(n_starts, 1) - 1):
            out.append(rng.uniform(self.lower, self.upper))
        return out

    def fit(self, y: np.ndarray, starts: list[np.ndarray], max_nfev: int = 200) -> Solution:
        """Best of bounded least-squares runs from each start; raises if every run fails."""
        y_perp = self._project(y)
        span = np.maximum(self.upper - self.lower, 1e-6)
        best, best_cost = None, np.inf
        for x0 in starts:
            x0 = np.clip(x0, self.lower, self.upper)
            try:
                res = least_squares(self.residual, x0, jac=self.jacobian, bounds=(self.lower, self.upper),
                                    method="trf", x_scale=span, max_nfev=max_nfev, args=(y_perp,),
                                    ftol=1e-9, xtol=1e-9, gtol=1e-9)
            except (ValueError, RuntimeError, np.linalg.LinAlgError):
                continue
            if np.isfinite(res.cost) and res.cost < best_cost:
                best, best_cost = res, res.cost
        if best is None:
            raise ConvergenceError(
                "the media-mix fit failed from every starting point; try more starts (n_starts), a "
                "different saturation form, or check the data for extreme outliers")
        sol = self.linear_terms(best.x, y)
        return Solution(sol.theta, sol.beta, sol.gamma, sol.cost, bool(best.status > 0))

    def fitted(self, sol: Solution) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and media parts of the prediction for every period: ``(T, q)`` and ``(T, C)``."""
        base = self.baseline * sol.gamma
        media = self.features(sol.theta, rows="all") * sol.beta
        return base, media
