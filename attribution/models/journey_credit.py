"""Per-journey credit for any registered model: how each conversion splits among its channels.

Rule-based models (first/last touch, linear, position based, time decay, W-shaped, IHC, ...)
have an exact per-touch rule (their spec's ``touch_rule``), so their per-journey credit is exact and sums, by channel, to the
model's tidy output. Models defined on the whole data set (Markov, Shapley, ...) give only channel
totals; their credit is spread over journeys by *raking* (iterative proportional fitting):

1. start: a journey's cell for channel c is (touches of c in the journey) × (the model's credit
   for c per touch of c in converting journeys), so a channel the model values gets more of every
   journey it appears in;
2. alternately rescale the cells of each journey to sum to its conversion (1) and the cells of
   each channel to sum to the model's credit, until the channel sums match (to 1e-10 of the
   total), 500 rounds pass, or 25 rounds improve the worst channel by less than 1 %; the last
   step is always the journey step, so every journey sums exactly. (When the totals can only be
   met by zeroing some cells, IPF approaches them slowly; the channel sums are then close but
   not exact.)

IPF keeps the start's within-journey proportions as far as the totals allow (it finds the table
closest to the start in Kullback–Leibler divergence that meets both margins). A journey whose
channels all have zero credit cannot move toward the totals and is split linearly instead.
Revenue is raked the same way, with journey revenue and the model's channel revenue as margins.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.raking import patterns, rake
from attribution.models.registry import check_params, run_model
from attribution.models.touch_table import TouchTable, journey_table

JOURNEY_CREDIT_COLUMNS = ["journey_id", "channel", "conversions", "revenue"]


def journey_credit(name: str, data: PathData, *, totals: pd.DataFrame | None = None, **params) -> pd.DataFrame:
    """Credit of model ``name`` per converting journey and channel.

    Parameters
    ----------
    name : str
        Any name in :data:`~attribution.models.registry.MODELS`.
    data : Journeys
        Needs the touches table; :class:`PathData` raises :class:`ModelError`.
    totals : DataFrame, optional
        The model's tidy output (:func:`~attribution.models.run_model` with the same parameters)
        when the caller has it already: global models rake to it instead of running again.
    **params
        The model's parameters.

    Returns
    -------
    DataFrame
        ``journey_id, channel, conversions, revenue``: one row per converting journey and channel
        on it, sorted by both. Each journey's conversions sum to 1 and its revenue to the journey's
        revenue. For rule-based models the channel sums equal the model's tidy output exactly; for
        global models (Markov, Shapley, ...) as closely as raking allows (see the module docstring).
    """
    spec = check_params(name, params)
    if not data.has_touches:
        raise ModelError("per-journey credit needs built journeys (a touches table); aggregated paths "
                         "have no journeys. Load touchpoints and conversions (or an event log).")
    if spec.touch_rule is not None:
        table = journey_table(data, spec.touch_rule.columns, label=spec.label)
        weights = spec.touch_rule.weights(table, **params)
        rows, cols, cell = _cells(table, table.group, table.channel)
        conv = np.bincount(cell, weights=weights * table.group_conversions[table.group], minlength=len(rows))
        rev = np.bincount(cell, weights=weights * table.group_revenue[table.group], minlength=len(rows))
        return _frame(table, rows, cols, conv, rev)
    return _raked(name, data, params, spec.label, totals)


def _cells(table: TouchTable, group: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, ...]:
    """Journey and channel of each distinct (journey, channel) pair, and each touch's pair."""
    n_channels = max(len(table.channels), 1)
    cell, cells = pd.factorize(group.astype(np.int64) * n_channels + channel)
    cells = np.asarray(cells, dtype=np.int64)
    return cells // n_channels, cells % n_channels, cell


def _frame(table: TouchTable, rows: np.ndarray, cols: np.ndarray, conv: np.ndarray,
           rev: np.ndarray) -> pd.DataFrame:
    """The output frame, sorted by journey id and channel name."""
    journey_rank = pd.factorize(table.group_ids, sort=True)[0]
    channel_rank = np.argsort(np.argsort(table.channels.astype(str), kind="stable"))
    order = np.lexsort((channel_rank[cols], journey_rank[rows]))
    names = pd.Series(pd.array(table.channels.astype(str), dtype="str"))
    return pd.DataFrame({
        "journey_id": table.group_ids[rows[order]],
        # take from the few channel names rather than building a million strings
        "channel": names.take(cols[order]).reset_index(drop=True),
        "conversions": conv[order],
        "revenue": rev[order],
    })


def _raked(name: str, data: PathData, params: dict, label: str, totals: pd.DataFrame | None) -> pd.DataFrame:
    totals = totals if totals is not None else run_model(name, data, **params)
    return raked_credit(journey_table(data, label=label), totals)


def raked_credit(table: TouchTable, totals: pd.DataFrame) -> pd.DataFrame:
    """Credit per group of ``table`` (journeys, or unique paths weighted by their conversions and
    revenue) and channel, raked to the model's tidy ``totals`` (see the module docstring).

    Within-group shares depend only on a group's touches per channel, so raking the unique paths
    of :func:`~attribution.models.touch_table.path_table` gives each path the summed credit of its
    journeys (journeys with negative revenue, e.g. refunds, are split by touches on journeys, but
    netted with their path's other journeys on paths).
    """
    credit = totals.set_index("channel")
    if table.n_groups == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("conversions", "revenue") else "str")
                             for c in JOURNEY_CREDIT_COLUMNS})
    rows, cols, cell = _cells(table, table.group, table.channel)
    touches = np.bincount(cell, minlength=len(rows)).astype(float)
    groups = patterns(rows, cols, touches, table.n_groups, len(table.channels))
    names = pd.Index(table.channels.astype(str))
    conv_target = credit["conversions"].reindex(names).fillna(0.0).clip(lower=0).to_numpy()
    rev_target = credit["revenue"].reindex(names).fillna(0.0).clip(lower=0).to_numpy()
    conv = rake(rows, cols, touches, table.group_conversions, conv_target, groups=groups)
    rev = rake(rows, cols, touches, table.group_revenue, rev_target, groups=groups)
    return _frame(table, rows, cols, conv, rev)
