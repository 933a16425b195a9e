"""DataFrames in and out of ingest: whole files read as written; frames loaded through every check."""
from __future__ import annotations

import gzip
import sqlite3

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.ingest import load_into
from attribution.ingest.frames import REJECTED_COLUMNS, parquet_upload, read_frame


def test_csv_values_stay_text_as_written():
    data = b"customer_id;phone;amount\n007;07400 111111;1.50\nC2;;\n"
    got = read_frame(("crm.csv", data))
    # ';' detected; leading zeros kept; the empty fields are missing, not ""
    assert got.name == "crm.csv"
    assert list(got.frame.columns) == ["customer_id", "phone", "amount"]
    assert got.frame["customer_id"].tolist() == ["007", "C2"]
    assert got.frame["phone"].iloc[0] == "07400 111111" and pd.isna(got.frame["phone"].iloc[1])
    assert got.frame["amount"].iloc[0] == "1.50"
    assert got.rejected.empty and list(got.rejected.columns) == REJECTED_COLUMNS


def test_gzip_and_lines_that_cannot_be_split_are_reported():
    data = gzip.compress(b"a,b\n1,2\n3,4,5\n6,7\n")
    got = read_frame(("t.csv.gz", data))
    # data row 2 ("3,4,5") has three fields under a two-column header: kept aside with its row
    assert got.frame["a"].tolist() == ["1", "6"]
    assert got.rejected[["file", "row", "value"]].values.tolist() == [["t.csv.gz", 2, "3,4,5"]]
    assert got.rejected["reason"].iloc[0].startswith("too many fields (the header has 2)")


def test_parquet_round_trip_keeps_types_and_row_order():
    frame = pd.DataFrame({"user_id": ["b", "a", "c"], "ts": pd.to_datetime(["2024-01-02", "2024-01-01", None]),
                          "revenue": [1.5, 0.0, 2.0]})
    name, data = parquet_upload(frame, "x.parquet")
    assert name == "x.parquet" and data[:4] == b"PAR1"
    got = read_frame((name, data)).frame
    assert got["user_id"].tolist() == ["b", "a", "c"]
    assert pd.api.types.is_datetime64_any_dtype(got["ts"]) and pd.isna(got["ts"].iloc[2])
    assert got["revenue"].tolist() == [1.5, 0.0, 2.0]


def test_parquet_upload_goes_through_ingest_validation(con):
    touches = pd.DataFrame({"user_id": ["C1", "C1", None], "ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-02 00:00",
                                                                                  "2024-01-03 00:00"]),
                            "channel": ["Phone", "Email", "Phone"]})
    conv = pd.DataFrame({"user_id": ["C1"], "ts": pd.to_datetime(["2024-01-03"]), "stage": ["paid"],
                         "revenue": [100.0]})
    report = load_into(con, "ds", touchpoints=parquet_upload(touches, "tp.parquet"),
                       conversions=parquet_upload(conv, "conv.parquet"))
    # 3 touch rows − 1 without a user id = 2 loaded, 1 rejected with its reason
    assert report.tables["touchpoints"] == 2 and report.tables["conversions"] == 1
    assert report.tables["rejected"] == 1
    assert con.execute("select stage, revenue from ds.conversions").fetchall() == [("paid", 100.0)]


def test_unusable_files_raise_clear_errors(tmp_path):
    with pytest.raises(DataValidationError, match=r"^empty\.csv is empty"):
        read_frame(("empty.csv", b""))
    with pytest.raises(DataValidationError, match=r"^big\.csv is 1 KB, over the 512 bytes limit"):
        read_frame(("big.csv", b"a,b\n" + b"1,2\n" * 255), max_bytes=512)  # 4 + 255 × 4 = 1,024 bytes
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as c:
        c.execute("create table t (a int)")
    with pytest.raises(DataValidationError, match=r"x\.db is an SQLite database; export the table as CSV"):
        read_frame(db)
    with pytest.raises(DataValidationError, match=r"latin\.csv is not valid UTF-8 at line 2"):
        read_frame(("latin.csv", "a,b\nCaf\u00e9,1\n".encode("latin-1")))
