"""Real-browser fixtures: the app in a subprocess on a free port, and Debian's Chromium via Playwright.

Everything skips with the reason when /usr/bin/chromium (``apt-get install -y chromium``) or the
playwright package is missing. One app server and one browser serve the whole module; each test
opens its own page, which is a new Streamlit session.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_SECONDS = 90


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(server: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a server started by a test, killing it when it does not stop within ``timeout`` s."""
    server.terminate()
    try:
        server.wait(timeout)
    except subprocess.TimeoutExpired:
        server.kill()


@contextmanager
def serve_app(tmp: Path, extra_args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None):
    """Run the app from a fresh workspace in ``tmp`` on a free port; yields its URL.

    ``extra_env`` adds environment variables (e.g. the sign-in allow-list) to the server's.
    """
    port = free_port()
    env = {**os.environ, "ATTRIBUTION_WORKSPACE": str(tmp / "workspace.duckdb"), **(extra_env or {})}
    env.pop("ATTRIBUTION_WORKSPACE_MODE", None)
    log = open(tmp / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *extra_args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + START_SECONDS
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the app did not start; log:\n{(tmp / 'server.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        stop(server)
        log.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """URL of the app served from a fresh workspace (the sample is loaded on first use)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    with serve_app(tmp_path_factory.mktemp("e2e_app")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url):
    """A headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    """A new page (a new Streamlit session) on the app's start page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    yield page
    context.close()
