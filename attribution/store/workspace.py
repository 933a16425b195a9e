"""Where datasets live: one DuckDB database with a catalogue and one schema per dataset.

Modes (docs/architecture.md §8):

- ``personal`` (default): a local DuckDB file; each browser session sees only the datasets it
  owns (its owner token survives a refresh) plus the public sample.
- ``shared``: the same file, and every session sees every dataset.
- ``private``: an in-memory database per session; nothing is written to disk.

With dashboard sign-in, a signed-in member's datasets are owned by ``member:<subject>`` (see
:func:`member_owner`); a member sees their own datasets, the public sample, and datasets another
member has shared with the team (:meth:`Workspace.set_shared`), and only the owner may share,
unshare or delete a dataset.

DuckDB connections are not thread-safe: every unit of work takes its own ``cursor()``, and writes
(loading, deleting) are serialised by a lock.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from attribution.errors import DataValidationError, WorkspaceError
from attribution.store.sqlfiles import check_identifier

MODES = ("personal", "shared", "private")
PUBLIC_OWNER = "public"
MEMBER_PREFIX = "member:"
DEFAULT_PATH = Path("workspace") / "attribution.duckdb"
DEFAULT_MEMORY_LIMIT = "2GB"
_MEMORY_RE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def member_owner(subject: str) -> str:
    """The owner key of a signed-in member: ``member:`` + the identity provider's subject (``sub``).

    The prefix keeps members apart from anonymous browser tokens (letters and digits only) and from the
    public sample, so no URL token can ever name a member's datasets. Raises DataValidationError for an
    empty subject.
    """
    subject = (subject or "").strip()
    if not subject:
        raise DataValidationError("the identity provider returned no subject ('sub' claim) for this user")
    return MEMBER_PREFIX + subject


def is_member(owner: str) -> bool:
    """True when ``owner`` is a signed-in member's key (see :func:`member_owner`)."""
    return owner.startswith(MEMBER_PREFIX) and len(owner) > len(MEMBER_PREFIX)


