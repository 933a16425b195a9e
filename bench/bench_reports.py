"""Time the journey reports and the channel report on synthetic data of a chosen size.

Usage: python bench/bench_reports.py [touchpoints] (default 1_000_000; users = touchpoints / 10).
Synthetic canonical tables are made in DuckDB (uniform times over 90 days, 10 channels, 30 % of users
convert once or twice with stages lead → purchase); per-touch credit is linear, computed here,
except for the last three lines, which run the registered models.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution.engine.duckdb_dataset import DuckDBDataset  # noqa: E402
from attribution.models.touch_credit import touch_credit
from attribution.reports.channel_report import dataset_channel_report
from attribution.reports.conversion_paths import (
    channel_overlap,
    path_report,
    sankey_links,
    time_to_conversion,
)
from attribution.reports.funnels import funnel
from attribution.reports.journey_phases import journey_phases
from attribution.store.workspace import PUBLIC_OWNER, Workspace


def load(cur, schema: str, n: int) -> str:
    users = max(n // 10, 1)
    cur.execute(f"""create table {schema}.touchpoints as
        select 'u' || (random() * {users})::bigint as user_id,
               timestamp '2024-01-01' + to_seconds((random() * 90 * 86400)::bigint) as ts,
               'ch' || (random() * 10)::int as channel, null::varchar as campaign, round(random() * 2, 2) as cost,
               null::varchar as session_id,
               ['impression', 'click', 'visit'][1 + (random() * 2.99)::int] as interaction,
               null::boolean as holder_engagement, null::boolean as closer_engagement
        from range({n})""")
    cur.execute(f"""create table {schema}.conversions as
        select 'u' || (random() * {users})::bigint as user_id,
               timestamp '2024-01-01' + to_seconds((random() * 90 * 86400)::bigint) as ts,
               round(random() * 200, 2) as revenue, 'c' || range as conversion_id,
               case when random() < 0.6 then 'lead' else 'purchase' end as stage
        from range({int(users * 0.4)})""")
    cur.execute(f"""create table {schema}.spend as
        select d::date as date, 'ch' || c as channel, round(random() * 1000, 2) as spend,
               null::varchar as campaign, null::double as impressions, null::double as clicks
        from range(timestamp '2024-01-01', timestamp '2024-04-01', interval 1 day) t(d), range(10) c(c)""")
    return "journeys"


def timed(label: str, func):
    start = time.perf_counter()
    out = func()
    print(f"{label:<32} {time.perf_counter() - start:7.2f} s")
    return out


def main(n: int) -> None:
    ws = Workspace(None)
    dataset_id, kind = timed("synthetic tables", lambda: ws.create("bench", PUBLIC_OWNER,
                                                                   lambda cur, schema: load(cur, schema, n)))
    ds = DuckDBDataset(ws, dataset_id, "bench", kind)
    journeys = timed("journeys (builder, not ours)", ds.journeys)
    touches = timed("touches to pandas (not ours)", lambda: journeys.touches)
    print(f"  {len(touches):,} journey touches, {len(journeys.paths):,} unique paths")
    timed("funnel lead > purchase", lambda: funnel(ds, ["lead", "purchase"]))
    timed("funnel interactions", lambda: funnel(ds, ["impression", "click", "visit"], source="interaction",
                                                first_channels=["ch1", "ch2"]))
    timed("path report", lambda: path_report(journeys))
    timed("sankey (3 steps)", lambda: sankey_links(journeys))
    timed("time to conversion", lambda: time_to_conversion(journeys))
    timed("channel overlap", lambda: channel_overlap(journeys))
    converted = touches[touches["converted"]]
    credit = converted[["journey_id", "position", "channel"]].assign(
        conversions=1.0 / converted["n_touches"], revenue=converted["revenue"] / converted["n_touches"])
    timed("journey phases (given credit)", lambda: journey_phases(journeys, credit=credit))
    timed("channel report by day", lambda: dataset_channel_report(ds, journeys, "linear", "day", credit=credit))
    timed("channel report whole range", lambda: dataset_channel_report(ds, journeys, "linear", None, credit=credit))
    timed("touch credit: linear (exact)", lambda: touch_credit("linear", journeys))
    timed("touch credit: markov (raked)", lambda: touch_credit("markov", journeys))
    timed("channel report, markov, by week", lambda: dataset_channel_report(ds, journeys, "markov", "week"))
    ws.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
