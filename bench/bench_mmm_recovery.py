"""Benchmark: does the media-mix fit recover the true ROAS? Bias, median absolute error, coverage of the
90 % intervals (the issue's target level, asked for explicitly: the library's default level is 95 %) and
time per scenario, with the defaults (automatic trend, lag and forms, 10 % hold-out). A simulated
scenario's truth is taken over the fitted periods (``SimulatedMMM.truth_table`` through
``compare_with_truth``), so the hold-out does not shift it.

Scenarios are simulated from known curves (``simulate_mmm``) with a curved baseline added (the
media truth is unchanged by it), short and long carry-over, a confounder given as a control, weekly
and daily, plus the public
pymc-marketing ``mmm_roas_data`` file (true ROAS x1 93.39, x2 171.41 from its notebook) when
../shared/data is present. Run: ``python bench/bench_mmm_recovery.py [n_seeds] [n_boot] [--big]`` (``--big``: the 3 years daily x 10
channels timing; ``--all-periods``: no hold-out, every period fitted).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution import mmm  # noqa: E402
from attribution.mmm.truth import compare_with_truth  # noqa: E402

LEVEL = 0.9
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mmm"
ROAS_FILE_TRUTH = {"x1": 93.39, "x2": 171.41}


def scenarios(n_seeds: int):
    """``(name, data, channels, controls, truth)``: truth a ``SimulatedMMM`` or a ROAS per channel."""
    chans = ["tv", "search", "social"]
    for seed in range(n_seeds):
        sim = mmm.simulate_mmm(104, chans, noise=0.03, seed=seed, trend=0.0, intercept=3000.0, curve=4000.0)
        yield "weekly 2y, curved trend", sim.data, chans, [], sim
        sim = mmm.simulate_mmm(156, chans, noise=0.03, seed=seed, adstock_params={"alpha": 0.1}, trend=800.0)
        yield "weekly 3y, short carry-over", sim.data, chans, [], sim
        sim = mmm.simulate_mmm(104, chans, seed=seed, adstock_params={"alpha": 0.8}, max_lag=13)
        yield "weekly 2y, long carry-over", sim.data, chans, [], sim
        sim = mmm.simulate_mmm(104, chans[:2], seed=seed, confounder=400.0, betas={"tv": 4000, "search": 6000})
        yield "weekly 2y, confounder as control", sim.data, chans[:2], ["z"], sim
        sim = mmm.simulate_mmm(730, chans[:2], freq="D", noise=0.05, seed=seed, trend=0.0, curve=3000.0)
        yield "daily 2y, curved trend", sim.data, chans[:2], [], sim
    if SHARED.exists():
        df = pd.read_csv(SHARED / "pymc_marketing_mmm_roas_data.csv")
        yield "pymc mmm_roas_data (z control)", df, ["x1", "x2"], ["z"], ROAS_FILE_TRUTH


def big_timing(n_boot: int) -> None:
    """The issue's speed target: 3 years daily x 10 channels, one fit and selection + bootstrap."""
    chans = [f"c{i}" for i in range(10)]
    sim = mmm.simulate_mmm(3 * 365, chans, freq="D", seed=0)
    t0 = time.perf_counter()
    mmm.fit(sim.data, channels=chans, trend=1, max_lag=30)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    mmm.fit(sim.data, channels=chans, n_boot=n_boot)
    print(f"3y daily x 10 channels: one fit (fixed choices) {one:.2f} s; automatic choices + {n_boot} bootstrap "
          f"fits {time.perf_counter() - t0:.1f} s")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_seeds = int(args[0]) if args else 3
    n_boot = int(args[1]) if len(args) > 1 else 100
    holdout = {"holdout_share": 0.0} if "--all-periods" in sys.argv else {}
    rows = []
    for name, df, chans, controls, truth in scenarios(n_seeds):
        date = "date"
        t0 = time.perf_counter()
        point = mmm.fit(df, date=date, target="y", channels=chans, controls=controls, **holdout)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = mmm.fit(df, date=date, target="y", channels=chans, controls=controls, n_boot=n_boot, ci_level=LEVEL,
                      **holdout)
        t_boot = time.perf_counter() - t0
        if isinstance(truth, mmm.SimulatedMMM):  # the truth over the fitted periods
            cmp = compare_with_truth(res, truth.truth_table()).set_index("channel")
            truth = cmp["true_roas"].to_dict()
        s = res.channel_summary.set_index("channel")
        for ch in chans:
            rows.append({"scenario": name, "channel": ch, "err": s.loc[ch, "roas"] / truth[ch] - 1,
                         "covered": s.loc[ch, "roas_ci_low"] <= truth[ch] <= s.loc[ch, "roas_ci_high"],
                         "fit_s": t_fit, "boot_s": t_boot, "trend": point.diagnostics["trend_segments"],
                         "lag": point.max_lag, "forms": f"{point.adstock[:3]}/{point.saturation[:3]}"})
    out = pd.DataFrame(rows)
    print(f"{n_seeds} seeds, {n_boot} bootstrap replicates, {LEVEL:.0%} intervals, "
          + ("every period fitted" if holdout else "default hold-out"))
    print(f"{'scenario':34s} {'bias':>7s} {'median |err|':>12s} {'coverage':>9s} {'fit s':>6s} {'+boot s':>7s}"
          "  chosen trend/lag/forms")
    for name, g in out.groupby("scenario", sort=False):
        print(f"{name:34s} {g['err'].mean():+7.1%} {g['err'].abs().median():12.1%} {g['covered'].mean():9.0%} "
              f"{g['fit_s'].mean():6.2f} {g['boot_s'].mean():7.2f}  {sorted(set(g['trend']))}/{sorted(set(g['lag']))}"
              f"/{sorted(set(g['forms']))}")
        if name.startswith("pymc"):
            print("   per channel: " + ", ".join(f"{r.channel} {r.err:+.1%} {'Y' if r.covered else 'n'}"
                                                 for r in g.itertuples()))


if __name__ == "__main__":
    main()
    if "--big" in sys.argv:
        big_timing(200)