@dataclass(frozen=True)
class WorkspaceConfig:
    """How the app stores datasets; read from environment variables by :meth:`from_env`."""

    path: str | None = str(DEFAULT_PATH)
    mode: str = "personal"
    max_upload_mb: float = 200
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    @classmethod
    def from_env(cls) -> WorkspaceConfig:
        """``ATTRIBUTION_WORKSPACE`` (file path), ``ATTRIBUTION_WORKSPACE_MODE``
        (personal/shared/private), ``ATTRIBUTION_MAX_UPLOAD_MB`` (a positive number; the limit
        applies to each file after decompression) and ``ATTRIBUTION_MEMORY_LIMIT`` (DuckDB's
        memory limit for the workspace, e.g. '2GB'; work beyond it spills to disk).

        Raises DataValidationError naming the variable when a value is not usable.
        """
        mode = os.environ.get("ATTRIBUTION_WORKSPACE_MODE", "personal").strip().lower()
        if mode not in MODES:
            raise DataValidationError(f"ATTRIBUTION_WORKSPACE_MODE must be one of {', '.join(MODES)}, "
                                      f"not {mode!r}")
        path = None if mode == "private" else os.environ.get("ATTRIBUTION_WORKSPACE", str(DEFAULT_PATH))
        raw_mb = os.environ.get("ATTRIBUTION_MAX_UPLOAD_MB", "200").strip()
        try:
            max_mb = float(raw_mb)
        except ValueError:
            max_mb = float("nan")
        if not (0 < max_mb < 1e7):
            raise DataValidationError(f"ATTRIBUTION_MAX_UPLOAD_MB must be a positive number of megabytes "
                                      f"(e.g. 200), not {raw_mb!r}")
        memory = os.environ.get("ATTRIBUTION_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
        if not _MEMORY_RE.match(memory):
            raise DataValidationError(f"ATTRIBUTION_MEMORY_LIMIT must be a size such as '2GB' or '512MB', "
                                      f"not {memory!r}")
        return cls(path=path, mode=mode, max_upload_mb=max_mb, memory_limit=memory)


class Workspace:
    """A DuckDB database holding named datasets and their catalogue."""

    def __init__(self, path: str | Path | None = None, *, shared: bool = False, memory_limit: str | None = None,
                 temp_directory: str | Path | None = None) -> None:
        """Open (or create) the workspace at ``path`` (in memory when None).

        ``memory_limit`` (e.g. '2GB') bounds DuckDB's memory on this connection, and work beyond it
        spills to ``temp_directory`` (default: a ``tmp`` folder next to the file, or the system temp
        folder for an in-memory workspace), so one large upload cannot take the server's memory.
        """
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = None if path is None else str(path)
        self.shared = shared
        config = {}
        if memory_limit:
            if temp_directory is None:
                temp_directory = (Path(self.path).parent / "tmp" if self.path
                                  else Path(tempfile.gettempdir()) / "attribution_spill")
            Path(temp_directory).mkdir(parents=True, exist_ok=True)
            config = {"memory_limit": memory_limit, "temp_directory": str(temp_directory)}
        try:
            self._con = duckdb.connect(self.path or ":memory:")
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            raise WorkspaceError(
                # the file's name, not its folder: the message reaches browsers, server paths must not
                f"The workspace file {Path(self.path).name} is in use by another process (another app server or "
                "script has it open; DuckDB lets one process write a database file at a time). Stop the other process, or "
                "point this one elsewhere with ATTRIBUTION_WORKSPACE=<another file>, or use "
                "ATTRIBUTION_WORKSPACE_MODE=private (in-memory, nothing saved).") from None
        # Set after connecting, not as connect(config=...): DuckDB refuses a second connection to the
        # same file with a different configuration, and these settings apply to the whole database.
        for name, value in config.items():
            if name == "memory_limit" and not _MEMORY_RE.match(value):
                raise DataValidationError(f"memory limit must be a size such as '2GB', not {value!r}")
            self._con.execute(f"SET {name} = '{value.replace(chr(39), chr(39) * 2)}'")
        self._write_lock = threading.RLock()
        with self.cursor() as cur:
            cur.execute("""
                create table if not exists catalogue (
                    dataset_id varchar primary key, name varchar not null, owner varchar not null,
                    kind varchar not null, created timestamp not null, source varchar,
                    details json)
            """)
            # added for team sign-in; older workspace files gain the column unshared
            cur.execute("alter table catalogue add column if not exists shared boolean default false")
        self.orphans_removed = self._drop_orphan_schemas()

    def _drop_orphan_schemas(self) -> int:
        """Drop dataset schemas with no catalogue row: a process killed during an upload leaves its
        half-made schema behind (the catalogue row is only written once the load has finished).
        Returns how many were dropped."""
        with self._write_lock, self.cursor() as cur:
            names = [r[0] for r in cur.execute(
                "select schema_name from information_schema.schemata where catalog_name = current_database() "
                "and regexp_full_match(schema_name, 'ds_[0-9a-f]{16}') and substr(schema_name, 4) not in "
                "(select dataset_id from catalogue)").fetchall()]
            for name in names:
                cur.execute(f"drop schema if exists {check_identifier(name)} cascade")
        return len(names)

    @contextmanager
    def cursor(self):
        """A private DuckDB cursor for one unit of work."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _visible(self, owner: str) -> tuple[str, dict]:
        # own datasets, the public sample, and (for signed-in members only) datasets shared with the team
        if self.shared:
            return "true", {}
        return ("(owner = $owner or owner = $public or (shared and $member))",
                {"owner": owner, "public": PUBLIC_OWNER, "member": is_member(owner)})

    def list(self, owner: str) -> pd.DataFrame:
        """Datasets this owner may open, newest first."""
        cond, params = self._visible(owner)
        with self.cursor() as cur:
            return cur.execute(f"select dataset_id, name, kind, created, source, owner, shared from catalogue "
                               f"where {cond} order by created desc", params or None).df()

    def find(self, dataset_id: str, owner: str) -> dict | None:
        """The catalogue row of a dataset the owner may open, or None."""
        cond, params = self._visible(owner)
        with self.cursor() as cur:
            rows = cur.execute(f"select dataset_id, name, kind, source, owner, details from catalogue "
                               f"where dataset_id = $id and {cond}", {"id": dataset_id, **params}).fetchall()
        if not rows:
            return None
        return dict(zip(["dataset_id", "name", "kind", "source", "owner", "details"], rows[0], strict=True))

    def create(self, name: str, owner: str, loader, *, source: str = "upload", details: str | None = None):
        """Create a dataset: ``loader(cursor, schema)`` fills a new schema and returns its kind.

        On any error the half-made schema is dropped and nothing is catalogued.
        """
        dataset_id = uuid.uuid4().hex[:16]
        schema = check_identifier(f"ds_{dataset_id}")
        with self._write_lock, self.cursor() as cur:
            cur.execute(f"create schema {schema}")
            try:
                result = loader(cur, schema)
            except BaseException:
                cur.execute(f"drop schema if exists {schema} cascade")
                raise
            kind = getattr(result, "kind", result)
            cur.execute("insert into catalogue (dataset_id, name, owner, kind, created, source, details) "
                        "values ($id, $name, $owner, $kind, $created, $source, $details)",
                        {"id": dataset_id, "name": name.strip() or "Untitled", "owner": owner, "kind": kind,
                         "created": datetime.now(UTC).replace(tzinfo=None), "source": source,
                         "details": details})
        return dataset_id, result

    def delete(self, dataset_id: str, owner: str) -> bool:
        """Delete a dataset: its owner may; in shared mode anyone may (the public sample too).

        A dataset shared with the team stays its owner's: teammates can open it, not delete it.
        """
        row = self.find(dataset_id, owner)
        if row is None or not (self.shared or row["owner"] == owner):
            return False
        schema = check_identifier(f"ds_{dataset_id}")
        with self._write_lock, self.cursor() as cur:
            cur.execute(f"drop schema if exists {schema} cascade")
            cur.execute("delete from catalogue where dataset_id = $id", {"id": dataset_id})
        return True

    def set_shared(self, dataset_id: str, owner: str, shared: bool) -> bool:
        """Share a dataset with every signed-in member (``shared=True``) or make it private again.

        Only the dataset's owner may, and only a signed-in member's dataset can be shared (an anonymous
        browser token has no team). Returns False, changing nothing, otherwise.
        """
        if not is_member(owner):
            return False
        with self._write_lock, self.cursor() as cur:
            changed = cur.execute("update catalogue set shared = $shared where dataset_id = $id and owner = $owner "
                                  "returning dataset_id",
                                  {"shared": bool(shared), "id": dataset_id, "owner": owner}).fetchall()
        return bool(changed)

    def close(self) -> None:
        """Close the database."""
        self._con.close()
