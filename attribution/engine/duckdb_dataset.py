"""The DuckDB engine's dataset: canonical tables in one schema of a workspace database.

:func:`load` (in :mod:`attribution.engine.load`) ingests files into a private in-memory workspace;
the app uses :func:`create_dataset` on its own workspace and :func:`open_dataset` to reopen one.
Every query runs in its own cursor, so one handle can serve several threads.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from attribution.engine.base import (
    CANONICAL_TABLES,
    FUNNEL_SOURCES,
    NO_SPEND,
    SPEND_TABLE,
    TOUCH_COST,
    Dataset,
)
from attribution.engine.duckdb_journeys import build_journeys, channel_rules_sql
from attribution.errors import DataValidationError
from attribution.journeys.data import PathData
from attribution.journeys.settings import JourneySettings
from attribution.journeys.transforms import transform_paths
from attribution.store.sqlfiles import check_identifier, sql
from attribution.store.workspace import PUBLIC_OWNER, Workspace

INPUT_ARGS = ("touchpoints", "conversions", "spend", "event_log", "paths", "ihc_db", "ihc_journeys")
# funnel source -> (table, column): the only identifiers the funnel SQL accepts
_FUNNEL_COLUMNS = {"stage": ("conversions", "stage"), "interaction": ("touchpoints", "interaction")}
assert set(_FUNNEL_COLUMNS) == set(FUNNEL_SOURCES)


@dataclass(frozen=True, eq=False)
class DuckDBDataset(Dataset):
    """Handle on one dataset in a workspace; cheap to create, all data stays in DuckDB."""

    engine = "duckdb"

    workspace: Workspace
    dataset_id: str
    name: str
    kind: str  # "journeys" (touchpoints + conversions) or "paths" (aggregated paths only)
    report: object = None  # the IngestReport of the load, when this handle made it
    source: str | None = None  # how it was loaded: "sample", "upload", "api", ... (catalogue)
    main_input: str | None = None  # the load's main input, e.g. "ihc_db" (catalogue details)

    @property
    def schema(self) -> str:
        """The DuckDB schema holding this dataset's tables."""
        return check_identifier(f"ds_{self.dataset_id}")

    def journeys(self, settings: JourneySettings | None = None, **rules) -> PathData:
        """Journeys under the docs/architecture.md §4 rules (``settings`` or keyword rules).

        For aggregated paths only the path rules apply (transform, excluded channels); the result
        is then a :class:`PathData` without touches.
        """
        settings = settings or self.default_settings(**rules)
        if not self.has_touches:
            return self.with_dataset_spend(transform_paths(self.paths_data(), transform=settings.transform,
                                                           exclude_channels=settings.exclude_channels,
                                                           settings=settings), settings)
        with self.workspace.cursor() as cur:
            journeys = build_journeys(cur, self.schema, settings, fingerprint=self.fingerprint)
        return self.with_dataset_spend(journeys, settings)

    def paths_data(self) -> PathData:
        """The stored aggregated paths (datasets of kind "paths")."""
        frame = self.query(f"select path, conversions, revenue, nulls from {self.schema}.paths")
        frame["path"] = [tuple(p) for p in frame["path"]]
        return PathData(paths=frame, fingerprint=self.fingerprint)

    def query(self, text: str, params: dict | None = None) -> pd.DataFrame:
        """Run one read-only query in its own cursor and return a DataFrame."""
        with self.workspace.cursor() as cur:
            return cur.execute(text, params or None).df()

    def summary(self) -> dict:
        """Headline numbers: users, touchpoints, conversions, revenue, spend, channels, dates."""
        name = "dataset/summary" if self.has_touches else "dataset/summary_paths"
        row = self.query(sql(name, schema=self.schema)).iloc[0].to_dict()
        return {k: (None if pd.isna(v) else v) for k, v in row.items()}

    def stage_counts(self) -> pd.DataFrame:
        """Conversions per stage (stage, conversions) in funnel order: most frequent first."""
        if not self.has_touches:
            return pd.DataFrame(columns=["stage", "conversions"])
        return self.query(f"select stage, count(*) as conversions from {self.schema}.conversions "
                          f"where stage is not null group by stage order by conversions desc, stage")

    def channels(self, channel_rules: tuple = ()) -> list[str]:
        """Sorted channel names of the touchpoints (or paths), after ``channel_rules`` if given."""
        if self.has_touches:
            expression, params = channel_rules_sql(tuple(channel_rules))
            query = sql("dataset/channels", schema=self.schema, expressions={"channel_expression": expression})
            return self.query(query, params or None)["channel"].tolist()
        return self.paths_data().channels

    def date_range(self) -> tuple | None:
        """(first, last) date of touches and conversions, or None for aggregated paths."""
        if not self.has_touches:
            return None
        row = self.query(f"select min(ts)::date as lo, max(ts)::date as hi from ("
                         f"select ts from {self.schema}.touchpoints union all "
                         f"select ts from {self.schema}.conversions)").iloc[0]
        return None if pd.isna(row["lo"]) else (row["lo"], row["hi"])

    def row_count(self, table: str) -> int:
        """Rows of one canonical table; 0 when the dataset lacks it."""
        if table not in CANONICAL_TABLES:
            raise ValueError(f"table must be one of {', '.join(CANONICAL_TABLES)}")
        found = self.query("select count(*) as n from information_schema.tables "
                           "where table_schema = $schema and table_name = $name",
                           {"schema": self.schema, "name": table})
        if not found["n"].iloc[0]:
            return 0
        return int(self.query(f"select count(*) as n from {self.schema}.{table}")["n"].iloc[0])

    def table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """One canonical table as a DataFrame (``limit`` rows for previews)."""
        if name not in CANONICAL_TABLES:
            raise ValueError(f"table must be one of {', '.join(CANONICAL_TABLES)}")
        text = f"select * from {self.schema}.{name}"
        if limit is not None:
            return self.query(text + " limit $n", {"n": int(limit)})
        return self.query(text)

    def spend(self, start: date | None = None, end: date | None = None,
              channel_rules: tuple = ()) -> tuple[pd.DataFrame | None, str]:
        """Spend per date and channel in [start, end] and where it came from: the spend table,
        else the touchpoints' summed cost, else ``(None, "none")``; channels grouped by
        ``channel_rules`` as the journeys group theirs."""
        expression, rule_params = channel_rules_sql(tuple(channel_rules))
        params = {"start": start, "end": end, **rule_params}
        expressions = {"channel_expression": expression}
        if self.row_count("spend"):
            return self.query(sql("dataset/spend", schema=self.schema, expressions=expressions), params), SPEND_TABLE
        if not self.has_touches:
            return None, NO_SPEND
        cost = self.query(sql("dataset/touch_cost", schema=self.schema, expressions=expressions), params)
        return (cost, TOUCH_COST) if bool((cost["spend"] != 0).any()) else (None, NO_SPEND)

    def daily_activity(self) -> pd.DataFrame:
        """Per date and channel: touches, spend; per date under channel '(all)': conversions, revenue."""
        if not self.has_touches:
            return pd.DataFrame(columns=["date", "channel", "touches", "conversions", "revenue", "spend"])
        return self.query(sql("dataset/daily_activity", schema=self.schema))

    def funnel_step_values(self, source: str) -> pd.DataFrame:
        """The values of a funnel source with the users who had each (``name, users``)."""
        if not self.has_touches:
            return pd.DataFrame({"name": pd.Series(dtype="str"), "users": pd.Series(dtype="int64")})
        table, column = _funnel_columns(source)
        return self.query(sql("dataset/funnel_step_values", schema=self.schema, table=table, step_column=column))

    def funnel_counts(self, steps: Sequence[str], source: str, start: date | None = None,
                      end: date | None = None, first_channels: Sequence[str] | None = None) -> pd.DataFrame:
        """Users per funnel step (``step, name, users, users_any``), counted in DuckDB."""
        table, column = _funnel_columns(source)
        params = {"steps": [str(s) for s in steps], "start": start, "end": end,
                  "channels": None if first_channels is None else [str(c) for c in first_channels]}
        return self.query(sql("dataset/funnel_steps", schema=self.schema, table=table, step_column=column), params)

    def daily_spend(self) -> pd.DataFrame:
        """Spend per day and channel from the spend table (empty without one)."""
        if not self.row_count("spend"):
            return pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"), "channel": pd.Series(dtype="str"),
                                 "spend": pd.Series(dtype="float64")})
        return self.query(sql("mmm/spend_daily", schema=self.schema))

    def daily_outcome(self, stage: str | None = None) -> pd.DataFrame:
        """Conversions and revenue per day inside the spend table's date range."""
        if not (self.has_touches and self.row_count("spend") and self.row_count("conversions")):
            return pd.DataFrame({"day": pd.Series(dtype="datetime64[us]"), "conversions": pd.Series(dtype="float64"),
                                 "revenue": pd.Series(dtype="float64")})
        return self.query(sql("mmm/outcome_daily", schema=self.schema), {"stage": stage})


