"""Load bench of the HTTP API: requests per second and p50/p95 latency of POST /v1/attribution.

Starts ``python -m attribution serve`` (a real uvicorn, with an API key from the environment) on a
free 127.0.0.1 port, then for each payload and each client concurrency sends a bounded number of
identical requests from a thread pool of httpx clients (one per thread, keep-alive). Payloads:

* ``paths``: aggregated paths of N synthetic journeys (``bench_models_paths.synthetic_paths``:
  10 channels, lengths 1-10, conversion probability from the channels touched);
* ``touches``: the simulator's touchpoints and conversions of N users over 30 days (the answer
  says how many journeys the server built from them).

A request's latency is from sending until the whole answer is read; requests/s is requests over
the wall time of the batch. Bodies are encoded once, before timing. Only 127.0.0.1 is ever a target;
every request has a timeout and every batch a fixed count. Also reports errors (non-200 answers)
and the server's peak resident memory during the batch.

Run: ``python bench/bench_api.py [--sizes 1000 100000] [--kinds paths touches] [--concurrency 1 4]
[--requests 30] [--models last_touch linear markov]``. Needs the API extra
(``pip install -r requirements-api.txt``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import _free_port, _pct, _Peak, _rss_bytes  # noqa: E402
from bench_models_paths import synthetic_paths  # noqa: E402

import attribution as at  # noqa: E402
from attribution.api.keys import new_key  # noqa: E402

MAX_REQUESTS = 200  # per batch, whatever --requests says
TIMEOUT_S = 300.0


def paths_body(n_journeys: int, models: list[str], seed: int = 0) -> dict:
    """Aggregated paths of ``n_journeys`` synthetic journeys as a request body."""
    frame = synthetic_paths(n_journeys, seed)
    rows = [{"path": list(p), "conversions": float(c), "revenue": round(float(r), 2), "nulls": float(n)}
            for p, c, r, n in zip(frame["path"], frame["conversions"], frame["revenue"], frame["nulls"], strict=True)]
    return {"paths": rows, "models": models}


def touches_body(n_users: int, models: list[str], seed: int = 0) -> dict:
    """The simulator's touches and conversions of ``n_users`` users over 30 days as a request body."""
    data = at.simulate(n_users=n_users, days=30, seed=seed)
    tp = data.touchpoints[["user_id", "ts", "channel"]].copy()
    conv = data.conversions[["user_id", "ts", "revenue"]].copy()
    for frame in (tp, conv):
        frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    return {"touchpoints": tp.to_dict(orient="records"), "conversions": conv.to_dict(orient="records"),
            "models": models}


def _serve(port: int, key: str, workers: int) -> subprocess.Popen:
    env = {**os.environ, "ATTRIBUTION_API_KEYS": key, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "attribution", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--max-body-mb", "256"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            raise RuntimeError("the API server did not start")
        time.sleep(0.2)


def batch(url: str, key: str, body: bytes, n_requests: int, concurrency: int) -> dict:
    """Send ``n_requests`` POSTs of ``body`` with ``concurrency`` threads; latencies and errors."""
    headers = {"x-api-key": key, "content-type": "application/json"}
    per_thread = [n_requests // concurrency + (i < n_requests % concurrency) for i in range(concurrency)]

    def worker(count: int) -> tuple[list[float], list[str], dict | None]:
        times, errors, last = [], [], None
        with httpx.Client(timeout=TIMEOUT_S) as client:
            for _ in range(count):
                start = time.perf_counter()
                try:
                    answer = client.post(url, content=body, headers=headers)
                    answer.read()
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                times.append(time.perf_counter() - start)
                if answer.status_code != 200:
                    errors.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                else:
                    last = answer.json()
        return times, errors, last

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(worker, per_thread))
    wall = time.perf_counter() - start
    times = [t for r in results for t in r[0]]
    answer = next((r[2] for r in results if r[2] is not None), None)
    return {"requests": len(times), "wall_s": wall, "rps": len(times) / wall if wall else 0.0,
            "p50_ms": 1000 * statistics.median(times) if times else float("nan"),
            "p95_ms": 1000 * _pct(times, 0.95) if times else float("nan"),
            "errors": [e for r in results for e in r[1]], "answer": answer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000], help="journeys (paths) or users (touches)")
    parser.add_argument("--kinds", nargs="+", choices=["paths", "touches"], default=["paths", "touches"])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--requests", type=int, default=30, help=f"per batch (capped at {MAX_REQUESTS}; "
                                                                  "a tenth of it, at least 4, for payloads over 10 MB)")
    parser.add_argument("--models", nargs="+", default=["last_touch", "linear", "position_based", "markov"])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()

    key, port = new_key(), _free_port()
    server = _serve(port, key, args.workers)
    url = f"http://127.0.0.1:{port}/v1/attribution"
    print(f"server: 1 process, {args.workers} worker(s); models: {', '.join(args.models)}; payload size = "
          "journeys for paths, simulated users for touches (journeys = what the server built)")
    print(f"{'payload':<16} {'body MB':>7} {'rows':>8} {'journeys':>8} {'conc':>4} {'reqs':>4} {'req/s':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'errors':>6} {'peak MB':>7}")
    try:
        for kind in args.kinds:
            for size in args.sizes:
                made = paths_body(size, args.models) if kind == "paths" else touches_body(size, args.models)
                rows = len(made.get("paths") or []) + len(made.get("touchpoints") or []) + len(made.get("conversions") or [])
                body = json.dumps(made).encode()
                big = len(body) > 10 * 2**20
                n = min(MAX_REQUESTS, max(4, args.requests // 10) if big else args.requests)
                batch(url, key, body, 1, 1)  # warm-up: imports and first-call caches
                for conc in args.concurrency:
                    peak = _Peak(server.pid)
                    peak.start()
                    row = batch(url, key, body, n, conc)
                    peak_mb = max(peak.stop(), _rss_bytes(server.pid)) / 2**20  # a short batch may end before a sample
                    answer = row["answer"] or {}
                    journeys = answer.get("journeys") or (size if kind == "paths" else "-")
                    print(f"{kind + ' ' + format(size, ','):<16} {len(body) / 2**20:>7.1f} {rows:>8,} {journeys!s:>8} "
                          f"{conc:>4} {row['requests']:>4} {row['rps']:>7.2f} {row['p50_ms']:>8.0f} "
                          f"{row['p95_ms']:>8.0f} {len(row['errors']):>6} {peak_mb:>7.0f}", flush=True)
                    for err in sorted(set(row["errors"]))[:3]:
                        print("    error:", err)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
