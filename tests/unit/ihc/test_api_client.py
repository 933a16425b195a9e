"""Remote mode of `python -m attribution ihc` against a local stand-in of the IHC API.

The stand-in implements the documented shape (see attribution/ihc_api.py): POST with
``?conv_type_id=``, header ``x-api-key``, body ``{"customer_journeys": [...]}``; answer
``{"statusCode", "value": [...], "partialFailureErrors": [...]}``. It gives every session of a
journey of k sessions ihc = 1/k, so results are easy to check, and it refuses requests over the
documented limits (100 journeys, 3,000 sessions).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from attribution.cli import main
from attribution.errors import DataValidationError
from attribution.ihc.api_client import ApiSettings, _wait_seconds, batches
from tests.unit.ihc.ihc_db import dump, make_db

KEY = "secret-key"


class StandIn:
    """A threaded HTTP server on 127.0.0.1 answering like the IHC API; ``script`` holds canned
    answers ``(status, headers, body)`` served before the computed ones."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, object]] = []
        self.fail_conversions: set[str] = set()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                stand_in.requests.append({"query": query, "key": self.headers.get("x-api-key"), "body": body})
                status, headers, answer = stand_in.answer(body, self.headers.get("x-api-key"), query)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/compute_ihc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, body: dict, key: str | None, query: dict) -> tuple[int, dict, object]:
        if self.script:
            return self.script.pop(0)
        if key != KEY:
            return 403, {}, {"message": "Forbidden"}
        sessions = body["customer_journeys"]
        journeys: dict[str, list[dict]] = {}
        for s in sessions:
            journeys.setdefault(s["conversion_id"], []).append(s)
        if len(journeys) > 100 or len(sessions) > 3000 or query.get("conv_type_id") != ["challenge"]:
            return 400, {}, {"message": "limits exceeded or conv_type_id missing"}
        value, errors = [], []
        for conv, rows in journeys.items():
            if conv in self.fail_conversions:
                errors.append({"conversion_id": conv, "error": "invalid journey"})
                continue
            value += [{"conversion_id": conv, "session_id": r["session_id"], "initializer": 1 / len(rows),
                       "holder": 1 / len(rows), "closer": 1 / len(rows), "ihc": 1 / len(rows)} for r in rows]
        return 200, {}, {"statusCode": 206 if errors else 200, "value": value, "partialFailureErrors": errors}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(monkeypatch):
    server = StandIn()
    monkeypatch.setenv("IHC_API_KEY", KEY)
    yield server
    server.close()


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "challenge.db")


def _remote(db, api, *extra: str) -> list[str]:
    return ["ihc", "--db", str(db), "--api-url", api.url, "--conv-type-id", "challenge", "--retry-delay", "0",
            "--quiet", *extra]


def test_remote_mode_retries_a_429_and_writes_the_api_values(db, api):
    api.script.append((429, {"Retry-After": "0"}, {"message": "Too Many Requests"}))
    assert main(_remote(db, api)) == 0
    assert len(api.requests) == 2 and api.requests[0]["body"] == api.requests[1]["body"]
    assert api.requests[1]["key"] == KEY and api.requests[1]["query"] == {"conv_type_id": ["challenge"]}
    sent = {(s["conversion_id"], s["session_id"]): s for s in api.requests[1]["body"]["customer_journeys"]}
    assert set(sent) == {("c1", "s1"), ("c1", "s2"), ("c1", "s3"), ("c2", "s4"),
                         ("c4", "s1"), ("c4", "s2"), ("c4", "s3"), ("c4", "s6")}
    assert sent[("c1", "s2")] == {"conversion_id": "c1", "session_id": "s2", "timestamp": "2023-09-02 00:00:00",
                                  "channel_label": "SEA", "holder_engagement": 1, "closer_engagement": 0,
                                  "conversion": 0, "impression_interaction": 0}
    # the conversion happened in the journey's last session
    assert [k for k, s in sent.items() if s["conversion"]] == [("c1", "s3"), ("c2", "s4"), ("c4", "s6")]
    rows = {(c, s): v for c, s, v in dump(db, "attribution_customer_journey")}
    assert rows == pytest.approx({("c1", "s1"): 1 / 3, ("c1", "s2"): 1 / 3, ("c1", "s3"): 1 / 3, ("c2", "s4"): 1.0,
                                  ("c4", "s1"): 0.25, ("c4", "s2"): 0.25, ("c4", "s3"): 0.25, ("c4", "s6"): 0.25})
    # Email on 1 Sep: s1 has 1/3 of c1 (132.0) and 1/4 of c4 (10.0)
    report = {(r[0], r[1]): r[2:] for r in dump(db, "channel_reporting")}
    assert report[("Email", "2023-09-01")] == pytest.approx((1.0, 1 / 3 + 1 / 4, 44.0 + 2.5))