def _funnel_columns(source: str) -> tuple[str, str]:
    try:
        return _FUNNEL_COLUMNS[source]
    except KeyError:
        raise DataValidationError(f"funnel source must be one of {', '.join(FUNNEL_SOURCES)}, "
                                  f"not {source!r}") from None


def create_dataset(workspace: Workspace, name: str, owner: str, *, source: str = "upload",
                   mappings: dict | None = None, max_bytes: int | None = None, **inputs) -> DuckDBDataset:
    """Ingest files into a new dataset of ``workspace`` and return its handle.

    ``inputs`` are the keyword inputs of :func:`attribution.ingest.load_into` (file paths or
    ``(name, bytes)`` pairs); ``max_bytes`` is its size limit (None: none, for local files; the
    app passes its upload limit). Raises :class:`~attribution.errors.DataValidationError` for
    unusable input; nothing is stored then.
    """
    from attribution.ingest import load_into

    unknown = set(inputs) - set(INPUT_ARGS)
    if unknown:
        raise TypeError(f"unknown input(s) {sorted(unknown)}; use {', '.join(INPUT_ARGS)}")

    def loader(cur, schema):
        return load_into(cur, schema, mappings=mappings, max_bytes=max_bytes, **inputs)

    main_input = next((k for k in INPUT_ARGS if k in inputs and k not in ("conversions", "spend")), None)
    dataset_id, report = workspace.create(name, owner, loader, source=source,
                                          details=json.dumps({"main_input": main_input}))
    return DuckDBDataset(workspace, dataset_id, name, report.kind, report, source, main_input)


def open_dataset(workspace: Workspace, dataset_id: str, owner: str = PUBLIC_OWNER) -> DuckDBDataset | None:
    """Reopen a catalogued dataset the owner may see, or None."""
    row = workspace.find(dataset_id, owner)
    if row is None:
        return None
    details = json.loads(row["details"]) if row["details"] else {}
    return DuckDBDataset(workspace, row["dataset_id"], row["name"], row["kind"], source=row["source"],
                         main_input=details.get("main_input"))
