"""Customer journeys under the docs/architecture.md §4 rules, built inside Spark.

The same rules as :mod:`attribution.engine.duckdb_journeys`, step for step, in Spark's DataFrame API:
count conversions → group channels → assign touches to conversions (with or without reset on
conversion) inside the lookback window → keep the date range and the non-converting journeys →
drop excluded channels → path transform → step cap → number
journeys and positions → mark funnel milestones. Ties between simultaneous touches break by input
order (``touch_order``: file, split, row), as DuckDB breaks them by row number; ascending sorts put
NULLs last, as DuckDB does.

Only small tables reach the driver: the unique paths with their counts and the per-date counts of
conversions without a touch. The touches stay a Spark DataFrame (``Journeys.touches``) whose text
``journey_id`` sorts in the order DuckDB numbers its journeys (see :func:`number_journeys`).
"""
from __future__ import annotations

import pandas as pd

from attribution.engine.spark_session import pyspark_modules
from attribution.journeys.data import NO_TOUCH_DAILY_COLUMNS, TOUCH_COLUMNS, JourneyStats
from attribution.journeys.settings import ChannelRule, JourneySettings, check_channel_rules

_SECONDS_PER_DAY = 86_400


def channel_expression(F, rules: tuple[ChannelRule, ...]):
    """The channel group of each touch: the first matching rule's group (case-insensitive), else
    its channel. Patterns are values compared in Spark, never SQL text."""
    out = F.col("channel")
    for rule in reversed(rules):
        raw = F.coalesce(F.col(rule.column), F.lit(""))
        value, pattern = F.lower(raw), F.lower(F.lit(rule.pattern))
        if rule.match == "equals":
            cond = value == pattern
        elif rule.match == "contains":
            cond = value.contains(pattern)
        elif rule.match == "starts_with":
            cond = value.startswith(pattern)
        else:
            cond = raw.rlike("(?i)" + rule.pattern)
        out = F.when(cond, F.lit(rule.group)).otherwise(out)
    return out


def _lookback_ok(F, ts, anchor, days: int | None):
    """ts >= anchor − days (always true without a lookback)."""
    if days is None:
        return F.lit(True)
    return F.unix_micros(ts) >= F.unix_micros(anchor) - int(days) * _SECONDS_PER_DAY * 1_000_000


def _hours(F, start, end):
    """Whole seconds from start to end, in hours (DuckDB's date_diff('second', ...) / 3600)."""
    return (F.unix_seconds(end) - F.unix_seconds(start)) / 3600.0


def counted_conversions(conversions, settings: JourneySettings):
    """The conversions that count: stage filter, then every or only each user's first; ``seq``
    numbers them per user by (ts, conversion_id, revenue) and ``prev_ts`` is the previous one."""
    _, F, W = pyspark_modules()
    frame = conversions.select("user_id", "ts", F.coalesce("revenue", F.lit(0.0)).alias("revenue"),
                               "conversion_id", "stage")
    if settings.stage is not None:
        frame = frame.where(F.col("stage") == settings.stage)
    by_time = W.Window.partitionBy("user_id").orderBy(F.col("ts").asc_nulls_last(),
                                                      F.col("conversion_id").asc_nulls_last(),
                                                      F.col("revenue").asc_nulls_last())
    frame = frame.select("*", F.row_number().over(by_time).alias("seq"), F.lag("ts").over(by_time).alias("prev_ts"))
    if settings.first_only:
        frame = frame.where(F.col("seq") == 1).withColumn("prev_ts", F.lit(None).cast("timestamp"))
    return frame


def grouped_touches(touchpoints, settings: JourneySettings):
    """Touches with the channel rules applied and their input order as ``touch_order``."""
    _, F, _ = pyspark_modules()
    return touchpoints.select(
        F.struct("__file", "__block", "__row").alias("touch_order"), "user_id", "ts",
        channel_expression(F, tuple(settings.channel_rules)).alias("channel"), "campaign",
        F.coalesce("cost", F.lit(0.0)).alias("cost"), "session_id", "interaction",
        "holder_engagement", "closer_engagement")


