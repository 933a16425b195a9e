"""guess_mapping on common column names, and the missing-column message."""
from __future__ import annotations

import pytest

from attribution.errors import DataValidationError
from attribution.ingest import OPTIONAL, REQUIRED, guess_mapping
from attribution.ingest.mapping import resolve_mapping


@pytest.mark.parametrize("name", ["user_id", "UserID", "userId", "customer id", "Customer_ID", "client_id",
                                  "cookie", "Cookie ID", "visitor_id", "user", "customer"])
def test_user_id_names(name):
    assert guess_mapping([name, "timestamp", "channel"], "touchpoints")["user_id"] == name


@pytest.mark.parametrize("name", ["ts", "timestamp", "time", "date", "event_time", "Event Date", "datetime",
                                  "Time Stamp"])
def test_timestamp_names(name):
    assert guess_mapping(["cookie", name, "channel"], "touchpoints")["ts"] == name


@pytest.mark.parametrize("name", ["channel", "source", "medium", "channel_label", "Channel Name",
                                  "utm_source", "Marketing Channel"])
def test_channel_names(name):
    assert guess_mapping(["cookie", "time", name], "touchpoints")["channel"] == name


@pytest.mark.parametrize("name", ["value", "revenue", "amount", "conversion_value", "Order Value"])
def test_revenue_names(name):
    assert guess_mapping(["user", "time", name], "conversions")["revenue"] == name


def test_event_log_si05_columns():
    cols = ["customer_id", "time", "interaction", "conversion", "conversion_value", "channel"]
    assert guess_mapping(cols, "event_log") == {
        "user_id": "customer_id", "ts": "time", "channel": "channel", "conversion": "conversion",
        "revenue": "conversion_value", "interaction": "interaction", "campaign": None, "cost": None,
        "session_id": None, "conversion_id": None, "stage": None}


def test_ihc_and_paths_and_spend_columns():
    ihc = guess_mapping(["conversion_id", "session_id", "timestamp", "channel_label", "holder_engagement",
                         "closer_engagement", "conversion", "impression_interaction"], "ihc_journeys")
    assert ihc == {"conversion_id": "conversion_id", "session_id": "session_id", "ts": "timestamp",
                   "channel": "channel_label", "holder_engagement": "holder_engagement",
                   "closer_engagement": "closer_engagement", "conversion": "conversion",
                   "impression_interaction": "impression_interaction", "revenue": None}
    paths = guess_mapping(["path", "total_conversions", "total_conversion_value", "total_null"], "paths")
    assert paths == {"path": "path", "conversions": "total_conversions",
                     "revenue": "total_conversion_value", "nulls": "total_null"}
    spend = guess_mapping(["day", "channel", "impressions", "cost"], "spend")
    assert spend == {"date": "day", "channel": "channel", "spend": "cost", "campaign": None,
                     "impressions": "impressions", "clicks": None}


def test_each_source_column_used_once_and_keys_complete():
    m = guess_mapping(["date", "time", "channel", "user"], "touchpoints")
    assert m["ts"] == "time"  # 'time' outranks 'date'
    assert [v for v in m.values() if v] == ["user", "time", "channel"]
    for role in REQUIRED:
        assert set(guess_mapping([], role)) == set(REQUIRED[role] + OPTIONAL[role])


def test_unknown_role():
    with pytest.raises(DataValidationError, match="unknown input role 'clicks'; choose one of"):
        guess_mapping(["a"], "clicks")


def test_missing_required_column_message():
    with pytest.raises(DataValidationError) as err:
        resolve_mapping("touchpoints", ["usr_id", "time", "channel"], None, "tp.csv")
    msg = str(err.value)
    assert msg.startswith("tp.csv: no column for user_id (the user, cookie or customer id) in the "
                          "touchpoints file. Columns found: 'usr_id', 'time', 'channel'.")
    assert "Closest names: 'usr_id'." in msg
    assert "mappings={'touchpoints': {'user_id': '<column name>'}}" in msg
    assert err.value.file == "tp.csv" and err.value.column == "user_id"


def test_mapping_naming_absent_column_and_unknown_key():
    with pytest.raises(DataValidationError, match=r"the mapping says ts is in column 'when', but there is "
                                                  r"no such column\. Columns found: 'u', 't', 'c'"):
        resolve_mapping("touchpoints", ["u", "t", "c"], {"user_id": "u", "ts": "when", "channel": "c"}, "x.csv")
    with pytest.raises(DataValidationError, match=r"unknown keys \['colour'\]"):
        resolve_mapping("touchpoints", ["u"], {"colour": "u"}, "x.csv")
    assert resolve_mapping("touchpoints", ["u", "t", "c"],
                           {"user_id": "u", "ts": "t", "channel": "c", "encoding": "latin-1"}, "x.csv") == {
        "user_id": "u", "ts": "t", "channel": "c"}
