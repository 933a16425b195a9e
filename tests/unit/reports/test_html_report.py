"""The HTML report: one self-contained file, escaped text, optional sections by name."""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from attribution.journeys.settings import JourneySettings
from attribution.reports.export import to_safe_csv
from attribution.reports.figures import grouped_bars
from attribution.reports.html import Chart, Section, Table, Text, build_report, format_value
from attribution.reports.sections import full_report, report_sections

HOSTILE = '<script>alert("x")</script>'
HYPERLINK = '=HYPERLINK("x")'
SUMMARY = {"users": 23708, "touchpoints": 262071, "conversions": 11982, "revenue": 817096.19, "spend": 251300.22,
           "touch_cost": 0.0, "channels": 3, "first_date": pd.Timestamp("2024-01-01"),
           "last_date": pd.Timestamp("2024-06-28")}


def _results(with_ci: bool = False) -> pd.DataFrame:
    # two models over three channels, 10 conversions and 1,000 revenue each
    frame = pd.DataFrame({
        "model": ["linear"] * 3 + ["last_touch"] * 3,
        "channel": ["Email", HOSTILE, HYPERLINK] * 2,
        "conversions": [5.0, 3.0, 2.0, 6.0, 4.0, 0.0],
        "revenue": [500.0, 300.0, 200.0, 600.0, 400.0, 0.0],
        "share": [0.5, 0.3, 0.2, 0.6, 0.4, 0.0],
    })
    if with_ci:
        frame["ci_low"] = frame["conversions"] - 1.0
        frame["ci_high"] = frame["conversions"] + 1.5
    return frame


def _report(**extra) -> str:
    return full_report(summary={"name": "Shop <EU>", "summary": SUMMARY},
                       settings={"settings": JourneySettings(lookback_days=14, start=date(2024, 2, 1)),
                                 "params": {"markov": {"order": 2}}, "models": ["linear", "last_touch"]},
                       models={"results": _results(), "failures": {"logistic": "did not converge"}}, **extra)


def test_report_is_one_self_contained_file():
    html = _report()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script src=" not in html.lower()
    head, body = html.split("</head>", 1)
    # nothing fetched: no remote src/href in the page itself (the inlined plotly.js mentions URLs in
    # code it never runs here, e.g. map tiles)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body, re.IGNORECASE)
    before_js, js = head.split('<script type="text/javascript">', 1)
    assert re.findall(r"<(\w+)", before_js) == ["html", "head", "meta", "meta", "title", "style"]
    assert js.endswith("</script>") and "plotly.js v" in js[:2000]
    assert not re.search(r"<link[^>]+stylesheet", html, re.IGNORECASE)
    # plotly.js inlined exactly once although the report has several charts
    assert html.count("Plotly.newPlot(") == 2  # grouped bars and share heatmap
    assert html.count("plotly.js v") == 1


def test_report_holds_summary_settings_and_model_table():
    html = _report()
    for title in ("Dataset summary", "Journey settings", "Model comparison"):
        assert f"<h2>{title}</h2>" in html
    assert "Dataset: Shop &lt;EU&gt;" in html
    assert ">23,708<" in html and ">817,096.19<" in html and ">2024-06-28<" in html
    assert ">Lookback window (days)</td><td class=\"text\">14<" in html
    assert ">2024-02-01<" in html and ">Markov chain<" in html
    # the model table: labels, not internal names, and the credited values
    assert "<th class=\"num\">Linear</th>" in html and ">5.00<" in html and ">50.0%<" in html
    assert "Logistic regression could not run: did not converge" in html
    assert "No confidence intervals" in html


def test_hostile_channel_names_are_escaped_in_html_and_neutralised_in_csv():
    html = _report()
    assert HOSTILE not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "=HYPERLINK(&quot;x&quot;)" in html
    csv = to_safe_csv(_results()).decode("utf-8-sig")
    assert "'=HYPERLINK(\"\"x\"\")" in csv and ",=HYPERLINK" not in csv and ",\"=HYPERLINK" not in csv


