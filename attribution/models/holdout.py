"""Hold-out checks on aggregated paths: a seeded journey split and a weighted ROC AUC."""
from __future__ import annotations

import numpy as np

from attribution.errors import ModelError
from attribution.models.path_arrays import EncodedPaths


def split_journeys(enc: EncodedPaths, test_share: float, seed: int) -> tuple[EncodedPaths, EncodedPaths]:
    """Split journeys (not unique paths) into train and test, seeded.

    Each path's conversions and nulls go to the test set binomially with probability
    ``test_share`` (counts are rounded to whole journeys first); revenue follows conversions
    pro rata. Returns (train, test) over the same paths and channel codes.
    """
    if not 0.0 < test_share < 1.0:
        raise ModelError(f"test_share must be strictly between 0 and 1, got {test_share!r}")
    rng = np.random.default_rng(seed)
    conv = np.rint(enc.conversions).astype(np.int64)
    nulls = np.rint(enc.nulls).astype(np.int64)
    test_conv = rng.binomial(conv, test_share)
    test_nulls = rng.binomial(nulls, test_share)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_conv = np.where(enc.conversions > 0, enc.revenue / enc.conversions, 0.0)
    train = enc.with_counts(conv - test_conv, per_conv * (conv - test_conv), nulls - test_nulls)
    test = enc.with_counts(test_conv, per_conv * test_conv, test_nulls)
    return train, test


def weighted_auc(scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> float:
    """ROC AUC where each score stands for ``positives`` converting and ``negatives`` other journeys.

    AUC = P(score of a random converter > score of a random non-converter) + ½ P(tie). NaN when
    either class is empty.
    """
    scores = np.asarray(scores, dtype=float)
    pos_total = float(np.sum(positives))
    neg_total = float(np.sum(negatives))
    if pos_total <= 0 or neg_total <= 0:
        return float("nan")
    uniq, group = np.unique(scores, return_inverse=True)
    pos = np.bincount(group, weights=positives, minlength=len(uniq))
    neg = np.bincount(group, weights=negatives, minlength=len(uniq))
    neg_below = np.cumsum(neg) - neg
    return float(np.sum(pos * (neg_below + 0.5 * neg)) / (pos_total * neg_total))
