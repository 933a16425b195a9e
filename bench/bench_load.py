"""Load bench: N real browser sessions clicking through the sample at once, against one app server.

Starts the app on 127.0.0.1 (a fresh workspace in a temp folder), then for each session count
(default 1, 4, 8) opens that many Chromium pages (one Streamlit session each) which all visit the
same pages in order. A page's time is from the click on its sidebar link until the page shows its title
and Streamlit has been idle for a second (the app reports no script running or requested, no
placeholder), minus that second. Reports p50/p95/max page
time, errors (exception boxes on a page, a page that did not settle in time, and with ``--downloads``
a download that failed or any /media/ request answered 404) and the server process's peak resident
memory, sampled every 0.2 s from /proc (Linux), with the machine's load average (other work on the
machine slows every figure).

With ``--downloads`` each session, on every page it visits, also clicks that page's first table
download ("Download CSV") and first chart download ("Chart (HTML)"), both made on the click, as
people do while the other sessions keep the server busy.

The load is bounded: sessions are capped at 16, each visits each page once, and every wait has a
timeout. Run: ``python bench/bench_load.py [--sessions 1 4 8] [--pages Overview Validation]
[--downloads] [--rounds 2]``. ``--rounds`` visits the pages that many times per session; the figures
after the first round are those of cached results ("after the first computation").
Needs playwright and Chromium (/usr/bin/chromium or $CHROMIUM), as the browser tests do.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGES = ["Overview", "Data", "Model comparison", "Validation", "Journeys & funnels", "Channel report"]
# each page's st.title, where it is not the sidebar name: a visit has arrived when it shows (under load
# the server can start the run over a second after the click, the old page showing all the while)
TITLES = {"Overview": "Marketing attribution analytics", "Media mix": "Media mix model"}
IDLE_MS = 1000
# idle: the app says no script runs or is requested (its data-test-script-state) and nothing is loading
_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const busy = !app || app.getAttribute('data-test-script-state') !== 'notRunning'
    || document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]');
  if (busy) { window.__idleSince = null; return false; }
  window.__idleSince = window.__idleSince || Date.now();
  return Date.now() - window.__idleSince > IDLE_MS;
}""".replace("IDLE_MS", str(IDLE_MS))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its children, from /proc (0 when unreadable)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class _Peak(threading.Thread):
    """Samples the server's memory until stopped; ``peak`` is the largest sample."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, _rss_bytes(self.pid))

    def stop(self) -> int:
        self._done.set()
        self.join(2)
        return self.peak


def _settle(page, timeout_ms: int) -> None:
    page.evaluate("window.__idleSince = null")
    page.wait_for_function(_IDLE, timeout=timeout_ms, polling=100)


DOWNLOADS = ("Download CSV", "Chart (HTML)")


def _downloads(page, name: str, timeout_ms: int, errors: list[str]) -> int:
    """Click the page's first button of each kind in DOWNLOADS; the number of files received."""
    got = 0
    for label in DOWNLOADS:
        button = page.get_by_role("button", name=label, exact=True)
        if not button.count():
            continue
        try:
            with page.expect_download(timeout=timeout_ms) as info:
                button.first.click()
            failure = info.value.failure()
        except Exception as exc:  # a download that never starts is a measured error
            failure = type(exc).__name__
        if failure:
            errors.append(f"{name}: {label} download failed ({failure})")
        else:
            got += 1
    return got


