"""POST /v1/mmm/fit's options that are mmm.fit's: events, freq and block_len give the library's numbers,
bad values are a 422 naming the field, and every default is the library's own."""
from __future__ import annotations

from inspect import Parameter, signature

import pandas as pd
import pytest

from attribution import budget, mmm
from attribution.api.mmm_schemas import BudgetSettings, MMMFitSpec
from tests.unit.api.conftest import HEADERS, records

CHANNELS = ["tv", "search"]
OPTIONS = {"channels": CHANNELS, "n_starts": 2, "n_fourier": 1}
BUMP = 500.0


@pytest.fixture(scope="module")
def table():
    return mmm.simulate_mmm(n_periods=60, channels=tuple(CHANNELS), seed=3).data


@pytest.fixture(scope="module")
def promo(table):
    """The table with the outcome raised by BUMP in the weeks of two promotions, and those dates."""
    bumped = table.copy()
    bumped.loc[[10, 30], "y"] += BUMP
    return bumped, [table["date"][10].strftime("%Y-%m-%d"), table["date"][30].strftime("%Y-%m-%d")]


def _fit(client, body: dict):
    return client.post("/v1/mmm/fit", headers=HEADERS, json=body)


def test_every_option_is_an_mmm_fit_parameter_with_its_default():
    params = signature(mmm.fit).parameters
    fields = MMMFitSpec.model_fields
    # every parameter but the table and the lift tests' frame (sent as `lift_tests` rows) is a field
    assert set(params) - {"df"} <= set(fields)
    for name in set(params) & set(fields):
        default = params[name].default
        if default is Parameter.empty or name in ("channels", "controls"):
            continue  # required in the API / a list there, a tuple in the library
        assert fields[name].default == default, name
    assert tuple(BudgetSettings.model_fields["pct_bounds"].default) == signature(budget.plan).parameters[
        "pct_bounds"].default


def test_events_give_the_library_s_fit_and_recover_the_bump(client, promo):
    bumped, dates = promo
    events = [{"date": d, "event": "promo"} for d in dates] + [{"date": "2030-01-01", "event": "later"}]
    got = _fit(client, {"rows": records(bumped), **OPTIONS, "events": events})
    assert got.status_code == 200, got.text
    lib = mmm.fit(bumped, **OPTIONS, events=pd.DataFrame(events))
    params = {(r["channel"], r["param"]): r["value"] for r in got.json()["params"]}
    ref = {(c, p): v for c, p, v in lib.params[["channel", "param", "value"]].itertuples(index=False)}
    assert params == pytest.approx(ref, rel=1e-9)
    # the promotion's effect is its bump (within 15 %); an event outside the table gets no effect
    assert params[("events", "promo")] == pytest.approx(BUMP, rel=0.15)
    assert ("events", "later") not in params
    plain = _fit(client, {"rows": records(bumped), **OPTIONS}).json()
    assert not any(r["channel"] == "events" for r in plain["params"])


def test_freq_matching_the_dates_changes_nothing_and_a_wrong_one_names_freq(client, table):
    body = {"rows": records(table), **OPTIONS}
    inferred, weekly = _fit(client, body).json(), _fit(client, {**body, "freq": "W"}).json()
    assert weekly["channel_summary"] == inferred["channel_summary"] and weekly["diagnostics"]["freq"] == "W"
    daily = _fit(client, {**body, "freq": "D"})
    assert daily.status_code == 422 and daily.json()["field"] == "freq"
    assert "freq='D' but the dates in 'date' are weekly" in daily.json()["detail"]
    plan = client.post("/v1/budget/optimize", headers=HEADERS, json={"fit": {**body, "freq": "D"}})
    assert plan.status_code == 422 and plan.json()["field"] == "fit.freq"
    other = _fit(client, {**body, "freq": "M"})
    assert other.status_code == 422 and other.json()["field"] == "freq"


def test_block_len_is_the_library_s_and_bounded(client, table):
    body = {"rows": records(table), **OPTIONS, "n_boot": 4, "block_len": 5}
    got = _fit(client, body)
    assert got.status_code == 200, got.text
    lib = mmm.fit(table, **OPTIONS, n_boot=4, block_len=5)
    summary = lib.channel_summary
    for column in ("roas_ci_low", "roas_ci_high"):
        assert [r[column] for r in got.json()["channel_summary"]] == pytest.approx(summary[column].tolist(), rel=1e-9)
    assert _fit(client, {**body, "block_len": 30}).status_code == 200  # half of the 60 rows
    for bad, words in ((0, "greater than or equal to 1"), (31, "31 is more than half the table's 60 rows")):
        answer = _fit(client, {**body, "block_len": bad})
        assert answer.status_code == 422 and answer.json()["field"] == "block_len"
        assert words in answer.json()["detail"]


@pytest.mark.parametrize(("events", "field", "words"), [
    ([{"date": "the day after", "event": "promo"}], "events.0.date", "valid date"),
    ([{"date": "2021-03-01", "event": ""}], "events.0.event", "at least 1 character"),
    ([{"date": "2021-03-01", "event": "promo", "colour": "red"}], "events.0.colour", "Extra inputs"),
    ([{"date": "2021-03-01"}], "events.0.event", "Field required"),
])
def test_bad_events_are_422_naming_the_field(client, table, events, field, words):
    answer = _fit(client, {"rows": records(table.head(4)), **OPTIONS, "events": events})
    assert answer.status_code == 422 and answer.json()["field"] == field and words in answer.json()["detail"]
