"""Small simulated datasets shared by the simulator tests (built once per session: fast)."""
from __future__ import annotations

import pytest

from attribution.simulate import SimulatedData, simulate


@pytest.fixture(scope="session")
def sim() -> SimulatedData:
    """12,000 users arriving over 120 days (3,000 in the market on a day), seed 7."""
    return simulate(n_users=12_000, days=120, seed=7)
