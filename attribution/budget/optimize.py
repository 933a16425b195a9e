"""Budget optimiser on a fitted media-mix model.

Convention (docs/architecture.md §7): ``total`` and bounds are spend **per period** of the fit's granularity (per
week for a weekly fit) and responses are the steady-state outcome per period of that constant spend,
carry-over included. ``periods=n`` scales spend and response columns of the result to an n-period
plan (ratios such as ROAS are unchanged).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from attribution.budget.solver import HullSet, allocate, spend_at_marginal
from attribution.defaults import BUDGET_PCT_BOUNDS
from attribution.errors import OptimizationError

OBJECTIVES = ("response",)
#: in target mode, a channel without an upper bound may go up to this multiple of its largest
#: historical per-period spend: further out the response curve is pure extrapolation.
EXTRAPOLATION_CAP = 5.0

Bounds = Mapping[str, tuple[float | None, float | None]]
PctBounds = tuple[float, float] | Mapping[str, tuple[float, float]]


class ResponseModel(Protocol):
    """What the optimiser needs from a fit (:class:`attribution.mmm.MMMResult` provides it)."""

    channels: tuple[str, ...]
    current_spend: dict[str, float]
    spend_scale: dict[str, float]
    boot_params: tuple
    ci_level: float

    def response(self, channel: str, spend_per_period, params=None) -> np.ndarray: ...

    def marginal_response(self, channel: str, spend_per_period, params=None) -> np.ndarray: ...


@dataclass(frozen=True)
class BudgetResult:
    """A recommended budget split and how it compares with the current one.

    ``allocation``: one row per channel: ``channel, current_spend, recommended_spend, lower, upper,
    locked, current_response, recommended_response, current_roas, recommended_roas,
    current_marginal_roas, recommended_marginal_roas, change, change_pct`` (spend and response
    columns already multiplied by ``periods``; ``change_pct`` = change / current spend × 100, in percent
    like every ``*_pct`` value, NaN where the current spend is 0). Totals: ``current_spend``, ``recommended_spend``,
    ``current_response``, ``recommended_response``, ``lift`` (= recommended - current response),
    ``lift_pct`` (lift / current response × 100, in percent) and the lift's bootstrap interval ``lift_ci_low``/``lift_ci_high`` (NaN when the fit has no
    bootstrap). ``target_marginal_roas``/``target_response`` are set in target mode. ``warnings``:
    one plain sentence per channel whose recommended spend per period is above the largest
    per-period spend on the fit range (``spend_scale``), where the response is extrapolated.
    """

    allocation: pd.DataFrame
    current_spend: float
    recommended_spend: float
    current_response: float
    recommended_response: float
    lift: float
    lift_pct: float
    lift_ci_low: float
    lift_ci_high: float
    periods: int
    objective: str
    ci_level: float
    target_marginal_roas: float | None = None
    target_response: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def totals(self) -> dict[str, float]:
        """The scalar results as one dict (for a summary table)."""
        keys = ("current_spend", "recommended_spend", "current_response", "recommended_response", "lift",
                "lift_pct", "lift_ci_low", "lift_ci_high", "periods")
        return {k: getattr(self, k) for k in keys}

    @property
    def recommended_per_period(self) -> dict[str, float]:
        """Each channel's recommended spend per period (the plan's spend, not its total over
        ``periods``): what :func:`attribution.budget.forecast` takes as ``spend_per_period``."""
        per = self.allocation["recommended_spend"] / self.periods
        return {str(c): float(v) for c, v in zip(self.allocation["channel"], per, strict=True)}


def _limits(fit: ResponseModel, bounds: Bounds | None, pct_bounds: PctBounds | None, locked: Sequence[str],
            default_hi: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    chans = list(fit.channels)
    cur = np.array([fit.current_spend[c] for c in chans])
    lo, hi = np.zeros(len(chans)), np.array([default_hi[c] for c in chans])
    named = {"bounds": list(bounds or {}), "locked": list(locked),
             "pct_bounds": list(pct_bounds) if isinstance(pct_bounds, Mapping) else []}
    for arg, names in named.items():
        unknown = [n for n in names if n not in chans]
        if unknown:
            raise OptimizationError(f"{arg} names unknown channel(s) {unknown}; the model has: {', '.join(chans)}")
    if pct_bounds is not None:
        pct = pct_bounds if isinstance(pct_bounds, Mapping) else dict.fromkeys(chans, pct_bounds)
        for c, (a, b) in pct.items():
            j = chans.index(c)
            if a < -1:
                raise OptimizationError(f"pct_bounds for {c!r}: lower change {a} is below -100%; use >= -1")
            lo[j], hi[j] = max(lo[j], cur[j] * (1 + a)), min(hi[j], cur[j] * (1 + b))
    for c, (a, b) in (bounds or {}).items():
        j = chans.index(c)
        if a is not None:
            if a < 0:
                raise OptimizationError(f"bounds for {c!r}: lower bound {a} is negative; spend cannot be below 0")
            lo[j] = max(lo[j], float(a))
        if b is not None:
            hi[j] = min(hi[j], float(b))
    is_locked = np.isin(chans, list(locked))
    lo[is_locked] = hi[is_locked] = cur[is_locked]
    bad = np.flatnonzero(lo > hi * (1 + 1e-12) + 1e-12)
    if bad.size:
        j = int(bad[0])
        raise OptimizationError(f"channel {chans[j]!r}: lower bound {lo[j]:,.2f} is above upper bound "
                                f"{hi[j]:,.2f}; relax its bounds or pct_bounds")
    return lo, np.maximum(hi, lo), is_locked


def _check_total(chans: list[str], lo: np.ndarray, hi: np.ndarray, is_locked: np.ndarray, total: float,
                 relative: bool) -> None:
    fixed = lo[is_locked].sum()
    if fixed > total:
        raise OptimizationError(f"locked channels ({', '.join(np.array(chans)[is_locked])}) already spend "
                                f"{fixed:,.2f} per period, more than the total {total:,.2f}; raise the total "
                                "or unlock a channel")
    if lo.sum() > total * (1 + 1e-12):
        raise OptimizationError(f"lower bounds add up to {lo.sum():,.2f} per period, more than the total "
                                f"{total:,.2f}; lower some lower bounds or raise the total")
    if hi.sum() < total * (1 - 1e-12):
        which = ("some upper bounds or pct_bounds (±50 % of current spend by default; pct_bounds=None lifts it)"
                 if relative else "some upper bounds")
        raise OptimizationError(f"upper bounds add up to {hi.sum():,.2f} per period, less than the total "
                                f"{total:,.2f}; raise {which}, unlock channels or lower the total")


def _result(fit: ResponseModel, rec: np.ndarray, lo: np.ndarray, hi: np.ndarray, is_locked: np.ndarray,
            periods: int, objective: str, **target) -> BudgetResult:
    chans = list(fit.channels)
    cur = np.array([fit.current_spend[c] for c in chans])

    def resp(s, params=None):
        return np.array([float(fit.response(c, s[j], params)) for j, c in enumerate(chans)])

    def marg(s):
        return np.array([float(fit.marginal_response(c, s[j])) for j, c in enumerate(chans)])

    r_cur, r_rec = resp(cur), resp(rec)
    with np.errstate(divide="ignore", invalid="ignore"):
        alloc = pd.DataFrame({
            "channel": chans, "current_spend": cur * periods, "recommended_spend": rec * periods,
            "lower": lo * periods, "upper": hi * periods, "locked": is_locked,
            "current_response": r_cur * periods, "recommended_response": r_rec * periods,
            "current_roas": np.where(cur > 0, r_cur / cur, np.nan),
            "recommended_roas": np.where(rec > 0, r_rec / rec, np.nan),
            "current_marginal_roas": marg(cur), "recommended_marginal_roas": marg(rec),
            "change": (rec - cur) * periods,
            "change_pct": np.where(cur > 0, (rec - cur) / cur * 100.0, np.nan)})
    lift = (r_rec.sum() - r_cur.sum()) * periods
    lifts = [(resp(rec, b).sum() - resp(cur, b).sum()) * periods for b in fit.boot_params]
    level = fit.ci_level
    ci = np.percentile(lifts, [50 * (1 - level), 50 * (1 + level)]) if lifts else (np.nan, np.nan)
    base = r_cur.sum() * periods
    seen = np.array([fit.spend_scale[c] for c in chans])
    warnings = tuple(
        f"{chans[j]}: the plan spends {rec[j]:,.2f} per period, above the most the model has seen "
        f"({seen[j]:,.2f} per period on the fit range); its response there is extrapolated from the "
        "fitted curve, so treat it as a guess or bound the channel"
        for j in np.flatnonzero(rec > seen * (1 + 1e-9) + 1e-9))
    return BudgetResult(
        allocation=alloc, current_spend=float(cur.sum() * periods), recommended_spend=float(rec.sum() * periods),
        current_response=float(base), recommended_response=float(r_rec.sum() * periods), lift=float(lift),
        lift_pct=float(lift / base * 100.0) if base else float("nan"), lift_ci_low=float(ci[0]),
        lift_ci_high=float(ci[1]), periods=periods, objective=objective, ci_level=level, warnings=warnings, **target)


def _curves(fit: ResponseModel, chans: Sequence[str]):
    return ([lambda s, c=c: fit.response(c, s) for c in chans],
            [lambda s, c=c: fit.marginal_response(c, s) for c in chans])


def _common(objective: str, periods: int) -> None:
    if objective not in OBJECTIVES:
        raise OptimizationError(f"unknown objective {objective!r}; choose one of: {', '.join(OBJECTIVES)}")
    if int(periods) != periods or periods < 1:
        raise OptimizationError(f"periods must be a whole number >= 1 (got {periods})")


def optimize(fit: ResponseModel, total: float | None = None, bounds: Bounds | None = None,
             pct_bounds: PctBounds | None = BUDGET_PCT_BOUNDS, locked: Sequence[str] = (), objective: str = "response",
             periods: int = 1) -> BudgetResult:
    """Split ``total`` spend per period across channels to maximise the summed steady-state response.

    Parameters
    ----------
    fit : a fitted model (:class:`attribution.mmm.MMMResult`).
    total : spend per period to allocate; default the current total (mean per period over the fit range).
    bounds : ``{channel: (lo, hi)}`` absolute spend per period (``None`` = no bound on that side).
    pct_bounds : ``(-0.2, 0.3)`` for every channel, or ``{channel: (lo, hi)}``: change relative to
        current spend. Combined with ``bounds`` (the tighter wins). Default
        :data:`attribution.defaults.BUDGET_PCT_BOUNDS` (±50 %); ``None``: no relative bound.
    locked : channels kept at their current spend.
    objective : ``"response"`` (the only one so far).
    periods : length of the plan in periods; scales spend and response columns.

    Raises
    ------
    OptimizationError naming the constraint to relax when the constraints cannot all hold.
    """
    _common(objective, periods)
    chans = list(fit.channels)
    cur = np.array([fit.current_spend[c] for c in chans])
    total = float(cur.sum() if total is None else total)
    if not np.isfinite(total) or total < 0:
        raise OptimizationError(f"total must be a finite amount >= 0 (got {total})")
    lo, hi, is_locked = _limits(fit, bounds, pct_bounds, locked, dict.fromkeys(chans, total))
    _check_total(chans, lo, hi, is_locked, total, relative=pct_bounds is not None)
    rec = lo.copy()
    free = np.flatnonzero(~is_locked)
    responses, marginals = _curves(fit, [chans[j] for j in free])
    rec[free] = allocate(responses, marginals, lo[free], hi[free], total - lo[is_locked].sum(), starts=[cur[free]])
    return _result(fit, rec, lo, hi, is_locked, periods, objective)


def spend_for_target(fit: ResponseModel, target_marginal_roas: float | None = None,
                     target_response: float | None = None, bounds: Bounds | None = None,
                     pct_bounds: PctBounds | None = BUDGET_PCT_BOUNDS, locked: Sequence[str] = (),
                     periods: int = 1) -> BudgetResult:
    """Budget level (and split) for a target: marginal ROAS or total response per period.

    ``target_marginal_roas=m``: spend on every free channel until one more unit returns ``m`` (the
    profit-maximising level when ``m`` is the break-even return); channels without an upper bound
    stop at ``EXTRAPOLATION_CAP`` x their largest historical spend. ``target_response=R``: the least
    total spend whose best split reaches ``R`` per period (locked channels count towards it).
    ``bounds``, ``pct_bounds`` (default ±50 % of current spend) and ``locked`` as in :func:`optimize`.
    """
    _common("response", periods)
    if (target_marginal_roas is None) == (target_response is None):
        raise OptimizationError("give exactly one of target_marginal_roas and target_response")
    chans = list(fit.channels)
    cap = {c: EXTRAPOLATION_CAP * fit.spend_scale[c] for c in chans}
    lo, hi, is_locked = _limits(fit, bounds, pct_bounds, locked, cap)
    free = np.flatnonzero(~is_locked)
    responses, marginals = _curves(fit, [chans[j] for j in free])
    rec = lo.copy()
    if target_marginal_roas is not None:
        if target_marginal_roas <= 0:
            raise OptimizationError(f"target_marginal_roas must be > 0 (got {target_marginal_roas})")
        for k, j in enumerate(free):
            rec[j] = spend_at_marginal(responses[k], lo[j], hi[j], target_marginal_roas)
        return _result(fit, rec, lo, hi, is_locked, periods, "response", target_marginal_roas=target_marginal_roas)
    fixed = sum(float(fit.response(chans[j], lo[j])) for j in np.flatnonzero(is_locked))
    need = float(target_response) - fixed

    def reached(s: np.ndarray) -> float:
        return sum(float(r(np.array(v))) for r, v in zip(responses, s, strict=True))

    if free.size == 0 or reached(hi[free]) < need:
        best = fixed + (reached(hi[free]) if free.size else 0.0)
        raise OptimizationError(f"target response {target_response:,.2f} per period is out of reach: at the "
                                f"upper bounds the model predicts {best:,.2f}; raise upper bounds, unlock "
                                "channels or lower the target")
    hulls = HullSet(responses, lo[free], hi[free])
    a, b = lo[free].sum(), hi[free].sum()
    if reached(lo[free]) < need:
        for _ in range(100):  # least total whose water-filling split reaches the target
            mid = 0.5 * (a + b)
            if reached(hulls.greedy(mid)) >= need:
                b = mid
            else:
                a = mid
        split = allocate(responses, marginals, lo[free], hi[free], b, starts=[hulls.greedy(b)])
        rec[free] = split if reached(split) >= reached(hulls.greedy(b)) else hulls.greedy(b)
    return _result(fit, rec, lo, hi, is_locked, periods, "response", target_response=target_response)


#: what a plan asks for, and what its ``amount`` means
PLAN_MODES = {"budget": "spend per period to split", "marginal_roas": "target marginal ROAS",
              "response": "target response per period"}


def plan(fit: ResponseModel, mode: str, amount: float | None = None, *, bounds: Bounds | None = None,
         pct_bounds: PctBounds | None = BUDGET_PCT_BOUNDS, locked: Sequence[str] = (), periods: int = 1) -> BudgetResult:
    """One budget plan by ``mode`` (the dispatch the Budget optimiser page and ``POST /v1/budget/optimize``
    share; the CLI has no budget command).

    ``mode="budget"``: :func:`optimize` with ``total=amount`` (``None`` = the current total);
    ``"marginal_roas"``: :func:`spend_for_target` with ``target_marginal_roas=amount``;
    ``"response"``: :func:`spend_for_target` with ``target_response=amount``. The other arguments
    are passed on unchanged. Raises :class:`OptimizationError` for an unknown mode, a missing target
    or constraints that cannot all hold.
    """
    kw = {"bounds": bounds, "pct_bounds": pct_bounds, "locked": locked, "periods": periods}
    if mode == "budget":
        return optimize(fit, total=amount, **kw)
    if mode not in PLAN_MODES:
        raise OptimizationError(f"unknown plan mode {mode!r}; choose one of: {', '.join(PLAN_MODES)}")
    if amount is None:
        raise OptimizationError(f"a {PLAN_MODES[mode]} is needed for mode {mode!r}")
    if mode == "marginal_roas":
        return spend_for_target(fit, target_marginal_roas=amount, **kw)
    return spend_for_target(fit, target_response=amount, **kw)
