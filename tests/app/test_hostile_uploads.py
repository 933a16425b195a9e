"""The app with hostile uploads: names that try to reach other files, bombs, the IHC database."""
from __future__ import annotations

import gzip

import pytest

from tests.app.conftest import errors_of
from tests.app.test_core_pages import CONVERSIONS, _shown, _upload
from tests.unit.ihc.ihc_db import SESSIONS, make_db

IHC_SHAPE = "IHC challenge database (SQLite)"
TP_SHAPE = "Touchpoints + conversions (+ spend)"


# the uploader only accepts names ending in .db/.sqlite/.sqlite3 (the library tests cover the rest)
@pytest.mark.parametrize("name", ["challenge.db", "..%2f..%2fchallenge.db", "x?mode=rwc#y.db", "../../x.db",
                                  "%00.db", "n" * 300 + ".db"])
def test_ihc_database_upload_loads_its_journeys(app, tmp_path, name):
    data = make_db(tmp_path / "source.db").read_bytes()
    at = _upload(app, IHC_SHAPE, {"ihc_db": (name, data)})
    assert errors_of(at) == []
    assert any(f"{len(SESSIONS)} touchpoints" in s.value for s in at.success), _shown(at)


def test_gzip_bomb_upload_is_refused_by_its_expanded_size(app, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_MAX_UPLOAD_MB", "1")
    body = b"user_id,ts,channel\n" + b"u1,2024-01-01 10:00,Search\n" * 200_000  # 5.4 MB
    bomb = gzip.compress(body, 9)
    assert len(bomb) < 100_000
    at = _upload(app, TP_SHAPE, {"touchpoints": ("bomb.csv.gz", bomb), "conversions": ("c.csv", CONVERSIONS)})
    assert not at.exception
    assert "bomb.csv.gz expands to more than 1 MB" in _shown(at)
