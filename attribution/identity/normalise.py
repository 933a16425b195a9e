"""Value-level normalisation of e-mail addresses, ids and timestamps (phones: :mod:`.phones`).

Every function takes a column (anything ``pd.Series`` accepts) and returns values aligned with its
index. Missing or blank input stays missing and carries no reason; a value that is present but
unusable is missing in the output and gets a ``reason``. Work is done once per distinct value.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

EMAIL_COLUMNS = ["email", "reason"]

_EMAIL = r"^[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+$"


def as_text(values: Iterable | pd.Series) -> pd.Series:
    """Values as stripped strings; blanks and missing values become NA.

    Whole floats print without ``.0`` (a CSV id or phone column with gaps is read as float).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if pd.api.types.is_float_dtype(s.dtype):
        finite = s.dropna()
        if (finite == np.floor(finite)).all():
            s = s.astype("Int64")
    elif pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(object)
    out = s.astype("str").str.strip()
    return out.mask(out == "")


def spread(distinct: pd.Series, codes: np.ndarray) -> pd.Series:
    """Values per distinct input back onto the rows (``codes`` from ``pd.factorize``; -1 → NA)."""
    values = distinct.astype("str").array.take(codes, allow_fill=True)
    return pd.Series(values, dtype="str")


def normalise_ids(values: Iterable | pd.Series) -> pd.Series:
    """Customer ids as stripped strings (the ``user_id`` of the canonical tables); blank → NA."""
    return as_text(values)


def normalise_emails(values: Iterable | pd.Series, *, strip_plus: bool = False,
                     gmail_dots: bool = False) -> pd.DataFrame:
    """E-mail addresses trimmed and lower-cased; malformed ones rejected with a reason.

    Parameters
    ----------
    values
        Raw addresses.
    strip_plus
        Drop a ``+tag`` from the local part for every provider (``ann+news@x.com`` → ``ann@x.com``).
    gmail_dots
        For ``gmail.com``/``googlemail.com`` only: drop dots in the local part, drop a ``+tag`` and
        write the domain as ``gmail.com`` (Gmail ignores both). Off by default: other providers do
        not, so the rewrite could merge different people.

    Returns
    -------
    DataFrame aligned with ``values``: ``email`` (normalised or NA), ``reason``
    (``not an e-mail address`` for a present but malformed value, else NA).
    """
    text = as_text(values)
    codes, uniques = pd.factorize(text)
    addr = pd.Series(np.asarray(uniques, dtype=object), dtype="str").str.lower()
    ok = addr.str.match(_EMAIL)
    split = addr[ok].str.split("@", n=1, expand=True)
    if not split.empty:
        local, domain = split[0], split[1]
        if gmail_dots:
            gmail = domain.isin(["gmail.com", "googlemail.com"])
            local = local.where(~gmail, local.str.split("+", n=1).str[0].str.replace(".", "", regex=False))
            domain = domain.where(~gmail, "gmail.com")
        if strip_plus:
            local = local.str.split("+", n=1).str[0]
        addr[ok] = local + "@" + domain
    reason = pd.Series(np.where(ok.to_numpy(), None, "not an e-mail address"), dtype="str")
    return pd.DataFrame({"email": spread(addr.where(ok), codes),
                         "reason": spread(reason, codes)}).set_axis(text.index)


def parse_timestamps(values: Iterable | pd.Series, *, dayfirst: bool = False) -> pd.Series:
    """Timestamps as naive UTC ``datetime64``; unparseable values become NaT.

    ISO 8601 text (any offset, converted to UTC) is read in one pass; then the format of the
    first remaining value is inferred and applied to all (a consistent export, e.g.
    ``31/01/2024 10:00``, stays fast); what is still left is tried value by value (distinct
    values only). ``dayfirst`` decides 03/04/2024 → 3 April.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values))
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s
    text = as_text(s)
    out = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    for fmt in (None, "mixed"):
        rest = text[out.isna() & text.notna()]
        if rest.empty:
            break
        distinct = pd.Series(rest.unique()) if fmt else rest
        with warnings.catch_warnings():
            # "could not infer format": expected for mixed input, which the next pass handles
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.Series(pd.to_datetime(distinct, format=fmt, errors="coerce", utc=True, dayfirst=dayfirst))
        if fmt:
            parsed = pd.to_datetime(rest.map(pd.Series(parsed.to_numpy(), index=distinct.to_numpy())), utc=True)
        out = out.combine_first(parsed)
    return out.dt.tz_localize(None)
