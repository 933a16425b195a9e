"""Time the data-driven path models on aggregated paths of 1 M synthetic journeys.

Usage: python bench/bench_models_paths.py [--journeys 1000000] [--seed 0]

Journeys: 10 channels with skewed popularity, lengths 1-10 (geometric), conversion probability
from a logistic function of the channels touched; aggregated to unique paths with conversions,
revenue and nulls. If the peers' venv with ChannelAttribution exists (CA_PYTHON, default
bench/.venv-peers/bin/python, made as bench/requirements-peers.txt says), its markov_model (order 1)
and heuristic_models are timed on the same paths in a subprocess and the ratio is printed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.journeys.data import PathData  # noqa: E402
from attribution.models import run_model  # noqa: E402

CHANNELS = [f"ch{i:02d}" for i in range(10)]
#: the Python of the benchmark peers' venv (bench/requirements-peers.txt)
CA_PYTHON = os.environ.get("CA_PYTHON", str(Path(__file__).resolve().parent / ".venv-peers" / "bin" / "python"))
CA_SCRIPT = """
import sys, time, pandas as pd
import ChannelAttribution as ca
d = pd.read_csv(sys.argv[1], sep=';')
t = time.perf_counter()
ca.markov_model(d, 'path', 'total_conversions', var_value='total_conversion_value', var_null='total_null',
                order=1, sep='>', verbose=False, flg_pro=False)
t_markov = time.perf_counter() - t
t = time.perf_counter()
ca.heuristic_models(d, 'path', 'total_conversions', var_value='total_conversion_value', sep='>', flg_pro=False)
print(t_markov, time.perf_counter() - t)
"""


def synthetic_paths(n_journeys: int, seed: int) -> pd.DataFrame:
    """Aggregated paths of ``n_journeys`` synthetic journeys."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    popularity = 1.0 / np.arange(1, k + 1) ** 0.8
    popularity /= popularity.sum()
    lengths = np.minimum(rng.geometric(0.35, n_journeys), 10)
    touches = rng.choice(k, size=int(lengths.sum()), p=popularity)
    journey = np.repeat(np.arange(n_journeys), lengths)
    effect = np.linspace(0.6, -0.2, k)                 # true log-odds effect per touched channel
    touched = np.zeros((n_journeys, k), dtype=bool)
    touched[journey, touches] = True
    p = 1.0 / (1.0 + np.exp(-(-2.0 + touched @ effect)))
    converted = rng.random(n_journeys) < p
    value = np.where(converted, rng.gamma(2.0, 50.0, n_journeys), 0.0)
    # path key: base-(k+1) digits, unique per sequence of length <= 10
    pos = np.arange(len(touches)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    key = np.zeros(n_journeys, dtype=np.int64)
    np.add.at(key, journey, (touches + 1).astype(np.int64) * (k + 1) ** pos.astype(np.int64))
    uniq, inverse = np.unique(key, return_inverse=True)
    conv = np.bincount(inverse, weights=converted, minlength=len(uniq))
    nulls = np.bincount(inverse, weights=~converted, minlength=len(uniq))
    revenue = np.bincount(inverse, weights=value, minlength=len(uniq))
    paths = []
    for code in uniq.tolist():
        path = []
        while code:
            code, digit = divmod(code, k + 1)
            path.append(CHANNELS[digit - 1])
        paths.append(tuple(path))
    return pd.DataFrame({"path": paths, "conversions": conv, "revenue": revenue, "nulls": nulls})


def write_paths_csv(paths: pd.DataFrame, csv: Path) -> None:
    """Write aggregated paths in the ChannelAttribution layout (``path;total_conversions;
    total_conversion_value;total_null``, steps joined by ' > ', whole counts, values to 3 decimals)."""
    pd.DataFrame({"path": [" > ".join(p) for p in paths["path"]],
                  "total_conversions": paths["conversions"].round().astype("int64"),
                  "total_conversion_value": paths["revenue"].round(3),
                  "total_null": paths["nulls"].round().astype("int64")}).to_csv(csv, sep=";", index=False)


def timed(label: str, func, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<34} {best:8.3f} s (best of {repeat})")
    return best


def time_channelattribution(paths: pd.DataFrame) -> tuple[float, float] | None:
    if not Path(CA_PYTHON).exists():
        print(f"ChannelAttribution not timed: {CA_PYTHON} not found")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "paths.csv"
        write_paths_csv(paths, csv)
        out = subprocess.run([CA_PYTHON, "-c", CA_SCRIPT, str(csv)], capture_output=True, text=True,
                             check=True, timeout=1800)
    t_markov, t_heur = (float(v) for v in out.stdout.strip().splitlines()[-1].split())
    return t_markov, t_heur


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t = time.perf_counter()
    paths = synthetic_paths(args.journeys, args.seed)
    data = PathData(paths)
    print(f"{args.journeys:,} journeys -> {len(paths):,} unique paths, {paths['conversions'].sum():,.0f} "
          f"conversions, {paths['nulls'].sum():,.0f} nulls (built in {time.perf_counter() - t:.1f} s)")
    ours = {}
    for order in (1, 2, 3, 4):
        ours[f"markov order {order}"] = timed(f"markov order={order}", lambda o=order: run_model("markov", data, order=o))
    ours["shapley"] = timed("shapley", lambda: run_model("shapley", data))
    timed("shapley ordered", lambda: run_model("shapley", data, ordered=True))
    timed("shapley_rate", lambda: run_model("shapley_rate", data))
    timed("counterfactual (exposure)", lambda: run_model("counterfactual", data))
    timed("logistic (binary)", lambda: run_model("logistic", data))
    timed("logistic (count)", lambda: run_model("logistic", data, exposure="count"), repeat=1)
    ca = time_channelattribution(paths)
    if ca:
        t_markov, t_heur = ca
        print(f"ChannelAttribution markov_model order 1 (simulation): {t_markov:.3f} s -> ours is "
              f"{t_markov / ours['markov order 1']:.1f}x faster")
        print(f"ChannelAttribution heuristic_models: {t_heur:.3f} s")


if __name__ == "__main__":
    main()
