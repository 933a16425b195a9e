"""Markov-chain attribution: hand-worked chains, options, invariants and order selection."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models import markov_chain as mc
from attribution.models import markov_order_auc, removal_effects, run_model, transition_matrix
from attribution.models.holdout import weighted_auc
from attribution.models.markov import fit_chain


def make(*rows: tuple[str, float, float, float]) -> PathData:
    """PathData from (path "A>B", conversions, revenue, nulls) rows."""
    return PathData(pd.DataFrame({
        "path": [tuple(r[0].split(">")) for r in rows],
        "conversions": [float(r[1]) for r in rows],
        "revenue": [float(r[2]) for r in rows],
        "nulls": [float(r[3]) for r in rows],
    }))


def random_paths(seed: int, n: int = 300, channels: str = "ABCDE") -> PathData:
    rng = np.random.default_rng(seed)
    rows = {}
    for _ in range(n):
        path = ">".join(rng.choice(list(channels), size=rng.integers(1, 7)))
        conv = float(rng.integers(0, 4))
        rows[path] = (path, conv, conv * rng.uniform(1, 50), float(rng.integers(0, 6)))
    return make(*rows.values())


# Three paths: A>B converts once (revenue 10); B converts once (revenue 2) and fails once;
# A converts once (revenue 3) and fails once.
# Order-1 counts: start->A 1+2 = 3, start->B 2; A->B 1, A->conv 1, A->null 1; B->conv 2, B->null 1.
# Probabilities: start: A 3/5, B 2/5; A: B 1/3, conv 1/3, null 1/3; B: conv 2/3, null 1/3.
# x_B = 2/3; x_A = 1/3 * 2/3 + 1/3 = 5/9; P(conv) = 3/5 * 5/9 + 2/5 * 2/3 = 3/5 (= 3 conv / 5 journeys).
# Remove A: P = 2/5 * 2/3 = 4/15 -> RE(A) = 1 - (4/15)/(3/5) = 5/9.
# Remove B: x_A = 1/3, P = 3/5 * 1/3 = 1/5 -> RE(B) = 1 - 1/3 = 2/3.
# Credit: A = 3 * (5/9)/(11/9) = 15/11, B = 3 * (6/9)/(11/9) = 18/11.
# Value: v(B->conv) = 12/2 = 6, so r_v(B) = 2/3 * 6 = 4; v(A->conv) = 3, r_v(A) = 1/3 * 3 = 1.
# y_B = 4, y_A = 1/3 * 4 + 1 = 7/3, V = 3/5 * 7/3 + 2/5 * 4 = 3 (= revenue 15 / 5 journeys).
# Remove A: V = 2/5 * 4 = 8/5 -> RE_v(A) = 1 - 8/15 = 7/15. Remove B: y_A = 1, V = 3/5 -> RE_v(B) = 4/5.
# Revenue credit: A = 15 * (7/15)/(19/15) = 105/19, B = 15 * (12/15)/(19/15) = 180/19.
HAND = make(("A>B", 1, 10, 0), ("B", 1, 2, 1), ("A", 1, 3, 1))


def test_hand_worked_order_one_chain():
    effects = removal_effects(HAND).set_index("channel")
    assert effects.loc["A", "removal_effect"] == pytest.approx(5 / 9)
    assert effects.loc["B", "removal_effect"] == pytest.approx(2 / 3)
    assert effects.loc["A", "revenue_removal_effect"] == pytest.approx(7 / 15)
    assert effects.loc["B", "revenue_removal_effect"] == pytest.approx(4 / 5)
    credit = run_model("markov", HAND).set_index("channel")
    assert credit.loc["A", "conversions"] == pytest.approx(15 / 11)
    assert credit.loc["B", "conversions"] == pytest.approx(18 / 11)
    assert credit.loc["A", "revenue"] == pytest.approx(105 / 19)
    assert credit.loc["B", "revenue"] == pytest.approx(180 / 19)
    assert credit["share"].sum() == pytest.approx(1.0)


def test_transition_matrix_matches_hand_counts():
    tm = transition_matrix(HAND)
    got = {(r.from_state, r.to_state): (r.probability, r["count"]) for _, r in tm.iterrows()}
    assert got == {
        ("(start)", "A"): pytest.approx((3 / 5, 3)), ("(start)", "B"): pytest.approx((2 / 5, 2)),
        ("A", "B"): pytest.approx((1 / 3, 1)), ("A", "(conversion)"): pytest.approx((1 / 3, 1)),
        ("A", "(null)"): pytest.approx((1 / 3, 1)), ("B", "(conversion)"): pytest.approx((2 / 3, 2)),
        ("B", "(null)"): pytest.approx((1 / 3, 1)),
    }
    assert tm.groupby("from_state")["probability"].sum().to_numpy() == pytest.approx(np.ones(3))


def test_without_nulls_probability_of_conversion_is_one():
    # Converting paths only: start->A 2, start->B 1; A->B 1, A->conv 1; B->conv 2. P(conv) = 1.
    # Remove A: P = 1/3 -> RE(A) = 2/3. Remove B: P = 2/3 * 1/2 = 1/3 -> RE(B) = 2/3: 1.5 each.
    # Value: r_v(B) = 6, r_v(A) = 1/2 * 3 = 1.5; y_A = 1/2 * 6 + 1.5 = 4.5; V = 2/3*4.5 + 1/3*6 = 5.
    # Remove A: V = 2 -> RE_v(A) = 3/5; remove B: V = 2/3 * 1.5 = 1 -> RE_v(B) = 4/5.
    # Revenue: A = 15 * 3/7 = 45/7, B = 15 * 4/7 = 60/7.
    effects = removal_effects(HAND, use_nulls=False).set_index("channel")
    assert effects["removal_effect"].to_numpy() == pytest.approx([2 / 3, 2 / 3])
    assert effects["conversions"].to_numpy() == pytest.approx([1.5, 1.5])
    assert effects["revenue_removal_effect"].to_numpy() == pytest.approx([3 / 5, 4 / 5])
    assert effects["revenue"].to_numpy() == pytest.approx([45 / 7, 60 / 7])
    no_null_data = make(("A>B", 1, 10, 0), ("B", 1, 2, 0), ("A", 1, 3, 0))
    pd.testing.assert_frame_equal(removal_effects(no_null_data), removal_effects(HAND, use_nulls=False))


# A>B always converts, C>B never does.
# Order 1: start->A 1/2, start->C 1/2, A->B, C->B, B->conv 1/2, B->null 1/2. P = 1/2.
#   Remove A: P = 1/2 * 1/2 = 1/4 -> RE(A) = 1/2; likewise RE(C) = 1/2; remove B: RE(B) = 1.
#   Credit (1 conversion): A 1/4, C 1/4, B 1/2.
# Order 2: states (A), (C), (A,B) -> conv, (C,B) -> null. P = 1/2.
#   Remove A: P = 0 -> RE 1; remove C: P = 1/2 -> RE 0; remove B: RE 1. Credit: A 1/2, B 1/2, C 0.
ORDER_DATA = make(("A>B", 1, 1, 0), ("C>B", 0, 0, 1))


@pytest.mark.parametrize(("order", "expected"), [
    (1, {"A": 0.25, "B": 0.5, "C": 0.25}),
    (2, {"A": 0.5, "B": 0.5, "C": 0.0}),
    (3, {"A": 0.5, "B": 0.5, "C": 0.0}),   # paths of length 2: higher orders see the same states
    (4, {"A": 0.5, "B": 0.5, "C": 0.0}),
])
def test_order_changes_credit_as_worked_out(order, expected):
    credit = run_model("markov", ORDER_DATA, order=order).set_index("channel")["conversions"]
    assert credit.to_dict() == pytest.approx(expected)


def test_order_two_states_are_bigrams():
    tm = transition_matrix(ORDER_DATA, order=2)
    assert set(tm["from_state"]) == {"(start)", "A", "C", "A > B", "C > B"}
    assert tm.set_index(["from_state", "to_state"]).loc[("A > B", "(conversion)"), "probability"] == 1.0


def test_collapse_repeats_keeps_self_loops_only_when_asked():
    data = make(("A>A>B", 1, 5, 0), ("B", 0, 0, 1))
    kept = transition_matrix(data, collapse_repeats=False).set_index(["from_state", "to_state"])
    # A>A>B: A->A once, A->B once, so out of A: 1/2 each.
    assert kept.loc[("A", "A"), "probability"] == pytest.approx(0.5)
    collapsed = transition_matrix(data).set_index(["from_state", "to_state"])
    assert ("A", "A") not in collapsed.index
    assert collapsed.loc[("A", "B"), "probability"] == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_order_one_removal_effects_ignore_self_loops(seed):
    # Self-loops rescale a state's exits uniformly, so absorption probabilities do not change.
    data = random_paths(seed)
    a = removal_effects(data, collapse_repeats=True)
    b = removal_effects(data, collapse_repeats=False)
    assert a["removal_effect"].to_numpy() == pytest.approx(b["removal_effect"].to_numpy(), abs=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("use_nulls", [True, False])
def test_invariants_on_random_paths(order, use_nulls):
    data = random_paths(7)
    paths = data.paths
    chain = fit_chain(data, order=order, use_nulls=use_nulls)
    re_conv, re_value, p_full, v_full = mc.exact_removal_effects(chain)
    # The fitted chain reproduces the observed conversion rate and value per journey exactly.
    journeys = paths["conversions"].sum() + (paths["nulls"].sum() if use_nulls else 0.0)
    assert p_full == pytest.approx(paths["conversions"].sum() / journeys)
    assert v_full == pytest.approx(paths["revenue"].sum() / journeys)
    assert np.all((re_conv >= 0) & (re_conv <= 1)) and np.all((re_value >= 0) & (re_value <= 1))
    credit = run_model("markov", data, order=order, use_nulls=use_nulls)
    assert (credit[["conversions", "revenue", "share"]] >= 0).all().all()
    assert credit["conversions"].sum() == pytest.approx(paths["conversions"].sum())
    assert credit["revenue"].sum() == pytest.approx(paths["revenue"].sum())
    again = run_model("markov", data, order=order, use_nulls=use_nulls)
    pd.testing.assert_frame_equal(credit, again)  # deterministic, bit for bit


def test_krylov_solver_matches_sparse_lu(monkeypatch):
    data = random_paths(3, n=600, channels="ABCDEFG")
    direct = removal_effects(data, order=3)
    monkeypatch.setattr(mc, "DIRECT_SOLVE_MAX_STATES", 0)

    def no_lu(*args, **kwargs):
        raise AssertionError("the Krylov solve should have been accepted without the LU fallback")

    import scipy.sparse.linalg

    monkeypatch.setattr(scipy.sparse.linalg, "splu", no_lu)  # solve_absorbing imports it when it runs
    iterative = removal_effects(data, order=3)
    assert iterative["removal_effect"].to_numpy() == pytest.approx(direct["removal_effect"].to_numpy(), abs=1e-11)
    assert iterative["revenue"].to_numpy() == pytest.approx(direct["revenue"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize("order", [1, 2])
def test_dense_and_sparse_chains_agree(monkeypatch, order):
    # small chains are solved densely with numpy, larger ones with scipy.sparse: the same chain
    # both ways gives the same removal effects (to round-off) and the same transition matrix
    data = random_paths(5, n=400, channels="ABCDEF")
    assert fit_chain(data, order=order).n_states <= mc.DENSE_MAX_STATES
    dense, dense_tm = removal_effects(data, order=order), transition_matrix(data, order=order)
    assert isinstance(fit_chain(data, order=order).counts, np.ndarray)
    monkeypatch.setattr(mc, "DENSE_MAX_STATES", 0)
    assert not isinstance(fit_chain(data, order=order).counts, np.ndarray)
    sparse = removal_effects(data, order=order)
    for col in ("removal_effect", "revenue_removal_effect"):
        assert dense[col].to_numpy() == pytest.approx(sparse[col].to_numpy(), abs=1e-13)
    assert dense["conversions"].to_numpy() == pytest.approx(sparse["conversions"].to_numpy(), rel=1e-12)
    pd.testing.assert_frame_equal(dense_tm, transition_matrix(data, order=order))


def test_no_conversions_gives_empty_frame():
    out = run_model("markov", make(("A>B", 0, 0, 3)))
    assert out.empty and list(out.columns) == ["model", "channel", "conversions", "revenue", "share"]


@pytest.mark.parametrize("order", [0, 5, 1.5, True])
def test_bad_order_is_a_model_error(order):
    with pytest.raises(ModelError, match="order"):
        run_model("markov", HAND, order=order)


def test_weighted_auc_by_hand():
    # scores .2/.5/.9 with (pos, neg) = (1, 1), (0, 2), (2, 0): 3 x 3 pairs.
    # pos@.2 ties the neg@.2 -> 0.5; pos@.9 (x2) beats all 3 negatives -> 6. AUC = 6.5 / 9.
    assert weighted_auc(np.array([0.2, 0.5, 0.9]), np.array([1, 0, 2]), np.array([1, 2, 0])) == pytest.approx(6.5 / 9)


def test_order_auc_finds_the_informative_order():
    # Order 1 sees only the last state B for every journey: one score, AUC exactly 0.5.
    # Order 2 separates (A,B) (always converts) from (C,B) (never): AUC 1.
    data = make(("A>B", 200, 200, 0), ("C>B", 0, 0, 200))
    auc = markov_order_auc(data, orders=(1, 2), test_share=0.3, seed=1)
    assert auc["auc"].tolist() == pytest.approx([0.5, 1.0])
    assert 60 < auc["n_test"].iloc[0] < 180   # ~ 400 * 0.3
    assert (auc["unseen"] == 0).all()
    pd.testing.assert_frame_equal(auc, markov_order_auc(data, orders=(1, 2), test_share=0.3, seed=1))


def test_order_auc_needs_nulls():
    with pytest.raises(ModelError, match="non-converting"):
        markov_order_auc(make(("A>B", 5, 5, 0)))
