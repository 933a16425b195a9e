"""AppTest: the Data page's "Match offline contacts" tab, from uploads to a dataset on the Overview."""
from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from attribution.identity import InteractionFile, match_interactions
from attribution.ingest.frames import read_frame
from attribution.reports.export import to_safe_csv
from tests.app.conftest import errors_of, unescape

# Four customers. C3 and C4 share one landline written two ways: (020) 7946-0003 = 0044 20 7946 0003
# = +442079460003. C1's e-mail is upper case. Stages: contact 4 customers, booked 3 (C1, C2, C4),
# paid 2 (C1 100, C4 50).
CUSTOMERS = b"""customer_id,phone,mobile,email,first_contact_date,booked_date,paid_at,paid_amount
C1,020 7946 0001,,ANN@EXAMPLE.COM,2024-01-01,2024-01-05,2024-01-20,100
C2,+44 20 7946 0002,07400 111111,bob@example.com,2024-01-02,2024-01-06,,
C3,(020) 7946-0003,,carol@example.com,2024-01-03,,,
C4,0044 20 7946 0003,,dave@example.com,2024-01-04,2024-01-08,2024-01-25,50
"""
# A call log without a channel column (the test types "Phone"); rows 0-6:
CALLS = b"""call_start,caller,customer_id
2024-01-01 09:00,02079460001,
2024-01-02 10:00,+44 7400 111111,
2024-01-03 11:00,020 7946 0003,
2024-01-04 12:00,020 7946 9999,
2024-01-05 13:00,12,
not a time,02079460002,
2024-01-06 14:00,020 7946 0003,C4
"""
# 0 phone → C1; 1 mobile → C2; 2 shared by C3 and C4 → ambiguous; 3 valid but nobody's → unmatched;
# 4 too short → invalid; 5 C2's phone but no usable time → invalid; 6 the id wins → customer_id C4.
EMAILS = b"""sent_at,channel,email,campaign
2024-01-02 08:00,Email,ann@example.com,winter
2024-01-03 08:00,Email, Bob@Example.com ,winter
2024-01-04 08:00,Email,nobody@example.com,winter
2024-01-05 08:00,Email,not-an-email,winter
2024-01-06 08:00,Web form,carol@example.com,spring
"""
# 0 → C1 (case ignored); 1 → C2 (padding and case ignored); 2 unmatched; 3 invalid; 4 → C3.
# By method: customer_id 1, phone 2 (calls 0, 1), email 3 (e-mails 0, 1, 4), unmatched 2
# (call 3, e-mail 2), ambiguous 1 (call 2), invalid 3 (calls 4, 5, e-mail 3): 12 rows, 6 matched = 50.0%.
EXPECTED_BY_CHANNEL = {  # channel: (customer id, phone, e-mail, unmatched, ambiguous, invalid)
    "Email": (0, 0, 2, 1, 0, 1), "Phone": (1, 2, 0, 1, 1, 2), "Web form": (0, 0, 1, 0, 0, 0)}
EXPECTED_ISSUES = {("calls.csv", 2, "ambiguous"), ("calls.csv", 3, "unmatched"), ("calls.csv", 4, "invalid"),
                   ("calls.csv", 5, "invalid"), ("emails.csv", 2, "unmatched"), ("emails.csv", 3, "invalid")}


