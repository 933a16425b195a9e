"""Small files in the shapes of the ../shared/data reference files, generated at test time.

Tests that read ../shared/data skip in a plain clone; each has a ``*_generated`` counterpart that
writes one of these files instead. Every writer copies the real file's layout (column names and
order, delimiter, date and number formats, quirks such as unsorted rows, empty cells, repeated
paths or sessions) but none of its rows, and returns what a correct loader must find, counted
while the rows were made (never by reading the file back with the code under test).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

EVENT_LOG_CHANNELS = ("Facebook", "Instagram", "Online Display", "Online Video", "Paid Search")


@dataclass(frozen=True)
class Expected:
    """What a generated file holds: row count, plus per-file facts (conversions, revenue, ...)."""

    rows: int
    facts: dict


def _write_csv(path: Path, header: list[str], rows: list[list], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_event_log(path: Path, n_customers: int = 40, seed: int = 0) -> Expected:
    """An event log like si05/Kaggle "attribution data": ``customer_id,time,interaction,conversion,
    conversion_value,channel``; ISO times with a ``Z`` in July 2018, rows of a customer in no time
    order, impressions with value 0, conversion rows (interaction 'conversion', flag 1) that also
    carry a channel. Facts: conversions, revenue, channels."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2018-07-01")
    rows, used = [], set()
    n_conv, revenue = 0, 0.0
    for i in range(n_customers):
        customer = f"A{100 + i:06d}"
        for _ in range(int(rng.integers(1, 6))):
            while True:
                ts = start + pd.Timedelta(seconds=int(rng.integers(0, 31 * 86400)))
                if (customer, ts) not in used:
                    used.add((customer, ts))
                    break
            channel = EVENT_LOG_CHANNELS[int(rng.integers(0, len(EVENT_LOG_CHANNELS)))]
            if rng.random() < 0.2:
                value = float(rng.integers(4, 30)) / 2  # halves, like the real 5.5 / 7.5
                rows.append([customer, ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "conversion", 1, f"{value:g}", channel])
                n_conv, revenue = n_conv + 1, revenue + value
            else:
                rows.append([customer, ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "impression", 0, 0, channel])
    _write_csv(path, ["customer_id", "time", "interaction", "conversion", "conversion_value", "channel"], rows)
    channels = {r[5] for r in rows}
    return Expected(len(rows), {"conversions": n_conv, "revenue": revenue, "channels": len(channels)})


def write_daily_spend(path: Path, seed: int = 0) -> Expected:
    """Daily spend like MatCyt's budget_sample_daily: ``day,channel,impressions,cost``, one row per
    day of July 2018 and event-log channel, costs written with float noise (26.516000000000002).
    Facts: total spend."""
    rng = np.random.default_rng(seed)
    rows, total = [], 0.0
    for day in pd.date_range("2018-07-01", "2018-07-31"):
        for channel in EVENT_LOG_CHANNELS:
            impressions = int(rng.integers(20, 8000))
            cost = impressions * 0.0035  # 0.0035 * n is rarely exact in binary: long reprs as in the file
            rows.append([day.strftime("%Y-%m-%d"), channel, impressions, repr(cost)])
            total += cost
    _write_csv(path, ["day", "channel", "impressions", "cost"], rows)
    return Expected(len(rows), {"spend": total})


def write_channelattribution_paths(path: Path, rows: list[tuple[str, float, float, float]]) -> Path:
    """Aggregated paths like ChannelAttribution's Data.csv: ``;``-separated
    ``path;total_conversions;total_conversion_value;total_null``, steps joined by ``" > "``.
    ``rows`` are (path "a > b", conversions, value, nulls); the same path may appear twice."""
    return _write_csv(path, ["path", "total_conversions", "total_conversion_value", "total_null"],
                      [[p, f"{c:g}", f"{v:g}", f"{n:g}"] for p, c, v, n in rows], delimiter=";")


GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mi")


def random_channelattribution_rows(n: int = 300, seed: int = 0) -> list[tuple[str, float, float, float]]:
    """``n`` path rows over the 12 Greek channel names, 1-11 steps, some paths repeated, counts 0-9."""
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.full(len(GREEK), 0.7))
    rows = []
    for i in range(n):
        if i and rng.random() < 0.1:
            path = rows[int(rng.integers(0, len(rows)))][0]  # a repeated path, as in the real file
        else:
            path = " > ".join(rng.choice(GREEK, size=int(rng.integers(1, 12)), p=popularity))
        conv = float(rng.integers(0, 10))
        nulls = float(rng.integers(0 if conv else 1, 10))  # no row of the real file has 0 and 0
        rows.append((path, conv, round(conv * float(rng.uniform(0.1, 4)), 3), nulls))
    return rows


