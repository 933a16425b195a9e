"""POST /v1/compute_ihc: the hosted IHC API's shape, served by a real uvicorn for the ihc CLI's remote mode."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from attribution.cli import main
from tests.unit.api.conftest import HEADERS, KEY, ROOT, serve_api
from tests.unit.ihc.ihc_db import LOCAL_IHC, dump, make_db


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


def test_ihc_limits_are_413_naming_the_limit(make_client):
    from attribution.api.limits import ApiLimits

    sessions = [{"conversion_id": f"c{i // 2}", "session_id": f"s{i}", "timestamp": f"2023-09-02 1{i}:00:00",
                 "channel_label": "SEA"} for i in range(4)]  # two journeys of two sessions
    for limits, words in ((ApiLimits(max_ihc_journeys=1), "journeys in the request: 2 is over this server's limit of 1"),
                          (ApiLimits(max_ihc_sessions=3), "sessions in the request: 4 is over this server's limit of 3")):
        got = make_client(limits).post("/v1/compute_ihc", params={"conv_type_id": "t"}, headers=HEADERS,
                                       json={"customer_journeys": sessions})
        assert got.status_code == 413 and words in got.json()["detail"]
    fits = make_client(ApiLimits(max_ihc_journeys=2, max_ihc_sessions=4))
    assert fits.post("/v1/compute_ihc", params={"conv_type_id": "t"}, headers=HEADERS,
                     json={"customer_journeys": sessions}).status_code == 200


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """Where the real server of :func:`api_url` writes its output (its log and access log)."""
    return tmp_path_factory.mktemp("api") / "server.log"


@pytest.fixture(scope="module")
def api_url(server_log):
    """A real server with the test key (:func:`serve_api`); yields its compute_ihc URL."""
    with serve_api(server_log) as url:
        yield url + "/v1/compute_ihc"


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


def test_the_server_log_has_the_requests_but_never_a_key(api_url, server_log):
    # the right key (422: empty journeys, but the key was accepted) and a wrong key that contains it (403)
    for key, status in ((KEY, 422), ("not-" + KEY, 403)):
        request = urllib.request.Request(api_url + "?conv_type_id=t", data=b'{"customer_journeys": []}',
                                         method="POST", headers={"x-api-key": key, "content-type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == status
    time.sleep(0.5)  # let the access log line reach the file
    text = server_log.read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/compute_ihc" in text and " 422" in text and " 403" in text
    assert KEY not in text and "x-api-key" not in text.lower()
