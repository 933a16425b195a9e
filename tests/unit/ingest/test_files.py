"""File-level problems: empty, too big, unsupported, encoding, delimiters; uploads; previews."""
from __future__ import annotations

import gzip
import io
import sqlite3
import zipfile

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.ingest import as_source, load_into, preview

GOOD = "user_id,ts,channel\nu1,2024-01-01 10:00:00,Search\nu2,2024-01-02 11:00:00,Email\n"


def test_empty_file(con, write):
    path = write("tp.csv", "")
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=path)
    assert str(err.value) == "tp.csv is empty (0 bytes). Export the data again and re-upload it."
    assert err.value.file == "tp.csv"


def test_header_only(con, write):
    with pytest.raises(DataValidationError, match=r"^tp\.csv has a header but no data rows\. Export"):
        load_into(con, "ds", touchpoints=write("tp.csv", "user_id,ts,channel\n"))


def test_file_over_limit(con, write):
    path = write("tp.csv", GOOD * 40)  # 40 copies of 78 bytes = 3,120 bytes = 3.05 KB
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=path, max_bytes=1024)
    assert str(err.value).startswith("tp.csv is 3 KB, over the 1 KB limit. Raise the limit "
                                      "(load_into(..., max_bytes=3120) or more")


def test_unsupported_formats(con, write, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.csv", GOOD)
    with pytest.raises(DataValidationError, match=r"^book\.xlsx is a zip archive or an Excel workbook.*"
                                                  r"Save the sheet as CSV"):
        load_into(con, "ds", touchpoints=write("book.xlsx", buf.getvalue()))
    with pytest.raises(DataValidationError, match=r"^blob\.bin is not a supported format \(binary content\)"):
        load_into(con, "ds", touchpoints=write("blob.bin", b"\x00\x01\x02abc\x00"))
    path = tmp_path / "x.db"
    db = sqlite3.connect(path)
    db.execute("create table t (a)")
    db.commit()
    db.close()
    with pytest.raises(DataValidationError, match=r"is an SQLite database; pass it as ihc_db="):
        load_into(con, "ds", touchpoints=path)


def test_not_utf8_names_line_and_byte_and_latin1_option(con, write):
    data = "user_id,ts,channel\nu1,2024-01-01,Search\nu2,2024-01-02,Caf\u00e9\n".encode("latin-1")
    path = write("tp.csv", data)
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=path)
    # line 3 is "u2,2024-01-02,Caf\xe9": the bad byte is the 18th of the line
    assert str(err.value) == (
        "tp.csv is not valid UTF-8 at line 3, byte 18 (0xe9). Re-save it as UTF-8 (Excel: Save As > CSV "
        "UTF-8), or read it as Latin-1 (Windows) with mappings={'touchpoints': {'encoding': 'latin-1'}}.")
    assert err.value.row == 3
    load_into(con, "ds", touchpoints=path, mappings={"touchpoints": {"encoding": "latin-1"}})
    assert con.execute("select channel from ds.touchpoints order by ts").fetchall() == [("Search",), ("Café",)]
    assert preview(path).encoding_ok is False
    assert preview(path, encoding="latin-1").encoding_ok is True


@pytest.mark.parametrize("delim", [";", "\t", "|", ","])
def test_delimiter_detected(con, write, delim):
    path = write("tp.csv", GOOD.replace(",", delim))
    report = load_into(con, "ds", touchpoints=path)
    assert report.tables["touchpoints"] == 2
    assert preview(path).delimiter == delim


def test_wrong_delimiter_forced_says_what_was_found(con, write):
    path = write("tp.csv", GOOD.replace(",", ";"))
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=path, mappings={"touchpoints": {"delimiter": ","}})
    msg = str(err.value)
    assert msg.startswith("tp.csv: no column for ts (the date and time of the event) in the touchpoints "
                          "file. Columns found (read with the delimiter ','): 'user_id;ts;channel'.")
    assert msg.endswith("The file looks ';'-separated: set the delimiter option to ';' or leave it out to "
                        "detect it.")


