"""Reading uploaded wide media-mix CSVs and guessing column roles."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.mmm.wide_csv import guess_wide_roles, read_wide_csv


def test_semicolon_file_with_bom_and_na_is_read():
    data = "\ufeffweek;sales;tv_spend;promo\n2024-01-01;10;1;na\n2024-01-08;12;2;1\n".encode()
    frame = read_wide_csv(data, "w.csv")
    assert list(frame.columns) == ["week", "sales", "tv_spend", "promo"]
    assert frame["sales"].tolist() == [10, 12] and frame["promo"].isna().tolist() == [True, False]


@pytest.mark.parametrize("data, words", [
    (b"", "is empty"),
    (b"\xff\xfe\x00\x01binary", "not UTF-8"),
    (b"date,y\n2024-01-01,3\n", r"has 2 column\(s\)"),
    (b"date,y,tv\n", "no rows"),
])
def test_unusable_files_get_one_clear_message(data, words):
    with pytest.raises(DataValidationError, match=words) as err:
        read_wide_csv(data, "bad.csv")
    assert "bad.csv" in str(err.value)


def test_guesses_follow_common_spellings():
    # the layouts of the reference files: pymc-marketing, Robyn, Meridian, a day-first export
    pymc = pd.DataFrame({"date_week": ["2018-04-02", "2018-04-09"], "y": [1.0, 2.0], "x1": [0.1, 0.2],
                         "x2": [0.0, 0.3], "event_1": [0.0, 1.0], "t": [0, 1]})
    assert guess_wide_roles(pymc) == {"date": "date_week", "target": "y", "channels": ["x1", "x2"],
                                      "controls": ["event_1"]}
    robyn = pd.DataFrame({"DATE": ["2015-11-23", "2015-11-30"], "revenue": [1.0, 2.0], "tv_S": [1.0, 0.0],
                          "facebook_I": [5.0, 6.0], "competitor_sales_B": [3.0, 4.0], "events": ["na", "x"]})
    assert guess_wide_roles(robyn) == {"date": "DATE", "target": "revenue", "channels": ["tv_S"],
                                       "controls": ["competitor_sales_B"]}
    dayfirst = pd.DataFrame({"start_of_week": ["30-08-20", "06-09-20"], "revenue": [1.0, 2.0],
                             "spend_channel_1": [1.0, 2.0], "Channel0_cost": [3.0, 1.0]})
    roles = guess_wide_roles(dayfirst)
    assert roles["date"] == "start_of_week" and roles["channels"] == ["spend_channel_1", "Channel0_cost"]


def test_no_guess_when_nothing_matches():
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0], "c": ["x", "y"]})
    assert guess_wide_roles(frame) == {"date": None, "target": None, "channels": [], "controls": []}
