"""Benchmark: budget optimiser on a 10-channel media-mix fit (target <= 1 s per call, docs/architecture.md §11).

Run: ``python bench/bench_budget.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution import budget, mmm  # noqa: E402


def _timed(label: str, func, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    print(f"{label}: best of {repeat} {best:.3f} s (target <= 1 s)")
    return out


def main() -> None:
    channels = [f"ch{i}" for i in range(10)]
    sim = mmm.simulate_mmm(156, channels, seed=0)
    fit = mmm.fit(sim.data, channels=channels, n_boot=200, seed=0)
    for sat in ("logistic", "hill"):
        f = fit if sat == "logistic" else mmm.fit(sim.data, channels=channels, saturation=sat, n_boot=200)
        res = _timed(f"optimize, 10 channels, {sat}, 200 bootstrap sets for the lift CI",
                     lambda f=f: budget.optimize(f, pct_bounds=(-0.5, 0.5), locked=["ch0"]))
        print(f"  lift {res.lift_pct:+.1f}% (CI {res.lift_ci_low:,.0f} .. {res.lift_ci_high:,.0f})")
    _timed("optimize, no bounds", lambda: budget.optimize(fit))
    _timed("spend_for_target(marginal ROAS 0.1)", lambda: budget.spend_for_target(fit, target_marginal_roas=0.1))
    target = 1.1 * budget.optimize(fit).recommended_response
    _timed("spend_for_target(response +10%)", lambda: budget.spend_for_target(fit, target_response=target))


if __name__ == "__main__":
    main()
