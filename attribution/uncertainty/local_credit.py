"""Bootstrap estimators of models whose credit for a journey depends only on that journey.

For these models a replicate needs no refit: the credit of one conversion on each unique path (or
of each converting journey) is computed once into a sparse matrix, and a replicate's channel
credit is its resampled counts times that matrix. Rule-based models (first/last touch, linear,
position based, W-shaped, ...) use their registered per-touch weight functions; the simplified
Shapley value shares each conversion equally among the journey's distinct channels; touch-level
models (time decay, linear by day, IHC, and W-shaped with funnel milestones) use
:func:`~attribution.models.journey_credit`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from attribution.models.journey_credit import journey_credit
from attribution.models.path_arrays import first_occurrences
from attribution.models.registry import model_spec
from attribution.models.touch_table import TOUCH_WEIGHTS, path_table
from attribution.uncertainty.resample import BaseData, Chunk, JourneyIndex

PATH_LOCAL_EXTRA = ("shapley",)  # path-local models without a per-touch weight function


def is_path_local(name: str) -> bool:
    """True when the model's credit on a path depends only on that path (and not on touch data)."""
    return name in PATH_LOCAL_EXTRA or (name in TOUCH_WEIGHTS and not model_spec(name).needs_touches)


def needs_journeys(name: str, base: BaseData) -> bool:
    """True when the model reads touch columns beyond the path, so journeys must be resampled.

    W-shaped reads funnel milestones when the touches have them (as the model itself does).
    """
    data = base.data
    if not data.has_touches:
        return False
    if model_spec(name).needs_touches:
        return True
    if name == "w_shaped":
        touches = data.touches
        return "milestone" in touches.columns and bool(touches["milestone"].notna().any())
    return False


class PathLocal:
    """Credit = resampled path counts × per-path credit of one conversion (P × C)."""

    def __init__(self, name: str, base: BaseData, params: dict) -> None:
        self.unit_t = path_unit_credit(name, base, params).T.tocsr()

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k)."""
        return self.unit_t @ chunk.conversions, self.unit_t @ chunk.revenue


def path_unit_credit(name: str, base: BaseData, params: dict) -> sp.csr_matrix:
    """Sparse (rows of ``paths``) × channels: how one conversion on each path is split."""
    n_rows, n_channels = len(base.data.paths), len(base.channels)
    if name == "shapley":
        distinct = first_occurrences(base.enc)
        rows = base.rows[distinct.path_of_touch]
        cols = distinct.codes
        values = 1.0 / np.repeat(distinct.lengths, distinct.lengths)
    else:
        table = path_table(base.data)
        values = TOUCH_WEIGHTS[name](table, **params)
        rows = table.group_ids[table.group]
        cols = base.channel_index(table.channels)[table.channel]
    return sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_channels))


class JourneyLocal:
    """Credit = Poisson journey weights × per-journey credit (J × C), for conversions and revenue."""

    def __init__(self, name: str, base: BaseData, params: dict, journeys: JourneyIndex) -> None:
        credit = journey_credit(name, base.data, **params)
        rows = journeys.positions(credit["journey_id"].to_numpy())
        cols = base.channel_codes(credit["channel"])
        shape = (journeys.n_journeys, len(base.channels))
        self.conversions_t = sp.csr_matrix((credit["conversions"].to_numpy(dtype=float), (rows, cols)),
                                           shape=shape).T.tocsr()
        self.revenue_t = sp.csr_matrix((credit["revenue"].to_numpy(dtype=float), (rows, cols)), shape=shape).T.tocsr()

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k)."""
        return self.conversions_t @ chunk.journey_weights, self.revenue_t @ chunk.journey_weights