def ihc_journey_records(n_journeys: int, *, converting_share: float = 1.0, flag_conversions: bool = True,
                        impression_interaction: bool = False, shared_sessions: int = 0,
                        seed: int = 0) -> tuple[list[dict], dict]:
    """IHC API journeys (``conversion_id, session_id, timestamp, channel_label, holder_engagement,
    closer_engagement, conversion`` [``, impression_interaction``]), one conversion_id per journey,
    1-6 sessions each, ``conversion`` 1 on the last session of a converting journey (all 0 when
    ``flag_conversions`` is False: the shreyank06 bug). ``shared_sessions`` journeys reuse a
    session of the journey before them (the same session in two journeys, as in shreyank06).
    Facts: sessions, journeys, converted (journeys with a flag), distinct session ids."""
    rng = np.random.default_rng(seed)
    channels = ["SEO", "SEA - Brand", "Email", "Direct Traffic", "Affiliates", "Display", "Social"]
    start = pd.Timestamp("2021-06-01")
    records, converted, first = [], 0, None
    for j in range(n_journeys):
        conv_id = f"{rng.integers(0, 16**10):010x}"
        k = int(rng.integers(1, 7))
        # the first session at 00:jj on 1 June, the others later in June: a shared session copied
        # from the journey before is then this journey's earliest, and its last session stays last
        later = rng.choice(np.arange(86400, 30 * 86400), size=k - 1, replace=False)
        times = [start + pd.Timedelta(minutes=j)] + sorted(start + pd.Timedelta(seconds=int(s)) for s in later)
        converts = bool(rng.random() < converting_share)
        converted += converts
        if first is not None and j <= shared_sessions:
            records.append(dict(first, conversion_id=conv_id, conversion=0))
        for pos, ts in enumerate(times):
            rec = {"conversion_id": conv_id, "session_id": f"{rng.integers(0, 16**12):012x}",
                   "timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"),
                   "channel_label": channels[int(rng.integers(0, len(channels)))],
                   "holder_engagement": int(rng.random() < 0.5), "closer_engagement": int(rng.random() < 0.3),
                   "conversion": int(flag_conversions and converts and pos == k - 1)}
            if impression_interaction:
                rec["impression_interaction"] = int(rng.random() < 0.2)
            records.append(rec)
            if pos == 0:
                first = rec
    facts = {"sessions": len(records), "journeys": n_journeys,
             "converted": converted if flag_conversions else n_journeys,
             "distinct_sessions": len({r["session_id"] for r in records})}
    return records, facts


def write_ihc_json(path: Path, records: list[dict]) -> Path:
    """A JSON array indented by 4 spaces, as the IHC API sample files are."""
    path.write_text(json.dumps(records, indent=4), encoding="utf-8")
    return path


def write_ihc_csv(path: Path, records: list[dict]) -> Path:
    """The same records as CSV, header from the first record (haensel ihc-webservice layout)."""
    return _write_csv(path, list(records[0]), [list(r.values()) for r in records])


def write_channel_reporting(path: Path) -> Expected:
    """A channel_reporting export like shreyank06's: ``channel_name,date,cost,ihc,ihc_revenue,CPO,ROAS``
    for 3 IHC-challenge channels over 2023-08-29..2023-09-02 (ISO dates), CPO and ROAS as computed
    floats (0.0 where nothing was attributed)."""
    rows = []
    for i, channel in enumerate(["Affiliate & Partnerships", "Direct Traffic", "SEA - Non Brand"]):
        for d, day in enumerate(pd.date_range("2023-08-29", periods=5)):
            cost = 100.0 + 37.5 * i + 12.25 * d
            ihc = 0.0 if (i + d) % 3 == 0 else 0.1 * (i + d)
            rev = 40.0 * ihc
            rows.append([channel, day.strftime("%Y-%m-%d"), cost, ihc, rev,
                         cost / ihc if ihc else 0.0, rev / cost])
    _write_csv(path, ["channel_name", "date", "cost", "ihc", "ihc_revenue", "CPO", "ROAS"], rows)
    return Expected(len(rows), {"channels": 3, "first": "2023-08-29", "last": "2023-09-02"})


