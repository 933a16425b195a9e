"""Media-mix fit on the app's built-in sample (data/), checked against the simulator's truth.

What this data can and cannot tell
----------------------------------
180 days, 4 always-on paid channels (spend never below 13% of its maximum), daily revenue of
about 14 purchases a day with log-normal values: the day-to-day noise (sd ~1,800 around a mean of
~4,500) dwarfs what spend changes move (a few hundred). The simulator also starts with an empty
funnel, so revenue ramps up from 0 over the first 3-4 weeks for every source, paid or not; the
model's baseline cannot ramp (a level and a straight trend), so media carry-over takes the ramp.
Finally, the truth counts the purchases lost when a channel is switched off, interactions
included, which is not exactly the additive MMM's contribution.

Before the identifiability fix, every saturation form gave a hugely negative intercept
(logistic: -346,018) and one flat channel (Display: lam at its cap, response constant over the
observed spend) took 99% of the media credit with a ROAS of 1,241 against a true 1.4.

What is asserted (and is achievable here): the baseline level is never negative; no channel
has a ROAS above 10 or more than 60% of the media credit (spend shares are 10% to 45%); media never
claims more than the whole outcome; the pooled paid-media ROAS is within a factor of 2 of the
truth (1.81); with the default logistic form each channel's ROAS is within a factor of 4 of its
true value (1.4 to 2.6). A factor of 2 per channel is not achievable from this data: bootstrap
intervals of single channels run from 0 to 2-3 times the truth, and which channel gets the
ramp-up depends on the settings (observed worst ratios: 0.34 with yearly seasonality terms,
3.4 without).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import attribution as at
from attribution.mmm import fit
from attribution.mmm.dataset_input import mmm_frame
from attribution.simulate.sample import sample_inputs, sample_truth

PAGE = {"n_fourier": 0, "holdout_share": 0.1}  # the Media mix page for < 1 year of data, with a 10 % hold-out


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    ds = at.load(**{k: str(v) for k, v in sample_inputs().items()})
    return {t: mmm_frame(ds, freq="D", target=t) for t in ("revenue", "conversions")}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    t = pd.read_parquet(sample_truth()).set_index("channel")
    return t[t["spend"] > 0]


def _channels(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c not in ("date", "y")]


def _check_invariants(res, df: pd.DataFrame) -> None:
    p = res.params.set_index(["channel", "param"])["value"]
    start = p[("baseline", "intercept")]
    end = start + p.get(("trend", "slope"), 0.0)
    assert start >= 0 and end >= -1e-9 * max(abs(start), 1.0)   # the trend line is >= 0 at both ends
    s = res.channel_summary
    assert s["share"].max() <= 0.6, s
    fit_rows = ~res.fitted["is_holdout"]
    assert s["contribution"].sum() <= df["y"][fit_rows.to_numpy()].sum()


@pytest.mark.parametrize("saturation", ["logistic", "hill", "michaelis_menten"])
@pytest.mark.parametrize("target", ["revenue", "conversions"])
def test_every_form_keeps_a_credible_baseline(frames, truth, saturation, target):
    df = frames[target]
    res = fit(df, channels=_channels(df), saturation=saturation, **PAGE)
    _check_invariants(res, df)
    if target == "revenue":
        s = res.channel_summary.set_index("channel")
        assert (s["roas"] <= 10).all(), s["roas"]
        true_pooled = truth["true_incremental_revenue"].sum() / truth["spend"].sum()  # 453,629 / 251,300 = 1.81
        pooled = s["contribution"].sum() / s["spend"].sum()
        assert true_pooled / 2 <= pooled <= 2 * true_pooled, pooled


@pytest.mark.parametrize("settings", [PAGE, {}], ids=["page", "library-default"])
def test_default_form_roas_within_a_factor_of_4(frames, truth, settings):
    df = frames["revenue"]
    res = fit(df, channels=_channels(df), **settings)
    roas = res.channel_summary.set_index("channel")["roas"]
    true_roas = truth["true_incremental_revenue"] / truth["spend"]  # 2.01, 1.40, 1.44, 2.59
    ratio = (roas / true_roas.reindex(roas.index)).to_numpy()
    assert np.all((ratio >= 0.25) & (ratio <= 4.0)), ratio
    _check_invariants(res, df)
    # the fit says plainly that it holds the baseline at zero (the ramp-up pushes it below)
    assert any("held at its lower limit of 0" in w for w in res.diagnostics["warnings"])
