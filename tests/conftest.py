"""Shared test fixtures."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATTRIBUTION_SHARED", ROOT.parent / "shared"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test when it is absent (a user's clone has no ../shared)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"{path} not present (development-only reference data)")
    return path
