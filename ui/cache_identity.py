"""Caching for identity matching on the Data page: each upload is read once, each match made once.

Keys are content digests (SHA-256 of the uploaded bytes) plus the column mappings and options, so a
rerun, a tab switch or another widget's change never re-reads or re-matches, while a different
file or setting always does. The frames themselves are passed with a leading underscore (unhashed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from attribution.identity import IdentityMatch, InteractionFile, MatchOptions, StageEvents, match_interactions
from attribution.identity import stage_events as build_stage_events
from attribution.ingest.frames import FrameRead, read_frame


@dataclass(frozen=True, eq=False)
class Upload:
    """One uploaded file read into a frame, with the digest that keys everything built from it."""

    read: FrameRead
    digest: str

    @property
    def name(self) -> str:
        """The file name as uploaded."""
        return self.read.name


def digest_of(*parts: object) -> str:
    """A short stable key for bytes and small hashable values (mappings, options)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()[:32]


@st.cache_data(show_spinner=False, max_entries=32)
def _read(name: str, digest: str, max_bytes: int, _data: bytes) -> FrameRead:
    return read_frame((name, _data), max_bytes=max_bytes)


def read_upload(name: str, data: bytes, max_bytes: int, digest: str | None = None) -> Upload:
    """Read an uploaded CSV/Parquet file (raises DataValidationError for an unusable one).

    ``digest`` is ``digest_of(name, data)`` when the caller has it already.
    """
    digest = digest or digest_of(name, data)
    return Upload(_read(name, digest, max_bytes, data), digest)


def _frozen(mapping: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in mapping.items()))


@st.cache_data(show_spinner=False, max_entries=8)
def _match(key: str, _customers: Upload, _customer_mapping: dict, _files: tuple, _options: MatchOptions
           ) -> IdentityMatch:
    files = [InteractionFile(up.read.frame, up.name, mapping=mapping, channel=channel)
             for up, mapping, channel in _files]
    return match_interactions(_customers.read.frame, files, customer_mapping=_customer_mapping,
                              customer_file=_customers.name, options=_options)


def match_key(customers: Upload, customer_mapping: dict, files: list[tuple[Upload, dict, str | None]],
              options: MatchOptions) -> str:
    """The key of one match: every input's digest, mapping and constant channel, and the options."""
    return digest_of(customers.digest, _frozen(customer_mapping),
                     [(up.digest, _frozen(m), ch) for up, m, ch in files], options)


def match(customers: Upload, customer_mapping: dict, files: list[tuple[Upload, dict, str | None]],
          options: MatchOptions) -> IdentityMatch:
    """:func:`attribution.identity.match_interactions`, cached on :func:`match_key`.

    ``files`` holds (upload, column mapping, constant channel or None) per interaction file.
    """
    key = match_key(customers, customer_mapping, files, options)
    return _match(key, customers, customer_mapping, tuple(files), options)


@st.cache_data(show_spinner=False, max_entries=16)
def _stages(key: str, _customers: Upload | None, _customer_mapping: dict, _stage_columns: tuple,
            _stage_revenue: dict, _events: Upload | None, _event_mapping: dict, dayfirst: bool) -> StageEvents:
    return build_stage_events(
        customers=_customers.read.frame if _customers else None,
        events=_events.read.frame if _events else None, customer_mapping=_customer_mapping,
        event_mapping=_event_mapping, stage_columns=list(_stage_columns), stage_revenue=_stage_revenue,
        customer_file=_customers.name if _customers else "customers",
        events_file=_events.name if _events else "stage events", dayfirst=dayfirst)


def stage_events(customers: Upload | None, customer_mapping: dict, stage_columns: list[str],
                 stage_revenue: dict[str, str], events: Upload | None, event_mapping: dict,
                 dayfirst: bool) -> StageEvents:
    """:func:`attribution.identity.stage_events` from the customers' date columns and/or an events file,
    cached on the files' digests and every setting."""
    key = digest_of(customers and customers.digest, _frozen(customer_mapping), tuple(stage_columns),
                    _frozen(stage_revenue), events and events.digest, _frozen(event_mapping), dayfirst)
    return _stages(key, customers, customer_mapping, tuple(stage_columns), stage_revenue, events,
                   event_mapping, dayfirst)
