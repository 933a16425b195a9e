"""CRM stage conversions: first contact / booked / attended / paid, from events or date columns."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.identity import available_stages, guess_stage_columns, stage_conversions, stage_events

CUSTOMERS = pd.DataFrame({
    "client_id": ["C1", "C2", "C3", None, "C4"],
    "email": ["a@x.com"] * 5,
    "first_contact_date": ["2024-01-01", "2024-01-05", "not a date", "2024-01-02", "2024-01-07"],
    "booked_date": ["2024-01-03", None, "2024-01-09", None, "2024-01-08"],
    "attended_at": ["2024-01-10", None, None, None, None],
    "paid_at": ["2024-02-01 12:30", None, None, None, "2024-02-03"],
    "paid_amount": ["100.5", None, None, None, "abc"],
    "birth_date": ["1990-01-01"] * 5,
    "updated_at": ["2024-05-01"] * 5,
    "notes_date": [None] * 5,           # a date-like name without a single date is not a stage
})

EVENTS = pd.DataFrame({
    "customer_id": ["C1", "C1", "C2", "C2", None, "C5", "C5"],
    "status": ["booked", "booked", "paid", "booked", "paid", "paid", "paid"],
    "changed_at": ["2024-01-04", "2024-01-02", "2024-03-01", "nope", "2024-01-01", "2024-02-10", "2024-02-05"],
    "value": [0, 0, 50, 0, 10, "??", 30],
})


def test_stage_columns_guessed_from_names():
    assert guess_stage_columns(CUSTOMERS) == {"contact": "first_contact_date", "booked": "booked_date",
                                              "attended": "attended_at", "paid": "paid_at"}


def test_first_per_customer_from_date_columns():
    se = stage_events(customers=CUSTOMERS, stage_revenue={"paid": "paid_amount"})
    # contact: C1 01-01, C2 01-05, C4 01-07 (C3 unparseable, row 3 has no id) → 3 customers;
    # booked: C1, C3, C4 → 3; paid: C1, C4 → 2; attended: C1 → 1.
    # contact and booked tie on 3; contact's median date (01-05) is earlier than booked's (01-08).
    assert available_stages(se) == ["contact", "booked", "paid", "attended"]
    conv = stage_conversions(se, "paid")
    assert list(conv.columns) == ["user_id", "ts", "stage", "revenue"]
    assert conv["user_id"].tolist() == ["C1", "C4"]
    assert conv["ts"].tolist() == [pd.Timestamp("2024-02-01 12:30"), pd.Timestamp("2024-02-03")]
    assert conv["revenue"].tolist() == [100.5, 0.0]          # "abc" counted as 0 and reported
    booked = stage_conversions(se, "booked")
    assert booked["user_id"].tolist() == ["C1", "C4", "C3"]   # 01-03, 01-08, 01-09 and set(booked["revenue"]) == {0.0}


def test_rejected_rows_are_reported_with_reasons():
    se = stage_events(customers=CUSTOMERS, stage_revenue={"paid": "paid_amount"}, customer_file="crm.csv")
    rej = se.rejected
    assert list(rej.columns) == ["file", "row", "column", "value", "reason"]
    got = {(r.row, r.column, r.reason) for r in rej.itertuples()}
    assert got == {
        (2, "first_contact_date", "not a date/time"),
        (3, "client_id", "missing customer id; contact date ignored"),
        (4, "paid_amount", "not a number; counted as revenue 0"),
    }
    assert set(rej["file"]) == {"crm.csv"}


def test_first_per_customer_from_an_events_table():
    se = stage_events(events=EVENTS)
    # booked: C1 (01-02 is earlier than 01-04; C2's date is bad) → 1 customer;
    # paid: C2 03-01, C5 02-05 (earlier of two) → 2 customers
    assert available_stages(se) == ["paid", "booked"]
    conv = stage_conversions(se, ["booked", "paid"])
    assert conv[["user_id", "stage"]].values.tolist() == [["C1", "booked"], ["C5", "paid"], ["C2", "paid"]]
    assert conv["ts"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-05"),
                                   pd.Timestamp("2024-03-01")]
    assert conv["revenue"].tolist() == [0.0, 30.0, 50.0]     # revenue of the first event
    reasons = sorted(se.rejected["reason"])
    assert reasons == ["missing customer id", "not a date/time", "not a number; counted as revenue 0"]


def test_both_sources_together_take_the_earliest():
    se = stage_events(customers=CUSTOMERS, events=EVENTS)
    booked = stage_conversions(se, "booked").set_index("user_id")["ts"]
    # C1: events say 01-02, the customers file 01-03 → 01-02
    assert booked["C1"] == pd.Timestamp("2024-01-02")
    everything = stage_conversions(se)
    assert not everything.duplicated(["user_id", "stage"]).any()
    assert len(everything) == sum(len(stage_conversions(se, s)) for s in available_stages(se))


def test_explicit_stage_columns():
    se = stage_events(customers=CUSTOMERS, stage_columns={"lead": "first_contact_date"})
    assert available_stages(se) == ["lead"]
    se = stage_events(customers=CUSTOMERS, stage_columns=["booked_date", "updated_at"])
    assert sorted(available_stages(se)) == ["booked", "updated"]
    with pytest.raises(DataValidationError, match="stage column 'nope' not found"):
        stage_events(customers=CUSTOMERS, stage_columns={"x": "nope"})


def test_errors():
    se = stage_events(events=EVENTS)
    with pytest.raises(DataValidationError, match=r"unknown stage 'won'; the data has: paid, booked"):
        stage_conversions(se, "won")
    with pytest.raises(DataValidationError, match="give a stage-events table"):
        stage_events()
    with pytest.raises(DataValidationError, match="no stage column"):
        stage_events(events=EVENTS.drop(columns="status"))


def test_no_stages_at_all():
    se = stage_events(customers=CUSTOMERS[["client_id", "email"]])
    assert available_stages(se) == []
    assert stage_conversions(se).empty
