"""Fixtures of the API tests: skipped with the reason when the API extra is not installed."""
from __future__ import annotations

import json

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the API extra is not installed (pip install -r requirements-api.txt)")
pytest.importorskip("httpx", reason="the API tests need httpx (pip install -r requirements-api.txt)")

from fastapi.testclient import TestClient  # noqa: E402

from attribution.api.keys import KeyRing, hash_key  # noqa: E402
from attribution.api.server import create_app  # noqa: E402
from attribution.api.service import ApiLimits  # noqa: E402

KEY = "test-key-0123456789abcdef"
HEADERS = {"x-api-key": KEY}
TEST_KEYS = KeyRing((hash_key(KEY),))


def records(frame: pd.DataFrame) -> list[dict]:
    """A frame as JSON records with ISO timestamps (what a client sends)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return json.loads(out.to_json(orient="records", double_precision=15))  # pandas rounds to 10 digits by default


@pytest.fixture
def make_client():
    """``make_client(limits=None, keys=...)`` -> a TestClient of a fresh app."""

    def make(limits: ApiLimits | None = None, keys: KeyRing | None = TEST_KEYS) -> TestClient:
        return TestClient(create_app(keys, limits), raise_server_exceptions=False)

    return make


@pytest.fixture
def client(make_client):
    """A client of an app with the test key and default limits."""
    return make_client()
