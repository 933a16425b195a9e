"""The app's plotly figure builders: they live in :mod:`attribution.reports.figures` (shared with the HTML
report and the CLI) and are re-exported here so pages keep calling ``charts.<builder>``."""
from attribution.reports.figures import (  # noqa: F401  (re-exported for pages and ui modules)
    CI_OF,
    COLORS,
    TEMPLATE,
    bars_with_intervals,
    change_bars,
    channel_bars,
    daily_trend,
    grouped_bars,
    heatmap,
    spend_comparison,
    stacked_daily,
    style_figure,
)
