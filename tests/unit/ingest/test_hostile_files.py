"""Hostile inputs: file names that try to reach other files, decompression bombs, damaged archives.

Each case asserts one of: the file loads with exact counts (loaded + rejected = input rows), or our
own DataValidationError is raised with a message naming the file. Big cases are generated here.
"""
from __future__ import annotations

import codecs
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
        with pytest.raises(DataValidationError, match=r"bomb\.csv\.gz expands to more than 5\.0 MB"):
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


# ---------------------------------------------------------------- values that must not change silently
def _spend_csv(cells: list[str]) -> str:
    rows = "".join(f"2024-01-0{i + 1};A;{c}\n" for i, c in enumerate(cells))
    return "date;channel;cost\n" + rows


def test_decimal_comma_column_rejects_dot_values_as_ambiguous(con, write):
    """Most cells use a decimal comma: '1.5' is neither 1.5 nor 15, and '1.500' could be 1.5 or
    1500; both are rejected with a reason, the others read as written."""
    tp = write("tp.csv", TOUCHES)
    sp = write("sp.csv", _spend_csv(["2,5", "3,25", "1.5", "4,75", "1.500", "1.234,5", "1.234.567"]))
    report = load_into(con, "ds", touchpoints=tp, spend=sp)
    assert report.tables["spend"] == 5 and report.tables["rejected"] == 2
    costs = [r[0] for r in con.execute("select spend from ds.spend order by date").fetchall()]
    assert costs == [2.5, 3.25, 4.75, 1234.5, 1234567.0]
    rej = con.execute("select row, value, reason from ds.rejected order by row").fetchall()
    assert [(r, v) for r, v, _ in rej] == [(3, "1.5"), (5, "1.500")]
    assert all(reason.startswith("ambiguous number: column 'cost' uses a decimal comma") for *_, reason in rej)


@pytest.mark.parametrize(("values", "expected"), [
    # YYYYMMDD integers are dates, never Unix seconds (20240105 s would be 1970-08-23)
    ([20240105, 20240106], ["2024-01-05 00:00:00", "2024-01-06 00:00:00"]),
    # ten-digit integers are Unix seconds, thirteen-digit ones milliseconds; whole floats likewise
    ([1704067200, 1704153600], ["2024-01-01 00:00:00", "2024-01-02 00:00:00"]),
    ([1704067200000, 1704153600000], ["2024-01-01 00:00:00", "2024-01-02 00:00:00"]),
    ([1704067200.0, 1704153600.5], ["2024-01-01 00:00:00", "2024-01-02 00:00:00.500000"]),
])
def test_integer_parquet_timestamps(con, tmp_path, values, expected):
    import pandas as pd

    path = tmp_path / "ints.parquet"
    pd.DataFrame({"user_id": ["u1", "u2"], "ts": values, "channel": ["A", "B"]}).to_parquet(path)
    load_into(con, "ds", touchpoints=path)
    got = [str(r[0]) for r in con.execute("select ts from ds.touchpoints order by ts").fetchall()]
    assert got == expected


@pytest.mark.parametrize("bad", [float("inf"), 9e18, 9 * 10**18, -1.0e12])
def test_out_of_range_parquet_timestamps_are_rejected_rows(con, tmp_path, bad):
    import pandas as pd

    path = tmp_path / "bad.parquet"
    ts = [bad, 1704067200] if isinstance(bad, int) else [bad, 1704067200.0]
    pd.DataFrame({"user_id": ["u1", "u2"], "ts": ts, "channel": ["A", "B"]}).to_parquet(path)
    report = load_into(con, "ds", touchpoints=path)
    assert report.tables["touchpoints"] == 1 and report.tables["rejected"] == 1
    row, column, reason = con.execute("select row, column_name, reason from ds.rejected").fetchall()[0]
    assert (row, column) == (1, "ts") and "timestamp" in reason


