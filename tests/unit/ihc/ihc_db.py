"""A hand-made IHC challenge database (schema of the challenge's challenge_db_create.sql).

Sessions (channel, user, time; holder / closer engagement; cost):
  s1 Email  u1 2023-09-01 00:00            cost 1.0
  s2 SEA    u1 2023-09-02 00:00  holder    cost 2.0
  s3 Direct u1 2023-09-03 00:00  closer    (no cost row)
  s4 SEA    u2 2023-09-02 12:00            cost 3.0
  s5 Email  u3 2023-09-05 10:00            cost 4.0   (after u3's only conversion: in no journey)
  s6 Email  u1 2023-09-04 00:00            cost 0.5
Conversions: c1 u1 2023-09-03 00:00 (132.0), c2 u2 2023-09-02 12:00 (30.0),
             c3 u3 2023-09-04 00:00 (50.0, no session before it), c4 u1 2023-09-04 00:00 (10.0).
Journeys (the user's sessions at or before the conversion): c1 = s1 s2 s3, c2 = s4, c4 = s1 s2 s3 s6.

Local IHC values (formulas in attribution/models/ihc.py; half lives 24 h, closer boost 1):
  c1: I raw 1 (first session), 1/2 (24 h gap), 1/2 -> I = 1/2, 1/4, 1/4; H = 0, 1, 0;
      C raw 2^-2, 2^-1, 2^0 * 2 -> C = 1/11, 2/11, 8/11; ihc = (I + H + C)/3 = 13/66, 21/44, 43/132
  c2: one session -> ihc 1
  c4: I raw 1, 1/2, 1/2, 1/2 -> I = 2/5, 1/5, 1/5, 1/5; H = 0, 1, 0, 0;
      C raw 2^-3, 2^-2, 2^-1 * 2, 2^0 -> 1/8, 1/4, 1, 1 (sum 19/8) -> C = 1/19, 2/19, 8/19, 8/19;
      ihc = 43/285, 124/285, 59/285, 59/285
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

CREATE = [
    """CREATE TABLE IF NOT EXISTS conversions (
        conv_id text NOT NULL, user_id text NOT NULL, conv_date text NOT NULL, conv_time text NOT NULL,
        revenue real NOT NULL, PRIMARY KEY(conv_id))""",
    """CREATE TABLE IF NOT EXISTS session_costs (
        session_id text NOT NULL, cost real, PRIMARY KEY(session_id))""",
    """CREATE TABLE IF NOT EXISTS session_sources (
        session_id text NOT NULL, user_id text NOT NULL, event_date text NOT NULL, event_time text NOT NULL,
        channel_name text NOT NULL, holder_engagement INTEGER NOT NULL, closer_engagement INTEGER NOT NULL,
        impression_interaction INTEGER NOT NULL, PRIMARY KEY(session_id))""",
]
SESSIONS = [
    ("s1", "u1", "2023-09-01", "00:00:00", "Email", 0, 0, 0),
    ("s2", "u1", "2023-09-02", "00:00:00", "SEA", 1, 0, 0),
    ("s3", "u1", "2023-09-03", "00:00:00", "Direct", 0, 1, 0),
    ("s4", "u2", "2023-09-02", "12:00:00", "SEA", 0, 0, 0),
    ("s5", "u3", "2023-09-05", "10:00:00", "Email", 0, 0, 1),
    ("s6", "u1", "2023-09-04", "00:00:00", "Email", 0, 0, 0),
]
COSTS = [("s1", 1.0), ("s2", 2.0), ("s4", 3.0), ("s5", 4.0), ("s6", 0.5)]
CONVERSIONS = [
    ("c1", "u1", "2023-09-03", "00:00:00", 132.0),
    ("c2", "u2", "2023-09-02", "12:00:00", 30.0),
    ("c3", "u3", "2023-09-04", "00:00:00", 50.0),
    ("c4", "u1", "2023-09-04", "00:00:00", 10.0),
]
LOCAL_IHC = {
    ("c1", "s1"): 13 / 66, ("c1", "s2"): 21 / 44, ("c1", "s3"): 43 / 132,
    ("c2", "s4"): 1.0,
    ("c4", "s1"): 43 / 285, ("c4", "s2"): 124 / 285, ("c4", "s3"): 59 / 285, ("c4", "s6"): 59 / 285,
}
INPUT_TABLES = ("session_sources", "conversions", "session_costs")


def make_db(path: Path) -> Path:
    """Write the database above to ``path`` and return it."""
    with sqlite3.connect(path) as con:
        for statement in CREATE:
            con.execute(statement)
        con.executemany("insert into session_sources values (?, ?, ?, ?, ?, ?, ?, ?)", SESSIONS)
        con.executemany("insert into session_costs values (?, ?)", COSTS)
        con.executemany("insert into conversions values (?, ?, ?, ?, ?)", CONVERSIONS)
    con.close()
    return path


def dump(path: Path, table: str) -> list[tuple]:
    """All rows of ``table`` in a stable order (empty when the table does not exist)."""
    con = sqlite3.connect(path)
    try:
        if not con.execute("select 1 from sqlite_master where name = ?", (table,)).fetchall():
            return []
        return sorted(con.execute(f"select * from {table}").fetchall())  # table names come from this module
    finally:
        con.close()
