"""Benchmark: media-mix fit on 3 years of daily data x 10 channels, and 200 bootstrap fits.

Targets (docs/architecture.md §11): one fit <= 10 s, 200 bootstrap fits <= 60 s. Run: ``python bench/bench_mmm.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution import mmm  # noqa: E402


def main() -> None:
    channels = [f"ch{i}" for i in range(10)]
    sim = mmm.simulate_mmm(3 * 365, channels, freq="D", noise=0.02, seed=0)
    t0 = time.perf_counter()
    res = mmm.fit(sim.data, channels=channels, n_starts=5, seed=0)
    t_fit = time.perf_counter() - t0
    print(f"fit: {len(sim.data)} days x {len(channels)} channels, max_lag {res.max_lag}, 5 starts: "
          f"{t_fit:.2f} s (target <= 10 s); r2 {res.diagnostics['r2']:.4f}")
    t0 = time.perf_counter()
    boot = mmm.fit(sim.data, channels=channels, n_starts=5, seed=0, n_boot=200)
    t_boot = time.perf_counter() - t0 - t_fit
    print(f"fit + 200 bootstrap fits: bootstrap part {t_boot:.2f} s (target <= 60 s); "
          f"failures {boot.diagnostics['boot_failures']}")
    worst = max(abs(boot.channel_summary.set_index("channel").roas[c] / sim.roas[c] - 1) for c in channels)
    covered = sum(lo <= sim.roas[c] <= hi for c, lo, hi in boot.channel_summary[
        ["channel", "roas_ci_low", "roas_ci_high"]].itertuples(index=False))
    print(f"largest ROAS error {100 * worst:.1f}%; 90% ROAS intervals covering the truth: {covered}/10")


if __name__ == "__main__":
    main()
