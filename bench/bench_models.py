"""Benchmark the attribution models on a synthetic 1 M-journey / ~5 M-touch dataset.

Usage::

    python bench/bench_models.py                       # every registered model
    python bench/bench_models.py --models linear,ihc   # a subset
    python bench/bench_models.py --journeys 200000     # smaller data
    python bench/bench_models.py --models linear --journey-credit linear,ihc

The data is simulated here with numpy (no simulator module needed): ~10 channels with unequal
popularity, 1 + Poisson(4) touches per journey, timestamps over 30 days before each conversion
(or journey end), about 30 % converting journeys, funnel milestones and engagement flags.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.journeys.data import Journeys  # noqa: E402
from attribution.models import MODEL_SPECS, MODELS, ihc_sessions, journey_credit, run_model  # noqa: E402

CHANNELS = np.array(["search", "social", "display", "email", "direct", "affiliate", "video",
                     "referral", "tv", "print"])
TOUCH_LEVEL = ("linear_by_day", "time_decay", "ihc")


def simulate(n_journeys: int, seed: int = 0) -> Journeys:
    """Synthetic journeys with a consistent ``paths`` and ``touches`` table."""
    rng = np.random.default_rng(seed)
    k = 1 + rng.poisson(4.0, n_journeys)
    n = int(k.sum())
    jid = np.repeat(np.arange(n_journeys, dtype=np.int64), k)
    starts = np.cumsum(k) - k
    position = np.arange(n) - np.repeat(starts, k) + 1
    popularity = np.array([30, 20, 12, 10, 9, 6, 5, 4, 2, 2], dtype=float)
    ch_code = rng.choice(len(CHANNELS), size=n, p=popularity / popularity.sum())
    # conversion probability rises with search/email touches (so data-driven models see signal)
    lift = np.bincount(jid, weights=np.isin(ch_code, [0, 3]).astype(float), minlength=n_journeys)
    converted = rng.random(n_journeys) < 1 / (1 + np.exp(1.6 - 0.35 * lift))
    end = (np.datetime64("2024-01-01T00:00:00", "us")
           + (rng.random(n_journeys) * 90 * 86400e6).astype("timedelta64[us]"))
    # hours before the end: sorted descending within each journey so position 1 is the earliest
    hours = rng.random(n) * 30 * 24
    order = np.lexsort((-hours, jid))
    hours = hours[order]
    hours[position == k[jid]] *= 0.05                     # last touch close to the end
    ts = np.repeat(end, k) - (hours * 3600e6).astype("timedelta64[us]")
    conv_t = converted[jid]
    revenue = np.where(converted, np.round(rng.gamma(2.0, 40.0, n_journeys), 2), 0.0)
    prev = np.diff(ts, prepend=ts[:1]).astype("timedelta64[us]").astype(np.int64) / 3600e6
    prev[position == 1] = np.nan
    mid = np.ceil(k / 2).astype(int)
    milestone = np.full(n, None, dtype=object)
    milestone[(position == mid[jid]) & (k[jid] >= 4)] = "lead"
    milestone[(position == k[jid] - 1) & (k[jid] >= 4)] = "opportunity"
    touches = pd.DataFrame({
        "journey_id": jid, "user_id": pd.array(jid.astype(str), dtype="str"), "converted": conv_t,
        "revenue": revenue[jid], "conversion_ts": np.where(conv_t, np.repeat(end, k), np.datetime64("NaT")),
        "stage": None, "position": position, "n_touches": k[jid],
        "channel": pd.array(CHANNELS[ch_code], dtype="str"), "ts": ts,
        "hours_to_conversion": np.where(conv_t, hours, np.nan), "cost": 0.0, "milestone": milestone,
        "campaign": None, "session_id": None, "interaction": None,
        "holder_engagement": rng.random(n) < 0.2, "closer_engagement": rng.random(n) < 0.1,
        "hours_since_previous": prev,
    })
    paths = _aggregate_paths(ch_code, k, converted, revenue)
    return Journeys.from_frames(paths, touches, fingerprint=f"bench-{n_journeys}-{seed}")


def _aggregate_paths(ch_code: np.ndarray, k: np.ndarray, converted: np.ndarray,
                     revenue: np.ndarray) -> pd.DataFrame:
    """One row per unique channel sequence with conversions, revenue and nulls."""
    # encode each path as bytes (one byte per touch) to group fast, then decode once per unique path
    starts = np.cumsum(k) - k
    raw = ch_code.astype(np.uint8).tobytes()
    keys = [raw[s:s + n] for s, n in zip(starts.tolist(), k.tolist(), strict=True)]
    frame = pd.DataFrame({"key": keys, "conversions": converted.astype(float), "revenue": revenue,
                          "nulls": (~converted).astype(float)})
    agg = frame.groupby("key", sort=False).sum().reset_index()
    agg["path"] = [tuple(CHANNELS[np.frombuffer(b, dtype=np.uint8)].tolist()) for b in agg["key"]]
    return agg[["path", "conversions", "revenue", "nulls"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--models", default="", help="comma-separated names (default: all in MODELS)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--journey-credit", default="",
                        help="comma-separated models to also time journey_credit (and ihc_sessions) for")
    args = parser.parse_args()
    names = [m.strip() for m in args.models.split(",") if m.strip()] or list(MODELS)

    t0 = time.perf_counter()
    data = simulate(args.journeys, args.seed)
    print(f"simulated {args.journeys:,} journeys, {len(data.touches):,} touches, "
          f"{len(data.paths):,} unique paths in {time.perf_counter() - t0:.1f} s")

    timings: dict[str, float] = {}
    for name in names:
        t0 = time.perf_counter()
        out = run_model(name, data)
        timings[name] = time.perf_counter() - t0
        kind = "needs touches" if MODEL_SPECS[name].needs_touches else "paths or touches"
        print(f"{name:<18} {timings[name]:7.2f} s  ({kind}; {len(out)} channels, "
              f"conversions {out['conversions'].sum():,.1f})")
    level = [n for n in names if n in TOUCH_LEVEL]
    if level:
        print(f"touch-level heuristics ({', '.join(level)}): {sum(timings[n] for n in level):.2f} s")
    heur = [n for n in names if n not in TOUCH_LEVEL and n in MODEL_SPECS
            and MODEL_SPECS[n].func.__module__.endswith(("heuristics", "time_based"))]
    if heur:
        print(f"path-level heuristics ({', '.join(heur)}): {sum(timings[n] for n in heur):.2f} s")

    for name in [m.strip() for m in args.journey_credit.split(",") if m.strip()]:
        t0 = time.perf_counter()
        out = journey_credit(name, data)
        print(f"journey_credit({name!r}) {time.perf_counter() - t0:7.2f} s  ({len(out):,} rows)")
        if name == "ihc":
            t0 = time.perf_counter()
            out = ihc_sessions(data)
            print(f"ihc_sessions       {time.perf_counter() - t0:7.2f} s  ({len(out):,} rows)")


if __name__ == "__main__":
    main()
