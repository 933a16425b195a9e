"""Matching interactions to customers: id, then phone, then e-mail; ambiguity reported, never guessed."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.identity import (
    METHODS,
    InteractionFile,
    MatchOptions,
    match_interactions,
    normalise_emails,
    normalise_phones,
)

CUSTOMERS = pd.DataFrame({
    "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6", None],
    "phone_1": ["020 7946 0001", "+44 20 7946 0002", "(020) 7946-0099", "0044 20 7946 0004 x12",
                "+1 (212) 555-0123", "12", "020 7946 0007"],
    "phone_2": [None, "020 7946 0099", None, None, None, None, None],
    "mobile": ["07400 111111", None, None, None, None, None, None],
    "email": ["ann@example.com", " BOB@example.com ", "carol@example.com", "family@example.com",
              "dave@example.com", "erin@example.com", "ghost@example.com"],
    "email_2": [None, None, "family@example.com", None, None, None, None],
    "segment": list("abcdefg"),
})

T = "2024-03-01 09:00"
# (client, caller, email, call_time) → expected (method, user_id)
CALLS = [
    ("C1", "020 7946 0002", None, T, "customer_id", "C1"),       # id wins over C2's phone
    ("C99", "02079460001", None, T, "phone", "C1"),              # unknown id: phone decides
    (None, "+44 (0)20 7946 0002", None, T, "phone", "C2"),
    (None, "020 7946 0004 ext. 5", None, T, "phone", "C4"),      # extension ignored
    (None, "020 7946 0099", None, T, "ambiguous", None),         # phone of C2 and C3
    (None, "020-7946-0099", "Carol@Example.com", T, "email", "C3"),  # e-mail settles it
    (None, "020 7946 0099", "ann@example.com", T, "ambiguous", None),  # e-mail contradicts
    (None, "07400 111111", "bob@example.com", T, "phone", "C1"),  # unique phone wins
    (None, "12", None, T, "invalid", None),
    (None, "12345", "nobody@example.com", T, "unmatched", None),
    (None, None, None, T, "invalid", None),
    (None, "001 212 555 0123", None, T, "phone", "C5"),          # 00 international prefix
    (None, "020 7946 0007", None, T, "unmatched", None),         # owner row has no id
    (None, "020 7946 0001", None, "not a time", "invalid", None),
    (" C2 ", None, None, T, "customer_id", "C2"),
]
# (source, Email Address, submitted_at) → expected (method, user_id)
FORMS = [
    ("Web form", "  ANN@EXAMPLE.COM ", T, "email", "C1"),
    ("Web form", "family@example.com", T, "ambiguous", None),
    ("Web form", "not-an-email", T, "invalid", None),
    (None, "dave@example.com", T, "invalid", None),              # missing channel
    ("Web form", "erin@example.com", T, "email", "C6"),
]


def _files():
    calls = pd.DataFrame({"client": [r[0] for r in CALLS], "caller": [r[1] for r in CALLS],
                          "email": [r[2] for r in CALLS], "call_time": [r[3] for r in CALLS],
                          "duration": range(len(CALLS))})
    forms = pd.DataFrame({"source": [r[0] for r in FORMS], "Email Address": [r[1] for r in FORMS],
                          "submitted_at": [r[2] for r in FORMS], "campaign": "spring",
                          "page": "/contact", "user_id": "web-42"})
    return [InteractionFile(calls, "calls.csv", mapping={"customer_id": "client"}, channel="Phone"),
            InteractionFile(forms, "forms.csv")]


@pytest.fixture(scope="module")
def result():
    return match_interactions(CUSTOMERS, _files(), customer_file="crm.csv")


def _expected():
    rows = [("calls.csv", i, "Phone", r[4], r[5]) for i, r in enumerate(CALLS)]
    rows += [("forms.csv", i, r[0] or "(missing)", r[3], r[4]) for i, r in enumerate(FORMS)]
    return rows


def test_every_row_gets_the_expected_method_and_customer(result):
    issues = result.issues.set_index(["file", "row"])
    tp = result.touchpoints
    matched = iter(tp.itertuples(index=False))
    for file, row, _channel, method, user in _expected():
        if user is None:
            assert issues.loc[(file, row), "method"] == method, (file, row)
        else:
            assert (file, row) not in issues.index
            t = next(matched)
            assert (t.user_id, t.match_method) == (user, method), (file, row)
    assert next(matched, None) is None


def test_reasons_say_why(result):
    reason = result.issues.set_index(["file", "row"])["reason"]
    assert reason[("calls.csv", 4)] == "phone +442079460099 shared by 2 customers"
    assert reason[("calls.csv", 6)] == ("phone +442079460099 shared by 2 customers; e-mail ann@example.com "
                                        "belongs to customer C1, who does not share the phone")
    assert reason[("calls.csv", 8)] == "phone '12': too short"
    assert reason[("calls.csv", 9)] == ("phone '12345': local number only (area code missing); "
                                        "e-mail nobody@example.com not in the customers file")
    assert reason[("calls.csv", 10)] == "no customer id, phone or e-mail"
    assert reason[("calls.csv", 12)] == "phone +442079460007 not in the customers file"
    assert reason[("calls.csv", 13)] == "timestamp 'not a time' is not a date/time"
    assert reason[("forms.csv", 1)] == "e-mail family@example.com shared by 2 customers"
    assert reason[("forms.csv", 2)] == "e-mail 'not-an-email': not an e-mail address"
    assert reason[("forms.csv", 3)] == "missing channel"
    cand = result.issues.set_index(["file", "row"])["candidates"]
    assert cand[("calls.csv", 4)] == "C2, C3" and cand[("forms.csv", 1)] == "C3, C4"
    assert pd.isna(cand[("calls.csv", 8)])


def test_issue_rows_keep_the_values_as_given(result):
    row = result.issues.set_index(["file", "row"]).loc[("calls.csv", 9)]
    assert (row["channel"], row["ts"], row["phone"], row["email"]) == ("Phone", T, "12345", "nobody@example.com")
    assert list(result.issues.columns) == ["file", "row", "channel", "ts", "customer_id", "phone", "email",
                                           "method", "reason", "candidates"]


def test_touchpoints_are_canonical(result):
    tp = result.touchpoints
    assert list(tp.columns) == ["user_id", "ts", "channel", "campaign", "duration", "page", "user_id_original",
                                "match_method"]
    assert tp["ts"].dtype.kind == "M" and tp["ts"].eq(pd.Timestamp(T)).all()
    assert tp["user_id"].notna().all() and tp["channel"].notna().all()
    # calls keep their extra column, forms theirs; identifiers themselves are not carried over
    assert tp.loc[tp["channel"] == "Phone", "duration"].tolist() == [0, 1, 2, 3, 5, 7, 11, 14]
    assert set(tp.loc[tp["channel"] == "Web form", "campaign"]) == {"spring"}


def test_stats_by_channel_and_method(result):
    st = result.stats.set_index(["channel", "method"])["rows"]
    # calls: id 2 (rows 0, 14), phone 5 (1, 2, 3, 7, 11), email 1 (5), ambiguous 2 (4, 6),
    # invalid 3 (8, 10, 13), unmatched 2 (9, 12) = 15 rows
    assert [st[("Phone", m)] for m in METHODS] == [2, 5, 1, 2, 2, 3]
    assert [st[("Web form", m)] for m in METHODS] == [0, 0, 2, 0, 1, 1]
    assert [st[("(missing)", m)] for m in METHODS] == [0, 0, 0, 0, 0, 1]
    shares = result.stats.groupby("channel")["share"].sum()
    assert np.allclose(shares, 1.0)
    summary = result.summary
    assert summary["method"].tolist() == list(METHODS)
    assert summary["rows"].sum() == len(CALLS) + len(FORMS)
    assert summary["rows"].sum() == len(result.touchpoints) + len(result.issues)
    assert summary.set_index("method")["rows"]["phone"] == 5


def test_customer_issues(result):
    ci = result.customer_issues
    assert list(ci.columns) == ["file", "row", "customer_id", "column", "value", "reason"]
    assert set(ci["file"]) == {"crm.csv"}
    got = {(r.row, r.column): r.reason for r in ci.itertuples()}
    assert got[(5, "phone_1")] == "invalid phone: too short"
    assert got[(6, "customer_id")].startswith("missing customer id")
    shared = "phone +442079460099 shared by 2 customers (C2, C3): interactions from it are reported as ambiguous"
    assert got[(1, "phone_2")] == shared and got[(2, "phone_1")] == shared
    assert got[(2, "email_2")].startswith("e-mail family@example.com shared by 2 customers (C3, C4)")
    assert got[(3, "email")].startswith("e-mail family@example.com shared by 2 customers (C3, C4)")
    assert len(ci) == 6


def test_a_plain_frame_with_guessed_columns_and_numeric_ids():
    customers = pd.DataFrame({"client_id": [101.0, 102.0, np.nan], "tel": ["020 7946 0001", None, None]})
    inter = pd.DataFrame({"timestamp": ["2024-01-01T10:00:00Z"] * 3, "channel": ["Phone"] * 3,
                          "customer_id": [102, None, None], "phone": [None, "+442079460001", "0207946000"]})
    r = match_interactions(customers, inter)
    assert r.touchpoints["user_id"].tolist() == ["102", "101"]
    assert r.touchpoints["match_method"].tolist() == ["customer_id", "phone"]
    assert r.issues["reason"].tolist() == ["phone '0207946000': invalid for region GB"]


def test_region_option_changes_national_numbers():
    customers = pd.DataFrame({"customer_id": ["U1"], "phone": ["(212) 555-0123"]})
    inter = pd.DataFrame({"ts": [T], "channel": ["Phone"], "phone": ["212.555.0123"]})
    assert match_interactions(customers, inter, options=MatchOptions(region="US")).touchpoints["user_id"].tolist() \
        == ["U1"]
    gb = match_interactions(customers, inter)    # the same digits read as UK numbers are invalid
    assert gb.issues["method"].tolist() == ["invalid"]


def test_gmail_option_merges_gmail_spellings():
    customers = pd.DataFrame({"customer_id": ["G1"], "email": ["ann.smith@gmail.com"]})
    inter = pd.DataFrame({"ts": [T], "channel": ["Email"], "email": ["AnnSmith+promo@googlemail.com"]})
    assert match_interactions(customers, inter).summary.set_index("method")["rows"]["unmatched"] == 1
    on = match_interactions(customers, inter, options=MatchOptions(email_gmail_dots=True))
    assert on.touchpoints["user_id"].tolist() == ["G1"]


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(DataValidationError, match="no interaction files"):
        match_interactions(CUSTOMERS, [])
    with pytest.raises(DataValidationError, match="customers: no customer_id column"):
        match_interactions(CUSTOMERS.drop(columns="customer_id"), _files())


def _reference(customers: pd.DataFrame, inter: pd.DataFrame) -> list[tuple[str, str | None]]:
    """The documented rules, row by row with dictionaries (reference for the vectorised code)."""
    phone_of = dict(zip(customers["phone"], normalise_phones(customers["phone"])["phone"], strict=True))
    email_of = dict(zip(customers["email"], normalise_emails(customers["email"])["email"], strict=True))
    owners: dict[tuple[str, str], set[str]] = {}
    for cid, p, e in zip(customers["customer_id"], customers["phone"], customers["email"], strict=True):
        for kind, key in (("p", phone_of[p]), ("e", email_of[e])):
            if isinstance(key, str):
                owners.setdefault((kind, key), set()).add(cid)
    ids = set(customers["customer_id"])
    ip = normalise_phones(inter["phone"])["phone"]
    ie = normalise_emails(inter["email"])["email"]
    out = []
    for cid, p, e in zip(inter["customer_id"], ip, ie, strict=True):
        cid = cid if isinstance(cid, str) else None
        p = p if isinstance(p, str) else None
        e = e if isinstance(e, str) else None
        if cid in ids:
            out.append(("customer_id", cid))
            continue
        ps, es = owners.get(("p", p), set()), owners.get(("e", e), set())
        if len(ps) == 1:
            out.append(("phone", next(iter(ps))))
        elif len(ps) > 1:
            both = ps & es
            out.append(("email", next(iter(both))) if es and len(both) == 1 else ("ambiguous", None))
        elif len(es) == 1:
            out.append(("email", next(iter(es))))
        elif len(es) > 1:
            out.append(("ambiguous", None))
        elif cid is not None or p or e:
            out.append(("unmatched", None))
        else:
            out.append(("invalid", None))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_answers_as_a_row_by_row_reference(seed):
    rng = random.Random(seed)
    phones = [f"020 7946 0{n:03d}" for n in range(12)] + ["12", None]
    emails = [f"p{n}@example.com" for n in range(12)] + ["bad", None]
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)],
                              "phone": [rng.choice(phones) for _ in range(30)],
                              "email": [rng.choice(emails) for _ in range(30)]})
    n = 400
    spell = [lambda s: s, lambda s: s.replace("020 ", "+44 20 ") if s else s, lambda s: s.upper() if s else s]
    inter = pd.DataFrame({
        "ts": [T] * n, "channel": [rng.choice(["A", "B"]) for _ in range(n)],
        "customer_id": [rng.choice([None, None, None, "C3", "C17", "X9"]) for _ in range(n)],
        "phone": [rng.choice(spell)(rng.choice(phones)) for _ in range(n)],
        "email": [rng.choice(spell)(rng.choice(emails)) for _ in range(n)],
    })
    r = match_interactions(customers, inter)
    want = _reference(customers, inter)
    got: list[tuple[str, str | None]] = [("", None)] * n
    issues = r.issues
    for row, method in zip(issues["row"], issues["method"], strict=True):
        got[row] = (method, None)
    matched_rows = [i for i in range(n) if got[i][0] == ""]
    for i, (u, m) in zip(matched_rows, zip(r.touchpoints["user_id"], r.touchpoints["match_method"], strict=True),
                         strict=True):
        got[i] = (m, u)
    assert got == want
    assert {m for m, _ in want} >= {"customer_id", "phone", "email", "ambiguous", "unmatched"}


def test_column_objects_are_checked_like_mappings():
    from attribution.identity import CustomerColumns, InteractionColumns

    inter = pd.DataFrame({"when": [T], "phone": ["020 7946 0001"]})
    cols = InteractionColumns(ts="when", phone="phone")
    r = match_interactions(CUSTOMERS, InteractionFile(inter, "calls.csv", mapping=cols, channel="Phone"),
                           customer_mapping=CustomerColumns("customer_id", ("phone_1",), ()))
    assert r.touchpoints["user_id"].tolist() == ["C1"]
    with pytest.raises(DataValidationError, match="'tel' .* not found"):
        match_interactions(CUSTOMERS, inter, customer_mapping=CustomerColumns("customer_id", ("tel",), ()))
