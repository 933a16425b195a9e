"""Benchmark: media-mix input from the sample dataset and the default fits the pages run.

Run: ``python bench/bench_mmm_input.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution import budget, load, mmm  # noqa: E402
from attribution.mmm.dataset_input import mmm_frame, suggest_freq  # noqa: E402
from attribution.simulate.sample import sample_inputs  # noqa: E402


def _timed(label: str, func, repeat: int = 1):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    print(f"{label}: {best:.3f} s" + (f" (best of {repeat})" if repeat > 1 else ""))
    return out


def main() -> None:
    ds = _timed("load the sample", lambda: load(**{k: str(v) for k, v in sample_inputs().items()}))
    _timed("mmm_frame weekly revenue", lambda: mmm_frame(ds, "W", "revenue"), repeat=5)
    frame = _timed("mmm_frame daily revenue", lambda: mmm_frame(ds, "D", "revenue"), repeat=5)
    _timed("suggest_freq", lambda: suggest_freq(ds), repeat=5)
    channels = [c for c in frame.columns if c not in ("date", "y")]
    for n_boot in (0, 100):
        res = _timed(f"page default fit, sample daily, {len(channels)} channels, n_boot={n_boot}",
                     lambda n=n_boot: mmm.fit(frame, channels=channels, holdout_share=0.1, n_fourier=0,
                                              n_boot=n))
    _timed("compare_saturation (3 forms, no bootstrap)",
           lambda: mmm.compare_saturation(frame, channels=channels, holdout_share=0.1, n_fourier=0))
    _timed("budget.optimize on that fit (100 bootstrap sets)",
           lambda: budget.optimize(res, pct_bounds=(-0.5, 0.5), periods=90), repeat=5)


if __name__ == "__main__":
    main()
