"""Raking (iterative proportional fitting) of journey × channel credit onto model totals.

Used by :func:`attribution.models.journey_credit` for models that only give channel totals.
Journeys with the same touches per channel (a *pattern*) always keep the same within-journey
shares under IPF (row scaling is proportional to the journey's total, column scaling is common to
all rows), so the iteration runs once per pattern, weighted by its journeys' totals: a million
journeys usually reduce to a few thousand patterns.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAX_ROUNDS = 500
TOLERANCE = 1e-10
STALL = 25


def rake(rows: np.ndarray, cols: np.ndarray, touches: np.ndarray, row_targets: np.ndarray,
         col_targets: np.ndarray, *, groups: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Spread row totals over sparse cells so column totals approach ``col_targets`` (IPF).

    Parameters
    ----------
    rows, cols : int arrays
        Row (journey) and column (channel) index of each non-empty cell (one cell per pair).
    touches : float array
        Touches per cell: the start is proportional to touches × column credit per touch.
    row_targets, col_targets : float arrays
        Exact row sums wanted, and column sums wanted as closely as possible (non-negative).
    groups : pair of int arrays, optional
        :func:`patterns` of the same cells, when several margins are raked on them.

    Returns
    -------
    ndarray
        Cell values whose row sums equal ``row_targets`` exactly. Rows with target <= 0, or whose
        columns all have zero credit, are split in proportion to touches and take no part in IPF.
    """
    n_rows, n_cols = len(row_targets), len(col_targets)
    appearances = np.bincount(cols, weights=touches * np.abs(row_targets[rows]), minlength=n_cols)
    per_touch = np.divide(col_targets, appearances, out=np.zeros(n_cols), where=appearances > 0)
    pattern, pattern_cell = groups if groups is not None else patterns(rows, cols, touches, n_rows, n_cols)
    n_patterns = int(pattern.max()) + 1 if len(pattern) else 0
    representative = np.zeros(int(pattern_cell.max()) + 1 if len(pattern_cell) else 0, dtype=np.int64)
    representative[pattern_cell] = np.arange(len(rows))
    p_rows, p_cols = pattern[rows[representative]], cols[representative]
    start = touches[representative] * per_touch[p_cols]
    live = np.bincount(p_rows, weights=start, minlength=n_patterns) > 0
    movable = (row_targets > 0) & live[pattern]
    weight = np.bincount(pattern[movable], weights=row_targets[movable], minlength=n_patterns)

    # rows that cannot move toward the totals: split by touches and held fixed
    share = touches / np.bincount(rows, weights=touches, minlength=n_rows)[rows]
    fixed = np.where(movable[rows], 0.0, share * row_targets[rows])
    targets = np.clip(col_targets - np.bincount(cols, weights=fixed, minlength=n_cols), 0, None)
    reachable = np.bincount(p_cols, weights=(weight[p_rows] > 0).astype(float), minlength=n_cols) > 0
    targets = np.where(reachable, targets, 0.0)
    if targets.sum() > 0:
        # inconsistent margins (credit on channels no journey can carry) would make IPF oscillate
        targets *= weight.sum() / targets.sum()

    fitted = _ipf(p_rows, p_cols, np.where(weight[p_rows] > 0, start, 0.0), weight, targets)
    pattern_share = np.divide(fitted, weight[p_rows], out=np.zeros_like(fitted), where=weight[p_rows] > 0)
    return np.where(movable[rows], row_targets[rows] * pattern_share[pattern_cell], 0.0) + fixed


def _ipf(rows: np.ndarray, cols: np.ndarray, start: np.ndarray, row_goal: np.ndarray,
         col_goal: np.ndarray) -> np.ndarray:
    """Alternate row and column scaling; ends on a row step so row sums are exact."""
    n_rows, n_cols = len(row_goal), len(col_goal)
    x = start.astype(float).copy()
    tolerance = TOLERANCE * max(float(row_goal.sum()), 1.0)
    errors: list[float] = []
    for _ in range(MAX_ROUNDS):
        x *= _ratio(row_goal, np.bincount(rows, weights=x, minlength=n_rows))[rows]
        col_sums = np.bincount(cols, weights=x, minlength=n_cols)
        errors.append(float(np.max(np.abs(col_sums - col_goal), initial=0.0)))
        # stop when matched, or when STALL rounds gained < 1 % (a boundary solution that IPF only
        # approaches slowly: more rounds cost time for a negligible gain)
        if errors[-1] <= tolerance or (len(errors) > STALL and errors[-1] > 0.99 * errors[-1 - STALL]):
            break
        x *= _ratio(col_goal, col_sums)[cols]
    x *= _ratio(row_goal, np.bincount(rows, weights=x, minlength=n_rows))[rows]
    return x


def patterns(rows: np.ndarray, cols: np.ndarray, touches: np.ndarray, n_rows: int,
             n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Pattern id per row (rows with identical (column, touches) cells share one) and the
    pattern-cell id of each cell. With non-integer touches every row is its own pattern."""
    if len(rows) == 0:
        return np.zeros(n_rows, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if np.all(touches == np.round(touches)) and touches.max() < 2**31:
        order = np.lexsort((cols, rows))
        r = rows[order]
        code = pd.factorize(cols[order].astype(np.int64) * 2**31 + touches[order].astype(np.int64))[0] + 1
        counts = np.bincount(r, minlength=n_rows)
        rank = np.arange(len(r)) - (np.cumsum(counts) - counts)[r]
        radix = int(code.max()) + 1
        key = np.zeros(n_rows, dtype=np.int64)
        # fold the sorted cells of each row into one id, one cell rank at a time
        for k in range(int(rank.max()) + 1):
            at_rank = rank == k
            digit = np.zeros(n_rows, dtype=np.int64)
            digit[r[at_rank]] = code[at_rank]
            key = pd.factorize(key * radix + digit)[0].astype(np.int64)
        pattern = key
    else:
        pattern = np.arange(n_rows, dtype=np.int64)
    pattern_cell = pd.factorize(pattern[rows] * n_cols + cols)[0].astype(np.int64)
    return pattern, pattern_cell


def _ratio(goal: np.ndarray, current: np.ndarray) -> np.ndarray:
    return np.divide(goal, current, out=np.zeros_like(goal, dtype=float), where=current > 0)
