"""`python -m attribution simulate` and the file writers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from attribution.cli import SUBCOMMANDS, main
from attribution.errors import DataValidationError
from attribution.simulate import simulate, write_csvs

ROOT = Path(__file__).resolve().parents[3]
NAMES = ["touchpoints", "conversions", "spend", "truth", "daily_truth"]


def test_cli_writes_csvs_matching_the_simulation(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "--users", "300", "--seed", "4", "--days", "40", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "300 users" in lines[0] and "seed 4" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in NAMES)
    data = simulate(n_users=300, days=40, seed=4)
    for name in NAMES:
        back = pd.read_csv(out / f"{name}.csv")
        frame = data.tables()[name]
        assert list(back.columns) == list(frame.columns)
        assert len(back) == len(frame)
    back = pd.read_csv(out / "touchpoints.csv", parse_dates=["ts"], date_format="ISO8601")
    assert (back["ts"] == data.touchpoints["ts"]).all()
    assert back["cost"].sum() == pytest.approx(data.touchpoints["cost"].sum())


@pytest.mark.parametrize("fmt, ext", [("csv", ".csv"), ("csv.gz", ".csv.gz"), ("parquet", ".parquet")])
def test_written_files_read_back_with_design_types(tmp_path, fmt, ext):
    data = simulate(n_users=200, days=20, seed=2)
    paths = write_csvs(data, tmp_path, fmt=fmt)
    assert set(paths) == set(NAMES) and all(p.name.endswith(ext) for p in paths.values())
    con = duckdb.connect()
    reader = "read_parquet" if fmt == "parquet" else "read_csv"

    def types(name):
        rows = con.execute(f"describe select * from {reader}(?)", [str(paths[name])]).fetchall()
        return {r[0]: r[1] for r in rows}

    tp = types("touchpoints")
    assert [tp[c] for c in ("user_id", "ts", "channel", "cost")] == ["VARCHAR", "TIMESTAMP", "VARCHAR", "DOUBLE"]
    assert tp["holder_engagement"] == tp["closer_engagement"] == "BOOLEAN"
    assert types("conversions")["ts"] == "TIMESTAMP"
    sp = types("spend")
    assert (sp["date"], sp["channel"], sp["spend"]) == ("DATE", "VARCHAR", "DOUBLE")
    n = con.execute(f"select count(*) from {reader}(?)", [str(paths["touchpoints"])]).fetchall()[0][0]
    assert n == len(data.touchpoints)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(DataValidationError, match="unknown format"):
        write_csvs(simulate(n_users=50, days=5), tmp_path, fmt="xlsx")


def test_cli_reports_user_errors(tmp_path, capsys):
    assert main(["simulate", "--users", "0", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: n_users")


def test_help_via_python_m():
    assert "simulate" in SUBCOMMANDS
    top = subprocess.run([sys.executable, "-m", "attribution", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert "simulate" in top.stdout
    sub = subprocess.run([sys.executable, "-m", "attribution", "simulate", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    for flag in ("--users", "--seed", "--out", "--days", "--format"):
        assert flag in sub.stdout
