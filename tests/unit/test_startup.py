"""`import attribution` leaves the heavy dependencies out until they are used (an invariant; the
time itself is measured in bench/bench_startup.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import attribution

ROOT = Path(__file__).resolve().parents[2]
# statsmodels and scipy.optimize take about a second each to import, plotly and openpyxl a few
# tenths; the media mix and budget code pulls in scipy.optimize
HEAVY = ("statsmodels", "scipy.optimize", "scipy.stats", "plotly", "openpyxl", "attribution.mmm",
         "attribution.budget")


def _modules_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter that runs ``code`` (from the repository root)."""
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_attribution_loads_no_heavy_dependency():
    loaded = _modules_after("import attribution")
    assert "attribution.models.logistic" in loaded  # the models are registered, their fits load later
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_the_cli_help_loads_no_heavy_dependency():
    loaded = _modules_after("import contextlib, io\nfrom attribution.__main__ import main\n"
                            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                            "    main(['run', '--help'])")
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_lazy_names_load_on_first_use():
    # the check above is only meaningful if these modules really are what the lazy names bring in
    loaded = _modules_after("import attribution as at\nat.budget.optimize\nat.mmm.fit\nat.full_report\nat.bootstrap")
    assert {"attribution.mmm", "attribution.budget", "scipy.optimize", "plotly"} <= loaded


def test_every_public_name_still_works():
    for name in attribution.__all__:
        assert getattr(attribution, name) is not None, name
    assert set(attribution.__all__) <= set(dir(attribution))
    assert callable(attribution.budget.optimize) and callable(attribution.mmm.fit)
    from attribution import bootstrap, dataset_report, full_report  # from-imports go through __getattr__ too

    assert all(callable(f) for f in (bootstrap, dataset_report, full_report))
    with pytest.raises(AttributeError, match="has no attribute 'not_a_name'"):
        attribution.not_a_name  # noqa: B018
