"""Simulated marketing data with a known ground truth, and the built-in sample dataset.

Generative story (times are continuous; every component draws from its own seeded stream)
-----------------------------------------------------------------------------------------
1. **Users.** Users keep arriving at a constant rate, and each is in the market (reached by ads,
   visiting on their own, able to start a lead) for 30 days. Each has a latent *activity* (how
   often ads and visits reach them) and a *conversion propensity*; both share a common factor, so
   the most exposed users also convert more on their own (the selection bias real attribution
   faces). Each user also has a random taste for each channel. Because new users replace those who
   leave, the pool of people who have not bought yet is stationary and so is the effect of spend.
   The world runs a 150-day burn-in before the period (same plan, same arrivals), so day 0 already
   has carry-over, users in the market and purchases in the pipeline.
2. **Spend → exposures.** Every paid channel (Paid Search, Display, Paid Social, Affiliate)
   follows a media plan: monthly budgets around a yearly season, flights (Display and Paid Social
   run on/off in whole weeks), pauses (the always-on Paid Search and Affiliate stop 1–3 weeks about
   three times a year), bursts and weekday rhythm, see :func:`~attribution.simulate.media.daily_spend`.
   Spend becomes the day's expected number of touches through geometric adstock (carry-over) and a
   logistic saturation curve (diminishing returns), see :mod:`attribution.simulate.media`; the true
   decay and saturation parameters are in ``truth``, so media-mix models can be checked on the same
   data. The realised count is Poisson; touches go to the users in the market in proportion to
   activity × taste, at a time of day drawn from a day-night profile. Touch cost = day's spend /
   day's touches (0 on a paused day, whose touches come from carry-over).
3. **Free channels.** Email is sent on Tuesdays and Fridays to the ~35 % of users who opted in;
   clicks are the touches. Direct and Organic Search have a baseline visit rate, plus follow-up
   visits that other touches cause (about 0.1–0.25 per touch, ~1.5 days later).
4. **Conversion hazard.** Every touch may start a lead: it fires with probability
   1 − exp(−β_channel·m·propensity) after an exponential delay (so the hazard it adds decays over
   time); clicks on impression channels and engaged sessions count more (m). A user's lead is the
   earliest firing, or a baseline time (conversions without marketing).
5. **Funnel.** The opportunity follows the lead with a per-user pass/fail draw and gamma delay.
   The purchase comes at the earlier of a per-user baseline delay (for ~35 % of opportunities) and
   the first "closing" firing of a touch made after the opportunity (touches act ~4× stronger on
   warm prospects). Each stage is strictly after the previous one; ~8 % of purchasers buy again.
   Revenue (log-normal, median ~280) only on purchases. Stages after the period's end are unseen,
   and so are those before its start (a user in the market on day 0 may show an opportunity or a
   purchase whose lead came in the burn-in).
6. **Conversion sessions.** ~35 % of conversions arrive through a visit minutes before (70 %
   Direct, 30 % Organic Search). These visits are caused by the conversion, not the other way
   round, so last-touch models over-credit Direct, as they do on real data.
7. **Truth (common random numbers).** For each channel the funnel is re-run on the *same* draws
   with that channel's touches, and the visits they caused, removed (over the burn-in too). The
   purchases and revenue of the period that disappear are the channel's true incremental effect:
   exact for this simulator, not an estimate. The true ROAS of a paid channel is that revenue over
   its spend (:func:`attribution.mmm.truth.compare_with_truth` takes it over a fit's periods from
   ``daily_truth``). ``simulate(..., switched_off=[channel])`` produces that counterfactual world in
   full; with every channel switched off only the baseline remains (``meta``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.simulate.funnel import channel_truth, conversion_events, draw_stages, stage_times
from attribution.simulate.media import (
    ChannelSpec,
    budget_scale,
    exposure_capacity,
    recursive_adstock,
    resolve_channels,
    stream,
)
from attribution.simulate.output import TABLES, conversion_frame, spend_frame, touch_frame, write_tables
from attribution.simulate.sample import SAMPLE_DIR
from attribution.simulate.touches import (
    causal_touches,
    concat,
    draw_users,
    navigation_visits,
    select,
    triggers,
)

# the built-in sample: simulate(SAMPLE_USERS, days=SAMPLE_DAYS, seed=SAMPLE_SEED), see data/README.md
SAMPLE_SEED = 20240101
SAMPLE_USERS = 360_000
SAMPLE_DAYS = 730
BURN_IN_DAYS = 150  # simulated before the period: 30 days in the market, the funnel (days) and repeat purchases (~35 days, rarely 100)
CLOSER_RATE = {True: 0.8, False: 0.03}  # closer engagement: conversion sessions vs the rest


@dataclass(frozen=True, eq=False)
class SimulatedData:
    """Simulated tables in the canonical shapes (docs/architecture.md §3) plus the ground truth.

    Attributes
    ----------
    touchpoints : DataFrame
        user_id, ts, channel, campaign, cost, session_id, interaction, holder_engagement,
        closer_engagement; sorted by user_id, ts.
    conversions : DataFrame
        user_id, ts, revenue (0 except on purchases), conversion_id, stage (lead/opportunity/purchase).
    spend : DataFrame
        date, channel, spend, impressions, clicks; one row per paid channel and day.
    truth : DataFrame
        One row per channel: true incremental purchases, revenue and leads, total spend and touches,
        and the true media parameters of paid channels (NaN for free ones).
    daily_truth : DataFrame
        Per date and channel: spend, adstock, expected_touches, touches, incremental_purchases and
        incremental_revenue (by purchase date).
    channels : tuple of ChannelSpec
        The channel definitions used.
    meta : dict
        n_users, start, days, seed, switched_off, purchases, baseline_purchases and baseline_revenue
        (every channel off), burn_in_days, users_simulated (burn-in arrivals included) and
        active_users (users in the market on a typical day).
    """

    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    spend: pd.DataFrame
    truth: pd.DataFrame
    daily_truth: pd.DataFrame
    channels: tuple[ChannelSpec, ...]
    meta: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name → frame for every table (the names :func:`write_csvs` uses)."""
        return {"touchpoints": self.touchpoints, "conversions": self.conversions, "spend": self.spend,
                "truth": self.truth, "daily_truth": self.daily_truth}


