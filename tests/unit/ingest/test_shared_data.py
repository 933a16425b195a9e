"""Every file of ../shared/data/mta loads, and input rows = loaded + rejected for each.

The ../shared tests skip in a plain clone; each ``test_x`` has a ``test_x_generated`` counterpart
that loads a small file of the same layout written by tests/shared_like.py.
"""
from __future__ import annotations

import csv
import json

import pytest

from attribution.ingest import load_into, read_paths
from tests import shared_like
from tests.unit.ihc.ihc_db import CREATE as IHC_CHALLENGE_TABLES


def _csv_rows(path, delimiter=",") -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1


def _check_accounting(report):
    files = report.files
    assert (files["rows"] == files["loaded"] + files["rejected"]).all()
    assert files["rejected"].sum() == report.tables["rejected"]


@pytest.mark.shared
def test_si05_event_log_with_matcyt_spend(con, shared_data):
    mta = shared_data / "mta"
    log, spend = mta / "si05_attribution_data.csv", mta / "matcyt_budget_sample_daily.csv"
    report = load_into(con, "ds", event_log=log, spend=spend)
    _check_accounting(report)
    n_log = _csv_rows(log)
    assert report.files.set_index("file")["rows"].to_dict() == {log.name: n_log, spend.name: _csv_rows(spend)}
    assert report.tables["rejected"] == 0
    # every event row is a touch (all carry a channel); conversion rows are also conversions
    n_conv = con.execute(f"select count(*) from read_csv('{log}') where conversion = 1").fetchall()[0][0]
    assert report.tables == {"touchpoints": n_log, "conversions": n_conv, "spend": 155, "rejected": 0}
    assert con.execute("select sum(revenue) from ds.conversions").fetchall()[0][0] == pytest.approx(
        con.execute(f"select sum(conversion_value) from read_csv('{log}')").fetchall()[0][0])
    assert not [i for i in report.warnings if i.severity == "warning"]  # spend channels match
    assert con.execute("select count(distinct channel) from ds.spend").fetchall() == [(5,)]


def test_si05_event_log_with_matcyt_spend_generated(con, tmp_path):
    log, spend = tmp_path / "attribution_data.csv", tmp_path / "budget_sample_daily.csv"
    events, daily = shared_like.write_event_log(log), shared_like.write_daily_spend(spend)
    report = load_into(con, "ds", event_log=log, spend=spend)
    _check_accounting(report)
    assert report.files.set_index("file")["rows"].to_dict() == {log.name: events.rows, spend.name: daily.rows}
    # every event row is a touch (all carry a channel); spend: 31 July days x 5 channels = 155 rows
    assert report.tables == {"touchpoints": events.rows, "conversions": events.facts["conversions"],
                             "spend": 155, "rejected": 0}
    revenue, total_spend = con.execute(
        "select (select sum(revenue) from ds.conversions), (select sum(spend) from ds.spend)").fetchone()
    assert revenue == pytest.approx(events.facts["revenue"])
    assert total_spend == pytest.approx(daily.facts["spend"])
    assert not [i for i in report.warnings if i.severity == "warning"]  # spend channels and dates match
    assert events.facts["channels"] == 5
    assert con.execute("select count(distinct channel) from ds.spend").fetchall() == [(5,)]


@pytest.mark.shared
def test_channelattribution_paths(con, shared_data):
    path = shared_data / "mta" / "channelattribution_Data.csv"
    report = load_into(con, "ds", paths=path)
    _check_accounting(report)
    assert report.files["rows"].tolist() == [_csv_rows(path, ";")] == [10000]
    totals = con.execute("select sum(conversions), sum(nulls), count(*) from ds.paths").fetchall()[0]
    # the file sums: 19,785 conversions and 68,602 non-conversions (README); repeated paths are merged
    assert totals[:2] == (19785.0, 68602.0)
    p = read_paths(path)
    assert (p.total_conversions, len(p.paths), len(p.channels)) == (19785.0, totals[2], 12)


