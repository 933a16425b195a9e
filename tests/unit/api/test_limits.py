"""Every per-request limit is set by a ``serve`` option or an ``ATTRIBUTION_API_*`` variable; bad values stop start-up."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import fields

import pytest

from attribution.api.limits import LIMIT_SETTINGS, ApiLimits, limits_env, resolve_limits
from attribution.errors import AttributionError
from tests.unit.api.conftest import HEADERS, KEY, ROOT, serve_api

SETTINGS = {s.name: s for s in LIMIT_SETTINGS}
NAMES = ["max_body_mb", "max_rows", "max_n_boot", "max_boot_work", "max_ihc_journeys", "max_ihc_sessions",
         "max_mmm_rows", "max_mmm_n_boot"]


def test_every_limit_has_an_option_and_a_variable():
    assert {s.field for s in LIMIT_SETTINGS} == {f.name for f in fields(ApiLimits)}
    assert sorted(SETTINGS) == sorted(NAMES)
    assert SETTINGS["max_mmm_rows"].option == "--max-mmm-rows"
    assert SETTINGS["max_mmm_rows"].env == "ATTRIBUTION_API_MAX_MMM_ROWS"
    assert SETTINGS["max_body_mb"].env == "ATTRIBUTION_API_MAX_BODY_MB"


def test_values_come_from_the_option_then_the_variable_then_the_default():
    env = {"ATTRIBUTION_API_MAX_MMM_ROWS": "52", "ATTRIBUTION_API_MAX_IHC_SESSIONS": " 10 ",
           "ATTRIBUTION_API_MAX_BODY_MB": "0.5", "ATTRIBUTION_API_MAX_BOOT_WORK": "1000"}
    got = resolve_limits({"max_mmm_rows": "30", "max_n_boot": "7", "max_rows": None}, env)
    assert got == ApiLimits(max_mmm_rows=30, max_ihc_sessions=10, max_body_bytes=2**19, max_boot_work=1000,
                            max_n_boot=7)
    assert ApiLimits.from_env({}) == ApiLimits()
    assert ApiLimits.from_env(env).max_mmm_rows == 52


def test_the_environment_of_some_limits_gives_them_back():
    odd = ApiLimits(max_body_bytes=1_234_567, max_rows=3, max_n_boot=4, max_boot_work=5, max_ihc_journeys=6,
                    max_ihc_sessions=7, max_mmm_rows=8, max_mmm_n_boot=9)
    env = limits_env(odd)
    assert sorted(env) == sorted("ATTRIBUTION_API_" + n.upper() for n in NAMES)
    assert ApiLimits.from_env(env) == odd


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("raw", ["abc", "-1", "0", "", "nan"])
def test_a_bad_value_names_its_variable_or_option(name, raw):
    s = SETTINGS[name]
    with pytest.raises(AttributionError, match=f"^{s.env} must be a .*not {raw!r}"):
        resolve_limits({}, {s.env: raw})
    with pytest.raises(AttributionError, match=f"^{s.option} must be"):
        resolve_limits({name: raw}, {})


def test_counts_must_be_whole_and_megabytes_may_be_fractions():
    with pytest.raises(AttributionError, match="ATTRIBUTION_API_MAX_ROWS must be a whole number >= 1"):
        ApiLimits.from_env({"ATTRIBUTION_API_MAX_ROWS": "1.5"})
    with pytest.raises(AttributionError, match="positive number of megabytes"):
        ApiLimits.from_env({"ATTRIBUTION_API_MAX_BODY_MB": "inf"})
    assert ApiLimits.from_env({"ATTRIBUTION_API_MAX_BODY_MB": "1.5"}).max_body_bytes == 1_572_864  # 1.5 x 2**20
    with pytest.raises(AttributionError, match="ApiLimits.max_mmm_rows must be a whole number >= 1"):
        ApiLimits(max_mmm_rows=0)


def test_help_lists_every_option_with_its_variable_and_default():
    helped = subprocess.run([sys.executable, "-m", "attribution", "serve", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert helped.returncode == 0
    text = " ".join(helped.stdout.split())
    for s in LIMIT_SETTINGS:
        assert f"{s.option} {'MB' if s.megabytes else 'N'}" in text
        assert f"env {s.env})" in text
    assert "(default 3,660; env ATTRIBUTION_API_MAX_MMM_ROWS)" in text
    assert "(default 64; env ATTRIBUTION_API_MAX_BODY_MB)" in text


def _serve(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIBUTION_API_")}
    # port 1: were it to start serving, the run would fail instead of waiting for a request
    return subprocess.run([sys.executable, "-m", "attribution", "serve", "--port", "1", *args], cwd=ROOT,
                          env={**clean, "PYTHONPATH": str(ROOT), "ATTRIBUTION_API_KEYS": KEY, **env},
                          capture_output=True, text=True, timeout=60)


def test_serve_refuses_to_start_with_a_bad_limit():
    pytest.importorskip("uvicorn", reason="the API extra is not installed")
    run = _serve([], {"ATTRIBUTION_API_MAX_MMM_ROWS": "abc"})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip() == "error: ATTRIBUTION_API_MAX_MMM_ROWS must be a whole number >= 1 (rows (periods) " \
                                 "of the table of a media-mix request), not 'abc'"
    run = _serve(["--max-ihc-sessions", "-1"], {})
    assert run.returncode == 2 and "error: --max-ihc-sessions must be a whole number >= 1" in run.stderr
    run = _serve(["--max-body-mb", "0"], {})
    assert run.returncode == 2 and "error: --max-body-mb must be a positive number of megabytes" in run.stderr
    # another subcommand does not read the serve settings
    other = subprocess.run([sys.executable, "-m", "attribution", "simulate", "--help"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, env={**os.environ, "ATTRIBUTION_API_MAX_ROWS": "abc"})
    assert other.returncode == 0


def _post(url: str, body: dict, query: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url + query, json.dumps(body).encode(),
                                     {"content-type": "application/json", **HEADERS})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_a_real_server_applies_limits_from_its_options_and_environment(tmp_path):
    sessions = [{"conversion_id": "c1", "session_id": f"s{i}", "timestamp": f"2023-09-02 1{i}:00:00",
                 "channel_label": "SEA"} for i in range(3)]
    rows = [{"date": f"2024-01-0{d}", "y": 10 + d, "tv": d} for d in range(1, 5)]
    with serve_api(tmp_path / "server.log", ("--max-mmm-rows", "3"),
                   {"ATTRIBUTION_API_MAX_IHC_SESSIONS": "2", "ATTRIBUTION_API_MAX_MMM_ROWS": "100"}) as url:
        status, body = _post(url + "/v1/compute_ihc", {"customer_journeys": sessions}, "?conv_type_id=t")
        assert status == 413 and "sessions in the request: 3 is over this server's limit of 2" in body["detail"]
        status, body = _post(url + "/v1/mmm/fit", {"rows": rows, "channels": ["tv"]})
        assert status == 413 and "rows of the table: 4 is over this server's limit of 3" in body["detail"]
        status, body = _post(url + "/v1/compute_ihc", {"customer_journeys": sessions[:2]}, "?conv_type_id=t")
        assert status == 200 and body["statusCode"] == 200
