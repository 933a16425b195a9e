"""Conversion definitions from CRM stages: first contact, first booked, first attended, first paid, ...

Stages come from a stage-events table (``customer_id, stage, ts[, revenue]``, one row per stage
reached), from stage date columns on the customers file (``first_contact_date``, ``booked_date``,
``paid_at``, ...), or both. Whatever stage names the data has are offered; a conversion for a stage
is the first time each customer reached it.

Typical use::

    se = stage_events(customers=crm, events=history)
    available_stages(se)                    # ['contact', 'booked', 'attended', 'paid']
    stage_conversions(se, "booked")         # user_id, ts, stage, revenue
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.identity.columns import ColumnMapping, guess_customer_columns, guess_stage_event_columns
from attribution.identity.normalise import as_text, normalise_ids, parse_timestamps

STAGE_EVENT_COLUMNS = ["user_id", "stage", "ts", "revenue"]
CONVERSION_COLUMNS = ["user_id", "ts", "stage", "revenue"]
STAGE_REJECTED_COLUMNS = ["file", "row", "column", "value", "reason"]

_DATE_NAME = re.compile(r"^(?:date_(?P<a>.+)|(?P<b>.+?)_(?:date|datetime|timestamp|time|ts|at|on))$")
# Dates about the person or the record, not about how far a customer got.
_NOT_A_STAGE = {"birth", "dob", "born", "updated", "modified", "deleted", "expiry", "expires", "expiration",
                "import", "imported", "export", "exported"}


@dataclass(frozen=True, eq=False)
class StageEvents:
    """Every stage a customer reached, long format, plus the rows that could not be used.

    ``events``: ``user_id`` (str), ``stage`` (str), ``ts`` (datetime64, naive UTC), ``revenue``
    (float, 0 when unknown). ``rejected``: ``file, row, column, value, reason`` (missing id, stage
    or timestamp, unparseable date, non-numeric revenue counted as 0).
    """

    events: pd.DataFrame
    rejected: pd.DataFrame


def _stage_name(column: str) -> str | None:
    """``first_contact_date`` → ``contact``; None when the name does not look like a date."""
    name = re.sub(r"[^a-z0-9]+", "_", str(column).lower()).strip("_")
    m = _DATE_NAME.match(name)
    if m is None:
        return None
    return (m.group("a") or m.group("b")).removeprefix("first_") or None


def guess_stage_columns(customers: pd.DataFrame, *, exclude: Sequence[str] = ()) -> dict[str, str]:
    """Stage name → date column of a customers file.

    A column counts when its name looks like a date (``*_date``, ``*_at``, ``*_ts``, ``date_*``, ...)
    and at least one of its values parses as one; the stage name drops the date word and a leading
    ``first_`` (``first_contact_date`` → ``contact``). Birth dates and record-keeping dates
    (``updated_at``) are skipped.
    """
    out: dict[str, str] = {}
    for col in customers.columns:
        stage = _stage_name(str(col))
        if stage is None or col in exclude or stage in out or set(stage.split("_")) & _NOT_A_STAGE:
            continue
        if parse_timestamps(customers[col]).notna().any():
            out[stage] = str(col)
    return out


def _rejects(file: str, rows: np.ndarray, column: str, values: pd.Series, reason: pd.Series | str) -> pd.DataFrame:
    return pd.DataFrame({"file": file, "row": rows, "column": column,
                         "value": as_text(values).to_numpy(), "reason": reason})


def _ts_rejects(file: str, column: str, raw: pd.Series, ts: pd.Series, must_have: bool) -> pd.DataFrame:
    text = as_text(raw)
    bad = ts.isna() & (text.notna() | must_have)
    reason = np.where(text[bad].isna(), "missing timestamp", "not a date/time")
    return _rejects(file, np.flatnonzero(bad.to_numpy()), column, raw[bad], reason)


def _from_events(events: pd.DataFrame, mapping: ColumnMapping | None, file: str,
                 dayfirst: bool) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    cols = guess_stage_event_columns(events, mapping, file=file)
    ids, stage = normalise_ids(events[cols.customer_id]), as_text(events[cols.stage])
    ts = parse_timestamps(events[cols.ts], dayfirst=dayfirst)
    revenue = pd.Series(0.0, index=events.index)
    rejected = [_ts_rejects(file, cols.ts, events[cols.ts], ts, True)]
    if cols.revenue:
        raw = as_text(events[cols.revenue])
        revenue = pd.to_numeric(raw, errors="coerce")
        bad = revenue.isna() & raw.notna()
        rejected.append(_rejects(file, np.flatnonzero(bad.to_numpy()), cols.revenue, raw[bad],
                                 "not a number; counted as revenue 0"))
        revenue = revenue.fillna(0.0)
    for col, values, what in ((cols.customer_id, ids, "customer id"), (cols.stage, stage, "stage")):
        rejected.append(_rejects(file, np.flatnonzero(values.isna().to_numpy()), col,
                                 events[col][values.isna()], f"missing {what}"))
    ok = (ids.notna() & stage.notna() & ts.notna()).to_numpy()
    out = pd.DataFrame({"user_id": ids[ok], "stage": stage[ok], "ts": ts[ok], "revenue": revenue[ok]})
    return out, rejected


def _from_customers(customers: pd.DataFrame, mapping: ColumnMapping | None,
                    stage_columns: Mapping[str, str] | Sequence[str] | None,
                    stage_revenue: Mapping[str, str] | None, file: str,
                    dayfirst: bool) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    ccols = guess_customer_columns(customers, mapping, file=file)
    if stage_columns is None:
        found = guess_stage_columns(customers, exclude=(ccols.customer_id, *ccols.phone, *ccols.email))
    elif isinstance(stage_columns, Mapping):
        found = dict(stage_columns)
    else:
        found = {(_stage_name(c) or str(c)): c for c in stage_columns}
    for col in [*found.values(), *(stage_revenue or {}).values()]:
        if col not in customers.columns:
            raise DataValidationError(f"{file}: stage column {col!r} not found; the file has columns "
                                      f"{', '.join(map(str, customers.columns))}", file=file, column=str(col))
    ids = normalise_ids(customers[ccols.customer_id])
    frames, rejected = [], []
    for stage, col in found.items():
        ts = parse_timestamps(customers[col], dayfirst=dayfirst)
        rejected.append(_ts_rejects(file, col, customers[col], ts, False))
        reached = ts.notna()
        no_id = reached & ids.isna()
        rejected.append(_rejects(file, np.flatnonzero(no_id.to_numpy()), ccols.customer_id,
                                 customers[ccols.customer_id][no_id], f"missing customer id; {stage} date ignored"))
        revenue = pd.Series(0.0, index=customers.index)
        if stage_revenue and stage in stage_revenue:
            raw = as_text(customers[stage_revenue[stage]])
            revenue = pd.to_numeric(raw, errors="coerce")
            bad = revenue.isna() & raw.notna() & reached
            rejected.append(_rejects(file, np.flatnonzero(bad.to_numpy()), stage_revenue[stage], raw[bad],
                                     "not a number; counted as revenue 0"))
            revenue = revenue.fillna(0.0)
        ok = (reached & ids.notna()).to_numpy()
        frames.append(pd.DataFrame({"user_id": ids[ok], "stage": stage, "ts": ts[ok], "revenue": revenue[ok]}))
    return (pd.concat(frames, ignore_index=True) if frames else _empty_events()), rejected


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({"user_id": pd.Series(dtype="str"), "stage": pd.Series(dtype="str"),
                         "ts": pd.Series(dtype="datetime64[us]"), "revenue": pd.Series(dtype="float64")})


def stage_events(*, customers: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                 customer_mapping: ColumnMapping | None = None, event_mapping: ColumnMapping | None = None,
                 stage_columns: Mapping[str, str] | Sequence[str] | None = None,
                 stage_revenue: Mapping[str, str] | None = None, customer_file: str = "customers",
                 events_file: str = "stage events", dayfirst: bool = False) -> StageEvents:
    """Collect the stages customers reached from a stage-events table and/or customers' date columns.

    Parameters
    ----------
    customers
        Customers file; its stage date columns are guessed (:func:`guess_stage_columns`) unless
        ``stage_columns`` names them (stage → column, or a list of columns).
    events
        Stage-events table; columns guessed unless ``event_mapping`` maps the roles
        ``customer_id, stage, ts, revenue``.
    stage_revenue
        Stage → revenue column on the customers file (e.g. ``{"paid": "paid_amount"}``); other
        stages from that file get revenue 0.

    Returns
    -------
    StageEvents
        ``events`` (``user_id, stage, ts, revenue``) and ``rejected`` (``file, row, column, value, reason``).
    """
    if customers is None and events is None:
        raise DataValidationError("give a stage-events table (events=...) or a customers file with stage "
                                  "date columns (customers=...)")
    parts, rejected = [], []
    if events is not None:
        out, rej = _from_events(events, event_mapping, events_file, dayfirst)
        parts.append(out)
        rejected += rej
    if customers is not None:
        out, rej = _from_customers(customers, customer_mapping, stage_columns, stage_revenue,
                                   customer_file, dayfirst)
        parts.append(out)
        rejected += rej
    ev = pd.concat([_empty_events(), *parts], ignore_index=True).astype(
        {"user_id": "str", "stage": "str", "revenue": "float64"})
    rej = [r for r in rejected if len(r)]
    rej_frame = (pd.concat(rej, ignore_index=True) if rej else pd.DataFrame(columns=STAGE_REJECTED_COLUMNS))
    return StageEvents(ev[STAGE_EVENT_COLUMNS], rej_frame[STAGE_REJECTED_COLUMNS].reset_index(drop=True))


def available_stages(stages: StageEvents) -> list[str]:
    """Stage names in funnel order: most customers first (ties: earlier median time, then name)."""
    ev = stages.events
    if ev.empty:
        return []
    g = ev.groupby("stage").agg(customers=("user_id", "nunique"), median_ts=("ts", "median"))
    g = g.reset_index().sort_values(["customers", "median_ts", "stage"], ascending=[False, True, True])
    return g["stage"].tolist()


def stage_conversions(stages: StageEvents, stage: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Canonical conversions: the first time each customer reached ``stage``.

    ``stage`` is one name, a list (one conversion per customer and stage) or None (every stage).
    Returns ``user_id, ts, stage, revenue`` (revenue of that first event, 0 when unknown), sorted
    by ``ts, user_id``. An unknown stage raises :class:`DataValidationError` listing the known ones.
    """
    known = available_stages(stages)
    wanted = known if stage is None else [stage] if isinstance(stage, str) else list(stage)
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise DataValidationError(f"unknown stage {', '.join(map(repr, unknown))}; the data has: "
                                  f"{', '.join(known) or 'no stages'}")
    ev = stages.events[stages.events["stage"].isin(wanted)]
    first = ev.sort_values("ts", kind="stable").drop_duplicates(["user_id", "stage"], keep="first")
    out = first.sort_values(["ts", "user_id"], kind="stable", ignore_index=True)
    return out[CONVERSION_COLUMNS]
