"""Conversion funnel of the simulator and its ground truth by common random numbers.

A user's lead is the earliest of their baseline time and the lead-firing times of their touches
(:func:`~attribution.simulate.touches.triggers`). The opportunity follows with a per-user random
delay and pass/fail draw; the purchase comes at the earlier of a per-user baseline delay (if any)
and the first closing firing of a touch made after the opportunity; some purchasers buy again.
Every draw is made once (per user or per touch), so re-running the funnel with some touches removed
changes only what those touches caused: the difference in purchases is the channel's exact
incremental effect in this simulator.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from attribution.simulate.touches import LIFETIME_DAYS

STAGES = ("lead", "opportunity", "purchase")
BASE_LEAD_RATE = 0.0005  # leads per user per day with no marketing at all (propensity 1)
OPPORTUNITY_RATE = 0.7
PURCHASE_RATE = 0.35  # purchase without any touch after the opportunity
REPEAT_RATE = 0.08  # share of purchasers who buy a second time (if it falls inside the period)
OPPORTUNITY_DELAY_DAYS = 2.0
PURCHASE_DELAY_DAYS = 3.0
REPEAT_DELAY_DAYS = 35.0
REVENUE_MEDIAN = 280.0
REVENUE_SIGMA = 0.35


@dataclass(frozen=True)
class StageDraws:
    """Per-user random draws of the funnel (delays in days; ``inf`` = never reaches that stage)."""

    base: np.ndarray
    opportunity: np.ndarray
    purchase: np.ndarray
    repeat: np.ndarray
    revenue: np.ndarray  # (n_users, 2): first and repeat purchase value


def draw_stages(propensity: np.ndarray, arrival: np.ndarray, rng: np.random.Generator) -> StageDraws:
    """Draw every user's baseline lead time, stage delays, stage outcomes and order values.

    The baseline lead (no marketing) comes at rate ``BASE_LEAD_RATE × propensity`` per day from the
    user's arrival, and only while they are in the market (``LIFETIME_DAYS``), like their touches.
    """
    n = len(propensity)
    wait = rng.standard_exponential(n) / (BASE_LEAD_RATE * propensity)
    base = np.where(wait < LIFETIME_DAYS, arrival + wait, np.inf)
    # Keener users also progress a little more often.
    q_opp = np.minimum(OPPORTUNITY_RATE * propensity ** 0.3, 0.95)
    q_pur = np.minimum(PURCHASE_RATE * propensity ** 0.3, 0.95)
    opp = np.where(rng.random(n) < q_opp, rng.gamma(2.0, OPPORTUNITY_DELAY_DAYS / 2.0, n), np.inf)
    pur = np.where(rng.random(n) < q_pur, rng.gamma(2.0, PURCHASE_DELAY_DAYS / 2.0, n), np.inf)
    rep = np.where(rng.random(n) < REPEAT_RATE, rng.gamma(3.0, REPEAT_DELAY_DAYS / 3.0, n), np.inf)
    revenue = np.round(REVENUE_MEDIAN * np.exp(REVENUE_SIGMA * rng.standard_normal((n, 2))), 2)
    return StageDraws(base, opp, pur, rep, np.maximum(revenue, 1.0))


def _kept(fired: dict[str, np.ndarray], dropped: Sequence[int]) -> np.ndarray:
    """Firings that survive switching off ``dropped`` channels (their touches and caused visits)."""
    return ~np.isin(fired["channel"], dropped) & ~np.isin(fired["parent"], dropped)


def stage_times(fired: dict[str, dict[str, np.ndarray]], draws: StageDraws, horizon: float,
           dropped: Sequence[int] = ()) -> dict[str, np.ndarray]:
    """Stage times per user (``inf`` when not reached within ``horizon`` days).

    ``fired`` is the output of :func:`~attribution.simulate.touches.triggers`; channels whose codes
    are in ``dropped`` are switched off. Keys: ``lead``, ``opportunity``, ``purchase``, ``repeat``
    (the second purchase). Removing touches can only delay or remove stages (never advance them).
    """
    lead, close = fired["lead"], fired["close"]
    keep = _kept(lead, dropped)
    first = draws.base.copy()
    np.minimum.at(first, lead["user"][keep], lead["time"][keep])
    opp = first + draws.opportunity
    pur = opp + draws.purchase
    # A closing touch counts only once the user is an opportunity.
    keep = _kept(close, dropped) & (close["t"] >= opp[close["user"]])
    np.minimum.at(pur, close["user"][keep], close["time"][keep])
    rep = pur + draws.repeat
    return {k: np.where(v < horizon, v, np.inf) for k, v in
            (("lead", first), ("opportunity", opp), ("purchase", pur), ("repeat", rep))}


def daily_purchases(f: dict[str, np.ndarray], draws: StageDraws, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Purchases and revenue per day (first and repeat purchases), as two arrays of length ``days``."""
    count, value = np.zeros(days), np.zeros(days)
    for key, col in (("purchase", 0), ("repeat", 1)):
        hit = np.isfinite(f[key])
        day = np.floor(f[key][hit]).astype(np.int64)
        count += np.bincount(day, minlength=days)
        value += np.bincount(day, weights=draws.revenue[hit, col], minlength=days)
    return count, value


