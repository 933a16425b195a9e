"""AppTest fixtures: a fresh workspace per test and clean Streamlit caches."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def workspace_env(tmp_path, monkeypatch):
    """Point the app at a private workspace file for this test."""
    monkeypatch.setenv("ATTRIBUTION_WORKSPACE", str(tmp_path / "ws.duckdb"))
    monkeypatch.delenv("ATTRIBUTION_WORKSPACE_MODE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(workspace_env):
    """A started app (Overview page on the sample data)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def errors_of(at: AppTest) -> list[str]:
    """Exceptions and error boxes shown on the page."""
    return [e.value for e in at.exception] + [e.value for e in at.error]


def unescape(text: str) -> str:
    """What the reader sees of Markdown whose user text was escaped (ui/text.plain): the text."""
    import re

    return re.sub(r"\\(.)", r"\1", text)
