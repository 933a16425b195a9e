"""Separate touchpoint / conversion / spend files: exact tables, rejected rows, accounting, warnings."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from attribution.errors import DataValidationError
from attribution.ingest import load_into

TP = """cookie;time;channel;cost;campaign
u1;2024-02-01 10:00:00;Search;1.5;brand
u1;2024-02-01T11:00:00+02:00;Social;0;
u2;13/02/2024 09:30;Email;;
u2;01/02/2024;Email;2;
u3;not a date;Search;1;
;2024-02-02 10:00:00;Search;1;
u4;2024-02-03 10:00:00;;1;
u4;2024-02-03 11:00:00;Display;-3;
u4;2024-02-03 12:00:00;Display;abc;
u1;2024-02-01 10:00:00;Search;1.5;brand
u5;2024-02-05 10:00:00;Search;1;x;extra
u6;2024-02-06 10:00:00; Video ;0.25;
"""
CONV = "user_id,ts,revenue,order_id\nu1,2024-02-02 10:00:00,10,o1\nu9,2024-02-02,5,o2\nu2,2024-02-14 00:00:00,-1,o3\nu6,2024-02-07 08:00:00,,o4\n"
SPEND = "date,channel,spend\n2024-02-01,Search,10\n2024-02-01,Serach,5\n2024-02-02,Search,\n2024-02-03,Email,x\n2024-02-04,Email,-4\n"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One load shared by the read-only tests below (each load costs ~0.5 s)."""
    folder = tmp_path_factory.mktemp("files")
    paths = {}
    for name, text in (("tp.csv", TP), ("conv.csv", CONV), ("spend.csv", SPEND)):
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    con = duckdb.connect()
    con.execute("create schema ds")
    report = load_into(con, "ds", touchpoints=paths["tp.csv"], conversions=paths["conv.csv"],
                       spend=paths["spend.csv"])
    yield con, report
    con.close()


def test_touchpoints_exact(loaded):
    con, report = loaded
    rows = con.execute("select * from ds.touchpoints order by user_id, ts").fetchall()
    assert rows == [
        # +02:00 converted to UTC: 11:00+02:00 = 09:00Z
        ("u1", dt.datetime(2024, 2, 1, 9), "Social", None, 0.0, None, None, None, None),
        ("u1", dt.datetime(2024, 2, 1, 10), "Search", "brand", 1.5, None, None, None, None),
        # 13/02/2024 can only be day-first
        ("u2", dt.datetime(2024, 2, 13, 9, 30), "Email", None, None, None, None, None, None),
        ("u6", dt.datetime(2024, 2, 6, 10), "Video", None, 0.25, None, None, None, None),  # blanks trimmed
    ]
    assert report.kind == "journeys"
    assert report.tables == {"touchpoints": 4, "conversions": 3, "spend": 3, "rejected": 11}


def test_canonical_types(loaded):
    con, _ = loaded
    types = {t: con.execute(f"select column_name, data_type from information_schema.columns where "
                            f"table_schema = 'ds' and table_name = '{t}' order by ordinal_position").fetchall()
             for t in ("touchpoints", "conversions", "spend", "rejected")}
    assert types["touchpoints"] == [("user_id", "VARCHAR"), ("ts", "TIMESTAMP"), ("channel", "VARCHAR"),
                                    ("campaign", "VARCHAR"), ("cost", "DOUBLE"), ("session_id", "VARCHAR"),
                                    ("interaction", "VARCHAR"), ("holder_engagement", "BOOLEAN"),
                                    ("closer_engagement", "BOOLEAN")]
    assert types["conversions"] == [("user_id", "VARCHAR"), ("ts", "TIMESTAMP"), ("revenue", "DOUBLE"),
                                    ("conversion_id", "VARCHAR"), ("stage", "VARCHAR")]
    assert types["spend"] == [("date", "DATE"), ("channel", "VARCHAR"), ("spend", "DOUBLE"),
                              ("campaign", "VARCHAR"), ("impressions", "DOUBLE"), ("clicks", "DOUBLE")]
    assert types["rejected"] == [("file", "VARCHAR"), ("row", "BIGINT"), ("column_name", "VARCHAR"),
                                 ("value", "VARCHAR"), ("reason", "VARCHAR")]