def _session(browser, url: str, pages: list[str], timeout_ms: int, downloads: bool = False,
             rounds: int = 1) -> tuple[list[tuple[str, float]], list[str]]:
    """One browser session: open the app, visit ``pages`` ``rounds`` times; (page, seconds) timings
    (a page visited again is named "page (again)") and errors."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    times, errors = [], []
    page.on("response", lambda r: errors.append(f"{r.status} for {r.url.split('/')[-1]}")
            if "/media/" in r.url and r.status >= 400 else None)
    try:
        t0 = time.perf_counter()
        page.goto(url, timeout=timeout_ms)
        page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=timeout_ms)
        _settle(page, timeout_ms)
        times.append(("(start)", time.perf_counter() - t0 - IDLE_MS / 1000))
        for name in [p for _ in range(rounds) for p in pages]:
            label = name if not any(n == name for n, _ in times) else f"{name} (again)"
            t0 = time.perf_counter()
            try:
                page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
                page.locator("h1", has_text=TITLES.get(name, name)).first.wait_for(timeout=timeout_ms)
                _settle(page, timeout_ms)
            except Exception as exc:  # a timeout is a measured error, not a crash of the bench
                errors.append(f"{name}: {type(exc).__name__}")
                continue
            times.append((label, time.perf_counter() - t0 - IDLE_MS / 1000))
            if downloads:
                _downloads(page, name, timeout_ms, errors)
            shown = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
            if shown.count():
                errors.append(f"{name}: {shown.first.inner_text()[:120]!r}")
    finally:
        ctx.close()
    return times, errors


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(sessions: list[int], pages: list[str], timeout_s: float, downloads: bool = False,
        rounds: int = 1) -> list[dict]:
    """Serve the app once and drive each session count in turn; one result row per count."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    port = _free_port()
    env = {**os.environ, "ATTRIBUTION_WORKSPACE": str(tmp / "workspace.duckdb")}
    env.pop("ATTRIBUTION_WORKSPACE_MODE", None)
    log = open(tmp / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType",
         "none"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        deadline = time.time() + 120
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError("the app did not start; see " + str(tmp / "server.log"))
            time.sleep(0.3)
        for n in sessions:
            n = max(1, min(16, n))
            peak = _Peak(server.pid)
            peak.start()
            t0 = time.perf_counter()
            # playwright's sync API is not thread-safe across one browser: one browser per thread
            with ThreadPoolExecutor(n) as pool:
                results = list(pool.map(lambda _: _own_browser_session(url, pages, timeout_s, downloads, rounds),
                                        range(n)))
            wall = time.perf_counter() - t0
            mem = peak.stop()
            load = os.getloadavg()[0]
            times = [t for r in results for _, t in r[0]]
            page_times = [t for r in results for name, t in r[0] if name != "(start)"]
            by_page = {}
            for r in results:
                for name, t in r[0]:
                    by_page.setdefault(name, []).append(t)
            rows.append({"sessions": n, "pages": len(times), "p50_s": statistics.median(page_times or [0]),
                         "p95_s": _pct(page_times or [0], 0.95), "max_s": max(page_times or [0]),
                         "slowest": max((k for k in by_page if k != "(start)"), key=lambda k: max(by_page[k]), default=""),
                         "by_page": {k: (statistics.median(v), max(v)) for k, v in by_page.items()},
                         "load": load,
                         "errors": [e for r in results for e in r[1]], "peak_rss_mb": mem / 2**20,
                         "wall_s": wall})
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return rows


def _own_browser_session(url: str, pages: list[str], timeout_s: float, downloads: bool, rounds: int):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            return _session(browser, url, pages, int(timeout_s * 1000), downloads, rounds)
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--timeout", type=float, default=180, help="seconds a page may take before it is an error")
    parser.add_argument("--downloads", action="store_true", help="also click a table and a chart download per page")
    parser.add_argument("--rounds", type=int, default=1, help="visits of every page per session (at most 5)")
    args = parser.parse_args()
    print(f"{'sessions':>8} {'pages':>5} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'errors':>6} {'peak MB':>8} "
          f"{'wall s':>7} {'load':>5}  slowest page")
    for row in run(args.sessions, args.pages, args.timeout, args.downloads, max(1, min(5, args.rounds))):
        print(f"{row['sessions']:>8} {row['pages']:>5} {row['p50_s']:>6.1f} {row['p95_s']:>6.1f} {row['max_s']:>6.1f} "
              f"{len(row['errors']):>6} {row['peak_rss_mb']:>8.0f} {row['wall_s']:>7.1f} {row['load']:>5.1f}  {row['slowest']}")
        print("        per page (median / max s): " + ", ".join(f"{k} {m:.1f}/{x:.1f}" for k, (m, x) in row["by_page"].items()))
        for err in row["errors"][:10]:
            print("        error:", err)


if __name__ == "__main__":
    main()
