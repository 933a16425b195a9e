"""POST /v1/mmm/fit and /v1/budget/optimize: the numbers of mmm.fit and budget.optimize on the same table."""
from __future__ import annotations

import pytest

from attribution import budget, mmm
from tests.unit.api.conftest import HEADERS, records


@pytest.fixture(scope="module")
def table():
    return mmm.simulate_mmm(n_periods=60, channels=("tv", "search"), seed=3).data


def test_fit_and_budget_match_the_library(client, table):
    spec = {"rows": records(table), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1}
    fit = client.post("/v1/mmm/fit", headers=HEADERS, json=spec)
    assert fit.status_code == 200, fit.text
    lib = mmm.fit(table, channels=["tv", "search"], n_starts=2, n_fourier=1)
    got = {r["channel"]: r["contribution"] for r in fit.json()["channel_summary"]}
    assert got == pytest.approx(dict(zip(lib.channel_summary["channel"], lib.channel_summary["contribution"],
                                         strict=True)))
    plan = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": spec, "budget": {"pct_bounds": [-0.2, 0.2]}})
    assert plan.status_code == 200, plan.text
    ref = budget.optimize(lib, pct_bounds=(-0.2, 0.2))
    assert plan.json()["totals"]["recommended_response"] == pytest.approx(ref.recommended_response)
    bad = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "channels": ["radio"]})
    assert bad.status_code == 422 and "radio" in bad.json()["detail"]


def test_fit_defaults_are_the_library_s():
    # automatic trend, lag and forms, as attribution.mmm.fit and the Media mix page
    import inspect

    from attribution.api.schemas import MMMFitSpec
    lib = inspect.signature(mmm.fit).parameters
    for name in ("adstock", "saturation", "trend", "max_lag", "holdout_share", "n_fourier", "n_starts", "ci_level"):
        assert MMMFitSpec.model_fields[name].default == lib[name].default, name
    assert lib["adstock"].default == lib["saturation"].default == lib["trend"].default == "auto"
