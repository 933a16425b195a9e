"""Channels of the simulator and the media response of paid channels: spend → exposure volume.

Paid channels turn daily spend into a daily expected number of tracked touches through
**geometric adstock** (carry-over) and a **logistic saturation** curve (diminishing returns)::

    A_t = θ·A_{t-1} + (1 − θ)·x_t                    (normalised: constant spend x gives A = x)
    E_t = capacity · s(A_t / scale),   s(y) = (1 − e^{−λy}) / (1 + e^{−λy})

``θ`` is ``adstock_decay``, ``λ`` is ``saturation_lambda`` and ``scale`` the channel's mean daily
budget, so ``y = 1`` is "spending the usual budget". These are the true parameters a media-mix
model should recover from the ``spend`` table; the simulator reports them in its ``truth`` table.

Spend follows a media plan (:func:`daily_spend`): monthly budgets around a yearly season, flights
(on/off pulsing) for channels bought that way, pauses, a few bursts, weekday rhythm and daily noise.
That variation, independent between channels, is what lets a media-mix model tell them apart.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from attribution.errors import DataValidationError

KINDS = ("paid", "email", "organic")
MONTHLY_BUDGET_SD = 0.35  # log-sd of a month's budget around the plan (budgets are set month by month)
BURSTS_PER_DAY = 1 / 40  # bursts (1–2 weeks at 1.4–2× budget) per day of the plan
INTERACTIONS = ("impression", "click", "visit")


@dataclass(frozen=True)
class ChannelSpec:
    """One simulated channel and its true behaviour.

    Attributes
    ----------
    name : str
        Channel label written to the data.
    kind : {"paid", "email", "organic"}
        ``paid`` channels are driven by daily spend; ``email`` sends twice a week to opted-in users;
        ``organic`` channels (Direct, Organic Search) are free visits: a baseline rate plus visits
        that other touches cause.
    interaction : {"impression", "click", "visit"}
        Main interaction type of a touch (impression channels also log some clicks).
    campaigns : tuple of str
        Campaign names; each touch picks one (weights fall off with position).
    lift : float
        Per-touch conversion intensity β: a touch of a user with propensity r triggers a lead with
        probability 1 − exp(−β·m·r) (m = 3 for a click on an impression channel, ×1.5 if engaged).
    delay_days : float
        Mean time from a triggering touch to the lead (the touch's hazard decays at this scale).
    touch_rate : float
        paid: touches per active user (one in the market) per day at the usual budget; email: click
        probability per send per opted-in active user; organic: baseline visits per active user per day.
    spawn_rate : float
        Expected Direct/Organic follow-up visits caused by one touch of this channel.
    daily_budget : float
        paid: the usual spend per day (while a flight runs) per 1,000 active users.
    adstock_decay, saturation_lambda : float
        paid: true θ and λ of the media response (module docstring).
    click_share : float
        impression channels: share of touches that are clicks.
    ctr : float
        click channels: clicks per impression, used to report impressions in the spend table.
    navigation_share : float
        organic: weight of this channel among the visits in which conversions happen.
    weekly_amplitude, weekly_peak, trend : float
        paid: spend seasonality (relative amplitude, peak weekday 0=Mon) and relative growth over
        the simulated period; organic: visit seasonality.
    yearly_amplitude, yearly_peak : float
        paid: seasonal budget, ``1 + a·cos(2π(day of year − peak)/365.25)`` (peak as day of year).
    flight_on, flight_off : tuple of (int, int)
        paid: flighting, the range of weeks a flight runs and the range of weeks between flights;
        ``flight_off = (0, 0)`` is always-on.
    pauses_per_year : float
        paid: expected number of 1–3-week pauses (spend 0) a year outside the flight pattern.
    """

    name: str
    kind: str
    interaction: str
    campaigns: tuple[str, ...]
    lift: float
    delay_days: float
    touch_rate: float
    spawn_rate: float = 0.0
    daily_budget: float = 0.0
    adstock_decay: float = 0.0
    saturation_lambda: float = 1.0
    click_share: float = 0.0
    ctr: float = 0.05
    navigation_share: float = 0.0
    weekly_amplitude: float = 0.1
    weekly_peak: float = 1.0
    trend: float = 0.0
    yearly_amplitude: float = 0.0
    yearly_peak: float = 0.0
    flight_on: tuple[int, int] = (1, 1)
    flight_off: tuple[int, int] = (0, 0)
    pauses_per_year: float = 0.0

    @property
    def paid(self) -> bool:
        """True when the channel is bought (has spend)."""
        return self.kind == "paid"


DEFAULT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("Paid Search", "paid", "click", ("Brand", "Generic", "Competitor"), lift=0.27,
                delay_days=0.5, touch_rate=0.008, spawn_rate=0.25, daily_budget=80.0,
                adstock_decay=0.3, saturation_lambda=1.2, ctr=0.05, weekly_amplitude=0.15,
                weekly_peak=1.0, trend=0.1, yearly_amplitude=0.2, yearly_peak=330.0, pauses_per_year=3.0),
    ChannelSpec("Display", "paid", "impression", ("Prospecting", "Retargeting", "Video"), lift=0.048,
                delay_days=5.0, touch_rate=0.009, spawn_rate=0.15, daily_budget=34.0,
                adstock_decay=0.6, saturation_lambda=0.9, click_share=0.08, weekly_amplitude=0.1,
                weekly_peak=3.0, trend=-0.1, yearly_amplitude=0.15, yearly_peak=280.0, flight_on=(3, 6),
                flight_off=(2, 4)),
    ChannelSpec("Paid Social", "paid", "impression", ("Prospecting", "Lookalike", "Retargeting"),
                lift=0.072, delay_days=4.0, touch_rate=0.010, spawn_rate=0.2, daily_budget=54.0,
                adstock_decay=0.5, saturation_lambda=1.0, click_share=0.12, weekly_amplitude=0.2,
                weekly_peak=5.5, trend=0.25, yearly_amplitude=0.2, yearly_peak=150.0, flight_on=(4, 8),
                flight_off=(1, 3)),
    ChannelSpec("Affiliate", "paid", "click", ("Cashback", "Voucher", "Content"), lift=0.21,
                delay_days=0.3, touch_rate=0.005, spawn_rate=0.1, daily_budget=35.0,
                adstock_decay=0.2, saturation_lambda=1.8, ctr=0.03, weekly_amplitude=0.1,
                weekly_peak=4.0, yearly_amplitude=0.1, yearly_peak=60.0, pauses_per_year=3.0),
    ChannelSpec("Email", "email", "click", ("Newsletter", "Promotion", "Nurture"), lift=0.18,
                delay_days=1.0, touch_rate=0.05, spawn_rate=0.2),
    ChannelSpec("Organic Search", "organic", "visit", ("(organic)",), lift=0.09, delay_days=2.0,
                touch_rate=0.004, navigation_share=0.3, weekly_amplitude=0.1, weekly_peak=0.5),
    ChannelSpec("Direct", "organic", "visit", ("(direct)",), lift=0.048, delay_days=1.0,
                touch_rate=0.004, navigation_share=0.7, weekly_amplitude=0.05, weekly_peak=0.5),
)


def resolve_channels(channels: Sequence[str | ChannelSpec] | None) -> tuple[ChannelSpec, ...]:
    """Channel specs from names of :data:`DEFAULT_CHANNELS` and/or custom :class:`ChannelSpec`s.

    Raises
    ------
    DataValidationError
        For an unknown name, a duplicate, a bad kind/interaction or an empty list.
    """
    if channels is None:
        return DEFAULT_CHANNELS
    known = {c.name: c for c in DEFAULT_CHANNELS}
    specs: list[ChannelSpec] = []
    for c in channels:
        if isinstance(c, ChannelSpec):
            specs.append(c)
        elif c in known:
            specs.append(known[c])
        else:
            raise DataValidationError(
                f"unknown channel {c!r}: use one of {sorted(known)} or pass a ChannelSpec")
    names = [s.name for s in specs]
    if not specs or len(set(names)) != len(names):
        raise DataValidationError(f"channels must be a non-empty list of distinct names, got {names}")
    for s in specs:
        if s.kind not in KINDS or s.interaction not in INTERACTIONS:
            raise DataValidationError(
                f"channel {s.name!r}: kind must be one of {KINDS} and interaction one of {INTERACTIONS}")
    return tuple(specs)


def stream(seed: int, name: str) -> np.random.Generator:
    """Independent random stream for one component, so removing a channel leaves the others' draws."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def recursive_adstock(x: np.ndarray, decay: float, initial: float | None = None) -> np.ndarray:
    """Recursive geometric adstock ``A_t = θ·A_{t-1} + (1−θ)·x_t`` with infinite memory.

    ``initial`` is ``A_{-1}`` (default ``x[0]``, i.e. the channel was already running at that level).
    Unlike the media-mix model's finite-lag ``geometric_adstock`` (weights normalised over
    ``max_lag`` lags, no state before the first period), the simulated world has been running
    before day 0, so its carry-over starts from a steady state.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    prev = float(x[0]) if initial is None else float(initial)
    for i, value in enumerate(x):
        prev = decay * prev + (1.0 - decay) * value
        out[i] = prev
    return out


def spend_to_exposure(spend: np.ndarray, *, decay: float, lam: float, scale: float, capacity: float,
                      initial: float | None = None) -> np.ndarray:
    """Expected daily exposures (tracked touches) from daily spend: capacity·s(adstock(x)/scale)."""
    # imported here: attribution.mmm loads scipy.optimize, which `import attribution` leaves out
    from attribution.mmm.transforms import logistic_saturation

    return capacity * logistic_saturation(recursive_adstock(spend, decay, initial) / scale, lam)


def budget_scale(spec: ChannelSpec, population: float) -> float:
    """The channel's usual daily budget for ``population`` active users (``daily_budget`` per 1,000):
    the saturation ``scale`` of its media response."""
    return spec.daily_budget * population / 1000.0


def exposure_capacity(spec: ChannelSpec, population: float) -> float:
    """Capacity that makes the usual budget buy ``touch_rate`` touches per active user per day."""
    from attribution.mmm.transforms import logistic_saturation  # (see spend_to_exposure)

    return spec.touch_rate * population / float(logistic_saturation(np.array(1.0), spec.saturation_lambda))


def weekly_factor(dow: np.ndarray, amplitude: float, peak: float) -> np.ndarray:
    """Multiplicative weekday profile ``1 + a·cos(2π(dow − peak)/7)``."""
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (dow - peak) / 7.0)


def _flights(spec: ChannelSpec, days: int, rng: np.random.Generator) -> np.ndarray:
    """1 on the days a flight runs, 0 between flights (whole weeks, random lengths, random phase)."""
    if spec.flight_off[1] <= 0:
        return np.ones(days)
    on = np.zeros(days)
    day = -int(rng.integers(0, 7 * spec.flight_on[1]))  # the plan was already running before day 0
    while day < days:
        length = 7 * int(rng.integers(spec.flight_on[0], spec.flight_on[1] + 1))
        on[max(day, 0):max(day + length, 0)] = 1.0
        day += length + 7 * int(rng.integers(spec.flight_off[0], spec.flight_off[1] + 1))
    return on


def daily_spend(spec: ChannelSpec, budget: float, dates, rng: np.random.Generator) -> np.ndarray:
    """Daily spend of one paid channel, as a media plan sets it.

    spend = budget × monthly level × yearly season × trend × weekday × flights × pauses × bursts ×
    daily noise, where the monthly level is log-normal (sd 0.35: budgets are set month by month),
    the yearly season is ``1 + a·cos(2π(day of year − peak)/365.25)``, flights switch the channel on
    and off in whole weeks (always on when ``flight_off`` is (0, 0)), pauses (``pauses_per_year``,
    1–3 weeks) set spend to 0, and bursts (one per ~40 days, 1–2 weeks) multiply it by 1.4–2.
    ``dates`` is the DatetimeIndex of the days; every draw comes from ``rng`` (the channel's stream).
    """
    days = len(dates)
    dow, doy = dates.day_of_week.to_numpy(), dates.day_of_year.to_numpy()
    month = (dates.year.to_numpy() - dates.year[0]) * 12 + dates.month.to_numpy() - dates.month[0]
    frac = np.arange(days) / max(days - 1, 1)
    level = (budget * np.exp(rng.normal(0.0, MONTHLY_BUDGET_SD, month.max() + 1))[month]
             * (1.0 + spec.yearly_amplitude * np.cos(2.0 * np.pi * (doy - spec.yearly_peak) / 365.25))
             * (1.0 + spec.trend * (frac - 0.5)) * weekly_factor(dow, spec.weekly_amplitude, spec.weekly_peak)
             * np.exp(rng.normal(0.0, 0.12, days)))
    level *= _flights(spec, days, rng)
    for _ in range(int(rng.poisson(spec.pauses_per_year * days / 365.25))):
        start = int(rng.integers(0, days))
        level[start:start + 7 * int(rng.integers(1, 4))] = 0.0
    for _ in range(max(1, round(days * BURSTS_PER_DAY))):
        start = int(rng.integers(0, days))
        length = int(rng.integers(7, 15))
        level[start:start + length] *= rng.uniform(1.4, 2.0)
    return np.round(level, 2)