def test_every_rejected_row_with_reason(loaded):
    con, report = loaded
    rej = report.rejected(con)
    got = list(rej.itertuples(index=False, name=None))
    got = [tuple(None if v != v else v for v in r) for r in got]  # NaN -> None
    assert got == [
        ("conv.csv", 3, "revenue", "-1", "negative revenue"),
        ("spend.csv", 4, "spend", "x", "spend is not a number"),
        ("spend.csv", 5, "spend", "-4", "negative spend"),
        ("tp.csv", 4, "time", "01/02/2024",
         "ambiguous date: day and month order cannot be told (DD/MM/YYYY or MM/DD/YYYY); most rows use "
         "YYYY-MM-DD hh:mm:ss; write it as YYYY-MM-DD"),
        ("tp.csv", 5, "time", "not a date", "timestamp not recognised (most rows use YYYY-MM-DD hh:mm:ss)"),
        ("tp.csv", 6, "cookie", None, "missing user_id (column 'cookie' is empty)"),
        ("tp.csv", 7, "channel", None, "missing channel (column 'channel' is empty)"),
        ("tp.csv", 8, "cost", "-3", "negative cost"),
        ("tp.csv", 9, "cost", "abc", "cost is not a number"),
        ("tp.csv", 10, None, None, "duplicate of row 1"),
        ("tp.csv", 11, None, "u5;2024-02-05 10:00:00;Search;1;x;extra",
         "too many fields (the header has 5); quote values that contain the delimiter"),
    ]
    counts = report.rejected_counts.set_index(["file", "reason"])["rows"]
    assert counts[("tp.csv", "duplicate of an earlier row")] == 1
    assert report.n_rejected == 11


def test_rows_add_up_per_file(loaded):
    _, report = loaded
    files = report.files.set_index("file")
    # data rows: 12 touchpoints, 4 conversions, 5 spend lines after the header
    assert files["rows"].to_dict() == {"tp.csv": 12, "conv.csv": 4, "spend.csv": 5}
    assert (files["rows"] == files["loaded"] + files["rejected"]).all()
    assert files["loaded"].to_dict() == {"tp.csv": 4, "conv.csv": 3, "spend.csv": 3}


def test_conversions_and_spend_exact(loaded):
    con, _ = loaded
    assert con.execute("select * from ds.conversions order by user_id").fetchall() == [
        ("u1", dt.datetime(2024, 2, 2, 10), 10.0, "o1", None),
        ("u6", dt.datetime(2024, 2, 7, 8), 0.0, "o4", None),  # empty revenue counts as 0
        ("u9", dt.datetime(2024, 2, 2), 5.0, "o2", None),
    ]
    assert con.execute("select * from ds.spend order by date, channel").fetchall() == [
        (dt.date(2024, 2, 1), "Search", 10.0, None, None, None),
        (dt.date(2024, 2, 1), "Serach", 5.0, None, None, None),
        (dt.date(2024, 2, 2), "Search", 0.0, None, None, None),
    ]


def test_warnings(loaded):
    _, report = loaded
    msgs = [(i.file, i.severity, i.message) for i in report.warnings]
    assert ("tp.csv", "warning", "1 values in column 'time' are written as DD/MM/YYYY, unlike most rows; they "
            "were read in that format (first at row 3). Check them") in msgs
    assert ("conv.csv", "warning", "1 conversions belong to users with no touchpoints (their journeys will be "
            "empty)") in msgs
    assert ("spend.csv", "warning", "spend has 1 channel(s) not seen in touchpoints: 'Serach' (check the "
            "spellings; their spend cannot be matched to conversions)") in msgs
    assert ("tp.csv", "info", "1 timestamps in column 'time' had a time zone and were converted to UTC") in msgs
    assert ("conv.csv", "info", "1 rows have no revenue (column 'revenue' is empty); counted as 0") in msgs
    assert [i.severity for i in report.warnings] == sorted([i.severity for i in report.warnings],
                                                           key=lambda s: s != "warning")


def test_reader_rejects_do_not_shift_row_numbers(con, write):
    # row 2 has too few fields and is dropped by the CSV reader; row 4 must still be called row 4
    text = "user_id,ts,channel\nu1,2024-01-01,A\nu2\nu3,2024-01-03,B\nu4,2024-01-04,\nu5,2024-01-05,C\n"
    report = load_into(con, "ds", touchpoints=write("tp.csv", text))
    assert [tuple(r)[1:] for r in report.rejected(con)[["file", "row", "reason"]].itertuples(index=False)] == [
        (2, "too few fields (the header has 3)"), (4, "missing channel (column 'channel' is empty)")]
    assert report.files["rows"].tolist() == [5] and report.files["loaded"].tolist() == [3]


def test_optional_columns_absent_are_null_and_revenue_zero(con, write):
    load_into(con, "ds", touchpoints=write("t.csv", "user,timestamp,source\nu1,2024-01-01 00:00:00,A\n"),
              conversions=write("c.csv", "user,timestamp\nu1,2024-01-02 00:00:00\n"))
    assert con.execute("select * from ds.touchpoints").fetchall() == [
        ("u1", dt.datetime(2024, 1, 1), "A", None, None, None, None, None, None)]
    assert con.execute("select * from ds.conversions").fetchall() == [
        ("u1", dt.datetime(2024, 1, 2), 0.0, None, None)]
    assert con.execute("select count(*) from ds.spend").fetchall() == [(0,)]


