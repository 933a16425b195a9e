"""Plotly figures of the Validation page and of confidence intervals elsewhere."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from attribution.reports.figures import CI_OF, COLORS, style_figure

PALETTE = COLORS
AXIS = {"conversions": "Conversions", "revenue": "Revenue", "share": "Share of credit"}


def _channel_order(frame: pd.DataFrame, metric: str) -> list[str]:
    return frame.groupby("channel")[metric].sum().sort_values(ascending=False).index.tolist()


def forest_plot(ci: pd.DataFrame, metric: str = "conversions", title: str | None = None) -> go.Figure:
    """Point estimate and interval per channel (rows) and model (colours, side by side)."""
    low, high = CI_OF[metric]
    order = _channel_order(ci, metric)[::-1]
    fig = go.Figure()
    for i, (model, rows) in enumerate(ci.groupby("model", sort=False)):
        rows = rows.set_index("channel").reindex(order).dropna(subset=[metric])
        fig.add_trace(go.Scatter(
            x=rows[metric], y=rows.index, mode="markers", name=model, orientation="h",
            marker=dict(color=PALETTE[i % len(PALETTE)], size=7),
            error_x=dict(type="data", symmetric=False, array=rows[high] - rows[metric],
                         arrayminus=rows[metric] - rows[low], thickness=1.5, width=4),
            hovertemplate="%{y}: %{x:,.3~f}<extra>" + model + "</extra>"))
    fig.update_layout(scattermode="group", scattergap=0.4)
    fig.update_xaxes(title=AXIS[metric], tickformat=".0%" if metric == "share" else None)
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    n_models = ci["model"].nunique()
    fig = style_figure(fig, title, height=max(360, len(order) * (9 * n_models + 24) + 200))
    # a tall chart: legend at the top right, where it stays in view
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.01, title=None))
    return fig


def difference_bars(diff: pd.DataFrame, first: str, second: str, title: str | None = None) -> go.Figure:
    """Per channel difference of two models with its interval; solid where it excludes 0."""
    data = diff.sort_values("difference")
    fig = go.Figure(go.Bar(
        x=data["difference"], y=data["channel"], orientation="h",
        marker_color=[("#16a34a" if d >= 0 else "#dc2626") if s else "#cbd5e1"
                      for d, s in zip(data["difference"], data["significant"], strict=True)],
        error_x=dict(type="data", symmetric=False, array=data["ci_high"] - data["difference"],
                     arrayminus=data["difference"] - data["ci_low"]),
        hovertemplate="%{y}: %{x:+,.2f}<extra></extra>"))
    fig.update_xaxes(title=f"{first} − {second}", zeroline=True)
    return style_figure(fig, title, height=max(300, 30 * len(data) + 120))


def auc_by_order(checks: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Hold-out AUC of the Markov chain by order, with the logistic model and chance as lines."""
    markov = checks[checks["model"] == "markov"]
    fig = go.Figure(go.Scatter(x=markov["order"].astype(int), y=markov["auc"], mode="lines+markers",
                               name="Markov chain", line=dict(color=COLORS[0])))
    logistic = checks.loc[checks["model"] == "logistic", "auc"]
    if len(logistic) and pd.notna(logistic.iloc[0]):
        fig.add_hline(y=float(logistic.iloc[0]), line_dash="dash", line_color=COLORS[1],
                      annotation_text=f"Logistic regression {logistic.iloc[0]:.3f}")
    fig.add_hline(y=0.5, line_dash="dot", line_color="#94a3b8", annotation_text="Chance")
    fig.update_xaxes(title="Markov order", dtick=1)
    fig.update_yaxes(title="Hold-out AUC")
    return style_figure(fig, title)


def truth_bars(per_channel: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Share of credit per channel: each model beside the true incremental share."""
    truth = per_channel.drop_duplicates("channel")[["channel", "true_share"]].rename(columns={"true_share": "share"})
    data = pd.concat([truth.assign(model="True incremental"), per_channel[["model", "channel", "share"]]])
    fig = px.bar(data, x="channel", y="share", color="model", barmode="group",
                 category_orders={"channel": truth.sort_values("share", ascending=False)["channel"].tolist()},
                 color_discrete_map={"True incremental": "#111827"}, color_discrete_sequence=PALETTE,
                 labels={"channel": "Channel", "share": "Share of conversions", "model": ""})
    fig.update_yaxes(tickformat=".0%")
    return style_figure(fig, title, height=420)


def error_summary(summary: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Share error per model (fraction of credit on the wrong channels), best on top."""
    data = summary.sort_values("share_error", ascending=False)
    fig = px.bar(data, x="share_error", y="model", orientation="h", color_discrete_sequence=COLORS,
                 labels={"share_error": "Share error (½ Σ |share − true share|)", "model": ""})
    fig.update_xaxes(tickformat=".0%")
    return style_figure(fig, title, height=max(300, 28 * len(data) + 120))
