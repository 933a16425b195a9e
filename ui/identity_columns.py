"""Reading and column mapping for identity matching: customers, interaction and stage-events files.

Each editor shows the guessed columns in an expander (open when the guess failed), lets the user
change them, and checks the result with the library's own guessing function, whose error message
names the file and the role and says how to fix it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import streamlit as st

from attribution.errors import DataValidationError
from attribution.identity import guess_customer_columns, guess_interaction_columns, guess_stage_event_columns
from ui import cache_identity, state
from ui.cache_identity import Upload
from ui.downloads import csv_download
from ui.text import plain

NONE = "— not in file —"
INTERACTION_ROLES = {"ts": "Date/time *", "channel": "Channel", "customer_id": "Customer id", "phone": "Phone",
                     "email": "E-mail", "campaign": "Campaign"}
EVENT_ROLES = {"customer_id": "Customer id *", "stage": "Stage *", "ts": "Date/time *", "revenue": "Revenue"}


def max_bytes() -> int:
    """The app's upload size limit in bytes."""
    return int(state.config().max_upload_mb * 2**20)


def read_upload(upload, digest: str | None = None) -> Upload | None:
    """Read one uploaded file (cached); show why it cannot be used instead of raising."""
    try:
        up = cache_identity.read_upload(upload.name, upload.getvalue(), max_bytes(), digest)
    except DataValidationError as err:
        st.error(plain(err))
        return None
    if len(up.read.rejected):
        st.warning(f"{plain(up.name)}: {len(up.read.rejected):,} lines could not be split into columns and are left out.")
        csv_download(up.read.rejected, f"unreadable_lines_{up.name}.csv", f"Download the unreadable lines of {up.name}",
                     key=f"id_unreadable_{up.digest}")
    return up


def partial_guess(guess: Callable, upload: Upload, roles: list[str], **kwargs) -> tuple[dict, DataValidationError | None]:
    """The library's column guesses for every role it can find, and the error for those it cannot.

    The guessing functions stop at the first required role they miss; to still offer the other
    guesses as defaults, a missed role is filled with a stand-in column and the guess repeated.
    """
    frame, filled, first_error = upload.read.frame, {}, None
    for _ in range(len(roles) + 1):
        try:
            found = asdict(guess(frame, filled or None, file=upload.name, **kwargs))
            return {**found, **dict.fromkeys(filled)}, first_error
        except DataValidationError as err:
            first_error = first_error or err
            if err.column not in roles or err.column in filled:
                break
            filled[err.column] = str(frame.columns[0])
    return {}, first_error


def _pick(label: str, columns: list[str], default: str | None, key: str, container) -> str | None:
    options = [NONE, *columns]
    choice = container.selectbox(label, options, index=options.index(default) if default in options else 0, key=key)
    return None if choice == NONE else choice


def _show_error(err: DataValidationError, hint: str) -> None:
    st.error(f"{plain(err)} {hint}")


def customer_columns(upload: Upload, key: str) -> dict | None:
    """Confirm the customers file's id, phone and e-mail columns; None (error shown) when unusable."""
    guess, err = partial_guess(guess_customer_columns, upload, ["customer_id"])
    columns = [str(c) for c in upload.read.frame.columns]
    with st.expander(f"Columns of {plain(upload.name)}", expanded=err is not None):
        st.dataframe(upload.read.frame.head(5), hide_index=True)
        left, mid, right = st.columns(3)
        mapping = {
            "customer_id": _pick("Customer id *", columns, guess.get("customer_id"), f"{key}_customer_id", left),
            "phone": mid.multiselect("Phone columns", columns, default=[c for c in guess.get("phone", ())
                                                                          if c in columns], key=f"{key}_phone"),
            "email": right.multiselect("E-mail columns", columns, default=[c for c in guess.get("email", ())
                                                                            if c in columns], key=f"{key}_email"),
        }
    try:
        guess_customer_columns(upload.read.frame, mapping, file=upload.name)
    except DataValidationError as exc:
        _show_error(exc, f"Or pick the column under “Columns of {plain(upload.name)}”.")
        return None
    if not mapping["phone"] and not mapping["email"]:
        st.warning(f"{plain(upload.name)}: no phone or e-mail column, so interactions can only match by customer id.")
    return mapping


def interaction_columns(upload: Upload, key: str) -> tuple[dict, str | None] | None:
    """Confirm an interaction file's columns and its optional constant channel.

    Returns (mapping, channel or None), or None (error shown) when the file cannot be matched yet.
    """
    columns = [str(c) for c in upload.read.frame.columns]
    head, chan_box = st.columns([2, 1])
    head.markdown(f"**{plain(upload.name)}** · {len(upload.read.frame):,} rows")
    channel = chan_box.text_input(f"Channel for every row of {upload.name}", key=f"{key}_const",
                                  placeholder="e.g. Phone", help="For a file without a channel column (a call "
                                  "log, a web-form export). When filled in, it replaces the channel column.")
    channel = channel.strip() or None
    guess, err = partial_guess(guess_interaction_columns, upload, list(INTERACTION_ROLES), channel=channel)
    with st.expander(f"Columns of {plain(upload.name)}", expanded=err is not None):
        st.dataframe(upload.read.frame.head(5), hide_index=True)
        boxes = st.columns(len(INTERACTION_ROLES))
        mapping = {role: _pick(label, columns, guess.get(role), f"{key}_{role}", box)
                   for (role, label), box in zip(INTERACTION_ROLES.items(), boxes, strict=True)}
    if channel:
        mapping.pop("channel")
    try:
        guess_interaction_columns(upload.read.frame, mapping, file=upload.name, channel=channel)
    except DataValidationError as exc:
        hint = (f"Type a channel for every row of {upload.name} (e.g. Phone) or pick the channel column "
                f"under “Columns of {plain(upload.name)}”." if exc.column == "channel"
                else f"Or pick the column under “Columns of {plain(upload.name)}”.")
        _show_error(exc, hint)
        return None
    return mapping, channel


def stage_event_columns(upload: Upload, key: str) -> dict | None:
    """Confirm a stage-events file's customer, stage, date and revenue columns; None when unusable."""
    guess, err = partial_guess(guess_stage_event_columns, upload, list(EVENT_ROLES))
    columns = [str(c) for c in upload.read.frame.columns]
    with st.expander(f"Columns of {plain(upload.name)}", expanded=err is not None):
        st.dataframe(upload.read.frame.head(5), hide_index=True)
        boxes = st.columns(len(EVENT_ROLES))
        mapping = {role: _pick(label, columns, guess.get(role), f"{key}_{role}", box)
                   for (role, label), box in zip(EVENT_ROLES.items(), boxes, strict=True)}
    try:
        guess_stage_event_columns(upload.read.frame, mapping, file=upload.name)
    except DataValidationError as exc:
        _show_error(exc, f"Or pick the column under “Columns of {plain(upload.name)}”.")
        return None
    return mapping
