"""POST /v1/mmm/fit and /v1/budget/optimize: the numbers of mmm.fit and budget.optimize on the same table."""
from __future__ import annotations

import pandas as pd
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
    # the automatic choices come as a table and sentences (the same candidates and BIC as the library's)
    selection = lib.diagnostics["selection"]
    assert [(r["step"], r["trend_segments"], r["max_lag"], r["chosen"]) for r in fit.json()["selection"]] == list(
        selection[["step", "trend_segments", "max_lag", "chosen"]].itertuples(index=False, name=None))
    assert [r["bic"] for r in fit.json()["selection"]] == pytest.approx(selection["bic"].tolist())
    assert fit.json()["choices"] == lib.diagnostics["choices"] and len(fit.json()["choices"]) == 2
    assert not {"selection", "choices"} & set(fit.json()["diagnostics"])
    plan = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": spec, "budget": {"pct_bounds": [-0.2, 0.2]}})
    assert plan.status_code == 200, plan.text
    ref = budget.optimize(lib, pct_bounds=(-0.2, 0.2))
    assert plan.json()["totals"]["recommended_response"] == pytest.approx(ref.recommended_response)
    bad = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "channels": ["radio"]})
    assert bad.status_code == 422 and "radio" in bad.json()["detail"]


def _fit_range(table) -> pd.DataFrame:
    """The rows the fit uses, by hand: the default hold-out leaves out the latest 10 % (6 of 60 weeks)."""
    return table.iloc[:len(table) - round(0.1 * len(table))]


def _seen_max(table, channel: str) -> float:
    """The most spend per period on the fit range."""
    return float(_fit_range(table)[channel].max())


def test_budget_warns_about_channels_planned_above_the_seen_range(client, table):
    spec = {"rows": records(table), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1}
    tv, search = _seen_max(table, "tv"), _seen_max(table, "search")
    # tv must spend at least 1.5 x its largest week, search at most 0.9 x its own: only tv leaves the seen range
    settings = {"total": 1.5 * tv + 0.5 * search, "pct_bounds": None,
                "bounds": {"tv": [1.5 * tv, None], "search": [None, 0.9 * search]}}
    got = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": spec, "budget": settings})
    assert got.status_code == 200, got.text
    warnings = got.json()["warnings"]
    assert [w.split(":")[0] for w in warnings] == ["tv"]
    lib = mmm.fit(pd.DataFrame(spec["rows"]), channels=["tv", "search"], n_starts=2, n_fourier=1)
    ref = budget.optimize(lib, total=settings["total"], pct_bounds=None,
                          bounds={"tv": (1.5 * tv, None), "search": (None, 0.9 * search)})
    assert warnings == list(ref.warnings)
    assert f"({tv:,.2f} per period on the fit range)" in warnings[0]


def test_budget_within_the_seen_range_has_no_warnings(client, table):
    spec = {"rows": records(table), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1}
    # +-20 % around the mean spend per period stays below each channel's largest week
    assert all(1.2 * _fit_range(table)[c].mean() < _seen_max(table, c) for c in ("tv", "search"))
    got = client.post("/v1/budget/optimize", headers=HEADERS,
                      json={"fit": spec, "budget": {"pct_bounds": [-0.2, 0.2]}})
    assert got.status_code == 200, got.text
    assert got.json()["warnings"] == []


def test_mmm_limits_are_413_and_a_single_replicate_422(make_client, table):
    from attribution.api.limits import ApiLimits

    spec = {"rows": records(table), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1}
    small = make_client(ApiLimits(max_mmm_rows=59))
    for path, body in (("/v1/mmm/fit", spec), ("/v1/budget/optimize", {"fit": spec})):
        answer = small.post(path, headers=HEADERS, json=body)
        assert answer.status_code == 413 and "rows of the table: 60 is over this server's limit of 59" in \
            answer.json()["detail"]
    client = make_client(ApiLimits(max_mmm_n_boot=3))
    boot = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "n_boot": 4})
    assert boot.status_code == 413 and "n_boot: 4 is over this server's limit of 3" in boot.json()["detail"]
    one = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "n_boot": 1})
    assert one.status_code == 422 and "at least 2" in one.json()["detail"]


def test_automatic_forms_are_the_library_s_choice(client, table):
    spec = {"rows": records(table), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1,
            "adstock": "auto", "saturation": "auto"}
    got = client.post("/v1/mmm/fit", headers=HEADERS, json=spec)
    assert got.status_code == 200, got.text
    lib = mmm.fit(pd.DataFrame(spec["rows"]), channels=["tv", "search"], n_starts=2, n_fourier=1, adstock="auto",
                  saturation="auto")
    body = got.json()
    assert (body["diagnostics"]["adstock"], body["diagnostics"]["saturation"]) == (lib.adstock, lib.saturation)
    assert body["diagnostics"]["auto_forms"] is True
    forms = {(r["adstock"], r["saturation"]) for r in body["selection"] if r["step"] == "forms"}
    assert len(forms) > 1 and (lib.adstock, lib.saturation) in forms
    assert [r["roas"] for r in body["channel_summary"]] == lib.channel_summary["roas"].tolist()


def test_a_binding_baseline_constraint_is_reported_as_numbers(client, table):
    # y moved down by its smallest value: the best baseline would go below 0 somewhere, so the level is held at 0
    low = table.assign(y=table["y"] - table["y"].min())
    spec = {"rows": records(low), "channels": ["tv", "search"], "n_starts": 2, "n_fourier": 1}
    body = client.post("/v1/mmm/fit", headers=HEADERS, json=spec).json()
    lib = mmm.fit(pd.DataFrame(spec["rows"]), channels=["tv", "search"], n_starts=2, n_fourier=1)
    relaxed = lib.diagnostics["baseline_relaxed"]
    assert relaxed is not None and body["baseline_relaxed"] == relaxed
    assert body["baseline_relaxed"]["media_free"] > body["baseline_relaxed"]["media"]  # the limit took media credit
    assert any("understated" in w for w in body["warnings"])
    plain = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "rows": records(table)}).json()
    assert plain["baseline_relaxed"] is None
