"""Canonical columns of each input role, and guessing which source column holds each.

A mapping is a dict ``canonical column -> source column`` (None = not present). It may also carry
reading options under the keys in :data:`OPTION_KEYS` (``encoding``, ``delimiter``, ``ts_format``).
"""
from __future__ import annotations

import difflib
import re

from attribution.errors import DataValidationError

ROLES = ("touchpoints", "conversions", "spend", "event_log", "paths", "ihc_journeys")

REQUIRED: dict[str, list[str]] = {
    "touchpoints": ["user_id", "ts", "channel"],
    "conversions": ["user_id", "ts"],
    "spend": ["date", "channel", "spend"],
    "event_log": ["user_id", "ts", "channel", "conversion"],
    "paths": ["path", "conversions"],
    "ihc_journeys": ["conversion_id", "session_id", "ts", "channel"],
}
OPTIONAL: dict[str, list[str]] = {
    "touchpoints": ["campaign", "cost", "session_id", "interaction", "holder_engagement",
                    "closer_engagement"],
    "conversions": ["revenue", "conversion_id", "stage"],
    "spend": ["campaign", "impressions", "clicks"],
    "event_log": ["revenue", "interaction", "campaign", "cost", "session_id", "conversion_id", "stage"],
    "paths": ["revenue", "nulls"],
    "ihc_journeys": ["holder_engagement", "closer_engagement", "conversion", "impression_interaction",
                     "revenue"],
}
#: reading options a mapping may carry next to its columns
OPTION_KEYS = ("encoding", "delimiter", "ts_format")

DESCRIPTIONS = {
    "user_id": "the user, cookie or customer id", "ts": "the date and time of the event",
    "channel": "the marketing channel", "date": "the day", "spend": "the amount spent",
    "conversion": "the 0/1 conversion flag", "path": "the channel path, e.g. 'A > B > C'",
    "conversions": "the number of conversions", "conversion_id": "the conversion (journey) id",
    "session_id": "the session id", "revenue": "the conversion value", "nulls": "non-conversions",
}

_USER = ["user_id", "userid", "user", "cookie", "cookie_id", "customer_id", "customer", "client_id",
         "client", "visitor_id", "visitor", "anonymous_id", "user_pseudo_id", "fullvisitorid",
         "person_id", "contact_id", "lead_id", "device_id", "uid"]
_TS = ["ts", "timestamp", "time", "datetime", "date_time", "event_time", "event_timestamp", "time_stamp",
       "event_datetime", "touch_time", "touchpoint_time", "visit_time", "session_start", "created_at",
       "occurred_at", "date", "event_date", "day"]
_CONV_TS = ["conversion_time", "conversion_timestamp", "conversion_ts", "conv_time", "converted_at",
            "conversion_date", "conv_date", "order_time", "order_timestamp", "order_date",
            "purchase_time", "purchase_date"] + _TS
_CHANNEL = ["channel", "channel_name", "channel_label", "channel_group", "marketing_channel",
            "default_channel_group", "source_medium", "utm_source", "source", "medium", "utm_medium",
            "traffic_source", "touchpoint", "platform", "network"]
_CAMPAIGN = ["campaign", "campaign_name", "utm_campaign", "campaign_id", "ad_campaign"]
_COST = ["cost", "costs", "touch_cost", "session_cost", "media_cost", "cost_eur", "cost_usd"]
_SESSION = ["session_id", "session", "sessionid", "visit_id", "visitid"]
_INTERACTION = ["interaction", "interaction_type", "touch_type", "touchpoint_type", "event_type", "type"]
_REVENUE = ["revenue", "conversion_value", "value", "amount", "order_value", "sales", "total", "price",
            "income", "gmv", "transaction_value", "total_revenue", "total_conversion_value"]
_CONV_ID = ["conversion_id", "conv_id", "order_id", "transaction_id", "purchase_id", "journey_id"]
_STAGE = ["stage", "funnel_stage", "conversion_stage", "lifecycle_stage", "conversion_type", "status"]
_FLAG = ["conversion", "converted", "is_conversion", "conversion_flag", "is_converted", "has_converted",
         "conv", "purchase", "is_purchase"]

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "touchpoints": {"user_id": _USER, "ts": _TS, "channel": _CHANNEL, "campaign": _CAMPAIGN,
                    "cost": _COST + ["spend"], "session_id": _SESSION, "interaction": _INTERACTION,
                    "holder_engagement": ["holder_engagement"],
                    "closer_engagement": ["closer_engagement"]},
    "conversions": {"user_id": _USER, "ts": _CONV_TS, "revenue": _REVENUE, "conversion_id": _CONV_ID,
                    "stage": _STAGE + ["event_name", "event"]},
    "spend": {"date": ["date", "day", "event_date", "date_day", "report_date", "week", "date_week",
                       "start_of_week", "week_start", "period", "month", "ts", "time", "timestamp"],
              "channel": _CHANNEL, "spend": ["spend", "cost", "costs", "amount_spent", "media_spend",
                                             "ad_spend", "spend_eur", "spend_usd", "budget", "amount"],
              "campaign": _CAMPAIGN, "impressions": ["impressions", "impression", "impr", "imps", "views"],
              "clicks": ["clicks", "click"]},
    "event_log": {"user_id": _USER, "ts": _TS, "channel": _CHANNEL, "conversion": _FLAG,
                  "revenue": _REVENUE, "interaction": _INTERACTION, "campaign": _CAMPAIGN,
                  "cost": _COST, "session_id": _SESSION, "conversion_id": _CONV_ID, "stage": _STAGE},
    "paths": {"path": ["path", "paths", "channel_path", "user_path", "journey", "customer_journey",
                       "touchpoints", "path_channels", "channels"],
              "conversions": ["total_conversions", "conversions", "total_conversion", "conversion_count",
                              "n_conversions", "conversion", "conv", "converted", "total_conv"],
              "revenue": ["total_conversion_value", "conversion_value", "total_value", "value", "revenue",
                          "total_revenue", "conversion_values"],
              "nulls": ["total_null", "total_nulls", "nulls", "null", "non_conversions",
                        "total_non_conversions", "non_converting", "no_conversion", "lost"]},
    "ihc_journeys": {"conversion_id": ["conversion_id", "conv_id", "journey_id"],
                     "session_id": _SESSION, "ts": _TS, "channel": _CHANNEL,
                     "holder_engagement": ["holder_engagement"], "closer_engagement": ["closer_engagement"],
                     "conversion": _FLAG, "impression_interaction": ["impression_interaction", "impression"],
                     "revenue": _REVENUE},
}