def _assign_reset(touches, counted, settings: JourneySettings):
    """Each touch to the next counted conversion at or after it (see assign_reset.sql's rule)."""
    _, F, W = pyspark_modules()
    stream = touches.select("*", F.lit(0).alias("is_conversion"), F.lit(None).cast("long").alias("conv_seq")).unionByName(
        counted.select("user_id", "ts", F.lit(1).alias("is_conversion"), F.col("seq").cast("long").alias("conv_seq")),
        allowMissingColumns=True)
    order = [F.col("ts").asc_nulls_last(), F.col("is_conversion"), F.col("conv_seq").asc_nulls_last(),
             F.col("touch_order").asc_nulls_last()]
    user = W.Window.partitionBy("user_id")
    by_time = user.orderBy(*order)
    touch_ts = F.when(F.col("is_conversion") == 0, F.col("ts"))
    stream = stream.select(
        "*",
        F.count("conv_seq").over(by_time.rowsBetween(W.Window.unboundedPreceding, W.Window.currentRow))
        .alias("conversions_before"),
        F.min(F.when(F.col("is_conversion") == 1, F.col("ts")))
        .over(by_time.rowsBetween(W.Window.currentRow, W.Window.unboundedFollowing)).alias("conversion_ts"),
        F.max(touch_ts).over(by_time.rowsBetween(W.Window.unboundedPreceding, -1)).alias("previous_touch_ts"),
        F.max(touch_ts).over(user).alias("user_last_ts"))
    kept = stream.where(F.col("is_conversion") == 0)
    if settings.first_only:
        kept = kept.where(F.col("conversions_before") == 0)
    kept = kept.where(_lookback_ok(F, F.col("ts"), F.coalesce("conversion_ts", "user_last_ts"),
                                   settings.lookback_days))
    return kept.select(
        *touches.columns, "conversion_ts",
        F.when(F.col("conversion_ts").isNotNull(), F.col("conversions_before") + 1).cast("long").alias("seq"),
        _hours(F, F.col("previous_touch_ts"), F.col("ts")).alias("hours_since_previous"))


def _assign_overlap(touches, counted, settings: JourneySettings):
    """Without reset: each touch to every counted conversion at or after it in the window."""
    _, F, W = pyspark_modules()
    by_time = W.Window.partitionBy("user_id").orderBy(F.col("ts").asc_nulls_last(), F.col("touch_order").asc_nulls_last())
    ordered = touches.select("*", _hours(F, F.lag("ts").over(by_time), F.col("ts")).alias("hours_since_previous"),
                             F.max("ts").over(W.Window.partitionBy("user_id")).alias("user_last_ts"))
    c = counted.select(F.col("user_id").alias("c_user"), F.col("ts").alias("c_ts"), F.col("seq").cast("long").alias("c_seq"))
    converting = ordered.join(c, (c.c_user == ordered.user_id) & (ordered.ts <= c.c_ts)
                              & _lookback_ok(F, ordered.ts, c.c_ts, settings.lookback_days))
    converting = converting.select(*touches.columns, F.col("c_ts").alias("conversion_ts"),
                                   F.col("c_seq").alias("seq"), "hours_since_previous")
    last = counted.groupBy(F.col("user_id").alias("l_user")).agg(F.max("ts").alias("last_ts"))
    after = ordered.join(last, ordered.user_id == last.l_user, "left").where(
        (F.col("last_ts").isNull() | (F.col("ts") > F.col("last_ts")))
        & (F.lit(not settings.first_only) | F.col("last_ts").isNull())
        & _lookback_ok(F, F.col("ts"), F.col("user_last_ts"), settings.lookback_days))
    after = after.select(*touches.columns, F.lit(None).cast("timestamp").alias("conversion_ts"),
                         F.lit(None).cast("long").alias("seq"), "hours_since_previous")
    return converting.unionByName(after)


def journey_touches(touchpoints, counted, settings: JourneySettings):
    """Every kept touch with its journey key ``(user_id, seq)`` (seq NULL: non-converting), after
    the window, date range, exclusion, transform and step cap rules (see touches.sql)."""
    _, F, W = pyspark_modules()
    touches = grouped_touches(touchpoints, settings)
    assign = _assign_reset if settings.reset_on_conversion else _assign_overlap
    frame = assign(touches, counted, settings)
    if not settings.include_non_converting:
        frame = frame.where(F.col("conversion_ts").isNotNull())
    day = F.when(F.col("conversion_ts").isNotNull(), F.to_date("conversion_ts")).otherwise(F.to_date("ts"))
    if settings.start is not None:
        frame = frame.where(day >= F.lit(settings.start))
    if settings.end is not None:
        frame = frame.where(day <= F.lit(settings.end))
    journey = W.Window.partitionBy("user_id", "seq")
    in_order = journey.orderBy(F.col("ts").asc_nulls_last(), F.col("touch_order").asc_nulls_last())
    if settings.exclude_channels:
        # an excluded channel never gets credit: its touches go, and a journey made only of
        # excluded channels is left with none (its conversion is one without a touch)
        excluded = F.lower("channel").isin(*[c.lower() for c in settings.exclude_channels])
        frame = frame.where(~F.coalesce(excluded, F.lit(False)))
    if settings.transform == "collapse_repeats":
        frame = frame.withColumn("__previous", F.lag("channel").over(in_order))
        frame = frame.where(~F.col("__previous").eqNullSafe(F.col("channel"))).drop("__previous")
    elif settings.transform == "unique":
        first = W.Window.partitionBy("user_id", "seq", "channel").orderBy(F.col("ts").asc_nulls_last(),
                                                                          F.col("touch_order").asc_nulls_last())
        frame = frame.withColumn("__occurrence", F.row_number().over(first))
        frame = frame.where(F.col("__occurrence") == 1).drop("__occurrence")
    if settings.max_touches is not None:
        latest = journey.orderBy(F.col("ts").desc_nulls_first(), F.col("touch_order").desc_nulls_first())
        frame = frame.withColumn("__after", F.row_number().over(latest))
        frame = frame.where(F.col("__after") <= int(settings.max_touches)).drop("__after")
    c = counted.select(F.col("user_id").alias("c_user"), F.col("seq").cast("long").alias("c_seq"),
                       F.col("revenue").alias("c_revenue"), F.col("stage").alias("c_stage"),
                       F.col("prev_ts").alias("c_prev_ts"))
    frame = frame.join(c, (frame.user_id == c.c_user) & (frame.seq == c.c_seq), "left")
    return frame.select(
        "touch_order", "user_id", "seq", F.col("conversion_ts").isNotNull().alias("converted"),
        F.coalesce("c_revenue", F.lit(0.0)).alias("revenue"), "conversion_ts", F.col("c_stage").alias("stage"),
        "channel", "ts", _hours(F, F.col("ts"), F.col("conversion_ts")).alias("hours_to_conversion"), "cost",
        F.lit(None).cast("string").alias("milestone"), "campaign", "session_id", "interaction",
        "holder_engagement", "closer_engagement", "hours_since_previous",
        (F.col("c_prev_ts") if settings.reset_on_conversion else F.lit(None).cast("timestamp")).alias("window_start"))


