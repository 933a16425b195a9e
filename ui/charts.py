"""Plotly figure builders. Pages never build figures themselves; one function per chart kind."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

TEMPLATE = "plotly_white"
COLORS = px.colors.qualitative.Safe


def _style(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def daily_trend(activity: pd.DataFrame, metric: str = "conversions", title: str | None = None) -> go.Figure:
    """A line of one metric per day (summed over channels)."""
    daily = activity.groupby("date", as_index=False)[metric].sum()
    fig = px.line(daily, x="date", y=metric, color_discrete_sequence=COLORS,
                  labels={"date": "Date", metric: metric.capitalize()})
    return _style(fig, title)


def channel_bars(frame: pd.DataFrame, value: str, title: str | None = None,
                 value_label: str | None = None) -> go.Figure:
    """Horizontal bars of ``value`` per channel, largest on top."""
    data = frame.sort_values(value)
    fig = px.bar(data, x=value, y="channel", orientation="h", color_discrete_sequence=COLORS,
                 labels={value: value_label or value.capitalize(), "channel": "Channel"})
    return _style(fig, title, height=max(300, 28 * len(data) + 120))


def stacked_daily(activity: pd.DataFrame, metric: str = "touches", title: str | None = None) -> go.Figure:
    """Stacked area of a metric per day by channel."""
    data = activity[activity["channel"] != "(all)"]
    data = data.groupby(["date", "channel"], as_index=False)[metric].sum()
    fig = px.area(data, x="date", y=metric, color="channel", color_discrete_sequence=COLORS,
                  labels={"date": "Date", metric: metric.capitalize(), "channel": "Channel"})
    return _style(fig, title)
