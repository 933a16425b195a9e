"""IHC inputs: the challenge SQLite database and IHC API journey JSON/CSV."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from attribution.errors import DataValidationError
from attribution.ingest import load_into

SCHEMA = """
CREATE TABLE conversions (conv_id text NOT NULL, user_id text NOT NULL, conv_date text NOT NULL,
    conv_time text NOT NULL, revenue real NOT NULL, PRIMARY KEY(conv_id));
CREATE TABLE session_costs (session_id text NOT NULL, cost real, PRIMARY KEY(session_id));
CREATE TABLE session_sources (session_id text NOT NULL, user_id text NOT NULL, event_date text NOT NULL,
    event_time text NOT NULL, channel_name text NOT NULL, holder_engagement INTEGER NOT NULL,
    closer_engagement INTEGER NOT NULL, impression_interaction INTEGER NOT NULL, PRIMARY KEY(session_id));
"""


@pytest.fixture
def ihc_db(tmp_path):
    path = tmp_path / "challenge.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("insert into session_sources values (?,?,?,?,?,?,?,?)", [
        ("s1", "u1", "2023-09-01", "10:00:00", "Email", 1, 0, 0),
        ("s2", "u1", "2023-09-02", "11:00:00", "Search", 0, 1, 1),
        ("s3", "u2", "2023-09-02", "12:00:00", "Search", 0, 0, 0),
        ("s4", "u2", "someday", "12:00:00", "Social", 0, 0, 0),
    ])
    db.executemany("insert into conversions values (?,?,?,?,?)", [
        ("c1", "u1", "2023-09-02", "11:30:00", 50.0), ("c2", "u3", "2023-09-03", "09:00:00", 20.0)])
    db.executemany("insert into session_costs values (?,?)",
                   [("s1", 1.5), ("s2", 2.0), ("s3", None), ("s9", 3.0), ("s4", 1.0)])
    db.commit()
    db.close()
    return path


def test_ihc_db(con, ihc_db):
    report = load_into(con, "ds", ihc_db=ihc_db)
    assert con.execute("select * from ds.touchpoints order by ts").fetchall() == [
        ("u1", dt.datetime(2023, 9, 1, 10), "Email", None, 1.5, "s1", "visit", True, False),
        ("u1", dt.datetime(2023, 9, 2, 11), "Search", None, 2.0, "s2", "impression", False, True),
        ("u2", dt.datetime(2023, 9, 2, 12), "Search", None, None, "s3", "visit", False, False),
    ]
    assert con.execute("select * from ds.conversions order by ts").fetchall() == [
        ("u1", dt.datetime(2023, 9, 2, 11, 30), 50.0, "c1", None),
        ("u3", dt.datetime(2023, 9, 3, 9), 20.0, "c2", None),
    ]
    # spend = session costs per day and channel: 1.5 (Email, 1 Sep), 2.0 (Search, 2 Sep; s3 has no cost)
    assert con.execute("select date, channel, spend from ds.spend order by date").fetchall() == [
        (dt.date(2023, 9, 1), "Email", 1.5), (dt.date(2023, 9, 2), "Search", 2.0)]
    rej = [tuple(r) for r in report.rejected(con)[["file", "row", "reason"]].itertuples(index=False)]
    assert rej == [
        ("challenge.db:session_costs", 4, "no session with this session_id in session_sources"),
        ("challenge.db:session_costs", 5, "no session with this session_id in session_sources"),
        ("challenge.db:session_sources", 4, "timestamp not recognised (most rows use YYYY-MM-DD hh:mm:ss)"),
    ]
    assert report.files.to_dict("records") == [
        {"file": "challenge.db:session_sources", "role": "ihc_db:session_sources", "rows": 4, "loaded": 3,
         "rejected": 1},
        {"file": "challenge.db:session_costs", "role": "ihc_db:session_costs", "rows": 5, "loaded": 3,
         "rejected": 2},
        {"file": "challenge.db:conversions", "role": "ihc_db:conversions", "rows": 2, "loaded": 2, "rejected": 0},
    ]
    msgs = [i.message for i in report.warnings]
    assert "1 conversions belong to users with no touchpoints (their journeys will be empty)" in msgs
    assert "spend is the sum of session costs per day and channel (no spend file given)" in msgs


def test_ihc_db_wrong_database(con, tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("create table events (a)")
    db.commit()
    db.close()
    with pytest.raises(DataValidationError, match=r"^other\.db has no table 'session_sources' \(tables found: "
                                                  r"events\)\. Is this the IHC challenge database\?"):
        load_into(con, "ds", ihc_db=path)


JOURNEYS = [
    {"conversion_id": "j1", "session_id": "a", "timestamp": "2021-06-01 10:00:00", "channel_label": "x",
     "holder_engagement": 0, "closer_engagement": 1, "conversion": 0},
    {"conversion_id": "j1", "session_id": "b", "timestamp": "2021-06-02 10:00:00", "channel_label": "y",
     "holder_engagement": 1, "closer_engagement": 0, "conversion": 1},
    {"conversion_id": "j2", "session_id": "c", "timestamp": "2021-06-03 10:00:00", "channel_label": "x",
     "holder_engagement": 0, "closer_engagement": 0, "conversion": 0},
]


def test_ihc_journeys_json(con, write):
    report = load_into(con, "ds", ihc_journeys=write("cj.json", json.dumps(JOURNEYS)))
    assert con.execute("select * from ds.touchpoints order by ts").fetchall() == [
        ("j1", dt.datetime(2021, 6, 1, 10), "x", None, None, "a", None, False, True),
        ("j1", dt.datetime(2021, 6, 2, 10), "y", None, None, "b", None, True, False),
        ("j2", dt.datetime(2021, 6, 3, 10), "x", None, None, "c", None, False, False),
    ]
    # j1 converted (a row has conversion=1) at its last session; j2 did not
    assert con.execute("select * from ds.conversions").fetchall() == [
        ("j1", dt.datetime(2021, 6, 2, 10), 0.0, "j1", None)]
    assert not [i for i in report.warnings if i.severity == "warning"]


def test_ihc_journeys_without_flags_all_converted(con, write):
    rows = [dict(r, conversion=0, impression_interaction=i % 2) for i, r in enumerate(JOURNEYS)]
    text = ",".join(rows[0]) + "\n" + "".join(",".join(str(v) for v in r.values()) + "\n" for r in rows)
    path = write("cj.csv", text)
    report = load_into(con, "ds", ihc_journeys=path)
    assert con.execute("select user_id, ts, conversion_id from ds.conversions order by ts").fetchall() == [
        ("j1", dt.datetime(2021, 6, 2, 10), "j1"), ("j2", dt.datetime(2021, 6, 3, 10), "j2")]
    assert con.execute("select interaction from ds.touchpoints order by ts").fetchall() == [
        ("visit",), ("impression",), ("visit",)]
    assert report.warnings[0].message == (
        "no session is flagged as a conversion (column 'conversion'); every one of the 2 journeys was treated "
        "as converted, at its last session. Pass ihc_all_converted=False to keep them non-converting")
    report = load_into(con, "ds", ihc_journeys=path, ihc_all_converted=False)
    assert report.tables["conversions"] == 0 and report.tables["touchpoints"] == 3


def test_the_all_converted_warning_says_what_each_audience_can_do(con, write):
    # only the library has ihc_all_converted: the page and the CLI name what their users can do
    rows = [dict(r, conversion=0) for r in JOURNEYS]
    path = write("cj.json", json.dumps(rows))
    issue = load_into(con, "ds", ihc_journeys=path).warnings[0]
    found = ("no session is flagged as a conversion (column 'conversion'); every one of the 2 journeys was "
             "treated as converted, at its last session.")
    assert issue.message_for("library") == issue.message == f"{found} Pass ihc_all_converted=False to keep them non-converting"
    app, cli = issue.message_for("app"), issue.message_for("cli")
    assert app == (f"{found} If some did not convert, mark each converting journey's converting session with 1 "
                   "in a conversion column, choose that column in the column mapping and load the file again")
    assert cli == (f"{found} If some did not convert, mark each converting journey's converting session with 1 "
                   "in a conversion column (--map ihc_journeys.conversion=COLUMN when its name is not guessed)")
    assert issue.location == "cj.json, column conversion"
    with pytest.raises(ValueError, match="audience must be one of library, app, cli"):
        issue.message_for("browser")
    # the advice works: a flag column under a name that is not guessed, mapped by hand, keeps j2 non-converting
    renamed = write("cj2.json", json.dumps([{("zz_flag" if k == "conversion" else k): v for k, v in r.items()}
                                            for r in JOURNEYS]))
    assert load_into(con, "ds", ihc_journeys=renamed).tables["conversions"] == 2
    report = load_into(con, "ds", ihc_journeys=renamed, mappings={"ihc_journeys": {"conversion": "zz_flag"}})
    assert report.tables["conversions"] == 1 and not [i for i in report.warnings if i.severity == "warning"]


def test_ihc_journeys_ndjson_and_db_preview(con, write, ihc_db):
    from attribution.ingest import preview

    path = write("cj.jsonl", "".join(json.dumps(r) + "\n" for r in JOURNEYS))
    report = load_into(con, "ds", ihc_journeys=path)
    assert report.tables["touchpoints"] == 3 and report.tables["conversions"] == 1
    p = preview(ihc_db, max_rows=2)
    assert (p.format, p.columns[:3], len(p.rows)) == ("sqlite", ["session_id", "user_id", "event_date"], 2)
