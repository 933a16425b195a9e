"""A small hand-made dataset in canonical tables, built without ingest (report and page tests).

Users (touches → conversions, times in hours from 2024-01-01 00:00):

- u1: Search h0 (impression, cost 2), Email h24 (click, cost 1), Search h48 (click, cost 2) →
  lead h30, purchase h50 revenue 100;
- u2: Social h10 (impression, cost 3) → lead h12; no purchase; then Email h100 (visit, cost 1);
- u3: Email h5 (click, cost 1) → purchase h5 (same instant) revenue 50;
- u4: Search h60 (impression, cost 2), Social h70 (click, cost 3); no conversion.

Spend table: 2024-01-01 Search 10, Email 5; 2024-01-02 Social 20 (Email 0); 2024-01-03 Search 6.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from attribution.engine.duckdb_dataset import DuckDBDataset
from attribution.journeys.data import PATH_COLUMNS, TOUCH_COLUMNS, Journeys
from attribution.store.workspace import PUBLIC_OWNER, Workspace

T0 = datetime(2024, 1, 1)


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


TOUCHPOINTS = pd.DataFrame([
    ("u1", _h(0), "Search", 2.0, "impression"), ("u1", _h(24), "Email", 1.0, "click"),
    ("u1", _h(48), "Search", 2.0, "click"), ("u2", _h(10), "Social", 3.0, "impression"),
    ("u2", _h(100), "Email", 1.0, "visit"), ("u3", _h(5), "Email", 1.0, "click"),
    ("u4", _h(60), "Search", 2.0, "impression"), ("u4", _h(70), "Social", 3.0, "click"),
], columns=["user_id", "ts", "channel", "cost", "interaction"])

CONVERSIONS = pd.DataFrame([
    ("u1", _h(30), 0.0, "c1", "lead"), ("u1", _h(50), 100.0, "c2", "purchase"),
    ("u2", _h(12), 0.0, "c3", "lead"), ("u3", _h(5), 50.0, "c4", "purchase"),
], columns=["user_id", "ts", "revenue", "conversion_id", "stage"])

SPEND = pd.DataFrame([
    (T0.date(), "Search", 10.0), (T0.date(), "Email", 5.0),
    ((T0 + timedelta(days=1)).date(), "Social", 20.0), ((T0 + timedelta(days=1)).date(), "Email", 0.0),
    ((T0 + timedelta(days=2)).date(), "Search", 6.0),
], columns=["date", "channel", "spend"])


def load_tables(cur, schema: str, touchpoints: pd.DataFrame, conversions: pd.DataFrame,
                spend: pd.DataFrame | None) -> str:
    """Create the canonical tables in ``schema`` from the frames; return the kind "journeys"."""
    cur.register("tp_frame", touchpoints)
    cur.register("cv_frame", conversions)
    cur.execute(f"""create table {schema}.touchpoints as select user_id::varchar as user_id, ts::timestamp as ts,
        channel::varchar as channel, null::varchar as campaign, cost::double as cost,
        null::varchar as session_id, interaction::varchar as interaction,
        null::boolean as holder_engagement, null::boolean as closer_engagement from tp_frame""")
    cur.execute(f"""create table {schema}.conversions as select user_id::varchar as user_id, ts::timestamp as ts,
        revenue::double as revenue, conversion_id::varchar as conversion_id, stage::varchar as stage
        from cv_frame""")
    cur.execute(f"""create table {schema}.spend (date date, channel varchar, spend double, campaign varchar,
        impressions double, clicks double)""")
    if spend is not None and len(spend):
        cur.register("sp_frame", spend)
        cur.execute(f"insert into {schema}.spend select date::date, channel, spend::double, null, null, null "
                    f"from sp_frame")
    return "journeys"


def build_dataset(ws: Workspace, touchpoints: pd.DataFrame = TOUCHPOINTS,
                  conversions: pd.DataFrame = CONVERSIONS, spend: pd.DataFrame | None = SPEND, *,
                  name: str = "Hand-made", source: str = "test") -> DuckDBDataset:
    """Catalogue a dataset made of the given frames in ``ws`` and return its handle."""
    dataset_id, kind = ws.create(name, PUBLIC_OWNER,
                                 lambda cur, schema: load_tables(cur, schema, touchpoints, conversions, spend),
                                 source=source)
    return DuckDBDataset(ws, dataset_id, name, kind)


def make_journeys(rows: list[tuple], settings=None) -> Journeys:
    """Journeys from rows ``(journey_id, channel, touch_hour, conversion_hour | None, revenue, cost)``.

    Hours count from 2024-01-01 00:00; ``conversion_hour`` None means the journey did not convert.
    Touches are numbered by time inside each journey; every other column is left empty.
    """
    frame = pd.DataFrame(rows, columns=["journey_id", "channel", "touch_hour", "conversion_hour", "revenue",
                                        "cost"])
    frame = frame.sort_values(["journey_id", "touch_hour"], kind="stable", ignore_index=True)
    frame["ts"] = [_h(h) for h in frame["touch_hour"]]
    frame["conversion_ts"] = pd.to_datetime([None if pd.isna(h) else _h(h) for h in frame["conversion_hour"]])
    frame["converted"] = frame["conversion_hour"].notna()
    frame["revenue"] = frame["revenue"].where(frame["converted"], 0.0).astype(float)
    frame["position"] = frame.groupby("journey_id").cumcount() + 1
    frame["n_touches"] = frame.groupby("journey_id")["channel"].transform("size")
    frame["hours_to_conversion"] = frame["conversion_hour"] - frame["touch_hour"]
    frame["user_id"] = "u" + frame["journey_id"].astype(str)
    for col in ("stage", "milestone", "campaign", "session_id", "interaction", "holder_engagement",
                "closer_engagement", "hours_since_previous"):
        frame[col] = None
    touches = frame[TOUCH_COLUMNS]
    per_journey = touches.groupby("journey_id").agg(path=("channel", tuple), converted=("converted", "first"),
                                                    revenue=("revenue", "first"))
    paths = per_journey.groupby("path", as_index=False).agg(
        conversions=("converted", "sum"), revenue=("revenue", "sum"),
        nulls=("converted", lambda s: float((~s).sum())))
    paths = paths.astype({"conversions": float, "revenue": float, "nulls": float})
    return Journeys.from_frames(paths[PATH_COLUMNS], touches, settings=settings)


PATHS = pd.DataFrame({"path": [["Search", "Email"], ["Email"], ["Social", "Search", "Email"], ["Social"]],
                      "conversions": [3.0, 2.0, 1.0, 0.0], "revenue": [300.0, 80.0, 50.0, 0.0],
                      "nulls": [4.0, 6.0, 2.0, 5.0]})


def build_paths_dataset(ws: Workspace, paths: pd.DataFrame = PATHS, *, name: str = "Hand-made paths",
                        source: str = "test") -> DuckDBDataset:
    """Catalogue an aggregated-paths dataset (kind "paths") made of ``paths`` in ``ws``."""
    def load(cur, schema):
        cur.register("paths_frame", paths)
        cur.execute(f"create table {schema}.paths as select path::varchar[] as path, conversions::double as "
                    f"conversions, revenue::double as revenue, nulls::double as nulls from paths_frame")
        return "paths"

    dataset_id, kind = ws.create(name, PUBLIC_OWNER, load, source=source)
    return DuckDBDataset(ws, dataset_id, name, kind)
