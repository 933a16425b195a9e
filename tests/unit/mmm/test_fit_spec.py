"""FitSpec and its defaults: the description of one media-mix fit shared by the pages and the report."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.defaults import MMM_HOLDOUT_SHARE
from attribution.mmm.fit_spec import TREND_LABELS, FitSpec, default_fourier


def _spec(**kw) -> FitSpec:
    return FitSpec("k", "Shop · weekly revenue", "revenue", "date", "y", ("tv", "search"), (), "W", **kw)


def test_fit_kwargs_are_the_fit_arguments_and_lift_tests_only_when_calibrated():
    spec = _spec(lift_tests=(("tv", 100.0, 50.0, 20.0, 5.0),))
    assert spec.fit_kwargs(calibrated=False) == {
        "date": "date", "target": "y", "channels": ("tv", "search"), "controls": (), "adstock": "auto",
        "saturation": "auto", "holdout_share": MMM_HOLDOUT_SHARE, "n_fourier": 2, "trend": "auto",
        "max_lag": "auto", "n_boot": 100, "n_starts": 5}
    assert spec.fit_kwargs()["lift_tests"] == (("tv", 100.0, 50.0, 20.0, 5.0),)


def test_key_changes_with_every_setting_and_names_the_unit():
    assert _spec().key() == _spec().key() and _spec().short_key == _spec().short_key
    assert len(_spec().short_key) == 10
    assert _spec(n_boot=0).key() != _spec().key() and _spec(trend=2).short_key != _spec().short_key
    assert _spec().unit == "week"
    assert TREND_LABELS[0] == "None (constant level)"


@pytest.mark.parametrize(("days", "expected"), [(363, 0), (364, 2), (730, 2)])
def test_default_fourier_needs_a_year_of_history(days, expected):
    dates = pd.date_range("2024-01-01", periods=2, freq=f"{days}D")
    assert default_fourier(pd.DataFrame({"date": dates}), "date") == expected
