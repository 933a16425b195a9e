"""Time bootstrap confidence intervals on 1 M synthetic journeys (docs/architecture.md §11: ≤ 30 s / ≤ 60 s).

Usage::

    python bench/bench_bootstrap.py                     # 1 M journeys, 200 replicates
    python bench/bench_bootstrap.py --journeys 200000 --n-boot 100
    python bench/bench_bootstrap.py --per-model         # also time each model on its own
    python bench/bench_bootstrap.py --all-paired        # also every model in one journey-level run

The journeys come from ``bench/bench_models.py`` (10 channels, 1 + Poisson(4) touches, ~30 %
converting, timestamps, milestones, engagement flags). Path-based models are bootstrapped on the
aggregated paths (``PathData``: Poisson counts per unique path); touch-level models (time decay,
linear by day, IHC, and W-shaped, which reads funnel milestones here) on the journeys (Poisson
weights per journey). Wall time depends on what else runs on the machine, so CPU time is printed
too; the set-up (full-data estimates, structures) is included in both.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_models import simulate  # noqa: E402

from attribution.journeys.data import PathData  # noqa: E402
from attribution.models import MODEL_SPECS  # noqa: E402
from attribution.uncertainty import bootstrap_draws  # noqa: E402

TOUCH_LEVEL = ["linear_by_day", "time_decay", "ihc", "w_shaped"]


def timed(label: str, data, names: list[str], n_boot: int, seed: int) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    draws = bootstrap_draws(data, names, n_boot=n_boot, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    failed = {m: n for m, n in draws.failed.items() if n}
    print(f"{label:<44} wall {wall:7.2f} s   cpu {cpu:7.2f} s   ({draws.unit} resampled"
          f"{'; failed replicates ' + str(failed) if failed else ''})")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-model", action="store_true", help="time every model on its own as well")
    parser.add_argument("--all-paired", action="store_true", help="also run every model in one journey-level run")
    args = parser.parse_args()

    t0 = time.perf_counter()
    journeys = simulate(args.journeys, args.seed)
    touches = len(journeys.touches)
    print(f"simulated {args.journeys:,} journeys, {touches:,} touches, {len(journeys.paths):,} unique paths "
          f"in {time.perf_counter() - t0:.1f} s; {args.n_boot} replicates each")
    paths = PathData(journeys.paths)
    path_models = [n for n, s in MODEL_SPECS.items() if not s.needs_touches]
    touch_models = [n for n in TOUCH_LEVEL if n in MODEL_SPECS]

    total = timed(f"path-based models ({len(path_models)})", paths, path_models, args.n_boot, args.seed)
    verdict = "ok" if total <= 30 else "over"
    print(f"  target ≤ 30 s: {verdict}")
    total = timed(f"touch-level models ({', '.join(touch_models)})", journeys, touch_models, args.n_boot, args.seed)
    print(f"  target ≤ 60 s: {'ok' if total <= 60 else 'over'}")
    if args.all_paired:
        timed(f"every model, one paired run ({len(MODEL_SPECS)})", journeys, list(MODEL_SPECS), args.n_boot,
              args.seed)
    if args.per_model:
        for name in path_models:
            timed(f"  {name}", paths, [name], args.n_boot, args.seed)
        for name in touch_models:
            timed(f"  {name} (journeys)", journeys, [name], args.n_boot, args.seed)


if __name__ == "__main__":
    main()
