"""Hand-made journeys for model tests, with consistent ``paths`` and ``touches`` tables.

Build journeys with :func:`journey` / :func:`touch` and :func:`build_journeys`: positions,
n_touches, hours_to_conversion and hours_since_previous (per user, across journeys) are derived
from the timestamps, and ``paths`` is aggregated from the touches, so both tables always agree.

:func:`small_journeys` is the hand-made set the known-answer tests use (table below);
:func:`random_journeys` is a seeded, larger set for contract tests.

==  ====  =====================================================================  ==========  =====
id  user  touches (2024-01-dd hh:mm)                                             converts    value
==  ====  =====================================================================  ==========  =====
1   u1    search 01 10:00, social 02 09:00, email 02 18:00, direct 03 12:00      03 12:00    100
2   u2    social 05 08:00                                                        05 09:00     50
3   u3    direct 04 10:00, search 06 10:00                                       07 10:00     30
4   u4    display 01 00:00, search 01 12:00, display 03 00:00, email 05 00:00,   08 00:00    200
          direct 08 00:00
5   u5    Direct 02 10:00, (direct) 02 11:00                                     02 12:00     10
6   u6    search 03 10:00, display 04 10:00                                      no            0
7   u1    display 10 10:00 (after u1's conversion)                               no            0
8   u7    social 06 08:00                                                        06 20:00     20
==  ====  =====================================================================  ==========  =====

Totals: 6 conversions, revenue 410; paths: 7 unique (journeys 2 and 8 share ``(social,)``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from attribution.journeys.data import PATH_COLUMNS, TOUCH_COLUMNS, Journeys, PathData


def touch(channel: str, ts: str, **extra: Any) -> dict[str, Any]:
    """One touch; ``extra`` sets optional columns (milestone, session_id, holder_engagement, ...)."""
    return {"channel": channel, "ts": pd.Timestamp(ts), **extra}


def journey(user: str, touches: Sequence[dict[str, Any]], converts: str | None = None,
            revenue: float = 0.0, **extra: Any) -> dict[str, Any]:
    """One journey: its user, touches in order, conversion time (None = not converted), value."""
    return {"user": user, "touches": list(touches), "converts": converts, "revenue": revenue, **extra}


def build_journeys(journeys: Sequence[dict[str, Any]], *, fingerprint: str = "test") -> Journeys:
    """Journeys (ids 1, 2, ... in the given order) with derived touch columns and paths."""
    rows = []
    for jid, j in enumerate(journeys, start=1):
        conv = pd.Timestamp(j["converts"]) if j["converts"] is not None else pd.NaT
        k = len(j["touches"])
        for pos, t in enumerate(j["touches"], start=1):
            row = {
                "journey_id": jid, "user_id": j["user"], "converted": j["converts"] is not None,
                "revenue": float(j["revenue"]), "conversion_ts": conv, "stage": j.get("stage"),
                "position": pos, "n_touches": k, "channel": t["channel"], "ts": t["ts"],
                "hours_to_conversion": (conv - t["ts"]).total_seconds() / 3600 if j["converts"] else np.nan,
                "cost": t.get("cost", 0.0), "milestone": t.get("milestone"), "campaign": t.get("campaign"),
                "session_id": t.get("session_id"), "interaction": t.get("interaction"),
                "holder_engagement": t.get("holder_engagement", False),
                "closer_engagement": t.get("closer_engagement", False),
                "hours_since_previous": t.get("hours_since_previous"),
            }
            if "conversion_id" in j:
                row["conversion_id"] = j["conversion_id"]
            rows.append(row)
    touches = pd.DataFrame(rows)
    touches["ts"] = touches["ts"].astype("datetime64[us]")
    touches["conversion_ts"] = touches["conversion_ts"].astype("datetime64[us]")
    # hours since the same user's previous touch (any journey); NaN for the user's first touch,
    # unless a touch sets it explicitly
    derived = touches.sort_values(["user_id", "ts", "journey_id", "position"]).groupby("user_id")["ts"].diff()
    derived = derived.dt.total_seconds() / 3600
    explicit = pd.to_numeric(touches["hours_since_previous"], errors="coerce")
    touches["hours_since_previous"] = explicit.where(explicit.notna(), derived.reindex(touches.index))
    columns = TOUCH_COLUMNS + (["conversion_id"] if "conversion_id" in touches else [])
    touches = touches[columns].sort_values(["journey_id", "position"], ignore_index=True)
    return Journeys.from_frames(paths_of(touches), touches, fingerprint=fingerprint)


def paths_of(touches: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a touches table into the ``paths`` table (one row per unique path)."""
    per_journey = touches.sort_values(["journey_id", "position"]).groupby("journey_id").agg(
        path=("channel", tuple), converted=("converted", "first"), revenue=("revenue", "first"))
    per_journey["conversions"] = per_journey["converted"].astype(float)
    per_journey["nulls"] = 1.0 - per_journey["conversions"]
    per_journey["revenue"] = per_journey["revenue"].where(per_journey["converted"], 0.0)
    paths = per_journey.groupby("path", sort=False)[["conversions", "revenue", "nulls"]].sum()
    return paths.reset_index()[PATH_COLUMNS]


