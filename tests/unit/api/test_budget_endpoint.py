"""POST /v1/budget/optimize: every mode of budget.plan, per-channel relative bounds and the forecast,
with the numbers of the library on the same fit, and a 422 naming the field for each bad setting."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution import budget, mmm
from attribution.defaults import BUDGET_PCT_BOUNDS
from tests.unit.api.conftest import HEADERS, records

CHANNELS = ["tv", "search"]
OPTIONS = {"channels": CHANNELS, "n_starts": 2, "n_fourier": 1}


@pytest.fixture(scope="module")
def table():
    return mmm.simulate_mmm(n_periods=60, channels=tuple(CHANNELS), seed=3).data


@pytest.fixture(scope="module")
def spec(table):
    return {"rows": records(table), **OPTIONS}


@pytest.fixture(scope="module")
def lib(table):
    """The library's fit on the rows the API receives."""
    return mmm.fit(table, **OPTIONS)


def _plan(client, spec, settings: dict) -> dict:
    got = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": spec, "budget": settings})
    assert got.status_code == 200, got.text
    return got.json()


def _spend(body: dict) -> dict[str, float]:
    return {r["channel"]: r["recommended_spend"] for r in body["allocation"]}


def _ref_spend(plan: budget.BudgetResult) -> dict[str, float]:
    return dict(zip(plan.allocation["channel"], plan.allocation["recommended_spend"], strict=True))


def test_a_request_without_a_mode_is_the_split_of_the_current_total(client, spec, lib):
    body = _plan(client, spec, {})
    ref = budget.optimize(lib)
    assert body["mode"] == "budget" and body["forecast"] is None
    assert _spend(body) == pytest.approx(_ref_spend(ref), rel=1e-9)
    assert body["totals"]["recommended_response"] == pytest.approx(ref.recommended_response, rel=1e-9)
    # the current total is split: spend is moved, not added
    assert sum(_spend(body).values()) == pytest.approx(sum(lib.current_spend.values()), rel=1e-6)


def test_marginal_roas_mode_spends_until_the_last_unit_returns_the_target(client, spec, lib):
    # on this table a unit of spend returns 0.19 to 0.37 of a unit of outcome at the current spend
    body = _plan(client, spec, {"mode": "marginal_roas", "target_marginal_roas": 0.2, "pct_bounds": None})
    ref = budget.plan(lib, "marginal_roas", 0.2, pct_bounds=None)
    assert _spend(body) == pytest.approx(_ref_spend(ref), rel=1e-9)
    inside = [r for r in body["allocation"] if r["lower"] < r["recommended_spend"] < r["upper"]]
    assert inside  # a channel strictly inside its bounds returns exactly the target at the margin
    for row in inside:
        assert row["recommended_marginal_roas"] == pytest.approx(0.2, rel=1e-3)


def test_response_mode_finds_the_least_spend_that_reaches_the_target(client, spec, lib):
    target = 1.1 * budget.optimize(lib).current_response
    body = _plan(client, spec, {"mode": "response", "target_response": target})
    ref = budget.plan(lib, "response", target)
    assert _spend(body) == pytest.approx(_ref_spend(ref), rel=1e-9)
    assert body["totals"]["recommended_response"] >= target * (1 - 1e-6)
    assert body["totals"]["recommended_response"] == pytest.approx(target, rel=1e-3)  # not more than needed


def test_channel_pct_bounds_replace_the_common_pair_for_their_channels(client, spec, lib):
    body = _plan(client, spec, {"channel_pct_bounds": {"tv": [-0.1, 0.1]}})
    ref = budget.optimize(lib, pct_bounds={"tv": (-0.1, 0.1), "search": BUDGET_PCT_BOUNDS})
    assert _spend(body) == pytest.approx(_ref_spend(ref), rel=1e-9)
    rows = {r["channel"]: r for r in body["allocation"]}
    assert rows["tv"]["lower"] == pytest.approx(0.9 * lib.current_spend["tv"])
    assert rows["tv"]["upper"] == pytest.approx(1.1 * lib.current_spend["tv"])
    assert rows["search"]["lower"] == pytest.approx((1 + BUDGET_PCT_BOUNDS[0]) * lib.current_spend["search"])
    # with no common pair only the named channel has a relative bound
    alone = _plan(client, spec, {"pct_bounds": None, "channel_pct_bounds": {"tv": [-0.1, 0.1]}})
    ref = budget.optimize(lib, pct_bounds={"tv": (-0.1, 0.1)})
    assert _spend(alone) == pytest.approx(_ref_spend(ref), rel=1e-9)
    assert {r["channel"]: r["lower"] for r in alone["allocation"]}["search"] == 0.0


def test_forecast_periods_returns_the_library_s_forecast_of_the_plan(client, spec, lib, table):
    body = _plan(client, spec, {"pct_bounds": [-0.2, 0.2], "forecast_periods": 8})
    plan = budget.optimize(lib, pct_bounds=(-0.2, 0.2))
    ref = budget.forecast(lib, table, plan.recommended_per_period, 8, date="date", seed=0)
    got = pd.DataFrame(body["forecast"])
    assert list(got.columns) == list(ref.columns) and len(got) == 8
    assert got["date"].tolist() == ref["date"].dt.strftime("%Y-%m-%d").tolist()
    assert pd.Timestamp(got["date"].iloc[0]) == table["date"].max() + pd.Timedelta(weeks=1)
    for column in ref.columns.drop("date"):
        assert got[column].tolist() == pytest.approx(ref[column].tolist(), rel=1e-9), column
    # invariants: the outcome is the baseline plus media, inside its interval
    assert (got["outcome"] - got["baseline"] - got["media"]).abs().max() < 1e-6 * got["outcome"].abs().max()
    assert ((got["outcome_ci_low"] <= got["outcome"]) & (got["outcome"] <= got["outcome_ci_high"])).all()


