"""Phone normalisation: formats, extensions, regions, rejection reasons, one parse per distinct number."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import phonenumbers as pn
import pytest

from attribution.errors import DataValidationError
from attribution.identity import normalise_phones
from attribution.identity import phones as phones_module

NA = None

# raw value, default region, expected E.164, expected extension, expected reason
CASES = [
    # one London number, every way people write it (GB default region)
    ("020 7946 0123", "GB", "+442079460123", NA, NA),
    ("02079460123", "GB", "+442079460123", NA, NA),
    ("(020) 7946-0123", "GB", "+442079460123", NA, NA),
    ("020.7946.0123", "GB", "+442079460123", NA, NA),
    ("  +44 20 7946 0123  ", "GB", "+442079460123", NA, NA),
    ("+44 (0)20 7946 0123", "GB", "+442079460123", NA, NA),
    ("+44 (0) 20-7946-0123", "GB", "+442079460123", NA, NA),
    ("0044 20 7946 0123", "GB", "+442079460123", NA, NA),
    ("+442079460123", "GB", "+442079460123", NA, NA),
    ("2079460123", "GB", "+442079460123", NA, NA),          # trunk 0 left out
    # extensions are kept out of the key
    ("020 7946 0123 x123", "GB", "+442079460123", "123", NA),
    ("020 7946 0123 ext. 12", "GB", "+442079460123", "12", NA),
    ("020 7946 0123 Extension 7", "GB", "+442079460123", "7", NA),
    ("020 7946 0123#45", "GB", "+442079460123", "45", NA),
    ("+44 20 7946 0123;ext=9", "GB", "+442079460123", "9", NA),
    # mobiles and other regions
    ("07400 123456", "GB", "+447400123456", NA, NA),
    ("+1 (212) 555-0123", "GB", "+12125550123", NA, NA),     # foreign number with its own code
    ("(212) 555-0123", "US", "+12125550123", NA, NA),
    ("1 (415) 555-2671", "US", "+14155552671", NA, NA),
    ("011 44 20 7946 0123", "US", "+442079460123", NA, NA),   # US international prefix
    ("0044 20 7946 0123", "US", "+442079460123", NA, NA),     # "00" read as international prefix
    ("+44 20 7946 0123", "US", "+442079460123", NA, NA),
    ("030 12345678", "DE", "+493012345678", NA, NA),
    ("+49 (0)30 12345678", "DE", "+493012345678", NA, NA),
    ("0151 23456789", "DE", "+4915123456789", NA, NA),
    # rejected, with the reason
    ("12", "GB", NA, NA, "too short"),
    ("abc", "GB", NA, NA, "not a phone number"),
    ("+999 123", "GB", NA, NA, "invalid country code"),
    ("+44 20 7946 0123 4567 89", "GB", NA, NA, "too long"),
    ("07700 900123", "GB", NA, NA, "invalid for region GB"),  # Ofcom drama range: right length, not allocated
    ("020 7946 0123", "US", NA, NA, "too long"),               # a UK national number read as American
    ("020 7946 0123 x12", "US", NA, "12", "too long"),
    # missing stays missing, without a reason
    (NA, "GB", NA, NA, NA),
    ("   ", "GB", NA, NA, NA),
]


@pytest.mark.parametrize(("raw", "region", "phone", "ext", "reason"), CASES)
def test_each_format_row_by_row(raw, region, phone, ext, reason):
    out = normalise_phones(pd.Series([raw], dtype=object), region)
    got = out.iloc[0]
    assert (None if pd.isna(got["phone"]) else got["phone"]) == phone
    assert (None if pd.isna(got["extension"]) else got["extension"]) == ext
    assert (None if pd.isna(got["reason"]) else got["reason"]) == reason


def test_all_cases_in_one_call_keep_alignment_and_index():
    gb = [c for c in CASES if c[1] == "GB"]
    s = pd.Series([c[0] for c in gb], index=[f"r{i}" for i in range(len(gb))], dtype=object)
    out = normalise_phones(s, "GB")
    assert list(out.index) == list(s.index)
    assert list(out.columns) == ["phone", "extension", "reason"]
    expected = [c[2] for c in gb]
    assert [None if pd.isna(v) else v for v in out["phone"]] == expected
    # a present value gets exactly one of key and reason; a missing value neither
    present = s.map(lambda v: v is not None and str(v).strip() != "")
    assert (out["phone"].notna() ^ out["reason"].notna()).tolist() == present.tolist()


def test_possible_mode_accepts_unallocated_numbers_but_not_bad_lengths():
    out = normalise_phones(["07700 900123", "12"], "GB", validation="possible")
    assert out["phone"].tolist()[0] == "+447700900123"
    assert out["reason"].tolist()[1] == "too short"


def test_numeric_columns_from_csv():
    # a CSV reader turns 447400123456 into an int, and into a float when the column has gaps
    out = normalise_phones(pd.Series([447400123456.0, np.nan, 7400123456.0]), "GB")
    assert out["phone"].tolist()[0] == "+447400123456"
    assert pd.isna(out["phone"].iloc[1]) and pd.isna(out["reason"].iloc[1])
    assert out["phone"].tolist()[2] == "+447400123456"


def test_unknown_region_and_validation_mode_are_errors():
    with pytest.raises(DataValidationError, match="two-letter ISO"):
        normalise_phones(["020 7946 0123"], "UK")
    with pytest.raises(DataValidationError, match="'valid' or 'possible'"):
        normalise_phones(["020 7946 0123"], "GB", validation="strict")


def test_each_distinct_number_is_examined_once(monkeypatch):
    calls = []
    real = pn.parse

    def counting(text, region=None, *args, **kwargs):
        calls.append(text)
        return real(text, region, *args, **kwargs)

    monkeypatch.setattr(phones_module.pn, "parse", counting)
    # 4,000 rows: a UK number in four spellings (checked without parsing: its candidate is
    # already E.164) and a US number in four spellings (one parse of its "+1..." form).
    uk = ["020 7946 0123", "+44 20 7946 0123", "(020) 7946-0123 x1", "0044 20 7946 0123"]
    us = ["+1 212 555 0123", "+1 (212) 555-0123", "+1-212-555-0123", "+1.212.555.0123"]
    out = normalise_phones(pd.Series((uk + us) * 500), "GB")
    assert out["phone"].nunique() == 2
    assert calls == ["+12125550123"]


def _reference(text: str, region: str) -> str | None:
    """phonenumbers on the raw text: E.164 when valid, else None."""
    try:
        n = pn.parse(text, region)
    except pn.NumberParseException:
        return None
    return pn.format_number(n, pn.PhoneNumberFormat.E164) if pn.is_valid_number(n) else None


REGIONS = ["GB", "US", "DE", "FR", "IT", "NL", "IN", "AU", "CH", "ES", "BR", "CA", "JE"]


@pytest.mark.parametrize("region", REGIONS)
def test_same_result_as_phonenumbers_on_the_raw_text(region):
    """The candidate shortcut never changes an answer (reference: phonenumbers itself)."""
    rng = random.Random(region)
    texts = []
    for kind in pn.PhoneNumberType.values():
        ex = pn.example_number_for_type(region, kind)
        if ex is None:
            continue
        nsn = pn.national_significant_number(ex)
        texts += [pn.format_number(ex, f) for f in (pn.PhoneNumberFormat.NATIONAL,
                                                     pn.PhoneNumberFormat.INTERNATIONAL,
                                                     pn.PhoneNumberFormat.E164)]
        for _ in range(12):   # neighbours: change, drop or add digits; with and without prefixes
            digits = list(nsn)
            i = rng.randrange(len(digits))
            op = rng.choice(["change", "drop", "add"])
            if op == "change":
                digits[i] = str(rng.randrange(10))
            elif op == "drop" and len(digits) > 2:
                del digits[i]
            else:
                digits.insert(i, str(rng.randrange(10)))
            d = "".join(digits)
            cc = str(ex.country_code)
            texts += [d, "0" + d, "+" + cc + d, "+" + cc + " (0)" + d, cc + d]
            if pn.PhoneMetadata.metadata_for_region(region).international_prefix == "00":
                texts.append("00" + cc + d)
    texts += ["".join(rng.choice("0123456789") for _ in range(rng.randint(3, 14))) for _ in range(60)]
    out = normalise_phones(pd.Series(texts), region)
    got = [None if pd.isna(v) else v for v in out["phone"]]
    want = [_reference(t, region) for t in texts]
    mismatches = [(t, g, w) for t, g, w in zip(texts, got, want, strict=True) if g != w]
    assert not mismatches
