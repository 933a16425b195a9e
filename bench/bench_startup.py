"""Benchmark the start-up: `import attribution` and `python -m attribution --help` in fresh interpreters.

Usage::

    python bench/bench_startup.py            # 9 runs of each, best and median
    python bench/bench_startup.py --runs 20

Each figure is the wall time of the import (or the whole command) in a new Python process. The
floor is the import of pandas, DuckDB and pyarrow, which the library needs at import; the
difference is what the library itself adds. The heavy modules that must not load at import
(statsmodels, scipy.optimize, plotly, ...) are checked by tests/unit/test_startup.py. Other jobs on
the machine inflate every figure alike: compare figures of the same run.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMED = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
CASES = {
    "import pandas, duckdb, pyarrow (floor)": ["-c", TIMED.format(modules="pandas, duckdb, pyarrow")],
    "import attribution": ["-c", TIMED.format(modules="attribution")],
    "import attribution; at.mmm; at.budget": ["-c", TIMED.format(modules="attribution") .replace(
        "; print", "; attribution.mmm; attribution.budget; print")],
}


def _import_seconds(args: list[str]) -> float:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _command_seconds(args: list[str]) -> float:
    import time

    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    rows = {label: [_import_seconds(a) for _ in range(args.runs)] for label, a in CASES.items()}
    rows["python -m attribution --help (whole process)"] = [_command_seconds(["-m", "attribution", "--help"])
                                                            for _ in range(args.runs)]
    rows["python -c pass (whole process)"] = [_command_seconds(["-c", "pass"]) for _ in range(args.runs)]
    for label, times in rows.items():
        print(f"{label:<48} best {min(times):5.3f} s   median {statistics.median(times):5.3f} s")


if __name__ == "__main__":
    main()
