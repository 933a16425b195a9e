"""Plotly figures of the Journeys & funnels and Channel report pages and of Model comparison's Model
details view (house style of attribution.reports.figures)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from attribution.reports.channel_report import TOTAL
from attribution.reports.figures import COLORS, heatmap, style_figure

PHASE_COLORS = {"early": COLORS[0], "mid": COLORS[1], "late": COLORS[2]}
METRIC_LABELS = {"spend": "Spend", "touches": "Touches", "conversions": "Attributed conversions",
                 "revenue": "Attributed revenue", "cpa": "CPA (cost per order)", "roas": "ROAS",
                 "conversion_rate": "Conversion rate"}


def funnel_chart(funnel: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Funnel of users per step, with the share of the previous step on each bar."""
    fig = go.Figure(go.Funnel(y=funnel["name"], x=funnel["users"], textinfo="value+percent previous",
                              marker_color=COLORS[0]))
    return style_figure(fig, title, height=max(300, 70 * len(funnel) + 100))


def sankey_chart(links: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Sankey of journeys from step to step and on to conversion or not."""
    nodes = sorted(set(links["source"]) | set(links["target"]),
                   key=lambda n: (n in ("Conversion", "No conversion"), n))
    index = {n: i for i, n in enumerate(nodes)}
    colors = ["#16a34a" if n == "Conversion" else "#9ca3af" if n == "No conversion" else COLORS[0]
              for n in nodes]
    fig = go.Figure(go.Sankey(
        node=dict(label=nodes, color=colors, pad=12, thickness=14),
        link=dict(source=links["source"].map(index), target=links["target"].map(index), value=links["journeys"],
                  customdata=links["conversions"],
                  hovertemplate="%{source.label} → %{target.label}: %{value:,.0f} journeys, "
                                "%{customdata:,.0f} conversions<extra></extra>")))
    return style_figure(fig, title, height=520)


def length_bars(dist: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Stacked bars of converting and non-converting journeys by number of touchpoints."""
    data = dist[["touchpoints", "conversions", "non_conversions"]].melt(
        id_vars="touchpoints", var_name="outcome", value_name="journeys")
    data["outcome"] = data["outcome"].map({"conversions": "Converted", "non_conversions": "Did not convert"})
    fig = px.bar(data, x="touchpoints", y="journeys", color="outcome", color_discrete_sequence=COLORS,
                 labels={"touchpoints": "Touchpoints in the journey", "journeys": "Journeys", "outcome": ""})
    return style_figure(fig, title)


def days_bars(days: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Bars of conversions by whole days from first touch to conversion."""
    fig = px.bar(days, x="days", y="conversions", color_discrete_sequence=COLORS,
                 hover_data={"cumulative_share": ":.0%"},
                 labels={"days": "Days from first touch to conversion", "conversions": "Conversions",
                         "cumulative_share": "Converted by then"})
    return style_figure(fig, title)


def overlap_heatmap(overlap: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Heatmap: share of each row channel's journeys that also contain the column channel."""
    wide = overlap.pivot(index="channel", columns="other", values="share").reset_index()
    wide.columns.name = None
    return heatmap(wide, title=title)


def phase_bars(split: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Stacked horizontal bars: each channel's credit in the early, mid and late journey phase."""
    order = split.groupby("channel")["conversions"].sum().sort_values().index.tolist()
    fig = px.bar(split, x="conversions", y="channel", color="phase", orientation="h",
                 category_orders={"channel": order, "phase": list(PHASE_COLORS)},
                 color_discrete_map=PHASE_COLORS, hover_data={"share": ":.0%"},
                 labels={"conversions": "Attributed conversions", "channel": "Channel", "phase": "Phase",
                         "share": "Share of channel"})
    return style_figure(fig, title, height=max(300, 30 * len(order) + 140))


ADDITIVE = ("spend", "touches", "conversions", "revenue")


def trend_lines(report: pd.DataFrame, metric: str, title: str | None = None) -> go.Figure:
    """One line per channel of a metric over the report's periods (dashes per model if several).

    A period without a row is 0 for counts and money, and a gap for ratios.
    """
    data = report[report["channel"] != TOTAL]
    grid = pd.MultiIndex.from_product([data["model"].unique(), data["channel"].unique(), data["period"].unique()],
                                      names=["model", "channel", "period"])
    data = data.set_index(["model", "channel", "period"])[[metric]].reindex(grid)
    if metric in ADDITIVE:
        data = data.fillna(0.0)
    data = data.reset_index().sort_values("period")
    several = data["model"].nunique() > 1
    fig = px.line(data, x="period", y=metric, color="channel", line_dash="model" if several else None,
                  markers=data["period"].nunique() <= 40, color_discrete_sequence=COLORS,
                  labels={"period": "Period", metric: METRIC_LABELS.get(metric, metric), "channel": "Channel",
                          "model": "Model"})
    fig.update_xaxes(tickformat="%Y-%m-%d")
    return style_figure(fig, title, height=420)


def metric_bars(report: pd.DataFrame, metric: str, title: str | None = None) -> go.Figure:
    """Bars of a metric per channel, one colour per model (Total row left out)."""
    data = report[report["channel"] != TOTAL].dropna(subset=[metric])
    order = data.groupby("channel")[metric].sum().sort_values(ascending=False).index.tolist()
    fig = px.bar(data, x="channel", y=metric, color="model", barmode="group", color_discrete_sequence=COLORS,
                 category_orders={"channel": order},
                 labels={"channel": "Channel", metric: METRIC_LABELS.get(metric, metric), "model": "Model"})
    return style_figure(fig, title, height=400)


#: a transition heatmap shows at most this many "from" states (order-k chains can have thousands)
MAX_HEATMAP_STATES = 30


def transition_heatmap(matrix: pd.DataFrame, title: str | None = None,
                       max_states: int = MAX_HEATMAP_STATES) -> go.Figure:
    """Heatmap of a Markov chain's transition probabilities (rows: from, columns: to).

    ``matrix`` is :func:`attribution.models.transition_matrix`. Rows are the ``max_states`` states
    with the most outgoing journeys, busiest first, with "(start)" on top; columns are the channel
    states among them followed by "(conversion)" and "(null)". Pairs never observed show as 0.
    """
    outflow = matrix.groupby("from_state")["count"].sum().sort_values(ascending=False, kind="stable")
    rows = ["(start)"] * ("(start)" in outflow.index) + [s for s in outflow.index if s != "(start)"]
    rows = rows[:max_states]
    ends = [s for s in ("(conversion)", "(null)") if s in set(matrix["to_state"])]
    columns = [s for s in rows if s != "(start)"] + ends
    wide = (matrix[matrix["from_state"].isin(rows) & matrix["to_state"].isin(columns)]
            .pivot(index="from_state", columns="to_state", values="probability")
            .reindex(index=rows, columns=columns).fillna(0.0).rename_axis(index="from", columns=None)
            .reset_index())
    return heatmap(wide, index="from", title=title)


def position_heatmap(by_position: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Heatmap of Shapley conversions per channel (rows) and entry position (columns).

    ``by_position`` is :func:`attribution.models.shapley_by_position`; a position the channel never
    entered at is 0.
    """
    wide = by_position.pivot(index="channel", columns="position", values="conversions").fillna(0.0)
    wide.columns = [f"#{p}" for p in wide.columns]
    return heatmap(wide.rename_axis(columns=None).reset_index(), title=title, fmt=",.1f")
