"""Bootstrap estimators of models whose credit for a journey depends only on that journey.

For these models (registered with the ``LocalCredit`` bootstrap strategy) a replicate needs no
refit: the credit of one conversion on each unique path (or of each converting journey) is
computed once into a sparse matrix, and a replicate's channel credit is its resampled counts times
that matrix. On paths the matrix comes from the model's per-path rule (its strategy's
``path_rule``, else its ``touch_rule``); a model that reads touch data (it needs touches, or its
rule's optional columns have values, e.g. W-shaped with funnel milestones) uses its exact
per-journey credit (:func:`~attribution.models.journey_credit`; on Spark journeys the same credit
computed in Spark, :func:`engine_journey_credit`) on resampled journeys instead.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from attribution.errors import ModelError
from attribution.models.journey_credit import journey_credit
from attribution.models.registry import (
    LocalCredit,
    ModelSpec,
    TouchRule,
    check_params,
    engine_weigher,
    model_spec,
)
from attribution.models.touch_table import path_table
from attribution.uncertainty.resample import BaseData, Chunk, JourneyIndex


def needs_journeys(name: str, base: BaseData) -> bool:
    """True when the model's credit reads touch data beyond the paths, so journeys must be resampled."""
    return model_spec(name).reads_touches(base.data)


def path_rule(spec: ModelSpec) -> TouchRule:
    """The rule giving a ``LocalCredit`` model's credit of one conversion on a unique path."""
    rule = spec.bootstrap.path_rule if isinstance(spec.bootstrap, LocalCredit) else None
    rule = rule or spec.touch_rule
    if rule is None:   # register() refuses such a model; guard against a spec built by hand
        raise ModelError(f"{spec.label} has no per-path credit rule for the bootstrap")
    return rule


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
    table = path_table(base.data)
    values = path_rule(model_spec(name)).weights(table, **params)
    rows = table.group_ids[table.group]
    cols = base.channel_index(table.channels)[table.channel]
    return sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_channels))


def engine_journey_credit(name: str, data, params: dict):
    """A rule model's credit per converting journey and channel, computed where the touches are
    (Spark: ``data.journey_weights``), with ``journey_id`` the journey's position in the engine's
    journey order (:class:`~attribution.uncertainty.resample.JourneyIndex` numbers them so)."""
    spec = check_params(name, params)
    return data.journey_weights(engine_weigher(spec, data, params), spec.touch_rule.columns)


class JourneyLocal:
    """Credit = Poisson journey weights × per-journey credit (J × C), for conversions and revenue."""

    def __init__(self, name: str, base: BaseData, params: dict, journeys: JourneyIndex) -> None:
        credit = journey_credit(name, base.data, **params) if base.data.touches_on_driver else \
            engine_journey_credit(name, base.data, params)
        rows = journeys.positions(credit["journey_id"].to_numpy())
        cols = base.channel_codes(credit["channel"])
        shape = (journeys.n_journeys, len(base.channels))
        self.conversions_t = sp.csr_matrix((credit["conversions"].to_numpy(dtype=float), (rows, cols)),
                                           shape=shape).T.tocsr()
        self.revenue_t = sp.csr_matrix((credit["revenue"].to_numpy(dtype=float), (rows, cols)), shape=shape).T.tocsr()

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k)."""
        return self.conversions_t @ chunk.journey_weights, self.revenue_t @ chunk.journey_weights
