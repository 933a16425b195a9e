"""AppTest: persistence across refresh/restart, private and shared workspace modes."""
from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from attribution.store.workspace import Workspace
from tests.app.conftest import APP
from tests.app.test_core_pages import CONVERSIONS, TOUCHES, _upload

UPLOAD = {"touchpoints": ("mine_tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)}
SHAPE = "Touchpoints + conversions (+ spend)"


def _saved(at: AppTest) -> list[str]:
    at.switch_page("app_pages/data_sources.py").run()
    return list(at.selectbox(key="saved_pick").options)


def test_refresh_and_restart_keep_the_dataset(workspace_env):
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    _upload(first, SHAPE, UPLOAD)
    token, dataset = first.query_params["ws"], first.query_params["ds"]
    # a restart: caches and the open database are gone, the file stays
    st.cache_data.clear()
    st.cache_resource.clear()
    refreshed = AppTest.from_file(APP, default_timeout=120)
    refreshed.query_params["ws"] = token
    refreshed.query_params["ds"] = dataset
    refreshed.run()
    assert "mine_tp" in refreshed.sidebar.text[0].value
    assert any("mine_tp" in o for o in _saved(refreshed))
    assert Workspace(workspace_env / "ws.duckdb").list(token)["name"].str.contains("mine_tp").any()


def test_private_mode_keeps_data_in_memory_per_session(workspace_env, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_WORKSPACE_MODE", "private")
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    _upload(first, SHAPE, UPLOAD)
    assert any("mine_tp" in o for o in _saved(first))
    second = AppTest.from_file(APP, default_timeout=120)
    second.query_params["ws"] = first.query_params["ws"]  # even the same token sees nothing
    second.run()
    assert not any("mine_tp" in o for o in _saved(second))
    assert not (workspace_env / "ws.duckdb").exists()


def test_shared_mode_shows_every_upload(workspace_env, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_WORKSPACE_MODE", "shared")
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    _upload(first, SHAPE, UPLOAD)
    second = AppTest.from_file(APP, default_timeout=120)
    second.run()
    assert any("mine_tp" in o for o in _saved(second))