def write_account_manager_report(path: Path) -> Expected:
    """A daily channel x campaign report like haensel's Account_Manager_BI testdata:
    ``Event_Date`` as DD-MM-YY (01-04-20 = 1 April 2020), several rows per day and channel (campaign
    x browser x engagement phase), ``Costs`` empty on many rows, attributed conversions as decimals.
    Covers 01-04-20 .. 22-04-20."""
    header = ["Event_Date", "Channel", "Campaign", "Browser_type", "Engagement_Phase", "Users", "Sessions", "Costs",
              "Influenced_Conversions", "Attributed_Initializer_Conversions", "Attributed_Holder_Conversions",
              "Attributed_Closer_Conversions", "Attributed_IHC_Conversions", "Attributed_IHC_Revenue"]
    rows = []
    for day in (1, 2, 10, 22):
        for c, channel in enumerate(["Affiliates", "Email", "SEA - Brand"]):
            for b, browser in enumerate(["Browser", "Browser (mobile)"]):
                for phase in ("New Customer Engagement", "Return Customer Engagement"):
                    users = 10 * (day + c + b) + (phase[0] == "N") * 7
                    cost = "" if channel == "Email" or (day + b) % 2 else f"{users * 0.42:.2f}"
                    ihc = round(users * 0.031, 3)
                    rows.append([f"{day:02d}-04-20", channel, f"Campaign_{c:04d}", browser, phase, users,
                                 users + 3, cost, users // 5, round(ihc * 0.9, 2), round(ihc * 1.1, 2),
                                 round(ihc, 2), ihc, "" if not ihc else round(ihc * 21.0, 3)])
    _write_csv(path, header, rows)
    return Expected(len(rows), {"first": "2020-04-01", "last": "2020-04-22"})


# --- media-mix files (weekly, wide: a date, an outcome, spend per channel, controls) ----------

@dataclass(frozen=True)
class MediaTruth:
    """The curves a generated media-mix file was simulated from, and what they imply.

    Each channel's effect is ``beta * logistic(geometric_adstock(x / max x))`` with ``max_lag`` 8
    normalised weights ``alpha**l / sum(alpha**l)`` and ``logistic(u) = (1 - e^(-lam u)) / (1 +
    e^(-lam u))`` (pymc-marketing's mmm_example recipe). ``roas`` is the summed effect over the
    file divided by the summed spend."""

    alpha: dict[str, float]
    lam: dict[str, float]
    beta: dict[str, float]
    roas: dict[str, float]


def media_effect(x: np.ndarray, alpha: float, lam: float, beta: float, max_lag: int = 8) -> np.ndarray:
    """``beta * logistic(geometric_adstock(x / max x))``, written out independently of attribution.mmm."""
    weights = alpha ** np.arange(max_lag)
    carried = np.convolve(x / x.max(), weights / weights.sum())[: len(x)]
    return beta * (1 - np.exp(-lam * carried)) / (1 + np.exp(-lam * carried))


def _simulate_media(spend: dict[str, np.ndarray], curves: dict[str, tuple[float, float, float]]):
    """Summed media effect per period and the truth, for ``curves`` = {channel: (alpha, lam, beta)}."""
    effects = {c: media_effect(spend[c], *curves[c]) for c in curves}
    truth = MediaTruth(alpha={c: a for c, (a, _, _) in curves.items()}, lam={c: v for c, (_, v, _) in curves.items()},
                       beta={c: b for c, (_, _, b) in curves.items()},
                       roas={c: float(effects[c].sum() / spend[c].sum()) for c in curves})
    return sum(effects.values()), truth


def _weekly_phase(dates: pd.DatetimeIndex) -> np.ndarray:
    return 2 * np.pi * dates.day_of_year.to_numpy() / 365.25


def _lognormal_spend(rng: np.random.Generator, n: int, level: float, off_share: float = 0.0) -> np.ndarray:
    x = level * np.exp(rng.normal(0, 0.5, n))
    x[rng.random(n) < off_share] = 0.0
    return np.round(x, 2)