def channel_truth(n_channels: int, fired: dict[str, dict[str, np.ndarray]], draws: StageDraws,
                  days: int, dropped: Sequence[int] = (), first_day: int = 0) -> dict:
    """True incremental leads, purchases and revenue per channel, in total and per day.

    Channel ``c`` is switched off (over the whole simulated time) by dropping its firing touches and
    those of visits it caused, then re-running the funnel on the same draws (channels in ``dropped``
    stay off throughout). Only what happens from day ``first_day`` to ``days`` is counted (the days
    before are the burn-in, a world already running). Returns arrays ``leads``, ``purchases``,
    ``revenue`` (length ``n_channels``), ``daily_purchases``, ``daily_revenue``
    (``n_channels × (days − first_day)``, by purchase date; a day can be negative when switching off
    only delays a purchase), and scalars ``total_purchases`` (as simulated), ``baseline_purchases``
    and ``baseline_revenue`` (every channel off).
    """
    dropped, kept = list(dropped), slice(first_day, days)

    def run(off: list[int]):
        f = stage_times(fired, draws, float(days), off)
        count, value = daily_purchases(f, draws, days)
        leads = int(((f["lead"] >= first_day) & np.isfinite(f["lead"])).sum())
        return count[kept], value[kept], leads

    full_count, full_value, full_leads = run(dropped)
    out: dict = {k: np.zeros(n_channels) for k in ("leads", "purchases", "revenue")}
    out["daily_purchases"] = np.zeros((n_channels, days - first_day))
    out["daily_revenue"] = np.zeros((n_channels, days - first_day))
    for c in range(n_channels):
        count, value, leads = run(dropped + [c])
        out["leads"][c] = full_leads - leads
        out["daily_purchases"][c] = full_count - count
        out["daily_revenue"][c] = full_value - value
        out["purchases"][c] = out["daily_purchases"][c].sum()
        out["revenue"][c] = out["daily_revenue"][c].sum()
    count, value, _ = run(list(range(n_channels)))
    out["baseline_purchases"], out["baseline_revenue"] = float(count.sum()), float(value.sum())
    out["total_purchases"] = float(full_count.sum())
    return out


def conversion_events(f: dict[str, np.ndarray], draws: StageDraws) -> dict[str, np.ndarray]:
    """Conversion rows as arrays ``user``, ``t`` (days), ``stage`` (index into :data:`STAGES`), ``revenue``."""
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []
    keys: Sequence[tuple[str, int, int | None]] = (
        ("lead", 0, None), ("opportunity", 1, None), ("purchase", 2, 0), ("repeat", 2, 1))
    for key, stage, col in keys:
        user = np.flatnonzero(np.isfinite(f[key]))
        revenue = np.zeros(len(user)) if col is None else draws.revenue[user, col]
        parts.append((user, f[key][user], stage, revenue))
    return {"user": np.concatenate([p[0] for p in parts]).astype(np.int32),
            "t": np.concatenate([p[1] for p in parts]),
            "stage": np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts]),
            "revenue": np.concatenate([p[3] for p in parts])}
