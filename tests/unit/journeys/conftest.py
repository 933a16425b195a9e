"""Fixtures for the journey builder: an in-memory DuckDB with the canonical tables from tuples.

Touch tuples are ``(user_id, ts, channel[, campaign, cost, session_id, interaction,
holder_engagement, closer_engagement])`` and conversion tuples ``(user_id, ts[, revenue,
conversion_id, stage])``; missing trailing fields are NULL. Timestamps are ISO strings that DuckDB
casts on insert.

``build`` runs on each engine (``engine`` parameter: DuckDB, and Spark when pyspark and Java are
there), so every hand-worked journey rule is checked on both. On Spark the touches are collected
for the assertions (tests only: the engine itself never collects them).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pandas as pd
import pytest

from attribution.engine.duckdb_journeys import build_journeys
from attribution.journeys.data import Journeys
from attribution.journeys.settings import JourneySettings

SCHEMA = "ds"
TOUCH_DDL = """(user_id VARCHAR, ts TIMESTAMP, channel VARCHAR, campaign VARCHAR, cost DOUBLE,
    session_id VARCHAR, interaction VARCHAR, holder_engagement BOOLEAN, closer_engagement BOOLEAN)"""
CONVERSION_DDL = "(user_id VARCHAR, ts TIMESTAMP, revenue DOUBLE, conversion_id VARCHAR, stage VARCHAR)"


def _pad(rows: Sequence[tuple], width: int) -> list[tuple]:
    return [tuple(row) + (None,) * (width - len(row)) for row in rows]


@pytest.fixture
def con():
    """A fresh in-memory DuckDB connection, closed after the test."""
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def load(con) -> Callable[..., str]:
    """``load(touches, conversions)`` → schema name holding both tables (replaced on each call)."""

    def _load(touches: Sequence[tuple], conversions: Sequence[tuple] = ()) -> str:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create or replace table {SCHEMA}.touchpoints {TOUCH_DDL}")
        con.execute(f"create or replace table {SCHEMA}.conversions {CONVERSION_DDL}")
        if touches:
            con.executemany(f"insert into {SCHEMA}.touchpoints values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            _pad(touches, 9))
        if conversions:
            con.executemany(f"insert into {SCHEMA}.conversions values (?, ?, ?, ?, ?)",
                            _pad(conversions, 5))
        return SCHEMA

    return _load


@pytest.fixture(params=["duckdb", "spark"])
def engine(request) -> str:
    """The engine that builds the journeys (Spark skips cleanly when it cannot start)."""
    if request.param == "spark":
        request.getfixturevalue("spark")
    return request.param


@pytest.fixture
def build(con, load, engine, request) -> Callable[..., Journeys]:
    """``build(touches, conversions, **settings)`` → Journeys built under JourneySettings(**settings)."""

    def _build(touches: Sequence[tuple], conversions: Sequence[tuple] = (), **settings) -> Journeys:
        schema = load(touches, conversions)
        if engine == "spark":
            return spark_build(request.getfixturevalue("spark"), con, schema, JourneySettings(**settings))
        return build_journeys(con, schema, JourneySettings(**settings))

    return _build


def spark_tables(spark, con, schema: str):
    """The canonical DuckDB tables of ``schema`` as Spark DataFrames, input order kept in the
    order columns (``__file, __block, __row``) as the Spark reader sets them."""
    import pyspark.sql.functions as F

    out = {}
    for name in ("touchpoints", "conversions"):
        rows = con.execute(f"select * from {schema}.{name} order by rowid").fetchall()
        ddl = (TOUCH_DDL if name == "touchpoints" else CONVERSION_DDL).strip("()").replace("VARCHAR", "string")
        if name == "touchpoints":
            table = spark.createDataFrame([(*r, i) for i, r in enumerate(rows)], ddl + ", __row long")
            table = table.withColumn("__file", F.lit("input")).withColumn("__block", F.lit(0).cast("long"))
        else:
            table = spark.createDataFrame(rows, ddl)
        out[name] = table
    return out


def spark_build(spark, con, schema: str, settings: JourneySettings) -> Journeys:
    """Journeys built by the Spark engine from the DuckDB test tables, touches collected."""
    from attribution.engine.spark_journeys import build_spark_journeys

    tables = spark_tables(spark, con, schema)
    touches, paths, stats = build_spark_journeys(spark, tables["touchpoints"], tables["conversions"], settings)
    collected = touches.orderBy("journey_id", "position").toPandas()
    # number the text journey ids 1..n in their sort order, which is DuckDB's numbering
    collected["journey_id"] = pd.factorize(collected["journey_id"])[0].astype("int64") + 1
    return Journeys(paths=paths, source="journeys", load_touches=lambda: collected, settings=settings, stats=stats)


def _summary(journeys: Journeys) -> list[tuple]:
    touches = journeys.touches
    rows = []
    for _, group in touches.groupby("journey_id", sort=True):
        first = group.iloc[0]
        rows.append((first["user_id"], bool(first["converted"]), float(first["revenue"]),
                     tuple(group.sort_values("position")["channel"])))
    return rows


@pytest.fixture
def summary() -> Callable[[Journeys], list[tuple]]:
    """``summary(j)`` → ``[(user_id, converted, revenue, (channel, ...)), ...]`` by journey_id."""
    return _summary
