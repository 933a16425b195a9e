"""The whole script, ours against ChannelAttribution, on one aggregated paths file, in the same run.

Usage::

    python -m venv bench/.venv-peers && bench/.venv-peers/bin/pip install -r bench/requirements-peers.txt
    python bench/bench_channelattribution.py [--journeys 1000000] [--seed 0] [--repeat 5] [--file PATH]

The script, each run in a fresh Python process so that start-up and imports count:

* ChannelAttribution (the peer; its own venv, CA_PYTHON or ``--peer-python``, default
  bench/.venv-peers/bin/python): ``import ChannelAttribution, pandas`` + ``pandas.read_csv`` +
  ``heuristic_models`` (first, last, linear touch) + ``markov_model`` (order 1; simulated).
* Ours: ``import attribution`` + ``read_paths`` (validated) + first_touch, last_touch, linear +
  ``markov`` (order 1; exact removal effects).
* The floor: the interpreter and ``import pandas, duckdb, pyarrow``, which any script of ours pays
  before its first line of work (its import figure is the whole of it).

The file: the synthetic paths of bench_models_paths.py (1 M journeys, 10 channels, about 151 k
unique paths; the same file for the same ``--journeys`` and ``--seed``) in the ChannelAttribution
layout, or any ``--file`` in that layout (e.g. ../shared/data/mta/channelattribution_Data.csv).
The two scripts run in turns ``--repeat`` times; the figures are medians (and the fastest run) of
the process from start to exit and of each phase as timed inside the script, in wall time and in
CPU time (user + system, all threads: the steadier figure when other jobs load the machine). The
target (issue #15) is ours <= 0.5x ChannelAttribution's whole-process time.

After the timing, the results are compared (not timed): the heuristics must agree exactly, and
our exact Markov removal effects and credit must lie within ChannelAttribution's simulation noise,
5 standard deviations of its outputs over ``--seeds`` seeds plus a small floor (as
tests/unit/models/test_reference_markov.py does on ChannelAttribution's own Data.csv). When the
peer cannot run (no venv, import or install failure), the reason is printed and ours is timed alone.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_models_paths import CA_PYTHON, synthetic_paths, write_paths_csv  # noqa: E402

INSTALL = "python -m venv bench/.venv-peers && bench/.venv-peers/bin/pip install -r bench/requirements-peers.txt"
HEURISTICS = {"first_touch": "first_touch", "last_touch": "last_touch", "linear": "linear_touch"}

# Each script prints one JSON line last: its phases in seconds (and, with a second argument, results).
LAP = """
import time
laps = [(time.perf_counter(), time.process_time())]
def lap():
    laps.append((time.perf_counter(), time.process_time()))
def phases():
    names = ["import", "read", "heuristics", "markov"]
    return {n: [b[0] - a[0], b[1] - a[1]] for n, a, b in zip(names, laps, laps[1:])}
"""
THEIRS = LAP + """
import json, sys
import ChannelAttribution as ca
import pandas as pd
lap()
d = pd.read_csv(sys.argv[1], sep=";")
lap()
h = ca.heuristic_models(d, "path", "total_conversions", var_value="total_conversion_value", sep=">", flg_pro=False)
lap()
m = ca.markov_model(d, "path", "total_conversions", var_value="total_conversion_value", var_null="total_null",
                    order=1, sep=">", verbose=False, flg_pro=False)
lap()
out = phases()
if len(sys.argv) > 2:  # the comparison: heuristics, then Markov with removal effects over several seeds
    out["heuristics_frame"] = h.to_dict("list")
    runs = []
    for seed in range(int(sys.argv[2])):
        r = ca.markov_model(d, "path", "total_conversions", var_value="total_conversion_value",
                            var_null="total_null", order=1, sep=">", verbose=False, flg_pro=False,
                            out_more=True, seed=seed)
        runs.append(r["result"].merge(r["removal_effects"], on="channel_name").to_dict("list"))
    out["markov_runs"] = runs
print(json.dumps(out))
"""
OURS = LAP + """
import json, sys
import attribution as at
lap()
d = at.read_paths(sys.argv[1])
lap()
h = [at.run_model(m, d) for m in ("first_touch", "last_touch", "linear")]
lap()
m = at.run_model("markov", d)
lap()
print(json.dumps(phases()))
"""
PHASES = ["import", "read", "heuristics", "markov"]
# What any script that reads the file into pandas pays before it does anything: the interpreter
# and the imports of pandas, DuckDB and pyarrow (ChannelAttribution's script pays pandas too)
FLOOR = LAP + """
import json
import duckdb, pandas, pyarrow
lap(); lap(); lap(); lap()
print(json.dumps(phases()))
"""


def run_script(python: str, script: str, *args: str) -> tuple[list[float], dict]:
    """[wall, CPU] seconds of a fresh process running ``script`` (CPU: user + system time of all its
    threads) and the JSON it printed last."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([python, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=1800)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{python} exited with {out.returncode}: {tail}")
    return [wall, cpu], json.loads(out.stdout.strip().splitlines()[-1])


