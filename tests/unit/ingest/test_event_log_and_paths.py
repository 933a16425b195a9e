"""Event logs (conversion flag + value) and aggregated path files, including read_paths."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.ingest import load_into, read_paths
from attribution.journeys.data import PathData

LOG = """cookie,time,interaction,conversion,conversion_value,channel
A,2018-07-01T10:00:00Z,impression,0,0,Search
A,2018-07-02T10:00:00Z,conversion,1,12.5,Search
B,2018-07-03T10:00:00Z,impression,0,3,Email
B,2018-07-04T10:00:00Z,conversion,1,4,
C,2018-07-05T10:00:00Z,impression,0,0,
C,2018-07-06T10:00:00Z,impression,maybe,0,Video
D,2018-07-07T10:00:00Z,conversion,true,-2,Video
"""


def test_event_log_splits_touches_and_conversions(con, write):
    report = load_into(con, "ds", event_log=write("log.csv", LOG))
    assert con.execute("select user_id, ts, channel, interaction from ds.touchpoints order by ts").fetchall() == [
        ("A", dt.datetime(2018, 7, 1, 10), "Search", "impression"),
        ("A", dt.datetime(2018, 7, 2, 10), "Search", "conversion"),  # conversion row with a channel is a touch
        ("B", dt.datetime(2018, 7, 3, 10), "Email", "impression"),
    ]
    assert con.execute("select * from ds.conversions order by ts").fetchall() == [
        ("A", dt.datetime(2018, 7, 2, 10), 12.5, None, None),
        ("B", dt.datetime(2018, 7, 4, 10), 4.0, None, None),  # no channel: a conversion only
    ]
    assert [tuple(r) for r in report.rejected(con)[["row", "column_name", "reason"]].itertuples(index=False)] == [
        (5, "channel", "missing channel (column 'channel' is empty) on a row that is not a conversion"),
        (6, "conversion", "conversion is not a yes/no value (use 1/0 or true/false)"),
        (7, "conversion_value", "negative revenue"),
    ]
    assert report.files.to_dict("records") == [
        {"file": "log.csv", "role": "event_log", "rows": 7, "loaded": 4, "rejected": 3}]
    msgs = [i.message for i in report.warnings]
    assert "1 rows that are not conversions carry a value in column 'conversion_value'; it was ignored" in msgs
    assert "7 timestamps in column 'time' had a time zone and were converted to UTC" not in msgs  # only loaded
    assert "4 timestamps in column 'time' had a time zone and were converted to UTC" in msgs


PATHS_SEMI = """path;total_conversions;total_conversion_value;total_null
a > b > c;2;10.5;3
b;0;0;4
a > b > c;1;2;0
a >  > c;1;1;1
c > a;-1;0;0
c > a;x;0;0
"""


def test_paths_load_exact(con, write):
    report = load_into(con, "ds", paths=write("p.csv", PATHS_SEMI))
    assert report.kind == "paths"
    assert report.tables == {"paths": 2, "spend": 0, "rejected": 3}
    assert con.execute("select * from ds.paths").fetchall() == [
        (["a", "b", "c"], 3.0, 12.5, 3.0),  # rows 1 and 3 added: 2+1, 10.5+2, 3+0
        (["b"], 0.0, 0.0, 4.0),
    ]
    assert con.execute("select data_type from information_schema.columns where table_name = 'paths' and "
                       "column_name = 'path'").fetchall() == [("VARCHAR[]",)]
    assert [tuple(r) for r in report.rejected(con)[["row", "reason"]].itertuples(index=False)] == [
        (4, "path has an empty step (steps are separated by '>')"), (5, "negative conversions"),
        (6, "conversions is not a number")]
    assert (report.files["rows"] == report.files["loaded"] + report.files["rejected"]).all()


def test_paths_replace_journey_tables(con, write):
    load_into(con, "ds", touchpoints=write("t.csv", "user_id,ts,channel\nu,2024-01-01,A\n"))
    load_into(con, "ds", paths=write("p.csv", "path,conversions\nA>B,1\n"))
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'ds'").fetchall()}
    assert tables == {"paths", "spend", "rejected"}


def _frame(pd_paths: PathData) -> list[tuple]:
    return [tuple(r) for r in pd_paths.paths.itertuples(index=False)]


def test_read_paths_semicolon_and_comma(write):
    with pytest.warns(UserWarning, match=r"p\.csv: 3 rows rejected \(1 conversions is not a number; 1 negative conversions; 1 path has an empty step"):
        p = read_paths(write("p.csv", PATHS_SEMI))
    assert isinstance(p, PathData) and not p.has_touches
    assert _frame(p) == [(("a", "b", "c"), 3.0, 12.5, 3.0), (("b",), 0.0, 0.0, 4.0)]
    assert list(p.paths.columns) == ["path", "conversions", "revenue", "nulls"]
    comma = 'path,conversions,value,nulls\n"A>B",2,5,1\nA,1,1,0\n"B > A",0,0,2\n'
    p2 = read_paths(write("c.csv", comma))
    assert _frame(p2) == [(("A", "B"), 2.0, 5.0, 1.0), (("A",), 1.0, 1.0, 0.0), (("B", "A"), 0.0, 0.0, 2.0)]
    assert (p2.total_conversions, p2.channels) == (3.0, ["A", "B"])
    assert p2.fingerprint and p2.fingerprint == read_paths(write("c2.csv", comma)).fingerprint


def test_read_paths_separators_and_options(write):
    arrows = "path\tconversions\nX -> Y\t1\n"
    assert _frame(read_paths(write("a.tsv", arrows))) == [(("X", "Y"), 1.0, 0.0, 0.0)]
    pipes = "channels;conv\nX|Y|X;2\n"
    assert _frame(read_paths(write("b.csv", pipes), sep=";")) == [(("X", "Y", "X"), 2.0, 0.0, 0.0)]
    assert _frame(read_paths(write("c.csv", "p;n\nX / Y;2\n"), path_separator="/",
                             mapping={"path": "p", "conversions": "n"})) == [(("X", "Y"), 2.0, 0.0, 0.0)]
    latin = "path;conversions\nCaf\u00e9 > B;1\n".encode("latin-1")
    assert _frame(read_paths(write("l.csv", latin), encoding="latin-1")) == [(("Caf\u00e9", "B"), 1.0, 0.0, 0.0)]
    with pytest.raises(DataValidationError, match=r"no column for conversions \(the number of conversions\)"):
        read_paths(write("d.csv", "path;value\nA;1\n"))


def test_read_paths_parquet(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"path": ["A > B", "B"], "total_conversions": [1, 2], "total_null": [0, 5]}).to_parquet(path)
    assert _frame(read_paths(path)) == [(("A", "B"), 1.0, 0.0, 0.0), (("B",), 2.0, 0.0, 5.0)]


def test_spend_from_another_business_is_flagged(con, write):
    # the exact warning texts for a spend report whose channels and (DD-MM-YY) dates belong to another
    # business (test_shared_data.py has counterparts in the real reports' layouts)
    spend = write("report.csv", "date,channel,spend\n01-04-20,Radio,10\n22-04-20,Radio,5\n15-04-20,Print,2\n")
    report = load_into(con, "ds", event_log=write("log.csv", LOG), spend=spend)
    files = report.files
    assert (files["rows"] == files["loaded"] + files["rejected"]).all()
    assert report.tables["spend"] == 3
    msgs = [i.message for i in report.warnings if i.severity == "warning"]
    assert ("spend has 2 channel(s) not seen in touchpoints: 'Radio', 'Print' (check the spellings; their "
            "spend cannot be matched to conversions)") in msgs
    assert ("spend covers 2020-04-01 to 2020-04-22 but touchpoints cover 2018-07-01 to 2018-07-03: the "
            "periods do not overlap") in msgs


def test_read_paths_spacing_variants_are_one_path_in_first_row_order(write):
    # Steps are trimmed of Unicode spaces (a no-break space too), so 'a > b', 'a>b' and 'a\u00a0>b '
    # are one path: its counts are added (1+2+4 conversions, 10+20+40 value, 0+1+2 nulls) and it
    # keeps the place of its first row, after 'c' (row 1). Row 3 has too many fields: the reader
    # rejects it, and the rows after it keep their numbers (the empty step of row 6 is row 6).
    text = ("path;conv;value;nulls\nc;1;1;1\na > b;1;10;0\nx;1;1;1;9\na>b;2;20;1\n"
            "a\u00a0>b ;4;40;2\nd >  > e;1;1;1\n  b  ;1;5;0\n")
    with pytest.warns(UserWarning, match=r"2 rows rejected"):
        p = read_paths(write("s.csv", text))
    assert _frame(p) == [(("c",), 1.0, 1.0, 1.0), (("a", "b"), 7.0, 70.0, 3.0), (("b",), 1.0, 5.0, 0.0)]


def test_paths_load_keeps_file_order_and_reasons_with_rejected_rows(con, write):
    # no path repeats, so no row is aggregated: the accepted rows stay in file order around the
    # rejected ones, each rejected row with its own reason
    text = "path,conversions,value\nz,1,1\n>y,1,1\ny,-1,1\nx,2,2\nw,1,\nv,abc,1\n"
    report = load_into(con, "ds", paths=write("o.csv", text))
    assert con.execute("select path, conversions, revenue from ds.paths").fetchall() == [
        (["z"], 1.0, 1.0), (["x"], 2.0, 2.0), (["w"], 1.0, 0.0)]
    assert [tuple(r) for r in report.rejected(con)[["row", "reason"]].itertuples(index=False)] == [
        (2, "path has an empty step (steps are separated by '>')"), (3, "negative conversions"),
        (6, "conversions is not a number")]