def test_channelattribution_paths_generated(con, tmp_path):
    rows = shared_like.random_channelattribution_rows(300, seed=1)
    path = shared_like.write_channelattribution_paths(tmp_path / "Data.csv", rows)
    report = load_into(con, "ds", paths=path)
    _check_accounting(report)
    assert report.files["rows"].tolist() == [300]
    totals = con.execute("select sum(conversions), sum(nulls), count(*) from ds.paths").fetchall()[0]
    # repeated paths are merged: one row per distinct path, the counts summed
    distinct = {p for p, *_ in rows}
    assert len(distinct) < len(rows)
    assert totals == (sum(r[1] for r in rows), sum(r[3] for r in rows), len(distinct))
    p = read_paths(path)
    channels = {step for r in rows for step in r[0].split(" > ")}
    assert (p.total_conversions, len(p.paths), len(p.channels)) == (totals[0], len(distinct), len(channels))


@pytest.mark.shared
@pytest.mark.parametrize(("name", "sessions", "journeys", "converted"), [
    ("haensel_BI_IHC_202109_customer_journeys_sample.json", 10372, 2428, 2164),
    ("haensel_ihc_webservice_cj_nl_new_test.csv", 25489, 3000, 3000),
    ("shreyank06_challenge_db_customer_journeys.json", 3703, 1940, 1940),  # flags all 0: all converted
])
def test_ihc_journey_files(con, shared_data, name, sessions, journeys, converted):
    report = load_into(con, "ds", ihc_journeys=shared_data / "mta" / name)
    _check_accounting(report)
    assert report.tables["touchpoints"] == sessions and report.tables["conversions"] == converted
    assert con.execute("select count(distinct user_id) from ds.touchpoints").fetchall() == [(journeys,)]
    flagged_all = any("treated as converted" in i.message for i in report.warnings)
    assert flagged_all == name.startswith("shreyank06")
    if name.endswith(".json"):
        assert len(json.loads((shared_data / "mta" / name).read_text())) == sessions


IHC_SHAPES = {  # shape of each ../shared file above: options of shared_like.ihc_journey_records
    "haensel_json": {"converting_share": 0.85},  # some journeys never flagged: non-converting
    "haensel_csv": {"converting_share": 1.0},
    "shreyank06_json": {"flag_conversions": False, "impression_interaction": True, "shared_sessions": 4},
}


@pytest.mark.parametrize("shape", sorted(IHC_SHAPES))
def test_ihc_journey_files_generated(con, tmp_path, shape):
    records, facts = shared_like.ihc_journey_records(60, seed=2, **IHC_SHAPES[shape])
    write = shared_like.write_ihc_csv if shape.endswith("csv") else shared_like.write_ihc_json
    path = write(tmp_path / f"journeys.{shape.rsplit('_', 1)[1]}", records)
    report = load_into(con, "ds", ihc_journeys=path)
    _check_accounting(report)
    assert report.tables["touchpoints"] == facts["sessions"] and report.tables["conversions"] == facts["converted"]
    assert con.execute("select count(distinct user_id) from ds.touchpoints").fetchall() == [(facts["journeys"],)]
    flagged_all = any("treated as converted" in i.message for i in report.warnings)
    assert flagged_all == shape.startswith("shreyank06")
    if shape == "haensel_json":
        assert 0 < facts["converted"] < facts["journeys"]
    if shape.startswith("shreyank06"):  # 4 sessions belong to two journeys each
        assert facts["distinct_sessions"] == facts["sessions"] - 4


@pytest.mark.shared
@pytest.mark.parametrize(("name", "rows"), [
    ("shreyank06_channel_reporting_output.csv", 150),
    ("haensel_Account_Manager_BI_202006_testdata.csv", 11977),
])
def test_other_reports_as_spend(con, shared_data, name, rows):
    mta = shared_data / "mta"
    report = load_into(con, "ds", event_log=mta / "si05_attribution_data.csv", spend=mta / name)
    _check_accounting(report)
    assert report.tables["spend"] == rows == _csv_rows(mta / name)
    # their channels and dates belong to other businesses: both cross-checks say so
    msgs = " ".join(i.message for i in report.warnings)
    assert "spend has" in msgs and "channel(s) not seen in touchpoints" in msgs and "do not overlap" in msgs
    if name.startswith("haensel"):
        # DD-MM-YY dates: 01-04-20 .. 22-04-20 is April 2020
        assert con.execute("select min(date)::varchar, max(date)::varchar from ds.spend").fetchall() == [
            ("2020-04-01", "2020-04-22")]


SPEND_REPORTS = {
    "channel_reporting.csv": shared_like.write_channel_reporting,
    "testdata.csv": shared_like.write_account_manager_report,
}