def peer_problem(python: str) -> str | None:
    """Why ChannelAttribution cannot run with ``python`` (None when it can)."""
    if not Path(python).exists():
        return f"{python} not found; install the peers with: {INSTALL}"
    check = subprocess.run([python, "-c", "import ChannelAttribution"], capture_output=True, text=True,
                           timeout=300)
    if check.returncode != 0:
        tail = (check.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"`import ChannelAttribution` failed with {python}: {tail}"
    return None


def report_times(runs: dict[str, list[tuple[list[float], dict]]]) -> dict[str, list[float]]:
    """Print medians (and the fastest) per phase and of the whole process, wall then CPU time;
    returns the median [wall, CPU] of the whole process per script."""
    whole = {}
    for k, what in enumerate(("wall", "CPU")):
        print(f"\n{what + ' s, median (fastest)':<26}"
              + "".join(f"{p:>16}" for p in [*PHASES, "in script", "process"]))
        for name, results in runs.items():
            columns = [[r[p][k] for _, r in results] for p in PHASES]
            columns += [[sum(r[p][k] for p in PHASES) for _, r in results], [w[k] for w, _ in results]]
            cells = [f"{statistics.median(v):7.3f} ({min(v):5.3f})" for v in columns]
            whole.setdefault(name, []).append(statistics.median(columns[-1]))
            print(f"{name:<26}" + "".join(f"{c:>16}" for c in cells))
    return whole


def compare_results(csv: Path, python: str, seeds: int) -> None:
    """Print how our heuristics and exact Markov credit compare with ChannelAttribution's."""
    import attribution as at

    _, theirs = run_script(python, THEIRS, str(csv), str(seeds))
    data = at.read_paths(csv)
    heur = pd.DataFrame(theirs["heuristics_frame"]).set_index("channel_name")
    worst = 0.0
    for ours_name, their_name in HEURISTICS.items():
        ours = at.run_model(ours_name, data).set_index("channel")
        for col, their_col in (("conversions", "conversions"), ("revenue", "value")):
            theirs_col = heur[f"{their_name}_{their_col}"].reindex(ours.index)
            worst = max(worst, float(((ours[col] - theirs_col).abs() / theirs_col.abs().clip(lower=1e-9)).max()))
    print(f"\nheuristics (first, last, linear; conversions and value): largest relative difference {worst:.1e}")

    runs = pd.concat([pd.DataFrame(r).set_index("channel_name") for r in theirs["markov_runs"]],
                     keys=range(seeds))
    mean, sd = runs.groupby(level=1).mean(), runs.groupby(level=1).std(ddof=1)
    ours = at.removal_effects(data).set_index("channel")
    total = float(ours["conversions"].sum())
    cols = [("removal_effect", "removal_effects_conversion", 1e-3),
            ("conversions", "total_conversions", 1e-4 * total),
            ("revenue_removal_effect", "removal_effects_conversion_value", 1e-3),
            ("revenue", "total_conversion_value", 1e-4 * float(ours["revenue"].sum()))]
    table = pd.DataFrame(index=ours.index)
    verdict = True
    for col, their_col, floor in cols:
        first = runs.xs(0)[their_col].reindex(ours.index)  # seed 0, as a user gets by default
        diff = (ours[col] - first).abs()
        limit = 5 * sd[their_col].reindex(ours.index) + floor
        verdict &= bool((diff <= limit).all())
        table[f"{col} ours"] = ours[col]
        table[f"{col} CA"] = first
        table[f"{col} |z|"] = diff / sd[their_col].reindex(ours.index).clip(lower=1e-12)
    print(f"Markov order 1, ours (exact) against ChannelAttribution seed 0 (|z|: the difference in its "
          f"seed-to-seed SDs over {seeds} seeds):")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[[c for c in table.columns if not c.startswith("revenue")]].round(4).to_string())
    share = (ours["conversions"] - runs.xs(0)["total_conversions"].reindex(ours.index)).abs().max() / total
    print(f"largest credit difference: {share:.3%} of {total:,.0f} conversions; mean of CA over seeds - ours, "
          f"removal effects: max {float((mean['removal_effects_conversion'].reindex(ours.index) - ours['removal_effect']).abs().max()):.4f}")
    print("within 5 SD of ChannelAttribution's simulation noise (+ floor): " + ("yes" if verdict else "NO"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10, help="ChannelAttribution seeds for the noise estimate")
    parser.add_argument("--file", type=Path, help="an aggregated paths file instead of the synthetic one")
    parser.add_argument("--peer-python", default=CA_PYTHON, help="the Python that has ChannelAttribution")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.file
        if csv is None:
            csv = Path(tmp) / "paths.csv"
            write_paths_csv(synthetic_paths(args.journeys, args.seed), csv)
        print(f"{csv.name}: {sum(1 for _ in csv.open('rb')) - 1:,} paths, {csv.stat().st_size / 2**20:.1f} MB")
        problem = peer_problem(args.peer_python)
        if problem:
            print(f"ChannelAttribution not benchmarked: {problem}")
        scripts = {"ours": (sys.executable, OURS), "floor: import pandas,duckdb": (sys.executable, FLOOR)}
        if not problem:
            scripts = {"ChannelAttribution": (args.peer_python, THEIRS), **scripts}
        runs: dict[str, list[tuple[list[float], dict]]] = {name: [] for name in scripts}
        for python, script in scripts.values():  # warm-up: file cache, .pyc files
            run_script(python, script, str(csv))
        for _ in range(args.repeat):
            for name, (python, script) in scripts.items():
                runs[name].append(run_script(python, script, str(csv)))
        whole = report_times(runs)
        if not problem:
            wall, cpu = (a / b for a, b in zip(whole["ours"], whole["ChannelAttribution"], strict=True))
            print(f"\nours / ChannelAttribution, whole process (medians): wall {wall:.2f}x, CPU {cpu:.2f}x "
                  "(target <= 0.5x)")
            wall, cpu = (a / b for a, b in zip(whole["floor: import pandas,duckdb"], whole["ChannelAttribution"],
                                               strict=True))
            print(f"the floor (interpreter + import pandas, duckdb, pyarrow) alone / ChannelAttribution: "
                  f"wall {wall:.2f}x, CPU {cpu:.2f}x")
            compare_results(csv, args.peer_python, args.seeds)


if __name__ == "__main__":
    main()
