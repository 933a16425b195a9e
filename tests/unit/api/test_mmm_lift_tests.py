"""POST /v1/mmm/fit with lift tests: the numbers of ``mmm.fit(lift_tests=)`` and the calibration table,
and a 422 naming the field for every lift test the library (or the schema) rejects."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from attribution import mmm
from attribution.api.mmm_schemas import MAX_LIFT_TESTS
from attribution.mmm.lift import LIFT_COLUMNS, calibration_table
from tests.unit.api.conftest import HEADERS, records

CHANNELS = ["tv", "search"]
OPTIONS = {"channels": CHANNELS, "n_starts": 2, "n_fourier": 1}


@pytest.fixture(scope="module")
def rows():
    return records(mmm.simulate_mmm(n_periods=60, channels=tuple(CHANNELS), seed=3).data)


@pytest.fixture(scope="module")
def uncalibrated(rows):
    """The library's fit on exactly the rows the API receives (the service builds the same frame)."""
    return mmm.fit(pd.DataFrame(rows), **OPTIONS)


def _test_on_tv(fit, factor: float) -> dict:
    """A lift test on tv from 1000 to 1500 per period that measured ``factor`` x the uncalibrated model's change."""
    predicted = float(fit.response("tv", 1500.0) - fit.response("tv", 1000.0))
    return {"channel": "tv", "x": 1000.0, "delta_x": 500.0, "delta_y": factor * predicted, "sigma": 0.05 * predicted}


def _by_channel(rows: list[dict], column: str) -> dict:
    return {r["channel"]: r[column] for r in rows}


def test_fit_with_lift_tests_matches_the_library(client, rows, uncalibrated):
    tests = [_test_on_tv(uncalibrated, 2.0), {"channel": "search", "x": 3000.0, "delta_x": -1000.0,
                                              "delta_y": -150.0, "sigma": 60.0}]
    got = client.post("/v1/mmm/fit", headers=HEADERS, json={"rows": rows, **OPTIONS, "lift_tests": tests})
    assert got.status_code == 200, got.text
    body = got.json()
    lib = mmm.fit(pd.DataFrame(rows), **OPTIONS, lift_tests=pd.DataFrame(tests, columns=list(LIFT_COLUMNS)))
    summary = lib.channel_summary
    assert _by_channel(body["channel_summary"], "roas") == dict(zip(summary["channel"], summary["roas"], strict=True))
    ref = lib.diagnostics["lift_tests"]
    assert [r["predicted_delta_y"] for r in body["lift_tests"]] == ref["predicted_delta_y"].tolist()
    assert [r["z"] for r in body["lift_tests"]] == ref["z"].tolist()
    assert [{k: r[k] for k in LIFT_COLUMNS} for r in body["lift_tests"]] == tests
    table = calibration_table(summary, uncalibrated.channel_summary)
    for column in ("roas_uncalibrated", "roas_calibrated", "change"):
        assert _by_channel(body["calibration"], column) == dict(zip(table["channel"], table[column], strict=True))
    # the side-by-side columns are the two fits' own ROAS
    assert _by_channel(body["calibration"], "roas_uncalibrated") == dict(zip(
        uncalibrated.channel_summary["channel"], uncalibrated.channel_summary["roas"], strict=True))
    # invariant: a precise test that measured twice the uncalibrated change pulls tv's curve up, part way
    cal = {r["channel"]: r for r in body["calibration"]}
    assert cal["tv"]["roas_calibrated"] > cal["tv"]["roas_uncalibrated"]
    before = tests[0]["delta_y"] / 2
    assert before < body["lift_tests"][0]["predicted_delta_y"] < tests[0]["delta_y"]
    assert cal["tv"]["width_change"] is None  # no bootstrap, no interval widths


def test_calibration_with_intervals_and_without_comparison(client, rows, uncalibrated):
    tests = [_test_on_tv(uncalibrated, 1.5)]
    spec = {"rows": rows, **OPTIONS, "n_boot": 4, "lift_tests": tests}
    body = client.post("/v1/mmm/fit", headers=HEADERS, json=spec).json()
    frame = pd.DataFrame(rows)
    cal = mmm.fit(frame, **OPTIONS, n_boot=4, lift_tests=pd.DataFrame(tests))
    plain = mmm.fit(frame, **OPTIONS, n_boot=4)
    table = calibration_table(cal.channel_summary, plain.channel_summary)
    for column in ("roas_calibrated_ci_low", "roas_calibrated_ci_high", "roas_uncalibrated_ci_low", "width_change"):
        assert _by_channel(body["calibration"], column) == dict(zip(table["channel"], table[column], strict=True))
    alone = client.post("/v1/mmm/fit", headers=HEADERS, json={**spec, "compare_uncalibrated": False}).json()
    assert alone["calibration"] is None
    assert alone["channel_summary"] == body["channel_summary"] and alone["lift_tests"] == body["lift_tests"]


