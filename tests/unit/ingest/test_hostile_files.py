"""Hostile inputs: file names that try to reach other files, decompression bombs, damaged archives.

Each case asserts one of: the file loads with exact counts (loaded + rejected = input rows), or our
own DataValidationError is raised with a message naming the file. Big cases are generated here.
"""
from __future__ import annotations

import gzip
import io
import os
import sqlite3
from pathlib import Path

import pytest

from attribution.errors import DataValidationError
from attribution.ingest import load_into, preview
from attribution.ingest.frames import read_frame
from tests.unit.ihc.ihc_db import SESSIONS, make_db

TOUCHES = "user_id,ts,channel\nu1,2024-01-01 10:00,Search\nu2,2024-01-02 11:00,Email\n"
CONVS = "user_id,ts,revenue\nu1,2024-01-03 10:00,5\n"

# names that, used as a path or inside a file: URI, point somewhere else or are not file names at all
HOSTILE_NAMES = [
    "..%2f..%2fvictim.db",
    "..%2F..%2F..%2Ftmp%2Fvictim.db",
    "x.db?mode=rwc",
    "a#b.db",
    "..",
    "../../victim.db",
    "/etc/passwd",
    "nul\x00byte.db",
    "line\nbreak.db",
    "x" * 300 + ".db",
    "%00.db",
]


@pytest.fixture
def upload_db(tmp_path) -> bytes:
    """The bytes of the hand-made IHC challenge database."""
    return make_db(tmp_path / "upload_source.db").read_bytes()


@pytest.fixture
def victim(tmp_path, monkeypatch):
    """A different SQLite database next to the temp folder uploads are spooled into: a hostile
    name must never make the app read (or create) it."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "spool"))
    (tmp_path / "spool").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    path = tmp_path / "victim.db"
    with sqlite3.connect(path) as db:
        db.execute("create table session_sources (secret text)")
        db.execute("insert into session_sources values ('do not read me')")
    db.close()
    return path


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_upload_name_is_only_a_label(name, upload_db, victim, con, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    prev = preview((name, upload_db))
    # the upload's own table is shown, never the victim's
    assert "secret" not in prev.columns
    assert list(prev.columns)[:5] == ["session_id", "user_id", "event_date", "event_time", "channel_name"]
    assert len(prev.rows) == len(SESSIONS)
    report = load_into(con, "ds", ihc_db=(name, upload_db))
    assert report.tables["touchpoints"] == len(SESSIONS)
    # the label is printable and bounded; nothing new appeared outside the spool folder
    assert "\x00" not in prev.name and "\n" not in prev.name and len(prev.name) <= 120
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert victim.read_bytes().startswith(b"SQLite format 3")


def test_hostile_upload_names_for_csv(con, victim):
    for name in HOSTILE_NAMES:
        report = load_into(con, "ds", touchpoints=(name, TOUCHES.encode()), conversions=(name, CONVS.encode()))
        assert report.tables["touchpoints"] == 2 and report.tables["conversions"] == 1


def test_sqlite_path_with_uri_characters_opens_that_file(tmp_path, con):
    """A real file whose name holds URI syntax is opened as named (library / CLI paths)."""
    folder = tmp_path / "a?b#c%2fd"
    folder.mkdir()
    db = make_db(folder / "ihc ?mode=rwc#x.db")
    report = load_into(con, "ds", ihc_db=db)
    assert report.tables["touchpoints"] == len(SESSIONS)
    assert preview(db).columns[0] == "session_id"


def test_pipeline_connect_with_uri_characters(tmp_path):
    from attribution.ihc.pipeline import connect

    folder = tmp_path / "x%2f..?y"
    folder.mkdir()
    db = make_db(folder / "challenge#1.db")
    with sqlite3.connect(db) as c:
        c.execute("create table if not exists attribution_customer_journey (conv_id text)")
    c.close()
    try:
        con = connect(db)
    except DataValidationError as err:  # missing challenge tables is fine: the right file was opened
        assert "challenge#1.db" in str(err)
    else:
        con.close()
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- decompression bombs and damage
def _bomb(n_rows: int) -> bytes:
    line = b"u000001,2024-01-01 10:00:00,Search\n"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        gz.write(b"user_id,ts,channel\n")
        block = line * 10_000
        for _ in range(n_rows // 10_000):
            gz.write(block)
    return buf.getvalue()


def test_gzip_bomb_is_refused_by_uncompressed_size(con):
    data = _bomb(600_000)  # about 21 MB of CSV in well under 1 MB of gzip
    assert len(data) < 2**20
    limit = 5 * 2**20
    for call in (lambda: load_into(con, "ds", touchpoints=("bomb.csv.gz", data), max_bytes=limit),
                 lambda: preview(("bomb.csv.gz", data), max_bytes=limit),
                 lambda: read_frame(("bomb.csv.gz", data), max_bytes=limit)):
        with pytest.raises(DataValidationError, match=r"bomb\.csv\.gz expands to more than 5 MB"):
            call()


def test_gzip_under_the_limit_loads(con):
    data = _bomb(20_000)
    report = load_into(con, "ds", touchpoints=("ok.csv.gz", data))
    # every line is the same: exact duplicates after the first are rejected with a reason
    assert report.tables["touchpoints"] + report.tables["rejected"] == 20_000


def test_gzip_json_upload_loads(con):
    data = gzip.compress(b'[{"conversion_id":"c1","session_id":"s1","ts":"2024-01-01 10:00","channel":"A"}]')
    report = load_into(con, "ds", ihc_journeys=("journeys.json.gz", data))
    assert report.tables["touchpoints"] == 1


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_gzip_is_our_error(con, cut):
    full = gzip.compress((TOUCHES + "u3,2024-01-04 10:00,Display\n" * 50_000).encode())
    data = full[: int(len(full) * cut)]
    for call in (lambda: load_into(con, "ds", touchpoints=("cut.csv.gz", data)),
                 lambda: preview(("cut.csv.gz", data)),
                 lambda: read_frame(("cut.csv.gz", data))):
        with pytest.raises(DataValidationError, match=r"cut\.csv\.gz: the gzip data ends before its end marker"):
            call()


def test_truncated_sqlite_is_our_error(con, upload_db):
    data = upload_db[: len(upload_db) // 2]
    for call in (lambda: load_into(con, "ds", ihc_db=("cut.db", data)), lambda: preview(("cut.db", data))):
        with pytest.raises(DataValidationError, match=r"cut\.db: the SQLite database cannot be read"):
            call()


def test_ihc_columns_with_quotes_and_rowid(con, tmp_path):
    """Column names from a user's database are quoted, whatever they contain."""
    path = make_db(tmp_path / "odd.db")
    with sqlite3.connect(path) as db:
        db.execute('alter table session_sources add column "x""y" text')
        db.execute('alter table session_sources add column "rowid" text')
        db.execute("update session_sources set \"x\"\"y\" = 'q', rowid = 'r'")
    db.close()
    report = load_into(con, "ds", ihc_db=path)
    assert report.tables["touchpoints"] == len(SESSIONS)
    assert 'x"y' in preview(path).columns


