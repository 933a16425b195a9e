"""Plotly figures of the media-mix and budget pages; one function per chart kind."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attribution.reports.figures import COLORS, style_figure

GREY = "#6b7280"
MARK_COLORS = {"Current": "#111827", "Recommended": "#dc2626"}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#") if hex_color.startswith("#") else None
    if h is None:  # plotly's qualitative palettes are "rgb(r, g, b)"
        return hex_color.replace("rgb(", "rgba(").replace(")", f", {alpha})")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {alpha})"


def actual_vs_fitted(fitted: pd.DataFrame, y_label: str, title: str | None = None) -> go.Figure:
    """Actual and fitted outcome per period; the hold-out periods are shaded and labelled."""
    fig = go.Figure()
    fig.add_scatter(x=fitted["date"], y=fitted["actual"], name="Actual", mode="lines+markers",
                    line=dict(color=GREY), marker=dict(size=4))
    fig.add_scatter(x=fitted["date"], y=fitted["fitted"], name="Fitted", mode="lines", line=dict(color=COLORS[0]))
    hold = fitted.loc[fitted["is_holdout"], "date"]
    if len(hold):
        fig.add_vrect(x0=hold.min(), x1=hold.max(), fillcolor="#f59e0b", opacity=0.15, line_width=0,
                      annotation_text="hold-out (not fitted)", annotation_position="top left")
    fig.update_yaxes(title=y_label, tickformat=",")
    fig.update_xaxes(title=None)
    return style_figure(fig, title, height=400)


def contribution_stack(contributions: pd.DataFrame, y_label: str, title: str | None = None) -> go.Figure:
    """Stacked bars of every component per period (baseline, trend, seasonality, controls, channels);
    negative parts stack below zero."""
    order = list(dict.fromkeys(contributions["component"]))
    fig = go.Figure()
    for i, comp in enumerate(order):
        part = contributions[contributions["component"] == comp]
        fig.add_bar(x=part["date"], y=part["value"], name=comp, marker_color=COLORS[i % len(COLORS)],
                    hovertemplate=f"{comp}: %{{y:,.0f}}<extra></extra>")
    fig.update_layout(barmode="relative", bargap=0.05)
    fig.update_yaxes(title=y_label, tickformat=",")
    return style_figure(fig, title, height=440)


def roas_bars(summary: pd.DataFrame, title: str | None = None) -> go.Figure:
    """ROAS and marginal ROAS per channel with their intervals (when bootstrapped)."""
    fig = go.Figure()
    for i, (col, name) in enumerate((("roas", "ROAS (average)"), ("marginal_roas", "Marginal ROAS (next unit)"))):
        err = None
        if f"{col}_ci_low" in summary:
            err = dict(type="data", symmetric=False, array=summary[f"{col}_ci_high"] - summary[col],
                       arrayminus=summary[col] - summary[f"{col}_ci_low"], color=GREY)
        fig.add_bar(x=summary["channel"], y=summary[col], name=name, error_y=err, marker_color=COLORS[i],
                    hovertemplate=f"%{{x}} {name}: %{{y:,.2f}}<extra></extra>")
    fig.add_hline(y=1, line_dash="dot", line_color=GREY, annotation_text="break-even (1.0)",
                  annotation_position="top right")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="Outcome per unit of spend")
    return style_figure(fig, title, height=400)


def response_curves(curves: pd.DataFrame, marks: Mapping[str, Mapping[str, float]], response_of: Callable,
                    x_label: str, y_label: str, title: str | None = None) -> go.Figure:
    """One panel per channel: steady-state response against spend, the interval band when present,
    and a marker per entry of ``marks`` (e.g. ``{"Current": {...}, "Recommended": {...}}``).

    ``response_of(channel, spend)`` gives the response at a marked spend.
    """
    channels = list(dict.fromkeys(curves["channel"]))
    ncols = min(3, len(channels))
    nrows = math.ceil(len(channels) / ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=channels, horizontal_spacing=0.07,
                        vertical_spacing=0.16 if nrows > 1 else 0.1)
    for i, ch in enumerate(channels):
        row, col = i // ncols + 1, i % ncols + 1
        c = curves[curves["channel"] == ch]
        color = COLORS[i % len(COLORS)]
        if "response_ci_low" in c:
            fig.add_scatter(x=pd.concat([c["spend"], c["spend"][::-1]]),
                            y=pd.concat([c["response_ci_high"], c["response_ci_low"][::-1]]), fill="toself",
                            fillcolor=_rgba(color, 0.18), line=dict(width=0), hoverinfo="skip",
                            showlegend=False, row=row, col=col)
        fig.add_scatter(x=c["spend"], y=c["response"], mode="lines", line=dict(color=color), showlegend=False,
                        hovertemplate="spend %{x:,.0f} → %{y:,.0f}<extra></extra>", row=row, col=col)
        for name, spend in marks.items():
            if ch not in spend:
                continue
            x = float(spend[ch])
            y = float(response_of(ch, x))
            fig.add_scatter(x=[x], y=[y], mode="markers", name=name, legendgroup=name, showlegend=i == 0,
                            marker=dict(size=11, color=MARK_COLORS.get(name, GREY),
                                        symbol="diamond" if name == "Recommended" else "circle"),
                            hovertemplate=f"{name}: spend %{{x:,.0f}} → %{{y:,.0f}}<extra></extra>", row=row,
                            col=col)
    fig.update_xaxes(tickformat=",.0f", rangemode="tozero")
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    for i in range(len(channels)):
        row, col = i // ncols + 1, i % ncols + 1
        if i + ncols >= len(channels):  # lowest panel of its column
            fig.update_xaxes(title_text=x_label, title_font_size=12, row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text=y_label, title_font_size=12, row=row, col=col)
    style_figure(fig, title, height=300 * nrows + 130)
    fig.update_layout(margin=dict(l=10, r=10, t=70, b=10), legend=dict(y=-0.35 / nrows))
    return fig


def adstock_decay(weights: pd.DataFrame, unit: str, title: str | None = None) -> go.Figure:
    """Share of a period's spend effect felt 0, 1, 2... periods later, one line per channel."""
    fig = go.Figure()
    for i, ch in enumerate(dict.fromkeys(weights["channel"])):
        w = weights[weights["channel"] == ch]
        fig.add_scatter(x=w["lag"], y=w["weight"], name=ch, mode="lines+markers",
                        line=dict(color=COLORS[i % len(COLORS)]), marker=dict(size=5),
                        hovertemplate=f"{ch}: %{{y:.1%}} after %{{x}} {unit}s<extra></extra>")
    fig.update_xaxes(title=f"{unit.capitalize()}s after the spend", dtick=1 if weights["lag"].max() <= 12 else None)
    fig.update_yaxes(title="Share of the effect", tickformat=".0%", rangemode="tozero")
    return style_figure(fig, title, height=380)


