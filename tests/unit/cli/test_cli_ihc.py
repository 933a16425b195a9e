"""`python -m attribution ihc` on a hand-made challenge database (values worked out in ihc_db.py)."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from attribution.cli import main
from attribution.ihc.pipeline import read_journeys
from tests.unit.ihc.ihc_db import INPUT_TABLES, LOCAL_IHC, dump, make_db

# channel_reporting per (channel, session date): cost of all sessions; ihc and ihc x revenue of the
# attributed ones (c1 132.0, c2 30.0, c4 10.0). s1..s3 are in two journeys, their cost counts once.
EXPECTED_REPORT = {
    ("Direct", "2023-09-03"): (0.0, 43 / 132 + 59 / 285, 43 + 590 / 285),            # s3 in c1, c4
    ("Email", "2023-09-01"): (1.0, 13 / 66 + 43 / 285, 26 + 430 / 285),              # s1 in c1, c4
    ("Email", "2023-09-04"): (0.5, 59 / 285, 590 / 285),                             # s6 in c4
    ("Email", "2023-09-05"): (4.0, 0.0, 0.0),                                        # s5 in no journey
    ("SEA", "2023-09-02"): (5.0, 21 / 44 + 124 / 285 + 1.0, 63 + 1240 / 285 + 30),   # s2 in c1, c4; s4 = c2
}


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "challenge.db")


def _report(db) -> dict:
    return {(r[0], r[1]): r[2:] for r in dump(db, "channel_reporting")}


def test_journeys_are_the_users_sessions_up_to_the_conversion(db):
    journeys = read_journeys(db)
    got = journeys.sessions.groupby("conv_id")["session_id"].agg(list).to_dict()
    assert got == {"c1": ["s1", "s2", "s3"], "c2": ["s4"], "c4": ["s1", "s2", "s3", "s6"]}
    assert (journeys.conversions, journeys.without_sessions, journeys.n_journeys) == (4, 1, 3)


def test_pipeline_writes_hand_checked_tables_and_csv(db, tmp_path, capsys):
    assert main(["ihc", "--db", str(db), "--quiet"]) == 0
    assert "3 conversions" in capsys.readouterr().out
    rows = dump(db, "attribution_customer_journey")
    assert {(c, s): v for c, s, v in rows} == pytest.approx(LOCAL_IHC)
    sums = pd.DataFrame(rows, columns=["conv_id", "session_id", "ihc"]).groupby("conv_id")["ihc"].sum()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-12)
    report = _report(db)
    assert set(report) == set(EXPECTED_REPORT)
    for key, values in EXPECTED_REPORT.items():
        assert report[key] == pytest.approx(values), key
    csv = pd.read_csv(tmp_path / "channel_reporting.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["channel_name", "date", "cost", "ihc", "ihc_revenue", "CPO", "ROAS"]
    row = csv.set_index(["channel_name", "date"])
    # CPO = cost / ihc, ROAS = ihc_revenue / cost, empty where the denominator is 0
    sea = row.loc[("SEA", "2023-09-02")]
    # the CSV has money to the cent and ratios to 4 decimals
    assert sea["CPO"] == round(5.0 / (21 / 44 + 124 / 285 + 1.0), 2)
    assert sea["ROAS"] == round((93 + 1240 / 285) / 5.0, 4)
    assert pd.isna(row.loc[("Direct", "2023-09-03"), "ROAS"]) and row.loc[("Direct", "2023-09-03"), "CPO"] == 0.0
    assert pd.isna(row.loc[("Email", "2023-09-05"), "CPO"]) and row.loc[("Email", "2023-09-05"), "ROAS"] == 0.0


def test_rerun_is_idempotent_and_leaves_inputs_alone(db):
    inputs = {t: dump(db, t) for t in INPUT_TABLES}
    assert main(["ihc", "--db", str(db), "--quiet"]) == 0
    first = dump(db, "attribution_customer_journey"), dump(db, "channel_reporting")
    assert main(["ihc", "--db", str(db), "--quiet"]) == 0
    assert (dump(db, "attribution_customer_journey"), dump(db, "channel_reporting")) == first
    assert {t: dump(db, t) for t in INPUT_TABLES} == inputs


def test_date_range_replaces_only_its_conversions(db, tmp_path):
    csv = tmp_path / "sept3.csv"
    assert main(["ihc", "--db", str(db), "--start", "2023-09-03", "--end", "2023-09-03", "--csv", str(csv),
                 "--quiet"]) == 0
    assert {c for c, _, _ in dump(db, "attribution_customer_journey")} == {"c1"}
    report = _report(db)
    assert report[("Email", "2023-09-01")] == pytest.approx((1.0, 13 / 66, 26.0))   # only c1 attributed yet
    exported = pd.read_csv(csv, encoding="utf-8-sig")
    assert exported["date"].tolist() == ["2023-09-03"]                               # the CSV keeps to the range
    assert main(["ihc", "--db", str(db), "--quiet"]) == 0
    everything = dump(db, "attribution_customer_journey"), dump(db, "channel_reporting")
    assert main(["ihc", "--db", str(db), "--start", "2023-09-03", "--end", "2023-09-03", "--quiet"]) == 0
    # c1 was replaced by the same values; c2 and c4 were kept
    assert (dump(db, "attribution_customer_journey"), dump(db, "channel_reporting")) == everything


def test_model_parameters_change_the_values(db):
    # closer only (weights 0, 0, 1) with no engagement boost: c1 closer raw 1/4, 1/2, 1 -> 1/7, 2/7, 4/7
    assert main(["ihc", "--db", str(db), "--param", "w_initializer=0", "--param", "w_holder=0",
                 "--param", "closer_engagement_boost=0", "--quiet"]) == 0
    rows = {(c, s): v for c, s, v in dump(db, "attribution_customer_journey") if c == "c1"}
    assert rows == pytest.approx({("c1", "s1"): 1 / 7, ("c1", "s2"): 2 / 7, ("c1", "s3"): 4 / 7})


def test_unusable_databases_exit_2(tmp_path, capsys):
    assert main(["ihc", "--db", str(tmp_path / "missing.db")]) == 2
    assert capsys.readouterr().err.strip() == f"error: IHC database not found: {tmp_path / 'missing.db'}"
    (tmp_path / "text.db").write_text("not a database")
    assert main(["ihc", "--db", str(tmp_path / "text.db")]) == 2
    assert "is not an SQLite database" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("create table other (x)").connection.close()
    assert main(["ihc", "--db", str(empty)]) == 2
    assert "has no table 'session_sources'" in capsys.readouterr().err


def test_a_clashing_result_table_leaves_the_database_unchanged(db, capsys):
    with sqlite3.connect(db) as con:
        con.execute("create table channel_reporting (channel_name text, day text)")  # not the challenge schema
    before = {t: dump(db, t) for t in (*INPUT_TABLES, "channel_reporting")}
    assert main(["ihc", "--db", str(db), "--quiet"]) == 2
    assert "could not write the results" in capsys.readouterr().err
    assert {t: dump(db, t) for t in (*INPUT_TABLES, "channel_reporting")} == before
    assert dump(db, "attribution_customer_journey") == []