def write_pymc_example(path: Path, seed: int = 0) -> MediaTruth:
    """Like pymc-marketing's mmm_example.csv: ``date_week,y,x1,x2,event_1,event_2,dayofyear,t``,
    179 Mondays from 2018-04-02; x1, x2 in [0, 1] (x1 halved below 0.9, x2 zero below 0.8, as in
    pymc-marketing's recipe), two one-week events, y = 1000 x (2 + 0.5 t/178 + 0.4 yearly sine +
    1.5 event_1 + 2.5 event_2) + media + noise (sd 100). Media: alpha 0.4 / 0.2, lam 4 / 3, beta
    3000 / 2000."""
    rng = np.random.default_rng(seed)
    n, amplitude = 179, 1000.0
    dates = pd.date_range("2018-04-02", periods=n, freq="7D")
    x1 = rng.uniform(0, 1, n)
    x1 = np.where(x1 > 0.9, x1, x1 / 2)
    x2 = rng.uniform(0, 1, n)
    x2 = np.where(x2 > 0.8, x2, 0.0)
    event_1 = (np.arange(n) == 48).astype(float)
    event_2 = (np.arange(n) == 130).astype(float)
    t = np.arange(n)
    media, truth = _simulate_media({"x1": x1, "x2": x2}, {"x1": (0.4, 4.0, 3 * amplitude),
                                                          "x2": (0.2, 3.0, 2 * amplitude)})
    y = (amplitude * (2 + 0.5 * t / (n - 1) + 0.4 * np.sin(_weekly_phase(dates)) + 1.5 * event_1 + 2.5 * event_2)
         + media + rng.normal(0, 0.1 * amplitude, n))
    pd.DataFrame({"date_week": dates.strftime("%Y-%m-%d"), "y": y, "x1": x1, "x2": x2, "event_1": event_1,
                  "event_2": event_2, "dayofyear": dates.day_of_year, "t": t}).to_csv(path, index=False)
    return truth


def write_pymc_roas(path: Path, seed: int = 0) -> MediaTruth:
    """Like pymc-marketing's mmm_roas_data.csv: ``date,z,x1,x2,y``, 131 Saturdays from 2021-10-02;
    ``z`` (a smooth positive series) drives both x1 spend and y, so it must be a control:
    y = 200 + 250 z + 5 t/130 + media + noise (sd 5). Media: alpha 0.5 / 0.3, lam 1 / 2.5, beta 120 / 80."""
    rng = np.random.default_rng(seed)
    n = 131
    dates = pd.date_range("2021-10-02", periods=n, freq="7D")
    z = np.abs(np.convolve(rng.normal(0, 0.35, n + 4), np.ones(5) / 5, mode="valid")) + 0.01
    x1 = np.clip(0.45 + 1.3 * z + rng.normal(0, 0.2, n), 0.05, None)
    x2 = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.05, 0.9, n))
    media, truth = _simulate_media({"x1": x1, "x2": x2}, {"x1": (0.5, 1.0, 120.0), "x2": (0.3, 2.5, 80.0)})
    y = 200 + 250 * z + 5 * np.arange(n) / (n - 1) + media + rng.normal(0, 5, n)
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "z": z, "x1": x1, "x2": x2, "y": y}).to_csv(path, index=False)
    return truth


ROBYN_SPEND = ("tv_S", "ooh_S", "print_S", "search_S", "facebook_S")


