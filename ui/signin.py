"""Dashboard sign-in with Streamlit's own OpenID Connect support (``st.login`` / ``st.user`` / ``st.logout``).

Sign-in is on exactly when ``.streamlit/secrets.toml`` (or a file named by the ``secrets.files``
option) has an ``[auth]`` table; without one the app behaves as before (no sign-in, datasets kept
per browser). When it is on, :func:`require_signed_in` runs before any page: a visitor who is not
signed in sees only a sign-in page, and a signed-in user outside the optional allow-list
(``ATTRIBUTION_ALLOWED_USERS``) sees only a refusal page with a sign-out button.
"""
from __future__ import annotations

import streamlit as st

from ui import state


def auth_configured() -> bool:
    """True when the secrets have an ``[auth]`` table (Streamlit's OIDC settings)."""
    return state.sign_in_required()


def require_signed_in() -> None:
    """Stop the run with the sign-in or refusal page unless the visitor may use the app.

    Without ``[auth]`` this does nothing. Signed in and allowed: the sidebar shows who is signed in
    and a sign-out button.
    """
    if not auth_configured():
        return
    if not st.user.is_logged_in:
        _sign_in_page()
        st.stop()
    email = st.user.get("email")
    if not state.allow_list().allows(email, st.user.get("email_verified")):
        _refusal_page(email)
        st.stop()
    with st.sidebar:
        st.caption("Signed in as")
        st.text(str(email or st.user.get("name") or st.user.get("sub")))
        if st.button("Sign out", key="signin_sign_out"):
            st.logout()


def _sign_in_page() -> None:
    st.title("Attribution analytics")
    st.write("Sign in with your organisation's account to see your team's datasets and reports.")
    if st.button("Sign in", type="primary", key="signin_sign_in"):
        st.login()


def _refusal_page(email: str | None) -> None:
    st.title("Access not granted")
    if email:
        st.text(f"You are signed in as {email}, which is not on this deployment's list of allowed users.")
    else:
        st.text("Your identity provider did not share an e-mail address, so this deployment cannot check "
                "whether you are on its list of allowed users.")
    st.write("Ask the administrator to add your address or domain (ATTRIBUTION_ALLOWED_USERS), "
             "or sign out and sign in with another account.")
    if st.button("Sign out", key="signin_sign_out_refused"):
        st.logout()
