"""Fixtures for the journey builder: an in-memory DuckDB with the canonical tables from tuples.

Touch tuples are ``(user_id, ts, channel[, campaign, cost, session_id, interaction,
holder_engagement, closer_engagement])`` and conversion tuples ``(user_id, ts[, revenue,
conversion_id, stage])``; missing trailing fields are NULL. Timestamps are ISO strings that DuckDB
casts on insert.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
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


@pytest.fixture
def build(con, load) -> Callable[..., Journeys]:
    """``build(touches, conversions, **settings)`` → Journeys built under JourneySettings(**settings)."""

    def _build(touches: Sequence[tuple], conversions: Sequence[tuple] = (), **settings) -> Journeys:
        schema = load(touches, conversions)
        return build_journeys(con, schema, JourneySettings(**settings))

    return _build


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
