"""Small simulated datasets shared by the simulator tests (built once per session: fast)."""
from __future__ import annotations

import pytest

from attribution.simulate import SimulatedData, simulate


@pytest.fixture(scope="session")
def sim() -> SimulatedData:
    """3,000 users over 120 days, seed 7."""
    return simulate(n_users=3_000, days=120, seed=7)
