"""One self-contained HTML report: titled sections of text, key figures, tables and charts.

The file works offline: plotly.js is inlined once in the head and every chart is a ``<div>`` plus
an inline script that draws into it; there is no ``<script src=`` and no stylesheet link. Every
piece of text (titles, channel names, table cells) is HTML-escaped, so a channel called
``<script>`` or ``=HYPERLINK("x")`` is shown as written and never runs.

>>> html = build_report([Section("models", "Model comparison", (Text("..."), Table(frame)))])
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

MAX_TABLE_ROWS = 500
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:24px 40px}header h1{margin:0 0 4px 0;font-size:26px}
header p{margin:0;color:#cbd5e1}nav{padding:12px 40px;background:#e2e8f0;font-size:14px}
nav a{margin-right:18px;color:#0f172a}main{padding:8px 40px 40px 40px;max-width:1280px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px 24px;margin:20px 0}
h2{margin-top:4px;font-size:20px}h3{font-size:15px;margin:18px 0 6px 0;color:#334155}
table{border-collapse:collapse;font-size:13px;margin:6px 0 4px 0}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 10px;text-align:right;white-space:nowrap}
th{background:#f1f5f9;position:sticky;top:0}td.text,th.text{text-align:left}
.facts{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}
.fact{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:120px}
.fact .label{font-size:12px;color:#64748b}.fact .value{font-size:18px;font-weight:600}
.note{color:#64748b;font-size:13px}.warning{color:#b45309;font-size:13px}
.scroll{max-height:480px;overflow:auto;display:inline-block;max-width:100%}
footer{color:#64748b;font-size:12px;padding:0 40px 24px 40px}
"""


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text (escaped); ``style`` is "" (normal), "note" or "warning"."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Facts:
    """Key figures as labelled tiles, e.g. ``{"Users": 23708, "Revenue": 817096.19}``."""

    items: Mapping[str, object]


@dataclass(frozen=True)
class Table:
    """A DataFrame as an HTML table (first ``max_rows`` rows; the caption says when cut).

    ``formats`` maps a column to a format spec (``"{:.1%}"``) or a callable; other columns use
    :func:`format_value`.
    """

    frame: pd.DataFrame
    caption: str = ""
    formats: Mapping[str, str | Callable[[object], str]] = field(default_factory=dict)
    max_rows: int = MAX_TABLE_ROWS


@dataclass(frozen=True)
class Chart:
    """A plotly figure, drawn by the inlined plotly.js."""

    figure: object
    caption: str = ""


Block = Text | Facts | Table | Chart


@dataclass(frozen=True)
class Section:
    """One part of the report: ``name`` is its anchor, ``title`` its heading."""

    name: str
    title: str
    blocks: tuple[Block, ...] = ()


#: p-values below this print as "< 1e-16": under double precision's resolution of 1 − p they are
#: all "zero", and the normal approximation behind them means nothing that far out
P_VALUE_FLOOR = 1e-16


def format_p_value(p: float) -> str:
    """A p-value as people read it: 3 significant digits ("0.0421", "3.17e-05"), "< 1e-16" below
    :data:`P_VALUE_FLOOR`, empty when missing. Never a run of zeros."""
    if p is None or pd.isna(p):
        return ""
    if p < P_VALUE_FLOOR:
        return f"< {P_VALUE_FLOOR:.0e}"
    return f"{p:.3g}"


