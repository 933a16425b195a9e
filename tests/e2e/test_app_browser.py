"""The app in a real browser: every page, uploads, settings, chart and table downloads, the report."""
from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CHART = '[data-testid="stPlotlyChart"]'
# charts each page shows on the sample before any button is pressed (Media mix and Budget optimiser
# draw theirs after a fit)
MIN_CHARTS = {"Overview": 2, "Model comparison": 3, "Journeys & funnels": 1, "Channel report": 1}
HYPERLINK = '=HYPERLINK("x")'


def _exceptions(page) -> list[str]:
    return [t.strip()[:300] for t in page.locator('[data-testid="stException"]').all_inner_texts()]


_IDLE = """() => {
  const busy = document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]');
  if (busy) { window.__idleSince = null; return false; }
  window.__idleSince = window.__idleSince || Date.now();
  return Date.now() - window.__idleSince > 1000;
}"""


def _settle(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has been idle (no running script, no placeholder) for a second: the
    running indicator shows up only a moment after a run starts."""
    page.evaluate("window.__idleSince = null")
    page.wait_for_function(_IDLE, timeout=timeout_ms, polling=100)


def _go(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    _settle(page)


def _charts_drawn(page, at_least: int) -> int:
    """Wait for ``at_least`` charts and for every chart on the page to have drawn its SVG."""
    if at_least:  # one chart draws several .main-svg layers: wait on chart containers
        page.locator(CHART).nth(at_least - 1).locator(".main-svg").first.wait_for()
    n = page.locator(CHART).count()
    for i in range(n):  # charts in a tab that is not open are drawn but hidden
        page.locator(CHART).nth(i).locator(".main-svg").first.wait_for(state="attached")
    return n


def _download(page, button: str, nth: int = 0, timeout_ms: float = 60_000) -> bytes:
    with page.expect_download(timeout=timeout_ms) as info:
        page.get_by_role("button", name=button).nth(nth).click()
    data = Path(info.value.path()).read_bytes()
    _settle(page)  # downloads do not rerun the page (ui/downloads); let any run finish before the next action
    return data


def _credited(page) -> float:
    text = page.get_by_text("credited across").inner_text()
    return float(re.match(r"([\d,.]+) conversions", text).group(1).replace(",", ""))


def test_every_page_renders_its_charts(page):
    _charts_drawn(page, MIN_CHARTS["Overview"])
    assert _exceptions(page) == []
    nav = page.locator('[data-testid="stSidebarNav"] a')
    names = [[ln for ln in t.splitlines() if ln.strip()][-1].strip() for t in nav.all_inner_texts()]
    assert {"Overview", "Data", "Model comparison"} <= set(names)
    for name in names:
        _go(page, name)
        drawn = _charts_drawn(page, MIN_CHARTS.get(name, 0))
        assert drawn >= MIN_CHARTS.get(name, 0), name
        assert _exceptions(page) == [], name


def test_chart_exports_html_and_png(page):
    _charts_drawn(page, 2)
    html = _download(page, "Chart (HTML)").decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>") and "Plotly.newPlot(" in html
    assert "<script src=" not in html  # plotly.js is inside the file: it opens offline
    # Chromium is present (the suite skips without it); each PNG starts a headless Chromium, which
    # takes ~2 s idle but can exceed a minute when the other test worker loads both cores
    png = _download(page, "Chart (PNG)", timeout_ms=180_000)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_changing_a_setting_changes_the_numbers(page):
    _charts_drawn(page, 2)
    _go(page, "Model comparison")
    _charts_drawn(page, MIN_CHARTS["Model comparison"])
    before = _credited(page)
    page.get_by_role("combobox", name="Lookback window").click()
    page.get_by_role("option", name="7 days").click()
    page.wait_for_function("(n) => !document.body.innerText.includes(n + ' conversions')", arg=f"{before:,.0f}")
    _settle(page)
    after = _credited(page)
    assert 0 < after < before  # a shorter lookback leaves some conversions without a touch
    assert _exceptions(page) == []
    # the setting is global: Overview keeps it (and the sidebar shows it)
    _go(page, "Overview")
    assert page.get_by_role("combobox", name="Lookback window").input_value() == "7 days"


def _upload_files(tmp_path: Path) -> tuple[Path, Path]:
    # u1: =HYPERLINK("x") > Email (converts), u2: Email (converts), u3: Search > =HYPERLINK("x")
    # (converts), u4: Search (does not). Linear credit: =HYPERLINK 1/2 + 1/2 = 1, Email 1/2 + 1 = 1.5,
    # Search 1/2; last touch: Email 2, =HYPERLINK 1.
    tp = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3", "u3", "u4"],
                       "ts": ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 10:00", "2024-01-04 10:00",
                              "2024-01-05 10:00", "2024-01-06 10:00"],
                       "channel": [HYPERLINK, "Email", "Email", "Search", HYPERLINK, "Search"]})
    conv = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "ts": ["2024-01-02 12:00", "2024-01-03 12:00",
                                                                "2024-01-05 12:00"], "revenue": [10.0, 20.0, 30.0]})
    tp.to_csv(tmp_path / "hostile_touchpoints.csv", index=False)
    conv.to_csv(tmp_path / "hostile_conversions.csv", index=False)
    return tmp_path / "hostile_touchpoints.csv", tmp_path / "hostile_conversions.csv"


def test_upload_then_download_csv_and_report(page, tmp_path):
    tp, conv = _upload_files(tmp_path)
    _charts_drawn(page, 2)
    _go(page, "Data")
    page.get_by_role("tab", name="Upload").click()
    uploads = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploads.nth(0).set_input_files(str(tp))
    page.get_by_text(f"Columns of {tp.name}").wait_for()
    _settle(page)
    uploads.nth(1).set_input_files(str(conv))
    page.get_by_text(f"Columns of {conv.name}").wait_for()
    _settle(page)
    assert page.get_by_text("Still needed").count() == 0  # both files read and their columns guessed
    page.get_by_role("button", name="Load dataset").click()
    page.get_by_text("Loaded 6 touchpoints, 3 conversions").wait_for()
    assert _exceptions(page) == []

    _go(page, "Model comparison")
    _charts_drawn(page, MIN_CHARTS["Model comparison"])
    assert _credited(page) == 3
    csv = _download(page, "Download CSV").decode("utf-8-sig")
    wide = pd.read_csv(io.StringIO(csv)).set_index("channel")
    assert "'=HYPERLINK(\"\"x\"\")" in csv and ',"=HYPERLINK' not in csv  # text, not a formula
    assert wide.loc["'" + HYPERLINK, "Linear"] == pytest.approx(1.0)
    assert wide.loc["Email", "Linear"] == pytest.approx(1.5)
    assert wide.loc["Email", "Last touch"] == pytest.approx(2.0)

    workbook = openpyxl.load_workbook(io.BytesIO(_download(page, "Download all tables (Excel)")))
    assert workbook.sheetnames == ["conversions", "revenue", "share", "all results"]
    names = {c.value: c.data_type for c in workbook["conversions"]["A"][1:]}
    assert names == {"'" + HYPERLINK: "s", "Email": "s", "Search": "s"}  # strings, not formulas

    report = _download(page, "Full report (HTML)").decode("utf-8")
    assert "<script src=" not in report and "<h2>Model comparison</h2>" in report
    assert "Dataset: hostile_touchpoints.csv" in report
    assert "=HYPERLINK(&quot;x&quot;)" in report and HYPERLINK not in report


def test_full_report_from_overview_opens_offline(page, browser, tmp_path):
    _charts_drawn(page, 2)
    report = _download(page, "Full report (HTML)")
    text = report.decode("utf-8")
    for title in ("Dataset summary", "Journey settings", "Model comparison", "Channel report"):
        assert f"<h2>{title}</h2>" in text
    assert "<h2>Media-mix model</h2>" not in text  # no fit in this session
    assert "<script src=" not in text and "Sample: simulated multi-channel shop" in text
    path = tmp_path / "report.html"
    path.write_bytes(report)
    offline = browser.new_context(offline=True)
    try:
        viewer = offline.new_page()
        requested: list[str] = []
        viewer.on("request", lambda r: r.url.startswith("file:") or requested.append(r.url))
        viewer.goto(path.as_uri())
        charts = text.count("Plotly.newPlot(")  # daily trend, model bars and heatmap, channel ROAS and CPA
        assert charts >= 3
        viewer.locator(".plotly-graph-div").nth(charts - 1).locator(".main-svg").first.wait_for(timeout=30_000)
        assert viewer.locator(".plotly-graph-div").count() == charts
        assert requested == []
    finally:
        offline.close()


def test_report_adds_media_mix_and_budget_after_a_fit(page):
    _charts_drawn(page, 2)
    _go(page, "Media mix")
    page.get_by_role("button", name="Fit model").click()
    _settle(page)
    assert _charts_drawn(page, 1) >= 1 and _exceptions(page) == []
    _go(page, "Overview")
    report = _download(page, "Full report (HTML)").decode("utf-8")
    assert "<h2>Media-mix model</h2>" in report and "<h2>Budget optimiser</h2>" in report
    assert ">Recommended spend<" in report and "Current and recommended spend" in report