def test_a_plan_spends_the_same_per_period_whatever_its_length():
    one = budget.BudgetResult(allocation=pd.DataFrame({"channel": ["a", "b"], "recommended_spend": [30.0, 12.0]}),
                              current_spend=0, recommended_spend=0, current_response=0, recommended_response=0, lift=0,
                              lift_pct=0, lift_ci_low=0, lift_ci_high=0, periods=3, objective="response", ci_level=0.9)
    assert one.recommended_per_period == {"a": 10.0, "b": 4.0}


@pytest.mark.parametrize(("settings", "field", "words"), [
    ({"mode": "profit"}, "budget.mode", "'budget', 'marginal_roas' or 'response'"),
    ({"mode": "marginal_roas"}, "budget.target_marginal_roas", "mode 'marginal_roas' needs target_marginal_roas"),
    ({"mode": "response"}, "budget.target_response", "mode 'response' needs target_response"),
    ({"target_response": 100}, "budget.target_response", "target_response is for mode 'response'"),
    ({"mode": "response", "target_response": 100, "total": 50}, "budget.total", "total is for mode 'budget'"),
    ({"mode": "marginal_roas", "target_marginal_roas": 0}, "budget.target_marginal_roas", "greater than 0"),
    ({"pct_bounds": [0.2, -0.1]}, "budget.pct_bounds", "low 0.2 is above high -0.1"),
    ({"channel_pct_bounds": {"tv": [-2, 0]}}, "budget.channel_pct_bounds.tv.0", "greater than or equal to -1"),
    ({"forecast_periods": 0}, "budget.forecast_periods", "greater than or equal to 1"),
])
def test_bad_settings_are_422_naming_the_field(client, spec, settings, field, words):
    got = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": spec, "budget": settings})
    assert got.status_code == 422, got.text
    assert got.json()["field"] == field and words in got.json()["detail"]


def test_settings_the_fit_refutes_are_422(client, spec, lib):
    got = client.post("/v1/budget/optimize", headers=HEADERS,
                      json={"fit": spec, "budget": {"channel_pct_bounds": {"radio": [-0.1, 0.1]}}})
    assert got.status_code == 422 and got.json()["field"] == "budget.channel_pct_bounds"
    assert "radio" in got.json()["detail"] and "tv, search" in got.json()["detail"]
    # at the upper bounds (+50 % of current spend) the model cannot reach ten times today's response
    far = 10 * budget.optimize(lib).current_response
    got = client.post("/v1/budget/optimize", headers=HEADERS,
                      json={"fit": spec, "budget": {"mode": "response", "target_response": far}})
    assert got.status_code == 422 and "out of reach" in got.json()["detail"]


def test_random_settings_are_answered_never_a_server_error(client, spec):
    """Hypothesis draws budget settings (every mode, amounts, bounds, relative bounds, locks, forecasts) on
    one fit: each answer is a 200 that keeps its bounds, or a 422/413 with the JSON error, never a 500."""
    hypothesis = pytest.importorskip("hypothesis", reason="hypothesis comes with schemathesis (requirements-api.txt)")
    st = hypothesis.strategies
    quick = {**spec, "n_starts": 1, "trend": 1, "max_lag": 4}  # no model selection: the settings are under test
    amount = st.floats(0, 30000)
    pair = st.tuples(st.floats(-1.5, 1), st.floats(-0.5, 3)).map(sorted)
    # a mode with its own amount (a mode with another's amount is a 422 before any work: tested above)
    plan = st.one_of(st.fixed_dictionaries({"mode": st.just("marginal_roas"), "target_marginal_roas": st.floats(0.01, 3)}),
                     st.fixed_dictionaries({"mode": st.just("response"), "target_response": amount}),
                     st.fixed_dictionaries({}, optional={"mode": st.just("budget"), "total": amount}))
    rest = st.fixed_dictionaries({}, optional={
        "pct_bounds": st.one_of(st.none(), pair), "channel_pct_bounds": st.dictionaries(st.sampled_from(CHANNELS), pair),
        "bounds": st.dictionaries(st.sampled_from(CHANNELS), st.tuples(st.one_of(st.none(), amount),
                                                                       st.one_of(st.none(), amount))),
        "locked": st.lists(st.sampled_from(CHANNELS), max_size=2), "periods": st.integers(1, 13)})
    ahead = st.one_of(st.integers(1, 13).map(lambda n: {"forecast_periods": n}), st.just({}))
    settings = st.builds(lambda a, b, c: {**a, **b, **c}, plan, rest, ahead)

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(settings)
    def check(budget_settings):
        got = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": quick, "budget": budget_settings})
        assert got.status_code in (200, 413, 422), got.text
        if got.status_code != 200:
            assert set(got.json()) == {"error", "detail", "field"}
            return
        body = got.json()
        for row in body["allocation"]:
            assert row["lower"] * (1 - 1e-9) - 1e-6 <= row["recommended_spend"] <= row["upper"] * (1 + 1e-9) + 1e-6
        n = budget_settings.get("forecast_periods")
        assert (body["forecast"] is None) if n is None else (len(body["forecast"]) == n)

    check()
