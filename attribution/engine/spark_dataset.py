"""The Spark engine's dataset: canonical Spark DataFrames, journeys built in Spark.

:func:`load_spark` reads and validates the inputs (:mod:`attribution.engine.spark_read`) and
returns a :class:`SparkDataset`. The canonical tables stay Spark DataFrames; each method returns a
small pandas frame (per channel, per day, per stage). Its journeys are
:class:`~attribution.engine.spark_touches.SparkJourneys`: ``paths`` collected, ``touches`` kept in
Spark.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from attribution.engine.base import (
    CANONICAL_TABLES,
    FUNNEL_SOURCES,
    NO_SPEND,
    SPEND_TABLE,
    TOUCH_COST,
    Dataset,
)
from attribution.engine.spark_journeys import build_spark_journeys, channel_expression
from attribution.engine.spark_read import read_source, source_label, stage
from attribution.engine.spark_session import EngineUnavailableError, pyspark_modules, spark_session
from attribution.engine.spark_touches import SparkJourneys
from attribution.errors import DataValidationError
from attribution.ingest.mapping import resolve_mapping
from attribution.ingest.report import IngestReport
from attribution.ingest.tables import conversion_fields, touch_fields
from attribution.ingest.validate import Field
from attribution.journeys.data import PathData
from attribution.journeys.settings import JourneySettings

SPARK_INPUTS = ("touchpoints", "conversions", "spend")


@dataclass(frozen=True, eq=False)
class SparkDataset(Dataset):
    """One dataset loaded by the Spark engine (see the module docstring)."""

    engine = "spark"

    spark: Any
    tables: dict
    dataset_id: str
    name: str
    kind: str = "journeys"
    report: object = None
    source: str | None = "api"
    main_input: str | None = "touchpoints"
    rejected_frames: list = field(default_factory=list)

    def _table(self, name: str):
        return self.tables.get(name)

    def journeys(self, settings: JourneySettings | None = None, **rules) -> PathData:
        """Journeys built inside Spark under ``settings`` (or keyword rules); ``paths`` equal the
        DuckDB engine's row for row on the same input."""
        settings = settings or self.default_settings(**rules)
        touches, paths, stats = build_spark_journeys(self.spark, self.tables["touchpoints"],
                                                     self.tables["conversions"], settings)
        journeys = SparkJourneys(paths=paths, fingerprint=f"{self.dataset_id}:{settings.key()}", source="journeys",
                                 settings=settings, stats=stats, spark_touches=touches)
        return self.with_dataset_spend(journeys, settings)

    def paths_data(self) -> PathData:
        """Aggregated-path datasets are small: load them with the DuckDB engine (``at.read_paths``)."""
        raise EngineUnavailableError("the Spark engine loads touchpoints and conversions; read aggregated "
                                     "paths with at.read_paths or at.load(paths=...) (DuckDB)")

    def summary(self) -> dict:
        """Headline numbers (the DuckDB engine's keys), from a few Spark aggregates."""
        _, F, _ = pyspark_modules()
        tp, conv, spend = self.tables["touchpoints"], self.tables["conversions"], self._table("spend")
        t = tp.agg(F.count(F.lit(1)).alias("touchpoints"), F.countDistinct("channel").alias("channels"),
                   F.min("ts").alias("lo"), F.max("ts").alias("hi"),
                   F.sum(F.coalesce("cost", F.lit(0.0))).alias("touch_cost")).collect()[0]
        c = conv.agg(F.count(F.lit(1)).alias("conversions"), F.sum(F.coalesce("revenue", F.lit(0.0))).alias("revenue"),
                     F.min("ts").alias("lo"), F.max("ts").alias("hi")).collect()[0]
        users = tp.select("user_id").union(conv.select("user_id")).distinct().count()
        s = (spend.agg(F.sum("spend").alias("spend"), F.countDistinct("channel").alias("n")).collect()[0]
             if spend is not None else None)
        dates = [d for d in (t["lo"], c["lo"]) if d is not None], [d for d in (t["hi"], c["hi"]) if d is not None]
        return {"users": users, "touchpoints": t["touchpoints"], "conversions": c["conversions"],
                "revenue": c["revenue"], "spend": s["spend"] if s else None, "touch_cost": t["touch_cost"],
                "channels": t["channels"], "spend_channels": s["n"] if s else 0,
                "first_date": pd.Timestamp(min(dates[0]).date()) if dates[0] else None,
                "last_date": pd.Timestamp(max(dates[1]).date()) if dates[1] else None}

    def stage_counts(self) -> pd.DataFrame:
        """Conversions per stage, most frequent first."""
        counts = (self.tables["conversions"].where("stage is not null").groupBy("stage").count()
                  .withColumnRenamed("count", "conversions").toPandas())
        return counts.sort_values(["conversions", "stage"], ascending=[False, True], ignore_index=True)

    def channels(self, channel_rules=()) -> list[str]:
        """Sorted channel names of the touchpoints, after ``channel_rules``."""
        _, F, _ = pyspark_modules()
        grouped = self.tables["touchpoints"].select(channel_expression(F, tuple(channel_rules)).alias("channel"))
        return sorted(r[0] for r in grouped.distinct().collect() if r[0] is not None)

    def date_range(self) -> tuple[date, date] | None:
        """(first, last) date of touches and conversions."""
        s = self.summary()
        return None if s["first_date"] is None else (s["first_date"], s["last_date"])

    def row_count(self, table: str) -> int:
        """Rows of one canonical table (a Spark count); 0 when the dataset lacks it."""
        if table not in CANONICAL_TABLES:
            raise ValueError(f"table must be one of {', '.join(CANONICAL_TABLES)}")
        if table == "rejected":
            return int(self.report.n_rejected) if self.report is not None else 0
        frame = self._table(table)
        return 0 if frame is None else int(frame.count())

    def table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """A canonical table (or the rejected rows) as pandas: meant for small tables and previews."""
        if name not in CANONICAL_TABLES:
            raise ValueError(f"table must be one of {', '.join(CANONICAL_TABLES)}")
        frame = self._rejected() if name == "rejected" else self._table(name)
        if frame is None:
            return pd.DataFrame()
        frame = frame.drop(*[c for c in frame.columns if c.startswith("__")])
        return (frame.limit(int(limit)) if limit is not None else frame).toPandas()

    def _rejected(self):
        frames = self.rejected_frames
        if not frames:
            return None
        out = frames[0]
        for extra in frames[1:]:
            out = out.unionByName(extra)
        return out

    def spend(self, start: date | None = None, end: date | None = None,
              channel_rules=()) -> tuple[pd.DataFrame | None, str]:
        """Spend per date and channel in [start, end] and its source (see :meth:`Dataset.spend`)."""
        _, F, _ = pyspark_modules()
        spend = self._table("spend")
        if spend is not None:
            frame, day, source = spend.withColumn("interaction", F.lit(None).cast("string")), F.col("date"), SPEND_TABLE
            amount = F.col("spend")
        else:
            frame, day, source = self.tables["touchpoints"], F.to_date("ts"), TOUCH_COST
            amount = F.coalesce("cost", F.lit(0.0))
        if start is not None:
            frame = frame.where(day >= F.lit(start))
        if end is not None:
            frame = frame.where(day <= F.lit(end))
        out = frame.groupBy(day.alias("date"), channel_expression(F, tuple(channel_rules)).alias("channel")).agg(
            F.sum(amount).alias("spend")).toPandas().sort_values(["date", "channel"], ignore_index=True)
        out["date"] = pd.to_datetime(out["date"])
        if source == TOUCH_COST and not bool((out["spend"] != 0).any()):
            return None, NO_SPEND
        return out, source

    def daily_activity(self) -> pd.DataFrame:
        """Touches and spend per date and channel, conversions and revenue per date on ``"(all)"``."""
        _, F, _ = pyspark_modules()
        tp = self.tables["touchpoints"].groupBy(F.to_date("ts").alias("date"), "channel").agg(
            F.count(F.lit(1)).alias("touches"), F.sum(F.coalesce("cost", F.lit(0.0))).alias("spend"))
        conv = self.tables["conversions"].groupBy(F.to_date("ts").alias("date")).agg(
            F.count(F.lit(1)).alias("conversions"), F.sum(F.coalesce("revenue", F.lit(0.0))).alias("revenue"))
        conv = conv.select("date", F.lit("(all)").alias("channel"), "conversions", "revenue")
        out = tp.unionByName(conv, allowMissingColumns=True).toPandas()
        return out[["date", "channel", "touches", "conversions", "revenue", "spend"]].sort_values(
            ["date", "channel"], ignore_index=True)

    def _funnel_events(self, source: str):
        """``user_id, ts, name`` of the funnel source's events with a step name (see :data:`FUNNEL_SOURCES`)."""
        _, F, _ = pyspark_modules()
        if source not in FUNNEL_SOURCES:
            raise DataValidationError(f"funnel source must be one of {', '.join(FUNNEL_SOURCES)}, not {source!r}")
        table, column = ("conversions", "stage") if source == "stage" else ("touchpoints", "interaction")
        return self.tables[table].where(F.col(column).isNotNull()).select("user_id", "ts", F.col(column).alias("name"))

    def funnel_step_values(self, source: str) -> pd.DataFrame:
        """The values of a funnel source with the users who had each (``name, users``), most users
        first (the rows of dataset/funnel_step_values.sql)."""
        _, F, _ = pyspark_modules()
        out = self._funnel_events(source).groupBy("name").agg(F.countDistinct("user_id").alias("users")).toPandas()
        return out.astype({"name": "str", "users": "int64"}).sort_values(
            ["users", "name"], ascending=[False, True], ignore_index=True)

    def funnel_counts(self, steps, source, start=None, end=None, first_channels=None) -> pd.DataFrame:
        """Users per funnel step (``step, name, users, users_any``), counted in Spark by the rules
        of dataset/funnel_steps.sql: a user reaches step k+1 at their first event of it at or after
        the time they reached step k (one join per step; funnels have few)."""
        _, F, _ = pyspark_modules()
        steps = [str(s) for s in steps]
        events = self._funnel_events(source)
        events = events.select("user_id", "ts", F.array_position(F.array(*[F.lit(s) for s in steps]),
                                                                  F.col("name")).cast("int").alias("step"))
        events = events.where(F.col("step") > 0)
        if start is not None:
            events = events.where(F.to_date("ts") >= F.lit(start))
        if end is not None:
            events = events.where(F.to_date("ts") <= F.lit(end))
        if first_channels is not None:
            # each user's earliest touch (ties: the smaller channel name) decides their first channel
            first = self.tables["touchpoints"].groupBy("user_id").agg(
                F.min(F.struct("ts", "channel"))["channel"].alias("first_channel"))
            wanted = first.where(F.col("first_channel").isin(*[str(c) for c in first_channels])).select("user_id")
            events = events.join(wanted, "user_id")
        events = events.persist()
        users_any = dict(events.groupBy("step").agg(F.countDistinct("user_id")).collect())
        reached = events.where("step = 1").groupBy("user_id").agg(F.min("ts").alias("reached_ts"))
        users, kept = [], [events]
        for k in range(1, len(steps) + 1):
            if k > 1:
                nxt = events.where(F.col("step") == k)
                reached = reached.join(nxt, "user_id").where(F.col("ts") >= F.col("reached_ts")).groupBy(
                    "user_id").agg(F.min("ts").alias("reached_ts"))
            reached = reached.persist()
            kept.append(reached)
            users.append(reached.count())
        for frame in kept:
            frame.unpersist()
        numbers = range(1, len(steps) + 1)
        return pd.DataFrame({"step": pd.array(numbers, dtype="int32"), "name": pd.array(steps, dtype="str"),
                             "users": np.asarray(users, dtype=np.int64),
                             "users_any": np.asarray([users_any.get(k, 0) for k in numbers], dtype=np.int64)})

    def daily_spend(self) -> pd.DataFrame:
        """Spend per day and channel from the spend table (empty without one)."""
        frame, _ = self.spend() if self._table("spend") is not None else (None, None)
        if frame is None:
            return pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"), "channel": pd.Series(dtype="str"),
                                 "spend": pd.Series(dtype="float64")})
        return frame

    def daily_outcome(self, stage: str | None = None) -> pd.DataFrame:
        """Conversions and revenue per day inside the spend table's date range."""
        _, F, _ = pyspark_modules()
        spend = self._table("spend")
        if spend is None:
            return pd.DataFrame({"day": pd.Series(dtype="datetime64[us]"), "conversions": pd.Series(dtype="float64"),
                                 "revenue": pd.Series(dtype="float64")})
        lo, hi = spend.agg(F.min("date"), F.max("date")).collect()[0]
        conv = self.tables["conversions"]
        if stage is not None:
            conv = conv.where(F.col("stage") == stage)
        day = F.to_date("ts")
        out = conv.where((day >= F.lit(lo)) & (day <= F.lit(hi))).groupBy(day.alias("day")).agg(
            F.count(F.lit(1)).cast("double").alias("conversions"),
            F.sum(F.coalesce("revenue", F.lit(0.0))).alias("revenue")).toPandas()
        out["day"] = pd.to_datetime(out["day"])
        return out.sort_values("day", ignore_index=True)