def _check(n_users: int, days: int, seed: int) -> None:
    if int(n_users) < 1 or int(days) < 1:
        raise DataValidationError(f"n_users and days must be at least 1 (got {n_users}, {days})")
    if int(seed) < 0:
        raise DataValidationError(f"seed must be a non-negative integer (got {seed})")


def simulate(n_users: int = 20_000, start: str = "2024-01-01", days: int = 180,
             channels: Sequence[str | ChannelSpec] | None = None, seed: int = 0, *,
             switched_off: Sequence[str] = ()) -> SimulatedData:
    """Simulate users, touchpoints, staged conversions, daily spend and the true channel effects.

    Parameters
    ----------
    n_users : int
        Number of users arriving during the period (another ``n_users × 150 / days`` arrive in the
        burn-in). Each is in the market for 30 days, so ``n_users × 30 / days`` are active on a day;
        touches, spend and conversions scale with that (about 1.5 touches per user).
    start : str
        First day (ISO date).
    days : int
        Length of the period in days.
    channels : sequence of str or ChannelSpec, optional
        Names from :data:`~attribution.simulate.media.DEFAULT_CHANNELS` (the default: all of them)
        and/or custom channel specs.
    seed : int
        Random seed; the same arguments give identical tables.
    switched_off : sequence of str
        Channels to remove (their touches, the visits those caused, and their spend) while every other
        random draw stays the same: the counterfactual world behind ``truth``.

    Returns
    -------
    SimulatedData

    Raises
    ------
    DataValidationError
        For a non-positive size, a negative seed, a bad start date or an unknown channel.
    """
    _check(n_users, days, seed)
    specs = resolve_channels(channels)
    names = [s.name for s in specs]
    unknown = sorted(set(switched_off) - set(names))
    if unknown:
        raise DataValidationError(f"switched_off names unknown channels {unknown}; channels are {names}")
    try:
        dates = pd.date_range(pd.Timestamp(start).normalize(), periods=days, freq="D")
    except ValueError as exc:
        raise DataValidationError(f"start {start!r} is not a date: use an ISO date like 2024-01-01") from exc
    # The world runs BURN_IN_DAYS before the period (same plan, same users arriving), so the period
    # starts in the steady state: carry-over, users in the market, purchases in the pipeline.
    burn, total = BURN_IN_DAYS, days + BURN_IN_DAYS
    all_dates = pd.date_range(dates[0] - pd.Timedelta(days=burn), periods=total, freq="D")
    users = draw_users(round(n_users * total / days), float(total), stream(seed, "users"))

    spend, expected, touches = causal_touches(specs, users, all_dates, seed)
    fired = triggers(touches, specs, users.propensity, seed)

    # Switch channels off after every draw is made, so the rest of the world stays identical.
    off = np.array([names.index(n) for n in switched_off], dtype=np.int16)
    touches = select(touches, ~np.isin(touches["channel"], off) & ~np.isin(touches["parent"], off)
                     & (touches["t"] >= burn))
    touches["t"] = touches["t"] - burn
    spend[off] = 0.0
    expected[off] = np.nan

    draws = draw_stages(users.propensity, users.arrival, stream(seed, "funnel"))
    events = conversion_events(stage_times(fired, draws, float(total), off), draws)
    events = select(events, events["t"] >= burn)
    events["t"] = events["t"] - burn
    nav = navigation_visits(events, specs, seed, exclude=off)
    touches = concat([touches, nav])
    is_nav = np.arange(len(touches["user"])) >= len(touches["user"]) - len(nav["user"])
    rng = stream(seed, "engagement")
    touches["closer"] = rng.random(len(is_nav)) < np.where(is_nav, CLOSER_RATE[True], CLOSER_RATE[False])

    start_ts = np.datetime64(dates[0].date(), "s")
    n_simulated = len(users.arrival)
    period = slice(burn, total)
    tp, counts, clicks = touch_frame(touches, specs, spend[:, period], start_ts, n_simulated)
    kept = [s for s in specs if s.name not in switched_off]
    keep_rows = np.array([s.name not in switched_off for s in specs])
    spend_df = spend_frame(tuple(kept), dates, spend[keep_rows, period], counts[keep_rows], clicks[keep_rows],
                           seed)
    truth = channel_truth(len(specs), fired, draws, total, off, first_day=burn)
    meta = {"n_users": int(n_users), "start": str(dates[0].date()), "days": int(days), "seed": int(seed),
            "switched_off": tuple(switched_off), "purchases": int(truth["total_purchases"]),
            "baseline_purchases": int(truth["baseline_purchases"]),
            "baseline_revenue": round(truth["baseline_revenue"], 2), "burn_in_days": burn,
            "users_simulated": n_simulated, "active_users": round(users.population, 1)}
    return SimulatedData(
        touchpoints=tp, conversions=conversion_frame(events, start_ts, n_simulated), spend=spend_df,
        truth=_truth_frame(specs, truth, spend[:, period], counts, users.population),
        daily_truth=_daily_truth_frame(specs, dates, truth, spend, expected, counts, users.population, burn),
        channels=specs, meta=meta)