def normalise(name: str) -> str:
    """Compare-friendly column name: camelCase -> snake, lower case, punctuation -> '_'."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name).strip())
    return re.sub(r"[^0-9a-z]+", "_", s.lower()).strip("_")


def _check_role(role: str) -> None:
    if role not in REQUIRED:
        raise DataValidationError(f"unknown input role {role!r}; choose one of: {', '.join(ROLES)}")


def guess_mapping(columns: list[str], role: str) -> dict[str, str | None]:
    """Guess the source column of every canonical column of ``role`` from common names.

    Parameters
    ----------
    columns : list of str
        Column names of the file.
    role : str
        One of 'touchpoints', 'conversions', 'spend', 'event_log', 'paths', 'ihc_journeys'.

    Returns
    -------
    dict
        Every required and optional canonical column of the role mapped to a source column, or to
        None when no column looks like it. Each source column is used at most once.
    """
    _check_role(role)
    wanted = REQUIRED[role] + OPTIONAL[role]
    norm = {c: normalise(c) for c in columns}
    used: set[str] = set()
    out: dict[str, str | None] = dict.fromkeys(wanted)
    # pass 1: exact (normalised) names, synonyms in priority order
    for canon in wanted:
        for syn in SYNONYMS[role][canon]:
            hit = next((c for c in columns if c not in used and norm[c] == syn), None)
            if hit is not None:
                out[canon] = hit
                used.add(hit)
                break
    # pass 2: a synonym of 3+ letters as a whole word inside a longer name ("Event Time (UTC)")
    for canon in wanted:
        if out[canon] is not None:
            continue
        for syn in SYNONYMS[role][canon]:
            if len(syn) < 3:
                continue
            pat = re.compile(rf"(^|_){re.escape(syn)}(_|$)")
            hit = next((c for c in columns if c not in used and pat.search(norm[c])), None)
            if hit is not None:
                out[canon] = hit
                used.add(hit)
                break
    return out


def closest_columns(canon: str, role: str, columns: list[str], n: int = 3) -> list[str]:
    """Source columns whose names look most like ``canon`` or its synonyms (for error messages)."""
    norm = {normalise(c): c for c in columns}
    hits: list[str] = []
    for syn in [canon, *SYNONYMS[role].get(canon, [])]:
        for m in difflib.get_close_matches(syn, list(norm), n=n, cutoff=0.6):
            if norm[m] not in hits:
                hits.append(norm[m])
    return hits[:n]


def resolve_mapping(role: str, columns: list[str], given: dict | None, file: str,
                    found_with: str = "") -> dict[str, str]:
    """The mapping to load with: guesses, overridden by ``given``; checked against ``columns``.

    Returns only the canonical columns that are present (options are dropped).

    Raises
    ------
    DataValidationError
        A given column name is not in the file, or a required column is neither given nor guessed.
    """
    _check_role(role)
    given = dict(given or {})
    known = set(REQUIRED[role] + OPTIONAL[role] + list(OPTION_KEYS))
    unknown = sorted(set(given) - known)
    if unknown:
        raise DataValidationError(
            f"mapping for {role} has unknown keys {unknown}; valid keys: "
            f"{', '.join(REQUIRED[role] + OPTIONAL[role] + list(OPTION_KEYS))}.", file=file)
    merged = guess_mapping(columns, role)
    for canon, col in given.items():
        if canon in OPTION_KEYS:
            continue
        if col is not None and col not in columns:
            raise DataValidationError(
                f"{file}: the mapping says {canon} is in column {col!r}, but there is no such column"
                f"{found_with}. Columns found: {_list(columns)}. Fix the mapping.", file=file, column=col)
        merged[canon] = col
    for canon in REQUIRED[role]:
        if merged.get(canon) is None:
            close = closest_columns(canon, role, columns)
            hint = f" Closest names: {_list(close)}." if close else ""
            what = (f"{file}: no column for {canon} ({DESCRIPTIONS.get(canon, canon)}) in the {role} file. "
                    f"Columns found{found_with}: {_list(columns)}.{hint} Rename the column in the file or ")
            raise DataValidationError(
                what + f"map it: mappings={{'{role}': {{'{canon}': '<column name>'}}}}.", file=file, column=canon,
                shown_as={"app": what + f"choose the column for {canon} in the column mapping.",
                          "cli": what + f"map it: --map {role}.{canon}=<column name>."})
    return {k: v for k, v in merged.items() if v is not None}


def _list(cols: list[str]) -> str:
    shown = ", ".join(repr(c) for c in cols[:30])
    return shown + (f" and {len(cols) - 30} more" if len(cols) > 30 else "") if cols else "(none)"
