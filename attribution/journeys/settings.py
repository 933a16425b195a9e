"""Journey rules: which touches make up a journey, and channel grouping rules.

A journey is the ordered touches that lead to one counted conversion, or the trailing touches of a
user after their last counted conversion (a non-converting journey). The rules, each a field of
:class:`JourneySettings` with its default:

- a touch belongs to the next conversion of the same user strictly after the previous counted
  conversion and at or before this one (``reset_on_conversion=True``; a touch at exactly the
  conversion instant belongs to it); without reset every conversion takes all earlier touches in
  its window, so journeys may overlap;
- only touches inside the lookback window before the conversion count (``lookback_days=30``;
  ``None`` = unlimited; a dataset of pre-built journeys defaults to ``None``, see
  :meth:`attribution.engine.base.Dataset.default_settings`);
- ``max_touches`` keeps the last N touches of a journey (``None`` = all);
- ``stage`` picks the conversions that end journeys (``None`` = every conversion); earlier stages
  become milestones of the journey; ``first_only`` keeps each user's first counted conversion only;
- touches after a user's last counted conversion form one non-converting journey
  (``include_non_converting=True``);
- ``start``/``end`` keep journeys whose conversion date (touch date for non-converting journeys)
  falls in the range;
- path transforms: ``none``, ``collapse_repeats`` (A > A > B becomes A > B), ``unique`` (first
  occurrence of each channel only);
- ``exclude_channels``: an excluded channel (case-insensitive) never gets credit: its touches are
  dropped; a journey made only of excluded channels is left with no touch, so its conversion is
  one without a touch (below) and a non-converting one disappears;
- ``channel_rules`` map raw channel, campaign or interaction values to channel groups before
  anything else (first matching rule wins, case-insensitive);
- a counted conversion with no touch in its window (none inside the lookback, none since the
  previous counted conversion with reset, or only touches on excluded channels) makes no journey; it is counted and credited to the
  channel ``no_touch_channel`` (default ``"(no touch)"``; e.g. ``"Direct"`` credits them to Direct
  as GA4 does), so every model's channel totals equal the counted conversions (see
  :class:`attribution.journeys.data.JourneyStats` for the exact rule).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb

from attribution.defaults import CONVERSION_STAGE
from attribution.errors import DataValidationError

TRANSFORMS = ("none", "collapse_repeats", "unique")
RULE_COLUMNS = ("channel", "campaign", "interaction")
RULE_MATCHES = ("equals", "contains", "starts_with", "regex")


@dataclass(frozen=True)
class ChannelRule:
    """Map raw values to a channel group: if ``column`` ``match``es ``pattern`` → ``group``.

    Matching is case-insensitive; rules apply in order and the first match wins; touches that no
    rule matches keep their channel.
    """

    group: str
    pattern: str
    column: str = "channel"
    match: str = "contains"

    def __post_init__(self) -> None:
        if not str(self.group).strip():
            raise DataValidationError("channel rule: give the group a name (the channel the matches become)")
        if not str(self.pattern):
            raise DataValidationError(f"channel rule for {self.group!r}: give the text to match")
        if self.column not in RULE_COLUMNS:
            raise DataValidationError(f"channel rule for {self.group!r}: column must be one of "
                                      f"{', '.join(RULE_COLUMNS)}, not {self.column!r}", column=self.column)
        if self.match not in RULE_MATCHES:
            raise DataValidationError(f"channel rule for {self.group!r}: match must be one of "
                                      f"{', '.join(RULE_MATCHES)}, not {self.match!r}")


@dataclass(frozen=True)
class JourneySettings:
    """Every journey rule of docs/architecture.md §4, with its default."""

    reset_on_conversion: bool = True
    lookback_days: int | None = 30
    max_touches: int | None = None
    stage: str | None = CONVERSION_STAGE
    first_only: bool = False
    include_non_converting: bool = True
    start: date | None = None
    end: date | None = None
    transform: str = "none"
    exclude_channels: tuple[str, ...] = ()
    channel_rules: tuple[ChannelRule, ...] = field(default_factory=tuple)
    no_touch_channel: str = "(no touch)"

    def __post_init__(self) -> None:
        if not str(self.no_touch_channel).strip():
            raise DataValidationError("no_touch_channel needs a name: the channel that conversions "
                                      "without any touch are credited to, e.g. '(no touch)' or 'Direct'")
        if self.transform not in TRANSFORMS:
            raise DataValidationError(f"path transform must be one of {', '.join(TRANSFORMS)}, "
                                      f"not {self.transform!r}")
        if self.lookback_days is not None and self.lookback_days < 0:
            raise DataValidationError("lookback_days must be ≥ 0 or None (unlimited)")
        if self.max_touches is not None and self.max_touches < 1:
            raise DataValidationError("max_touches must be ≥ 1 or None (no cap)")
        if isinstance(self.exclude_channels, str):  # a bare string would exclude single letters
            raise DataValidationError("exclude_channels must be a tuple of channel names, e.g. "
                                      f"({self.exclude_channels!r},), not a string")
        if str(self.no_touch_channel).lower() in {str(c).lower() for c in self.exclude_channels}:
            raise DataValidationError(
                f"no_touch_channel {self.no_touch_channel!r} is an excluded channel, which never gets credit: "
                "keep '(no touch)' for conversions without a touch, or stop excluding that channel")
        if self.start and self.end and self.start > self.end:
            raise DataValidationError(f"date range starts ({self.start}) after it ends ({self.end})")

    def key(self) -> str:
        """A short stable hash of the settings, for cache keys."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]


def check_channel_rules(rules: tuple[ChannelRule, ...], con=None) -> None:
    """Raise DataValidationError when a regex rule's pattern is not a valid regular expression.

    DuckDB's regex engine (RE2) is the judge, so the check runs there (on ``con``, or on a
    throw-away in-memory connection).
    """
    if not any(rule.match == "regex" for rule in rules):
        return
    con = con if con is not None else duckdb.connect()
    for rule in rules:
        if rule.match != "regex":
            continue
        try:
            con.execute("select regexp_matches('', $p, 'i')", {"p": rule.pattern}).fetchall()
        except duckdb.Error as exc:
            raise DataValidationError(f"channel rule for {rule.group!r}: pattern {rule.pattern!r} is not a "
                                      f"valid regular expression ({exc}); fix it or use match='contains'") from exc

