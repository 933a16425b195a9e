"""The workspace connection's memory bound and the start-up settings that configure it."""
from __future__ import annotations

import pytest

from attribution.errors import DataValidationError
from attribution.store.workspace import Workspace, WorkspaceConfig


def _setting(ws: Workspace, name: str) -> str:
    with ws.cursor() as cur:
        return cur.execute("select current_setting(?)", [name]).fetchall()[0][0]


def test_memory_limit_and_temp_directory_on_a_file_workspace(tmp_path):
    ws = Workspace(tmp_path / "w" / "ws.duckdb", memory_limit="256MB")
    try:
        # DuckDB reports the limit in its own units (256 MB = 244.1 MiB)
        assert _setting(ws, "memory_limit") == "244.1 MiB"
        assert _setting(ws, "temp_directory") == str(tmp_path / "w" / "tmp")
        assert (tmp_path / "w" / "tmp").is_dir()
    finally:
        ws.close()


def test_memory_limit_on_an_in_memory_workspace(tmp_path):
    ws = Workspace(None, memory_limit="1GB", temp_directory=tmp_path / "spill")
    try:
        assert _setting(ws, "memory_limit") == "953.6 MiB"
        assert _setting(ws, "temp_directory") == str(tmp_path / "spill")
    finally:
        ws.close()


def test_config_defaults(monkeypatch):
    for var in ("ATTRIBUTION_MAX_UPLOAD_MB", "ATTRIBUTION_MEMORY_LIMIT", "ATTRIBUTION_WORKSPACE_MODE"):
        monkeypatch.delenv(var, raising=False)
    cfg = WorkspaceConfig.from_env()
    assert (cfg.max_upload_mb, cfg.memory_limit) == (200, "2GB")


@pytest.mark.parametrize("value", ["abc", "-1", "0", "nan", "inf", ""])
def test_bad_upload_limit_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("ATTRIBUTION_MAX_UPLOAD_MB", value)
    with pytest.raises(DataValidationError, match="ATTRIBUTION_MAX_UPLOAD_MB must be a positive number"):
        WorkspaceConfig.from_env()


@pytest.mark.parametrize("value", ["lots", "2", "-1GB"])
def test_bad_memory_limit_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("ATTRIBUTION_MEMORY_LIMIT", value)
    with pytest.raises(DataValidationError, match="ATTRIBUTION_MEMORY_LIMIT must be a size"):
        WorkspaceConfig.from_env()


def test_a_workspace_held_by_another_process_is_named(tmp_path):
    import subprocess
    import sys

    from attribution.errors import WorkspaceError

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WorkspaceError, match="in use by another process.*ATTRIBUTION_WORKSPACE"):
            Workspace(path, memory_limit="256MB")
    finally:
        holder.kill()
        holder.wait()
