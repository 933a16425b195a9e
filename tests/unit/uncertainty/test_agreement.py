"""Rank correlation between models and paired differences, on hand-made numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.uncertainty import BootstrapDraws, model_difference, rank_correlation


def tidy(values: dict[str, list[float]], channels=("a", "b", "c", "d")) -> pd.DataFrame:
    rows = [{"model": m, "channel": ch, "conversions": v, "revenue": 10 * v, "share": v / sum(vals)}
            for m, vals in values.items() for ch, v in zip(channels, vals, strict=True)]
    return pd.DataFrame(rows)


def test_rank_correlation_known_answers():
    # ranks over channels a..d:  m1 = 1,2,3,4   m2 = 4,3,2,1   m3 = 2,1,4,3
    # spearman(m1, m2) = -1; spearman(m1, m3) = 1 - 6 Σd² / (n(n²-1)) = 1 - 6·4/60 = 0.6
    # spearman(m2, m3) = 1 - 6·(4+4+4+4)/60 = -0.6
    # kendall(m1, m3): pairs (a,b) and (c,d) discordant, 4 concordant → (4 - 2)/6 = 1/3
    results = tidy({"m1": [1, 2, 3, 4], "m2": [40, 30, 20, 10], "m3": [2, 1, 4, 3]})
    corr = rank_correlation(results).set_index("model")
    assert list(corr.columns) == ["m1", "m2", "m3"]
    assert corr.loc["m1", "m2"] == pytest.approx(-1.0)
    assert corr.loc["m1", "m3"] == pytest.approx(0.6)
    assert corr.loc["m2", "m3"] == pytest.approx(-0.6)
    assert np.allclose(np.diag(corr.to_numpy()), 1.0)
    assert rank_correlation(results, method="kendall").set_index("model").loc["m1", "m3"] == pytest.approx(1 / 3)
    with pytest.raises(ModelError, match="method"):
        rank_correlation(results, method="pearsonish")


def test_a_model_that_credits_every_channel_equally_has_no_rank_order():
    corr = rank_correlation(tidy({"m1": [1, 2, 3, 4], "flat": [5, 5, 5, 5]})).set_index("model")
    assert np.isnan(corr.loc["m1", "flat"])


def test_model_difference_uses_the_paired_replicates():
    # 5 replicates, 2 models, 2 channels. Channel x: m1 − m2 = 1, 2, 3, 4, 5 in the replicates;
    # channel y: −2, −1, 0, 1, 2. Percentiles at level 0.5 (25 % and 75 %, linear interpolation
    # over 5 sorted values: positions 1 and 3): x → [2, 4], y → [−1, 1].
    m1 = np.array([[10, 5], [11, 5], [12, 5], [13, 5], [14, 5]], dtype=float)
    m2 = np.array([[9, 7], [9, 6], [9, 5], [9, 4], [9, 3]], dtype=float)
    conv = np.stack([m1, m2], axis=1)
    point = tidy({"m1": [12, 5], "m2": [9, 5]}, channels=("x", "y"))
    draws = BootstrapDraws(point, ("m1", "m2"), ("x", "y"), conv, conv * 10, seed=0, unit="paths")
    out = model_difference(draws, "m1", "m2", level=0.5).set_index("channel")
    assert out.loc["x", "difference"] == pytest.approx(3.0)
    assert (out.loc["x", "ci_low"], out.loc["x", "ci_high"]) == pytest.approx((2.0, 4.0))
    assert (out.loc["y", "ci_low"], out.loc["y", "ci_high"]) == pytest.approx((-1.0, 1.0))
    assert bool(out.loc["x", "significant"]) and not bool(out.loc["y", "significant"])
    assert list(out.columns) == ["m1", "m2", "difference", "ci_low", "ci_high", "significant"]
    with pytest.raises(ModelError, match="different"):
        model_difference(draws, "m1", "m1")
    with pytest.raises(ModelError, match="not bootstrapped"):
        model_difference(draws, "m1", "m9")
