"""Calibration with lift tests: checks of the table, the curve pulled to an experiment, a confounded fit repaired."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.mmm import fit, simulate_mmm
from attribution.mmm.lift import calibration_table, check_lift_tests, lift_rows
from attribution.mmm.transforms import saturation_spec

CHANNELS = ["x1", "x2"]


def _tests(**change) -> pd.DataFrame:
    row = {"channel": "x1", "x": 100.0, "delta_x": 50.0, "delta_y": 20.0, "sigma": 4.0, **change}
    return pd.DataFrame([row])


@pytest.mark.parametrize(("change", "column", "words"), [
    ({"channel": "tv"}, "channel", "'tv' is not a channel of the model"),
    ({"x": "abc"}, "x", "'abc' is not a number"),
    ({"x": -1.0}, "x", "must be >= 0"),
    ({"delta_x": 0.0}, "delta_x", "must not be 0"),
    ({"delta_x": -150.0}, "delta_x", "x + delta_x"),
    ({"delta_y": float("nan")}, "delta_y", "is not a number"),
    ({"sigma": 0.0}, "sigma", "must be > 0"),
])
def test_bad_rows_are_named(change, column, words):
    frame = pd.concat([_tests(), _tests(**change)], ignore_index=True)
    with pytest.raises(DataValidationError) as err:
        check_lift_tests(frame, CHANNELS)
    assert err.value.column == column and err.value.row == 2
    assert f"row 2, column {column!r}" in str(err.value) and words in str(err.value)


def test_missing_columns_and_not_a_table():
    with pytest.raises(DataValidationError, match="missing: delta_y, sigma") as err:
        check_lift_tests(_tests().drop(columns=["delta_y", "sigma"]), CHANNELS)
    assert err.value.column == "delta_y"
    with pytest.raises(DataValidationError, match="must be a table"):
        check_lift_tests([("x1", 1, 2, 3, 4)], CHANNELS)


def test_rows_in_solver_units():
    # x1's largest spend 200, outcome scale 10: 100 -> 150 is 0.5 -> 0.75; 20 +- 4 is 2 +- 0.4
    checked = check_lift_tests(pd.concat([_tests(), _tests(channel="x2", delta_x=-100.0)]), CHANNELS)
    rows = lift_rows(checked, CHANNELS, np.array([200.0, 400.0]), 10.0)
    np.testing.assert_allclose(rows.low, [0.5, 0.25])
    np.testing.assert_allclose(rows.high, [0.75, 0.0])
    np.testing.assert_allclose(rows.delta, [2.0, 2.0])
    np.testing.assert_allclose(rows.sigma, [0.4, 0.4])
    assert rows.channel.tolist() == [0, 1]


def _true_change(sim, channel: str, x: float, dx: float) -> float:
    """Steady-state change in outcome per period on the simulator's own curve (beta * logistic(x / max))."""
    p = sim.params[sim.params["channel"] == channel].set_index("param")["value"]
    curve = saturation_spec(sim.saturation).function
    scale = sim.spend_scale[channel]
    return float(p["beta"] * (curve((x + dx) / scale, p["lam"]) - curve(x / scale, p["lam"])))


def _go_dark(sim, frame: pd.DataFrame, rel_sigma: float) -> pd.DataFrame:
    """A test that switches x1 off from its mean spend, measured on the true curve with a relative error."""
    x = float(frame["x1"].mean())
    dy = _true_change(sim, "x1", x, -x)
    return pd.DataFrame({"channel": ["x1"], "x": [x], "delta_x": [-x], "delta_y": [dy], "sigma": [rel_sigma * abs(dy)]})


def test_a_precise_test_pulls_the_curve_to_it():
    sim = simulate_mmm(104, CHANNELS, seed=4, betas={"x1": 4000, "x2": 6000})
    kw = {"date": "date", "target": "y", "channels": CHANNELS, "n_boot": 0}
    free = fit(sim.data, **kw)
    x = float(sim.data["x1"].mean())
    # a measured change 30 % above what the uncalibrated curve predicts, measured to +-1 %
    wanted = 1.3 * float(free.response("x1", 1.5 * x) - free.response("x1", x))
    tests = pd.DataFrame({"channel": ["x1"], "x": [x], "delta_x": [0.5 * x], "delta_y": [wanted],
                          "sigma": [0.01 * wanted]})
    cal = fit(sim.data, lift_tests=tests, **kw)
    got = float(cal.response("x1", 1.5 * x) - cal.response("x1", x))
    assert got == pytest.approx(wanted, rel=0.05)
    table = cal.diagnostics["lift_tests"]
    assert table["predicted_delta_y"].iloc[0] == pytest.approx(got)
    assert table["z"].iloc[0] == pytest.approx((got - wanted) / (0.01 * wanted))
    assert "lift_tests" not in free.diagnostics


