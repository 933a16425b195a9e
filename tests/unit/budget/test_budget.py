"""Budget optimiser against closed-form optima, bounds, locks, targets and infeasible inputs."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from attribution import budget
from attribution.errors import OptimizationError
from attribution.mmm import fit, simulate_mmm


@dataclass(frozen=True)
class Curves:
    """A stand-in fit with analytic response curves: log a*log(1+s/b), mm V*s/(K+s), hill."""

    kind: str
    p: dict
    current_spend: dict
    boot_params: tuple = ()
    ci_level: float = 0.9

    @property
    def channels(self):
        return tuple(self.p)

    @property
    def spend_scale(self):
        return {c: 100.0 for c in self.p}

    def response(self, c, s, params=None):
        a, b = self.p[c]
        k = (params or {}).get("k", 1.0)
        s = np.asarray(s, float)
        if self.kind == "log":
            return k * a * np.log1p(s / b)
        if self.kind == "mm":
            return k * a * s / (b + s)
        return k * a * s**3 / (s**3 + b**3)  # hill, shape 3: S-shaped

    def marginal_response(self, c, s, params=None):
        a, b = self.p[c]
        k = (params or {}).get("k", 1.0)
        s = np.asarray(s, float)
        if self.kind == "log":
            return k * a / (b + s)
        if self.kind == "mm":
            return k * a * b / (b + s) ** 2
        return k * a * 3 * s**2 * b**3 / (s**3 + b**3) ** 2


LOG = Curves("log", {"x": (100.0, 10.0), "y": (200.0, 20.0), "z": (300.0, 30.0)},
             {"x": 100.0, "y": 100.0, "z": 100.0})


def _total_exact(res, total):
    assert res.allocation["recommended_spend"].sum() == pytest.approx(total, rel=1e-6)


def test_log_curves_closed_form():
    # r_i = a_i log(1 + s_i / b_i), r_i' = a_i / (b_i + s_i). Equal marginals mu:
    # s_i = a_i / mu - b_i, sum = T -> mu = sum(a) / (T + sum(b)) = 600 / 360 = 5/3
    # s = 100*0.6 - 10 = 50, 200*0.6 - 20 = 100, 300*0.6 - 30 = 150; optimum = 600 ln 6 = 1075.056
    res = budget.optimize(LOG)  # total defaults to the current 300
    best = 600 * np.log(6)
    assert res.recommended_response >= 0.995 * best
    np.testing.assert_allclose(res.allocation["recommended_spend"], [50, 100, 150], rtol=1e-4)
    np.testing.assert_allclose(res.allocation["recommended_marginal_roas"], 5 / 3, rtol=1e-4)
    _total_exact(res, 300)
    # current: 100 ln 11 + 200 ln 6 + 300 ln(13/3) = 239.79 + 358.35 + 439.90 = 1038.04
    assert res.current_response == pytest.approx(1038.0425, abs=1e-3)
    assert res.lift == pytest.approx(best - 1038.0425, abs=1e-3)


def test_michaelis_menten_closed_form():
    # r = V s / (K + s), r' = V K / (K + s)^2 = mu -> s = sqrt(V K / mu) - K.
    # V = 400, 900; K = 100, 100; T = 300: sqrt(VK) = 200, 300 -> 1/sqrt(mu) = (300 + 200) / 500 = 1
    # s = 200 - 100 = 100 and 300 - 100 = 200; response 400*100/200 + 900*200/300 = 200 + 600 = 800
    mm = Curves("mm", {"a": (400.0, 100.0), "b": (900.0, 100.0)}, {"a": 150.0, "b": 150.0})
    res = budget.optimize(mm, total=300)
    assert res.recommended_response >= 0.995 * 800
    np.testing.assert_allclose(res.allocation["recommended_spend"], [100, 200], rtol=1e-4)
    _total_exact(res, 300)


def test_s_shaped_curves_against_brute_force():
    # Hill with shape 3 is convex near zero; splitting evenly is poor, concentrating is better.
    hill = Curves("hill", {"a": (500.0, 120.0), "b": (400.0, 80.0)}, {"a": 100.0, "b": 100.0})
    res = budget.optimize(hill, total=200)
    s = np.linspace(0, 200, 200_001)  # reference: search every split on a fine grid
    ref = (hill.response("a", s) + hill.response("b", 200 - s)).max()
    assert res.recommended_response >= 0.995 * ref
    assert res.recommended_response >= res.current_response
    _total_exact(res, 200)


def test_bounds_and_locks_hold_exactly():
    # z locked at 100 leaves 200 for x and y; x <= 40 binds (unconstrained x would be
    # 100*(200+30)/300 - 10 = 66.7), so y = 160.
    res = budget.optimize(LOG, bounds={"x": (None, 40.0)}, locked=["z"], pct_bounds=None)
    spend = res.allocation.set_index("channel")["recommended_spend"]
    assert spend["z"] == 100.0 and spend["x"] <= 40.0
    np.testing.assert_allclose(spend[["x", "y"]], [40.0, 160.0], rtol=1e-6)
    _total_exact(res, 300)
    assert res.allocation.set_index("channel").loc["z", "locked"]
    pct = budget.optimize(LOG, total=330, pct_bounds=(-0.2, 0.3))
    a = pct.allocation
    assert (a["recommended_spend"] >= 80 - 1e-9).all() and (a["recommended_spend"] <= 130 + 1e-9).all()
    _total_exact(pct, 330)
    per = budget.optimize(LOG, pct_bounds={"x": (-0.1, 0.1)}, bounds={"x": (95.0, 200.0)})
    assert 95.0 <= per.allocation.loc[0, "recommended_spend"] <= 110.0


def test_periods_scale_the_plan():
    one, four = budget.optimize(LOG), budget.optimize(LOG, periods=4)
    np.testing.assert_allclose(four.allocation["recommended_spend"], 4 * one.allocation["recommended_spend"])
    np.testing.assert_allclose(four.allocation["recommended_roas"], one.allocation["recommended_roas"])
    assert four.lift == pytest.approx(4 * one.lift)


def test_lift_interval_from_bootstrap_params():
    # Replicates scale every curve by k = 0.9, 1.0, 1.1; the split is the same, so lift scales by k.
    # Percentiles of three values (linear interpolation): 5% -> 0.9 + 0.1 * 0.1 = 0.91, 95% -> 1.09.
    model = Curves("log", LOG.p, LOG.current_spend, boot_params=({"k": 0.9}, {"k": 1.0}, {"k": 1.1}))
    res = budget.optimize(model)
    assert res.lift_ci_low == pytest.approx(0.91 * res.lift, rel=1e-6)
    assert res.lift_ci_high == pytest.approx(1.09 * res.lift, rel=1e-6)
    assert np.isnan(budget.optimize(LOG).lift_ci_low)


def test_target_marginal_roas_closed_form():
    # argmax a log(1 + s/b) - m s -> s = a/m - b (or 0). m = 8: 12.5 - 10 = 2.5, 25 - 20 = 5, 37.5 - 30 = 7.5
    res = budget.spend_for_target(LOG, target_marginal_roas=8.0, pct_bounds=None)
    np.testing.assert_allclose(res.allocation["recommended_spend"], [2.5, 5.0, 7.5], atol=1e-6)
    np.testing.assert_allclose(res.allocation["recommended_marginal_roas"], 8.0, rtol=1e-6)
    # m = 12: x would be 100/12 - 10 < 0 -> 0
    assert budget.spend_for_target(LOG, target_marginal_roas=12.0, pct_bounds=None).allocation.loc[0, "recommended_spend"] == 0.0


def test_target_response_finds_least_spend():
    # The optimum at total 300 is 600 ln 6, so reaching 600 ln 6 needs exactly 300 in total.
    res = budget.spend_for_target(LOG, target_response=600 * np.log(6))
    assert res.recommended_spend == pytest.approx(300.0, rel=1e-4)
    assert res.recommended_response >= 600 * np.log(6) * (1 - 1e-9)
    with pytest.raises(OptimizationError, match="out of reach"):
        budget.spend_for_target(LOG, target_response=1e9, bounds={c: (0, 1000) for c in "xyz"})
    with pytest.raises(OptimizationError, match="exactly one"):
        budget.spend_for_target(LOG)


def test_plan_dispatches_by_mode():
    # the same closed forms as above, reached through the one dispatcher the app and the API use
    split = budget.plan(LOG, "budget", 300.0).allocation["recommended_spend"]
    np.testing.assert_allclose(split, budget.optimize(LOG, total=300.0).allocation["recommended_spend"])
    roas = budget.plan(LOG, "marginal_roas", 8.0, pct_bounds=None).allocation["recommended_spend"]
    np.testing.assert_allclose(roas, [2.5, 5.0, 7.5], atol=1e-6)
    assert budget.plan(LOG, "response", 600 * np.log(6)).recommended_spend == pytest.approx(300.0, rel=1e-4)
    with pytest.raises(OptimizationError, match="unknown plan mode 'profit'"):
        budget.plan(LOG, "profit", 1.0)
    with pytest.raises(OptimizationError, match="target marginal ROAS is needed"):
        budget.plan(LOG, "marginal_roas")


@pytest.mark.parametrize("kwargs, pattern", [
    ({"total": 100, "bounds": {"x": (60, None), "y": (60, None)}, "pct_bounds": None}, "lower bounds add up to 120.00"),
    ({"total": 600}, r"upper bounds add up to 450.00 .*pct_bounds \(±50 % of current spend by default"),
    ({"total": 300, "bounds": {c: (0, 50) for c in "xyz"}}, "upper bounds add up to 150.00"),
    ({"total": 50, "locked": ["x"]}, r"locked channels \(x\) already spend 100.00"),
    ({"bounds": {"x": (80, 20)}}, "'x': lower bound 80.00 is above upper bound 20.00"),
    ({"bounds": {"tv": (0, 10)}}, r"unknown channel\(s\) \['tv'\]"),
    ({"locked": ["tv"]}, "locked names unknown channel"),
    ({"objective": "profit"}, "choose one of: response"),
    ({"total": -5}, "total must be"),
])
def test_infeasible_constraints_name_what_to_relax(kwargs, pattern):
    with pytest.raises(OptimizationError, match=pattern):
        budget.optimize(LOG, **kwargs)


def test_on_a_fitted_mmm_marginals_equalise():
    ch = ["tv", "search", "social"]
    sim = simulate_mmm(156, ch, betas={"tv": 3000, "search": 2500, "social": 2000}, noise=0.01, seed=0)
    res_fit = fit(sim.data, channels=ch, n_boot=20, n_starts=2)
    res = budget.optimize(res_fit, pct_bounds=None)
    a = res.allocation
    _total_exact(res, sum(res_fit.current_spend.values()))
    assert res.recommended_response >= res.current_response
    inside = a[(a["recommended_spend"] > a["lower"] + 1e-6) & (a["recommended_spend"] < a["upper"] - 1e-6)]
    m = inside["recommended_marginal_roas"].to_numpy()
    assert len(m) >= 2 and m.max() / m.min() < 1.01
    assert res.lift_ci_low <= res.lift <= res.lift_ci_high


@dataclass(frozen=True)
class SeenCurves(Curves):
    """Curves whose largest per-period spend seen on the fit range is given per channel."""

    seen: dict = field(default_factory=dict)

    @property
    def spend_scale(self):
        return self.seen


# x: 100 log(1 + s/10), y: 500 log(1 + s/10), both now at 100 per period, at most 160 seen
SKEWED = SeenCurves("log", {"x": (100.0, 10.0), "y": (500.0, 10.0)}, {"x": 100.0, "y": 100.0},
                    seen={"x": 160.0, "y": 160.0})


def test_default_bounds_keep_each_channel_within_half_its_current_spend():
    # Unbounded: mu = 600 / (200 + 20) = 30/11, s = a/mu - 10 -> x = 26.67, y = 173.33.
    # By default each channel stays in [50, 150]: y wants more than 150 (its marginal there,
    # 500/160 = 3.13, beats x's 100/60 = 1.67 at 50), so the split is x = 50, y = 150.
    default = budget.optimize(SKEWED)
    np.testing.assert_allclose(default.allocation["recommended_spend"], [50.0, 150.0], rtol=1e-6)
    np.testing.assert_allclose(default.allocation[["lower", "upper"]].to_numpy(), [[50, 150], [50, 150]])
    assert default.warnings == ()
    same = budget.optimize(SKEWED, pct_bounds=(-0.5, 0.5)).allocation["recommended_spend"]
    np.testing.assert_allclose(same, default.allocation["recommended_spend"])
    free = budget.optimize(SKEWED, pct_bounds=None)
    np.testing.assert_allclose(free.allocation["recommended_spend"], [80 / 3, 520 / 3], rtol=1e-4)


def test_a_plan_beyond_the_spend_seen_carries_a_warning():
    free = budget.optimize(SKEWED, pct_bounds=None)  # y at 173.33 per period, above the 160 seen
    assert len(free.warnings) == 1
    assert free.warnings[0].startswith("y: the plan spends 173.33 per period, above the most the model has seen "
                                       "(160.00 per period on the fit range)")
    # the same through the dispatcher and in target mode: m = 2 gives x = 40, y = 240 (> 160)
    assert budget.plan(SKEWED, "budget", None, pct_bounds=None).warnings == free.warnings
    target = budget.spend_for_target(SKEWED, target_marginal_roas=2.0, pct_bounds=None)
    np.testing.assert_allclose(target.allocation["recommended_spend"], [40.0, 240.0], rtol=1e-6)
    assert [w.split(":")[0] for w in target.warnings] == ["y"]
