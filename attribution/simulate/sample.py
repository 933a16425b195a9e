"""The built-in sample dataset shipped in ``data/`` (made by :mod:`attribution.simulate`)."""
from __future__ import annotations

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data"
SAMPLE_NAME = "Sample: simulated multi-channel shop"
_ROLES = ("touchpoints", "conversions", "spend")


def sample_inputs() -> dict[str, Path]:
    """The sample files by role (touchpoints, conversions, spend), whatever their format."""
    found: dict[str, Path] = {}
    for role in _ROLES:
        for pattern in (f"{role}.parquet", f"{role}.csv.gz", f"{role}.csv"):
            hits = sorted(SAMPLE_DIR.glob(pattern))
            if hits:
                found[role] = hits[0]
                break
    if "touchpoints" not in found or "conversions" not in found:
        raise FileNotFoundError(f"sample data missing in {SAMPLE_DIR}: regenerate it with "
                                "`python -m attribution simulate` (see data/README.md)")
    return found


def sample_truth() -> Path | None:
    """The simulator's ground-truth file for the sample, if shipped."""
    for pattern in ("truth.csv", "truth.csv.gz", "truth.parquet"):
        hits = sorted(SAMPLE_DIR.glob(pattern))
        if hits:
            return hits[0]
    return None


def sample_daily_truth() -> Path | None:
    """The simulator's per-day, per-channel truth for the sample (spend, incremental revenue...), if shipped."""
    for pattern in ("daily_truth.parquet", "daily_truth.csv.gz", "daily_truth.csv"):
        hits = sorted(SAMPLE_DIR.glob(pattern))
        if hits:
            return hits[0]
    return None
