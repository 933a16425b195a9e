"""Phone numbers to E.164 match keys, with a reason for every rejected value.

``phonenumbers`` decides what a number is; it is slow (~25 µs a parse, as much again to validate),
so each distinct number is examined once. Cleaning reduces every simple spelling to digits with an
optional ``+`` ("(020) 7946-0123" → "02079460123"), and a *candidate* rewrites the default
region's national and ``00`` forms to ``+<country code><national number>`` so that the many
spellings of one number share one check. A candidate is used only when it is a valid number;
everything else is parsed exactly as written, so the results equal ``phonenumbers.parse``'s.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import phonenumbers as pn
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult

from attribution.errors import DataValidationError
from attribution.identity.normalise import as_text, spread

PhoneValidation = Literal["valid", "possible"]
PHONE_COLUMNS = ["phone", "extension", "reason"]

# An extension at the end: "x123", "ext. 12", "extension 12", "#12", ";ext=12".
_EXTENSION = r"(?i)^(?P<main>.*?\d.*?)[\s,;]*(?:ext(?:ension|n)?\.?|x\.?|#)\s*[:=]?\s*(?P<ext>\d{1,7})\s*$"
# Only digits, one leading "+" and the punctuation people type: safe to reduce to "+digits".
_SIMPLE = r"^\+?[\d\s().\-/]*\d[\d\s().\-/]*$"

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}
_POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "invalid country code",
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "invalid length",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "local number only (area code missing)",
}


@dataclass(frozen=True)
class _Region:
    """The default region and the facts about it the candidates need."""

    code: str
    cc: str
    prefix: str          # national (trunk) prefix, "" when none (e.g. IT)
    idd00: bool          # "00" is this region's international prefix
    main: bool           # main region of its country code (GB for +44, US for +1)
    rewrites: bool       # national-prefix rules rewrite digits (AR, BR...): no candidates

    @classmethod
    def of(cls, region: str) -> _Region:
        code = (region or "").strip().upper()
        meta = PhoneMetadata.metadata_for_region(code) if code in pn.SUPPORTED_REGIONS else None
        if meta is None:
            raise DataValidationError(
                f"unknown default phone region {region!r}; use a two-letter ISO country code such as "
                "'GB', 'US' or 'DE' (the country that numbers written without '+' belong to)")
        main = pn.region_code_for_country_code(meta.country_code) == code and meta.leading_digits is None
        return cls(code, str(meta.country_code), meta.national_prefix or "", meta.international_prefix == "00",
                   main, meta.national_prefix_transform_rule is not None)


def _is_valid(number: pn.PhoneNumber, region: _Region) -> bool:
    # For a number of the default region's own code, validity for that main region is what
    # is_valid_number finds first; checking it directly halves the pattern matching.
    if region.main and str(number.country_code) == region.cc and pn.is_valid_number_for_region(number, region.code):
        return True
    return pn.is_valid_number(number)


def _check(number: pn.PhoneNumber, region: _Region, validation: PhoneValidation) -> tuple[str | None, str | None]:
    """(E.164, None) when the number passes, else (None, reason)."""
    if _is_valid(number, region):
        return pn.format_number(number, pn.PhoneNumberFormat.E164), None
    possible = pn.is_possible_number_with_reason(number)
    if possible == ValidationResult.IS_POSSIBLE:
        if validation == "possible":
            return pn.format_number(number, pn.PhoneNumberFormat.E164), None
        return None, f"invalid for region {pn.region_code_for_country_code(number.country_code)}"
    return None, _POSSIBLE_REASONS.get(possible, "invalid number")


def _parse(text: str, region: _Region, validation: PhoneValidation) -> tuple[str | None, str | None]:
    try:
        number = pn.parse(text, region.code)
    except NumberParseException as exc:
        return None, _PARSE_REASONS.get(exc.error_type, "not a phone number")
    key, reason = _check(number, region, validation)
    # "00" is the international prefix in most of the world; a CRM row "0044 20..." means +44 even
    # when the default region dials abroad with another prefix (US: 011).
    if key is None and text.startswith("00") and text[2:3].isdigit() and text[2] != "0":
        alt, _ = _parse("+" + text[2:], region, validation)
        if alt is not None:
            return alt, None
    return key, reason


def _candidates(reduced: pd.Series, region: _Region) -> pd.Series:
    """The "+..." spelling each cleaned digit string would have if it is a number of the region."""
    out = pd.Series(pd.NA, index=reduced.index, dtype="str")
    if region.rewrites:
        return out
    intl = reduced.str.startswith("+")
    idd = reduced.str.startswith("00") & ~intl if region.idd00 else intl & False
    national = ~intl & ~idd
    trunk = national & reduced.str.startswith(region.prefix) if region.prefix else national & False
    out[intl] = reduced[intl]
    out[idd] = "+" + reduced[idd].str.slice(2)
    out[trunk] = "+" + region.cc + reduced[trunk].str.slice(len(region.prefix))
    out[national & ~trunk] = "+" + region.cc + reduced[national & ~trunk]
    if region.prefix:
        # "+44 (0)20 ..." writes the trunk prefix after the country code; dialling drops it.
        own = "+" + region.cc + region.prefix
        with_trunk = out.str.startswith(own).fillna(False)
        out[with_trunk] = "+" + region.cc + out[with_trunk].str.slice(len(own))
    return out


_TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
               "voicemail", "fixed_line", "mobile")


def _matches(nsn: pd.Series, lengths: pd.Series, desc) -> pd.Series:
    """Vectorised ``phonenumbers``' number-description test: length allowed and pattern matches."""
    if desc is None or not desc.national_number_pattern:
        return pd.Series(False, index=nsn.index)
    ok = lengths.isin(desc.possible_length) if len(desc.possible_length) else pd.Series(True, index=nsn.index)
    out = pd.Series(False, index=nsn.index)
    out[ok] = nsn[ok].str.fullmatch(desc.national_number_pattern).fillna(False).astype(bool)
    return out


