"""Markov-chain attribution with exact removal effects (Anderl et al. 2016; ChannelAttribution).

The chain (see :mod:`attribution.models.markov_chain`) has states start, channel k-grams,
conversion and null. The **removal effect** of channel c is

    RE(c) = 1 − P₋c(conversion) / P(conversion),

where P₋c is the absorption probability from start when every transition into a state that
contains c goes to null instead. Both probabilities are solved exactly from ``(I − Q) x = r``
with numpy (small chains) or scipy.sparse linear algebra (no simulation), so results are deterministic. Channel credit is
RE(c) / Σ RE × total conversions.

**Revenue** uses the value-weighted analogue: each transition s → conversion carries the mean
revenue of the conversions that took it, v(s) = revenue(s → conversion) / conversions(s → conversion),
and V = expected conversion value from start solves the same system with right-hand side
P(s → conversion) · v(s). RE_value(c) = 1 − V₋c / V, revenue credit = RE_value(c) / Σ RE_value ×
total revenue. (Without removals V equals total revenue / journeys, as P(conversion) equals the
observed conversion rate.)

**Without nulls** (``use_nulls=False``, or data without non-converting journeys) every journey
of the chain converts, so P(conversion) = 1 and RE(c) = 1 − P₋c(conversion) is the share of
converting journeys' probability mass that must pass through c: still in [0, 1] and well defined.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.markov_chain import (
    MAX_ORDER,
    MarkovChain,
    build_chain,
    exact_removal_effects,
    prepare_paths,
)
from attribution.models.path_arrays import encode_paths
from attribution.models.registry import FastRefit, empty_credit, register, safe_share, tidy_credit


def fit_chain(data: PathData, *, order: int = 1, collapse_repeats: bool = True,
              use_nulls: bool = True) -> MarkovChain:
    """The fitted absorbing chain for ``data`` under the model's options."""
    _check_order(order)
    enc = prepare_paths(encode_paths(data.paths), collapse_repeats=collapse_repeats, use_nulls=use_nulls)
    return build_chain(enc, order)


def _check_order(order: int) -> None:
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or not 1 <= order <= MAX_ORDER:
        raise ModelError(f"Markov order must be an integer from 1 to {MAX_ORDER}, got {order!r}")


def removal_effects(data: PathData, order: int = 1, *, collapse_repeats: bool = True,
                    use_nulls: bool = True) -> pd.DataFrame:
    """Exact removal effects and the credit they give, one row per channel.

    Parameters
    ----------
    data : PathData or Journeys
    order : int, 1 to 4
        States are the last ``order`` channels (k-grams).
    collapse_repeats : bool
        Collapse A > A into A before building states.
    use_nulls : bool
        Build the chain from non-converting journeys too (see module docstring).

    Returns
    -------
    DataFrame
        ``channel, removal_effect, conversions, revenue, revenue_removal_effect``:
        RE(c) on conversions (0 to 1), the credit in conversions and revenue, and RE on
        conversion value. Empty when nothing converts.
    """
    chain = fit_chain(data, order=order, collapse_repeats=collapse_repeats, use_nulls=use_nulls)
    columns = ["channel", "removal_effect", "conversions", "revenue", "revenue_removal_effect"]
    total_conv = float(chain.to_conv.sum())
    if total_conv <= 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "channel" else "float64") for c in columns})
    re_conv, re_value, _, _ = exact_removal_effects(chain)
    total_rev = float(chain.conv_value.sum())
    conv_share = safe_share(re_conv)
    value_share = safe_share(re_value) if total_rev != 0 else np.zeros_like(re_value)
    return pd.DataFrame({
        "channel": chain.channels.astype(str),
        "removal_effect": re_conv,
        "conversions": conv_share * total_conv,
        "revenue": value_share * total_rev,
        "revenue_removal_effect": re_value,
    })


@register("markov", label="Markov chain",
          description="Absorbing Markov chain (order k); credit by exact removal effect",
          needs_touches=False,
          touch_rule=None, bootstrap=FastRefit("attribution.uncertainty.refit_markov:MarkovRefit"))
def markov(data: PathData, *, order: int = 1, collapse_repeats: bool = True,
           use_nulls: bool = True) -> pd.DataFrame:
    """Markov-chain removal-effect attribution (see module docstring for the definitions).

    Parameters
    ----------
    data : PathData or Journeys
    order : int, 1 to 4
        Markov order: states are the last ``order`` channels.
    collapse_repeats : bool
        Collapse consecutive repeats (A > A > B → A > B) before building states. For order 1 it
        changes nothing (self-loops do not change absorption probabilities).
    use_nulls : bool
        Use non-converting journeys (default). Without them P(conversion) = 1.

    Returns
    -------
    DataFrame
        The tidy credit frame ``model, channel, conversions, revenue, share``.
    """
    effects = removal_effects(data, order, collapse_repeats=collapse_repeats, use_nulls=use_nulls)
    if effects.empty:
        return empty_credit("markov")
    return tidy_credit("markov", effects.set_index("channel")["conversions"],
                       effects.set_index("channel")["revenue"])


def transition_matrix(data: PathData, order: int = 1, *, collapse_repeats: bool = True,
                      use_nulls: bool = True) -> pd.DataFrame:
    """Every observed transition of the chain with its probability and journey count.

    Returns
    -------
    DataFrame
        ``from_state, to_state, probability, count``; states are "(start)", channel k-grams
        joined with " > ", "(conversion)" and "(null)". Probabilities out of each state sum to 1.
    """
    chain = fit_chain(data, order=order, collapse_repeats=collapse_repeats, use_nulls=use_nulls)
    names = np.array(chain.state_names() + ["(conversion)", "(null)"], dtype=object)
    rows, cols, counts = chain.transitions()
    n = chain.n_states
    states = np.arange(n)
    frm = np.concatenate([rows, states, states])
    to = np.concatenate([cols, np.full(n, n), np.full(n, n + 1)])
    count = np.concatenate([counts, chain.to_conv, chain.to_null])
    keep = count > 0
    frm, to, count = frm[keep], to[keep], count[keep]
    out = chain.outflow
    order_rows = np.lexsort((to, frm))
    frm, to, count = frm[order_rows], to[order_rows], count[order_rows]
    return pd.DataFrame({"from_state": names[frm].astype(str), "to_state": names[to].astype(str),
                         "probability": count / out[frm], "count": count})
