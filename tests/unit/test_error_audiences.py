"""An error's advice fits where it is read: library users get parameters, app users the page's
controls, command-line users flags (``AttributionError.message_for``)."""
from __future__ import annotations

import gzip

import duckdb
import pytest

from attribution.cli import main
from attribution.errors import AttributionError, DataValidationError
from attribution.ingest import load_into
from ui.text import plain


def _load_error(tmp_path, max_bytes=None, **files) -> DataValidationError:
    con = duckdb.connect()
    try:
        con.execute("create schema ds")
        with pytest.raises(DataValidationError) as info:
            load_into(con, "ds", max_bytes=max_bytes, **{k: str(v) for k, v in files.items()})
        return info.value
    finally:
        con.close()


def test_an_error_without_audience_texts_reads_the_same_everywhere():
    err = AttributionError("plain words")
    assert [err.message_for(a) for a in ("library", "app", "cli")] == ["plain words"] * 3
    with pytest.raises(ValueError, match="audience"):
        err.message_for("browser")


def test_missing_column_names_the_mapping_each_audience_can_use(tmp_path):
    tp = tmp_path / "tp.csv"
    tp.write_text("zq,ts,channel\nu1,2024-01-01 10:00:00,Search\n")
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,2024-01-02 10:00:00\n")
    err = _load_error(tmp_path, touchpoints=tp, conversions=conv)
    assert "mappings={'touchpoints': {'user_id': '<column name>'}}" in str(err)
    assert err.message_for("app").endswith("choose the column for user_id in the column mapping.")
    assert "mappings=" not in err.message_for("app")
    assert err.message_for("cli").endswith("--map touchpoints.user_id=<column name>.")
    # the page shows the app text (escaped for Markdown)
    assert "column mapping" in plain(err) and "mappings" not in plain(err)


def test_the_cli_prints_its_own_advice_and_it_works(tmp_path, capsys):
    tp = tmp_path / "tp.csv"
    tp.write_text("zq,ts,channel\nu1,2024-01-01 10:00:00,Search\n")
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,2024-01-02 10:00:00\n")
    args = ["run", "--touchpoints", str(tp), "--conversions", str(conv), "--models", "last_touch",
            "--out", str(tmp_path / "out"), "--no-report", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--map touchpoints.user_id=<column name>" in err and "mappings=" not in err
    # following the advice loads the file
    assert main([*args, "--map", "touchpoints.user_id=zq"]) == 0


def test_not_utf8_points_app_users_to_the_encoding_control(tmp_path):
    tp = tmp_path / "tp.csv"
    tp.write_bytes("user_id,ts,channel\nu1,2024-01-01 10:00:00,Caf\xe9\n".encode("latin-1"))
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,2024-01-02 10:00:00\n")
    err = _load_error(tmp_path, touchpoints=tp, conversions=conv)
    assert "mappings={'touchpoints': {'encoding': 'latin-1'}}" in str(err)
    assert "Text encoding (CSV)" in err.message_for("app") and "mappings" not in err.message_for("app")
    assert "--map touchpoints.encoding=latin-1" in err.message_for("cli")


def test_upload_limits_tell_app_users_who_can_raise_them(tmp_path):
    big = tmp_path / "tp.csv.gz"
    with gzip.open(big, "wb") as fh:
        fh.write(b"user_id,ts,channel\n" + b"u1,2024-01-01 10:00:00,Search\n" * 40_000)
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,2024-01-02 10:00:00\n")
    err = _load_error(tmp_path, max_bytes=100_000, touchpoints=big, conversions=conv)
    assert "expands to more than" in str(err) and "max_bytes" in str(err)
    assert "ATTRIBUTION_MAX_UPLOAD_MB" in err.message_for("app") and "load_into" not in err.message_for("app")