def test_requests_stay_within_the_documented_limits(tmp_path, api):
    # 230 users with one session and one conversion each: 3 requests of 100, 100 and 30 journeys
    db = tmp_path / "many.db"
    make_db(db)
    with sqlite3.connect(db) as con:
        con.executemany("insert into session_sources values (?, ?, '2023-09-10', '08:00:00', 'SEA', 0, 0, 0)",
                        [(f"m{i:03d}", f"v{i:03d}") for i in range(230)])
        con.executemany("insert into conversions values (?, ?, '2023-09-10', '09:00:00', 1.0)",
                        [(f"k{i:03d}", f"v{i:03d}") for i in range(230)])
    con.close()
    assert main(_remote(db, api)) == 0
    per_request = [len({s["conversion_id"] for s in r["body"]["customer_journeys"]}) for r in api.requests]
    assert per_request == [100, 100, 33]  # 230 new + c1, c2, c4 of the hand-made rows
    assert len(dump(db, "attribution_customer_journey")) == 230 + 8


def test_batches_pack_whole_journeys_under_both_limits():
    def journeys(n_journeys: int, n_sessions: int) -> list[dict]:
        return [{"conversion_id": f"c{j}", "session_id": f"s{j}-{k}"} for j in range(n_journeys)
                for k in range(n_sessions)]

    # 100 journeys of 40 sessions: 3,000 sessions hold 75 journeys, the other 25 go in a second request
    sizes = [(len({r["conversion_id"] for r in b}), len(b)) for b in batches(journeys(100, 40))]
    assert sizes == [(75, 3000), (25, 1000)]
    assert [len(b) for b in batches(journeys(250, 1))] == [100, 100, 50]
    with pytest.raises(DataValidationError, match="has 3,001 sessions"):
        list(batches(journeys(1, 3001)))


def test_server_errors_after_the_retries_exit_4_and_write_nothing(db, api, capsys):
    api.script.extend([(503, {}, {"message": "unavailable"})] * 3)
    assert main(_remote(db, api, "--retries", "2")) == 4
    assert len(api.requests) == 3
    err = capsys.readouterr().err
    assert "still failed after 2 retries (HTTP 503)" in err and "run without --api-url" in err
    assert dump(db, "attribution_customer_journey") == [] and dump(db, "channel_reporting") == []


def test_a_refused_key_exits_4_with_what_to_check(db, api, monkeypatch, capsys):
    monkeypatch.setenv("IHC_API_KEY", "wrong")
    assert main(_remote(db, api)) == 4
    assert len(api.requests) == 1  # no retries for an authentication error
    assert "refused the request (HTTP 403): check the API key" in capsys.readouterr().err


def test_partial_failures_stop_unless_allowed(db, api, capsys):
    api.fail_conversions.add("c4")
    assert main(_remote(db, api)) == 4
    assert "could not attribute some journeys" in capsys.readouterr().err
    assert dump(db, "attribution_customer_journey") == []
    assert main(_remote(db, api, "--allow-partial")) == 0
    assert {c for c, _, _ in dump(db, "attribution_customer_journey")} == {"c1", "c2"}
    assert "warning: IHC API:" in capsys.readouterr().err


def test_remote_configuration_errors_exit_2(db, api, monkeypatch, capsys):
    assert main(["ihc", "--db", str(db), "--api-url", api.url]) == 2
    assert "--api-url needs --conv-type-id" in capsys.readouterr().err
    monkeypatch.delenv("IHC_API_KEY")
    assert main(_remote(db, api)) == 2
    assert "set the environment variable IHC_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("IHC_API_KEY", KEY)
    assert main(["ihc", "--db", str(db), "--api-url", "file:///etc/passwd", "--conv-type-id", "x"]) == 2
    assert "must start with https://" in capsys.readouterr().err
    assert api.requests == []


def test_backoff_doubles_and_honours_retry_after():
    class Err:
        def __init__(self, value):
            self.headers = {"Retry-After": value} if value is not None else {}

    assert [_wait_seconds(None, a, 2.0) for a in range(4)] == [2.0, 4.0, 8.0, 16.0]
    assert _wait_seconds(Err("5"), 0, 2.0) == 5.0
    assert _wait_seconds(Err("Wed, 21 Oct 2015 07:28:00 GMT"), 1, 2.0) == 4.0
    assert _wait_seconds(None, 20, 2.0) == 120.0  # capped
    with pytest.raises(DataValidationError, match="batch limits"):
        ApiSettings(url="https://x", api_key="k", conv_type_id="c", max_journeys=101)