def format_value(value: object, column: str = "") -> str:
    """Display text of one cell: thousands separators, 2 decimals, shares and rates (fractions) as
    percent, ``*_pct`` columns (already in percent) with a % sign,
    p-values by :func:`format_p_value`, empty for missing values, ISO dates."""
    if value is None or (not isinstance(value, (tuple, list, str)) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return f"{int(value):,}"
    if isinstance(value, float) or (hasattr(value, "dtype") and value.dtype.kind == "f"):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        if column.endswith(("share", "_rate", "share_ci_low", "share_ci_high")):
            return f"{number:.1%}"
        if column.endswith("_pct"):
            return f"{number:,.1f}%"
        if column == "p_value":
            return format_p_value(number)
        return f"{number:,.2f}"
    if isinstance(value, (tuple, list)):
        return " > ".join(str(v) for v in value)
    return str(value)


def _cell(value: object, column: str, fmt: str | Callable[[object], str] | None) -> str:
    if fmt is None or value is None or (not isinstance(value, (tuple, list, str)) and pd.isna(value)):
        return format_value(value, column)
    return fmt(value) if callable(fmt) else fmt.format(value)


def html_table(table: Table) -> str:
    """The ``<table>`` markup of a :class:`Table`, every header and cell escaped."""
    frame = table.frame
    shown = frame.head(table.max_rows)
    text_cols = {c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                 or pd.api.types.is_bool_dtype(frame[c])}
    head = "".join(f'<th class="{"text" if c in text_cols else "num"}">{html.escape(str(c))}</th>'
                   for c in frame.columns)
    rows = []
    for record in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td class="{"text" if c in text_cols else "num"}">'
            f"{html.escape(_cell(v, str(c), table.formats.get(c)))}</td>"
            for c, v in zip(frame.columns, record, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    caption = table.caption
    if len(frame) > len(shown):
        caption = f"{caption} (first {len(shown):,} of {len(frame):,} rows; the CSV export has all)".strip()
    cap = f'<p class="note">{html.escape(caption)}</p>' if caption else ""
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f"</table></div>{cap}")


def _block_html(block: Block) -> str:
    if isinstance(block, Text):
        css = f' class="{block.style}"' if block.style in ("note", "warning") else ""
        return f"<p{css}>{html.escape(block.text)}</p>"
    if isinstance(block, Facts):
        tiles = "".join(f'<div class="fact"><div class="label">{html.escape(str(k))}</div>'
                        f'<div class="value">{html.escape(format_value(v, str(k)))}</div></div>'
                        for k, v in block.items.items())
        return f'<div class="facts">{tiles}</div>'
    if isinstance(block, Table):
        return html_table(block)
    if isinstance(block, Chart):
        # plotly escapes "<" and "/" in its JSON, so names cannot close the script element
        div = block.figure.to_html(full_html=False, include_plotlyjs=False,
                                   config={"displaylogo": False, "responsive": True})
        cap = f'<p class="note">{html.escape(block.caption)}</p>' if block.caption else ""
        return f"<div>{div}</div>{cap}"
    raise TypeError(f"unknown report block {type(block).__name__}; use Text, Facts, Table or Chart")


def build_report(sections: Iterable[Section], *, title: str = "Attribution report", subtitle: str = "",
                 generated: datetime | None = None) -> str:
    """A complete, self-contained HTML document of ``sections`` in the order given.

    Parameters
    ----------
    sections : iterable of Section
        Each becomes a titled ``<section id=name>`` with its blocks; a table of contents links them.
    title, subtitle : str
        Shown in the header (escaped).
    generated : datetime, optional
        Timestamp printed in the footer (default: now).

    Returns
    -------
    str
        HTML with plotly.js inlined once (only when a section has a chart), no external resources.
    """
    from plotly.offline import get_plotlyjs

    sections = list(sections)
    names = [s.name for s in sections]
    if len(set(names)) != len(names):
        raise ValueError(f"section names must be unique, got {names}")
    has_chart = any(isinstance(b, Chart) for s in sections for b in s.blocks)
    script = f'<script type="text/javascript">{get_plotlyjs()}</script>' if has_chart else ""
    nav = "".join(f'<a href="#{html.escape(s.name)}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{html.escape(s.name)}"><h2>{html.escape(s.title)}</h2>'
                   + "".join(_block_html(b) for b in s.blocks) + "</section>" for s in sections)
    stamp = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    sub = f"<p>{html.escape(subtitle)}</p>" if subtitle else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style>{script}</head><body>"
            f"<header><h1>{html.escape(title)}</h1>{sub}</header><nav>{nav}</nav><main>{body}</main>"
            f"<footer>Generated {stamp} by the attribution analytics app "
            f"(python -m attribution). Works offline.</footer></body></html>")