def test_no_delimiter_gives_required_columns(con, write):
    path = write("tp.csv", "visitor;when;where\nu1;2024-01-01;A\n")
    with pytest.raises(DataValidationError) as err:
        load_into(con, "ds", touchpoints=path)
    msg = str(err.value)
    assert msg.startswith("tp.csv: no column for ts (the date and time of the event) in the touchpoints "
                          "file. Columns found (read with the delimiter ';', the best of , ; tab |): "
                          "'visitor', 'when', 'where'.")
    assert err.value.column == "ts"


def test_upload_bytes_and_gzip_and_parquet(con, write, tmp_path):
    report = load_into(con, "ds", touchpoints=("export.csv", GOOD.encode()))
    assert report.files.to_dict("records") == [
        {"file": "export.csv", "role": "touchpoints", "rows": 2, "loaded": 2, "rejected": 0}]
    gz = write("tp.csv.gz", gzip.compress(GOOD.encode()))
    assert load_into(con, "ds", touchpoints=gz).tables["touchpoints"] == 2
    assert load_into(con, "ds", touchpoints=("upload", gzip.compress(GOOD.encode()))).tables["touchpoints"] == 2
    pq = tmp_path / "tp.parquet"
    pd.DataFrame({"user_id": ["u1", "u2"], "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 11:00"]),
                  "channel": ["Search", "Email"]}).to_parquet(pq)
    load_into(con, "ds", touchpoints=pq)
    assert con.execute("select user_id, ts::varchar, channel from ds.touchpoints order by 1").fetchall() == [
        ("u1", "2024-01-01 10:00:00", "Search"), ("u2", "2024-01-02 11:00:00", "Email")]
    src = as_source(("a.csv", b"x"))
    assert (src.name, src.size, src.path.exists()) == ("a.csv", 1, True)


def test_preview_shapes(write, tmp_path):
    p = preview(write("tp.csv", GOOD * 1), max_rows=1)
    assert (p.name, p.format, p.delimiter, p.columns, p.encoding_ok, p.n_bytes) == (
        "tp.csv", "csv", ",", ["user_id", "ts", "channel"], True, len(GOOD))
    assert p.rows.to_dict("records") == [{"user_id": "u1", "ts": "2024-01-01 10:00:00", "channel": "Search"}]
    js = preview(write("j.json", '[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]'))
    assert (js.format, js.columns, len(js.rows), js.delimiter) == ("json", ["a", "b"], 2, None)
    pq = tmp_path / "p.parquet"
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(pq)
    assert (preview(pq).format, len(preview(pq, max_rows=2).rows)) == ("parquet", 2)


def test_file_sizes_read_as_people_say_them():
    from attribution.ingest import file_size

    # binary units, as the upload limit counts them: 1 KB = 1,024 bytes, 1 MB = 1,024 KB
    assert [file_size(n) for n in (0, 512, 1023, 1024, 6 * 1024, 6000, 1023 * 1024, 2**20, int(1.5 * 2**20),
                                   int(3.4 * 2**20), 5 * 2**30)] == [
        "0 bytes", "512 bytes", "1,023 bytes", "1 KB", "6 KB", "6 KB", "1,023 KB", "1.0 MB", "1.5 MB", "3.4 MB",
        "5.0 GB"]


def test_the_size_messages_use_the_same_units(con, write):
    # a 6 KB file against a 2 KB limit says "6 KB" and "2 KB", never "0.0 MB"
    path = write("tp.csv", GOOD + "u3,2024-01-03 10:00:00,Search\n" * (6 * 1024 // 30))
    with pytest.raises(DataValidationError, match=r"^tp\.csv is 6 KB, over the 2 KB limit"):
        load_into(con, "ds", touchpoints=path, max_bytes=2048)
    from attribution.mmm.wide_csv import MAX_BYTES, read_wide_csv

    with pytest.raises(DataValidationError, match=r"^w\.csv is 50\.0 MB; .* far below 50\.0 MB"):
        read_wide_csv(b"0" * (MAX_BYTES + 1), "w.csv")
