"""Match offline interactions (calls, e-mails, web forms) to customers, and report what did not match.

Rules, in order, for each interaction row:

1. **customer id**: an id present in the customers file wins, whatever the phone or e-mail say.
   An id that is not in the file is not a contradiction (it points to nobody): the row goes on.
2. **phone**: a normalised number owned by exactly one customer matches that customer.
3. **e-mail**: likewise, when the phone gave no match.

A phone or e-mail shared by several customers is ambiguous and never guessed. The one exception
is agreement: if the phone is shared by customers {A, B} and the e-mail points to exactly one of
them, the e-mail settles it (method ``email``). An e-mail pointing to someone outside {A, B}
contradicts the phone, and the row stays ambiguous. The first unique match wins: a unique phone
match is not second-guessed by the e-mail.

A row whose timestamp or channel is unusable, or that has no usable identifier at all, is
``invalid``; a row with a usable identifier that is in no customer's record is ``unmatched``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.identity.columns import (
    ColumnMapping,
    CustomerColumns,
    InteractionColumns,
    guess_customer_columns,
    guess_interaction_columns,
)
from attribution.identity.normalise import as_text, normalise_emails, normalise_ids, parse_timestamps
from attribution.identity.phones import PhoneValidation, normalise_phones
from attribution.identity.report import (
    MATCHED,
    Evidence,
    Lookup,
    customer_issues,
    issue_frame,
    match_stats,
    method_summary,
)

_CANONICAL = ("user_id", "ts", "channel", "campaign", "match_method")


@dataclass(frozen=True)
class MatchOptions:
    """How identifiers are normalised. Hashable, so it can key a cache.

    ``region``: country of numbers written without a country code (ISO code, e.g. GB, US, DE).
    ``phone_validation``: ``"valid"`` (numbering plan) or ``"possible"`` (length only).
    ``email_strip_plus``: drop ``+tags`` from every address. ``email_gmail_dots``: Gmail-only
    rewrite (dots and ``+tags`` dropped). ``dayfirst``: read 03/04/2024 as 3 April.
    """

    region: str = "GB"
    phone_validation: PhoneValidation = "valid"
    email_strip_plus: bool = False
    email_gmail_dots: bool = False
    dayfirst: bool = False


@dataclass(frozen=True, eq=False)
class InteractionFile:
    """One interaction file: its rows, a name for messages, a column mapping and a constant channel.

    ``mapping`` overrides guessed columns (see :func:`guess_interaction_columns`); ``channel``
    gives every row one channel (e.g. ``"Phone"`` for a call log without a channel column).
    """

    frame: pd.DataFrame
    name: str = "interactions"
    mapping: ColumnMapping | InteractionColumns | None = None
    channel: str | None = None

    def columns(self) -> InteractionColumns:
        """The columns used for this file (the mapping, or guesses where it is silent)."""
        mapping = asdict(self.mapping) if isinstance(self.mapping, InteractionColumns) else self.mapping
        return guess_interaction_columns(self.frame, mapping, file=self.name, channel=self.channel)


@dataclass(frozen=True, eq=False)
class IdentityMatch:
    """Result of :func:`match_interactions`.

    ``touchpoints``: matched rows in the canonical touchpoints shape: ``user_id`` (str), ``ts``
    (datetime64, naive UTC), ``channel`` (str), ``campaign`` (when any file has one), the files'
    other columns unchanged (identifier columns dropped; a name clash gets ``_original``), and
    ``match_method`` (customer_id/phone/email). Rows keep file order.
    ``stats``: ``channel, method, rows, share`` for every channel × method (zeros included; share
    of the channel's rows). ``issues``: one row per unmatched, ambiguous or invalid interaction:
    ``file, row`` (0-based position in that file), ``channel, ts, customer_id, phone, email`` (as
    given), ``method, reason, candidates`` (ids sharing the phone/e-mail, for ambiguous rows).
    ``customer_issues``: problems in the customers file: ``file, row, customer_id, column, value,
    reason`` (missing id, invalid phone/e-mail, phone/e-mail shared by several customers).
    """

    touchpoints: pd.DataFrame
    stats: pd.DataFrame
    issues: pd.DataFrame
    customer_issues: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """``method, rows, share`` over all channels (all six methods, zeros included)."""
        return method_summary(self.stats)


def _text_of(values: pd.Series) -> pd.Series:
    """Values as the user would read them (for the issues table)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("str").mask(values.isna())
    return as_text(values)


def _stack(files: Sequence[InteractionFile], dayfirst: bool) -> tuple[pd.DataFrame, list[str]]:
    """All interaction files in one frame with internal column names, plus the kept columns."""
    parts, kept = [], []
    for f in files:
        cols, df = f.columns(), f.frame.reset_index(drop=True)
        used = {cols.ts, cols.channel, cols.customer_id, cols.phone, cols.email, cols.campaign}
        n = len(df)
        absent = pd.Series(pd.NA, index=df.index, dtype="str")
        part = {
            "_file": pd.Series(f.name, index=df.index, dtype="str"), "_row": pd.Series(np.arange(n)),
            "_ts_raw": _text_of(df[cols.ts]), "ts": parse_timestamps(df[cols.ts], dayfirst=dayfirst),
            "channel": _text_of(df[cols.channel]) if cols.channel else pd.Series(f.channel, index=df.index,
                                                                                  dtype="str"),
            "_cid": df[cols.customer_id] if cols.customer_id else absent,
            "_phone": df[cols.phone] if cols.phone else absent,
            "_email": df[cols.email] if cols.email else absent,
        }
        if cols.campaign:
            part["campaign"] = df[cols.campaign]
        for col in df.columns:
            if col in used:
                continue
            name = f"{col}_original" if col in _CANONICAL or str(col).startswith("_") else col
            part[name] = df[col]
            if name not in kept:
                kept.append(name)
        parts.append(pd.DataFrame(part))
    if not parts:
        raise DataValidationError("no interaction files given: pass at least one DataFrame")
    out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    if "campaign" in out.columns:
        kept.insert(0, "campaign")
    return out, kept


def _long(df: pd.DataFrame, ids: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    """One row per (customer row, identifier column) with a present value."""
    frames = [pd.DataFrame({"row": np.arange(len(df)), "column": c, "value": as_text(df[c]).to_numpy(),
                            "user_id": ids.to_numpy()}) for c in columns]
    if not frames:
        return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype="str"),
                             "value": pd.Series(dtype="str"), "user_id": pd.Series(dtype="str")})
    out = pd.concat(frames, ignore_index=True)
    return out[out["value"].notna()].reset_index(drop=True)


