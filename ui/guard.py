"""What a page shows when something fails: our message and a hint, never a traceback.

Errors the library raises on purpose (:class:`attribution.errors.AttributionError`) carry a
message written for the user, which is shown as text. Anything else is a bug: the page says so
in plain words with a reference, and the traceback goes to the server log only (server paths
and library internals never reach the browser).
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

from attribution.errors import AttributionError
from ui.text import plain

log = logging.getLogger("attribution.app")
HINT = ("If the problem stays, reload the page, or open the **Data** page and pick the dataset again.")


def guarded(work: Callable[[], object]) -> object | None:
    """Run ``work()``; show our error's message, or a generic note for any other exception.

    Streamlit's own control flow (``st.stop``, ``st.rerun``, page switches) derives from
    ``BaseException`` and passes through untouched.
    """
    try:
        return work()
    except AttributionError as err:
        st.error(f"{plain(err)}  \n{HINT}")
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("page failed (reference %s)", ref)
        st.error(f"Something went wrong while drawing this page (an internal error, reference {ref}; the "
                 f"details are in the server log). {HINT}")
    return None