def spend_comparison(frame: pd.DataFrame, columns: Mapping[str, str], x_label: str,
                     title: str | None = None) -> go.Figure:
    """Horizontal grouped bars per channel, one bar per entry of ``columns`` ({column: legend name})."""
    fig = go.Figure()
    for i, (col, name) in enumerate(columns.items()):
        fig.add_bar(y=frame["channel"], x=frame[col], name=name, orientation="h", marker_color=COLORS[i % len(COLORS)],
                    hovertemplate=f"%{{y}} {name}: %{{x:,.2f}}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=x_label, tickformat=",")
    return style_figure(fig, title, height=max(300, 34 * len(frame) * max(1, len(columns)) // 2 + 140))


def forecast_band(history: pd.DataFrame, ahead: pd.DataFrame, y_label: str, title: str | None = None) -> go.Figure:
    """The last periods' actual outcome, then the predicted outcome with its interval band and the baseline.

    ``history``: ``date, actual`` (+ ``fitted``); ``ahead``: the :func:`attribution.budget.forecast` table.
    """
    fig = go.Figure()
    fig.add_scatter(x=history["date"], y=history["actual"], name="Actual", mode="lines", line=dict(color=GREY))
    if "fitted" in history:  # the model's own level on the history, so a jump at the start is visible
        fig.add_scatter(x=history["date"], y=history["fitted"], name="Fitted", mode="lines",
                        line=dict(color=COLORS[0], width=1, dash="dash"))
    if "outcome_ci_low" in ahead:
        fig.add_scatter(x=ahead["date"], y=ahead["outcome_ci_high"], mode="lines", line=dict(width=0),
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=ahead["date"], y=ahead["outcome_ci_low"], mode="lines", line=dict(width=0),
                        fill="tonexty", fillcolor=_rgba(COLORS[0], 0.2), name="Interval")
    fig.add_scatter(x=ahead["date"], y=ahead["outcome"], name="Predicted", mode="lines+markers",
                    line=dict(color=COLORS[0]), marker=dict(size=4))
    fig.add_scatter(x=ahead["date"], y=ahead["baseline"], name="Baseline (no media)", mode="lines",
                    line=dict(color=GREY, dash="dot"))
    fig.update_yaxes(title=y_label, tickformat=",")
    fig.update_xaxes(title=None)
    return style_figure(fig, title, height=400)
