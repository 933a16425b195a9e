"""The reporting side of identity matching: statistics and the rows that need a human, with reasons."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.identity.normalise import as_text

METHODS = ("customer_id", "phone", "email", "unmatched", "ambiguous", "invalid")
MATCHED = ("customer_id", "phone", "email")
STATS_COLUMNS = ["channel", "method", "rows", "share"]
SUMMARY_COLUMNS = ["method", "rows", "share"]
ISSUE_COLUMNS = ["file", "row", "channel", "ts", "customer_id", "phone", "email", "method", "reason",
                 "candidates"]
CUSTOMER_ISSUE_COLUMNS = ["file", "row", "customer_id", "column", "value", "reason"]
MISSING_CHANNEL = "(missing)"
_MAX_CANDIDATES = 10


@dataclass(frozen=True, eq=False)
class Lookup:
    """Interaction keys looked up on the customer side: owner count and the owner when unique."""

    owners: pd.DataFrame
    count: np.ndarray
    owner: np.ndarray

    @classmethod
    def build(cls, owners: pd.DataFrame, keys: pd.Series) -> Lookup:
        """Look up ``keys`` in the distinct (key, user_id) pairs ``owners``."""
        # One factorize over both sides turns the string lookups into integer indexing.
        codes, uniques = pd.factorize(pd.concat([owners["key"], keys], ignore_index=True))
        own, asked = codes[:len(owners)], codes[len(owners):]
        per_key = np.bincount(own, minlength=len(uniques))
        owner_of = np.full(len(uniques), None, dtype=object)
        owner_of[own] = owners["user_id"].to_numpy(dtype=object)
        found = asked >= 0
        count = np.zeros(len(keys), dtype="int64")
        count[found] = per_key[asked[found]]
        owner = np.full(len(keys), None, dtype=object)
        single = found.copy()
        single[found] = count[found] == 1
        owner[single] = owner_of[asked[single]]
        return cls(owners, count, owner)

    def candidates(self, keys: pd.Series) -> pd.Series:
        """Sorted ids owning each key, comma-separated (at most ten, then "...")."""
        wanted = self.owners[self.owners["key"].isin(keys.dropna().unique())]
        joined = wanted.sort_values("user_id").groupby("key")["user_id"].agg(
            lambda s: ", ".join(s.iloc[:_MAX_CANDIDATES]) + (", ..." if len(s) > _MAX_CANDIDATES else ""))
        return keys.map(joined).astype("str")


@dataclass(frozen=True, eq=False)
class Evidence:
    """What each interaction row carried and what it points to on the customer side.

    ``cid``: normalised customer id per row; ``by_id``: that id is in the customers file;
    ``phone``/``email``: normalisation frames per row; ``pl``/``el``: their lookups.
    """

    cid: pd.Series
    by_id: np.ndarray
    phone: pd.DataFrame
    email: pd.DataFrame
    pl: Lookup
    el: Lookup


def _join(parts: list[pd.Series]) -> pd.Series:
    """Join the non-empty reason parts of each row with "; "."""
    out = parts[0]
    for p in parts[1:]:
        sep = np.where((out != "") & (p != ""), "; ", "")
        out = out + sep + p
    return out


def _part(mask: np.ndarray | pd.Series, text: pd.Series) -> pd.Series:
    return text.where(np.asarray(mask), "").fillna("")


def issue_frame(x: pd.DataFrame, mask: np.ndarray, method: np.ndarray, identity_method: np.ndarray,
                ev: Evidence) -> pd.DataFrame:
    """The unmatched, ambiguous and invalid interactions with the reasons why (see ISSUE_COLUMNS)."""
    cid, xp, xe, pl, el, by_id = ev.cid, ev.phone, ev.email, ev.pl, ev.el, ev.by_id
    rows = np.flatnonzero(mask)
    sub = x.iloc[rows].reset_index(drop=True)
    c, p, e = cid.iloc[rows].reset_index(drop=True), xp.iloc[rows].reset_index(drop=True), \
        xe.iloc[rows].reset_index(drop=True)
    pc, ec, eo = pl.count[rows], el.count[rows], pd.Series(el.owner[rows], dtype="str")
    ident = identity_method[rows]
    failed = ~np.isin(ident, ("customer_id", "phone", "email"))
    raw_phone, raw_email = as_text(sub["_phone"]), as_text(sub["_email"])
    parts = [
        _part(sub["ts"].isna() & sub["_ts_raw"].isna(), pd.Series("missing timestamp", index=sub.index)),
        _part(sub["ts"].isna() & sub["_ts_raw"].notna(), "timestamp '" + sub["_ts_raw"] + "' is not a date/time"),
        _part(sub["channel"].isna(), pd.Series("missing channel", index=sub.index)),
        _part(failed & c.notna().to_numpy() & ~by_id[rows], "customer id '" + c + "' not in the customers file"),
        _part(failed & p["reason"].notna().to_numpy(), "phone '" + raw_phone + "': " + p["reason"]),
        _part(failed & (pc == 0), "phone " + p["phone"] + " not in the customers file"),
        _part(failed & (pc > 1), "phone " + p["phone"] + " shared by " + pd.Series(pc).astype("str")
              + " customers"),
        _part(failed & e["reason"].notna().to_numpy(), "e-mail '" + raw_email + "': " + e["reason"]),
        _part(failed & (ec == 0), "e-mail " + e["email"] + " not in the customers file"),
        _part(failed & (ec > 1), "e-mail " + e["email"] + " shared by " + pd.Series(ec).astype("str")
              + " customers"),
        _part(failed & (ec == 1) & (pc > 1), "e-mail " + e["email"] + " belongs to customer " + eo
              + ", who does not share the phone"),
        _part(failed & c.isna().to_numpy() & raw_phone.isna().to_numpy() & raw_email.isna().to_numpy(),
              pd.Series("no customer id, phone or e-mail", index=sub.index)),
    ]
    amb = ident == "ambiguous"
    cand = pd.Series(pd.NA, index=sub.index, dtype="str")
    use_phone = amb & (pc > 1)
    cand[use_phone] = pl.candidates(p["phone"][use_phone])
    cand[amb & ~use_phone] = el.candidates(e["email"][amb & ~use_phone])
    return pd.DataFrame({
        "file": sub["_file"].astype("str"), "row": sub["_row"].astype("int64"),
        "channel": sub["channel"], "ts": sub["_ts_raw"], "customer_id": as_text(sub["_cid"]),
        "phone": raw_phone, "email": raw_email, "method": pd.Series(method[rows], dtype="str"),
        "reason": _join(parts), "candidates": cand,
    }, columns=ISSUE_COLUMNS)


def match_stats(channel: pd.Series, method: np.ndarray) -> pd.DataFrame:
    """Rows per channel and method (every method listed, zeros included) and share of the channel."""
    chan = channel.fillna(MISSING_CHANNEL).to_numpy()
    counts = pd.DataFrame({"channel": chan, "method": method}).groupby(["channel", "method"]).size()
    full = pd.MultiIndex.from_product([sorted(set(chan)), METHODS], names=["channel", "method"])
    out = counts.reindex(full, fill_value=0).rename("rows").reset_index()
    totals = out.groupby("channel")["rows"].transform("sum")
    out["share"] = np.where(totals > 0, out["rows"] / totals.where(totals > 0, 1), 0.0)
    return out.astype({"channel": "str", "method": "str", "rows": "int64", "share": "float64"})


def method_summary(stats: pd.DataFrame) -> pd.DataFrame:
    """``method, rows, share`` over all channels from a :func:`match_stats` frame."""
    rows = stats.groupby("method")["rows"].sum().reindex(list(METHODS), fill_value=0)
    total = int(rows.sum())
    return pd.DataFrame({"method": list(METHODS), "rows": rows.to_numpy(dtype="int64"),
                         "share": rows.to_numpy() / total if total else np.zeros(len(METHODS))})


def _shared(long: pd.DataFrame, owners: pd.DataFrame, what: str) -> pd.DataFrame:
    counts = owners["key"].value_counts()
    n = long["key"].map(counts).fillna(0).astype("int64")
    hit = long[(n > 1).to_numpy() & long["user_id"].notna().to_numpy()]
    lookup = Lookup(owners, np.zeros(0), np.zeros(0))
    reason = (what + " " + hit["key"] + " shared by " + n[hit.index].astype("str") + " customers ("
              + lookup.candidates(hit["key"]) + "): interactions from it are reported as ambiguous")
    return hit.assign(reason=reason)


def customer_issues(customers: pd.DataFrame, cols, ids: pd.Series, cphone: pd.DataFrame,
                    cemail: pd.DataFrame, phone_owners: pd.DataFrame, email_owners: pd.DataFrame,
                    file: str) -> pd.DataFrame:
    """Problems in the customers file, one row each (see CUSTOMER_ISSUE_COLUMNS)."""
    missing = np.flatnonzero(ids.isna().to_numpy())
    frames = [pd.DataFrame({
        "row": missing, "column": cols.customer_id, "value": pd.NA, "user_id": pd.NA,
        "reason": "missing customer id: the row's phones and e-mails cannot be matched; fill in the id"})]
    for long, what in ((cphone, "phone"), (cemail, "e-mail")):
        bad = long[long["reason"].notna()]
        frames.append(bad.assign(reason="invalid " + what + ": " + bad["reason"]))
        frames.append(_shared(long, phone_owners if what == "phone" else email_owners, what))
    keep = ["row", "user_id", "column", "value", "reason"]
    out = pd.concat([f[keep] for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame({k: pd.Series(dtype="int64" if k == "row" else "str") for k in keep})
    out = out.sort_values(["row", "column"], kind="stable", ignore_index=True)
    return pd.DataFrame({"file": pd.Series(file, index=out.index, dtype="str"),
                         "row": out["row"].astype("int64"), "customer_id": out["user_id"].astype("str"),
                         "column": out["column"].astype("str"), "value": out["value"].astype("str"),
                         "reason": out["reason"].astype("str")}, columns=CUSTOMER_ISSUE_COLUMNS)
