"""The app's plotly figure builders: they live in :mod:`attribution.figures` (shared with the HTML
report and the CLI) and are re-exported here so pages keep calling ``charts.<builder>``."""
from attribution.figures import (  # noqa: F401  (re-exported for pages and ui modules)
    COLORS,
    TEMPLATE,
    change_bars,
    channel_bars,
    credit_intervals,
    daily_trend,
    grouped_bars,
    heatmap,
    spend_comparison,
    stacked_daily,
    style_figure,
)