@pytest.mark.parametrize("lift_tests", [None, []])
def test_no_lift_tests_is_the_plain_fit(client, rows, uncalibrated, lift_tests):
    body = client.post("/v1/mmm/fit", headers=HEADERS, json={"rows": rows, **OPTIONS, "lift_tests": lift_tests}).json()
    assert body["lift_tests"] is None and body["calibration"] is None
    summary = uncalibrated.channel_summary
    assert _by_channel(body["channel_summary"], "roas") == dict(zip(summary["channel"], summary["roas"], strict=True))


def test_budget_plans_on_the_calibrated_fit(client, rows, uncalibrated):
    from attribution import budget

    tests = [_test_on_tv(uncalibrated, 2.0)]
    got = client.post("/v1/budget/optimize", headers=HEADERS,
                      json={"fit": {"rows": rows, **OPTIONS, "lift_tests": tests}})
    assert got.status_code == 200, got.text
    ref = budget.optimize(mmm.fit(pd.DataFrame(rows), **OPTIONS, lift_tests=pd.DataFrame(tests)))
    assert got.json()["totals"]["recommended_response"] == ref.recommended_response


GOOD = {"channel": "tv", "x": 1000.0, "delta_x": 500.0, "delta_y": 100.0, "sigma": 20.0}


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"channel": "radio"}, "lift_tests.1.channel", "'radio' is not a channel of the model"),
    ({"sigma": 0.0}, "lift_tests.1.sigma", "greater than 0"),
    ({"sigma": -3.0}, "lift_tests.1.sigma", "greater than 0"),
    ({"x": -1.0}, "lift_tests.1.x", "greater than or equal to 0"),
    ({"delta_x": 0.0}, "lift_tests.1.delta_x", "must not be 0"),
    ({"delta_x": -1500.0}, "lift_tests.1.delta_x", "x + delta_x (spend during the test) must be >= 0"),
    ({"delta_y": "a lot"}, "lift_tests.1.delta_y", "valid number"),
    ({"delta_y": 1e300}, "lift_tests.1.delta_y", "less than or equal to"),
    ({"budget": 5}, "lift_tests.1.budget", "Extra inputs are not permitted"),
])
def test_bad_lift_tests_are_422_naming_the_field(client, rows, change, field, words):
    tests = [GOOD, {**GOOD, **change}]
    for path, body in (("/v1/mmm/fit", {"rows": rows, **OPTIONS, "lift_tests": tests}),
                       ("/v1/budget/optimize", {"fit": {"rows": rows, **OPTIONS, "lift_tests": tests}})):
        got = client.post(path, headers=HEADERS, json=body)
        assert got.status_code == 422, got.text
        answer = got.json()
        assert answer["field"] == ("fit." if path == "/v1/budget/optimize" else "") + field
        assert words in answer["detail"]


def test_missing_column_and_non_finite_numbers_are_422(client, rows):
    missing = {k: v for k, v in GOOD.items() if k != "sigma"}
    got = client.post("/v1/mmm/fit", headers=HEADERS, json={"rows": rows, **OPTIONS, "lift_tests": [missing]})
    assert got.status_code == 422 and got.json()["field"] == "lift_tests.0.sigma"
    for text in ("Infinity", "NaN", "-Infinity"):  # JSON has no such numbers, but Python's parser reads them
        body = json.dumps({"rows": rows, **OPTIONS, "lift_tests": [GOOD]}).replace('"delta_y": 100.0', f'"delta_y": {text}')
        got = client.post("/v1/mmm/fit", headers={**HEADERS, "content-type": "application/json"}, content=body)
        assert got.status_code == 422, (text, got.text)
        assert got.json()["field"] == "lift_tests.0.delta_y"


def test_too_many_lift_tests_is_422(client, rows):
    tests = [GOOD] * (MAX_LIFT_TESTS + 1)
    got = client.post("/v1/mmm/fit", headers=HEADERS, json={"rows": rows, **OPTIONS, "lift_tests": tests})
    assert got.status_code == 422
    assert got.json()["field"] == "lift_tests" and f"at most {MAX_LIFT_TESTS}" in got.json()["detail"]
