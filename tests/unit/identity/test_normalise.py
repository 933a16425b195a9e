"""E-mail, id and timestamp normalisation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.identity import normalise_emails, normalise_ids, parse_timestamps


def _values(s: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in s]


EMAILS = [" Ann.Smith+news@GMail.com ", "BOB@Example.CO.UK", "carol+x@example.com", "ann.smith@googlemail.com",
          "not-an-address", "a@b", "x y@z.com", "two@@at.com", None, "  "]


def test_emails_are_trimmed_and_lower_cased_only_by_default():
    out = normalise_emails(EMAILS)
    assert _values(out["email"]) == ["ann.smith+news@gmail.com", "bob@example.co.uk", "carol+x@example.com",
                                     "ann.smith@googlemail.com", None, None, None, None, None, None]
    assert _values(out["reason"]) == [None] * 4 + ["not an e-mail address"] * 4 + [None, None]


def test_plus_tags_dropped_for_every_provider_when_asked():
    out = normalise_emails(EMAILS, strip_plus=True)
    assert _values(out["email"])[:4] == ["ann.smith@gmail.com", "bob@example.co.uk", "carol@example.com",
                                         "ann.smith@googlemail.com"]


def test_gmail_rewrite_touches_gmail_only():
    out = normalise_emails(EMAILS + ["first.last+tag@example.com"], gmail_dots=True)
    # gmail: dots and +tag dropped, googlemail.com → gmail.com; example.com untouched
    assert _values(out["email"])[:4] == ["annsmith@gmail.com", "bob@example.co.uk", "carol+x@example.com",
                                         "annsmith@gmail.com"]
    assert _values(out["email"])[-1] == "first.last+tag@example.com"


def test_ids_are_strings_without_float_artefacts():
    assert _values(normalise_ids(pd.Series([1001.0, np.nan, 7.0]))) == ["1001", None, "7"]
    assert _values(normalise_ids(pd.Series([1001, 7]))) == ["1001", "7"]
    assert _values(normalise_ids([" C1 ", "", None, "C2"])) == ["C1", None, None, "C2"]
    # a float column with a real fraction keeps it (it is not an integer id column)
    assert _values(normalise_ids(pd.Series([1.5, 2.0]))) == ["1.5", "2.0"]


def test_timestamps_iso_with_offsets_to_naive_utc():
    out = parse_timestamps(["2024-01-02 10:00", "2024-01-02T10:00:00+01:00", "2024-01-02T10:00:00Z", "bad", None])
    assert out.dtype.kind == "M" and out.dt.tz is None
    assert _values(out) == [pd.Timestamp("2024-01-02 10:00"), pd.Timestamp("2024-01-02 09:00"),
                            pd.Timestamp("2024-01-02 10:00"), None, None]


@pytest.mark.parametrize(("dayfirst", "expected"), [(False, "2024-03-04"), (True, "2024-04-03")])
def test_timestamps_other_formats_and_dayfirst(dayfirst, expected):
    out = parse_timestamps(["03/04/2024", "2024-01-01"], dayfirst=dayfirst)
    assert out.iloc[0] == pd.Timestamp(expected)
    assert out.iloc[1] == pd.Timestamp("2024-01-01")


def test_timestamps_consistent_and_mixed_exports():
    # a consistent day-first export: the format of the first value is applied to all
    out = parse_timestamps(["31/01/2024 10:00", "01/02/2024 09:30", "bad"], dayfirst=True)
    assert _values(out) == [pd.Timestamp("2024-01-31 10:00"), pd.Timestamp("2024-02-01 09:30"), None]
    # a mixed bag falls back to value-by-value parsing
    out = parse_timestamps(["13/01/2024 10:00", "Jan 7 2024 3pm", "2024-01-05", "garbage"], dayfirst=True)
    assert _values(out) == [pd.Timestamp("2024-01-13 10:00"), pd.Timestamp("2024-01-07 15:00"),
                            pd.Timestamp("2024-01-05"), None]


def test_timestamps_already_datetime():
    aware = pd.Series(pd.to_datetime(["2024-06-01 12:00"]).tz_localize("Europe/London"))
    assert parse_timestamps(aware).iloc[0] == pd.Timestamp("2024-06-01 11:00")   # BST = UTC+1
    naive = pd.Series(pd.to_datetime(["2024-06-01 12:00"]))
    assert parse_timestamps(naive).iloc[0] == pd.Timestamp("2024-06-01 12:00")
