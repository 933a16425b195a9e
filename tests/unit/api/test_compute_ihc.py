"""POST /v1/compute_ihc: the hosted IHC API's shape, served by a real uvicorn for the ihc CLI's remote mode."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from attribution.cli import main
from tests.unit.api.conftest import HEADERS, KEY
from tests.unit.ihc.ihc_db import LOCAL_IHC, dump, make_db

ROOT = Path(__file__).resolve().parents[3]


def test_sessions_in_ihc_values_out(client):
    sessions = [{"conversion_id": "c2", "session_id": "s4", "timestamp": "2023-09-02 12:00:00", "channel_label": "SEA",
                 "holder_engagement": 0, "closer_engagement": 0, "conversion": 1, "impression_interaction": 0},
                {"conversion_id": "c9", "session_id": "x", "timestamp": "2023-09-02 12:00:00", "channel_label": "SEA"},
                {"conversion_id": "c9", "session_id": "x", "timestamp": "2023-09-02 13:00:00", "channel_label": "SEA"}]
    got = client.post("/v1/compute_ihc", params={"conv_type_id": "t"}, headers=HEADERS,
                      json={"customer_journeys": sessions})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["statusCode"] == 206 and [e["conversion_id"] for e in body["partialFailureErrors"]] == ["c9"]
    assert [(v["conversion_id"], v["session_id"], v["ihc"]) for v in body["value"]] == [("c2", "s4", 1.0)]
    assert client.post("/v1/compute_ihc", headers=HEADERS, json={"customer_journeys": sessions}).status_code == 422


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_url():
    """``python -m attribution serve`` with the test key on a free 127.0.0.1 port; yields its
    compute_ihc URL."""
    port = _free_port()
    env = {**os.environ, "ATTRIBUTION_API_KEYS": KEY, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "attribution", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("the API server did not start")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1/compute_ihc"
    finally:
        server.terminate()
        server.wait(10)


def test_the_ihc_cli_remote_mode_against_a_real_server(api_url, tmp_path, monkeypatch):
    db = make_db(tmp_path / "challenge.db")
    monkeypatch.setenv("IHC_API_KEY", KEY)
    assert main(["ihc", "--db", str(db), "--quiet", "--api-url", api_url, "--conv-type-id", "challenge",
                 "--retries", "0"]) == 0
    rows = {(c, s): v for c, s, v in dump(db, "attribution_customer_journey")}
    assert rows == pytest.approx(LOCAL_IHC)  # the values of our local model, worked out by hand


def test_the_ihc_command_with_a_wrong_key_stops_and_leaves_the_database_unchanged(api_url, tmp_path):
    db = make_db(tmp_path / "challenge.db")
    before = db.read_bytes()
    env = {**os.environ, "IHC_API_KEY": "not-" + KEY, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "attribution", "ihc", "--db", str(db), "--quiet", "--api-url", api_url,
                          "--conv-type-id", "challenge", "--retries", "0"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode != 0
    assert "refused the request (HTTP 403)" in run.stderr and "Traceback" not in run.stderr
    assert KEY not in run.stderr + run.stdout  # the key is never echoed
    assert db.read_bytes() == before
