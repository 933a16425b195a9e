"""CSV/Excel exports are safe to open in a spreadsheet."""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from attribution.reports.export import neutralise_cell, to_excel, to_safe_csv


def test_formula_cells_are_neutralised_numbers_are_not():
    assert neutralise_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise_cell("+cmd") == "'+cmd"
    assert neutralise_cell("-2+3") == "'-2+3"
    assert neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("-12.5") == "-12.5"  # a plain signed number stays a number
    assert neutralise_cell(-3.0) == -3.0
    assert neutralise_cell("Paid Search") == "Paid Search"


def test_csv_with_hostile_channel_name():
    frame = pd.DataFrame({"channel": ['=HYPERLINK("x")', "Email"], "conversions": [1.5, -2.0]})
    text = to_safe_csv(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert back["channel"].tolist() == ['\'=HYPERLINK("x")', "Email"]
    assert back["conversions"].tolist() == [1.5, -2.0]


def test_excel_workbook_has_one_sheet_per_table_and_is_neutralised():
    data = to_excel({"credit": pd.DataFrame({"channel": ["=1+1"]}), "a/b:c": pd.DataFrame({"x": [1]})})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["credit", "a_b_c"]
    assert book["credit"]["A2"].value == "'=1+1"


def test_figure_html_is_self_contained():
    import plotly.express as px

    from attribution.reports.export import figure_html

    html = figure_html(px.bar(x=["a"], y=[1])).decode()
    # plotly.js is inlined, not loaded from a CDN
    assert "<html" in html and "<script src=" not in html and "Plotly.newPlot" in html


def test_png_export_explains_missing_chromium(monkeypatch):
    import plotly.express as px
    import pytest

    from attribution.reports import export

    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(export.shutil if hasattr(export, "shutil") else __import__("shutil"), "which",
                        lambda name: None)
    assert "Chromium" in export.png_unavailable_reason()
    with pytest.raises(RuntimeError, match="HTML download works"):
        export.figure_png(px.bar(x=["a"], y=[1]))


def _png_ready(monkeypatch, export, to_image):
    """A machine where PNG export is possible, with ``to_image`` standing in for the renderer."""
    import plotly.graph_objects as go

    monkeypatch.setattr(export, "png_unavailable_reason", lambda: None)
    monkeypatch.setattr(export, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(go.Figure, "to_image", to_image)


def test_png_export_retries_a_failed_render_once(monkeypatch):
    import plotly.express as px

    from attribution.reports import export

    calls = []

    def flaky(self, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise NameError("kaleido_scopes is not defined")
        return b"\x89PNG"

    _png_ready(monkeypatch, export, flaky)
    assert export.figure_png(px.bar(x=["a"], y=[1])) == b"\x89PNG"
    assert len(calls) == 2 and calls[0] == calls[1]


def test_png_export_that_fails_twice_says_so_and_points_to_html(monkeypatch):
    import plotly.express as px
    import pytest

    from attribution.reports import export

    calls = []

    def broken(self, **kwargs):
        calls.append(kwargs)
        raise NameError("kaleido_scopes is not defined")

    _png_ready(monkeypatch, export, broken)
    with pytest.raises(RuntimeError, match="failed 2 times .*kaleido_scopes.*as HTML") as caught:
        export.figure_png(px.bar(x=["a"], y=[1]))
    assert len(calls) == 2 and isinstance(caught.value.__cause__, NameError)


def test_exports_round_money_to_cents_and_ratios_to_four_decimals():
    import io

    import pandas as pd

    from attribution.reports.export import rounded_for_export, to_safe_csv

    frame = pd.DataFrame({"channel": ["A", "B"], "spend": [10.005001, 3.333333], "revenue_ci_low": [1.23456, None],
                          "cpa": [None, 2.0 / 3], "roas": [1 / 3, 2.123456789], "share": [0.123456, 0.876544],
                          "conversions": [1 / 3, 2 / 3], "touches": [3, 4]})
    out = rounded_for_export(frame)
    assert out["spend"].tolist() == [10.01, 3.33] and out["revenue_ci_low"].iloc[0] == 1.23
    assert pd.isna(out["cpa"].iloc[0]) and out["cpa"].iloc[1] == 0.67  # empty stays empty
    assert out["roas"].tolist() == [0.3333, 2.1235] and out["share"].tolist() == [0.1235, 0.8765]
    assert out["conversions"].tolist() == [1 / 3, 2 / 3]  # counts keep their precision
    assert frame["spend"].iloc[0] == 10.005001  # the caller's frame is not changed
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), encoding="utf-8-sig")
    assert back["spend"].tolist() == [10.01, 3.33] and pd.isna(back.loc[0, "cpa"])
    # a wide table of one metric: every float column to the given decimals
    wide = pd.DataFrame({"channel": ["A"], "Linear": [12.3456789], "Markov chain": [0.5]})
    assert rounded_for_export(wide, 2)["Linear"].tolist() == [12.35]


def test_p_values_read_as_three_significant_digits_or_below_the_floor():
    from attribution.reports.html import format_p_value, format_value

    assert [format_p_value(p) for p in (0.5, 0.04213, 3.1688e-05, 1e-16, 9e-17, 0.0, float("nan"))] == [
        "0.5", "0.0421", "3.17e-05", "1e-16", "< 1e-16", "< 1e-16", ""]
    assert format_value(1e-300, "p_value") == "< 1e-16" and format_value(1e-300, "coef") == "0.00"
