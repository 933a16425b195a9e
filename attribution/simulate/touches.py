"""Users and their touches for the simulator (see :mod:`attribution.simulate` for the story).

Everything is vectorised over touches; times are float days since the start. Touch arrays hold
integer codes: ``channel`` indexes the channel list, ``campaign`` the channel's campaigns,
``interaction`` :data:`~attribution.simulate.media.INTERACTIONS`, ``parent`` the channel whose
touch caused this visit (−1 for none).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from attribution.simulate.media import (
    INTERACTIONS,
    ChannelSpec,
    budget_scale,
    daily_spend,
    exposure_capacity,
    spend_to_exposure,
    stream,
    weekly_factor,
)

IMPRESSION, CLICK, VISIT = (INTERACTIONS.index(k) for k in ("impression", "click", "visit"))
# Share of sessions over the hours of the day (quiet nights, lunch and evening peaks).
HOUR_WEIGHTS = np.array([1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 4.5, 5,
                         5.5, 6, 6.5, 6, 4, 2])
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
EMAIL_SEND_WEEKDAYS = (1, 4)  # Tuesday and Friday
EMAIL_OPT_IN = 0.35
SPAWN_DELAY_DAYS = 1.5
HOLDER_RATE = 0.3  # share of clicks/visits with an engaged session
NAVIGATION_RATE = 0.35  # share of conversions whose session starts as a Direct/Organic visit
CLOSE_MULTIPLIER = 4.0  # purchase intensity of a touch after the opportunity, relative to its lead intensity
TOUCH_FIELDS = ("user", "t", "channel", "campaign", "interaction", "holder", "parent")
LIFETIME_DAYS = 30.0  # a user is in the market (reached by ads, visits on their own) this long after arriving


@dataclass(frozen=True)
class Users:
    """Latent traits: activity (how often they are reached) and conversion propensity, both mean ≈ 1,
    and the arrival time (days, sorted ascending: user codes are in order of arrival).

    The two traits share a common factor, so heavily exposed users also convert more (selection bias
    a naive attribution model mistakes for channel effect). A user is *active* (in the market) from
    arrival for :data:`LIFETIME_DAYS`; new users keep arriving at a constant rate, so the number of
    active users, and of those who have not bought yet, is stationary once the first
    ``LIFETIME_DAYS`` have passed.
    """

    activity: np.ndarray
    propensity: np.ndarray
    arrival: np.ndarray
    population: float  # active users on a typical day (arrival rate × lifetime)


def draw_users(n_users: int, span: float, rng: np.random.Generator) -> Users:
    """Draw the latent traits of ``n_users`` users arriving uniformly over ``span`` days."""
    common = rng.standard_normal(n_users)
    activity = np.exp(0.5 * common + 0.6 * rng.standard_normal(n_users) - 0.305)
    propensity = np.exp(0.4 * common + 0.5 * rng.standard_normal(n_users) - 0.205)
    arrival = np.sort(rng.uniform(0.0, span, n_users))
    return Users(activity, propensity, arrival, n_users * min(LIFETIME_DAYS, span) / span)


def _batch(user, t, channel: int, campaign, interaction, holder, parent=None) -> dict[str, np.ndarray]:
    n = len(user)
    return {"user": np.asarray(user, dtype=np.int32), "t": np.asarray(t, dtype=float),
            "channel": np.full(n, channel, dtype=np.int16),
            "campaign": np.asarray(campaign, dtype=np.int16),
            "interaction": np.broadcast_to(np.asarray(interaction, dtype=np.int8), (n,)).copy(),
            "holder": np.asarray(holder, dtype=bool),
            "parent": (np.full(n, -1, dtype=np.int16) if parent is None
                       else np.asarray(parent, dtype=np.int16))}


def concat(batches: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate touch batches field by field."""
    if not batches:
        return _batch([], [], 0, [], [], [])
    return {k: np.concatenate([b[k] for b in batches]) for k in TOUCH_FIELDS}


