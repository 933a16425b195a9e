"""The Spark reader: the DuckDB engine's validation rules, strptime formats, sources it accepts."""
from __future__ import annotations

import pandas as pd
import pytest

import attribution as at
from attribution.engine.spark_read import file_format, spark_pattern
from attribution.errors import DataValidationError

TOUCHES = """user_id,ts,channel,cost
u1,2024-01-01 10:00:00,Search,1.5
,2024-01-01 11:00:00,Search,1
u2,not a time,Email,0
u3,2024-01-02 10:00:00,Display,-2
u4,2024-01-02 11:00:00,Display,lots
u5,2024-01-03 10:00:00,,1
u1,2024-01-01 10:00:00,Search,1.5
u6,1850-01-01 10:00:00,Search,1
u7,2024-01-04T10:00:00Z,Social,
"""
CONVERSIONS = "user_id,ts,revenue\nu1,2024-01-02 10:00:00,10\nu7,2024-01-05 10:00:00,5\n"


def _reason_kinds(counts) -> dict[str, int]:
    """Rejection reasons by their first words (the timestamp hint differs between engines)."""
    out: dict[str, int] = {}
    for reason, rows in zip(counts["reason"], counts["rows"], strict=True):
        key = " ".join(str(reason).split()[:2])
        out[key] = out.get(key, 0) + int(rows)
    return out


def test_rows_are_rejected_for_the_same_reasons_as_duckdb(tmp_path, spark):
    tp, conv = tmp_path / "tp.csv", tmp_path / "conv.csv"
    tp.write_text(TOUCHES)
    conv.write_text(CONVERSIONS)
    duck = at.load(touchpoints=str(tp), conversions=str(conv))
    ds = at.load(touchpoints=str(tp), conversions=str(conv), engine="spark", spark=spark)
    # 9 rows: 2 kept (u1, u7), then one each: missing user, bad time, negative cost, not a number,
    # missing channel, duplicate of u1's row, year 1850
    assert ds.report.tables["touchpoints"] == duck.report.tables["touchpoints"] == 2
    assert _reason_kinds(ds.report.rejected_counts) == _reason_kinds(duck.report.rejected_counts)
    assert ds.report.n_rejected == duck.report.n_rejected == 7
    files = ds.report.files.set_index("role")
    assert (files.loc["touchpoints", "rows"], files.loc["touchpoints", "loaded"]) == (9, 2)
    sample = ds.table("rejected", limit=3)
    assert list(sample.columns) == ["file", "row", "column_name", "value", "reason"] and len(sample) == 3
    # the 'Z' timestamp is UTC on both engines
    assert ds.summary()["first_date"] == duck.summary()["first_date"]
    assert ds.journeys().paths.equals(duck.journeys().paths)


def test_strptime_formats_become_spark_patterns():
    assert spark_pattern("%d/%m/%Y %H:%M") == "dd/MM/yyyy HH:mm"
    assert spark_pattern("%Y-%m-%dT%H:%M:%S.%f") == "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"
    assert spark_pattern("%d %b %Y at %I %p") == "dd MMM yyyy 'at' hh a"
    with pytest.raises(DataValidationError, match="%q is not supported"):
        spark_pattern("%q")


def test_ts_format_reads_day_first_dates(tmp_path, spark):
    tp = tmp_path / "tp.csv"
    tp.write_text("user_id,ts,channel\nu1,05/01/2024 10:00,Search\nu1,06/01/2024 09:00,Email\n")
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,06/01/2024 12:00\n")
    mapping = {"ts_format": "%d/%m/%Y %H:%M"}
    ds = at.load(touchpoints=str(tp), conversions=str(conv), engine="spark", spark=spark,
                 mappings={"touchpoints": mapping, "conversions": mapping})
    assert ds.date_range()[0] == pd.Timestamp("2024-01-05")
    assert ds.journeys().paths["path"].tolist() == [("Search", "Email")]


def test_the_format_of_a_folder_comes_from_its_files(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part-0.csv").write_text("a\n1\n")
    (tmp_path / "parts" / "_SUCCESS").write_text("")
    assert file_format(str(tmp_path / "parts")) == "csv"
    assert file_format("s3a://lake/touchpoints/") == "parquet"
    assert file_format("hdfs:///x/tp.csv.gz") == "csv"