def number_journeys(touches):
    """Add ``journey_id``, ``position`` (1-based, by ts then input order) and ``n_touches``.

    ``journey_id`` is text: the user id, a NUL character, then the conversion number in 20 digits
    (``~`` for the non-converting journey). Sorted as text the ids follow (user_id, conversion
    number, non-converting last), the order in which DuckDB numbers its journeys 1..n, without
    the global sort a dense number would need.
    """
    _, F, W = pyspark_modules()
    number = F.when(F.col("seq").isNull(), F.lit("~")).otherwise(F.lpad(F.col("seq").cast("string"), 20, "0"))
    keyed = touches.withColumn("journey_id", F.concat(F.col("user_id"), F.lit("\u0000"), number))
    journey = W.Window.partitionBy("journey_id")
    in_order = journey.orderBy(F.col("ts").asc_nulls_last(), F.col("touch_order").asc_nulls_last())
    return keyed.select("*", F.row_number().over(in_order).cast("int").alias("position"),
                        F.count(F.lit(1)).over(journey).cast("int").alias("n_touches"))


def mark_milestones(touches, conversions, settings: JourneySettings):
    """Fill ``milestone``: for each earlier-stage event in a converting journey's window (the first
    of each stage), the last touch at or before it is tagged with that stage (milestones.sql)."""
    _, F, W = pyspark_modules()
    journeys = (touches.where("converted").select("journey_id", F.col("user_id").alias("j_user"), "window_start",
                                                  F.col("conversion_ts").alias("j_conv_ts")).distinct())
    e = conversions.select(F.col("user_id").alias("e_user"), F.col("stage").alias("e_stage"), F.col("ts").alias("e_ts"))
    events = journeys.join(e, (e.e_user == journeys.j_user) & (e.e_ts <= journeys.j_conv_ts)
                           & (journeys.window_start.isNull() | (e.e_ts > journeys.window_start))
                           & _lookback_ok(F, e.e_ts, journeys.j_conv_ts, settings.lookback_days))
    events = events.where(F.col("e_stage").isNotNull() & ~F.col("e_stage").eqNullSafe(F.lit(settings.stage)))
    first = W.Window.partitionBy("journey_id", "e_stage").orderBy("e_ts")
    events = events.withColumn("__first", F.row_number().over(first)).where("__first = 1").select(F.col("journey_id").alias("ev_journey"), "e_stage", "e_ts")
    t = touches.select(F.col("journey_id").alias("t_journey"), F.col("position").alias("t_position"), F.col("ts").alias("t_ts"))
    hits = events.join(t, (t.t_journey == events.ev_journey) & (t.t_ts <= events.e_ts)).groupBy(
        "ev_journey", "e_stage", "e_ts").agg(F.max("t_position").alias("hit_position"))
    tags = hits.groupBy("ev_journey", "hit_position").agg(F.min_by("e_stage", "e_ts").alias("hit_milestone"))
    joined = touches.join(tags, (touches.journey_id == tags.ev_journey) & (touches.position == tags.hit_position), "left")
    return joined.withColumn("milestone", F.col("hit_milestone")).drop("ev_journey", "hit_position", "hit_milestone")


