"""Order-1 Markov removal effects against an independent dense solve and ChannelAttribution 2.2.5.

Data: ChannelAttribution's example Data.csv (10,000 paths, 12 channels), from ../shared (those
tests skip without it); both comparisons also run on generated paths of the same shape (the
simulation one against our own random walks through the chain, as ChannelAttribution does).
The reference numbers in reference/channelattribution_markov.csv were produced by
reference/make_channelattribution_markov.py: ChannelAttribution's ``markov_model`` (order 1,
seed 0) plus the standard deviation of each output over seeds 0-9.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.journeys.data import PathData
from attribution.models import removal_effects

REFERENCE = Path(__file__).with_name("reference") / "channelattribution_markov.csv"


@pytest.fixture
def ca_paths(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "mta" / "channelattribution_Data.csv", sep=";")
    return pd.DataFrame({
        "path": [tuple(p.split(" > ")) for p in raw["path"]],
        "conversions": raw["total_conversions"].astype(float),
        "revenue": raw["total_conversion_value"].astype(float),
        "nulls": raw["total_null"].astype(float),
    })


def absorbing_chain(paths: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Textbook order-1 absorbing chain, built with dicts: transient states ``["(start)", channels...]``,
    transition probabilities ``q`` among them and ``r`` into conversion (the rest goes to null)."""
    counts: dict[tuple[str, str], float] = defaultdict(float)
    for path, conv, nulls in zip(paths["path"], paths["conversions"], paths["nulls"], strict=True):
        states = ["(start)", *path]
        for a, b in zip(states[:-1], states[1:], strict=True):
            counts[a, b] += conv + nulls
        counts[path[-1], "(conversion)"] += conv
        counts[path[-1], "(null)"] += nulls
    transient = ["(start)", *sorted({c for p in paths["path"] for c in p})]
    index = {s: i for i, s in enumerate(transient)}
    n = len(transient)
    q = np.zeros((n, n))
    r = np.zeros(n)
    out = np.zeros(n)
    for (a, b), w in counts.items():
        out[index[a]] += w
        if b == "(conversion)":
            r[index[a]] += w
        elif b != "(null)":
            q[index[a], index[b]] += w
    q /= out[:, None]
    r /= out
    return transient, q, r


def dense_removal_effects(paths: pd.DataFrame) -> dict[str, float]:
    """Removal effects of the textbook chain, solved densely with numpy."""
    transient, q, r = absorbing_chain(paths)
    index = {s: i for i, s in enumerate(transient)}
    n = len(transient)

    def p_conv(keep: list[int]) -> float:
        x = np.linalg.solve(np.eye(len(keep)) - q[np.ix_(keep, keep)], r[keep])
        return x[0]  # start is always kept, first

    full = p_conv(list(range(n)))
    return {c: 1 - p_conv([i for i in range(n) if i != index[c]]) / full for c in transient[1:]}


def generated_paths(seed: int, n: int = 400) -> pd.DataFrame:
    """Paths like ChannelAttribution's example: 12 channels, 1-8 touches, repeats, counts 0-20."""
    rng = np.random.default_rng(seed)
    channels = np.array(list("abcdefghijkl"))
    popularity = rng.dirichlet(np.full(len(channels), 0.7))
    rows = {}
    for _ in range(n):
        path = tuple(rng.choice(channels, size=int(rng.integers(1, 9)), p=popularity))
        rows[path] = (float(rng.integers(0, 20)), float(rng.integers(0, 20)))
    conv = np.array([v[0] for v in rows.values()])
    return pd.DataFrame({"path": list(rows), "conversions": conv, "revenue": conv * rng.uniform(5, 50, len(rows)),
                         "nulls": [v[1] for v in rows.values()]})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_removal_effects_equal_dense_solve_on_generated_paths(seed):
    paths = generated_paths(seed)
    dense = dense_removal_effects(paths)
    for collapse in (True, False):
        ours = removal_effects(PathData(paths), collapse_repeats=collapse).set_index("channel")
        assert set(ours.index) == set(dense)
        diff = max(abs(ours.loc[c, "removal_effect"] - v) for c, v in dense.items())
        assert diff < 1e-12, f"max |difference| {diff:.2e}"


