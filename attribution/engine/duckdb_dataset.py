"""A loaded dataset: canonical tables in a workspace schema, and journeys built from them.

``load(...)`` is the Python entry point (DESIGN §10): it ingests files into a private in-memory
workspace and returns a :class:`Dataset`. The app uses :func:`create_dataset` on its own
workspace instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from attribution.engine.duckdb_journeys import build_journeys, channel_rules_sql
from attribution.journeys.data import PathData
from attribution.journeys.settings import JourneySettings
from attribution.journeys.transforms import transform_paths
from attribution.store.sqlfiles import check_identifier, sql
from attribution.store.workspace import PUBLIC_OWNER, Workspace

INPUT_ARGS = ("touchpoints", "conversions", "spend", "event_log", "paths", "ihc_db", "ihc_journeys")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Handle on one dataset in a workspace; cheap to create, all data stays in DuckDB."""

    workspace: Workspace
    dataset_id: str
    name: str
    kind: str  # "journeys" (touchpoints + conversions) or "paths" (aggregated paths only)
    report: object = None  # the IngestReport of the load, when this handle made it
    source: str | None = None  # how it was loaded: "sample", "upload", "api", ... (catalogue)

    @property
    def schema(self) -> str:
        """The DuckDB schema holding this dataset's tables."""
        return check_identifier(f"ds_{self.dataset_id}")

    @property
    def fingerprint(self) -> str:
        """Stable identity for caches: a dataset never changes after loading."""
        return self.dataset_id

    @property
    def has_touches(self) -> bool:
        """True when timestamps and touches exist (not aggregated paths)."""
        return self.kind == "journeys"

    def journeys(self, settings: JourneySettings | None = None, **rules) -> PathData:
        """Journeys under the DESIGN §4 rules (``settings`` or keyword rules).

        For aggregated paths only the path rules apply (transform, excluded channels); the result
        is then a :class:`PathData` without touches.
        """
        settings = settings or JourneySettings(**rules)
        if not self.has_touches:
            return transform_paths(self.paths_data(), transform=settings.transform,
                                   exclude_channels=settings.exclude_channels)
        with self.workspace.cursor() as cur:
            return build_journeys(cur, self.schema, settings, fingerprint=self.fingerprint)

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

    def stages(self) -> list[str]:
        """Conversion stages in funnel order (most frequent first), or [] when there are none."""
        return self.stage_counts()["stage"].tolist()

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

    def table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """One canonical table as a DataFrame (``limit`` rows for previews)."""
        allowed = ("touchpoints", "conversions", "spend", "paths", "rejected")
        if name not in allowed:
            raise ValueError(f"table must be one of {', '.join(allowed)}")
        text = f"select * from {self.schema}.{name}"
        if limit is not None:
            return self.query(text + " limit $n", {"n": int(limit)})
        return self.query(text)


def create_dataset(workspace: Workspace, name: str, owner: str, *, source: str = "upload",
                   mappings: dict | None = None, max_bytes: int | None = None, **inputs) -> Dataset:
    """Ingest files into a new dataset of ``workspace`` and return its handle.

    ``inputs`` are the keyword inputs of :func:`attribution.ingest.load_into` (file paths or
    ``(name, bytes)`` pairs). Raises :class:`~attribution.errors.DataValidationError` for unusable
    input; nothing is stored then.
    """
    from attribution.ingest import load_into

    unknown = set(inputs) - set(INPUT_ARGS)
    if unknown:
        raise TypeError(f"unknown input(s) {sorted(unknown)}; use {', '.join(INPUT_ARGS)}")
    extra = {} if max_bytes is None else {"max_bytes": max_bytes}

    def loader(cur, schema):
        return load_into(cur, schema, mappings=mappings, **extra, **inputs)

    dataset_id, report = workspace.create(name, owner, loader, source=source)
    return Dataset(workspace, dataset_id, name, report.kind, report, source)


def open_dataset(workspace: Workspace, dataset_id: str, owner: str = PUBLIC_OWNER) -> Dataset | None:
    """Reopen a catalogued dataset the owner may see, or None."""
    row = workspace.find(dataset_id, owner)
    if row is None:
        return None
    return Dataset(workspace, row["dataset_id"], row["name"], row["kind"], source=row["source"])


def load(touchpoints=None, conversions=None, spend=None, *, event_log=None, paths=None, ihc_db=None,
         ihc_journeys=None, mappings: dict | None = None, name: str = "dataset",
         workspace: Workspace | None = None) -> Dataset:
    """Load data in any accepted shape (DESIGN §3) and return a :class:`Dataset`.

    Examples: ``load(touchpoints="tp.csv", conversions="conv.csv", spend="spend.csv")``,
    ``load(event_log="events.csv")``, ``load(paths="paths.csv")``, ``load(ihc_db="challenge.db")``.
    Bad input raises :class:`~attribution.errors.DataValidationError` naming file, column and row.
    """
    inputs = {k: v for k, v in dict(touchpoints=touchpoints, conversions=conversions, spend=spend,
                                    event_log=event_log, paths=paths, ihc_db=ihc_db,
                                    ihc_journeys=ihc_journeys).items() if v is not None}
    return create_dataset(workspace or Workspace(None), name, PUBLIC_OWNER, source="api",
                          mappings=mappings, **inputs)
