"""Team rules in the workspace: members' datasets are private until shared; the e-mail allow-list."""
from __future__ import annotations

import pytest

from attribution.errors import DataValidationError
from attribution.store.access import AllowList
from attribution.store.workspace import PUBLIC_OWNER, Workspace, is_member, member_owner

ANA, BEN = member_owner("ana-sub"), member_owner("ben-sub")


def _make(ws: Workspace, name: str, owner: str) -> str:
    def loader(cur, schema):
        cur.execute(f"create table {schema}.t as select 1 as x")
        return "paths"
    return ws.create(name, owner, loader)[0]


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "ws.duckdb")
    yield workspace
    workspace.close()


def _names(ws: Workspace, owner: str) -> set[str]:
    return set(ws.list(owner)["name"])


def test_member_keys_are_apart_from_browser_tokens_and_the_sample():
    assert ANA == "member:ana-sub" and is_member(ANA)
    assert not is_member("abc123") and not is_member(PUBLIC_OWNER) and not is_member("member:")
    with pytest.raises(DataValidationError, match="subject"):
        member_owner("  ")


def test_members_see_only_their_own_until_shared_and_again_after_unsharing(ws):
    sample = _make(ws, "sample", PUBLIC_OWNER)
    ana_ds = _make(ws, "ana's", ANA)
    _make(ws, "ben's", BEN)
    assert _names(ws, ANA) == {"sample", "ana's"}
    assert _names(ws, BEN) == {"sample", "ben's"}
    assert ws.find(ana_ds, BEN) is None

    assert ws.set_shared(ana_ds, ANA, True)
    assert _names(ws, BEN) == {"sample", "ana's", "ben's"}
    assert ws.find(ana_ds, BEN)["owner"] == ANA
    listed = ws.list(BEN).set_index("name")
    assert bool(listed.loc["ana's", "shared"]) and not bool(listed.loc["ben's", "shared"])
    # an anonymous browser token is no team member: shared datasets stay hidden from it
    assert _names(ws, "anonymoustoken1") == {"sample"}

    assert ws.set_shared(ana_ds, ANA, False)
    assert _names(ws, BEN) == {"sample", "ben's"}
    assert ws.find(sample, BEN) is not None


def test_only_the_owner_shares_unshares_or_deletes(ws):
    ana_ds = _make(ws, "ana's", ANA)
    assert not ws.set_shared(ana_ds, BEN, True)          # not Ben's to share
    assert _names(ws, BEN) == set()
    ws.set_shared(ana_ds, ANA, True)
    assert not ws.set_shared(ana_ds, BEN, False)         # nor to unshare
    assert not ws.delete(ana_ds, BEN)                    # a teammate may open, not delete
    assert ws.find(ana_ds, ANA) is not None
    assert ws.delete(ana_ds, ANA)
    assert ws.find(ana_ds, ANA) is None


def test_anonymous_sessions_cannot_share(ws):
    mine = _make(ws, "mine", "anonymoustoken1")
    assert not ws.set_shared(mine, "anonymoustoken1", True)
    assert _names(ws, ANA) == set()


def test_an_older_workspace_file_gains_the_shared_column_unshared(tmp_path):
    import duckdb
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table catalogue (dataset_id varchar primary key, name varchar not null, owner varchar "
                "not null, kind varchar not null, created timestamp not null, source varchar, details json)")
    con.execute("insert into catalogue values ('d1', 'old', 'member:ana-sub', 'paths', now()::timestamp, "
                "'upload', null)")
    con.close()
    ws = Workspace(path)
    try:
        assert not bool(ws.list(ANA).loc[0, "shared"])
        assert _names(ws, BEN) == set()
        assert ws.set_shared("d1", ANA, True) and _names(ws, BEN) == {"old"}
    finally:
        ws.close()


def test_allow_list_addresses_and_exact_domains():
    rules = AllowList.parse(" Ana@Example.com, @team.org ,partner.io,")
    assert rules.addresses == {"ana@example.com"} and rules.domains == {"team.org", "partner.io"}
    assert rules.allows("ANA@example.com")
    assert not rules.allows("eve@example.com")               # the address, not its domain
    assert rules.allows("joe@team.org") and rules.allows("kim@partner.io")
    assert not rules.allows("joe@evil.team.org")             # a subdomain is another domain
    assert not rules.allows("joe@team.org.evil.com")
    assert not rules.allows(None) and not rules.allows("")
    assert not rules.allows("joe@team.org", email_verified=False)
    assert rules.allows("joe@team.org", email_verified=True)


def test_empty_allow_list_allows_everyone_and_bad_entries_are_named():
    assert AllowList.parse("").allows(None) and not AllowList.parse(" , ").restricted
    with pytest.raises(DataValidationError, match="'not an entry'"):
        AllowList.parse("team.org, not an entry")
    with pytest.raises(DataValidationError, match="'localhost'"):
        AllowList.parse("localhost")