@pytest.mark.parametrize("seed", range(4))
def test_one_test_repairs_a_confounded_fit(seed):
    # z drives both x1's spend and the outcome; without z as a control x1 takes z's effect (+15..+103 %
    # on these seeds). One go-dark test of x1 on the true curve, measured to +-5 %, brings x1 within 25 %
    # and narrows its interval, without spoiling x2.
    sim = simulate_mmm(131, CHANNELS, seed=seed, trend=0.0, confounder=400.0, betas={"x1": 4000, "x2": 6000})
    kw = {"date": "date", "target": "y", "channels": CHANNELS, "n_boot": 40}
    plain = fit(sim.data, **kw).channel_summary.set_index("channel")
    cal = fit(sim.data, lift_tests=_go_dark(sim, sim.data, 0.05), **kw).channel_summary.set_index("channel")
    truth = sim.roas["x1"]
    assert abs(cal.loc["x1", "roas"] / truth - 1) < 0.25
    assert abs(cal.loc["x1", "roas"] / truth - 1) < abs(plain.loc["x1", "roas"] / truth - 1)
    width = lambda s: s.loc["x1", "roas_ci_high"] - s.loc["x1", "roas_ci_low"]  # noqa: E731
    assert width(cal) < width(plain)
    assert abs(cal.loc["x2", "roas"] / sim.roas["x2"] - 1) < 0.25


def test_confounder_column_of_the_simulator():
    sim = simulate_mmm(131, CHANNELS, seed=0, confounder=400.0)
    z = sim.data["z"].to_numpy()
    assert z.mean() == pytest.approx(0.0, abs=1e-9) and z.std() == pytest.approx(1.0)
    part = sim.contributions.query("component == 'z'")["value"].to_numpy()
    np.testing.assert_allclose(part, 400.0 * z)
    assert np.corrcoef(np.log1p(sim.data["x1"]), z)[0, 1] > 0.3  # spend follows demand


@pytest.mark.shared
def test_pymc_roas_data_without_its_confounder(shared_data):
    # x1 without z as a control comes out about +97 % (true ROAS 93.39 from pymc-marketing's notebook).
    # The file's true curve is not published with it, so the test's measurement comes from the fit
    # WITH z as a control (x1 +9.5 % there): switching x1 off from its mean spend, measured to +-10 %.
    # With automatic forms (the page's default) the candidates are compared with the test included and
    # Hill saturation, which can agree with both the history and the test, wins: x1 +15 %, z -0.09 (measured).
    # With the logistic form alone the history pulls harder (x1 +54 % at +-10 %, +14 % at +-2 %).
    df = pd.read_csv(shared_data / "mmm" / "pymc_marketing_mmm_roas_data.csv")
    # every period (holdout_share=0), as the figures above were measured
    kw = {"date": "date", "target": "y", "channels": CHANNELS, "n_boot": 40, "adstock": "auto", "saturation": "auto",
          "holdout_share": 0}
    ref = fit(df, controls=["z"], **{**kw, "n_boot": 0})
    x = float(df["x1"].mean())
    dy = float(ref.response("x1", 0.0) - ref.response("x1", x))
    tests = pd.DataFrame({"channel": ["x1"], "x": [x], "delta_x": [-x], "delta_y": [dy], "sigma": [0.1 * abs(dy)]})
    plain = fit(df, **kw).channel_summary.set_index("channel")
    res = fit(df, lift_tests=tests, **kw)
    cal = res.channel_summary.set_index("channel")
    assert plain.loc["x1", "roas"] > 1.5 * 93.39
    assert cal.loc["x1", "roas"] == pytest.approx(93.39, rel=0.25)
    assert abs(res.diagnostics["lift_tests"]["z"].iloc[0]) < 1
    width = lambda s: s.loc["x1", "roas_ci_high"] - s.loc["x1", "roas_ci_low"]  # noqa: E731
    assert width(cal) < width(plain)


def test_calibration_table_side_by_side():
    plain = pd.DataFrame({"channel": ["a", "b"], "roas": [2.0, 1.0], "roas_ci_low": [1.0, 0.5],
                          "roas_ci_high": [3.0, 1.5]})
    cal = pd.DataFrame({"channel": ["a", "b"], "roas": [1.5, 1.0], "roas_ci_low": [1.25, 0.5],
                        "roas_ci_high": [1.75, 2.0]})
    table = calibration_table(cal, plain).set_index("channel")
    assert table.loc["a", "change"] == pytest.approx(-0.25) and table.loc["b", "change"] == pytest.approx(0.0)
    assert table.loc["a", "width_change"] == pytest.approx(0.5 / 2.0 - 1)  # 2.0 wide -> 0.5 wide
    assert table.loc["b", "width_change"] == pytest.approx(0.5)             # 1.0 wide -> 1.5 wide
    assert table.loc["a", "roas_uncalibrated_ci_high"] == 3.0 and table.loc["a", "roas_calibrated_ci_low"] == 1.25
    no_ci = calibration_table(cal[["channel", "roas"]], plain[["channel", "roas"]])
    assert list(no_ci.columns) == ["channel", "roas_uncalibrated", "roas_calibrated", "change"]


def test_candidates_are_compared_with_the_tests_included():
    # A test far from what the history alone says: the candidate table's fits must feel it, so their
    # ROAS for x1 move toward it compared with the same selection without the test.
    sim = simulate_mmm(104, CHANNELS, seed=4, betas={"x1": 4000, "x2": 6000})
    kw = {"date": "date", "target": "y", "channels": CHANNELS, "saturation": "auto", "n_boot": 0}
    x = float(sim.data["x1"].mean())
    dy = 3 * _true_change(sim, "x1", x, -x)  # three times the true drop, measured to +-2 %
    tests = pd.DataFrame({"channel": ["x1"], "x": [x], "delta_x": [-x], "delta_y": [dy], "sigma": [0.02 * abs(dy)]})
    free = fit(sim.data, **kw).diagnostics["selection"]
    held = fit(sim.data, lift_tests=tests, **kw).diagnostics["selection"]
    assert (held["roas_x1"].to_numpy() > 1.5 * free["roas_x1"].to_numpy()).all()
