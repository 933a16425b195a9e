"""One set of defaults (attribution/defaults.py) across the library, the CLI, the API and the app,
stated in the README and in `--help`."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from attribution import budget, mmm
from attribution.cli import build_parser, main
from attribution.defaults import (
    BUDGET_PCT_BOUNDS,
    CONVERSION_STAGE,
    INTERVAL_LEVEL,
    MMM_HOLDOUT_SHARE,
    describe,
)
from attribution.journeys.settings import JourneySettings
from attribution.models import logistic_coefficients
from attribution.uncertainty import bootstrap, summarise

ROOT = Path(__file__).resolve().parents[2]


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def test_the_chosen_values():
    # every conversion, 95 % intervals, a 10 % media-mix hold-out, ±50 % budget bounds
    assert (CONVERSION_STAGE, INTERVAL_LEVEL, MMM_HOLDOUT_SHARE, BUDGET_PCT_BOUNDS) == (None, 0.95, 0.1, (-0.5, 0.5))


def test_the_library_uses_them():
    assert JourneySettings().stage == CONVERSION_STAGE
    for func in (bootstrap, summarise, logistic_coefficients):
        assert _default(func, "level") == INTERVAL_LEVEL, func.__name__
    assert _default(mmm.fit, "ci_level") == INTERVAL_LEVEL
    assert _default(mmm.fit, "holdout_share") == MMM_HOLDOUT_SHARE
    assert mmm.MMMResult.__dataclass_fields__["ci_level"].default == INTERVAL_LEVEL
    for func in (budget.optimize, budget.spend_for_target, budget.plan):
        assert _default(func, "pct_bounds") == BUDGET_PCT_BOUNDS, func.__name__


def test_the_cli_uses_and_states_them(capsys):
    args = build_parser().parse_args(["run", "--out", "x"])
    assert args.level == INTERVAL_LEVEL and args.stage == CONVERSION_STAGE
    with pytest.raises(SystemExit):
        main(["--help"])
    assert describe() in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert f"(default {INTERVAL_LEVEL})" in capsys.readouterr().out


def test_the_api_uses_them():
    pytest.importorskip("pydantic", reason="the API extra is not installed")
    from attribution.api import mmm_schemas, schemas

    fields = {name: cls.model_fields for module in (schemas, mmm_schemas) for name, cls in vars(module).items()
              if hasattr(cls, "model_fields")}
    assert fields["AttributionRequest"]["level"].default == INTERVAL_LEVEL
    assert fields["JourneyRules"]["stage"].default == CONVERSION_STAGE
    mmm_fields = fields["MMMFitSpec"]
    assert mmm_fields["holdout_share"].default == MMM_HOLDOUT_SHARE
    assert mmm_fields["ci_level"].default == INTERVAL_LEVEL
    assert tuple(fields["BudgetSettings"]["pct_bounds"].default) == BUDGET_PCT_BOUNDS


def test_the_readme_states_them():
    assert describe() in (ROOT / "README.md").read_text(encoding="utf-8")
