"""Conversions without a touch, added to a model's credit as one channel row.

A counted conversion with no touch in its window makes no journey (the rule is written out on
:class:`attribution.journeys.data.JourneyStats`), so no model can credit it. Analysts expect channel
totals to add up to the conversions, so every model result gets one row for them on the channel
``settings.no_touch_channel`` (``"(no touch)"`` by default, or a chosen channel such as Direct,
whose own credit then grows by that amount). This is kept apart from the models: they credit
journeys; this adds what no journey carries.
"""
from __future__ import annotations

import pandas as pd

from attribution.journeys.data import NO_TOUCH, PathData


def no_touch_totals(data: PathData) -> tuple[str, float, float]:
    """``(channel, conversions, revenue)`` of the conversions without a touch in ``data``
    (0, 0 for aggregated paths and hand-made journeys, which carry no build counts)."""
    stats = getattr(data, "stats", None)
    settings = getattr(data, "settings", None)
    channel = getattr(settings, "no_touch_channel", NO_TOUCH) or NO_TOUCH
    if stats is None:
        return channel, 0.0, 0.0
    return channel, float(stats.conversions_without_touches), float(stats.revenue_without_touches)


def add_no_touch_row(credit: pd.DataFrame, data: PathData) -> pd.DataFrame:
    """``credit`` (tidy ``model, channel, conversions, revenue, share``) with the conversions without
    a touch added on their channel, shares recomputed over the new total; unchanged when there
    are none."""
    channel, conversions, revenue = no_touch_totals(data)
    if conversions <= 0:
        return credit
    model = credit["model"].iloc[0] if len(credit) else ""
    row = pd.DataFrame({"model": [model], "channel": [channel], "conversions": [conversions],
                        "revenue": [revenue]})
    if channel in set(credit["channel"]):
        out = credit.copy()
        hit = out["channel"] == channel
        out.loc[hit, "conversions"] += conversions
        out.loc[hit, "revenue"] += revenue
    else:
        out = pd.concat([credit.drop(columns="share"), row], ignore_index=True)
    total = float(out["conversions"].sum())
    out["share"] = out["conversions"] / total if total > 0 else 0.0
    return out[list(credit.columns)]


def no_touch_note(data: PathData) -> str | None:
    """One sentence saying how many counted conversions have no touch, why, and where they are
    credited; None when there are none. The reasons follow the journey rules of ``data.settings``:
    no touch of the user inside the lookback window, (with reset on conversion) none since the
    user's previous counted conversion, or (with excluded channels) only touches on excluded
    channels; aggregated paths have only the last reason."""
    channel, conversions, revenue = no_touch_totals(data)
    if conversions <= 0:
        return None
    settings = getattr(data, "settings", None)
    excluded = ", ".join(getattr(settings, "exclude_channels", ()) or ())
    if data.has_touches:
        lookback = getattr(settings, "lookback_days", None)
        reasons = [f"in the {lookback} days before it" if lookback is not None else "before it"]
        if getattr(settings, "reset_on_conversion", False):
            reasons.append("since the user's previous conversion")
        why = f"have no touch {' or '.join(reasons)}" + (
            f", or only touches on excluded channels ({excluded})" if excluded else "")
    else:
        why = f"are on paths made only of excluded channels ({excluded})"
    counted = float(getattr(data.stats, "conversions_counted", conversions))
    return (f"{conversions:,.0f} of {counted:,.0f} conversions ({revenue:,.2f} revenue) {why}; every model "
            f"credits them to the channel {channel!r}, so channel totals add up to the conversions.")