def _valid_for_region(nsn: pd.Series, region: str) -> np.ndarray:
    """``phonenumbers.is_valid_number_for_region`` for many national numbers in one pass.

    Same rule as the library: the general description matches and so does some number type.
    """
    meta = PhoneMetadata.metadata_for_region(region)
    lengths = nsn.str.len()
    valid = _matches(nsn, lengths, meta.general_desc)
    typed = pd.Series(False, index=nsn.index)
    for name in _TYPE_DESCS:
        rest = valid & ~typed
        if not rest.any():
            break
        typed[rest] = _matches(nsn[rest], lengths[rest], getattr(meta, name))
    return (valid & typed).to_numpy()


def _trusted(candidates: pd.Series, region: _Region) -> dict[str, str]:
    """Candidate → E.164 for the distinct candidates that are valid numbers."""
    own = "+" + region.cc
    is_own = (candidates.str.startswith(own) & candidates.str.len().gt(len(own))).to_numpy()
    if region.main:
        # A candidate "+<cc><digits>" of the region's own code is already E.164.
        mine = candidates[is_own]
        out = {c: c for c in mine[_valid_for_region(mine.str.slice(len(own)), region.code)]}
        others = candidates[~is_own]
    else:
        out, others = {}, candidates
    for c in others:
        key, _ = _parse(c, region, "valid")
        if key is not None:
            out[c] = key
    return out


def normalise_phones(values: Iterable | pd.Series, region: str = "GB", *,
                     validation: PhoneValidation = "valid") -> pd.DataFrame:
    """Phone numbers in E.164 (``+442079460123``), with extensions kept out of the key.

    Parameters
    ----------
    values
        Raw phone numbers in any common format: with or without country code (``+44``/``0044``),
        spaces, dashes, dots, parentheses, ``(0)``, and an extension (``x123``, ``ext. 12``, ``#12``).
    region
        Two-letter ISO code of the country that numbers written without a country code belong to.
    validation
        ``"valid"`` (default): the number must exist in the country's numbering plan.
        ``"possible"``: only its length is checked (for test or fictional numbers).

    Returns
    -------
    DataFrame aligned with ``values``: ``phone`` (E.164 or NA), ``extension`` (digits or NA),
    ``reason`` (why a present value was rejected: ``too short``, ``too long``, ``invalid length``,
    ``not a phone number``, ``invalid country code``, ``invalid for region XX``,
    ``local number only (area code missing)``; NA otherwise).
    """
    if validation not in ("valid", "possible"):
        raise DataValidationError(f"phone validation must be 'valid' or 'possible', not {validation!r}")
    reg = _Region.of(region)
    text = as_text(values)
    codes, uniques = pd.factorize(text)
    raw = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    # str.extract runs Python's re row by row; the cheap vectorised test keeps it to rows that need it.
    maybe_ext = raw.str.contains(r"[xX#]|[eE][xX][tT]", regex=True).fillna(False).to_numpy()
    found = raw[maybe_ext].str.extract(_EXTENSION)
    ext = found["ext"].astype("str").reindex(raw.index)
    main = found["main"].astype("str").reindex(raw.index).fillna(raw).str.strip()
    simple = main.str.match(_SIMPLE).fillna(False)
    plus = main.str.slice(0, 1).where(main.str.startswith("+"), "")
    reduced = main.where(~simple, plus + main.str.replace(r"\D", "", regex=True))

    candidate = pd.Series(pd.NA, index=raw.index, dtype="str")
    candidate[simple] = _candidates(reduced[simple], reg)
    distinct = pd.Series(candidate.dropna().unique(), dtype="str")
    key = candidate.map(_trusted(distinct, reg)).astype("str")
    reason = pd.Series(pd.NA, index=raw.index, dtype="str")
    todo = key.isna()
    results = {t: _parse(t, reg, validation) for t in reduced[todo].unique()}
    key[todo] = reduced[todo].map({t: r[0] for t, r in results.items()})
    reason[todo] = reduced[todo].map({t: r[1] for t, r in results.items()})

    return pd.DataFrame({"phone": spread(key, codes), "extension": spread(ext, codes),
                         "reason": spread(reason, codes)}).set_axis(text.index)
