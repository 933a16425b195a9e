"""Every file of ../shared/data/mta loads, and input rows = loaded + rejected for each."""
from __future__ import annotations

import csv
import json

import pytest

from attribution.ingest import load_into, read_paths

pytestmark = pytest.mark.shared


def _csv_rows(path, delimiter=",") -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1


def _check_accounting(report):
    files = report.files
    assert (files["rows"] == files["loaded"] + files["rejected"]).all()
    assert files["rejected"].sum() == report.tables["rejected"]


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


def test_ihc_challenge_schema_round_trip(con, shared_data, tmp_path):
    """Build a database with the challenge's own schema file from the shreyank06 journeys."""
    import sqlite3

    mta = shared_data / "mta"
    ddl = (mta / "haensel_Data_Engineering_202309_challenge_db_create.sql").read_text()
    ddl = ddl[ddl.index("CREATE TABLE"):]  # the file starts with a Python-style header
    sessions = json.loads((mta / "shreyank06_challenge_db_customer_journeys.json").read_text())
    db_path = tmp_path / "challenge.db"
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
    report = load_into(con, "ds", ihc_db=db_path)
    _check_accounting(report)
    assert report.tables["touchpoints"] == n_sessions
    assert report.tables["conversions"] == len(last) == 1940
    assert con.execute("select sum(spend) from ds.spend").fetchall()[0][0] == pytest.approx(0.5 * n_sessions)
