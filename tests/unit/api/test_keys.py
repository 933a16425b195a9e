"""API keys: hashing, the key file, the environment, and the 401/403 answers."""
from __future__ import annotations

import pytest

from attribution.api.keys import KEYS_ENV, KEYS_FILE_ENV, ApiKeyError, KeyRing, hash_key, load_keys, new_key
from tests.unit.api.conftest import HEADERS, KEY


def test_hash_is_sha256_hex_of_the_key():
    # sha256("abc") from FIPS 180-2, appendix B.1
    assert hash_key("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_new_keys_are_long_random_and_distinct():
    a, b = new_key(), new_key()
    assert a != b and a.startswith("atk_") and len(a) >= 40


def test_keys_from_the_environment_and_a_hash_file(tmp_path):
    one, two = new_key(), new_key()
    keyfile = tmp_path / "keys"
    keyfile.write_text(f"# team keys\n{hash_key(two)}  airflow\n\n", encoding="utf-8")
    ring = load_keys({KEYS_ENV: f" {one} , ", KEYS_FILE_ENV: str(keyfile)})
    assert len(ring.hashes) == 2 and one not in "".join(ring.hashes)  # only hashes are kept
    assert ring.accepts(one) and ring.accepts(two)
    assert not ring.accepts(one[:-1]) and not ring.accepts("") and not ring.accepts(None)
    assert not load_keys({})


def test_a_plain_key_in_the_hash_file_is_refused_without_echoing_it(tmp_path):
    secret = new_key()
    keyfile = tmp_path / "keys"
    keyfile.write_text(f"{hash_key(new_key())}\n{secret}\n", encoding="utf-8")
    with pytest.raises(ApiKeyError, match="line 2: expected a key hash") as err:
        load_keys({KEYS_FILE_ENV: str(keyfile)})
    assert secret not in str(err.value)
    with pytest.raises(ApiKeyError, match="cannot read the API key file"):
        load_keys({KEYS_FILE_ENV: str(tmp_path / "missing")})
    with pytest.raises(ApiKeyError, match="shorter than 16"):
        load_keys({KEYS_ENV: "short"})


def test_missing_key_is_401_wrong_key_403_and_open_paths_need_none(client):
    body = {"paths": [{"path": ["a"], "conversions": 1}], "models": ["linear"]}
    missing = client.post("/v1/attribution", json=body)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorised"
    wrong = client.post("/v1/attribution", json=body, headers={"x-api-key": KEY + "x"})
    assert wrong.status_code == 403 and wrong.json() == {
        "error": "forbidden", "detail": "the API key is not valid for this server", "field": None}
    assert client.post("/v1/attribution", json=body, headers=HEADERS).status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_no_auth_mode_and_an_empty_key_ring(make_client):
    from attribution.errors import AttributionError

    open_client = make_client(keys=None)
    assert open_client.post("/v1/attribution", json={"paths": [{"path": ["a"], "conversions": 1}], "models": ["linear"]}).status_code == 200
    with pytest.raises(AttributionError, match="no API key is configured"):
        make_client(keys=KeyRing(()))


def test_serve_refuses_to_start_without_a_key_or_with_a_plain_key_in_the_file(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if k not in (KEYS_ENV, KEYS_FILE_ENV)} | {"PYTHONPATH": str(root)}
    # the command must stop before it listens (were it to serve, the run would time out and fail)
    run = subprocess.run([sys.executable, "-m", "attribution", "serve", "--port", "1"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no API key configured" in run.stderr and "--no-auth" in run.stderr
    assert "Traceback" not in run.stderr
    secret = new_key()
    (tmp_path / "keys").write_text(secret + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "attribution", "serve", "--port", "1"], cwd=root,
                         env={**env, KEYS_FILE_ENV: str(tmp_path / "keys")}, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "expected a key hash" in run.stderr
    assert secret not in run.stderr + run.stdout and "Traceback" not in run.stderr