def test_boolean_timestamp_column_is_our_error(con, tmp_path):
    import pandas as pd

    path = tmp_path / "flags.parquet"
    pd.DataFrame({"user_id": ["u1"], "ts": [True], "channel": ["A"]}).to_parquet(path)
    with pytest.raises(DataValidationError, match=r"flags\.parquet: column 'ts' holds BOOLEAN values, not dates"):
        load_into(con, "ds", touchpoints=path)


ZONED = [
    # value, UTC clock time (abbreviations are fixed offsets; zone names follow daylight saving)
    ("2024-01-01 10:00:00 EST", "2024-01-01 15:00:00"),
    ("2024-07-01 10:00:00 EDT", "2024-07-01 14:00:00"),
    ("2024-01-01 10:00:00 CET", "2024-01-01 09:00:00"),
    ("2024-07-01 10:00:00 CET", "2024-07-01 09:00:00"),
    ("2024-07-01 10:00:00 CEST", "2024-07-01 08:00:00"),
    ("2024-01-01 10:00:00 Europe/Berlin", "2024-01-01 09:00:00"),
    ("2024-07-01 10:00:00 Europe/Berlin", "2024-07-01 08:00:00"),
    ("2024-07-01 10:00:00 America/New_York", "2024-07-01 14:00:00"),
    ("2024-07-01 10:00 PST", "2024-07-01 18:00:00"),
    ("2024-07-01T10:00:00Z", "2024-07-01 10:00:00"),
    ("2024-07-01 10:00:00 UTC", "2024-07-01 10:00:00"),
    ("2024-07-01 10:00:00+02:00", "2024-07-01 08:00:00"),
]


def test_named_time_zones_are_converted_to_utc(con, write):
    body = "".join(f"u{i},{v},A\n" for i, (v, _) in enumerate(ZONED))
    # plain rows are the majority, as in a real export where a few rows carry a zone
    plain = "".join(f"p{i},2024-02-{i + 1:02d} 12:00:00,B\n" for i in range(len(ZONED) + 1))
    report = load_into(con, "ds", touchpoints=write("tz.csv", "user_id,ts,channel\n" + body + plain))
    assert report.tables["rejected"] == 0
    got = dict(con.execute("select user_id, strftime(ts, '%Y-%m-%d %H:%M:%S') from ds.touchpoints").fetchall())
    assert [got[f"u{i}"] for i in range(len(ZONED))] == [utc for _, utc in ZONED]
    assert got["p0"] == "2024-02-01 12:00:00"


@pytest.mark.parametrize(("value", "reason"), [
    ("2024-01-01 10:00:00 foo", "time zone foo not understood"),
    ("2024-01-01 10:00:00 Mars/Olympus", "time zone Mars/Olympus not understood"),
    ("2024-01-01 10:00:00 XYZ", "time zone XYZ not understood"),
    ("2024-01-01 10:00:00 CST", "time zone CST is ambiguous"),
    ("2024-01-01 10:00:00 IST", "time zone IST is ambiguous"),
    ("2024-01-01 10:00:00 (EST)", "timestamp not recognised"),
    ("2024-01-01 10:00:00 local time", "timestamp not recognised"),
])
def test_unknown_trailing_text_rejects_the_row(con, write, value, reason):
    """Trailing text is never dropped: the row is rejected with a reason naming it."""
    text = f"user_id,ts,channel\nu1,{value},A\nu2,2024-01-02 10:00:00,B\nu3,2024-01-03 10:00:00,B\n"
    report = load_into(con, "ds", touchpoints=write("tz.csv", text))
    assert report.tables["touchpoints"] == 2 and report.tables["rejected"] == 1
    row, got_value, got_reason = con.execute("select row, value, reason from ds.rejected").fetchall()[0]
    assert (row, got_value) == (1, value) and got_reason.startswith(reason)


# ---------------------------------------------------------------- bad options
@pytest.mark.parametrize("fmt", ["%Q%", "%Y-%m-%d %"])
def test_bad_ts_format_is_our_error(con, write, fmt):
    with pytest.raises(DataValidationError, match=r"tp\.csv: the ts_format .* for column 'ts' is not a valid format"):
        load_into(con, "ds", touchpoints=write("tp.csv", TOUCHES), mappings={"touchpoints": {"ts_format": fmt}})