def test_spool_folder_is_removed(upload_db):
    from attribution.ingest.sources import as_source

    src = as_source(("..", upload_db))
    folder = src.path.parent
    assert folder.is_dir() and src.path.name.endswith(".data") and src.name == ".."
    del src
    import gc
    gc.collect()
    assert not folder.exists()
    assert os.path.basename(str(folder)).startswith("attribution_upload_")


def test_label_of_hostile_names():
    from attribution.ingest.sources import label

    assert label("a\x00b\r\nc") == "a?b??c"
    assert len(label("y" * 300)) == 120
    assert label("  ") == "upload"
    assert Path(label("..%2f..%2fsecret.db")).name == "..%2f..%2fsecret.db"


@pytest.mark.parametrize("col", ["__row", "file_row_number"])
def test_reserved_column_name_is_our_error(con, write, col):
    path = write("reserved.csv", f"user_id,ts,channel,{col}\nu1,2024-01-01 10:00,A,1\n")
    with pytest.raises(DataValidationError, match=f"reserved.csv: a column is named '{col}'"):
        load_into(con, "ds", touchpoints=path)


def test_csv_column_named_rowid_loads(con, write):
    path = write("rowid.csv", "ROWID,user_id,ts,channel\nx,u1,2024-01-01 10:00,A\ny,u2,2024-01-01 11:00,B\n")
    report = load_into(con, "ds", touchpoints=path)
    assert report.tables["touchpoints"] == 2


def test_ihc_db_with_the_apps_empty_mapping(con, upload_db):
    """The app sends {'ihc_db': {}} (nothing to map): it loads instead of 'unknown roles'."""
    report = load_into(con, "ds", ihc_db=("challenge.db", upload_db), mappings={"ihc_db": {}})
    assert report.tables["touchpoints"] == len(SESSIONS)
