"""Reports on built journeys: conversion paths (GA4 style), flows, distributions, channel overlap.

Each function reads a :class:`~attribution.journeys.data.Journeys` (touch-level reports run as DuckDB
SQL over its ``touches`` frame) or, where no timestamps are needed, any
:class:`~attribution.journeys.data.PathData` (its aggregated ``paths``).
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.journeys.data import PathData
from attribution.store.sqlfiles import sql

PATH_SEPARATOR = " > "
PATH_REPORT_COLUMNS = ["path", "touchpoints", "journeys", "conversions", "non_conversions",
                       "conversion_rate", "revenue", "avg_days_to_conversion"]
CONVERTED, NOT_CONVERTED = "Conversion", "No conversion"


def query_touches(data: PathData, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Run ``sql/<name>.sql`` on the journeys' touches (registered as the view ``touches``)."""
    if not data.has_touches:
        raise DataValidationError("this report needs touch timestamps; aggregated paths have none. "
                                  "Load touchpoints and conversions (or an event log) to see it.")
    con = duckdb.connect()
    try:
        con.register("touches", data.touches[list(columns)])
        return con.execute(sql(name)).df()
    finally:
        con.close()


def path_report(data: PathData) -> pd.DataFrame:
    """Conversion paths in the style of GA4: one row per unique path.

    Returns
    -------
    DataFrame with ``path`` ("A > B > C"), ``touchpoints`` (path length), ``journeys``,
    ``conversions``, ``non_conversions``, ``conversion_rate`` (conversions / journeys), ``revenue``
    and ``avg_days_to_conversion`` (mean days from first touch to conversion over the path's
    converting journeys; NaN without conversions or without timestamps). Sorted by conversions.
    """
    if data.has_touches:
        frame = query_touches(data, "reports/path_report", ("journey_id", "position", "channel", "ts", "converted",
                                                    "revenue", "conversion_ts"))
    else:
        paths = data.paths
        frame = pd.DataFrame({
            "path": [PATH_SEPARATOR.join(p) for p in paths["path"]],
            "touchpoints": [len(p) for p in paths["path"]],
            "journeys": (paths["conversions"] + paths["nulls"]).to_numpy(),
            "conversions": paths["conversions"].to_numpy(dtype=float),
            "non_conversions": paths["nulls"].to_numpy(dtype=float),
            "revenue": paths["revenue"].to_numpy(dtype=float),
            "avg_days_to_conversion": np.nan,
        }).sort_values(["conversions", "journeys", "path"], ascending=[False, False, True], ignore_index=True)
    journeys = frame["journeys"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["conversion_rate"] = np.where(journeys > 0, frame["conversions"] / journeys, np.nan)
    return frame[PATH_REPORT_COLUMNS]


def filter_paths(report: pd.DataFrame, search: str = "", *, sort_by: str = "conversions",
                 ascending: bool = False, top: int | None = None) -> pd.DataFrame:
    """Rows of a :func:`path_report` whose path contains ``search`` (case-insensitive), sorted, cut
    to the ``top`` rows."""
    if sort_by not in PATH_REPORT_COLUMNS:
        raise DataValidationError(f"sort_by must be one of {', '.join(PATH_REPORT_COLUMNS)}, not {sort_by!r}")
    out = report
    if search.strip():
        out = out[out["path"].str.lower().str.contains(search.strip().lower(), regex=False)]
    out = out.sort_values([sort_by, "path"], ascending=[ascending, True], ignore_index=True)
    return out if top is None else out.head(top)


def sankey_links(data: PathData, steps: int = 3) -> pd.DataFrame:
    """Flows between the first ``steps`` touches of each path and its outcome.

    Nodes are named ``"<step>. <channel>"`` plus ``"Conversion"`` and ``"No conversion"``; a path
    shorter than ``steps`` flows to its outcome after its last touch, a longer one after touch
    ``steps``. Returns ``source, target, journeys, conversions`` (journeys and conversions passing
    along each link), sorted by source and largest flow.
    """
    if steps < 1:
        raise DataValidationError("a Sankey needs at least 1 step")
    paths = data.paths
    prefixes = pd.DataFrame({"prefix": [tuple(p[:steps]) for p in paths["path"]],
                             "conversions": paths["conversions"].to_numpy(dtype=float),
                             "nulls": paths["nulls"].to_numpy(dtype=float)})
    grouped = prefixes.groupby("prefix", sort=False)[["conversions", "nulls"]].sum()
    rows = []
    # one loop per unique prefix (at most channels ** steps), not per path
    for prefix, conv, nulls in zip(grouped.index, grouped["conversions"], grouped["nulls"], strict=True):
        names = [f"{i + 1}. {c}" for i, c in enumerate(prefix)]
        rows.extend((a, b, conv + nulls, conv) for a, b in zip(names[:-1], names[1:], strict=True))
        rows.append((names[-1], CONVERTED, conv, conv))
        rows.append((names[-1], NOT_CONVERTED, nulls, 0.0))
    links = pd.DataFrame(rows, columns=["source", "target", "journeys", "conversions"])
    links = links.groupby(["source", "target"], as_index=False)[["journeys", "conversions"]].sum()
    links = links[links["journeys"] > 0]
    return links.sort_values(["source", "journeys"], ascending=[True, False], ignore_index=True)


def path_length_distribution(data: PathData) -> pd.DataFrame:
    """Journeys by number of touchpoints: ``touchpoints, journeys, conversions, non_conversions,
    conversion_rate`` (NaN where there are no journeys)."""
    paths = data.paths
    frame = pd.DataFrame({"touchpoints": [len(p) for p in paths["path"]],
                          "conversions": paths["conversions"].to_numpy(dtype=float),
                          "non_conversions": paths["nulls"].to_numpy(dtype=float)})
    out = frame.groupby("touchpoints", as_index=False)[["conversions", "non_conversions"]].sum()
    out.insert(1, "journeys", out["conversions"] + out["non_conversions"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["conversion_rate"] = np.where(out["journeys"] > 0, out["conversions"] / out["journeys"], np.nan)
    return out


def time_to_conversion(data: PathData) -> pd.DataFrame:
    """Converting journeys by whole days from first touch to conversion: ``days, conversions,
    revenue, cumulative_share`` (share of conversions within that many days)."""
    frame = query_touches(data, "reports/time_to_conversion", ("journey_id", "ts", "converted", "revenue",
                                                       "conversion_ts"))
    total = frame["conversions"].sum()
    frame["cumulative_share"] = frame["conversions"].cumsum() / total if total > 0 else np.nan
    return frame


def channel_overlap(data: PathData, converted_only: bool = False) -> pd.DataFrame:
    """How often channels share a journey.

    Returns
    -------
    DataFrame, one row per ordered channel pair (``channel``, ``other``; the diagonal is the
    channel itself): ``journeys`` with both channels and ``share`` = those journeys / journeys
    with ``channel`` (NaN when it has none). ``converted_only`` counts converting journeys only.
    """
    from scipy import sparse  # here, not at import: `import attribution` does without scipy

    paths = data.paths
    weights = paths["conversions"].to_numpy(dtype=float)
    if not converted_only:
        weights = weights + paths["nulls"].to_numpy(dtype=float)
    channels = sorted({c for p in paths["path"] for c in p})
    index = {c: i for i, c in enumerate(channels)}
    rows = np.repeat(np.arange(len(paths)), [len(set(p)) for p in paths["path"]])
    cols = np.fromiter((index[c] for p in paths["path"] for c in dict.fromkeys(p)), dtype=np.int64,
                       count=len(rows))
    members = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(paths), len(channels)))
    together = (members.T @ sparse.diags(weights) @ members).toarray()
    own = np.diag(together)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(own[:, None] > 0, together / own[:, None], np.nan)
    n = len(channels)
    return pd.DataFrame({"channel": np.repeat(channels, n), "other": np.tile(channels, n),
                         "journeys": together.ravel(), "share": share.ravel()})
