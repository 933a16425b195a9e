"""Predictive checks: how well the data-driven models predict conversion on held-out journeys."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from attribution.journeys.data import PathData
from attribution.models.logistic import logistic_auc
from attribution.models.markov_order import markov_order_auc

CHECK_COLUMNS = ["model", "order", "auc", "n_test", "unseen"]


def predictive_checks(data: PathData, orders: Iterable[int] = (1, 2, 3, 4), test_share: float = 0.3,
                      seed: int = 0, *, exposure: str = "binary") -> pd.DataFrame:
    """Hold-out ROC AUC of the Markov chain by order and of the logistic model.

    Journeys are split into train and test (``test_share`` of each path's journeys to test,
    seeded); each model is fitted on train and scores test journeys. AUC 0.5 is chance, 1 perfect.
    See :func:`~attribution.models.markov_order_auc` and :func:`~attribution.models.logistic_auc`.

    Returns
    -------
    DataFrame
        ``model, order, auc, n_test, unseen``: one "markov" row per order (``unseen`` is the share
        of test journeys whose last state training never saw), then one "logistic" row (order,
        n_test and unseen NaN). Raises :class:`~attribution.errors.ModelError` when the data has no
        non-converting journeys.
    """
    markov = markov_order_auc(data, orders=orders, test_share=test_share, seed=seed).assign(model="markov")
    logistic = pd.DataFrame({"model": ["logistic"], "order": [np.nan], "n_test": [np.nan], "unseen": [np.nan],
                             "auc": [logistic_auc(data, test_share=test_share, seed=seed, exposure=exposure)]})
    out = pd.concat([markov, logistic], ignore_index=True)[CHECK_COLUMNS]
    out["order"] = out["order"].astype("Int64")
    return out