def test_intervals_add_columns_and_a_chart():
    html = full_report(models={"results": _results(with_ci=True)})
    assert "<th class=\"num\">ci_low</th>" in html and "<th class=\"num\">ci_high</th>" in html
    assert "Conversions with bootstrap intervals" in html and "No confidence intervals" not in html
    assert ">3.50<" in html  # Email linear: 5 - 1 .. 5 + 1.5 -> ci_high 6.50; 2 + 1.5 = 3.50


def test_sections_are_optional_and_by_name():
    plan = pd.DataFrame({"channel": ["Search", "TV"], "current_spend": [100.0, 200.0],
                         "recommended_spend": [150.0, 150.0], "response": [40.0, 35.0]})
    fit = type("Fit", (), {"channel_summary": pd.DataFrame({"channel": ["Search", "TV"], "roas": [2.5, 1.2]}),
                           "diagnostics": {"r2": 0.91, "mape": 0.08}, "adstock": "geometric",
                           "saturation": "logistic", "freq": "W"})()
    sections = report_sections(summary={"name": "x", "summary": SUMMARY}, mmm={"fit": fit}, budget={"plan": plan})
    assert [s.name for s in sections] == ["summary", "mmm", "budget"]
    html = build_report(sections)
    assert "Media-mix model" in html and ">0.91<" in html and "geometric adstock" in html
    assert "Budget optimiser" in html and "Current and recommended spend" in html
    assert ">8.0%<" in html  # MAPE 0.08 is a fraction
    # an optimiser result: its allocation table plus the totals; lift 15 on 60 current response = +25.0%
    result = type("Plan", (), {"allocation": plan.assign(change_pct=[50.0, -25.0]),  # *_pct are in percent
                               "totals": {"current_spend": 300.0, "recommended_spend": 300.0, "current_response": 60.0,
                                          "recommended_response": 75.0, "lift": 15.0, "lift_pct": 25.0,
                                          "lift_ci_low": 5.0, "lift_ci_high": 22.5, "periods": 1}})()
    html = build_report(report_sections(budget={"plan": result}))
    assert ">+25.0%<" in html and ">+50.0%<" in html and ">-25.0%<" in html
    assert "Lift interval from the model&#x27;s bootstrap: 5.00 to 22.50." in html
    # a part that does not fit becomes a note; the rest of the report is still built
    broken = report_sections(models={"results": _results()}, mmm={"fit": object()})
    assert [s.name for s in broken] == ["models", "mmm"]
    assert "could not be included" in broken[1].blocks[0].text
    with pytest.raises(ValueError, match="unknown report section"):
        report_sections(appendix={})


def test_report_without_charts_has_no_plotly_and_tables_are_cut():
    frame = pd.DataFrame({"n": np.arange(12)})
    html = build_report([Section("t", "Table", (Text("hello"), Table(frame, caption="numbers", max_rows=5)))])
    assert "plotly" not in html.lower() and len(html) < 10_000
    assert html.count("<tr>") == 1 + 5
    assert "numbers (first 5 of 12 rows; the CSV export has all)" in html
    with pytest.raises(ValueError, match="unique"):
        build_report([Section("a", "A"), Section("a", "B")])


def test_chart_block_draws_the_figure():
    fig = grouped_bars(_results(), "conversions", "Bars")
    html = build_report([Section("c", "Chart", (Chart(fig, caption="a caption"),))])
    assert html.count("Plotly.newPlot(") == 1 and "a caption" in html
    assert "\\u003cscript\\u003e" in html  # plotly's JSON escapes "<" so a name cannot end the script


@pytest.mark.parametrize("value, column, text", [
    (float("nan"), "x", ""), (None, "x", ""), (pd.NaT, "x", ""), (1234567, "n", "1,234,567"),
    (np.int64(42), "n", "42"), (0.1234, "share", "12.3%"), (0.05, "conversion_rate", "5.0%"),
    (1234.5, "revenue", "1,234.50"), (float("inf"), "roas", "∞"), (("a", "b"), "path", "a > b"),
    (True, "flag", "yes"), (pd.Timestamp("2024-03-01"), "d", "2024-03-01"),
    (pd.Timestamp("2024-03-01 10:30"), "d", "2024-03-01 10:30"), (date(2024, 3, 1), "d", "2024-03-01"),
])
def test_format_value(value, column, text):
    assert format_value(value, column) == text
