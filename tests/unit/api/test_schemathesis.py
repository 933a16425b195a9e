"""Schemathesis against our own OpenAPI document: every operation, bounded examples, no 500s.

Schemathesis reads ``/openapi.json`` from the ASGI app (no server, no network) and generates
requests that fit the document and requests that break it. Every answer must be one the document
promises: no 5xx (``not_a_server_error``), a declared status code and content type, a body of the
declared schema, and a 405 with ``Allow`` for an undeclared method. Two checks are left out on
purpose: schema-valid requests may still be refused with 422 by the library's data rules (a model
name the registry does not know, touches without conversions), and the schema admits some values
pydantic coerces (``1`` for ``true``).

Random text almost never names a registered model, and a random body almost never holds exactly
one input shape whose users both touch and convert, so in the fuzzing phase the attribution bodies
are steered (a ``before_generate_body`` hook): models drawn from the registry, few bootstrap
replicates, and mostly real small paths or journeys under the generated journey rules, so requests
reach the models themselves, not only the validation.

The media-mix bodies are steered the same way: a real weekly table (random rows never form one), few
starts and replicates, mostly valid lift tests and events on its channels and dates, and (budget) a
plan mode with its own amount, per-channel bounds on its channels and a short forecast, so requests
reach the fit, the calibration, every plan mode and the forecast with the generated options.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is missing (pip install -r requirements-api.txt)")

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

from attribution.api.server import create_app  # noqa: E402
from attribution.mmm import simulate_mmm  # noqa: E402
from attribution.models.registry import MODELS  # noqa: E402
from tests.unit.api.conftest import HEADERS, TEST_KEYS  # noqa: E402

MAX_EXAMPLES = 60  # per operation

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(TEST_KEYS))

# real journeys for the steered attribution bodies: few users and channels, so touches meet conversions
CHANNELS = st.sampled_from(["Search", "Email", "Display", "Social"])
USERS = st.sampled_from([f"u{i}" for i in range(6)])
WHEN = st.datetimes(datetime(2024, 1, 1), datetime(2024, 3, 1)).map(datetime.isoformat)
PATHS = st.lists(st.fixed_dictionaries({
    "path": st.lists(CHANNELS, min_size=1, max_size=5), "conversions": st.integers(0, 5),
    "nulls": st.integers(0, 5), "revenue": st.floats(0, 100)}), min_size=1, max_size=8)
TOUCHES = st.lists(st.fixed_dictionaries({"user_id": USERS, "ts": WHEN, "channel": CHANNELS}), min_size=1, max_size=20)
CONVERSIONS = st.lists(st.fixed_dictionaries({"user_id": USERS, "ts": WHEN, "revenue": st.floats(0, 100)}),
                       min_size=1, max_size=6)
INPUTS = st.one_of(st.none(), st.builds(lambda p: {"paths": p}, PATHS),
                   st.builds(lambda t, c: {"touchpoints": t, "conversions": c}, TOUCHES, CONVERSIONS))


def _steer(body, inputs: dict | None, models: list[str], n_boot: int, keep_params: bool):
    """The generated body with real journeys or paths (``inputs``; None keeps the generated ones),
    registered models, few replicates and, half the time, default parameters."""
    if not isinstance(body, dict):
        return body
    body = {**body, "models": models, "n_boot": n_boot}
    if inputs is not None:
        body = {k: v for k, v in body.items() if k not in ("paths", "touchpoints", "conversions")} | inputs
    if not keep_params:
        body.pop("params", None)
    return body


@schema.hook("before_generate_body")
def steer_attribution_bodies(context, strategy):
    """On /v1/attribution (fuzzing phase): see :func:`_steer`."""
    if context.operation is None or context.operation.path != "/v1/attribution":
        return strategy
    models = st.lists(st.sampled_from(sorted(MODELS)), min_size=1, max_size=3, unique=True)
    return st.builds(_steer, strategy, INPUTS, models, st.sampled_from([0, 2, 3]), st.booleans())


# a real weekly table for the steered media-mix bodies (the same for every example: fits are the slow part)
MMM_ROWS = [{"date": d.strftime("%Y-%m-%d"), "y": y, "tv": tv, "search": se} for d, y, tv, se in
            simulate_mmm(n_periods=80, channels=("tv", "search"), seed=1).data.itertuples(index=False)]
MMM_DATES = (date.fromisoformat(MMM_ROWS[0]["date"]), date.fromisoformat(MMM_ROWS[-1]["date"]) + timedelta(weeks=8))
# mostly valid lift tests; some name another channel or cut spend below 0 (the library's checks)
LIFT = st.lists(st.fixed_dictionaries({
    "channel": st.sampled_from(["tv", "search", "tv", "search", "radio"]), "x": st.floats(0, 5000),
    "delta_x": st.one_of(st.floats(1, 3000), st.floats(-3000, -1)), "delta_y": st.floats(-1000, 1000),
    "sigma": st.floats(1, 500)}), min_size=1, max_size=3)


# The steered parts come first in each one_of: hypothesis draws early branches more often in a short
# derandomized run, and the point is to reach the library; None (keep the generated value) comes last.
# events on the table's dates (and a few beyond it, which the library ignores)
EVENTS = st.one_of(st.lists(st.fixed_dictionaries({
    "date": st.dates(MMM_DATES[0], MMM_DATES[1]).map(str), "event": st.sampled_from(["promo", "holiday"])}),
    min_size=1, max_size=4), st.none())
# a plan mode with its own amount (the generated settings mostly pair a mode with another mode's amount)
PLANS = st.one_of(st.sampled_from([{"mode": "marginal_roas", "target_marginal_roas": m} for m in (0.1, 0.3, 1.0)]),
                  st.builds(lambda r: {"mode": "response", "target_response": r}, st.floats(0, 20000)),
                  st.builds(lambda x: {"mode": "budget", "total": x}, st.floats(0, 20000)),
                  st.just({"mode": "budget"}), st.none())
PCT = st.tuples(st.floats(-1, 0.5), st.floats(0, 2)).map(sorted)
CHANNEL_PCT = st.one_of(st.dictionaries(st.sampled_from(["tv", "search"]), PCT, max_size=2), st.none())


def _steer_fit(spec, lift: list | None, n_boot: int, events: list | None = None):
    """A generated fit spec on the real table, few replicates and starts, lift tests on its channels
    (some out of range or naming another channel, so the library's checks are reached too) and events."""
    if not isinstance(spec, dict):
        return spec
    return {**spec, "rows": MMM_ROWS, "date": "date", "target": "y", "channels": ["tv", "search"], "controls": [],
            "n_boot": n_boot, "n_starts": 1, "lift_tests": lift, "events": events}


def _steer_budget(body, lift: list | None, n_boot: int, events: list | None, plan: dict | None,
                  channel_pct: dict | None, forecast: int | None):
    """A generated budget body on a steered fit; ``plan`` (a mode and its amount), ``channel_pct``
    (bounds on the table's channels) and ``forecast`` replace the generated ones when not None."""
    if not isinstance(body, dict):
        return body
    settings = body.get("budget", {})
    if isinstance(settings, dict):
        settings = dict(settings)
        if plan is not None:
            settings = {k: v for k, v in settings.items() if k not in ("total", "target_marginal_roas",
                                                                      "target_response")} | plan
        if channel_pct is not None:
            settings["channel_pct_bounds"] = channel_pct
        if forecast is not None:
            settings["forecast_periods"] = forecast
    return {**body, "fit": _steer_fit(body.get("fit", {}), lift, n_boot, events), "budget": settings}


@schema.hook("before_generate_body")
def steer_media_mix_bodies(context, strategy):
    """On /v1/mmm/fit and /v1/budget/optimize (fuzzing phase): see :func:`_steer_fit` and :func:`_steer_budget`."""
    path = context.operation.path if context.operation is not None else None
    lift, boots = st.one_of(st.none(), LIFT), st.sampled_from([0, 2])
    if path == "/v1/mmm/fit":
        return st.builds(_steer_fit, strategy, lift, boots, EVENTS)
    if path == "/v1/budget/optimize":
        return st.builds(_steer_budget, strategy, lift, boots, EVENTS, PLANS, CHANNEL_PCT,
                         st.one_of(st.integers(1, 12), st.none()))
    return strategy


def test_every_operation_is_in_the_document():
    assert {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())} == {
        ("GET", "/healthz"), ("POST", "/v1/attribution"), ("POST", "/v1/compute_ihc"), ("POST", "/v1/mmm/fit"),
        ("POST", "/v1/budget/optimize")}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_answers_as_documented(case):
    case.call_and_validate(headers=HEADERS, excluded_checks=[positive_data_acceptance, negative_data_rejection])
