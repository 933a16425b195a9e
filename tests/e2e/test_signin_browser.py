"""Dashboard sign-in end to end: a real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1, the app
with an ``[auth]`` table in its secrets and an allow-list, and Chromium driving two users in two browser
contexts (separate cookies): each uploads a file and sees only their own, "Share with team" shows one to
the other (and stopping it hides it again), sign-out returns to the sign-in page, and a user outside the
allow-list gets the refusal page, not the app.

The provider's login page asks for the subject; the users are predefined with ``--user ADDRESS`` (subject
and e-mail both the address), so the page shows one button per user.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import _skip_reason, free_port, serve_app, stop
from tests.e2e.test_app_browser import _exceptions, _go, _settle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ALICE, BOB, OUTSIDER = "alice@example.com", "bob@example.com", "mallory@other.org"
ALLOWED = "example.com"  # a domain: alice and bob are on the list, the outsider is not
SHAPE = "Aggregated paths (ChannelAttribution layout)"
START_SECONDS = 30


def _provider_skip_reason() -> str | None:
    if importlib.util.find_spec("oidc_provider_mock") is None:
        return "oidc-provider-mock is missing (pip install -r requirements-dev.txt)"
    if importlib.util.find_spec("authlib") is None:
        return "Authlib is missing, which st.login needs (pip install -r requirements-api.txt)"
    return None


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """An OpenID Connect provider on a free 127.0.0.1 port with the three users; yields its URL."""
    reason = _skip_reason() or _provider_skip_reason()
    if reason:
        pytest.skip(reason)
    port = free_port()
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    users = [arg for user in (ALICE, BOB, OUTSIDER) for arg in ("--user", user)]
    server = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
                               *users], stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the OpenID provider did not start; log:\n{log_path.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield url
    finally:
        stop(server, 10)
        log.close()


@pytest.fixture(scope="module")
def app_url(provider, tmp_path_factory):
    """The app with sign-in on (secrets in a temporary file, named by --secrets.files) and the allow-list."""
    tmp = tmp_path_factory.mktemp("e2e_signin")
    secrets = tmp / "secrets.toml"
    # Streamlit fills in {port} from --server.port, so the redirect URI matches the free port it gets
    secrets.write_text("[auth]\n"
                       'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
                       'cookie_secret = "e2e-cookie-secret-0123456789abcdef0123456789"\n'
                       'client_id = "attribution-e2e"\n'
                       'client_secret = "attribution-e2e-secret"\n'
                       f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with serve_app(tmp, ("--secrets.files", str(secrets)), {"ATTRIBUTION_ALLOWED_USERS": ALLOWED}) as url:
        yield url


def _sign_in(browser, app_url: str, who: str):
    """A new browser context (its own cookies) signed in as ``who`` through the provider's login page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**")  # the provider's page, not ours
    page.get_by_role("button", name=who, exact=True).click()
    page.wait_for_url(app_url + "/**")
    page.get_by_role("heading").first.wait_for()
    _settle(page)
    return context, page


def _upload_paths(page, path: Path) -> None:
    _go(page, "Data")
    page.get_by_role("tab", name="Upload").click()
    page.get_by_text(SHAPE).click()
    _settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(path))
    page.get_by_text(f"Columns of {path.name}").wait_for()
    _settle(page)
    page.get_by_role("button", name="Load dataset").click()
    page.get_by_text("Loaded 2 paths").wait_for()
    _settle(page)


def _saved_tab(page) -> None:
    """The Saved datasets tab in a fresh run (a reload is a new session of the same signed-in user)."""
    page.reload()
    page.get_by_role("tab", name="Saved datasets").wait_for()
    _settle(page)
    page.get_by_role("tab", name="Saved datasets").click()
    _settle(page)