def _owners(long: pd.DataFrame) -> pd.DataFrame:
    """Distinct (key, user_id) pairs of customers with an id and a usable key."""
    ok = long["key"].notna() & long["user_id"].notna()
    return long.loc[ok, ["key", "user_id"]].drop_duplicates(ignore_index=True)


def _resolve(rows: np.ndarray, phone_keys: pd.Series, email_keys: pd.Series, phone_owners: pd.DataFrame,
             email_owners: pd.DataFrame) -> pd.Series:
    """For rows whose phone is shared: the one customer both the phone and the e-mail point to."""
    p = pd.DataFrame({"row": rows, "key": phone_keys.to_numpy()}).merge(phone_owners, on="key")
    e = pd.DataFrame({"row": rows, "key": email_keys.to_numpy()}).merge(email_owners, on="key")
    both = p[["row", "user_id"]].merge(e[["row", "user_id"]], on=["row", "user_id"])
    one = both.groupby("row")["user_id"].transform("size") == 1
    return both[one].set_index("row")["user_id"]


def _decide(ev: Evidence, settled: pd.Series, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply the module's rules to every row: (user_id or None, method) arrays."""
    cid, by_id, pl, el = ev.cid, ev.by_id, ev.pl, ev.el
    user = np.where(by_id, cid.to_numpy(dtype=object, na_value=None), None)
    method = np.where(by_id, "customer_id", "").astype(object)
    by_phone = ~by_id & (pl.count == 1)
    user[by_phone], method[by_phone] = pl.owner[by_phone], "phone"
    by_email = ~by_id & (pl.count == 0) & (el.count == 1)
    user[by_email], method[by_email] = el.owner[by_email], "email"
    at = settled.index.to_numpy()
    user[at], method[at] = settled.to_numpy(), "email"
    open_ = method == ""
    ambiguous = open_ & ~by_id & ((pl.count > 1) | ((pl.count == 0) & (el.count > 1)))
    method[ambiguous] = "ambiguous"
    method[(method == "") & usable] = "unmatched"
    method[method == ""] = "invalid"
    return user, method


def match_interactions(customers: pd.DataFrame,
                       interactions: pd.DataFrame | InteractionFile | Sequence[InteractionFile], *,
                       customer_mapping: ColumnMapping | CustomerColumns | None = None,
                       customer_file: str = "customers",
                       options: MatchOptions | None = None) -> IdentityMatch:
    """Give each interaction the ``user_id`` of the one customer it belongs to.

    Parameters
    ----------
    customers
        One row per customer (a customer may span rows with the same id): an id column and any
        number of phone and e-mail columns (typically up to 4 and 2); other columns are ignored.
    interactions
        A DataFrame (columns guessed), an :class:`InteractionFile`, or a list of them.
    customer_mapping
        Overrides for the guessed customer columns (see :func:`guess_customer_columns`).
    customer_file
        Name of the customers file in messages and in ``customer_issues``.
    options
        Normalisation settings (:class:`MatchOptions`; default region GB).

    Returns
    -------
    IdentityMatch
        ``touchpoints``, ``stats``, ``issues``, ``customer_issues`` and ``summary`` (see the class).
        The methods are customer_id, phone, email, unmatched, ambiguous, invalid; every input row
        is counted in exactly one.
    """
    opts = options or MatchOptions()
    if isinstance(interactions, pd.DataFrame):
        interactions = [InteractionFile(interactions)]
    elif isinstance(interactions, InteractionFile):
        interactions = [interactions]
    if isinstance(customer_mapping, CustomerColumns):
        customer_mapping = asdict(customer_mapping)
    ccols = guess_customer_columns(customers, customer_mapping, file=customer_file)
    x, kept = _stack(list(interactions), opts.dayfirst)

    ids = normalise_ids(customers[ccols.customer_id])
    cphone, cemail = _long(customers, ids, ccols.phone), _long(customers, ids, ccols.email)
    phones = normalise_phones(pd.concat([cphone["value"], as_text(x["_phone"])], ignore_index=True),
                              opts.region, validation=opts.phone_validation)
    emails = normalise_emails(pd.concat([cemail["value"], as_text(x["_email"])], ignore_index=True),
                              strip_plus=opts.email_strip_plus, gmail_dots=opts.email_gmail_dots)
    cphone[["key", "reason"]] = phones.iloc[:len(cphone)][["phone", "reason"]].to_numpy()
    cemail[["key", "reason"]] = emails.iloc[:len(cemail)][["email", "reason"]].to_numpy()
    xp = phones.iloc[len(cphone):].reset_index(drop=True)
    xe = emails.iloc[len(cemail):].reset_index(drop=True)
    phone_owners, email_owners = _owners(cphone), _owners(cemail)
    pl, el = Lookup.build(phone_owners, xp["phone"]), Lookup.build(email_owners, xe["email"])

    cid = normalise_ids(x["_cid"])
    by_id = cid.isin(pd.Index(ids.dropna().unique())).to_numpy()
    shared_phone = ~by_id & (pl.count > 1)
    rows = np.flatnonzero(shared_phone & (el.count >= 1))
    settled = _resolve(rows, xp["phone"].iloc[rows], xe["email"].iloc[rows], phone_owners, email_owners)
    usable = cid.notna().to_numpy() | xp["phone"].notna().to_numpy() | xe["email"].notna().to_numpy()
    ev = Evidence(cid, by_id, xp, xe, pl, el)
    user, method = _decide(ev, settled, usable)
    identity_method = method.copy()
    bad_row = x["ts"].isna().to_numpy() | x["channel"].isna().to_numpy()
    method[bad_row] = "invalid"

    matched = np.isin(method, MATCHED)
    tp = x.loc[matched, ["ts", "channel"] + kept].copy()
    tp.insert(0, "user_id", pd.Series(user[matched], index=tp.index, dtype="str"))
    tp["match_method"] = pd.Series(method[matched], index=tp.index, dtype="str")
    issues = issue_frame(x, ~matched, method, identity_method, ev)
    return IdentityMatch(
        touchpoints=tp.reset_index(drop=True),
        stats=match_stats(x["channel"], method),
        issues=issues,
        customer_issues=customer_issues(customers, ccols, ids, cphone, cemail, phone_owners, email_owners,
                                        customer_file),
    )
