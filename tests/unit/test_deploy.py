"""The deployment files run real commands: compose.yaml and the Dockerfile, read as data and checked
against the code (no container engine runs here, so the image itself is never built).

Rules checked: the dashboard's command is ``streamlit run app.py`` with real Streamlit options; the
API's command parses with our own CLI and, started as compose starts it (but on 127.0.0.1), serves
with the key file compose names; the image's health check passes for either command and fails when
nothing answers; the workspace volume holds ``ATTRIBUTION_WORKSPACE``; secrets are mounted where the
code reads them and never copied into the image; every file the Dockerfile copies exists.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is missing (pip install -r requirements-dev.txt)")

from attribution.store.workspace import WorkspaceConfig  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    out, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + (" " if line.rstrip().endswith("\\") else "")
        if not line.rstrip().endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


DOCKERFILE = _instructions()


def _one(name: str) -> str:
    found = [rest for word, rest in DOCKERFILE if word == name]
    return found[-1]  # the runtime stage's (the last one wins)


def _env() -> dict[str, str]:
    values = {}
    for word, rest in DOCKERFILE:
        if word == "ENV":
            values.update(item.split("=", 1) for item in shlex.split(rest))
    return values


def _service(name: str) -> dict:
    return COMPOSE["services"][name]


def _container_ports(service: dict) -> set[int]:
    return {int(str(p).rsplit(":", 1)[-1]) for p in service["ports"]}


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def test_the_dashboard_command_is_streamlit_run_app_with_real_options():
    from streamlit import config

    cmd = json.loads(_one("CMD"))
    assert "command" not in _service("app")  # compose runs the image's default command
    assert cmd[:3] == ["streamlit", "run", "app.py"] and (ROOT / "app.py").is_file()
    options = dict(flag.removeprefix("--").split("=", 1) for flag in cmd[3:])
    for key in options:
        config.get_option(key)  # raises for an option this Streamlit does not have
    assert options["server.address"] == "0.0.0.0" and options["client.showErrorDetails"] == "none"
    assert _container_ports(_service("app")) == {int(options["server.port"])}
    assert str(options["server.port"]) in _one("EXPOSE").split()


def test_the_api_command_is_our_serve_command():
    import attribution.api.commands  # noqa: F401 (registers serve)
    from attribution.cli import build_parser

    cmd = _service("api")["command"]
    assert cmd[:3] == ["python", "-m", "attribution"]
    args = build_parser().parse_args(cmd[3:])  # exits (SystemExit) on an unknown option
    assert args.command == "serve"
    assert args.host == "0.0.0.0" and _container_ports(_service("api")) == {args.port}
    assert str(args.port) in _one("EXPOSE").split()
    helped = subprocess.run([sys.executable, "-m", "attribution", "serve", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert helped.returncode == 0 and "--host" in helped.stdout and "--no-auth" in helped.stdout


def test_the_api_serves_as_compose_starts_it_and_the_health_check_sees_it(tmp_path):
    pytest.importorskip("fastapi", reason="the API extra is not installed (pip install -r requirements-api.txt)")
    from attribution.api.keys import hash_key

    api = _service("api")
    key = "deploy-test-key-0123456789"
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(f"{hash_key(key)}  compose test\n")
    env = {**os.environ, **{k: str(v) for k, v in api["environment"].items()}, "PYTHONPATH": str(ROOT)}
    assert env["ATTRIBUTION_API_KEYS_FILE"] == "/run/secrets/" + api["secrets"][0]  # where compose mounts it
    env["ATTRIBUTION_API_KEYS_FILE"] = str(keys_file)
    env.pop("ATTRIBUTION_API_KEYS", None)
    port = free_port()
    cmd = [sys.executable, *api["command"][1:]]
    cmd[cmd.index("--host") + 1], cmd[cmd.index("--port") + 1] = "127.0.0.1", str(port)  # never 0.0.0.0 in a test
    health = _one("HEALTHCHECK").split(" CMD ", 1)[1]
    # the image's check with its ports moved to ports nothing else uses here (8501 -> a closed one)
    moved = {"8000": str(port), "8501": str(free_port())}
    check = re.sub(r"127\.0\.0\.1:(\d+)/", lambda m: f"127.0.0.1:{moved[m.group(1)]}/", health)
    assert check.count(f"127.0.0.1:{port}/") == 1
    assert subprocess.run(["sh", "-c", check], timeout=30).returncode != 0  # nothing answers yet
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        assert subprocess.run(["sh", "-c", check], timeout=30).returncode == 0
        body = json.dumps({"paths": [{"path": ["Search", "Email"], "conversions": 2}], "models": ["linear"]}).encode()
        url = f"http://127.0.0.1:{port}/v1/attribution"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, body, {"content-type": "application/json"}), timeout=30)
        assert refused.value.code == 401
        answer = json.load(urllib.request.urlopen(urllib.request.Request(
            url, body, {"content-type": "application/json", "x-api-key": key}), timeout=30))
        assert {c["channel"]: c["conversions"] for c in answer["credit"]} == {"Search": 1.0, "Email": 1.0}
    finally:
        server.terminate()
        server.wait(15)


def test_the_workspace_volume_holds_the_workspace_file():
    env, app = _env(), _service("app")
    volume_dir = PurePosixPath(json.loads(_one("VOLUME"))[0])
    mounts = dict(v.split(":", 1) for v in app["volumes"])
    assert list(COMPOSE["volumes"]) == ["workspace"] and mounts == {"workspace": str(volume_dir)}
    for path in (env["ATTRIBUTION_WORKSPACE"], app["environment"]["ATTRIBUTION_WORKSPACE"]):
        assert PurePosixPath(path).parent == volume_dir
    run = " ".join(rest for word, rest in DOCKERFILE if word == "RUN")
    assert f"mkdir -p {volume_dir}" in run and f"chown app:app {volume_dir}" in run  # writable by the app user
    assert "volumes" not in _service("api")  # the API keeps no data


def test_the_limits_in_compose_are_accepted_and_consistent(monkeypatch):
    env = _service("app")["environment"]
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    cfg = WorkspaceConfig.from_env()  # raises for a value the app would refuse at start
    assert cfg.path == env["ATTRIBUTION_WORKSPACE"] and cfg.memory_limit == env["ATTRIBUTION_MEMORY_LIMIT"]
    # Streamlit refuses a file over its own cap before ours is applied: it must not be the smaller one
    assert float(env["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"]) >= cfg.max_upload_mb


def test_secrets_are_mounted_where_the_code_reads_them_and_kept_out_of_the_image():
    workdir = PurePosixPath(_one("WORKDIR"))
    app_secret = _service("app")["secrets"][0]
    assert PurePosixPath(app_secret["target"]) == workdir / ".streamlit" / "secrets.toml"  # Streamlit's default
    for secret in COMPOSE["secrets"].values():
        assert PurePosixPath(secret["file"]).parts[0] == "secrets"  # the folder both ignore files name
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored and "secrets" in ignored
    git_ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in git_ignored and "/secrets/" in git_ignored


def test_the_image_installs_the_api_and_sign_in_extra_and_copies_only_existing_files():
    runs = [rest for word, rest in DOCKERFILE if word == "RUN"]
    assert any("pip install -r /tmp/requirements-api.txt" in r for r in runs)
    api_reqs = (ROOT / "requirements-api.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in api_reqs and any(r.startswith("streamlit[auth]") for r in api_reqs)
    for word, rest in DOCKERFILE:
        if word == "COPY" and not rest.startswith("--from"):
            for source in shlex.split(rest)[:-1]:
                assert (ROOT / source).exists(), source