def test_exact_removal_effects_equal_dense_solve(ca_paths):
    dense = dense_removal_effects(ca_paths)
    for collapse in (True, False):  # order 1: collapsing repeats must not change anything
        ours = removal_effects(PathData(ca_paths), collapse_repeats=collapse).set_index("channel")
        diff = max(abs(ours.loc[c, "removal_effect"] - v) for c, v in dense.items())
        assert diff < 1e-12, f"max |difference| {diff:.2e}"


def test_channelattribution_simulation_agrees_within_its_noise(ca_paths):
    # ChannelAttribution simulates paths from the chain, so its output is ours plus Monte-Carlo
    # noise. Tolerance per channel: 5 seed-to-seed standard deviations (estimated from only 10
    # seeds, so the estimate itself may be ~30-45% low) plus a small floor for the tiny channels
    # whose SD rounds to almost 0. Observed worst cases: |z| <= 4.0 (kappa's removal effect),
    # max |RE difference| 0.010 (iota), max |conversions difference| 90 of 19,785 (iota).
    ref = pd.read_csv(REFERENCE).set_index("channel").sort_index()
    ours = removal_effects(PathData(ca_paths)).set_index("channel").sort_index()
    assert list(ours.index) == list(ref.index)
    assert ref["conversions"].sum() == pytest.approx(ours["conversions"].sum(), rel=1e-6)
    checks = [("removal_effect", "removal_effect", 1e-3), ("conversions", "conversions", 1.0),
              ("revenue_removal_effect", "value_removal_effect", 1e-3), ("revenue", "value", 5.0)]
    for ours_col, ref_col, floor in checks:
        diff = (ours[ours_col] - ref[ref_col]).abs()
        limit = 5 * ref[f"{ref_col}_sd"] + floor
        assert (diff <= limit).all(), f"{ours_col}: {diff[diff > limit].to_dict()} beyond {limit.to_dict()}"


def simulated_removal_effects(paths: pd.DataFrame, n_walks: int, seed: int) -> tuple[dict, dict]:
    """Removal effects estimated as ChannelAttribution does, by random walks through the chain.

    A walk that meets a removed channel is lost (absorbed as null), so P(conversion without c) is
    the share of walks that convert without visiting c, and the removal effect of c is the share
    of converting walks that visit c. Returns the estimates and their binomial standard errors."""
    transient, q, r = absorbing_chain(paths)
    n = len(transient)
    cumulative = np.cumsum(np.column_stack([q, r, 1 - q.sum(axis=1) - r]), axis=1)  # next state: n = conv, n+1 = null
    rng = np.random.default_rng(seed)
    state = np.zeros(n_walks, dtype=int)
    visited = np.zeros((n_walks, n), dtype=bool)
    alive = np.ones(n_walks, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        u = rng.random(len(idx))
        nxt = np.minimum((u[:, None] > cumulative[state[idx]]).sum(axis=1), n + 1)
        state[idx] = nxt
        moved = nxt < n
        visited[idx[moved], nxt[moved]] = True
        alive[idx[~moved]] = False
    converted = state == n
    share = visited[converted].mean(axis=0)
    se = np.sqrt(share * (1 - share) / converted.sum())
    return ({c: share[i] for i, c in enumerate(transient) if i},
            {c: se[i] for i, c in enumerate(transient) if i})


def test_channelattribution_simulation_agrees_within_its_noise_generated():
    # the counterpart of the test above: on generated paths, removal effects from 40,000 seeded
    # random walks through the chain agree with ours within 5 standard errors (plus 1e-3 for the
    # smallest channels, as above)
    paths = generated_paths(4)
    ours = removal_effects(PathData(paths)).set_index("channel")["removal_effect"]
    simulated, se = simulated_removal_effects(paths, n_walks=40_000, seed=0)
    assert set(simulated) == set(ours.index)
    for c, v in simulated.items():
        assert abs(ours[c] - v) <= 5 * se[c] + 1e-3, (c, ours[c], v, se[c])
    assert 0.0 < min(ours) and max(ours) <= 1.0
