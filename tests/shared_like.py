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
