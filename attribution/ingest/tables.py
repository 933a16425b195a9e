"""Loaders of the journey-shaped inputs: touchpoints, conversions and spend files, and event logs."""
from __future__ import annotations

from attribution.ingest.context import LoadContext
from attribution.ingest.report import Issue
from attribution.ingest.sources import FileSource
from attribution.ingest.validate import Check, Field, lit


def touch_fields(m: dict[str, str]) -> list[Field]:
    """Canonical touchpoint columns from a resolved mapping."""
    return [
        Field("user_id", "text", m.get("user_id"), required=True),
        Field("ts", "ts", m.get("ts"), required=True),
        Field("channel", "text", m.get("channel"), required=True),
        Field("campaign", "text", m.get("campaign")),
        Field("cost", "number", m.get("cost"), nonneg=True),
        Field("session_id", "text", m.get("session_id")),
        Field("interaction", "text", m.get("interaction")),
        Field("holder_engagement", "bool", m.get("holder_engagement")),
        Field("closer_engagement", "bool", m.get("closer_engagement")),
    ]


def conversion_fields(m: dict[str, str]) -> list[Field]:
    """Canonical conversion columns from a resolved mapping (revenue 0 when absent or empty)."""
    return [
        Field("user_id", "text", m.get("user_id"), required=True),
        Field("ts", "ts", m.get("ts"), required=True),
        Field("revenue", "number", m.get("revenue"), nonneg=True, empty="0", default="0"),
        Field("conversion_id", "text", m.get("conversion_id")),
        Field("stage", "text", m.get("stage")),
    ]


TOUCH_SELECT = ("select user_id, ts, channel, campaign, cost, session_id, interaction, holder_engagement, "
                "closer_engagement from {t}")
CONV_SELECT = "select user_id, ts, revenue, conversion_id, stage from {t}"


def load_touchpoints(ctx: LoadContext, src: FileSource, mapping: dict | None) -> None:
    """Stage a touchpoints file into ``touchpoints``."""
    raw, m = ctx.read(src, "touchpoints", mapping)
    st = ctx.add(ctx.stage(raw, touch_fields(m), ts_format=(mapping or {}).get("ts_format")),
                 "touchpoints", raw)
    ctx.output("touchpoints", TOUCH_SELECT.format(t=st.good))


def load_conversions(ctx: LoadContext, src: FileSource, mapping: dict | None) -> None:
    """Stage a conversions file into ``conversions``."""
    raw, m = ctx.read(src, "conversions", mapping)
    st = ctx.add(ctx.stage(raw, conversion_fields(m), ts_format=(mapping or {}).get("ts_format")),
                 "conversions", raw)
    ctx.output("conversions", CONV_SELECT.format(t=st.good))


def load_spend(ctx: LoadContext, src: FileSource, mapping: dict | None) -> None:
    """Stage a daily (or weekly) spend file into ``spend``; an empty spend cell counts as 0."""
    raw, m = ctx.read(src, "spend", mapping)
    fields = [
        Field("date", "date", m.get("date"), required=True),
        Field("channel", "text", m.get("channel"), required=True),
        Field("spend", "number", m.get("spend"), nonneg=True, empty="0"),
        Field("campaign", "text", m.get("campaign")),
        Field("impressions", "number", m.get("impressions"), nonneg=True),
        Field("clicks", "number", m.get("clicks"), nonneg=True),
    ]
    st = ctx.add(ctx.stage(raw, fields, ts_format=(mapping or {}).get("ts_format")), "spend", raw)
    ctx.output("spend", f"select date, channel, spend, campaign, impressions, clicks from {st.good}")


def load_event_log(ctx: LoadContext, src: FileSource, mapping: dict | None) -> None:
    """Stage an event log (one row per event, with a conversion flag) into touchpoints and conversions.

    A conversion row becomes a conversion; a row with a channel is also a touch of that channel at
    that instant (so a conversion row with a channel is both). A row that is not a conversion needs
    a channel.
    """
    raw, m = ctx.read(src, "event_log", mapping)
    fields = [
        Field("user_id", "text", m.get("user_id"), required=True),
        Field("ts", "ts", m.get("ts"), required=True),
        Field("channel", "text", m.get("channel")),
        Field("conversion", "bool", m.get("conversion"), required=True),
        Field("revenue", "number", m.get("revenue"), nonneg=True, empty="0", default="0"),
        Field("interaction", "text", m.get("interaction")),
        Field("campaign", "text", m.get("campaign")),
        Field("cost", "number", m.get("cost"), nonneg=True),
        Field("session_id", "text", m.get("session_id")),
        Field("conversion_id", "text", m.get("conversion_id")),
        Field("stage", "text", m.get("stage")),
    ]
    checks = [Check("channel is null and not conversion",
                    lit(f"missing channel (column {m['channel']!r} is empty) on a row that is not a conversion"),
                    m["channel"])]
    flags = {"value_ignored": "not conversion and revenue > 0"} if m.get("revenue") else None
    st = ctx.add(ctx.stage(raw, fields, checks=checks, ts_format=(mapping or {}).get("ts_format"),
                       flags=flags), "event_log", raw)
    ctx.output("touchpoints", "select user_id, ts, channel, campaign, cost, session_id, interaction, "
                              f"NULL, NULL from {st.good} where channel is not null")
    ctx.output("conversions", f"select user_id, ts, revenue, conversion_id, stage from {st.good} "
                              "where conversion")
    n = st.counts.get("value_ignored", 0)
    if n:
        ctx.issues.append(Issue(src.name, m["revenue"], None,
                                f"{n:,} rows that are not conversions carry a value in column "
                                f"{m['revenue']!r}; it was ignored", "warning"))
