"""Formula injection: every CSV we write reads back, with a real CSV reader, as the same rows, and no
cell starts (after blanks) with a formula trigger. Covers the export function, the CLI's output
files and the app's download button."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from attribution.safe_text import FORMULA_TRIGGERS, neutralise_cell

HOSTILE = [
    "Search\r=cmd|' /C calc'!A0",
    "Search\n=cmd|' /C calc'!A0",
    "Search\r\n+SUM(A1)",
    " =1+1",
    "\u00a0=1+1",
    "\t=1+1",
    "\r=1+1",
    "\u3000-2+3",
    "\u200b@SUM(A1)",
    "\uff1dHYPERLINK(\"x\")",
    "\uff0b1",
    "\uff0dcmd",
    "\uff20x",
]


def rows_of(data: bytes) -> list[list[str]]:
    """The rows a spreadsheet sees: Python's csv reader over the exact bytes."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_safe(data: bytes, n_rows: int | None = None) -> list[list[str]]:
    rows = rows_of(data)
    if n_rows is not None:
        assert len(rows) == n_rows + 1  # header + data rows: no line break started a row
    for row in rows:
        for cell in row:
            visible = cell.lstrip().lstrip("\u200b\ufeff")
            if visible[:1] in FORMULA_TRIGGERS:
                assert cell.startswith("'") or _is_number(cell), repr(cell)
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell == cell.strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_cell_sees_through_blanks_and_full_width(value):
    # a cell whose first line is plain text is not a formula (its line breaks are quoted instead)
    assert neutralise_cell(value).startswith("'") == (not value.startswith("Search"))


def test_plain_and_numeric_cells_are_left_alone():
    for value in ["Paid Search", "-12.5", "+3", "1e-5", "", "   ", "a=b", "Search\nEmail", 5, None]:
        assert neutralise_cell(value) == value


def test_to_safe_csv_quotes_line_breaks_and_neutralises():
    from attribution.reports.export import to_safe_csv

    frame = pd.DataFrame({"channel": HOSTILE, "conversions": range(len(HOSTILE))})
    rows = assert_safe(to_safe_csv(frame), len(HOSTILE))
    # the line breaks survive inside their (quoted) cell; only the apostrophe was added
    assert rows[1][0] == HOSTILE[0] and rows[4][0] == "'" + HOSTILE[3]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(HOSTILE))]


def test_cli_run_outputs_are_safe(tmp_path):
    from attribution.cli import main

    # (a lone CR inside an input value cannot be read: see test_lone_cr_in_a_value_is_named)
    channels = ["Search\n=cmd|' /C calc'!A0", "\u00a0=1+1", "\uff1dX", "Email"]
    tp = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3", "u3", "u4"],
                       "ts": [f"2024-01-0{d} 10:00" for d in (1, 2, 3, 4, 5, 6)],
                       "channel": [channels[0], channels[3], channels[1], channels[2], channels[0], channels[3]],
                       "campaign": ["-x", "+y", "@z", "=w", "\n=v", "ok"]})
    conv = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "ts": ["2024-01-02 12:00", "2024-01-03 12:00",
                                                              "2024-01-05 12:00"], "revenue": [1, 2, 3]})
    tp.to_csv(tmp_path / "tp.csv", index=False)
    conv.to_csv(tmp_path / "conv.csv", index=False)
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(tmp_path / "tp.csv"), "--conversions", str(tmp_path / "conv.csv"),
                 "--models", "linear,first_touch", "--out", str(out), "--quiet"]) == 0
    written = sorted(Path(out).glob("*.csv"))
    assert {p.name for p in written} >= {"model_comparison.csv", "credit_conversions.csv", "channel_report.csv"}
    for path in written:
        assert_safe(path.read_bytes())
    credit = rows_of((out / "credit_conversions.csv").read_bytes())
    # (the loader trims blanks, NBSP included, around values)
    assert sorted(r[0] for r in credit[1:]) == sorted(neutralise_cell(c.strip()) for c in channels)
    # the report shows the names as text, escaped
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "=cmd|&#x27; /C calc&#x27;!A0" in html or "=cmd|' /C calc'!A0" not in html.split("<script")[0]


def test_app_csv_download_is_safe(monkeypatch):
    import ui.downloads as widgets

    served = {}
    monkeypatch.setattr(widgets.st, "download_button", lambda label, data, **kw: served.update(data=data))
    frame = pd.DataFrame({"channel": HOSTILE})
    widgets.csv_download(frame, "x.csv")
    assert callable(served["data"])  # written on the click
    assert_safe(served["data"](), len(HOSTILE))


def test_lone_cr_in_a_value_is_named_not_called_an_encoding_problem(tmp_path):
    from attribution.engine.load import load
    from attribution.errors import DataValidationError

    path = tmp_path / "cr.csv"
    # what pandas writes by default for a value with a CR: unquoted
    path.write_bytes(b"user_id,ts,channel\nu1,2024-01-01 10:00,Search\r=cmd\nu2,2024-01-01 10:00,Email\n")
    with pytest.raises(DataValidationError, match="cr.csv: the file contains a lone carriage return") as err:
        load(touchpoints=path)
    assert "UTF-8" not in str(err.value)


def test_cr_inside_quotes_loads(tmp_path):
    from attribution.engine.load import load

    path = tmp_path / "crq.csv"
    path.write_bytes(b'user_id,ts,channel\nu1,2024-01-01 10:00,"Search\r=cmd"\nu2,2024-01-01 10:00,Email\n')
    ds = load(touchpoints=path)
    assert sorted(ds.table("touchpoints")["channel"]) == ["Email", "Search\r=cmd"]
