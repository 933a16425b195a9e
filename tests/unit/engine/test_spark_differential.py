"""DuckDB and Spark give the same journeys, counts and credit on the same files (differential, exact).

The input is simulated data with the hard cases added: simultaneous touches (ties break by file,
then row), rows with no user id (rejected by both), channel names with quotes and non-ASCII
letters, timestamps with UTC offsets (both convert them to UTC), and a conversion with no touch.
Paths must be equal row for row (path and counts exactly, revenue to 1e-9); every model's credit to
1e-9 relative.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

import attribution as at
from attribution.simulate import simulate
from attribution.uncertainty import bootstrap_draws, summarise
from attribution.uncertainty.bootstrap import CI_COLUMNS

RTOL = 1e-9

RULES = [
    {},
    {"lookback_days": None},
    {"lookback_days": 3},
    {"lookback_days": 0},
    {"reset_on_conversion": False},
    {"reset_on_conversion": False, "lookback_days": 7, "first_only": True},
    {"first_only": True},
    {"include_non_converting": False},
    {"start": date(2024, 1, 20), "end": date(2024, 2, 10)},
    {"max_touches": 2},
    {"transform": "collapse_repeats"},
    {"transform": "unique", "exclude_channels": ("Direct",)},
    {"exclude_channels": ("direct", "Email")},
    {"channel_rules": (at.ChannelRule("Paid", "search"), at.ChannelRule("Social", "^dis", match="regex"))},
    {"stage": "purchase", "lookback_days": 14},
    {"stage": "purchase", "transform": "collapse_repeats", "max_touches": 4, "reset_on_conversion": False},
    {"start": date(2030, 1, 1)},   # nothing in range: empty journeys on both engines
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """touchpoints.csv and conversions.csv with the hard cases (see the module docstring)."""
    folder = tmp_path_factory.mktemp("differential")
    sim = simulate(n_users=300, days=60, seed=7)
    tp = sim.touchpoints.copy()
    conv = sim.conversions.copy()
    tp["ts"] = pd.to_datetime(tp["ts"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    conv["ts"] = pd.to_datetime(conv["ts"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    tp["channel"] = tp["channel"].replace({"Display": "Display \"Prime\" O'Brien", "Email": "Émail ☕"})
    first = tp.iloc[0]
    extra = pd.DataFrame([
        # simultaneous touches of one user: input order decides their order
        {**first, "channel": "Direct"}, {**first, "channel": "Paid Search"}, {**first, "channel": "Social"},
        # no user id: rejected by both engines
        {**first, "user_id": "", "channel": "Social"},
        # the same instant written with an offset and in UTC ('Z')
        {**first, "user_id": "tz-user", "ts": "2024-01-15 12:00:00+02:00", "channel": "Social"},
        {**first, "user_id": "tz-user", "ts": "2024-01-15T10:30:00Z", "channel": "Direct"},
    ])
    tp = pd.concat([tp, extra], ignore_index=True)
    conv = pd.concat([conv, pd.DataFrame([
        {**conv.iloc[0], "user_id": "tz-user", "ts": "2024-01-15 11:00:00", "conversion_id": "tz-1"},
        {**conv.iloc[0], "user_id": "never-touched", "ts": "2024-01-16 11:00:00", "conversion_id": "nt-1"},
    ])], ignore_index=True)
    tp_path, conv_path = folder / "touchpoints.csv", folder / "conversions.csv"
    tp.to_csv(tp_path, index=False)
    conv.to_csv(conv_path, index=False)
    return tp_path, conv_path


@pytest.fixture(scope="module")
def datasets(files, spark):
    tp, conv = (str(p) for p in files)
    return at.load(touchpoints=tp, conversions=conv), at.load(touchpoints=tp, conversions=conv, engine="spark",
                                                              spark=spark)


def assert_same_paths(duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    assert duck["path"].tolist() == spark["path"].tolist()
    for column in ("conversions", "nulls"):
        assert duck[column].tolist() == spark[column].tolist()
    np.testing.assert_allclose(spark["revenue"].to_numpy(), duck["revenue"].to_numpy(), rtol=RTOL)
    assert list(duck.dtypes) == list(spark.dtypes)


def assert_same_stats(duck, spark) -> None:
    fields = ("journeys", "converting_journeys", "touches", "conversions_counted", "conversions_without_touches")
    assert [getattr(duck, f) for f in fields] == [getattr(spark, f) for f in fields]
    assert spark.revenue_without_touches == pytest.approx(duck.revenue_without_touches, rel=RTOL, abs=1e-9)
    pd.testing.assert_frame_equal(duck.no_touch_daily.reset_index(drop=True),
                                  spark.no_touch_daily.reset_index(drop=True), check_dtype=False, rtol=RTOL)


def test_both_engines_load_and_reject_the_same_rows(datasets):
    duck, spark = datasets
    for table in ("touchpoints", "conversions"):
        assert spark.report.tables[table] == duck.report.tables[table]
    assert spark.report.n_rejected == duck.report.n_rejected == 1
    assert spark.report.rejected_counts["reason"].tolist() == duck.report.rejected_counts["reason"].tolist()
    assert spark.channels() == duck.channels()


@pytest.mark.parametrize("rules", RULES, ids=[",".join(r) or "defaults" for r in RULES])
def test_paths_and_counts_are_equal_under_every_rule(datasets, rules):
    duck, spark = datasets
    jd, js = duck.journeys(**rules), spark.journeys(**rules)
    assert_same_paths(jd.paths, js.paths)
    assert_same_stats(jd.stats, js.stats)


@pytest.mark.parametrize("rules", [RULES[0], RULES[4], RULES[14]], ids=["defaults", "no_reset", "stage"])
def test_every_model_gives_the_same_credit(datasets, rules):
    duck, spark = datasets
    jd, js = duck.journeys(**rules), spark.journeys(**rules)
    a = at.compare(jd).sort_values(["model", "channel"], ignore_index=True)
    b = at.compare(js).sort_values(["model", "channel"], ignore_index=True)
    assert a[["model", "channel"]].equals(b[["model", "channel"]])
    for column in ("conversions", "revenue", "share"):
        np.testing.assert_allclose(b[column].to_numpy(), a[column].to_numpy(), rtol=RTOL, atol=1e-9)
    # invariants: credit sums to the counted conversions, no negative credit
    for _, credit in b.groupby("model"):
        assert credit["conversions"].sum() == pytest.approx(js.stats.conversions_counted, rel=1e-9)
        assert (credit["conversions"] >= -1e-12).all()


@pytest.mark.parametrize("freq", [None, "day", "week", "month"])
def test_channel_report_is_the_same(datasets, freq):
    duck, spark = datasets
    jd, js = duck.journeys(lookback_days=14), spark.journeys(lookback_days=14)
    # a global model (Markov) is dated through its per-path credit and Spark's touch counts
    cases = [("linear", "conversion"), ("time_decay", "conversion"), ("markov", "conversion")]
    if freq == "week":
        cases += [("markov", "touch"), ("time_decay", "touch")]
    for model, date_by in cases:
        a, b = (at.channel_report(j, model, freq, date_by=date_by) for j in (jd, js))
        assert a.columns.tolist() == b.columns.tolist()
        keys = ["channel", "period"] if freq else ["channel"]
        pd.testing.assert_frame_equal(a[keys], b[keys], check_dtype=False)
        for column in ("spend", "touches", "conversions", "revenue", "cpa", "roas", "conversion_rate"):
            np.testing.assert_allclose(b[column].to_numpy(dtype=float), a[column].to_numpy(dtype=float),
                                       rtol=RTOL, atol=1e-9, equal_nan=True)


def test_part_file_folders_globs_and_tables_read_the_same_on_both_engines(files, spark, tmp_path, datasets):
    duck, _ = datasets
    frame = spark.read.option("header", True).option("escape", '"').csv(str(files[0]))
    parquet_parts, csv_parts = tmp_path / "tp_parquet", tmp_path / "tp_csv"
    frame.repartition(3).write.parquet(str(parquet_parts))
    frame.repartition(2).write.option("header", True).option("escape", '"').csv(str(csv_parts))
    assert len(list(parquet_parts.glob("part-*.parquet"))) == 3 and (parquet_parts / "_SUCCESS").exists()
    spark.read.option("header", True).csv(str(files[1])).createOrReplaceTempView("diff_conversions")
    conv = str(files[1])
    for parts in (str(parquet_parts), str(parquet_parts / "part-*.parquet"), str(csv_parts)):
        d = at.load(touchpoints=parts, conversions=conv)
        s = at.load(touchpoints=parts, conversions="diff_conversions", engine="spark", spark=spark)
        assert d.report.tables["touchpoints"] == s.report.tables["touchpoints"] == duck.report.tables["touchpoints"]
        assert s.report.tables["conversions"] == duck.report.tables["conversions"]
        # both engines break ties by part file name, then row: the same paths row for row
        assert_same_paths(d.journeys().paths, s.journeys().paths)


def test_bad_spark_input_raises_our_error(files, spark, tmp_path):
    with pytest.raises(at.DataValidationError, match="no column for user_id"):
        bad = tmp_path / "bad.csv"
        bad.write_text("who,when,where\nu1,2024-01-01,Search\n")
        at.load(touchpoints=str(bad), conversions=str(files[1]), engine="spark", spark=spark)
    with pytest.raises(at.DataValidationError, match="cannot read"):
        at.load(touchpoints=str(tmp_path / "missing.parquet"), conversions=str(files[1]), engine="spark", spark=spark)
    with pytest.raises(at.DataValidationError, match="engine='duckdb'"):
        at.load(paths=str(files[0]), engine="spark", spark=spark)


def assert_same_draws(a, b) -> None:
    assert (a.models, a.channels, a.unit, a.failed) == (b.models, b.channels, b.unit, b.failed)
    for values in ("conversions", "revenue"):
        np.testing.assert_allclose(getattr(b, values), getattr(a, values), rtol=RTOL, atol=1e-9)


def test_bootstrap_gives_the_same_replicates_for_the_same_seed(datasets):
    """Touch-reading models resample whole journeys: Spark sends back each journey's path row and
    each converting journey's credit, in DuckDB's journey order, so one seed gives the same draws.
    With a stage, W-shaped reads the milestones; Markov (a path model) sees the same draws."""
    duck, spark = datasets
    models = ["w_shaped", "time_decay", "linear_by_day", "ihc", "markov"]
    jd, js = (ds.journeys(stage="purchase", lookback_days=14) for ds in (duck, spark))
    a = bootstrap_draws(jd, models, n_boot=12, seed=3)
    b = bootstrap_draws(js, models, n_boot=12, seed=3)
    assert a.unit == "journeys" and jd.touch_column_has_values("milestone")
    assert_same_draws(a, b)
    assert summarise(a)[["model", "channel"]].equals(summarise(b)[["model", "channel"]])
    np.testing.assert_allclose(summarise(b)[CI_COLUMNS].to_numpy(), summarise(a)[CI_COLUMNS].to_numpy(), rtol=RTOL)
    # invariants: a replicate's credit sums, for every model, to its resampled conversions: a whole
    # number (Poisson weights of converting journeys plus the fixed conversions without a touch)
    totals = b.conversions.sum(axis=2)
    np.testing.assert_allclose(totals, totals[:, :1].repeat(len(models), axis=1), rtol=1e-9)
    np.testing.assert_allclose(totals, np.round(totals), rtol=1e-9)
    assert len(np.unique(totals[:, 0])) > 1   # the replicates differ


def test_journey_phases_are_the_same(datasets):
    """Rule models are weighed and split in Spark; Markov's per-touch credit comes from its paths."""
    duck, spark = datasets
    jd, js = duck.journeys(stage="purchase", lookback_days=14), spark.journeys(stage="purchase", lookback_days=14)
    for model, params in (("w_shaped", {}), ("time_decay", {"half_life_days": 3.0}), ("markov", {})):
        a, b = at.journey_phases(jd, model, **params), at.journey_phases(js, model, **params, early=0.25)
        assert a[["model", "channel", "phase"]].equals(b[["model", "channel", "phase"]])
        np.testing.assert_allclose(b[["conversions", "revenue", "share"]].to_numpy(dtype=float),
                                   a[["conversions", "revenue", "share"]].to_numpy(dtype=float), rtol=RTOL, atol=1e-9)
        # invariant: the phases add up to the model's channel credit (conversions without a touch aside)
        credit = at.run_model(model, js, **params).set_index("channel")["conversions"]
        by_channel = b.groupby("channel")["conversions"].sum()
        np.testing.assert_allclose(by_channel.to_numpy(), credit.reindex(by_channel.index).to_numpy(), rtol=1e-9)
    with pytest.raises(at.ModelError, match="give model="):
        at.journey_phases(js, credit=at.touch_credit("linear", jd))
    # tables as large as the touches stay on the engine that has them on the driver
    for table in (at.touch_credit, at.journey_credit):
        with pytest.raises(at.ModelError, match="as large as the touches.*DuckDB engine"):
            table("linear", js)