def select(touches: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of a touch table where ``keep`` is true."""
    return {k: v[keep] for k, v in touches.items()}


def _sample_users(users: Users, weights: np.ndarray, t: np.ndarray, rng: np.random.Generator):
    """The user each touch at times ``t`` reaches: one of the users active then (arrived in
    (t − lifetime, t]), with probability proportional to ``weights``.

    Arrivals are sorted, so the active users form a contiguous range of codes and one cumulative sum
    serves every touch. Returns ``(user, reached)``; ``reached`` is False where nobody with a positive
    weight was active (only in the first days of the simulated world), and those touches are dropped.
    """
    cum = np.concatenate([[0.0], np.cumsum(weights, dtype=float)])
    lo = np.searchsorted(users.arrival, t - LIFETIME_DAYS, side="right")
    hi = np.searchsorted(users.arrival, t, side="right")
    u = cum[lo] + rng.random(len(t)) * (cum[hi] - cum[lo])
    idx = np.clip(np.searchsorted(cum, u, side="right") - 1, lo, np.maximum(hi - 1, lo))
    return idx, cum[hi] > cum[lo]


def _time_of_day(n: int, rng: np.random.Generator) -> np.ndarray:
    return (rng.choice(24, size=n, p=HOUR_P) + rng.random(n)) / 24.0


def _campaigns(spec: ChannelSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / np.arange(1, len(spec.campaigns) + 1)
    return rng.choice(len(spec.campaigns), size=n, p=w / w.sum())


def _affinity(n_users: int, rng: np.random.Generator) -> np.ndarray:
    # Per-user taste for one channel (mean 1, skewed: many users barely use it).
    return rng.gamma(0.8, 1.0 / 0.8, n_users)


def paid_touches(spec: ChannelSpec, code: int, users: Users, dates, seed: int):
    """Spend, expected exposures and touches of one paid channel (``dates``: the simulated days).

    Returns ``(spend, expected, touches)``: daily spend and expected touches, and the touch batch.
    """
    rng = stream(seed, spec.name)
    n_users, days = len(users.activity), len(dates)
    weights = users.activity * _affinity(n_users, rng)
    budget = budget_scale(spec, users.population)
    spend = daily_spend(spec, budget, dates, rng)
    expected = spend_to_exposure(spend, decay=spec.adstock_decay, lam=spec.saturation_lambda, scale=budget,
                                 capacity=exposure_capacity(spec, users.population), initial=budget)
    counts = rng.poisson(expected)
    n = int(counts.sum())
    t = np.repeat(np.arange(days), counts) + _time_of_day(n, rng)
    user, reached = _sample_users(users, weights, t, rng)
    campaign = _campaigns(spec, n, rng)
    if spec.interaction == "impression":
        interaction = np.where(rng.random(n) < spec.click_share, CLICK, IMPRESSION)
    else:
        interaction = np.full(n, INTERACTIONS.index(spec.interaction))
    holder = (interaction != IMPRESSION) & (rng.random(n) < HOLDER_RATE)
    return spend, expected, select(_batch(user, t, code, campaign, interaction, holder), reached)


def email_touches(spec: ChannelSpec, code: int, users: Users, dates, seed: int):
    """Email clicks: two sends a week to the opted-in active users, each clicking with ``touch_rate``."""
    rng = stream(seed, spec.name)
    n_users = len(users.activity)
    weights = users.activity * _affinity(n_users, rng) * (rng.random(n_users) < EMAIL_OPT_IN)
    send_days = np.flatnonzero(np.isin(dates.day_of_week.to_numpy(), EMAIL_SEND_WEEKDAYS))
    if weights.sum() == 0 or len(send_days) == 0:
        return concat([])
    counts = rng.poisson(spec.touch_rate * EMAIL_OPT_IN * users.population, len(send_days))
    send_campaign = _campaigns(spec, len(send_days), rng)
    n = int(counts.sum())
    # Sent at 9:00; clicks arrive over the next hours.
    t = np.repeat(send_days, counts) + 9.0 / 24.0 + rng.exponential(3.0 / 24.0, n)
    user, reached = _sample_users(users, weights, t, rng)
    holder = rng.random(n) < HOLDER_RATE
    batch = _batch(user, t, code, np.repeat(send_campaign, counts), INTERACTIONS.index(spec.interaction),
                   holder)
    return select(batch, reached & (t < len(dates)))


def organic_touches(spec: ChannelSpec, code: int, users: Users, dates, seed: int):
    """Baseline visits of a free channel (active users come on their own)."""
    rng = stream(seed, spec.name)
    n_users, days = len(users.activity), len(dates)
    weights = users.activity * _affinity(n_users, rng)
    lam = spec.touch_rate * users.population * weekly_factor(dates.day_of_week.to_numpy(), spec.weekly_amplitude,
                                                             spec.weekly_peak)
    counts = rng.poisson(lam)
    n = int(counts.sum())
    t = np.repeat(np.arange(days), counts) + _time_of_day(n, rng)
    user, reached = _sample_users(users, weights, t, rng)
    holder = rng.random(n) < HOLDER_RATE
    batch = _batch(user, t, code, _campaigns(spec, n, rng), INTERACTIONS.index(spec.interaction), holder)
    return select(batch, reached)


def spawned_visits(parents: dict[str, np.ndarray], specs: tuple[ChannelSpec, ...], horizon: float,
                   seed: int) -> dict[str, np.ndarray]:
    """Direct/Organic visits that touches cause (a user comes back on their own after an ad)."""
    organic = [i for i, s in enumerate(specs) if s.kind == "organic"]
    if not organic or len(parents["user"]) == 0:
        return concat([])
    rng = stream(seed, "spawned visits")
    rate = np.array([s.spawn_rate for s in specs])[parents["channel"]]
    k = rng.poisson(rate)
    idx = np.repeat(np.arange(len(k)), k)
    n = len(idx)
    share = np.array([specs[i].touch_rate for i in organic])
    channel = np.asarray(organic)[rng.choice(len(organic), size=n, p=share / share.sum())]
    t = parents["t"][idx] + rng.exponential(SPAWN_DELAY_DAYS, n)
    holder = rng.random(n) < HOLDER_RATE
    batch = {"user": parents["user"][idx], "t": t, "channel": channel.astype(np.int16),
             "campaign": np.zeros(n, dtype=np.int16), "interaction": np.full(n, VISIT, dtype=np.int8),
             "holder": holder, "parent": parents["channel"][idx].astype(np.int16)}
    return select(batch, t < horizon)


def causal_touches(specs: tuple[ChannelSpec, ...], users: Users, dates, seed: int):
    """Every touch that can cause a conversion: paid, email and organic touches plus caused visits.

    ``dates`` is the DatetimeIndex of the simulated days. Returns ``(spend, expected, touches)``:
    spend and expected touches per channel and day (``n_channels × days``; 0 and NaN for free
    channels) and the touch arrays.
    """
    n, days = len(specs), len(dates)
    spend, expected = np.zeros((n, days)), np.full((n, days), np.nan)
    batches = []
    for code, spec in enumerate(specs):
        if spec.paid:
            spend[code], expected[code], batch = paid_touches(spec, code, users, dates, seed)
        elif spec.kind == "email":
            batch = email_touches(spec, code, users, dates, seed)
        else:
            batch = organic_touches(spec, code, users, dates, seed)
        batches.append(batch)
    touches = concat(batches)
    organic = np.array([s.kind == "organic" for s in specs])
    caused = spawned_visits(select(touches, ~organic[touches["channel"]]), specs, days, seed)
    return spend, expected, concat([touches, caused])


def triggers(touches: dict[str, np.ndarray], specs: tuple[ChannelSpec, ...], propensity: np.ndarray,
             seed: int) -> dict[str, dict[str, np.ndarray]]:
    """The touches that would start a lead, or close a sale, on their own, and when.

    Returns ``{"lead": ..., "close": ...}``, each with arrays ``user``, ``t`` (touch time), ``time``
    (firing time), ``channel``, ``parent``. A touch fires a lead with probability
    1 − exp(−β·m·r) (β the channel's lift, m = 3 for a click on an impression channel and ×1.5 for an
    engaged session, r the user's propensity) after an exponential delay with the channel's mean
    ``delay_days``, so the hazard it adds decays over time. Independently it fires a purchase with
    :data:`CLOSE_MULTIPLIER` × that intensity, which only counts when the touch comes after the
    user's opportunity (warm prospects respond more).
    """
    rng = stream(seed, "triggers")
    n = len(touches["user"])
    ch = touches["channel"]
    impression_kind = np.array([s.interaction == "impression" for s in specs])[ch]
    m = np.where(impression_kind & (touches["interaction"] == CLICK), 3.0, 1.0)
    m = m * np.where(touches["holder"], 1.5, 1.0)
    intensity = np.array([s.lift for s in specs])[ch] * m * propensity[touches["user"]]
    delay = np.array([s.delay_days for s in specs])[ch]
    out = {}
    for name, mult in (("lead", 1.0), ("close", CLOSE_MULTIPLIER)):
        u, d = rng.random(n), rng.standard_exponential(n)
        fired = u < -np.expm1(-mult * intensity)
        out[name] = {"user": touches["user"][fired], "t": touches["t"][fired],
                     "time": touches["t"][fired] + d[fired] * delay[fired],
                     "channel": ch[fired], "parent": touches["parent"][fired]}
    return out


def navigation_visits(events: dict[str, np.ndarray], specs: tuple[ChannelSpec, ...], seed: int,
                      exclude: Sequence[int] = ()) -> dict[str, np.ndarray]:
    """The session in which a conversion happens: most arrive as a Direct/Organic visit minutes before.

    These visits are a consequence of the conversion, not a cause (they never fire a lead), which
    is why last-touch models over-credit Direct on this data. Channels in ``exclude`` (switched
    off) carry none.
    """
    organic = [i for i, s in enumerate(specs) if s.kind == "organic" and i not in exclude]
    if not organic or len(events["user"]) == 0:
        return concat([])
    rng = stream(seed, "navigation visits")
    n = len(events["user"])
    has_visit = rng.random(n) < NAVIGATION_RATE
    share = np.array([specs[i].navigation_share for i in organic])
    if share.sum() <= 0:
        share = np.array([specs[i].touch_rate for i in organic])
    channel = np.asarray(organic)[rng.choice(len(organic), size=n, p=share / share.sum())]
    # 1 to ~60 minutes before the conversion, never before the period starts.
    t = np.maximum(events["t"] - (1.0 + rng.exponential(15.0, n)) / 1440.0, 0.0)
    batch = {"user": events["user"].astype(np.int32), "t": t, "channel": channel.astype(np.int16),
             "campaign": np.zeros(n, dtype=np.int16), "interaction": np.full(n, VISIT, dtype=np.int8),
             "holder": rng.random(n) < 0.6, "parent": np.full(n, -1, dtype=np.int16)}
    return select(batch, has_visit)