def _array(value) -> list:
    """A plotly JSON array: a plain list, or typed binary ({"dtype", "bdata"}) as plotly 6+ writes numbers."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return value


def _channel_box(at: AppTest, name: str):
    return next(t for t in at.text_input if t.label == f"Channel for every row of {name}")


def _upload(app: AppTest, customers: bytes = CUSTOMERS) -> AppTest:
    at = app.switch_page("app_pages/data_sources.py").run()
    at.file_uploader(key="id_customers").set_value(("customers.csv", customers, "text/csv")).run()
    at.file_uploader(key="id_interactions").set_value(
        [("calls.csv", CALLS, "text/csv"), ("emails.csv", EMAILS, "text/csv")]).run()
    return at


def _matched(app: AppTest) -> AppTest:
    at = _upload(app)
    _channel_box(at, "calls.csv").set_value("Phone").run()
    at.button(key="id_match").click().run()
    assert errors_of(at) == []
    return at


def test_a_file_without_channel_asks_for_one(app):
    at = _upload(app)
    assert not at.exception
    # the call log has no channel column: a clear message, and nothing can be matched yet
    assert any("calls.csv" in unescape(e.value) and "no channel column" in unescape(e.value)
               and "Type a channel" in unescape(e.value) for e in at.error), [e.value for e in at.error]
    assert at.button(key="id_match").proto.disabled


def test_match_counts_by_method_and_channel(app):
    at = _matched(app)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Match rate"] == "50.0%"  # 6 of 12
    assert (metrics["Matched"], metrics["Unmatched"], metrics["Ambiguous"], metrics["Invalid"]) == ("6", "2", "1", "3")
    table = next(d.value for d in at.dataframe if "Customer id" in d.value.columns)
    got = {r["Channel"]: tuple(int(r[c]) for c in ["Customer id", "Phone", "E-mail", "Unmatched", "Ambiguous",
                                                   "Invalid"]) for _, r in table.iterrows()}
    assert got == EXPECTED_BY_CHANNEL
    # Phone: 3 matched of 7 rows
    assert table.set_index("Channel").loc["Phone", "Match rate"] == 3 / 7
    # the stacked chart carries the same counts: one trace per method, bars per channel
    spec = json.loads(next(c for c in at.get("plotly_chart")).proto.spec)
    bars = {(t["name"], y): x for t in spec["data"] for x, y in zip(_array(t["x"]), t["y"], strict=True)}
    assert bars[("Phone", "Phone")] == 2 and bars[("E-mail", "Email")] == 2 and bars[("Invalid", "Phone")] == 2
    assert sum(bars.values()) == 12
    issues = next(d.value for d in at.dataframe if "reason" in d.value.columns and "candidates" in d.value.columns)
    assert set(zip(issues["file"], issues["row"], issues["method"], strict=True)) == EXPECTED_ISSUES
    shared = next(d.value for d in at.dataframe if list(d.value.columns)[:3] == ["file", "row", "customer_id"])
    assert shared["customer_id"].tolist() == ["C3", "C4"]  # the shared landline, one row per owner


def test_unmatched_rows_download_holds_every_issue_with_its_reason():
    # what the "Download all unmatched rows" button serves: to_safe_csv of the match's issues
    files = [InteractionFile(read_frame(("calls.csv", CALLS)).frame, "calls.csv", channel="Phone"),
             InteractionFile(read_frame(("emails.csv", EMAILS)).frame, "emails.csv")]
    result = match_interactions(read_frame(("customers.csv", CUSTOMERS)).frame, files, customer_file="customers.csv")
    back = pd.read_csv(io.BytesIO(to_safe_csv(result.issues)), dtype=str)
    assert set(zip(back["file"], back["row"].astype(int), back["method"], strict=True)) == EXPECTED_ISSUES
    reasons = back.set_index(["file", "row"])["reason"]
    assert reasons[("calls.csv", "2")] == "phone +442079460003 shared by 2 customers"
    assert reasons[("emails.csv", "2")] == "e-mail nobody@example.com not in the customers file"
    assert back.set_index(["file", "row"]).loc[("calls.csv", "2"), "candidates"] == "C3, C4"


def test_use_as_dataset_with_every_stage(app):
    at = _matched(app)
    assert any("Customers per stage: contact 4 → booked 3 → paid 2" in unescape(c.value) for c in at.caption)
    at.text_input(key="id_dataset_name").set_value("Offline contacts").run()
    at.button(key="id_use").click().run()
    assert errors_of(at) == []
    # 6 matched touchpoints; 4 contact + 3 booked + 2 paid = 9 conversions
    assert any("Loaded 6 touchpoints, 9 conversions" in s.value for s in at.success)
    stage_box = next(s for s in at.sidebar.selectbox if s.label == "Conversion stage")
    assert {"contact", "booked", "paid"} <= set(stage_box.options)
    at.switch_page("app_pages/overview.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert at.subheader[0].value == "Offline contacts"
    assert (metrics["Touchpoints"], metrics["Conversions"], metrics["Users"]) == ("6", "9", "4")


def test_use_as_dataset_first_paid_with_revenue(app):
    at = _matched(app)
    rev = next(s for s in at.selectbox if s.label == "Revenue column (optional)")
    rev.set_value("paid_amount").run()
    conv = next(s for s in at.selectbox if s.label == "Conversion = first …")
    conv.set_value("paid").run()
    assert any("2 conversions, revenue 150.00" in unescape(c.value) for c in at.caption)  # C1 100 + C4 50
    at.button(key="id_use").click().run()
    assert errors_of(at) == []
    at.switch_page("app_pages/overview.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Touchpoints"], metrics["Conversions"], metrics["Revenue"]) == ("6", "2", "150.00")


def test_stage_events_file(app):
    at = _matched(app)
    at.radio(key="id_stage_source").set_value("events").run()
    events = b"client_id,status,changed_at,value\nC1,booked,2024-01-05,0\nC2,booked,2024-01-06,0\nC1,paid,2024-01-20,80\n"
    at.file_uploader(key="id_stage_events").set_value(("history.csv", events, "text/csv")).run()
    assert errors_of(at) == []
    # booked: C1, C2 → 2 customers; paid: C1 → 1; every stage: 3 conversions, revenue 80
    assert any("Customers per stage: booked 2 → paid 1" in unescape(c.value) for c in at.caption)
    assert any("3 conversions, revenue 80.00" in unescape(c.value) for c in at.caption)


def test_customers_without_id_column_give_a_clear_error(app):
    no_id = CUSTOMERS.replace(b"customer_id,", b"ref,", 1)
    at = _upload(app, no_id)
    _channel_box(at, "calls.csv").set_value("Phone").run()
    assert not at.exception
    assert any("customers.csv" in unescape(e.value) and "customer_id" in unescape(e.value) for e in at.error), [e.value for e in at.error]
    assert at.button(key="id_match").proto.disabled
    # picking the id column under the file's columns fixes it
    box = next(s for s in at.selectbox if s.label == "Customer id *")
    box.set_value("ref").run()
    assert errors_of(at) == []
    assert not at.button(key="id_match").proto.disabled


def test_the_same_file_twice_is_used_once(app):
    at = _upload(app)
    at.file_uploader(key="id_interactions").set_value(
        [("calls.csv", CALLS, "text/csv"), ("calls.csv", CALLS, "text/csv")]).run()
    _channel_box(at, "calls.csv").set_value("Phone").run()
    at.button(key="id_match").click().run()
    assert errors_of(at) == []
    assert any("calls.csv was uploaded twice" in unescape(w.value) for w in at.warning)
    # the 7 calls once: 3 matched (calls 0, 1, 6) of 7 = 42.9%
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Matched"], metrics["Match rate"]) == ("3", "42.9%")