@pytest.mark.parametrize("name", sorted(SPEND_REPORTS))
def test_other_reports_as_spend_generated(con, tmp_path, name):
    log = tmp_path / "attribution_data.csv"
    shared_like.write_event_log(log)
    expected = SPEND_REPORTS[name](tmp_path / name)
    report = load_into(con, "ds", event_log=log, spend=tmp_path / name)
    _check_accounting(report)
    assert report.tables["spend"] == expected.rows
    msgs = " ".join(i.message for i in report.warnings)
    assert "spend has" in msgs and "channel(s) not seen in touchpoints" in msgs and "do not overlap" in msgs
    # ISO dates (channel_reporting) and DD-MM-YY dates (testdata: 01-04-20 is 1 April 2020) read right
    assert con.execute("select min(date)::varchar, max(date)::varchar from ds.spend").fetchall() == [
        (expected.facts["first"], expected.facts["last"])]


def _challenge_db(db_path, ddl: str, sessions: list[dict]) -> tuple[int, int]:
    """Write an IHC challenge database from IHC API journey records: each session once (a session
    shared by two journeys keeps its first owner), one conversion of value 10 per journey at its
    last session, a cost of 0.5 per session. Returns (sessions, conversions) written."""
    import sqlite3

    db = sqlite3.connect(db_path)
    db.executescript(ddl)
    db.executemany("insert or ignore into session_sources values (?,?,?,?,?,?,?,?)", [
        (s["session_id"], s["conversion_id"], s["timestamp"][:10], s["timestamp"][11:], s["channel_label"],
         s["holder_engagement"], s["closer_engagement"], s["impression_interaction"]) for s in sessions])
    last = {}
    for s in sessions:
        last[s["conversion_id"]] = max(last.get(s["conversion_id"], ""), s["timestamp"])
    db.executemany("insert into conversions values (?,?,?,?,?)",
                   [(c, c, ts[:10], ts[11:], 10.0) for c, ts in last.items()])
    db.executemany("insert or ignore into session_costs values (?,?)",
                   [(s["session_id"], 0.5) for s in sessions])
    db.commit()
    n_sessions = db.execute("select count(*) from session_sources").fetchone()[0]
    db.close()
    return n_sessions, len(last)


def _check_challenge_db(con, db_path, n_sessions: int, n_conversions: int) -> None:
    report = load_into(con, "ds", ihc_db=db_path)
    _check_accounting(report)
    assert report.tables["touchpoints"] == n_sessions
    assert report.tables["conversions"] == n_conversions
    assert con.execute("select sum(spend) from ds.spend").fetchall()[0][0] == pytest.approx(0.5 * n_sessions)


@pytest.mark.shared
def test_ihc_challenge_schema_round_trip(con, shared_data, tmp_path):
    """Build a database with the challenge's own schema file from the shreyank06 journeys."""
    mta = shared_data / "mta"
    ddl = (mta / "haensel_Data_Engineering_202309_challenge_db_create.sql").read_text()
    ddl = ddl[ddl.index("CREATE TABLE"):]  # the file starts with a Python-style header
    sessions = json.loads((mta / "shreyank06_challenge_db_customer_journeys.json").read_text())
    n_sessions, n_conversions = _challenge_db(tmp_path / "challenge.db", ddl, sessions)
    assert n_conversions == 1940
    _check_challenge_db(con, tmp_path / "challenge.db", n_sessions, n_conversions)


def test_ihc_challenge_schema_round_trip_generated(con, tmp_path):
    """The same round trip on generated shreyank06-style journeys and the challenge's three input
    tables (tests/unit/ihc/ihc_db.py writes their schema out)."""
    sessions, facts = shared_like.ihc_journey_records(50, seed=3, flag_conversions=False,
                                                      impression_interaction=True, shared_sessions=3)
    ddl = ";\n".join(IHC_CHALLENGE_TABLES) + ";"
    n_sessions, n_conversions = _challenge_db(tmp_path / "challenge.db", ddl, sessions)
    # 3 sessions appear in two journeys each and are stored once; one conversion per journey
    assert (n_sessions, n_conversions) == (facts["sessions"] - 3, 50) == (facts["distinct_sessions"], 50)
    _check_challenge_db(con, tmp_path / "challenge.db", n_sessions, n_conversions)
