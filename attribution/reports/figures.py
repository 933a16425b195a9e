"""Plotly figure builders shared by the app and the HTML report.

One function per chart kind; pure plotly, no streamlit, so the CLI's report draws the same charts
as the pages. Pages never build figures themselves.
"""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

TEMPLATE = "plotly_white"
# 11 colour-blind-safe colours, then three vivid ones from Dark24 chosen to stay far (in CIELAB)
# from all of them, so that all 14 models get a colour of their own: every pair of the 14 is at least
# ΔE 22 apart (the pastel tail used before had pairs at ΔE 11, which read as the same colour)
COLORS = px.colors.qualitative.Safe + ["#FB0D0D", "#DA16FF", "#FC0080"]


def style_figure(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the house template, title, height, margins and a top legend to a figure."""
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0, title=None))
    return fig


def daily_trend(activity: pd.DataFrame, metric: str = "conversions", title: str | None = None) -> go.Figure:
    """A line of one metric per day (summed over channels)."""
    daily = activity.groupby("date", as_index=False)[metric].sum()
    fig = px.line(daily, x="date", y=metric, color_discrete_sequence=COLORS,
                  labels={"date": "Date", metric: metric.capitalize()})
    return style_figure(fig, title)


def channel_bars(frame: pd.DataFrame, value: str, title: str | None = None,
                 value_label: str | None = None, tickformat: str | None = None) -> go.Figure:
    """Horizontal bars of ``value`` per channel, largest on top; ``tickformat`` (a d3 format such
    as ``".0%"``) formats the value axis."""
    data = frame.sort_values(value)
    fig = px.bar(data, x=value, y="channel", orientation="h", color_discrete_sequence=COLORS,
                 labels={value: value_label or value.capitalize(), "channel": "Channel"})
    if tickformat:
        fig.update_xaxes(tickformat=tickformat)
    return style_figure(fig, title, height=max(300, 28 * len(data) + 120))


def stacked_daily(activity: pd.DataFrame, metric: str = "touches", title: str | None = None) -> go.Figure:
    """Stacked area of a metric per day by channel."""
    data = activity[activity["channel"] != "(all)"]
    data = data.groupby(["date", "channel"], as_index=False)[metric].sum()
    fig = px.area(data, x="date", y=metric, color="channel", color_discrete_sequence=COLORS,
                  labels={"date": "Date", metric: metric.capitalize(), "channel": "Channel"})
    return style_figure(fig, title)


def grouped_bars(results: pd.DataFrame, metric: str = "conversions", title: str | None = None) -> go.Figure:
    """Bars per channel, one colour per model."""
    order = (results.groupby("channel")[metric].sum().sort_values(ascending=False).index.tolist())
    fig = px.bar(results, x="channel", y=metric, color="model", barmode="group",
                 category_orders={"channel": order}, color_discrete_sequence=COLORS,
                 labels={"channel": "Channel", metric: metric.capitalize(), "model": "Model"})
    return style_figure(fig, title, height=420)


def heatmap(wide: pd.DataFrame, index: str = "channel", title: str | None = None, fmt: str = ".0%",
            zmid: float | None = None) -> go.Figure:
    """A heatmap of a wide table (rows × columns), values printed in the cells."""
    data = wide.set_index(index)
    fig = px.imshow(data, text_auto=fmt, aspect="auto", color_continuous_scale="Blues" if zmid is None else "RdBu",
                    color_continuous_midpoint=zmid, labels={"x": "", "y": "", "color": ""})
    return style_figure(fig, title, height=max(320, 34 * len(data) + 140))


def change_bars(comparison: pd.DataFrame, baseline: str, other: str, title: str | None = None) -> go.Figure:
    """Per channel change of the other model against the baseline (positive right, negative left)."""
    data = comparison.sort_values("change")
    fig = go.Figure(go.Bar(
        x=data["change"], y=data["channel"], orientation="h",
        marker_color=["#16a34a" if v >= 0 else "#dc2626" for v in data["change"]],
        text=[("" if pd.isna(p) else f"{p:+.0f}%") for p in data["change_pct"]], textposition="outside",
        hovertemplate="%{y}: %{x:+,.1f}<extra></extra>"))
    fig.update_xaxes(title=f"{other} − {baseline}")
    return style_figure(fig, title, height=max(300, 28 * len(data) + 120))


CI_OF = {"conversions": ("ci_low", "ci_high"), "revenue": ("revenue_ci_low", "revenue_ci_high"),
         "share": ("share_ci_low", "share_ci_high")}


def bars_with_intervals(ci: pd.DataFrame, metric: str = "conversions", title: str | None = None) -> go.Figure:
    """Grouped bars per channel and model with their bootstrap intervals as error bars.

    ``ci`` is the tidy credit frame with interval columns (``attribution.uncertainty.bootstrap``):
    ``ci_low``/``ci_high`` for conversions, ``revenue_ci_*`` and ``share_ci_*`` for the others.
    """
    low, high = CI_OF[metric]
    order = ci.groupby("channel")[metric].sum().sort_values(ascending=False).index.tolist()
    data = ci.assign(_plus=(ci[high] - ci[metric]).clip(lower=0), _minus=(ci[metric] - ci[low]).clip(lower=0))
    fig = px.bar(data, x="channel", y=metric, color="model", barmode="group", error_y="_plus", error_y_minus="_minus",
                 category_orders={"channel": order}, color_discrete_sequence=COLORS,
                 labels={"channel": "Channel", metric: metric.capitalize(), "model": "Model"})
    return style_figure(fig, title, height=420)


def spend_comparison(plan: pd.DataFrame, title: str | None = None, current: str = "current_spend",
                     recommended: str = "recommended_spend") -> go.Figure:
    """Current next to recommended spend per channel (a budget plan)."""
    data = plan.melt(id_vars="channel", value_vars=[current, recommended], var_name="plan", value_name="spend")
    data["plan"] = data["plan"].map({current: "Current", recommended: "Recommended"})
    fig = px.bar(data, x="channel", y="spend", color="plan", barmode="group", color_discrete_sequence=COLORS,
                 labels={"channel": "Channel", "spend": "Spend per period", "plan": ""})
    return style_figure(fig, title)
