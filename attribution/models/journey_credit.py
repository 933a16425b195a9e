"""Per-journey credit for any registered model: how each conversion splits among its channels.

Rule-based models (first/last touch, linear, position based, time decay, W-shaped, IHC, ...)
have an exact per-touch rule, so their per-journey credit is exact and sums, by channel, to the
model's tidy output. Models defined on the whole data set (Markov, Shapley, ...) give only channel
totals; their credit is spread over journeys by *raking* (iterative proportional fitting):

1. start: a journey's cell for channel c is (touches of c in the journey) × (the model's credit
   for c per touch of c in converting journeys), so a channel the model values gets more of every
   journey it appears in;
2. alternately rescale the cells of each journey to sum to its conversion (1) and the cells of
   each channel to sum to the model's credit, until the channel sums match (to 1e-10 of the
   total) or 500 rounds pass; the last step is always the journey step, so every journey sums
   exactly. (When the totals can only be met by zeroing some cells, IPF approaches them slowly;
   the channel sums are then close but not exact.)

IPF keeps the start's within-journey proportions as far as the totals allow (it finds the table
closest to the start in Kullback–Leibler divergence that meets both margins). A journey whose
channels all have zero credit cannot move toward the totals and is split linearly instead.
Revenue is raked the same way, with journey revenue and the model's channel revenue as margins.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.models.registry import model_spec, run_model
from attribution.models.touch_table import (
    TOUCH_COLUMNS_NEEDED,
    TOUCH_WEIGHTS,
    TouchTable,
    journey_table,
)
from attribution.pathdata import PathData

JOURNEY_CREDIT_COLUMNS = ["journey_id", "channel", "conversions", "revenue"]
MAX_ROUNDS = 500
TOLERANCE = 1e-10


def journey_credit(name: str, data: PathData, **params) -> pd.DataFrame:
    """Credit of model ``name`` per converting journey and channel.

    Parameters
    ----------
    name : str
        Any name in :data:`~attribution.models.registry.MODELS`.
    data : Journeys
        Needs the touches table; :class:`PathData` raises :class:`ModelError`.
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
    spec = model_spec(name)
    unknown = set(params) - set(spec.defaults)
    if unknown:
        raise ModelError(f"{name} has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"valid: {', '.join(spec.defaults) or 'none'}")
    if not data.has_touches:
        raise ModelError("per-journey credit needs built journeys (a touches table); aggregated paths "
                         "have no journeys. Load touchpoints and conversions (or an event log).")
    if name in TOUCH_WEIGHTS:
        table = journey_table(data, TOUCH_COLUMNS_NEEDED[name], label=spec.label)
        weights = TOUCH_WEIGHTS[name](table, **params)
        conv = weights * table.group_conversions[table.group]
        rev = weights * table.group_revenue[table.group]
        return _by_cell(table, table.group, table.channel, conv, rev)
    return _raked(name, data, params, spec.label)


def _by_cell(table: TouchTable, group: np.ndarray, channel: np.ndarray, conv: np.ndarray,
             rev: np.ndarray) -> pd.DataFrame:
    """Sum per-touch (or per-cell) values by journey and channel into the output frame."""
    n_channels = max(len(table.channels), 1)
    cell, cells = pd.factorize(group.astype(np.int64) * n_channels + channel)
    cells = np.asarray(cells, dtype=np.int64)
    out = pd.DataFrame({
        "journey_id": table.group_ids[cells // n_channels],
        "channel": pd.array(table.channels[cells % n_channels].astype(str), dtype="str"),
        "conversions": np.bincount(cell, weights=conv, minlength=len(cells)),
        "revenue": np.bincount(cell, weights=rev, minlength=len(cells)),
    })
    return out.sort_values(["journey_id", "channel"], ignore_index=True)


def _raked(name: str, data: PathData, params: dict, label: str) -> pd.DataFrame:
    credit = run_model(name, data, **params).set_index("channel")
    table = journey_table(data, label=label)
    if table.n_groups == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("conversions", "revenue") else "str")
                             for c in JOURNEY_CREDIT_COLUMNS})
    n_channels = len(table.channels)
    cell, cells = pd.factorize(table.group.astype(np.int64) * n_channels + table.channel)
    cells = np.asarray(cells, dtype=np.int64)
    rows, cols = cells // n_channels, cells % n_channels
    touches = np.bincount(cell, minlength=len(cells)).astype(float)
    names = pd.Index(table.channels.astype(str))
    conv_target = credit["conversions"].reindex(names).fillna(0.0).clip(lower=0).to_numpy()
    rev_target = credit["revenue"].reindex(names).fillna(0.0).clip(lower=0).to_numpy()
    conv = rake(rows, cols, touches, table.group_conversions, conv_target)
    rev = rake(rows, cols, touches, table.group_revenue, rev_target)
    return _by_cell(table, rows, cols, conv, rev)


def rake(rows: np.ndarray, cols: np.ndarray, touches: np.ndarray, row_targets: np.ndarray,
         col_targets: np.ndarray) -> np.ndarray:
    """Spread row totals over sparse cells so column totals approach ``col_targets`` (IPF).

    Parameters
    ----------
    rows, cols : int arrays
        Row (journey) and column (channel) index of each non-empty cell.
    touches : float array
        Touches per cell: the start is proportional to touches × column credit per touch.
    row_targets, col_targets : float arrays
        Exact row sums wanted, and column sums wanted as closely as possible.

    Returns
    -------
    ndarray
        Cell values whose row sums equal ``row_targets`` exactly.
    """
    n_rows, n_cols = len(row_targets), len(col_targets)
    appearances = np.bincount(cols, weights=touches * np.abs(row_targets[rows]), minlength=n_cols)
    per_touch = np.divide(col_targets, appearances, out=np.zeros(n_cols), where=appearances > 0)
    start = touches * per_touch[cols]
    movable = (np.bincount(rows, weights=start, minlength=n_rows) > 0) & (row_targets > 0)
    # journeys whose channels all have zero credit (or with revenue <= 0): split linearly, fixed
    fixed_share = touches / np.bincount(rows, weights=touches, minlength=n_rows)[rows]
    fixed = np.where(movable[rows], 0.0, fixed_share * row_targets[rows])
    targets = np.clip(col_targets - np.bincount(cols, weights=fixed, minlength=n_cols), 0, None)
    reachable = np.bincount(cols, weights=movable[rows].astype(float), minlength=n_cols) > 0
    targets = np.where(reachable, targets, 0.0)
    wanted = row_targets[movable].sum()
    if targets.sum() > 0:
        # inconsistent margins (credit on channels no journey can carry) would make IPF oscillate
        targets *= wanted / targets.sum()
    x = np.where(movable[rows], start, 0.0)
    row_goal = np.where(movable, row_targets, 0.0)
    for _ in range(MAX_ROUNDS):
        x *= _ratio(row_goal, np.bincount(rows, weights=x, minlength=n_rows))[rows]
        col_sums = np.bincount(cols, weights=x, minlength=n_cols)
        if np.max(np.abs(col_sums - targets), initial=0.0) <= TOLERANCE * max(wanted, 1.0):
            break
        x *= _ratio(targets, col_sums)[cols]
    x *= _ratio(row_goal, np.bincount(rows, weights=x, minlength=n_rows))[rows]
    return x + fixed


def _ratio(goal: np.ndarray, current: np.ndarray) -> np.ndarray:
    return np.divide(goal, current, out=np.zeros_like(goal, dtype=float), where=current > 0)
