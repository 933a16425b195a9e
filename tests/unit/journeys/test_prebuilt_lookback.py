"""Pre-built journeys (IHC database, IHC journey files, aggregated paths) get no lookback by default.

Hand-made IHC journeys (each conversion_id is one journey, converting at its last session):
  j1: Email 2021-04-01 -> Search 2021-06-01 (converts; Email is 61 days before the conversion)
  j2: Social 2021-05-20 -> Search 2021-06-02 (converts; Social is 13 days before)
First touch without a lookback: Email 1, Social 1. A 30-day window would cut Email from j1 and
credit Search 1, Social 1 instead.
"""
from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

import attribution as at
from attribution.cli import build_parser, main
from attribution.cli.options import journey_settings
from attribution.engine.duckdb_dataset import create_dataset, open_dataset
from attribution.store.workspace import PUBLIC_OWNER, Workspace
from tests.unit.ihc.ihc_db import CREATE

ROWS = [
    {"conversion_id": "j1", "session_id": "a", "timestamp": "2021-04-01 10:00:00", "channel_label": "Email", "conversion": 0},
    {"conversion_id": "j1", "session_id": "b", "timestamp": "2021-06-01 10:00:00", "channel_label": "Search", "conversion": 1},
    {"conversion_id": "j2", "session_id": "c", "timestamp": "2021-05-20 10:00:00", "channel_label": "Social", "conversion": 0},
    {"conversion_id": "j2", "session_id": "d", "timestamp": "2021-06-02 10:00:00", "channel_label": "Search", "conversion": 1},
]
NO_LOOKBACK = {"Email": 1.0, "Social": 1.0}
THIRTY_DAYS = {"Search": 1.0, "Social": 1.0}


def _first_touch(data) -> dict[str, float]:
    credit = at.run_model("first_touch", data)
    return {r.channel: r.conversions for r in credit.itertuples() if r.conversions}


@pytest.fixture
def journeys_file(tmp_path):
    path = tmp_path / "cj.json"
    path.write_text(json.dumps(ROWS))
    return path


@pytest.fixture
def challenge_db(tmp_path):
    """The same two journeys as the IHC challenge database (users u1, u2; conversions at the last session)."""
    path = tmp_path / "challenge.db"
    with sqlite3.connect(path) as db:
        for statement in CREATE:
            db.execute(statement)
        db.executemany("insert into session_sources values (?, ?, ?, ?, ?, 0, 0, 0)",
                       [(r["session_id"], r["conversion_id"].replace("j", "u"), *r["timestamp"].split(" "),
                         r["channel_label"]) for r in ROWS])
        db.executemany("insert into conversions values (?, ?, ?, ?, 0)",
                       [(r["conversion_id"], r["conversion_id"].replace("j", "u"), *r["timestamp"].split(" "))
                        for r in ROWS if r["conversion"]])
    db.close()
    return path


@pytest.mark.parametrize("role", ["ihc_journeys", "ihc_db"])
def test_first_touch_on_prebuilt_journeys_equals_the_count_without_a_lookback(role, journeys_file, challenge_db):
    ds = at.load(**{role: journeys_file if role == "ihc_journeys" else challenge_db})
    assert ds.prebuilt_journeys and ds.default_settings().lookback_days is None
    assert _first_touch(ds.journeys()) == NO_LOOKBACK == _first_touch(ds.journeys(lookback_days=None))
    # the user can still ask for a window
    assert _first_touch(ds.journeys(lookback_days=30)) == THIRTY_DAYS
    assert ds.default_settings(lookback_days=30).lookback_days == 30


def test_touch_level_data_keep_the_30_day_default(tmp_path):
    tp = tmp_path / "tp.csv"
    conv = tmp_path / "conv.csv"
    tp.write_text("user_id,ts,channel\n" + "".join(f"{r['conversion_id']},{r['timestamp']},{r['channel_label']}\n"
                                                   for r in ROWS))
    conv.write_text("user_id,ts\n" + "".join(f"{r['conversion_id']},{r['timestamp']}\n" for r in ROWS if r["conversion"]))
    ds = at.load(touchpoints=tp, conversions=conv)
    assert not ds.prebuilt_journeys and ds.default_settings().lookback_days == 30
    assert _first_touch(ds.journeys()) == THIRTY_DAYS


def test_a_reopened_dataset_remembers_it_is_prebuilt(journeys_file):
    # the app reopens its datasets from the workspace catalogue on every run
    ws = Workspace(None)
    made = create_dataset(ws, "journeys", PUBLIC_OWNER, ihc_journeys=journeys_file)
    again = open_dataset(ws, made.dataset_id)
    assert again.main_input == "ihc_journeys" and again.prebuilt_journeys
    assert _first_touch(again.journeys()) == NO_LOOKBACK


def test_cli_applies_the_dataset_default_unless_a_lookback_is_given(journeys_file, tmp_path):
    parser = build_parser()
    ds = at.load(ihc_journeys=journeys_file)
    assert journey_settings(parser.parse_args(["run", "--out", "x"]), ds).lookback_days is None
    assert journey_settings(parser.parse_args(["run", "--out", "x", "--lookback-days", "30"]), ds).lookback_days == 30
    assert journey_settings(parser.parse_args(["run", "--out", "x"])).lookback_days == 30  # no dataset yet
    for args, expected in (([], NO_LOOKBACK), (["--lookback-days", "30"], THIRTY_DAYS)):
        out = tmp_path / f"out{len(args)}"
        assert main(["run", "--ihc-journeys", str(journeys_file), "--models", "first_touch", "--report-model",
                     "first_touch", "--no-report", "--out", str(out), "--quiet", *args]) == 0
        credit = pd.read_csv(out / "model_comparison.csv")
        assert {r.channel: r.conversions for r in credit.itertuples() if r.conversions} == expected
