"""Benchmark the Spark engine against DuckDB on the same files (issue: scale-out on Spark).

Generates touchpoints and conversions as Parquet with DuckDB (default 1 M and 10 M touchpoints,
one conversion per ~8 touches, 10 channels, 180 days), then for each size times, in the same run:

- DuckDB: ``at.load`` + ``journeys()`` + every model (``at.compare``);
- Spark on ``local[2]``: the same calls with ``engine="spark"``, each phase timed (load, journeys,
  path models, touch models), so the report says where the time goes;
- both: bootstrap intervals (``--n-boot`` replicates) of a touch-reading model (time decay, which
  resamples whole journeys) with Markov, and Markov's weekly channel report;

and checks that the two engines' ``paths`` are equal row for row and their intervals equal (1e-9). Peak driver memory is the RSS
high-water mark of this (driver) process; the Spark JVM is a separate process whose heap is
bounded by ``spark.driver.memory``.

Usage::

    python bench/bench_spark.py                     # 1 M and 10 M touchpoints
    python bench/bench_spark.py --touches 1000000   # one size
    python bench/bench_spark.py --spark-only        # Spark alone: its own driver-memory figure
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import attribution as at  # noqa: E402
from attribution.engine.spark_session import spark_session  # noqa: E402
from attribution.models import MODEL_SPECS  # noqa: E402

CHANNELS = ["Direct", "Organic Search", "Paid Search", "Display", "Social", "Email", "Affiliate",
            "Referral", "Video", "Push"]


def generate(folder: Path, touches: int, seed: float = 0.42) -> tuple[Path, Path]:
    """Touchpoints (``touches`` rows, touches/10 users) and conversions (touches/8) as Parquet."""
    users, conversions = max(touches // 10, 1), max(touches // 8, 1)
    con = duckdb.connect()
    con.execute("select setseed($s)", {"s": seed})
    tp, conv = folder / f"tp_{touches}.parquet", folder / f"conv_{touches}.parquet"
    con.execute(f"""copy (select 'u' || (random() * {users})::bigint as user_id,
                        timestamp '2024-01-01' + to_seconds((random() * 180 * 86400)::bigint) as ts,
                        ($channels)[1 + (random() * 9.999)::int] as channel,
                        round(random() * 2, 2) as cost
                 from range({touches})) to '{tp}' (format parquet)""", {"channels": CHANNELS})
    con.execute(f"""copy (select 'u' || (random() * {users})::bigint as user_id,
                        timestamp '2024-01-01' + to_seconds((random() * 180 * 86400)::bigint) as ts,
                        round(random() * 100, 2) as revenue
                 from range({conversions})) to '{conv}' (format parquet)""")
    return tp, conv


def timed(label: str, fn, times: dict):
    start = time.perf_counter()
    out = fn()
    times[label] = time.perf_counter() - start
    return out


def run(touches: int, spark, folder: Path, n_boot: int, spark_only: bool = False) -> float:
    tp, conv = generate(folder, touches)
    path_models = [n for n, s in MODEL_SPECS.items() if not s.needs_touches and n not in ("w_shaped",)]
    touch_models = [n for n, s in MODEL_SPECS.items() if s.needs_touches]
    duck_t, spark_t = {}, {}
    if spark_only:
        return _spark_alone(touches, spark, tp, conv, path_models, touch_models, n_boot)
    ds = timed("load", lambda: at.load(touchpoints=str(tp), conversions=str(conv)), duck_t)
    jd = timed("journeys", lambda: ds.journeys(), duck_t)
    timed("path models", lambda: at.compare(jd, models=path_models), duck_t)
    timed("touch models", lambda: at.compare(jd, models=touch_models), duck_t)
    boot_d = timed("intervals", lambda: at.bootstrap(jd, models=["time_decay", "markov"], n_boot=n_boot), duck_t)
    timed("markov weekly", lambda: at.channel_report(jd, "markov", "week"), duck_t)
    ss = timed("load", lambda: at.load(touchpoints=str(tp), conversions=str(conv), engine="spark", spark=spark),
               spark_t)
    js = timed("journeys", lambda: ss.journeys(), spark_t)
    timed("path models", lambda: at.compare(js, models=path_models), spark_t)
    timed("touch models", lambda: at.compare(js, models=touch_models), spark_t)
    boot_s = timed("intervals", lambda: at.bootstrap(js, models=["time_decay", "markov"], n_boot=n_boot), spark_t)
    timed("markov weekly", lambda: at.channel_report(js, "markov", "week"), spark_t)
    same = (jd.paths["path"].tolist() == js.paths["path"].tolist()
            and jd.paths[["conversions", "nulls"]].equals(js.paths[["conversions", "nulls"]]))
    numeric = [c for c in boot_d.columns if boot_d[c].dtype.kind == "f"]
    same_ci = bool(np.allclose(boot_s[numeric].to_numpy(), boot_d[numeric].to_numpy(), rtol=1e-9, atol=1e-9))
    total_d, total_s = sum(duck_t.values()), sum(spark_t.values())
    print(f"\n{touches:,} touchpoints: {len(jd.paths):,} unique paths, {jd.stats.journeys:,} journeys; "
          f"Spark paths equal DuckDB's: {same}; intervals equal: {same_ci}")
    print(f"{'phase':<14}{'DuckDB s':>10}{'Spark s':>10}{'ratio':>8}")
    for phase in duck_t:
        print(f"{phase:<14}{duck_t[phase]:>10.2f}{spark_t[phase]:>10.2f}{spark_t[phase] / duck_t[phase]:>8.1f}")
    print(f"{'total':<14}{total_d:>10.2f}{total_s:>10.2f}{total_s / total_d:>8.1f}")
    print(f"driver peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    ss.tables["touchpoints"].unpersist()
    ss.tables["conversions"].unpersist()
    return total_s


def _spark_alone(touches: int, spark, tp: Path, conv: Path, path_models, touch_models, n_boot: int) -> float:
    """The Spark half only, so the driver's peak RSS is Spark's alone (no DuckDB touches in this process)."""
    times: dict[str, float] = {}
    ss = timed("load", lambda: at.load(touchpoints=str(tp), conversions=str(conv), engine="spark", spark=spark), times)
    js = timed("journeys", lambda: ss.journeys(), times)
    timed("path models", lambda: at.compare(js, models=path_models), times)
    timed("touch models", lambda: at.compare(js, models=touch_models), times)
    timed("intervals", lambda: at.bootstrap(js, models=["time_decay", "markov"], n_boot=n_boot), times)
    timed("markov weekly", lambda: at.channel_report(js, "markov", "week"), times)
    print(f"\n{touches:,} touchpoints, Spark alone: {len(js.paths):,} unique paths, {js.stats.journeys:,} journeys")
    for phase, seconds in times.items():
        print(f"{phase:<14}{seconds:>10.2f}")
    print(f"{'total':<14}{sum(times.values()):>10.2f}")
    print(f"driver (Python) peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB; "
          "the JVM's heap is bounded by --driver-memory")
    ss.tables["touchpoints"].unpersist()
    ss.tables["conversions"].unpersist()
    return sum(times.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--touches", type=int, action="append", help="touchpoints per case (repeatable)")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--n-boot", type=int, default=50, help="bootstrap replicates (default 50)")
    parser.add_argument("--spark-only", action="store_true",
                        help="run only the Spark half (a clean driver-memory figure; no DuckDB comparison)")
    args = parser.parse_args()
    sizes = args.touches or [1_000_000, 10_000_000]
    spark = spark_session(master="local[2]", conf={"spark.driver.memory": args.driver_memory,
                                                   "spark.sql.shuffle.partitions": "16", "spark.ui.enabled": "false"})
    with tempfile.TemporaryDirectory() as tmp:
        totals = {n: run(n, spark, Path(tmp), args.n_boot, args.spark_only) for n in sizes}
    if len(totals) > 1:
        lo, hi = min(totals), max(totals)
        print(f"\nSpark time from {lo:,} to {hi:,} touchpoints: x{totals[hi] / totals[lo]:.1f} "
              f"for x{hi / lo:.0f} the data")


if __name__ == "__main__":
    main()
