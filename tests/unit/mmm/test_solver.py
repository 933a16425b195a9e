"""Solver internals: the variable-projection Jacobian and the bootstrap resampling."""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.mmm import simulate_mmm
from attribution.mmm.bootstrap import block_indices, default_block_len
from attribution.mmm.design import build_baseline
from attribution.mmm.solver import MediaProblem


def _problem():
    sim = simulate_mmm(104, ["a", "b"], noise=0.0, seed=2)
    x = sim.data[["a", "b"]].to_numpy()
    base = build_baseline(sim.data["date"], pd.DataFrame(index=sim.data.index), n_fourier=1, trend=True)
    prob = MediaProblem(x / x.max(axis=0), base.matrix, np.arange(104), "geometric", "logistic", 8)
    truth = sim.params.query("param != 'beta'")["value"].to_numpy()  # a: alpha, lam; b: alpha, lam
    return prob, sim.data["y"].to_numpy() / 10_000, truth


def test_noiseless_truth_has_zero_residual_and_kaufman_jacobian_is_exact():
    prob, y, truth = _problem()
    assert np.abs(prob.residual(truth, y)).max() < 1e-9
    # At zero residual Kaufman's approximation equals the full variable-projection Jacobian:
    # compare with central differences of the reduced residual.
    jac = prob.jacobian(truth, y)
    h = 1e-6
    numeric = np.column_stack([(prob.residual(truth + h * e, y) - prob.residual(truth - h * e, y)) / (2 * h)
                               for e in np.eye(truth.size)])
    np.testing.assert_allclose(jac, numeric, atol=1e-5 * np.abs(numeric).max())


def test_fit_from_default_start_finds_noiseless_truth():
    prob, y, truth = _problem()
    sol = prob.fit(y, prob.starts(3, 0))
    np.testing.assert_allclose(sol.theta.ravel(), truth, rtol=1e-4)
    assert sol.cost < 1e-16


def test_block_indices():
    # n^(1/3): 156 -> 5.38 -> 6 ; 8 -> 2
    assert default_block_len(156) == 6 and default_block_len(8) == 2
    idx = block_indices(10, 4, np.random.default_rng(0))
    assert len(idx) == 10 and idx.min() >= 0 and idx.max() <= 9
    # blocks of 4 consecutive rows (the last block is cut to fit 10)
    for start in (0, 4):
        assert np.all(np.diff(idx[start:start + 4]) == 1)
    assert np.all(np.diff(idx[8:10]) == 1)
