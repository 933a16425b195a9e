"""Path transforms on aggregated paths (for data that has no touches)."""
from __future__ import annotations

from attribution.errors import DataValidationError
from attribution.journeys.data import PathData
from attribution.journeys.settings import TRANSFORMS


def transform_path(path: tuple[str, ...], transform: str = "none",
                   exclude_channels: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Apply channel exclusion, then ``none`` / ``collapse_repeats`` / ``unique`` to one path.

    Excluded channels (case-insensitive) are dropped unless they make up the whole path.
    """
    excluded = {c.lower() for c in exclude_channels}
    kept = tuple(c for c in path if c.lower() not in excluded) or path
    if transform == "collapse_repeats":
        return tuple(c for i, c in enumerate(kept) if i == 0 or kept[i - 1] != c)
    if transform == "unique":
        return tuple(dict.fromkeys(kept))
    if transform != "none":
        raise DataValidationError(f"path transform must be one of {', '.join(TRANSFORMS)}, not {transform!r}")
    return kept


def transform_paths(data: PathData, transform: str = "none",
                    exclude_channels: tuple[str, ...] = ()) -> PathData:
    """Transform every path and re-aggregate identical results."""
    if transform == "none" and not exclude_channels:
        return data
    frame = data.paths.copy()
    frame["path"] = [transform_path(p, transform, exclude_channels) for p in frame["path"]]
    merged = frame.groupby("path", sort=False, as_index=False)[["conversions", "revenue", "nulls"]].sum()
    return PathData(paths=merged, fingerprint=data.fingerprint, source=data.source)
