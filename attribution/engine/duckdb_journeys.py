"""Customer journeys under the docs/architecture.md §4 rules, built in DuckDB SQL.

A journey is the ordered touches that lead to one counted conversion, or the trailing touches of a
user after their last counted conversion (a non-converting journey). Build steps, SQL files in
``attribution/sql``: count conversions → group channels → one statement that assigns touches to
conversions, windows, filters and transforms them and sorts the kept touches by journey (the one
big sort) → number journeys and positions on the sorted rows → mark funnel milestones → aggregate
paths, whose per-journey lists are slices of the sorted rows.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from attribution.journeys.data import TOUCH_COLUMNS, Journeys, JourneyStats
from attribution.journeys.settings import ChannelRule, JourneySettings, check_channel_rules
from attribution.store.sqlfiles import check_identifier, registered, sql


def channel_rules_sql(rules: tuple[ChannelRule, ...]) -> tuple[str, dict]:
    """A CASE expression giving each row's channel group, and its bound parameters.

    Reads the columns ``channel``, ``campaign`` and ``interaction`` (whichever the rules name) of
    the row; patterns and groups go in as parameters. Without rules it is plain ``channel``.
    """
    if not rules:
        return "channel", {}
    whens, params = [], {}
    for i, rule in enumerate(rules):
        col = f"coalesce({rule.column}, '')"  # column comes from the RULE_COLUMNS whitelist
        p, g = f"rule_pattern_{i}", f"rule_group_{i}"
        cond = {
            "equals": f"lower({col}) = lower(${p})",
            "contains": f"contains(lower({col}), lower(${p}))",
            "starts_with": f"starts_with(lower({col}), lower(${p}))",
            "regex": f"regexp_matches({col}, ${p}, 'i')",
        }[rule.match]
        whens.append(f"when {cond} then ${g}")
        params[p], params[g] = rule.pattern, rule.group
    return "case " + " ".join(whens) + " else channel end", params


def build_journeys(con, schema: str, settings: JourneySettings | None = None, *,
                   fingerprint: str = "") -> Journeys:
    """Build journeys for the dataset in DuckDB schema ``schema`` under ``settings``.

    ``con`` is a DuckDB connection or cursor used for this one unit of work (temp tables are
    private to it). Returns :class:`~attribution.journeys.data.Journeys` whose ``paths`` are computed
    now and whose ``touches`` are materialised as Arrow now and turned into pandas on first use.
    """
    settings = settings or JourneySettings()
    schema = check_identifier(schema)
    check_channel_rules(settings.channel_rules, con)
    statements = journey_statements(schema, settings)
    con.execute(*statements["counted_conversions"])
    query, params = statements["journey_touches"]
    ordered = con.sql(query, params=params).to_arrow_table()
    touches, starts = _number_journeys(ordered)
    if settings.stage is not None:
        touches = _mark_milestones(con, schema, touches, starts, settings)
    converted = touches["converted"].to_numpy()[starts]  # per journey
    paths = _aggregate_paths(con, touches, starts, converted)
    stats = _stats(con, settings, touches, starts, converted)
    con.execute("drop table if exists counted_conversions")
    touches = touches.select(TOUCH_COLUMNS)
    return Journeys(paths=paths, fingerprint=fingerprint, source="journeys",
                    load_touches=lambda: _touches_frame(touches), settings=settings, stats=stats)


def journey_statements(schema: str, settings: JourneySettings) -> dict[str, tuple[str, dict]]:
    """The build's SQL statements with their bound parameters, by step name.

    ``counted_conversions`` creates the temp table of the conversions that count;
    ``journey_touches`` is the one query that returns every kept touch sorted by journey.
    """
    channel_expression, rule_params = channel_rules_sql(settings.channel_rules)
    assign = "journeys/assign_reset" if settings.reset_on_conversion else "journeys/assign_overlap"
    conversions = sql("journeys/conversions", schema=schema)
    touches = sql("journeys/touches", schema=schema, expressions={"channel_expression": channel_expression},
                  fragments={"grouped_touches": "journeys/grouped_touches", "assigned_touches": assign})
    params = {**_settings_params(settings), **rule_params}
    return {"counted_conversions": (conversions, _bound(params, conversions)),
            "journey_touches": (touches, _bound(params, touches))}


def _settings_params(settings: JourneySettings) -> dict:
    return {
        "stage": settings.stage, "first_only": settings.first_only,
        "lookback_days": settings.lookback_days, "include_non_converting": settings.include_non_converting,
        "start": settings.start, "end": settings.end,
        "exclude": [c.lower() for c in settings.exclude_channels],
        "transform": settings.transform, "max_touches": settings.max_touches,
        "reset_on_conversion": settings.reset_on_conversion,
    }


def _bound(params: dict, query: str) -> dict:
    """The parameters a statement uses (DuckDB rejects unused named parameters)."""
    used = set(re.findall(r"\$(\w+)", query))
    return {key: value for key, value in params.items() if key in used}


def _number_journeys(ordered: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """Journey numbers and positions, counted on touches sorted by journey.

    ``ordered`` holds every kept touch sorted by (user_id, seq, ts, touch_id); a journey starts
    wherever user_id or seq changes. Journeys are numbered 1..n in that order. Returns the table
    (journey_id, position and n_touches added, seq dropped) and the row where each journey starts.
    """
    n = ordered.num_rows
    new_journey = np.ones(n, dtype=bool)
    if n > 1:
        users = ordered["user_id"].combine_chunks()
        seq = ordered["seq"].fill_null(0).to_numpy()
        # (ingest rejects missing user ids; a NULL here still starts its own journey)
        changed = pc.fill_null(pc.not_equal(users.slice(1), users.slice(0, n - 1)), True)
        changed = changed.to_numpy(zero_copy_only=False)
        new_journey[1:] = changed | (seq[1:] != seq[:-1])
    starts = np.flatnonzero(new_journey)
    lengths = np.diff(np.append(starts, n))
    journey_id = np.repeat(np.arange(1, len(starts) + 1, dtype=np.int64), lengths)
    position = (np.arange(n, dtype=np.int64) - np.repeat(starts, lengths) + 1).astype(np.int32)
    table = ordered.drop_columns(["seq"])
    table = table.append_column("journey_id", pa.array(journey_id))
    table = table.append_column("position", pa.array(position))
    table = table.append_column("n_touches", pa.array(np.repeat(lengths.astype(np.int32), lengths)))
    return table, starts


def _mark_milestones(con, schema: str, touches: pa.Table, starts: np.ndarray,
                     settings: JourneySettings) -> pa.Table:
    """Fill ``milestone`` from store/sql/journeys/milestones.sql (earlier funnel stages inside each journey)."""
    columns = ["journey_id", "position", "user_id", "ts", "converted", "conversion_ts", "window_start"]
    query = sql("journeys/milestones", schema=schema)
    with registered(con, "journey_milestone_touches", touches.select(columns)):
        hits = con.sql(query, params=_bound(_settings_params(settings), query)).to_arrow_table()
    if hits.num_rows == 0:
        return touches
    names = pc.unique(hits["milestone"].combine_chunks())
    rows = starts[hits["journey_id"].to_numpy() - 1] + hits["position"].to_numpy() - 1
    codes = np.full(touches.num_rows, -1, dtype=np.int32)
    codes[rows] = pc.index_in(hits["milestone"], value_set=names).to_numpy(zero_copy_only=False)
    indices = pa.array(codes, mask=codes < 0)
    milestone = pa.DictionaryArray.from_arrays(indices, names).cast(pa.string())
    return touches.set_column(touches.column_names.index("milestone"), "milestone", milestone)


def _aggregate_paths(con, touches: pa.Table, starts: np.ndarray, converted: np.ndarray) -> pd.DataFrame:
    """The unique paths of ``touches`` (sorted by journey) with their counts (store/sql/journeys/paths.sql).

    Each journey's path is a slice of the sorted channel column, so the per-journey lists are
    built without copying; channels travel as small integer codes, which group much faster than
    strings.
    """
    names = sorted(pc.unique(touches["channel"].combine_chunks()).drop_null().to_pylist())
    code_type = pa.uint8() if len(names) <= 256 else pa.uint16() if len(names) <= 65536 else pa.int32()
    codes = pc.index_in(touches["channel"], value_set=pa.array(names, pa.string())).cast(code_type)
    offsets = np.append(starts, touches.num_rows)
    list_type = pa.ListArray if touches.num_rows < 2 ** 31 else pa.LargeListArray
    offsets = offsets.astype(np.int32 if list_type is pa.ListArray else np.int64)
    journeys = pa.table({"path": list_type.from_arrays(pa.array(offsets), codes.combine_chunks()),
                         "converted": converted, "revenue": touches["revenue"].to_numpy()[starts]})
    with registered(con, "journey_paths_coded", journeys):
        table = con.sql(sql("journeys/paths")).to_arrow_table()
    coded = table["path"].combine_chunks()
    flat = np.asarray(names, dtype=object)[coded.flatten().to_numpy().astype(np.int64)].tolist()
    offsets = coded.offsets.to_numpy() - coded.offsets[0].as_py()
    paths = table.drop_columns(["path"]).to_pandas()
    # (object dtype also when there are no paths: an empty list would make the column float)
    paths.insert(0, "path", pd.Series([tuple(flat[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)],
                                      dtype=object))
    return paths


def _touches_frame(arrow) -> pd.DataFrame:
    frame = arrow.to_pandas()
    for col in ("holder_engagement", "closer_engagement"):
        frame[col] = frame[col].astype("object")
    return frame


def _stats(con, settings: JourneySettings, touches: pa.Table, starts: np.ndarray,
           converted: np.ndarray) -> JourneyStats:
    """Build counts, and the counted conversions without a touch per conversion date.

    Those are the counted conversions in the date range minus the converting journeys, per date
    (each converting journey is one counted conversion; see :class:`JourneyStats`).
    """
    converting = int(converted.sum())
    heads = pa.table({"day": pc.cast(touches["conversion_ts"].take(pa.array(starts)), pa.date32()),
                      "revenue": touches["revenue"].take(pa.array(starts)),
                      "converted": pa.array(converted, pa.bool_())})
    with registered(con, "journey_heads", heads):
        daily = con.execute("""
            with counted as (
                select ts::date as date, count(*) as conversions, sum(revenue) as revenue
                from counted_conversions
                where ($start is null or ts::date >= $start) and ($end is null or ts::date <= $end)
                group by 1
            ),
            kept as (
                select day as date, count(*) as conversions, sum(revenue) as revenue
                from journey_heads where converted group by 1
            )
            select c.date, (c.conversions - coalesce(k.conversions, 0))::double as conversions,
                   c.revenue - coalesce(k.revenue, 0.0) as revenue, c.conversions as counted
            from counted c left join kept k using (date)
            order by c.date
        """, {"start": settings.start, "end": settings.end}).df()
    counted = int(daily["counted"].sum())
    daily = daily[daily["conversions"] > 0].drop(columns="counted").reset_index(drop=True)
    daily["date"] = pd.to_datetime(daily["date"])
    return JourneyStats(journeys=len(converted), converting_journeys=converting, touches=touches.num_rows,
                        conversions_counted=counted, conversions_without_touches=counted - converting,
                        revenue_without_touches=float(daily["revenue"].sum()), no_touch_daily=daily)
