"""Which columns of a customers file, an interaction file or a stage-events file hold what.

Columns are guessed from common names and any guess can be overridden with a ``mapping`` of role
to column name (``None`` switches a role off). A required role that is neither guessed nor mapped
raises :class:`~attribution.errors.DataValidationError` naming the file, the role and how to map it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from attribution.errors import DataValidationError

ColumnMapping = Mapping[str, "str | Sequence[str] | None"]

_ID_NAMES = ["customer_id", "customerid", "client_id", "clientid", "cust_id", "customer_number",
             "customer_no", "client_number", "contact_id", "crm_id", "account_id", "customer", "client"]
_TS_NAMES = ["ts", "timestamp", "datetime", "date_time", "event_time", "event_ts", "time", "date",
             "created_at", "created", "occurred_at", "received_at", "sent_at", "submitted_at",
             "call_time", "call_start", "start_time", "started_at"]
_TS_TOKENS = {"timestamp", "datetime", "time", "date", "ts"}
_CHANNEL_NAMES = ["channel", "channel_name", "channel_label", "channel_group", "source", "utm_source",
                  "medium", "utm_medium", "source_medium"]
_CAMPAIGN_NAMES = ["campaign", "campaign_name", "utm_campaign"]
_STAGE_NAMES = ["stage", "stage_name", "status", "event", "event_name", "milestone", "step"]
_REVENUE_NAMES = ["revenue", "value", "amount", "conversion_value", "price", "total"]
_PHONE_TOKENS = {"phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell",
                 "cellphone", "msisdn", "landline"}
_EMAIL_TOKENS = {"email", "emailaddress", "mail"}
# A column called "phone_type" or "email_opt_in" describes a phone or e-mail; it does not hold one.
_NOT_A_VALUE = {"type", "name", "verified", "valid", "opt", "optin", "consent", "status", "country",
                "code", "ext", "extension", "count", "flag", "bounced", "domain"}


def _norm(name: object) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
    return re.sub(r"(^|_)e_mail", r"\1email", text)


def _tokens(name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", name))


def _guess_ts(columns: Sequence[str]) -> str | None:
    """A timestamp column: a known name, else a name with a time word, else one ending in _at."""
    return (_by_names(columns, _TS_NAMES) or next(iter(_by_tokens(columns, _TS_TOKENS)), None)
            or next((c for c in columns if _norm(c).endswith("_at")), None))


def _by_names(columns: Sequence[str], names: Sequence[str]) -> str | None:
    normed = {}
    for col in columns:
        normed.setdefault(_norm(col), col)
    return next((normed[n] for n in names if n in normed), None)


def _by_tokens(columns: Sequence[str], tokens: set[str]) -> list[str]:
    out = []
    for col in columns:
        toks = _tokens(_norm(col))
        if toks & tokens and not toks & _NOT_A_VALUE:
            out.append(col)
    return out


@dataclass(frozen=True)
class CustomerColumns:
    """Columns of a customers file: one id, any number of phone and e-mail columns."""

    customer_id: str
    phone: tuple[str, ...] = ()
    email: tuple[str, ...] = ()


@dataclass(frozen=True)
class InteractionColumns:
    """Columns of an interaction file. ``channel`` is None when the file has one constant channel."""

    ts: str
    channel: str | None = None
    customer_id: str | None = None
    phone: str | None = None
    email: str | None = None
    campaign: str | None = None


@dataclass(frozen=True)
class StageEventColumns:
    """Columns of a stage-events table (one row per customer and stage reached)."""

    customer_id: str
    stage: str
    ts: str
    revenue: str | None = None


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    return () if value is None else (value,) if isinstance(value, str) else tuple(value)


def _check_mapping(df: pd.DataFrame, mapping: ColumnMapping | None, roles: Sequence[str],
                   file: str) -> dict[str, str | tuple[str, ...] | None]:
    """Validate a user mapping: known roles, columns that exist."""
    if mapping is None:
        return {}
    out: dict[str, str | tuple[str, ...] | None] = {}
    for role, value in dict(mapping).items():
        if role not in roles:
            raise DataValidationError(f"{file}: unknown column role {role!r}; roles are {', '.join(roles)}",
                                      file=file)
        cols = (value,) if isinstance(value, str) or value is None else tuple(value)
        for col in cols:
            if col is not None and col not in df.columns:
                raise DataValidationError(
                    f"{file}: column {col!r} (mapped to {role}) not found; the file has columns "
                    f"{', '.join(map(str, df.columns))}. Fix the mapping or the file header.",
                    file=file, column=str(col))
        out[role] = value if isinstance(value, str) or value is None else tuple(value)
    return out


def _missing(file: str, role: str, looked_for: Sequence[str], example: str) -> DataValidationError:
    return DataValidationError(
        f"{file}: no {role} column found (looked for {', '.join(looked_for[:6])}, ...). "
        f"Rename the column or map it, e.g. mapping={{'{role}': '{example}'}}.", file=file, column=role)


def guess_customer_columns(df: pd.DataFrame, mapping: ColumnMapping | None = None, *,
                           file: str = "customers") -> CustomerColumns:
    """Guess (or take from ``mapping``) the id, phone and e-mail columns of a customers file.

    Roles: ``customer_id`` (required), ``phone`` and ``email`` (a column or a list of columns;
    guessed: every column named like phone, phone_1..4, mobile, tel, email, e_mail, email_1..2).
    """
    given = _check_mapping(df, mapping, ["customer_id", "phone", "email"], file)
    cols = [str(c) for c in df.columns]
    cid = given["customer_id"] if "customer_id" in given else _by_names(cols, _ID_NAMES + ["id"])
    if not cid:
        raise _missing(file, "customer_id", _ID_NAMES, "client_ref")
    phones = given["phone"] if "phone" in given else tuple(_by_tokens(cols, _PHONE_TOKENS))
    emails = given["email"] if "email" in given else tuple(_by_tokens(cols, _EMAIL_TOKENS))
    return CustomerColumns(str(cid), _as_tuple(phones), _as_tuple(emails))


def guess_interaction_columns(df: pd.DataFrame, mapping: ColumnMapping | None = None, *,
                              file: str = "interactions", channel: str | None = None) -> InteractionColumns:
    """Guess (or take from ``mapping``) the columns of one interaction file (calls, e-mails, forms).

    Roles: ``ts`` (required), ``channel`` (required unless ``channel`` gives one constant channel
    for the whole file, e.g. ``"Phone"``), ``customer_id``, ``phone``, ``email`` (at least one),
    ``campaign`` (optional). ``id`` and ``user_id`` are never guessed as the customer id here (in
    interaction files they are usually the row's or the website's own id): map them if they are.
    """
    roles = ["ts", "channel", "customer_id", "phone", "email", "campaign"]
    given = _check_mapping(df, mapping, roles, file)
    cols = [str(c) for c in df.columns]

    def pick(role: str, guess: str | None) -> str | None:
        value = given[role] if role in given else guess
        if isinstance(value, tuple):
            raise DataValidationError(f"{file}: map one column to {role}, not {len(value)}", file=file,
                                      column=role)
        return value

    ts = pick("ts", _guess_ts(cols))
    if not ts:
        raise _missing(file, "ts", _TS_NAMES, "call_started")
    chan = None if channel is not None else pick("channel", _by_names(cols, _CHANNEL_NAMES))
    if channel is None and not chan:
        raise DataValidationError(
            f"{file}: no channel column found (looked for {', '.join(_CHANNEL_NAMES[:5])}, ...). Map one, "
            "e.g. mapping={'channel': 'source'}, or give the file one channel, e.g. channel='Phone'.",
            file=file, column="channel")
    out = InteractionColumns(
        ts=ts, channel=chan, customer_id=pick("customer_id", _by_names(cols, _ID_NAMES)),
        phone=pick("phone", next(iter(_by_tokens(cols, _PHONE_TOKENS | {"caller"})), None)),
        email=pick("email", next(iter(_by_tokens(cols, _EMAIL_TOKENS)), None)),
        campaign=pick("campaign", _by_names(cols, _CAMPAIGN_NAMES)))
    if not (out.customer_id or out.phone or out.email):
        raise DataValidationError(
            f"{file}: no customer id, phone or e-mail column found, so no row can be matched to a "
            "customer. Map one, e.g. mapping={'phone': 'caller_number'}.", file=file, column="phone")
    return out


def guess_stage_event_columns(df: pd.DataFrame, mapping: ColumnMapping | None = None, *,
                              file: str = "stage events") -> StageEventColumns:
    """Guess (or take from ``mapping``) the columns of a stage-events table.

    Roles: ``customer_id``, ``stage``, ``ts`` (required) and ``revenue`` (optional; guessed from
    revenue, value, amount, ...).
    """
    given = _check_mapping(df, mapping, ["customer_id", "stage", "ts", "revenue"], file)
    cols = [str(c) for c in df.columns]
    found = {
        "customer_id": _by_names(cols, _ID_NAMES + ["user_id", "id"]),
        "stage": _by_names(cols, _STAGE_NAMES),
        "ts": _guess_ts(cols),
        "revenue": _by_names(cols, _REVENUE_NAMES),
    }
    found.update(given)
    examples = {"customer_id": ("client_ref", _ID_NAMES), "stage": ("status", _STAGE_NAMES),
                "ts": ("changed_at", _TS_NAMES)}
    for role, (example, names) in examples.items():
        if not found[role]:
            raise _missing(file, role, names, example)
    return StageEventColumns(**found)
