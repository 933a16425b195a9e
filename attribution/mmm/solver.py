"""Variable-projection least squares for the media-mix model.

The nonlinear parameters (adstock and saturation, one set per channel) are fitted by bounded
``scipy.optimize.least_squares``; for each candidate set the linear terms (baseline, with a
non-negative level, and the non-negative media coefficients) are solved exactly by NNLS, so the
optimiser only sees the reduced problem. The Jacobian is Kaufman's approximation of the variable-projection derivative
(Golub & Pereyra 2003): ``J = -P_perp (dM/dtheta) beta``, where the media-feature derivatives come
from forward differences and the projection leaves out the linear terms held at their bound. Every channel's feature depends on its own parameters only, so one
perturbation per parameter *slot* updates all channels at once and a Jacobian costs a handful of
cheap feature evaluations plus one QR, instead of one full linear solve per parameter.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import least_squares, nnls

from attribution.errors import ConvergenceError
from attribution.mmm.lift import LiftRows
from attribution.mmm.transforms import ParamSpec, adstock_spec, param_specs, saturation_spec

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
    held: bool = False  # the baseline level (intercept, or the trend line at an end) is held at 0


def lag_stack(x: np.ndarray, max_lag: int) -> np.ndarray:
    """``(L, T, C)`` array whose slice ``l`` is ``x`` shifted down ``l`` periods (zeros before the start)."""
    t, c = x.shape
    out = np.zeros((max_lag, t, c))
    for lag in range(min(max_lag, t)):
        out[lag, lag:] = x[: t - lag]
    return out


class MediaProblem:
    """A fixed design (spend, baseline, fit rows) whose nonlinear parameters can be fitted to any ``y``.

    The linear terms are solved with the media coefficients ``>= 0`` and the baseline columns
    ``level_cols`` ``>= 0`` (the constant level, or the knot levels of a piecewise-linear trend, see
    :class:`attribution.mmm.design.BaselineDesign`), so the trend line is non-negative everywhere.
    ``level_cols=()`` leaves the whole baseline free (used to measure what the constraint costs).
    Seasonality, events and controls are always free: they are projected out, and one NNLS on the
    media and level columns solves the linear part exactly.
    ``lower`` / ``upper`` of shape ``(C, P)`` replace the registered bounds of the nonlinear parameters
    per channel (see :func:`attribution.mmm.identifiability.saturation_bounds`).
    """

    def __init__(self, spend_scaled: np.ndarray, baseline: np.ndarray, fit_rows: np.ndarray,
                 adstock: str, saturation: str, max_lag: int, *, level_cols: tuple[int, ...] = (0,),
                 lower: np.ndarray | None = None,
                 upper: np.ndarray | None = None) -> None:
        self.adstock, self.saturation, self.max_lag = adstock, saturation, max_lag
        self._weights, self._curve = adstock_spec(adstock).weights, saturation_spec(saturation).function
        self.ad_specs = param_specs(adstock, max_lag)
        self.sat_specs = param_specs(saturation, max_lag)
        self.specs: tuple[ParamSpec, ...] = self.ad_specs + self.sat_specs
        self.n_ad = len(self.ad_specs)
        self.n_channels = spend_scaled.shape[1]
        self.fit_rows = fit_rows
        self.lags_all = lag_stack(spend_scaled, max_lag)
        self.lags_fit = np.ascontiguousarray(self.lags_all[:, fit_rows, :])
        self.baseline = baseline
        base_fit = baseline[fit_rows]
        self.level_cols = tuple(level_cols)
        self.free_cols = np.array([j for j in range(baseline.shape[1]) if j not in self.level_cols], dtype=int)
        self.q, self.r = np.linalg.qr(base_fit[:, self.free_cols])
        level = base_fit[:, list(self.level_cols)]
        self.level = level
        self.level_perp = self._project(level)
        shape = (self.n_channels, len(self.specs))
        self.lower = np.broadcast_to([s.low for s in self.specs], shape).ravel().copy()
        self.upper = np.broadcast_to([s.high for s in self.specs], shape).ravel().copy()
        if lower is not None:
            self.lower = np.asarray(lower, dtype="float64").reshape(-1).copy()
        if upper is not None:
            self.upper = np.asarray(upper, dtype="float64").reshape(-1).copy()
        init = np.broadcast_to([s.init for s in self.specs], shape).ravel()
        self.init = np.clip(init, self.lower, self.upper)
        self.pool: tuple[np.ndarray, float] | None = None
        self.lift: tuple[LiftRows, np.ndarray] | None = None
        self._cache: tuple | None = None

    def set_lift(self, rows: LiftRows | None, noise_sd: float = 1.0) -> None:
        """Add one residual per lift test, ``(noise_sd / sigma_i) * (beta_c * dsat_i - delta_i)``.

        ``dsat_i = sat(high_i) - sat(low_i)`` on test ``i``'s channel (steady state: the adstock
        weights sum to 1). Squared and added to the residual sum of squares, each is the test's
        Gaussian log-likelihood on the scale of the outcome's noise ``noise_sd`` (scaled units), so
        the fit is the joint maximum likelihood of the series and the experiments. ``None`` removes them.
        """
        self.lift = (rows, noise_sd / rows.sigma) if rows is not None and len(rows) else None
        self._cache = None

    def set_lift_delta(self, delta: np.ndarray) -> None:
        """Replace the measured changes (scaled) of the lift tests already set, keeping their weights."""
        rows, weight = self.lift
        self.lift = (replace(rows, delta=np.asarray(delta, dtype="float64")), weight)
        self._cache = None

    def _lift_sat(self, theta: np.ndarray, rows: LiftRows) -> np.ndarray:
        """``sat(high) - sat(low)`` per lift test at saturation parameters ``theta[:, n_ad:]``."""
        params = theta[rows.channel, self.n_ad:].T
        return self._curve(rows.high, *params) - self._curve(rows.low, *params)

    def pool_roas(self, spend_total: np.ndarray, weight: float) -> None:
        """Add the penalty ``weight**2 * sum_c (roas_c - rho)**2`` with a free pooled ROAS ``rho >= 0``.

        ``spend_total``: per channel, the spend over the fit rows in the units of ``y`` (so that
        ``roas_c = beta_c * sum_t feature_ct / spend_total_c``). ``weight = 0`` removes the penalty.
        """
        self.pool = (np.asarray(spend_total, dtype="float64"), float(weight)) if weight > 0 else None
        self._cache = None

    # ---- model pieces -------------------------------------------------------------------------
    def features(self, theta: np.ndarray, rows: str = "fit") -> np.ndarray:
        """Saturated adstocked media, ``(T, C)``, for parameters ``theta`` of shape ``(C, P)``."""
        lags = self.lags_fit if rows == "fit" else self.lags_all
        w = self._weights(*theta[:, : self.n_ad].T, self.max_lag)  # (C, L)
        ad = np.einsum("ltc,cl->tc", lags, w, optimize=False)
        return self._curve(ad, *theta[:, self.n_ad:].T)

    def _project(self, a: np.ndarray) -> np.ndarray:
        """Remove the part of ``a`` explained by the free baseline columns (on the fit rows)."""
        return a - self.q @ (self.q.T @ a)

    def _linear(self, flat: np.ndarray, y: np.ndarray):
        # least_squares calls residual and jacobian at the same point: solve the linear part once.
        key = flat.tobytes()
        if self._cache is not None and self._cache[0] == key and self._cache[1] is y:
            return self._cache[2:]
        theta = flat.reshape(self.n_channels, -1).copy()
        m = self.features(theta)
        a_perp = np.hstack([self.level_perp, self._project(m)])
        target = self._project(y)
        if self.pool is not None:  # penalty rows w (beta_c F_c / s_c - rho), rho the last unknown
            spend_total, w = self.pool
            k, c = self.level.shape[1], self.n_channels
            rows = np.zeros((c, k + c + 1))
            rows[:, k:k + c] = np.diag(w * m.sum(axis=0) / spend_total)
            rows[:, -1] = -w
            a_perp = np.vstack([np.hstack([a_perp, np.zeros((len(a_perp), 1))]), rows])
            target = np.concatenate([target, np.zeros(c)])
        if self.lift is not None:  # lift rows w_i (beta_c dsat_i - delta_i)
            lift, w = self.lift
            rows = np.zeros((len(lift), a_perp.shape[1]))
            rows[np.arange(len(lift)), self.level.shape[1] + lift.channel] = w * self._lift_sat(theta, lift)
            a_perp = np.vstack([a_perp, rows])
            target = np.concatenate([target, w * lift.delta])
        coef, _ = nnls(a_perp, target)
        self._cache = (key, y, coef, a_perp, theta, target)
        return coef, a_perp, theta, target

    def residual(self, flat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Residuals of the best bounded linear terms given nonlinear parameters ``flat``.

        One per fit row, then one per channel when ROAS pooling is on (:meth:`pool_roas`), then one
        per lift test (:meth:`set_lift`).
        """
        coef, a_perp, _, target = self._linear(flat, y)
        return target - a_perp @ coef

    def jacobian(self, flat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Kaufman variable-projection Jacobian of :meth:`residual`, ``(n_residuals, C * P)``.

        The derivative is projected onto the complement of the linear terms not held at a bound
        (the free baseline columns, the level columns and media columns with a positive coefficient).
        """
        coef, a_perp, theta, _ = self._linear(flat, y)
        k = self.level.shape[1]
        beta = coef[k:k + self.n_channels]
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
        flat_d = self._project(d.reshape(n, c * p))
        if self.pool is not None:  # d(penalty row c)/d theta_cj = w / s_c * sum_t d[t, c, j]
            spend_total, w = self.pool
            pen = np.zeros((c, c, p))
            pen[np.arange(c), np.arange(c)] = w * d.sum(axis=0) / spend_total[:, None]
            flat_d = np.vstack([flat_d, pen.reshape(c, c * p)])
        if self.lift is not None:  # d(lift row i)/d theta_cj = w_i beta_c d(dsat_i)/d theta_cj (saturation only)
            lift, w = self.lift
            rows = np.zeros((len(lift), c, p))
            base_sat = self._lift_sat(theta, lift)
            for j in range(self.n_ad, p):
                step = 1.5e-8 * np.maximum(1.0, np.abs(theta[:, j]))
                step = np.where(theta[:, j] + step > upper[:, j], -step, step)
                moved = theta.copy()
                moved[:, j] += step
                rows[np.arange(len(lift)), lift.channel, j] = (
                    w * beta[lift.channel] * (self._lift_sat(moved, lift) - base_sat) / step[lift.channel])
            flat_d = np.vstack([flat_d, rows.reshape(len(lift), c * p)])
        free = coef > 0
        if free.any():
            qf, _ = np.linalg.qr(a_perp[:, free])
            flat_d -= qf @ (qf.T @ flat_d)
        return -flat_d

    def linear_terms(self, flat: np.ndarray, y: np.ndarray) -> Solution:
        """The full solution (baseline coefficients in the design's terms) at nonlinear parameters ``flat``."""
        coef, _, theta, _ = self._linear(flat, y)
        k = self.level.shape[1]
        level, beta = coef[:k], coef[k:k + self.n_channels]
        gamma = np.zeros(self.baseline.shape[1])
        rest = y - self.level @ level - self.features(theta) @ beta
        gamma[self.free_cols] = solve_triangular(self.r, self.q.T @ rest) if self.free_cols.size else []
        gamma[list(self.level_cols)] = level
        res = self.residual(flat, y)
        held = k > 0 and bool(np.any(level <= 0))
        return Solution(theta.copy(), beta.copy(), gamma, 0.5 * float(res @ res), True, held)

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
        span = np.maximum(self.upper - self.lower, 1e-6)
        best, best_cost = None, np.inf
        for x0 in starts:
            x0 = np.clip(x0, self.lower, self.upper)
            try:
                res = least_squares(self.residual, x0, jac=self.jacobian, bounds=(self.lower, self.upper),
                                    method="trf", x_scale=span, max_nfev=max_nfev, args=(y,),
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
        return Solution(sol.theta, sol.beta, sol.gamma, sol.cost, bool(best.status > 0), sol.held)

    def fitted(self, sol: Solution) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and media parts of the prediction for every period: ``(T, q)`` and ``(T, C)``."""
        base = self.baseline * sol.gamma
        media = self.features(sol.theta, rows="all") * sol.beta
        return base, media