def _saved_names(page) -> list[str]:
    """The names in the Saved datasets picker (options read 'name (created)')."""
    _saved_tab(page)
    page.get_by_role("combobox", name="Dataset").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = [text.rsplit(" (", 1)[0] for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return names


def _pick(page, name: str) -> None:
    page.get_by_role("combobox", name="Dataset").click()
    page.get_by_role("option", name=name).click()
    _settle(page)


def _share_label(page):
    # found by its label text, which is what a person clicks (the ARIA role of a st.toggle has changed
    # between Streamlit releases: switch in some, checkbox in others)
    return page.get_by_text("Share with team", exact=True)


def _shared(page) -> bool:
    """Whether the switch is on (its hidden input, labelled by aria-label, whatever its role)."""
    return page.locator('input[aria-label="Share with team"]').is_checked()


def _paths_file(tmp_path: Path, who: str) -> Path:
    path = tmp_path / f"{who.split('@')[0]}_paths.csv"
    path.write_text("path,conversions\nSearch > Email,3\nDisplay,1\n")
    return path


def test_two_members_own_share_and_sign_out(browser, app_url, tmp_path):
    alice_ctx, alice = _sign_in(browser, app_url, ALICE)
    bob_ctx, bob = _sign_in(browser, app_url, BOB)
    try:
        for page, who in ((alice, ALICE), (bob, BOB)):
            assert page.locator('[data-testid="stSidebar"]').get_by_text(who, exact=True).is_visible()
            _upload_paths(page, _paths_file(tmp_path, who))
            assert _exceptions(page) == []

        alice_names, bob_names = _saved_names(alice), _saved_names(bob)
        assert "alice_paths.csv" in alice_names and "bob_paths.csv" not in alice_names
        assert "bob_paths.csv" in bob_names and "alice_paths.csv" not in bob_names
        assert "Sample: simulated multi-channel shop" in alice_names  # the sample is everyone's

        # alice shares hers: bob sees it, may open it, but gets no switch for it (only the owner has one)
        _pick(alice, "alice_paths.csv")
        _share_label(alice).click()
        _settle(alice)
        assert _shared(alice)
        assert "alice_paths.csv" in _saved_names(bob)
        _pick(bob, "alice_paths.csv")
        assert _share_label(bob).count() == 0
        # the select boxes' own "Open" (list) buttons share the name: take Streamlit's button
        bob.locator('[data-testid^="stBaseButton"]').filter(has_text="Open").click()
        _settle(bob)
        bob.get_by_role("tab", name="Current dataset").click()
        assert bob.get_by_role("heading", name="alice_paths.csv").is_visible()

        # and stops sharing it: bob no longer sees it (nor does his reopened session keep it)
        _saved_tab(alice)
        _pick(alice, "alice_paths.csv")
        assert _shared(alice)  # kept across sessions
        _share_label(alice).click()
        _settle(alice)
        assert not _shared(alice)
        assert "alice_paths.csv" not in _saved_names(bob)
        assert _exceptions(alice) == [] and _exceptions(bob) == []

        # sign-out: through the provider's end-session page back to our sign-in page, and it sticks
        alice.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        alice.wait_for_url("**/oauth2/end_session**")
        alice.get_by_role("button", name="End session").click()
        alice.wait_for_url(app_url + "/**")
        alice.get_by_role("button", name="Sign in").wait_for()
        alice.goto(app_url)
        alice.get_by_role("button", name="Sign in").wait_for()
        assert alice.locator('[data-testid="stSidebarNav"]').count() == 0
        assert alice.get_by_text(ALICE).count() == 0
        # bob's own session is untouched
        assert "bob_paths.csv" in _saved_names(bob)
    finally:
        alice_ctx.close()
        bob_ctx.close()


def test_a_user_outside_the_allow_list_is_refused(browser, app_url):
    context, page = _sign_in(browser, app_url, OUTSIDER)
    try:
        page.get_by_role("heading", name="Access not granted").wait_for()
        assert page.get_by_text(f"You are signed in as {OUTSIDER}, which is not on").is_visible()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no pages, no data
        assert page.get_by_text("Sample: simulated multi-channel shop").count() == 0
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/oauth2/end_session**")
        page.get_by_role("button", name="End session").click()
        page.get_by_role("button", name="Sign in").wait_for()
    finally:
        context.close()
