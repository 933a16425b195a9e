"""Plotly figures for identity matching: how each channel's interactions were matched."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from attribution.reports.figures import COLORS, style_figure

METHOD_LABELS = {"customer_id": "Customer id", "phone": "Phone", "email": "E-mail", "unmatched": "Unmatched",
                 "ambiguous": "Ambiguous", "invalid": "Invalid"}
# matched methods in the palette's colours, the three failures in greys (darker = worse)
METHOD_COLORS = {"Customer id": COLORS[0], "Phone": COLORS[1], "E-mail": COLORS[2], "Unmatched": "#bbbbbb",
                 "Ambiguous": "#888888", "Invalid": "#555555"}


def method_bars(stats: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Horizontal stacked bars: interactions per channel split by how they were matched.

    ``stats`` is :attr:`attribution.identity.IdentityMatch.stats` (``channel, method, rows, share``);
    channels with the most interactions are on top, and hovering shows rows and share of the channel.
    """
    data = stats.assign(method=stats["method"].map(METHOD_LABELS).fillna(stats["method"]))
    order = data.groupby("channel")["rows"].sum().sort_values(ascending=False).index.tolist()
    fig = px.bar(data, x="rows", y="channel", color="method", orientation="h", barmode="stack",
                 category_orders={"channel": order, "method": list(METHOD_LABELS.values())},
                 color_discrete_map=METHOD_COLORS, custom_data=["share"],
                 labels={"rows": "Interactions", "channel": "Channel", "method": "Matched by"})
    fig.update_traces(hovertemplate="%{y}: %{x:,} rows (%{customdata[0]:.0%})<extra>%{fullData.name}</extra>")
    fig = style_figure(fig, title, height=max(300, 40 * len(order) + 160))
    # the legend sits under the plot, where the x-axis title would be
    return fig.update_xaxes(title=None).update_layout(legend_y=-0.12)
