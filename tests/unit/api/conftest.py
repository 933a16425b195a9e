"""Fixtures of the API tests: skipped with the reason when the API extra is not installed."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the API extra is not installed (pip install -r requirements-api.txt)")
pytest.importorskip("httpx", reason="the API tests need httpx (pip install -r requirements-api.txt)")

from fastapi.testclient import TestClient  # noqa: E402

from attribution.api.keys import KeyRing, hash_key  # noqa: E402
from attribution.api.server import create_app  # noqa: E402
from attribution.api.service import ApiLimits  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_api(log_path: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None):
    """``python -m attribution serve`` with the test key (plus ``args``, ``env``) on a free 127.0.0.1
    port, its output in ``log_path``; yields its base URL once ``/healthz`` answers."""
    port = _free_port()
    env = {**os.environ, "ATTRIBUTION_API_KEYS": KEY, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "attribution", "serve", "--port", str(port), *args],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        pytest.fail(f"the API server did not start: {log_path.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(10)
