"""Choosing the Markov order by hold-out AUC."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.holdout import split_journeys, weighted_auc
from attribution.models.markov_chain import MAX_ORDER, build_chain, state_keys
from attribution.models.path_arrays import collapse_repeats, encode_paths


def markov_order_auc(data: PathData, orders: Iterable[int] = (1, 2, 3, 4), test_share: float = 0.3,
                     seed: int = 0, *, collapse: bool = True) -> pd.DataFrame:
    """Hold-out ROC AUC of the Markov chain's conversion prediction, per order.

    Journeys are split into train and test (each unique path's conversions and nulls go to test
    binomially with probability ``test_share``, seeded). A chain of each order is fitted on the
    train journeys. A test journey's score is the train chain's probability that a journey ends
    in conversion rather than null given its observed path: the likelihood of "path then
    conversion" over that of "path then conversion or null". The transitions along the path are
    common to both and cancel, leaving P(last state → conversion) / (P(→ conversion) +
    P(→ null)). A last state never seen (or never seen ending a journey) in training scores the
    train conversion rate. AUC weights each unique path by its test conversions and nulls.

    Returns
    -------
    DataFrame
        ``order, auc, n_test, unseen``: AUC (NaN when the test set lacks conversions or nulls),
        test journeys, and the share of test journeys whose last state was unseen in training.
    """
    orders = [int(o) for o in orders]
    if not orders or any(not 1 <= o <= MAX_ORDER for o in orders):
        raise ModelError(f"orders must be integers from 1 to {MAX_ORDER}, got {orders!r}")
    enc = encode_paths(data.paths)
    if collapse:
        enc = collapse_repeats(enc)
    if enc.nulls.sum() <= 0:
        raise ModelError("hold-out AUC needs non-converting journeys (nulls); these paths have none")
    train, test = split_journeys(enc, test_share, seed)
    train = train.select(train.conversions + train.nulls > 0)
    test = test.select(test.conversions + test.nulls > 0)
    base_rate = train.conversions.sum() / max(train.conversions.sum() + train.nulls.sum(), 1.0)
    n_test = float(test.conversions.sum() + test.nulls.sum())
    rows = []
    for order in orders:
        chain = build_chain(train, order)
        exits = chain.to_conv + chain.to_null
        last_keys = state_keys(test, order)[test.offsets[1:] - 1]
        pos = np.searchsorted(chain.keys, last_keys)
        pos = np.minimum(pos, chain.n_states - 1)
        seen = (chain.keys[pos] == last_keys) & (exits[pos] > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(seen, chain.to_conv[pos] / exits[pos], base_rate)
        weight = test.conversions + test.nulls
        rows.append({"order": order,
                     "auc": weighted_auc(score, test.conversions, test.nulls),
                     "n_test": n_test,
                     "unseen": float(weight[~seen].sum() / n_test) if n_test else float("nan")})
    return pd.DataFrame(rows, columns=["order", "auc", "n_test", "unseen"])