def journey_paths(touches):
    """One row per journey: ``journey_id``, ``path`` (its channels in position order, an array),
    ``converted`` and ``revenue``."""
    _, F, _ = pyspark_modules()
    per_journey = touches.groupBy("journey_id").agg(
        F.sort_array(F.collect_list(F.struct("position", "channel"))).alias("steps"),
        F.first("converted").alias("converted"), F.first("revenue").alias("revenue"))
    return per_journey.select("journey_id", F.transform("steps", lambda s: s["channel"]).alias("path"),
                              "converted", "revenue")


def collect_paths(touches) -> pd.DataFrame:
    """The unique paths (``path, conversions, revenue, nulls``) sorted as DuckDB sorts them:
    most conversions first, then most non-conversions, then by path."""
    _, F, _ = pyspark_modules()
    grouped = journey_paths(touches).groupBy("path").agg(
        F.sum(F.when(F.col("converted"), 1.0).otherwise(0.0)).alias("conversions"),
        F.sum(F.when(F.col("converted"), F.col("revenue")).otherwise(0.0)).alias("revenue"),
        F.sum(F.when(F.col("converted"), 0.0).otherwise(1.0)).alias("nulls"))
    rows = [(tuple(r["path"]), float(r["conversions"]), float(r["revenue"]), float(r["nulls"]))
            for r in grouped.collect()]
    rows.sort(key=lambda r: (-r[1], -r[3], r[0]))
    frame = pd.DataFrame(rows, columns=["path", "conversions", "revenue", "nulls"])
    return frame.astype({"conversions": "float64", "revenue": "float64", "nulls": "float64"})


def journey_stats(touches, counted, settings: JourneySettings) -> JourneyStats:
    """Build counts and the counted conversions without a touch per conversion date (the rule of
    :class:`~attribution.journeys.data.JourneyStats`), from two small aggregates."""
    _, F, _ = pyspark_modules()
    heads = touches.where("position = 1")
    # one pass over the journey heads gives the totals and the kept conversions per date
    per_date = heads.groupBy(F.to_date("conversion_ts").alias("date"), "converted").agg(
        F.count(F.lit(1)).alias("journeys"), F.sum("n_touches").alias("touches"),
        F.sum("revenue").alias("revenue")).toPandas()
    day = F.to_date("ts")
    window = counted
    if settings.start is not None:
        window = window.where(day >= F.lit(settings.start))
    if settings.end is not None:
        window = window.where(day <= F.lit(settings.end))
    counted_daily = window.groupBy(day.alias("date")).agg(F.count(F.lit(1)).alias("counted"),
                                                          F.sum("revenue").alias("counted_revenue")).toPandas()
    kept = per_date[per_date["converted"].astype(bool)]
    kept_daily = pd.DataFrame({"date": kept["date"], "kept": kept["journeys"], "kept_revenue": kept["revenue"]})
    totals = {"journeys": int(per_date["journeys"].sum()), "converting": int(kept["journeys"].sum()),
              "touches": int(per_date["touches"].sum())}
    daily = counted_daily.merge(kept_daily, on="date", how="left").sort_values("date", ignore_index=True)
    daily["conversions"] = (daily["counted"] - daily["kept"].fillna(0)).astype("float64")
    daily["revenue"] = daily["counted_revenue"].astype("float64") - daily["kept_revenue"].fillna(0.0).astype("float64")
    counted_total = int(daily["counted"].sum())
    converting = int(totals["converting"] or 0)
    daily = daily[daily["conversions"] > 0][NO_TOUCH_DAILY_COLUMNS].reset_index(drop=True)
    daily["date"] = pd.to_datetime(daily["date"])
    return JourneyStats(journeys=int(totals["journeys"]), converting_journeys=converting,
                        touches=int(totals["touches"] or 0), conversions_counted=counted_total,
                        conversions_without_touches=counted_total - converting,
                        revenue_without_touches=float(daily["revenue"].sum()), no_touch_daily=daily)


def build_spark_journeys(spark, touchpoints, conversions, settings: JourneySettings):
    """``(touches, paths, stats)``: the journeys of canonical Spark tables under ``settings``.

    ``touches`` is a Spark DataFrame with :data:`~attribution.journeys.data.TOUCH_COLUMNS`;
    ``paths`` and ``stats`` are collected (see the module docstring).
    """
    check_channel_rules(settings.channel_rules)
    counted = counted_conversions(conversions, settings).persist()
    touches = number_journeys(journey_touches(touchpoints, counted, settings))
    if settings.stage is not None:
        touches = mark_milestones(touches, conversions, settings)
    touches = touches.select(*TOUCH_COLUMNS).persist()
    paths = collect_paths(touches)
    stats = journey_stats(touches, counted, settings)
    counted.unpersist()
    return touches, paths, stats
