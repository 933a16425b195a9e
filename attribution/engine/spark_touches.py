"""Journeys whose touches stay in Spark, and the small tables computed from them there.

:class:`SparkJourneys` are the Spark engine's journeys: ``paths`` collected, ``touches`` a Spark
DataFrame that never reaches the driver. What needs touches is computed in Spark and only small
tables come back:

- a rule model's per-touch weights (its registered ``TouchRule.weigh``, run on whole journeys per
  hash bucket with ``applyInPandas``) summed per channel, per channel and date
  (:meth:`SparkJourneys.weight_sums`) or per channel and journey phase
  (:meth:`SparkJourneys.phase_sums`);
- for the bootstrap, which resamples whole journeys: each journey's unique path, conversion and
  revenue in journey order (:meth:`SparkJourneys.journey_order`) and a rule model's credit per
  converting journey and channel (:meth:`SparkJourneys.journey_weights`). Journey order is the
  order of the text ``journey_id``, which is the order DuckDB numbers its journeys in, so the
  same seed draws the same Poisson weight for the same journey on both engines;
- touches of converting journeys per date, unique path and channel
  (:meth:`SparkJourneys.path_touch_counts`), which a global model's per-path credit turns into
  dated credit;
- touches and cost per date and channel (:meth:`SparkJourneys.daily_touch_totals`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from attribution.engine.spark_journeys import journey_paths
from attribution.engine.spark_session import pyspark_modules
from attribution.errors import ModelError
from attribution.journeys.data import Journeys

_MILLION = 1_000_000
Weigh = Callable[[pd.DataFrame], Any]
#: ``summarise(part, weights) -> frame``: one bucket's touches (whole journeys, sorted by journey
#: and position) and their weights, reduced to the rows a Spark job sends on
Summarise = Callable[[pd.DataFrame, np.ndarray], pd.DataFrame]


@dataclass(frozen=True, eq=False)
class SparkJourneys(Journeys):
    """Journeys built in Spark: ``paths`` collected, ``touches`` a Spark DataFrame (never collected)."""

    spark_touches: Any = None
    touches_on_driver = False

    @property
    def touches(self):
        """The journey touches as a Spark DataFrame (:data:`~attribution.journeys.data.TOUCH_COLUMNS`)."""
        return self.spark_touches

    def touch_column_has_values(self, column: str) -> bool:
        """True when any touch has a value in ``column`` (one Spark aggregate per column, cached)."""
        key = ("has_values", column)
        if key not in self._cache:
            _, F, _ = pyspark_modules()
            present = column in self.spark_touches.columns
            self._cache[key] = present and bool(self.spark_touches.agg(F.count(column)).collect()[0][0])
        return self._cache[key]

    def converting_sample(self) -> pd.DataFrame:
        """The touches of the first converting journey as pandas (a few rows: for checking a rule's
        parameters on the driver before a Spark job runs it); cached, as every model checks on it."""
        if "sample" not in self._cache:
            _, F, _ = pyspark_modules()
            first = self.spark_touches.where("converted").agg(F.min("journey_id")).collect()[0][0]
            touches = self.spark_touches
            self._cache["sample"] = (pd.DataFrame(columns=touches.columns) if first is None else
                                     touches.where(F.col("journey_id") == first).orderBy("position").toPandas())
        return self._cache["sample"].copy()

    def _weighed(self, weigh: Weigh, columns: Sequence[str], extra: Sequence[str], summarise: Summarise,
                 schema: str):
        """The Spark DataFrame of ``summarise`` over every hash bucket of converting journeys.

        A bucket holds whole journeys (``journey_id, position, channel, revenue``, the rule's
        ``columns`` the touches have and ``extra``), so ``weigh`` sees every touch of a journey.
        """
        _, F, _ = pyspark_modules()
        touches = self.spark_touches
        wanted = ["journey_id", "position", "channel", "revenue", *[c for c in columns if c in touches.columns],
                  *extra]
        buckets = max(touches.sparkSession.sparkContext.defaultParallelism * 2,
                      int((self.stats.touches if self.stats else 0) // _MILLION) + 1)
        frame = touches.where("converted").select(*dict.fromkeys(wanted))
        frame = frame.withColumn("__bucket", F.pmod(F.xxhash64("journey_id"), F.lit(buckets)))

        def weigh_bucket(part: pd.DataFrame) -> pd.DataFrame:
            part = part.sort_values(["journey_id", "position"], ignore_index=True).drop(columns="__bucket")
            return summarise(part, np.asarray(weigh(part), dtype=float))

        return frame.groupBy("__bucket").applyInPandas(weigh_bucket, schema=schema)

    def weight_sums(self, weigh: Weigh, columns: Sequence[str], by_date: str | None = None) -> pd.DataFrame:
        """Per-channel sums of per-touch weights over the converting journeys, computed in Spark.

        ``weigh(frame)`` gets whole journeys (``journey_id, position, channel`` and ``columns``,
        sorted by journey and position) and returns one weight per row, summing to 1 per journey.
        Returns ``channel, conversions, revenue`` (weight, and weight × journey revenue, summed),
        with ``date`` first when ``by_date`` is ``"conversion"`` (the conversion's date) or
        ``"touch"`` (the touch's date).
        """
        _, F, _ = pyspark_modules()
        date_source = {None: None, "conversion": "conversion_ts", "touch": "ts"}[by_date]
        keys = ["date", "channel"] if date_source else ["channel"]

        def summarise(part: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
            out = pd.DataFrame({"channel": part["channel"], "conversions": weights,
                                "revenue": weights * part["revenue"].to_numpy(dtype=float)})
            if date_source:
                out.insert(0, "date", pd.to_datetime(part[date_source]).dt.date)
            return out.groupby(keys, as_index=False, sort=False)[["conversions", "revenue"]].sum()

        schema = ("date date, " if date_source else "") + "channel string, conversions double, revenue double"
        sums = self._weighed(weigh, columns, [date_source] if date_source else [], summarise, schema)
        sums = sums.groupBy(*keys).agg(F.sum("conversions").alias("conversions"), F.sum("revenue").alias("revenue"))
        return _dated(sums.toPandas().sort_values(keys, ignore_index=True))

    def phase_sums(self, weigh: Weigh, columns: Sequence[str],
                   split: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
        """A rule's credit per channel and journey phase, computed in Spark: ``channel, phase,
        conversions, revenue`` (unordered). ``split(credit, lengths)`` is
        :func:`~attribution.reports.journey_phases.split_phases` with its shares; it runs on each
        bucket's per-touch credit (weights, and weights × journey revenue) and the sums are added."""
        _, F, _ = pyspark_modules()

        def summarise(part: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
            credit = pd.DataFrame({"journey_id": part["journey_id"], "position": part["position"],
                                   "channel": part["channel"], "conversions": weights,
                                   "revenue": weights * part["revenue"].to_numpy(dtype=float)})
            lengths = pd.DataFrame({"journey_id": part["journey_id"],
                                    "n_touches": part.groupby("journey_id")["position"].transform("size")})
            return split(credit, lengths)[["channel", "phase", "conversions", "revenue"]]

        schema = "channel string, phase string, conversions double, revenue double"
        sums = self._weighed(weigh, columns, [], summarise, schema).groupBy("channel", "phase").agg(
            F.sum("conversions").alias("conversions"), F.sum("revenue").alias("revenue"))
        return sums.toPandas()

    def journey_order(self) -> pd.DataFrame:
        """Every journey in ``journey_id`` order (converting or not): ``path_row`` (its row in
        ``paths``, matched in Spark), ``converted`` and ``revenue``; cached.

        Three numbers per journey, which the bootstrap needs to resample whole journeys (it holds a
        Poisson weight per journey and replicate on the driver anyway); no id, channel or touch
        comes back. A journey whose path is not in ``paths`` has ``path_row`` -1.
        """
        if "journey_order" not in self._cache:
            _, F, _ = pyspark_modules()
            ordered = self._journey_rows().orderBy("journey_id").select(
                F.coalesce("path_row", F.lit(-1)).alias("path_row"), F.col("converted").cast("boolean"),
                F.coalesce("revenue", F.lit(0.0)).alias("revenue"))
            self._cache["journey_order"] = ordered.toPandas().astype(
                {"path_row": "int64", "converted": "bool", "revenue": "float64"})
        return self._cache["journey_order"]

    def _journey_rows(self):
        """Spark DataFrame ``journey_id, path_row, converted, revenue``: each journey's row in
        ``paths`` (NULL if not there), its path matched in Spark against the collected paths."""
        rows = pd.DataFrame({"path": [list(p) for p in self.paths["path"]],
                             "path_row": np.arange(len(self.paths), dtype=np.int64)})
        lookup = self.spark_touches.sparkSession.createDataFrame(rows, schema="path array<string>, path_row long")
        # no broadcast hint: Spark broadcasts the paths when they are small and shuffles them otherwise
        return journey_paths(self.spark_touches).join(lookup, "path", "left").drop("path")

    def path_touch_counts(self, by_date: str) -> pd.DataFrame:
        """Touches of converting journeys per date, unique path and channel: ``date, path_row,
        channel, touches, revenue`` (the touches' journey revenue summed), dated by the conversion
        (``by_date="conversion"``) or by the touch (``"touch"``). Global models' per-path credit
        per touch times these gives their dated credit (:func:`~attribution.models.touch_credit.engine_credit_sums`)."""
        _, F, _ = pyspark_modules()
        day = F.to_date({"conversion": "conversion_ts", "touch": "ts"}[by_date])
        rows = self._journey_rows().select("journey_id", "path_row")
        touches = self.spark_touches.where("converted").join(rows, "journey_id")
        counts = touches.groupBy(day.alias("date"), "path_row", "channel").agg(
            F.count(F.lit(1)).cast("double").alias("touches"),
            F.sum(F.coalesce("revenue", F.lit(0.0))).alias("revenue"))
        return _dated(counts.toPandas().sort_values(["date", "path_row", "channel"], ignore_index=True))

    def journey_weights(self, weigh: Weigh, columns: Sequence[str]) -> pd.DataFrame:
        """A rule's credit per converting journey and channel, computed in Spark: ``journey_id``
        (here the journey's position in :meth:`journey_order`), ``channel``, ``conversions`` (its
        weights summed) and ``revenue`` (× the journey's revenue); one row per journey and channel
        on it. ``weigh`` is that of :meth:`weight_sums`.

        Only per-journey sums come back, sorted by journey id in Spark with each journey's first
        row marked, so positions follow from the marks and no journey id reaches the driver.
        """
        _, F, _ = pyspark_modules()

        def summarise(part: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
            out = pd.DataFrame({"journey_id": part["journey_id"], "channel": part["channel"], "conversions": weights,
                                "revenue": weights * part["revenue"].to_numpy(dtype=float)})
            out = out.groupby(["journey_id", "channel"], as_index=False, sort=True)[["conversions", "revenue"]].sum()
            ids = out["journey_id"].to_numpy()
            return out.assign(first=np.r_[True, ids[1:] != ids[:-1]] if len(ids) else np.zeros(0, dtype=bool))

        schema = "journey_id string, channel string, conversions double, revenue double, first boolean"
        credit = self._weighed(weigh, columns, [], summarise, schema)
        credit = credit.orderBy("journey_id", F.col("first").desc()).select("first", "channel", "conversions",
                                                                             "revenue").toPandas()
        converting = np.flatnonzero(self.journey_order()["converted"].to_numpy())
        first = credit["first"].to_numpy(dtype=bool)
        ordinal = np.cumsum(first) - 1
        if int(first.sum()) != len(converting):
            raise ModelError("the per-journey credit and the journeys disagree; rebuild the journeys")
        return pd.DataFrame({"journey_id": converting[ordinal], "channel": credit["channel"],
                             "conversions": credit["conversions"], "revenue": credit["revenue"]})

    def daily_touch_totals(self, by_conversion: bool) -> pd.DataFrame:
        """Touches and their summed cost per date and channel (``date, channel, touches, cost``),
        dated by the journey's conversion (``by_conversion``; non-converting touches by their own
        date) or by the touch."""
        _, F, _ = pyspark_modules()
        day = (F.when(F.col("converted"), F.to_date("conversion_ts")).otherwise(F.to_date("ts"))
               if by_conversion else F.to_date("ts"))
        totals = self.spark_touches.groupBy(day.alias("date"), "channel").agg(
            F.count(F.lit(1)).cast("double").alias("touches"), F.sum(F.coalesce("cost", F.lit(0.0))).alias("cost"))
        return _dated(totals.toPandas().sort_values(["date", "channel"], ignore_index=True))


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"])
    return frame
