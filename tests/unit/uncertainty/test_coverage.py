"""The 95 % intervals cover the large-sample value at about the nominal rate.

Generator: journeys arrive as a Poisson process. Five path types with probabilities π and
conversion probabilities q; with λ expected journeys, path p's conversions are Poisson(λ π_p q_p)
and its non-conversions Poisson(λ π_p (1 − q_p)), independently. This is exactly the model the
Poisson bootstrap assumes, so its percentile intervals should cover at close to 95 %.

Large-sample values:
- linear credit is linear in the counts, so its expectation is exact:
  E[credit_c] = λ Σ_p π_p q_p s_pc, with s_pc the share of channel c in path p (1/k per touch);
- Markov credit is a smooth function of the counts; its large-sample value is the model run on
  the expected counts (bias O(1/λ), negligible at λ = 4000).

Band: the 120 seeds × 3 channels give 360 intervals per model. A correct 95 % interval covers
with standard error ≈ √(0.95 · 0.05 / 360) ≈ 0.012 pooled (up to 0.02 as the channels of one
seed are correlated), and percentile intervals under-cover slightly at finite sizes (≈ 0.94 is
typical). Coverage in [0.91, 0.985] (≈ 2.5 standard errors either side) therefore holds for a
correct implementation, while the usual bugs land outside it: no resampling (width 0 → coverage
≈ 0), resampling only conversions or too little variance (≈ 0.6–0.85), intervals at the 90 % level
(≈ 0.90), intervals that are too wide (≥ 0.99). For linear credit the mean width is also checked
against the exact normal-theory width 2 · 1.96 · √(Σ_p s_pc² λ π_p q_p) (within 8 %; a 90 %
interval is 16 % narrower), so neither too-narrow nor too-wide intervals can pass by chance.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.journeys.data import PathData
from attribution.models import run_model
from attribution.uncertainty import bootstrap

PATHS = [("a",), ("b",), ("a", "b"), ("b", "a", "c"), ("c", "a")]
PI = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
Q = np.array([0.10, 0.05, 0.20, 0.30, 0.15])
LAM = 4000.0
CHANNELS = ["a", "b", "c"]
# s_pc: linear share of each channel in each path (1/k per touch)
SHARE = np.array([[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0, 0.5]])


def simulate(seed: int) -> PathData:
    rng = np.random.default_rng(seed)
    conv = rng.poisson(LAM * PI * Q).astype(float)
    nulls = rng.poisson(LAM * PI * (1 - Q)).astype(float)
    return PathData(pd.DataFrame({"path": PATHS, "conversions": conv, "revenue": conv * 10.0, "nulls": nulls}))


def test_95_percent_intervals_cover_the_large_sample_value():
    true_linear = LAM * (PI * Q) @ SHARE
    expected = PathData(pd.DataFrame({"path": PATHS, "conversions": LAM * PI * Q, "revenue": LAM * PI * Q * 10,
                                      "nulls": LAM * PI * (1 - Q)}))
    true_markov = run_model("markov", expected).set_index("channel")["conversions"].reindex(CHANNELS).to_numpy()
    exact_width = 2 * 1.959964 * np.sqrt((SHARE**2 * (LAM * PI * Q)[:, None]).sum(axis=0))
    covered = {"linear": [], "markov": []}
    widths = []
    for seed in range(120):
        out = bootstrap(simulate(seed), ["linear", "markov"], n_boot=300, level=0.95, seed=1000 + seed)
        for model, truth in (("linear", true_linear), ("markov", true_markov)):
            rows = out[out.model == model].set_index("channel").reindex(CHANNELS)
            covered[model].append((rows.ci_low.to_numpy() <= truth) & (truth <= rows.ci_high.to_numpy()))
            if model == "linear":
                widths.append((rows.ci_high - rows.ci_low).to_numpy())
    for model, hits in covered.items():
        rate = float(np.mean(hits))
        assert 0.91 <= rate <= 0.985, (model, rate)
    ratio = np.mean(widths, axis=0) / exact_width
    assert np.all(np.abs(ratio - 1) < 0.08), ratio
