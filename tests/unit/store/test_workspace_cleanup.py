"""Start-up clean-up after a kill: half-made dataset schemas and stale upload copies are removed."""
from __future__ import annotations

import os
import time

from attribution.ingest.sources import remove_stale_spools
from attribution.store.workspace import Workspace


def test_schema_without_catalogue_row_is_dropped_on_open(tmp_path):
    path = tmp_path / "ws.duckdb"
    ws = Workspace(path)
    kept, _ = ws.create("kept", "me", lambda cur, schema: cur.execute(f"create table {schema}.t (a int)") and "journeys")
    with ws.cursor() as cur:  # what a kill between "create schema" and the catalogue insert leaves
        cur.execute("create schema ds_0123456789abcdef")
        cur.execute("create table ds_0123456789abcdef.touchpoints (a int)")
        cur.execute("create schema notes")  # not a dataset schema: left alone
    ws.close()
    ws = Workspace(path)
    assert ws.orphans_removed == 1
    with ws.cursor() as cur:
        schemas = {r[0] for r in cur.execute("select schema_name from information_schema.schemata").fetchall()}
    assert "ds_0123456789abcdef" not in schemas and f"ds_{kept}" in schemas and "notes" in schemas
    assert list(ws.list("me")["dataset_id"]) == [kept]
    ws.close()


def test_stale_upload_copies_are_removed(tmp_path):
    old = tmp_path / "attribution_upload_old"
    fresh = tmp_path / "attribution_gunzip_fresh"
    other = tmp_path / "someone_else_old"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "x.data").write_bytes(b"x")
    hour_ago = time.time() - 7200
    for folder in (old, other):
        os.utime(folder, (hour_ago, hour_ago))
    assert remove_stale_spools(3600, str(tmp_path)) == 1
    assert not old.exists() and fresh.exists() and other.exists()
