"""Column guessing and mapping overrides for customers, interaction and stage-event files."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.identity import (
    CustomerColumns,
    InteractionColumns,
    guess_customer_columns,
    guess_interaction_columns,
    guess_stage_event_columns,
)


def _frame(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: ["x"] for c in columns})


def test_customer_columns_guessed_from_common_names():
    df = _frame("Client ID", "Name", "Phone 1", "phone_2", "Mobile", "Tel", "phone_type", "E-Mail",
                "email_2", "email_opt_in", "city")
    cols = guess_customer_columns(df)
    assert cols == CustomerColumns("Client ID", ("Phone 1", "phone_2", "Mobile", "Tel"), ("E-Mail", "email_2"))


@pytest.mark.parametrize("name", ["customer_id", "CustomerID", "client_id", "cust_id", "crm_id", "id"])
def test_customer_id_names(name):
    assert guess_customer_columns(_frame(name, "phone")).customer_id == name


def test_customer_mapping_overrides_and_switches_off():
    df = _frame("ref", "phone", "work_number", "email")
    cols = guess_customer_columns(df, {"customer_id": "ref", "phone": ["phone", "work_number"], "email": None})
    assert cols == CustomerColumns("ref", ("phone", "work_number"), ())


def test_missing_customer_id_names_file_column_and_fix():
    with pytest.raises(DataValidationError) as err:
        guess_customer_columns(_frame("name", "phone"), file="crm.csv")
    msg = str(err.value)
    assert "crm.csv" in msg and "customer_id" in msg and "mapping=" in msg
    assert err.value.file == "crm.csv" and err.value.column == "customer_id"


def test_mapping_to_a_column_that_does_not_exist():
    with pytest.raises(DataValidationError) as err:
        guess_customer_columns(_frame("id", "phone"), {"phone": "Phone Number"}, file="crm.csv")
    assert "'Phone Number'" in str(err.value) and "id, phone" in str(err.value)
    assert err.value.column == "Phone Number"


def test_unknown_role_is_an_error():
    with pytest.raises(DataValidationError, match="unknown column role 'fax'"):
        guess_customer_columns(_frame("id"), {"fax": "id"})


def test_interaction_columns_guessed():
    df = _frame("call_id", "Timestamp", "Channel", "Caller", "customer_id", "utm_campaign", "duration")
    assert guess_interaction_columns(df) == InteractionColumns(
        ts="Timestamp", channel="Channel", customer_id="customer_id", phone="Caller", email=None,
        campaign="utm_campaign")


def test_interaction_id_and_user_id_are_not_taken_for_the_customer_id():
    cols = guess_interaction_columns(_frame("id", "user_id", "submitted_at", "source", "e_mail"))
    assert cols.customer_id is None and cols.email == "e_mail" and cols.ts == "submitted_at"


def test_constant_channel_replaces_the_channel_column():
    cols = guess_interaction_columns(_frame("started_at", "phone"), channel="Phone")
    assert cols.channel is None and cols.phone == "phone" and cols.ts == "started_at"


def test_interaction_errors_name_file_and_fix():
    with pytest.raises(DataValidationError, match=r"calls\.csv: no channel column.*channel='Phone'"):
        guess_interaction_columns(_frame("ts", "phone"), file="calls.csv")
    with pytest.raises(DataValidationError, match=r"forms\.csv: no ts column"):
        guess_interaction_columns(_frame("channel", "phone"), file="forms.csv")
    with pytest.raises(DataValidationError, match=r"no customer id, phone or e-mail"):
        guess_interaction_columns(_frame("ts", "channel", "duration"))
    with pytest.raises(DataValidationError, match="map one column to phone"):
        guess_interaction_columns(_frame("ts", "channel", "a", "b"), {"phone": ["a", "b"]})


def test_stage_event_columns():
    cols = guess_stage_event_columns(_frame("client_id", "status", "changed_at", "amount"))
    assert (cols.customer_id, cols.stage, cols.ts, cols.revenue) == ("client_id", "status", "changed_at", "amount")
    with pytest.raises(DataValidationError, match="no stage column"):
        guess_stage_event_columns(_frame("client_id", "changed_at"))