@pytest.mark.parametrize("delim", [",;", "", '"', "\n", "ab"])
def test_bad_delimiter_is_our_error(con, write, delim):
    with pytest.raises(DataValidationError, match=r"tp\.csv: the delimiter option .* is not usable"):
        load_into(con, "ds", touchpoints=write("tp.csv", TOUCHES), mappings={"touchpoints": {"delimiter": delim}})


def test_tab_delimiter_by_name(con, write):
    report = load_into(con, "ds", touchpoints=write("tp.tsv", TOUCHES.replace(",", "\t")),
                       mappings={"touchpoints": {"delimiter": "tab"}})
    assert report.tables["touchpoints"] == 2


# ---------------------------------------------------------------- quoting, huge cells, encodings
def test_one_badly_quoted_row_is_one_rejected_row(con, write):
    text = 'user_id,ts,channel\nu1,2024-01-01 10:00,A\nu2,2024-01-02 10:00,"B"x\nu3,2024-01-03 10:00,C\n'
    report = load_into(con, "ds", touchpoints=write("q.csv", text))
    assert report.tables["touchpoints"] == 2 and report.tables["rejected"] == 1
    assert con.execute("select row, reason from ds.rejected").fetchall() == [(2, "badly quoted value")]


def test_unclosed_quote_names_the_row(con, write):
    text = 'user_id,ts,channel\nu1,2024-01-01 10:00,A\nu2,2024-01-02 10:00,"B\nu3,2024-01-03 10:00,C\nu4,2024-01-04 10:00,D\n'
    with pytest.raises(DataValidationError, match=r"q\.csv: row 2 \(line 3\) opens a quote .* never closed, so the 2 lines"):
        load_into(con, "ds", touchpoints=write("q.csv", text))


def test_cell_of_two_and_a_half_megabytes_loads(con, write):
    big = "x" * 2_500_000
    text = f"user_id,ts,channel,note\nu1,2024-01-01 10:00,A,{big}\nu2,2024-01-02 10:00,{big},y\n"
    report = load_into(con, "ds", touchpoints=write("big.csv", text))
    assert report.tables["touchpoints"] == 2 and report.tables["rejected"] == 0
    assert con.execute("select max(length(channel)) from ds.touchpoints").fetchall()[0][0] == 2_500_000