def write_robyn_weekly(path: Path, seed: int = 0) -> MediaTruth:
    """Like Robyn's dt_simulated_weekly: header names in double quotes, ``"DATE","revenue","tv_S",
    "ooh_S","print_S","facebook_I","search_clicks_P","search_S","competitor_sales_B","facebook_S",
    "events","newsletter"``; 208 Mondays from 2015-11-23; spend in bursts with zero weeks,
    impressions / clicks beside spend, ``events`` a quoted "na" except two quoted event names."""
    rng = np.random.default_rng(seed)
    n = 208
    dates = pd.date_range("2015-11-23", periods=n, freq="7D")
    levels = {"tv_S": 15000, "ooh_S": 40000, "print_S": 4000, "search_S": 6000, "facebook_S": 2000}
    spend = {c: _lognormal_spend(rng, n, lv, 0.3 if c in ("tv_S", "ooh_S", "print_S") else 0.05)
             for c, lv in levels.items()}
    curves = {"tv_S": (0.6, 2.0, 400000.0), "ooh_S": (0.3, 1.5, 250000.0), "print_S": (0.2, 3.0, 60000.0),
              "search_S": (0.1, 2.5, 150000.0), "facebook_S": (0.4, 2.0, 100000.0)}
    media, truth = _simulate_media(spend, curves)
    competitor = np.round(5.5e6 + 1.5e6 * np.sin(_weekly_phase(dates)) + rng.normal(0, 3e5, n))
    newsletter = np.round(_lognormal_spend(rng, n, 20000))
    events = np.full(n, "na", dtype=object)
    events[[60, 150]] = ["event1", "event2"]
    revenue = (9e5 + 0.15 * competitor + 2.0 * newsletter + 3e5 * (events != "na") + media
               + rng.normal(0, 4e4, n))
    header = ["DATE", "revenue", "tv_S", "ooh_S", "print_S", "facebook_I", "search_clicks_P", "search_S",
              "competitor_sales_B", "facebook_S", "events", "newsletter"]
    lines = [",".join(f'"{h}"' for h in header)]
    for i in range(n):
        cells = [revenue[i], spend["tv_S"][i], spend["ooh_S"][i], spend["print_S"][i], spend["facebook_S"][i] * 3800,
                 spend["search_S"][i] * 2.9, spend["search_S"][i]]
        lines.append(",".join([dates[i].strftime("%Y-%m-%d"), *(repr(float(v)) for v in cells),
                               f"{competitor[i]:.0f}", repr(float(spend["facebook_S"][i])), f'"{events[i]}"',
                               f"{newsletter[i]:g}"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return truth


def write_meridian_national(path: Path, seed: int = 0) -> MediaTruth:
    """Like Meridian's national_media.csv: ``time,conversions,revenue_per_conversion,
    Channel0..3_impression,Channel0..3_spend,competitor_activity_score_control,sentiment_score_control``;
    156 Mondays from 2021-01-25; conversions in the hundreds of millions (integers) at a constant
    0.035 per conversion, so revenue = conversions x revenue_per_conversion. The truth's beta and
    ROAS are in revenue units."""
    rng = np.random.default_rng(seed)
    n, rpc = 156, 0.035
    dates = pd.date_range("2021-01-25", periods=n, freq="7D")
    spend = {f"Channel{i}_spend": _lognormal_spend(rng, n, lv) for i, lv in enumerate((170e3, 185e3, 175e3, 235e3))}
    curves = {f"Channel{i}_spend": (a, lam, b) for i, (a, lam, b) in
              enumerate([(0.5, 2.0, 1.2e6), (0.3, 1.5, 0.9e6), (0.2, 2.5, 0.7e6), (0.6, 1.0, 1.5e6)])}
    media, truth = _simulate_media(spend, curves)
    competitor = rng.normal(0, 0.7, n)
    sentiment = rng.normal(0, 0.8, n)
    revenue = 5.0e6 - 2.0e5 * competitor + 1.5e5 * sentiment + media + rng.normal(0, 1.0e5, n)
    frame = pd.DataFrame({"time": dates.strftime("%Y-%m-%d"), "conversions": np.round(revenue / rpc).astype("int64"),
                          "revenue_per_conversion": rpc})
    for i in range(4):
        frame[f"Channel{i}_impression"] = np.round(spend[f"Channel{i}_spend"] * rng.uniform(85, 95)).astype("int64")
    for i in range(4):
        frame[f"Channel{i}_spend"] = spend[f"Channel{i}_spend"]
    frame["competitor_activity_score_control"] = competitor.round(7)
    frame["sentiment_score_control"] = sentiment.round(7)
    frame.to_csv(path, index=False)
    return truth


def write_haensel_weekly(path: Path, start: str = "2021-03-07", seed: int = 0) -> MediaTruth:
    """Like haensel's DataScience_202209 MMM test data: ``start_of_week,revenue,spend_channel_1..7``,
    104 Sundays, dates as DD-MM-YY (07-03-21 is 7 March 2021: month-first would read 3 July),
    amounts with 2 decimals, two channels with zero weeks."""
    rng = np.random.default_rng(seed)
    n = 104
    dates = pd.date_range(start, periods=n, freq="7D")
    levels = (1200, 350, 19000, 7000, 8500, 5000, 27000)
    spend = {f"spend_channel_{i + 1}": _lognormal_spend(rng, n, lv, 0.25 if i in (0, 5) else 0.0)
             for i, lv in enumerate(levels)}
    betas = (15e3, 5e3, 60e3, 20e3, 30e3, 15e3, 80e3)
    curves = {c: (0.1 + 0.1 * (i % 5), 1.5 + 0.5 * (i % 3), betas[i]) for i, c in enumerate(spend)}
    media, truth = _simulate_media(spend, curves)
    revenue = np.round(60e3 + 15e3 * np.sin(_weekly_phase(dates)) + media + rng.normal(0, 4e3, n), 2)
    frame = pd.DataFrame({"start_of_week": dates.strftime("%d-%m-%y"), "revenue": revenue, **spend})
    frame.to_csv(path, index=False)
    return truth
