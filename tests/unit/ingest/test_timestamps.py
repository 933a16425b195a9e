"""Timestamp formats: majority detection, minority formats, time zones, day/month order."""
from __future__ import annotations

import datetime as dt

import pytest

from attribution.ingest import load_into
from attribution.ingest.timestamps import shape_family


def _load(con, write, values: list[str], **mapping):
    text = "user_id,ts,channel\n" + "".join(f"u{i},{v},A\n" for i, v in enumerate(values))
    report = load_into(con, "ds", touchpoints=write("t.csv", text),
                       mappings={"touchpoints": mapping} if mapping else None)
    got = dict(con.execute("select user_id, ts from ds.touchpoints").fetchall())
    report.warnings = [i for i in report.warnings if "no conversions file" not in i.message]
    return [got.get(f"u{i}") for i in range(len(values))], report


@pytest.mark.parametrize(("shape", "family"), [
    ("0000-00-00", "iso"), ("0000-00-00a00:00:00a", "iso"), ("0000-00-00 00:00:00+00:00", "iso"),
    ("00/00/0000 00:00", "dm_slash"), ("0/0/00", "dm_slash"), ("00.00.0000", "dm_dot"),
    ("00-00-00", "dm_dash"), ("0000/00/00", "ymd_slash"), ("00000000", "compact"),
    ("0000000000", "epoch_s"), ("0000000000000", "epoch_ms"), ("aaa 0, 0000", "text"), ("aaaa", None)])
def test_shape_families(shape, family):
    assert shape_family(shape) == family


def test_time_zones_converted_to_naive_utc(con, write):
    got, report = _load(con, write, ["2024-03-01T10:00:00Z", "2024-03-01 10:00:00+02:00",
                                     "2024-03-01 10:00:00-0500", "2024-03-01 10:00:00 UTC",
                                     "2024-03-01 10:00:00"])
    assert got == [dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 8), dt.datetime(2024, 3, 1, 15),
                   dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 10)]
    assert [i.message for i in report.warnings] == [
        "4 timestamps in column 'ts' had a time zone and were converted to UTC"]


def test_day_first_majority_detected_from_values(con, write):
    got, report = _load(con, write, ["31/01/2024 10:00", "01/02/2024 11:30", "2024-02-05 00:00:00"])
    # 31 cannot be a month, so the slash dates are day-first; the ISO row is a parsed minority
    assert got == [dt.datetime(2024, 1, 31, 10), dt.datetime(2024, 2, 1, 11, 30), dt.datetime(2024, 2, 5)]
    assert [i.message for i in report.warnings] == [
        "1 values in column 'ts' are written as YYYY-MM-DD hh:mm:ss, unlike most rows; they were read in that "
        "format (first at row 3). Check them"]


def test_month_first_majority_and_ambiguous_assumption(con, write):
    got, _ = _load(con, write, ["01/31/2024", "02/01/2024"])
    assert got == [dt.datetime(2024, 1, 31), dt.datetime(2024, 2, 1)]
    got, report = _load(con, write, ["01/02/2024", "03/04/2024"])
    assert got == [dt.datetime(2024, 1, 2), dt.datetime(2024, 3, 4)]  # slashes: month first assumed
    assert report.warnings[0].message == (
        "dates such as 01/02/2024 could be day or month first; they were read as MM/DD/YYYY. If that is "
        "wrong, set the mapping option ts_format='%d/%m/%Y %H:%M:%S' (or '%d/%m/%Y' for dates only).")
    got, _ = _load(con, write, ["01/02/2024", "03/04/2024"], ts_format="%d/%m/%Y")
    assert got == [dt.datetime(2024, 2, 1), dt.datetime(2024, 4, 3)]


def test_dots_two_digit_years_text_epoch(con, write):
    got, _ = _load(con, write, ["05.03.2024 14:15", "06.03.2024 09:00:05"])
    assert got == [dt.datetime(2024, 3, 5, 14, 15), dt.datetime(2024, 3, 6, 9, 0, 5)]
    got, _ = _load(con, write, ["01-04-20", "22-04-20"])  # the haensel report layout: DD-MM-YY
    assert got == [dt.datetime(2020, 4, 1), dt.datetime(2020, 4, 22)]
    got, _ = _load(con, write, ["3 Jul 2018", "14 Jul 2018 10:00"])
    assert got == [dt.datetime(2018, 7, 3), dt.datetime(2018, 7, 14, 10)]
    got, _ = _load(con, write, ["1531234567", "1531234568"])  # Unix seconds
    assert got == [dt.datetime(2018, 7, 10, 14, 56, 7), dt.datetime(2018, 7, 10, 14, 56, 8)]
    got, _ = _load(con, write, ["2/1/2024 3:04 PM", "12/13/2024 11:00 AM"])
    assert got == [dt.datetime(2024, 2, 1, 15, 4), dt.datetime(2024, 12, 13, 11)]


def test_rejected_formats_name_the_majority(con, write):
    got, report = _load(con, write, ["2024-01-01 10:00:00", "2024-01-02 10:00:00", "03/04/2024",
                                     "0020-01-01 00:00:00", "13/13/2024", "soon"])
    assert got[:2] == [dt.datetime(2024, 1, 1, 10), dt.datetime(2024, 1, 2, 10)]
    assert got[2:] == [None] * 4
    reasons = report.rejected(con)["reason"].tolist()
    assert reasons == [
        "ambiguous date: day and month order cannot be told (DD/MM/YYYY or MM/DD/YYYY); most rows use "
        "YYYY-MM-DD hh:mm:ss; write it as YYYY-MM-DD",
        "implausible timestamp (year outside 1900-2199)",
        "timestamp not recognised (most rows use YYYY-MM-DD hh:mm:ss)",
        "timestamp not recognised (most rows use YYYY-MM-DD hh:mm:ss)",
    ]