def _spend_fields(m: dict) -> list[Field]:
    return [Field("date", "date", m.get("date"), required=True), Field("channel", "text", m.get("channel"), required=True),
            Field("spend", "number", m.get("spend"), nonneg=True, empty="0"),
            Field("campaign", "text", m.get("campaign")),
            Field("impressions", "number", m.get("impressions"), nonneg=True),
            Field("clicks", "number", m.get("clicks"), nonneg=True)]


_FIELDS = {"touchpoints": touch_fields, "conversions": conversion_fields, "spend": _spend_fields}


def load_spark(touchpoints=None, conversions=None, spend=None, *, mappings: dict | None = None,
               name: str = "dataset", spark=None, **unsupported) -> SparkDataset:
    """Read and validate touchpoints, conversions and (optionally) spend in Spark.

    Each input is a path, URI, folder, glob, Spark table name or Spark DataFrame (see
    :mod:`attribution.engine.spark_read`); ``mappings`` are the DuckDB engine's (role -> canonical
    column -> source column, plus ``delimiter``/``encoding``/``ts_format``). Rejected rows are counted
    by reason in the report (``ds.table("rejected", limit=...)`` collects a sample). A missing
    required column raises :class:`DataValidationError`, as does an input the Spark engine does not
    read (event logs, aggregated paths, IHC files: load those with the DuckDB engine).
    """
    given = {k: v for k, v in unsupported.items() if v is not None}
    if given:
        raise DataValidationError(f"the Spark engine reads touchpoints, conversions and spend; load "
                                  f"{', '.join(sorted(given))} with engine='duckdb'")
    if touchpoints is None or conversions is None:
        raise DataValidationError("the Spark engine needs touchpoints and conversions")
    spark = spark_session(spark)
    _, F, _ = pyspark_modules()
    tables, rejected, files, counts, used = {}, [], [], [], {}
    for role, src in (("touchpoints", touchpoints), ("conversions", conversions), ("spend", spend)):
        if src is None:
            continue
        options = dict((mappings or {}).get(role) or {})
        label = source_label(src)
        raw = read_source(spark, src, options)
        columns = [c for c in raw.columns if not c.startswith("__")]
        mapping = resolve_mapping(role, columns, options, label)
        good, bad, by_reason = stage(raw, _FIELDS[role](mapping), label, ts_format=options.get("ts_format"))
        n_good = by_reason.pop(None, 0)
        n_bad = sum(by_reason.values())
        tables[role], used[role] = good, mapping
        rejected.append(bad)
        counts += [(label, reason, n) for reason, n in by_reason.items()]
        files.append((label, role, n_good + n_bad, n_good, n_bad))
    if not files[0][3]:
        raise DataValidationError(f"{files[0][0]}: no touchpoint row could be used ({files[0][4]:,} rejected); "
                                  "see the rejected rows", file=files[0][0])
    rejected_counts = pd.DataFrame(counts, columns=["file", "reason", "rows"]).sort_values(
        ["rows", "file", "reason"], ascending=[False, True, True], ignore_index=True)
    report = IngestReport(kind="journeys", schema="spark",
                          tables={**{r: f[3] for r, f in zip(tables, files, strict=True)},
                                  "rejected": int(rejected_counts["rows"].sum())},
                          rejected_counts=rejected_counts,
                          files=pd.DataFrame(files, columns=["file", "role", "rows", "loaded", "rejected"]),
                          mappings=used)
    return SparkDataset(spark=spark, tables=tables, dataset_id=uuid.uuid4().hex[:12], name=name,
                        report=report, rejected_frames=rejected)