def test_all_rows_rejected_is_fatal_and_changes_nothing(con, write):
    good = write("good.csv", "user_id,ts,channel\nu1,2024-01-01,A\n")
    load_into(con, "ds", touchpoints=good)
    bad = write("bad.csv", "user_id,ts,channel\nu1,yesterday,A\nu2,today,B\n")
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=bad)
    assert str(err.value) == (
        "bad.csv: all 2 rows were rejected (2 x timestamp not recognised (most rows use YYYY-MM-DD "
        "hh:mm:ss)). The first is row 1, column 'ts', value 'yesterday'. Check the column mapping and the "
        "file's format.")
    assert (err.value.file, err.value.column, err.value.row) == ("bad.csv", "ts", 1)
    assert len(err.value.rejected) == 2
    assert con.execute("select user_id from ds.touchpoints").fetchall() == [("u1",)]
    assert not [r for r in con.execute("select table_name from duckdb_tables() where temporary").fetchall()]


def test_bad_arguments(con, write):
    path = write("t.csv", "user_id,ts,channel\nu1,2024-01-01,A\n")
    with pytest.raises(DataValidationError, match=r"schema name 'Bad-Name' is not allowed"):
        load_into(con, "Bad-Name", touchpoints=path)
    with pytest.raises(DataValidationError, match=r"give exactly one main input .*got touchpoints, event_log"):
        load_into(con, "ds", touchpoints=path, event_log=path)
    with pytest.raises(DataValidationError, match=r"got none"):
        load_into(con, "ds", spend=path)
    with pytest.raises(DataValidationError, match=r"a conversions file needs a touchpoints file"):
        load_into(con, "ds", conversions=path, event_log=path)
    with pytest.raises(DataValidationError, match=r"mappings has unknown roles \['touchpoint'\]"):
        load_into(con, "ds", touchpoints=path, mappings={"touchpoint": {}})


def test_explicit_mapping_and_typed_parquet(con, tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"who": ["a", "b", "b"], "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"],
                                                                       utc=True),
                          "src": ["X", "Y", "Y"], "price": [1, -2, -2]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    report = load_into(con, "ds", touchpoints=path,
                       mappings={"touchpoints": {"user_id": "who", "ts": "when", "channel": "src", "cost": "price"}})
    assert con.execute("select user_id, ts, cost from ds.touchpoints").fetchall() == [
        ("a", dt.datetime(2024, 1, 1), 1.0)]
    assert [tuple(r) for r in report.rejected(con)[["row", "reason"]].itertuples(index=False)] == [
        (2, "negative cost"), (3, "negative cost")]  # row 3 duplicates row 2, but its own problem comes first
    assert report.mappings["touchpoints"] == {"user_id": "who", "ts": "when", "channel": "src", "cost": "price"}
    assert any("time zone" in i.message for i in report.warnings)


def test_dedupe_off_keeps_identical_rows(con, write):
    path = write("t.csv", "user_id,ts,channel\nu1,2024-01-01,A\nu1,2024-01-01,A\n")
    assert load_into(con, "ds", touchpoints=path).tables["touchpoints"] == 1
    report = load_into(con, "ds", touchpoints=path, dedupe=False)
    assert (report.tables["touchpoints"], report.tables["rejected"]) == (2, 0)


def test_decimal_comma_columns(con, write):
    text = "user;time;channel;cost\nu1;2024-01-01;A;1,5\nu2;2024-01-02;B;1.234,25\nu3;2024-01-03;C;x\n"
    report = load_into(con, "ds", touchpoints=write("eu.csv", text))
    assert con.execute("select user_id, cost from ds.touchpoints order by 1").fetchall() == [
        ("u1", 1.5), ("u2", 1234.25)]
    assert report.rejected(con)["reason"].tolist() == ["cost is not a number"]
    assert any(i.message == "column 'cost' uses a decimal comma (1.234,5); it was read as such"
               for i in report.warnings)
    # with ',' as the delimiter, quoted "1,234" values are thousands, not decimals: left as not numbers
    us = 'user,time,channel,cost\nu1,2024-01-01,A,"1,234"\nu2,2024-01-02,B,"2,000"\nu3,2024-01-03,C,5\n'
    report = load_into(con, "ds", touchpoints=write("us.csv", us))
    assert con.execute("select cost from ds.touchpoints").fetchall() == [(5.0,)]
    assert report.rejected(con)["reason"].tolist() == ["cost is not a number"] * 2
