"""User text inside Streamlit's Markdown: dataset, file, channel and campaign names, and our error
messages that quote them.

Most Streamlit elements (st.error, st.caption, st.subheader, widget and expander labels) render
their text as Markdown, so a dataset called ``![t](http://host/x.png)`` would make every viewer's
browser fetch that URL, and ``:red[...]`` or ``$...$`` would restyle the page. Where an element
shows only user text, use ``st.text``; where user text sits inside a sentence, pass it through
:func:`plain` first.
"""
from __future__ import annotations

import re

import pandas as pd

from attribution.errors import AttributionError

# every character CommonMark or Streamlit's Markdown treats specially (links, images, emphasis,
# code, HTML, tables, headings, lists, colour and icon directives, LaTeX)
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=^\"'])")


def plain(text) -> str:
    """``text`` with every Markdown-special character backslash-escaped, so Markdown shows it as
    written. Line breaks become spaces (a message stays one paragraph). A library error shows its
    text for app users (:meth:`~attribution.errors.AttributionError.message_for`), whose advice
    names the page's controls rather than Python parameters."""
    if isinstance(text, AttributionError):
        text = text.message_for("app")
    return _SPECIAL.sub(r"\\\1", re.sub(r"[\r\n]+", " ", str(text)))


def plural(n: int, word: str) -> str:
    """``1 channel``, ``2 channels``, ``1,200 channels``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def readable_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for ``st.dataframe``: cells of object columns that are not plain text, numbers,
    booleans or missing (UUIDs from JSON or Parquet, bytes, dicts, lists) become their text
    (``str``), so a UUID id shows as ``7c9e6679-…`` rather than Arrow's ``{"0": 124, …}``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, (str, int, float, bool))
                                    else str(v))
    return out
