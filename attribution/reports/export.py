"""Safe table exports: CSV that spreadsheets cannot execute, and Excel workbooks."""
from __future__ import annotations

import io
import re

import pandas as pd

from attribution.safe_text import neutralise_cell


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


# Columns rounded in exports, by name (lower case): money to cents, ratios to 4 decimals, percentages
# to 2; counts (conversions, even fractional credit) keep their precision, so files add up to the
# dataset's totals. A name matches when it equals one of these or ends with "_" + one of them.
# The percentage convention (docs/architecture.md §3): a column named ``*_pct`` is in percent (25.0
# for 25 %); every other relative value (shares, rates, removal effects, errors, MAPE) is a fraction.
MONEY_COLUMNS = ("spend", "revenue", "cost", "cpa", "cpo", "budget", "ihc_revenue")
RATIO_COLUMNS = ("roas", "mroas", "marginal_roas", "share", "conversion_rate", "rate", "removal_effect",
                 "probability", "relative_error", "share_error", "mape", "nrmse")
PERCENT_COLUMNS = ("pct",)
MONEY_DECIMALS, RATIO_DECIMALS, PERCENT_DECIMALS = 2, 4, 2


def export_decimals(column: str) -> int | None:
    """Decimals a column called ``column`` is rounded to in files (None: left as it is); the rules
    are those of :func:`rounded_for_export`. Also the decimals of a metric ("revenue", "share")."""
    name = str(column).lower()
    for names, decimals in ((MONEY_COLUMNS, MONEY_DECIMALS), (RATIO_COLUMNS, RATIO_DECIMALS),
                            (PERCENT_COLUMNS, PERCENT_DECIMALS)):
        if any(name == n or name.endswith("_" + n) or name.startswith(n + "_ci") for n in names):
            return decimals
    return None


def rounded_for_export(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with its float columns rounded for a file.

    Rules: with ``decimals`` every float column is rounded to it (wide tables whose columns are
    model names, where the page knows what the numbers are). Without it, by column name: money
    (:data:`MONEY_COLUMNS`: spend, revenue, cost, CPA, …, also ``*_spend``, ``revenue_ci_low``) to
    cents, ratios (:data:`RATIO_COLUMNS`: ROAS, shares, rates, removal effects, probabilities,
    relative errors, MAPE) to 4 decimals, percentages (``*_pct``) to 2; other columns (conversions,
    counts, coefficients) as they are. Shares, rates and errors stay fractions (0.25 for 25 %); only
    ``*_pct`` columns are in percent (25.0 for 25 %). Empty cells stay empty.
    """
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        places = decimals if decimals is not None else export_decimals(col)
        if places is not None:
            out[col] = out[col].round(places)
    return out


def to_safe_csv(frame: pd.DataFrame, decimals: int | None = None) -> bytes:
    """UTF-8 CSV bytes (with BOM so Excel reads accents) safe against formula injection.

    Numbers are rounded by :func:`rounded_for_export` (``decimals``: every float column to that).
    Formula-like cells are neutralised (:func:`attribution.safe_text.neutralise_cell`), and rows end
    in CRLF, which makes the writer quote every field containing a CR or an LF: a line break inside a
    cell can then never start a new row (whose first cell could be a formula).
    """
    return (neutralise_frame(rounded_for_export(frame, decimals))
            .to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))


def to_excel(tables: dict[str, pd.DataFrame]) -> bytes:
    """One .xlsx workbook with a sheet per table (sheet names cut to Excel's 31 characters), numbers
    rounded as in CSV (:func:`rounded_for_export`)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        used: set[str] = set()
        for name, frame in tables.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
            while sheet in used:
                sheet = sheet[:28] + f"_{len(used)}"
            used.add(sheet)
            neutralise_frame(rounded_for_export(frame)).to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome the PNG exporter can drive (``BROWSER_PATH`` wins), or None."""
    import os
    import shutil

    given = os.environ.get("BROWSER_PATH")
    if given and os.path.exists(given):
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_unavailable_reason() -> str | None:
    """Why PNG export cannot work on this machine, or None when it can."""
    if find_chromium() is None:
        return ("PNG export needs Chromium on the server (e.g. `apt-get install chromium`); "
                "the HTML download works without it and can be saved as an image from the browser.")
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "PNG export needs the kaleido package (`pip install 'kaleido>=1'`)."
    return None


def figure_html(fig) -> bytes:
    """A self-contained HTML file of a plotly figure (plotly.js inlined, works offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


#: how often :func:`figure_png` asks the renderer before giving up (the first try plus one retry)
PNG_ATTEMPTS = 2


def figure_png(fig, *, width: int = 1200, height: int | None = None, scale: float = 2.0,
               attempts: int = PNG_ATTEMPTS) -> bytes:
    """A PNG of a plotly figure via kaleido and the machine's Chromium.

    Rules: without a usable browser it raises RuntimeError with :func:`png_unavailable_reason`
    (nothing is tried). A failing render is tried again, ``attempts`` times in all, because
    kaleido's browser can fail once under load (e.g. ``kaleido_scopes is not defined``) and work on
    the next call; when every attempt fails it raises RuntimeError saying so and pointing to the
    HTML download, with the last error chained.
    """
    import os

    reason = png_unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    os.environ.setdefault("BROWSER_PATH", find_chromium())
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            return fig.to_image(format="png", width=width, height=height or fig.layout.height or 500, scale=scale)
        except Exception as err:  # noqa: BLE001 - kaleido and its browser raise many types; all are retried
            last = err
    raise RuntimeError(f"The PNG export failed {max(1, attempts)} times ({type(last).__name__}: {last}). "
                       "Download the chart as HTML instead (it can be saved as an image from the "
                       "browser), or try the PNG again in a moment.") from last