WINDOWS_TEXT = "user_id,ts,channel\nu1,2024-01-01 10:00,Caf\u00e9 \u20ac \u201cpromo\u201d \u2013 \u0160\nu2,2024-01-02 10:00,B\n"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "windows-1252", "ISO-8859-1"])
def test_windows_1252_file_loads_with_latin1_or_cp1252(con, write, encoding):
    path = write("win.csv", WINDOWS_TEXT.encode("cp1252"))
    load_into(con, "ds", touchpoints=path, mappings={"touchpoints": {"encoding": encoding}})
    channels = [r[0] for r in con.execute("select channel from ds.touchpoints order by ts").fetchall()]
    assert channels == ["Caf\u00e9 \u20ac \u201cpromo\u201d \u2013 \u0160", "B"]
    assert preview(path, encoding=encoding).rows.iloc[0, 2] == channels[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_is_read(con, write, codec):
    data = WINDOWS_TEXT.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    report = load_into(con, "ds", touchpoints=write("u16.csv", data))
    assert report.tables["touchpoints"] == 2
    assert con.execute("select channel from ds.touchpoints order by ts").fetchall()[0][0].startswith("Caf\u00e9 \u20ac")
    prev = preview(write("u16b.csv", data))
    assert list(prev.columns) == ["user_id", "ts", "channel"] and prev.encoding_ok


def test_odd_utf16_is_our_error(con, write):
    data = "user_id,ts,channel\nu1,2024-01-01 10:00,A\n".encode("utf-16") + b"\x00"
    with pytest.raises(DataValidationError, match=r"u16\.csv is not valid UTF-16"):
        load_into(con, "ds", touchpoints=write("u16.csv", data))


# JSON: other encodings, and JSON that is not a list of records
JOURNEYS = [{"conversion_id": "c1", "session_id": "s1", "ts": "2024-01-01 10:00", "channel": "Caf\u00e9 \u20ac"},
            {"conversion_id": "c1", "session_id": "s2", "ts": "2024-01-02 10:00", "channel": "B"}]


def _json(records=JOURNEYS) -> str:
    import json

    return json.dumps(records, ensure_ascii=False)


@pytest.mark.parametrize("data", [_json().encode("utf-16"),  # little-endian with its mark
                                  codecs.BOM_UTF16_BE + _json().encode("utf-16-be"),
                                  codecs.BOM_UTF8 + _json().encode("utf-8")],
                         ids=["utf-16-le", "utf-16-be", "utf-8-bom"])
def test_json_with_a_byte_order_mark_is_read(con, data):
    report = load_into(con, "ds", ihc_journeys=("journeys.json", data))
    assert report.tables["touchpoints"] == 2 and report.tables["rejected"] == 0
    assert [r[0] for r in con.execute("select channel from ds.touchpoints order by ts").fetchall()] == \
        ["Caf\u00e9 \u20ac", "B"]
    shown = preview(("journeys.json", data))
    assert list(shown.columns) == ["conversion_id", "session_id", "ts", "channel"] and shown.encoding_ok
    assert shown.rows["channel"].tolist() == ["Caf\u00e9 \u20ac", "B"]


def test_windows_1252_json_names_its_byte_and_loads_with_the_encoding(con):
    data = _json().encode("cp1252")
    at = data.index("\u00e9".encode("cp1252")) + 1  # 1-based byte of the é on line 1
    with pytest.raises(DataValidationError, match=rf"win\.json is not valid UTF-8 at line 1, byte {at} \(0xe9\).*"
                                                  r"'encoding': 'latin-1'"):
        load_into(con, "ds", ihc_journeys=("win.json", data))
    assert preview(("win.json", data)).encoding_ok is False
    report = load_into(con, "ds", ihc_journeys=("win.json", data), mappings={"ihc_journeys": {"encoding": "cp1252"}})
    assert report.tables["touchpoints"] == 2
    assert con.execute("select channel from ds.touchpoints order by ts").fetchall()[0][0] == "Caf\u00e9 \u20ac"
    assert preview(("win.json", data), encoding="cp1252").rows["channel"].tolist()[0] == "Caf\u00e9 \u20ac"


@pytest.mark.parametrize("text, words", [
    ("[1, 2, 3]", r"numbers\.json is JSON but not a list of records"),
    ('[{"conversion_id": "c1"}, 5]', r"numbers\.json is JSON but not a list of records"),
    ('["a", "b"]', r"numbers\.json is JSON but not a list of records"),
    ("[]", r"numbers\.json has no records"),
    ('{"customer_journeys": ' + _json() + "}", r"numbers\.json holds one object whose field 'customer_journeys' is "
                                                r"the list of records"),
    ('{"a": 1, "b": 2}', r"numbers\.json: no column for conversion_id .* Columns found: 'a', 'b'"),
])
def test_json_that_is_not_a_list_of_journeys_is_our_error(con, text, words):
    with pytest.raises(DataValidationError, match=words):
        load_into(con, "ds", ihc_journeys=("numbers.json", text.encode()))


def test_malformed_json_names_the_file_never_a_server_path(con):
    data = _json()[:-5].encode()
    with pytest.raises(DataValidationError, match=r"cut\.json: cannot read the JSON") as info:
        load_into(con, "ds", ihc_journeys=("cut.json", data))
    assert "/tmp" not in str(info.value) and ".data" not in str(info.value)


def test_nested_json_values_are_kept_as_json_text(con):
    records = [dict(JOURNEYS[0], channel={"name": "A", "id": 1}), JOURNEYS[1]]
    report = load_into(con, "ds", ihc_journeys=("nested.json", _json(records).encode()))
    assert report.tables["touchpoints"] == 2
    channels = [r[0] for r in con.execute("select channel from ds.touchpoints order by ts").fetchall()]
    assert channels == ['{"name":"A","id":1}', "B"]