def _truth_frame(specs, truth, spend, counts, population) -> pd.DataFrame:
    def media(f):
        return [f(s) if s.paid else np.nan for s in specs]

    total_spend = spend.sum(axis=1)

    return pd.DataFrame({
        "channel": pd.Series([s.name for s in specs], dtype="str"),
        "kind": pd.Series([s.kind for s in specs], dtype="str"),
        "true_incremental_conversions": truth["purchases"].astype(np.int64),
        "true_incremental_revenue": np.round(truth["revenue"], 2),
        "true_incremental_leads": truth["leads"].astype(np.int64),
        "spend": total_spend.round(2),
        "touches": counts.sum(axis=1).astype(np.int64),
        "adstock_decay": media(lambda s: s.adstock_decay),
        "saturation_lambda": media(lambda s: s.saturation_lambda),
        "saturation_scale": media(lambda s: budget_scale(s, population)),
        "exposure_capacity": media(lambda s: round(exposure_capacity(s, population), 4)),
    })


def _daily_truth_frame(specs, dates, truth, spend, expected, counts, population, burn) -> pd.DataFrame:
    """``spend`` and ``expected`` cover the burn-in too (the carry-over of its spend reaches the period)."""
    n, days = len(specs), len(dates)
    adstock = np.full(spend.shape, np.nan)
    for c, s in enumerate(specs):
        if s.paid and not np.isnan(expected[c]).all():
            # Same start as the exposure model: already running at the usual budget.
            adstock[c] = recursive_adstock(spend[c], s.adstock_decay, budget_scale(s, population))
    return pd.DataFrame({
        "date": np.tile(dates.to_numpy().astype("datetime64[us]"), n),
        "channel": pd.Series(np.repeat([s.name for s in specs], days), dtype="str"),
        "spend": spend[:, burn:].ravel(), "adstock": np.round(adstock[:, burn:].ravel(), 4),
        "expected_touches": np.round(expected[:, burn:].ravel(), 4),
        "touches": counts.ravel().astype(np.int64),
        "incremental_purchases": truth["daily_purchases"].ravel().astype(np.int64),
        "incremental_revenue": np.round(truth["daily_revenue"].ravel(), 2),
    })


def write_csvs(data: SimulatedData, out_dir: str | Path, fmt: str = "csv") -> dict[str, Path]:
    """Write touchpoints, conversions, spend, truth and daily_truth to ``out_dir``.

    Parameters
    ----------
    data : SimulatedData
    out_dir : str or Path
        Created if missing; existing files of the same names are replaced.
    fmt : {"csv", "csv.gz", "parquet"}
        File format (``.csv``, gzip ``.csv.gz``, or zstd ``.parquet``).

    Returns
    -------
    dict
        Table name → written path.
    """
    return write_tables(data.tables(), out_dir, fmt)


def sample_paths(directory: str | Path | None = None) -> dict[str, Path]:
    """Paths of the built-in sample dataset (``data/``): table name → file.

    Raises
    ------
    DataValidationError
        When the folder has no sample tables (e.g. an installed package without ``data/``).
    """
    folder = Path(directory) if directory is not None else SAMPLE_DIR
    found = {}
    for name in TABLES:
        for ext in (".parquet", ".csv.gz", ".csv"):
            if (folder / f"{name}{ext}").is_file():
                found[name] = folder / f"{name}{ext}"
                break
    if not {"touchpoints", "conversions", "spend"} <= set(found):
        raise DataValidationError(
            f"no sample dataset in {folder}: regenerate it with "
            f"`python -m attribution simulate --users {SAMPLE_USERS} --days {SAMPLE_DAYS} --seed {SAMPLE_SEED} "
            f"--out {folder} "
            "--format parquet`")
    return found
