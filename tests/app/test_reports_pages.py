"""The Journeys & funnels and Channel report pages, driven through app.py with AppTest.

Each test pre-loads a hand-made dataset (tests/report_data.py) into a temporary workspace file as
the public "sample", so the pages run without ingest or the shipped sample files.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from attribution.store.workspace import Workspace
from tests.app.conftest import APP
from tests.report_data import CONVERSIONS, TOUCHPOINTS, build_dataset, build_paths_dataset

JOURNEYS_PAGE, CHANNEL_PAGE = "app_pages/journeys_funnels.py", "app_pages/channel_report.py"


@pytest.fixture
def open_page(workspace_env):
    """Return ``open_page(page, builder=build_dataset, **kwargs)`` → an AppTest run on that page."""

    def run(page: str, builder=build_dataset, **kwargs) -> AppTest:
        ws = Workspace(workspace_env / "ws.duckdb")
        builder(ws, source="sample", **kwargs)  # found by ensure_sample, so nothing is ingested
        ws.close()
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _values(array) -> list:
    """A plotly array from a chart spec (plain list or base64 typed array)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def _funnel_trace(at: AppTest) -> dict:
    return next(t for f in _figures(at) for t in f["data"] if t["type"] == "funnel")


def _trace_types(at: AppTest) -> set[str]:
    return {trace.get("type") for fig in _figures(at) for trace in fig["data"]}


def test_journeys_page_renders_every_report(open_page):
    at = open_page(JOURNEYS_PAGE)
    assert at.title[0].value == "Journeys & funnels"
    assert {"funnel", "sankey", "bar", "heatmap"} <= _trace_types(at)
    # default steps lead → purchase under all dates: 2 users, then 1 (see test_funnels)
    assert _values(_funnel_trace(at)["x"]) == [2, 1]
    paths = at.dataframe[1].value
    # the sidebar's default stage is every conversion (attribution.defaults): c1 and c3 (leads) and
    # c2 and c4 (purchases) each have a touch before them, so 4
    assert paths["conversions"].sum() == 4
    assert len(at.get("download_button")) >= 5


def test_journeys_page_search_and_interaction_funnel(open_page):
    at = open_page(JOURNEYS_PAGE)
    at.text_input(key="pr_search").set_value("email").run()
    assert all("Email" in p for p in at.dataframe[1].value["path"])
    at.radio(key="fn_source").set_value("interaction").run()
    assert not at.exception
    # default steps: most users first (click 3, impression 3, visit 1); users after click: none in order
    assert _values(_funnel_trace(at)["y"]) == ["click", "impression", "visit"]
    assert _values(_funnel_trace(at)["x"]) == [3, 0, 0]


def test_journeys_page_without_stages_says_what_to_do(open_page):
    at = open_page(JOURNEYS_PAGE, conversions=CONVERSIONS.assign(stage=None))
    assert any("no conversion stages" in i.value for i in at.info)
    assert "sankey" in _trace_types(at)


def test_journeys_page_on_aggregated_paths(open_page):
    at = open_page(JOURNEYS_PAGE, builder=build_paths_dataset)
    assert any("no timestamps" in i.value for i in at.info)
    assert {"sankey", "heatmap"} <= _trace_types(at)
    assert at.dataframe[0].value["journeys"].sum() == 23  # 3+4 + 2+6 + 1+2 + 0+5


def test_channel_report_page(open_page):
    at = open_page(CHANNEL_PAGE)
    assert at.title[0].value == "Channel report"
    assert any("spend table" in c.value for c in at.caption)
    table = at.table[0].value
    assert table["channel"].tolist()[-1] == "Total"
    assert table["conversions"].iloc[-1] == pytest.approx(table["conversions"].iloc[:-1].sum())
    assert len(at.get("plotly_chart")) >= 3
    at.selectbox(key="cr_freq").set_value("Week").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("channel_reporting" in label for label in labels) and any("Excel" in label for label in labels)


def test_channel_report_page_compares_two_models(open_page):
    at = open_page(CHANNEL_PAGE)
    others = at.selectbox(key="cr_other").options
    if len(others) < 2:
        pytest.skip("only one model registered")
    at.selectbox(key="cr_other").set_value(others[1]).run()
    assert not at.exception
    assert len(at.table) == 2 and len(at.dataframe) == 1  # two whole-range tables, one by-day grid


def test_channel_report_page_without_spend_or_cost(open_page):
    at = open_page(CHANNEL_PAGE, touchpoints=TOUCHPOINTS.assign(cost=0.0), spend=None)
    assert any("No spend table and no touch costs" in c.value for c in at.caption)
    assert at.table[0].value["CPA (CPO)"].isna().all()


def test_channel_report_page_without_conversions(open_page):
    at = open_page(CHANNEL_PAGE, conversions=CONVERSIONS.iloc[0:0])
    assert any("No converting journeys" in i.value for i in at.info)


def test_channel_report_page_on_aggregated_paths(open_page):
    at = open_page(CHANNEL_PAGE, builder=build_paths_dataset)
    assert any("No spend table and no touch costs" in c.value for c in at.caption)
    table = at.table[0].value
    # conversions of the hand-made paths: 3 + 2 + 1 + 0
    assert table["conversions"].iloc[-1] == pytest.approx(6.0)
    assert len(at.dataframe) == 0  # no dates, so no per-period grid
