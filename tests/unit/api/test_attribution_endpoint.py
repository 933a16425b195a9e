"""POST /v1/attribution: the same numbers as at.compare / at.bootstrap, and clear 413/422 errors."""
from __future__ import annotations

import pandas as pd
import pytest

import attribution as at
from attribution.api.service import ApiLimits
from tests.unit.api.conftest import HEADERS, records

MODELS = ["first_touch", "last_touch", "linear", "position_based", "time_decay", "markov", "shapley"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """200 simulated users as Parquet files (what at.load reads) and as request records."""
    data = at.simulate(n_users=200, days=30, seed=5)
    out = tmp_path_factory.mktemp("api_sim")
    data.touchpoints.to_parquet(out / "tp.parquet", index=False)
    data.conversions.to_parquet(out / "conv.parquet", index=False)
    return {"tp": out / "tp.parquet", "conv": out / "conv.parquet",
            "body": {"touchpoints": records(data.touchpoints), "conversions": records(data.conversions)}}


def _credit(answer: dict) -> pd.DataFrame:
    return pd.DataFrame(answer["credit"]).sort_values(["model", "channel"], ignore_index=True)


def _assert_same(api: pd.DataFrame, lib: pd.DataFrame, columns: list[str]) -> None:
    lib = lib.sort_values(["model", "channel"], ignore_index=True)
    assert list(api["model"]) == list(lib["model"]) and list(api["channel"]) == list(lib["channel"])
    for col in columns:
        assert api[col].to_numpy() == pytest.approx(lib[col].to_numpy(dtype=float), rel=1e-12, abs=1e-12), col


def test_touch_input_gives_the_numbers_of_at_compare(client, sim):
    rules = {"lookback_days": 14, "transform": "collapse_repeats"}
    answer = client.post("/v1/attribution", headers=HEADERS,
                         json={**sim["body"], "models": MODELS, "journey_rules": rules,
                               "params": {"time_decay": {"half_life_days": 3}, "markov": {"order": 2}}})
    assert answer.status_code == 200, answer.text
    j = at.load(touchpoints=sim["tp"], conversions=sim["conv"]).journeys(lookback_days=14, transform="collapse_repeats")
    lib = pd.concat([at.run_model(m, j, **p) for m, p in
                     [(m, {"time_decay": {"half_life_days": 3.0}, "markov": {"order": 2}}.get(m, {})) for m in MODELS]])
    got = answer.json()
    _assert_same(_credit(got), lib, ["conversions", "revenue", "share"])
    # counted conversions: the converting journeys plus those without a touch in their 14-day window
    assert got["total_conversions"] == pytest.approx(j.stats.conversions_counted)
    assert got["conversions_without_touch"] == j.stats.conversions_without_touches > 0
    assert got["journeys"] == j.stats.journeys and got["rejected"] == []
    # invariants: per model the credit adds up to the counted conversions and shares to 1
    credit = _credit(got).groupby("model")[["conversions", "share"]].sum()
    assert credit["conversions"].to_numpy() == pytest.approx(j.stats.conversions_counted)
    assert credit["share"].to_numpy() == pytest.approx(1.0)


def test_default_rules_and_models_match_at_compare(client, sim):
    answer = client.post("/v1/attribution", headers=HEADERS, json={**sim["body"], "models": ["markov", "linear"]})
    lib = at.compare(at.load(touchpoints=sim["tp"], conversions=sim["conv"]).journeys(), models=["markov", "linear"])
    _assert_same(_credit(answer.json()), lib, ["conversions", "revenue", "share"])


def test_bootstrap_intervals_are_those_of_at_bootstrap(client, sim):
    answer = client.post("/v1/attribution", headers=HEADERS,
                         json={**sim["body"], "models": ["first_touch", "markov"], "n_boot": 12, "level": 0.9,
                               "seed": 7})
    assert answer.status_code == 200, answer.text
    j = at.load(touchpoints=sim["tp"], conversions=sim["conv"]).journeys()
    lib = at.bootstrap(j, ["first_touch", "markov"], n_boot=12, level=0.9, seed=7)
    _assert_same(_credit(answer.json()), lib, ["conversions", "share", "ci_low", "ci_high", "share_ci_low",
                                               "share_ci_high", "revenue_ci_low", "revenue_ci_high"])
    assert answer.json()["n_boot"] == 12 and answer.json()["level"] == 0.9


def test_aggregated_paths_worked_by_hand(client):
    # a > b converts twice (20.0), b once (5.0), b > a never (3 nulls); duplicate rows add up
    paths = [{"path": ["a", "b"], "conversions": 1, "revenue": 10}, {"path": ["a", "b"], "conversions": 1, "revenue": 10},
             {"path": ["b"], "conversions": 1, "revenue": 5}, {"path": ["b", "a"], "conversions": 0, "nulls": 3}]
    got = client.post("/v1/attribution", headers=HEADERS,
                      json={"paths": paths, "models": ["first_touch", "last_touch", "linear"]}).json()
    credit = {(r["model"], r["channel"]): (r["conversions"], r["revenue"]) for r in got["credit"]}
    assert credit == {("first_touch", "a"): (2.0, 20.0), ("first_touch", "b"): (1.0, 5.0),
                      ("last_touch", "a"): (0.0, 0.0), ("last_touch", "b"): (3.0, 25.0),
                      ("linear", "a"): (1.0, 10.0), ("linear", "b"): (2.0, 15.0)}
    assert got["total_conversions"] == 3.0 and got["total_revenue"] == 25.0 and got["journeys"] is None


def test_paths_with_an_excluded_channel_and_a_time_model(client):
    paths = [{"path": ["a", "Direct"], "conversions": 2}, {"path": ["b"], "conversions": 1}]
    got = client.post("/v1/attribution", headers=HEADERS,
                      json={"paths": paths, "models": ["last_touch"], "journey_rules": {"exclude_channels": ["direct"]}})
    assert {r["channel"]: r["conversions"] for r in got.json()["credit"]} == {"a": 2.0, "b": 1.0}
    timed = client.post("/v1/attribution", headers=HEADERS, json={"paths": paths, "models": ["time_decay"]})
    assert timed.status_code == 422 and "needs touch timestamps" in timed.json()["detail"]


def test_rows_the_library_rejects_are_counted_by_reason(client):
    tps = [{"user_id": "u1", "ts": "2024-01-01T10:00:00", "channel": "email"},
           {"user_id": "u1", "ts": "2024-01-01T10:00:00", "channel": "email"},  # duplicate
           {"user_id": "u2", "ts": "2024-01-02T10:00:00+02:00", "channel": "seo"}]
    convs = [{"user_id": "u1", "ts": "2024-01-02T10:00:00", "revenue": 10}, {"user_id": "u2", "ts": "2024-01-02T09:00:00Z"}]
    got = client.post("/v1/attribution", headers=HEADERS, json={"touchpoints": tps, "conversions": convs,
                                                                "models": ["last_touch"]}).json()
    assert [(r["input"], r["rows"]) for r in got["rejected"]] == [("touchpoints", 1)]
    assert "duplicate" in got["rejected"][0]["reason"]
    # u2's touch at 08:00 UTC is before the conversion at 09:00 UTC: two converting journeys
    assert {r["channel"]: r["conversions"] for r in got["credit"]} == {"email": 1.0, "seo": 1.0}


@pytest.mark.parametrize(("body", "status", "field", "words"), [
    ({"paths": [{"path": ["a"], "conversions": -1}]}, 422, "paths.0.conversions", "greater than or equal to 0"),
    ({"paths": [{"path": [], "conversions": 1}]}, 422, "paths.0.path", "at least 1 item"),
    # 1e308 conversions in a row would make the totals infinite (found by schemathesis)
    ({"paths": [{"path": ["a"], "conversions": 1e308}]}, 422, "paths.0.conversions", "less than or equal to 1000000000000000"),
    ({"paths": [{"path": ["a"], "conversions": 1, "colour": 1}]}, 422, "paths.0.colour", "Extra inputs"),
    ({"touchpoints": [{"user_id": "u", "ts": "yesterday", "channel": "a"}],
      "conversions": [{"user_id": "u", "ts": "2024-01-01T00:00:00"}]}, 422, "touchpoints.0.ts", "datetime"),
    ({"paths": [{"path": ["a"], "conversions": 1}], "models": ["nope"]}, 422, None, "unknown model 'nope'"),
    ({"paths": [{"path": ["a"], "conversions": 1}], "models": ["markov"], "params": {"markov": {"depth": 2}}},
     422, None, "markov has no parameter(s) depth"),
    ({"paths": [{"path": ["a"], "conversions": 1}], "models": ["markov"], "params": {"markov": {"order": "x"}}},
     422, None, "markov.order must be a number"),
    ({"paths": [{"path": ["a"], "conversions": 1}], "models": ["linear"], "n_boot": 1}, 422, None, "at least 2"),
    ({"paths": [{"path": ["a"], "conversions": 0, "nulls": 2}], "models": ["linear"]}, 422, "conversions",
     "no conversions are left"),
    ({"touchpoints": [{"user_id": "u", "ts": "2024-01-01T00:00:00", "channel": "a"}]}, 422, "conversions",
     "conversions is empty or missing"),
    ({}, 422, "paths", "send either touchpoints and conversions, or paths"),
    ({"paths": [{"path": ["a"], "conversions": 1}], "journey_rules": {"transform": "reverse"}}, 422,
     "journey_rules.transform", "'none', 'collapse_repeats' or 'unique'"),
])
def test_bad_requests_are_422_naming_the_field(client, body, status, field, words):
    answer = client.post("/v1/attribution", headers=HEADERS, json=body)
    assert answer.status_code == status, answer.text
    got = answer.json()
    assert set(got) == {"error", "detail", "field"} and words in got["detail"]
    assert got["field"] == field
    assert "Traceback" not in answer.text


def test_limits_are_413_with_the_limit_named(make_client):
    small = make_client(ApiLimits(max_rows=3, max_body_bytes=2000))
    paths = [{"path": ["a"], "conversions": 1}] * 4
    answer = small.post("/v1/attribution", headers=HEADERS, json={"paths": paths, "models": ["linear"]})
    assert answer.status_code == 413 and "4 is over this server's limit of 3" in answer.json()["detail"]
    big = small.post("/v1/attribution", headers=HEADERS, content=b"{" + b" " * 3000 + b"}",
                     params={}, )
    assert big.status_code == 413 and "limit of 2,000 bytes" in big.json()["detail"]
    boot = make_client().post("/v1/attribution", headers=HEADERS,
                              json={"paths": paths, "models": ["linear"], "n_boot": 5000})
    assert boot.status_code == 413 and "n_boot" in boot.json()["detail"]


@pytest.mark.parametrize(("body", "where"), [(b"{nope", 1), (b'{"paths": [', 11), (b'{"paths": []} x', 14)])
def test_a_body_that_is_not_json_is_a_422_on_the_body_saying_where(client, body, where):
    answer = client.post("/v1/attribution", headers={**HEADERS, "content-type": "application/json"}, content=body)
    assert answer.status_code == 422 and answer.json()["error"] == "invalid request"
    assert answer.json()["field"] == "body"
    assert answer.json()["detail"].startswith(f"body: not valid JSON (at character {where}: ")


def test_json_of_the_wrong_shape_or_without_a_json_content_type_is_a_422(client):
    body = b'{"paths": [{"path": ["a"], "conversions": 1}], "models": ["linear"]}'
    assert client.post("/v1/attribution", headers={**HEADERS, "content-type": "application/json"},
                       content=body).status_code == 200
    for content, kind in ((b"[1, 2]", "application/json"), (body, "text/plain")):
        answer = client.post("/v1/attribution", headers={**HEADERS, "content-type": kind}, content=content)
        assert answer.status_code == 422 and answer.json()["field"] == "body"
        assert "valid dictionary" in answer.json()["detail"]


def test_a_body_that_is_not_text_is_a_400_and_a_wrong_method_a_405_with_allow(client):
    answer = client.post("/v1/attribution", headers={**HEADERS, "content-type": "application/json"}, content=b"\xe4\n&")
    assert answer.status_code == 400 and answer.json()["error"] == "bad request"
    wrong = client.request("TRACE", "/v1/attribution", headers=HEADERS)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST" and wrong.json()["error"] == "method not allowed"