def as_paths(data: Journeys) -> PathData:
    """The same data as aggregated paths only (no touches)."""
    return PathData(paths=data.paths, fingerprint=data.fingerprint + "-paths")


def path_rows(*rows: tuple[str, float, float, float]) -> PathData:
    """PathData from (path "A>B", conversions, revenue, nulls) rows, for hand-worked path models."""
    return PathData(pd.DataFrame({
        "path": [tuple(r[0].split(">")) for r in rows],
        "conversions": [float(r[1]) for r in rows],
        "revenue": [float(r[2]) for r in rows],
        "nulls": [float(r[3]) for r in rows],
    }))


def small_journeys() -> Journeys:
    """The hand-made set of the module docstring."""
    return build_journeys([
        journey("u1", [touch("search", "2024-01-01 10:00"), touch("social", "2024-01-02 09:00"),
                       touch("email", "2024-01-02 18:00"), touch("direct", "2024-01-03 12:00")],
                "2024-01-03 12:00", 100.0),
        journey("u2", [touch("social", "2024-01-05 08:00")], "2024-01-05 09:00", 50.0),
        journey("u3", [touch("direct", "2024-01-04 10:00"), touch("search", "2024-01-06 10:00")],
                "2024-01-07 10:00", 30.0),
        journey("u4", [touch("display", "2024-01-01 00:00"), touch("search", "2024-01-01 12:00"),
                       touch("display", "2024-01-03 00:00"), touch("email", "2024-01-05 00:00"),
                       touch("direct", "2024-01-08 00:00")], "2024-01-08 00:00", 200.0),
        journey("u5", [touch("Direct", "2024-01-02 10:00"), touch("(direct)", "2024-01-02 11:00")],
                "2024-01-02 12:00", 10.0),
        journey("u6", [touch("search", "2024-01-03 10:00"), touch("display", "2024-01-04 10:00")]),
        journey("u1", [touch("display", "2024-01-10 10:00")]),
        journey("u7", [touch("social", "2024-01-06 08:00")], "2024-01-06 20:00", 20.0),
    ], fingerprint="small")


RANDOM_CHANNELS = ("search", "social", "display", "email", "Direct", "affiliate")


def random_journeys(n: int = 300, seed: int = 0) -> Journeys:
    """``n`` seeded journeys over six channels (about 40 % converting), with engagement flags,
    lead/opportunity milestones on some journeys, and several journeys per user."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2024-03-01")
    specs = []
    for i in range(n):
        k = int(rng.integers(1, 7))
        end = base + pd.Timedelta(hours=float(rng.uniform(0, 60 * 24)))
        hours = np.sort(rng.uniform(0, 20 * 24, k))[::-1]
        converts = bool(rng.random() < 0.25 + 0.08 * k)
        touches = []
        for pos, h in enumerate(hours, start=1):
            extra: dict[str, Any] = {"holder_engagement": bool(rng.random() < 0.3),
                                     "closer_engagement": bool(rng.random() < 0.2),
                                     "session_id": f"s{i}-{pos}"}
            if converts and k >= 4 and i % 3 == 0:
                extra["milestone"] = {2: "lead", k - 1: "opportunity"}.get(pos)
            ts = (end - pd.Timedelta(hours=float(h))).floor("min")
            touches.append(touch(RANDOM_CHANNELS[int(rng.integers(len(RANDOM_CHANNELS)))], str(ts), **extra))
        revenue = round(float(rng.gamma(2.0, 30.0)), 2) if converts else 0.0
        specs.append(journey(f"user{i // 2}", touches, str(end.floor("min")) if converts else None, revenue))
    return build_journeys(specs, fingerprint=f"random-{n}-{seed}")
