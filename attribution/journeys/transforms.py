"""Path transforms on aggregated paths (for data that has no touches)."""
from __future__ import annotations

import dataclasses

from attribution.errors import DataValidationError
from attribution.journeys.data import JourneyStats, PathData
from attribution.journeys.settings import TRANSFORMS, JourneySettings


def transform_path(path: tuple[str, ...], transform: str = "none",
                   exclude_channels: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Apply channel exclusion, then ``none`` / ``collapse_repeats`` / ``unique`` to one path.

    Excluded channels (case-insensitive) are dropped, so a path made only of them becomes empty:
    an excluded channel never gets credit.
    """
    excluded = {c.lower() for c in exclude_channels}
    kept = tuple(c for c in path if c.lower() not in excluded)
    if transform == "collapse_repeats":
        return tuple(c for i, c in enumerate(kept) if i == 0 or kept[i - 1] != c)
    if transform == "unique":
        return tuple(dict.fromkeys(kept))
    if transform != "none":
        raise DataValidationError(f"path transform must be one of {', '.join(TRANSFORMS)}, not {transform!r}")
    return kept


def transform_paths(data: PathData, transform: str = "none", exclude_channels: tuple[str, ...] = (), *,
                    settings: JourneySettings | None = None) -> PathData:
    """Transform every path and re-aggregate identical results.

    A path that exclusion leaves empty (made only of excluded channels) is dropped: its
    conversions and revenue are conversions without a touch, counted in the result's ``stats``
    (:class:`~attribution.journeys.data.JourneyStats`), which every model and report credits on
    ``settings.no_touch_channel`` so channel totals still equal the file's conversions; its
    non-converting journeys disappear. ``settings`` (the journey settings the paths are used
    under) is kept on the result; without it the result carries the path rules given here.
    """
    if transform == "none" and not exclude_channels:
        return data if settings is None else dataclasses.replace(data, settings=settings)
    frame = data.paths.copy()
    frame["path"] = [transform_path(p, transform, exclude_channels) for p in frame["path"]]
    # (a row that was empty already is no journey the rules emptied: models skip it as before)
    emptied = frame["path"].map(len).eq(0) & data.paths["path"].map(len).gt(0)
    merged = frame[~emptied].groupby("path", sort=False, as_index=False)[["conversions", "revenue", "nulls"]].sum()
    settings = settings or JourneySettings(lookback_days=None, transform=transform,
                                           exclude_channels=tuple(exclude_channels))
    stats = None
    if emptied.any():
        journeys = merged["conversions"] + merged["nulls"]
        stats = JourneyStats(
            journeys=float(journeys.sum()), converting_journeys=float(merged["conversions"].sum()),
            touches=float((merged["path"].map(len) * journeys).sum()),
            conversions_counted=float(data.paths["conversions"].sum()),
            conversions_without_touches=float(frame.loc[emptied, "conversions"].sum()),
            revenue_without_touches=float(frame.loc[emptied, "revenue"].sum()))
    return PathData(paths=merged, fingerprint=data.fingerprint, source=data.source, load_spend=data.load_spend,
                    settings=settings, stats=stats)
