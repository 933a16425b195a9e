"""Per-request limits of the HTTP API, and how a deployment sets them.

Rules:

* Every limit of :class:`ApiLimits` has one ``serve`` option and one environment variable, listed
  in :data:`LIMIT_SETTINGS` (``--max-rows`` / ``ATTRIBUTION_API_MAX_ROWS``, ...). The option wins
  over the variable, the variable over the default. ``python -m attribution serve --help`` lists
  them all with their defaults.
* Values: the body size is in megabytes (``--max-body-mb``; a positive number, fractions allowed,
  below 1,000,000); every other limit is a whole number >= 1. Anything else (``abc``, ``-1``, ``0``,
  ``1.5`` for a count) is an :class:`~attribution.errors.AttributionError` naming the option or
  variable and what it accepts, raised before the server starts (``serve`` prints it and exits 2).
* A request over a limit is refused before any work starts with :class:`RequestTooLarge` (HTTP 413)
  naming the limit; the body size is checked before the body is parsed.

This module imports nothing heavy, so ``serve --help`` stays fast without the API extra.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from attribution.errors import AttributionError

MB = 2**20
#: the largest body size accepted as a setting, in megabytes (a typo guard, not a memory promise)
MAX_BODY_MB = 1_000_000
ENV_PREFIX = "ATTRIBUTION_API_"
_WHOLE = re.compile(r"\+?\d+")


class RequestTooLarge(AttributionError):
    """The request is over one of the server's limits (HTTP 413); the message names it."""


@dataclass(frozen=True)
class LimitSetting:
    """How one :class:`ApiLimits` field is set: ``name`` gives the option ``--<name>`` and the
    variable ``ATTRIBUTION_API_<NAME>``; ``megabytes``: the setting is in MB, the field in bytes."""

    field: str
    name: str
    what: str
    megabytes: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def shown(self, value: int) -> str:
        """A field value in the setting's unit, as ``--help`` and the README show it."""
        return f"{value / MB:g}" if self.megabytes else f"{value:,}"

    def parse(self, raw: str, source: str) -> int:
        """The field value (bytes for the body size) of ``raw`` as given by ``source`` (the option or
        the variable); raises AttributionError naming ``source`` when it is not usable."""
        text = str(raw).strip()
        if self.megabytes:
            try:
                mb = float(text)
            except ValueError:
                mb = math.nan
            if not (0 < mb < MAX_BODY_MB) or int(mb * MB) < 1:
                raise AttributionError(f"{source} must be a positive number of megabytes below {MAX_BODY_MB:,} "
                                       f"(e.g. 64), not {text!r}")
            return int(mb * MB)
        if not _WHOLE.fullmatch(text) or int(text) < 1:
            raise AttributionError(f"{source} must be a whole number >= 1 ({self.what}), not {text!r}")
        return int(text)

    def setting(self, value: int) -> str:
        """``value`` written as this setting takes it (parses back to the same field value)."""
        return repr(value / MB) if self.megabytes else str(value)


@dataclass(frozen=True)
class ApiLimits:
    """Per-request limits; every one can be set with a ``serve`` option or an environment variable
    (:data:`LIMIT_SETTINGS`, e.g. ``--max-mmm-rows`` / ``ATTRIBUTION_API_MAX_MMM_ROWS``).

    ``max_body_bytes``: request body size. ``max_rows``: touchpoints + conversions + paths of one
    attribution request; ``max_n_boot``: its bootstrap replicates; ``max_boot_work``: ``n_boot`` x
    rows (bounds the bootstrap's time). ``max_ihc_journeys``/``max_ihc_sessions``: one compute_ihc
    request (the hosted API's limits by default). ``max_mmm_rows``: periods of a media-mix table;
    ``max_mmm_n_boot``: replicates of a media-mix fit. Every value must be a whole number >= 1.
    """

    max_body_bytes: int = 64 * MB
    max_rows: int = 1_000_000
    max_n_boot: int = 1000
    max_boot_work: int = 20_000_000
    max_ihc_journeys: int = 100
    max_ihc_sessions: int = 3000
    max_mmm_rows: int = 3660
    max_mmm_n_boot: int = 200

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AttributionError(f"ApiLimits.{f.name} must be a whole number >= 1, not {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiLimits:
        """The limits set by the ``ATTRIBUTION_API_*`` variables of ``environ`` (default
        ``os.environ``), the defaults for the rest."""
        return resolve_limits({}, os.environ if environ is None else environ)


LIMIT_SETTINGS: tuple[LimitSetting, ...] = (
    LimitSetting("max_body_bytes", "max_body_mb", "largest request body, in MB", megabytes=True),
    LimitSetting("max_rows", "max_rows", "touchpoints + conversions (or paths) per /v1/attribution request"),
    LimitSetting("max_n_boot", "max_n_boot", "bootstrap replicates (n_boot) per /v1/attribution request"),
    LimitSetting("max_boot_work", "max_boot_work", "n_boot x rows per /v1/attribution request"),
    LimitSetting("max_ihc_journeys", "max_ihc_journeys", "journeys (conversion_ids) per /v1/compute_ihc request"),
    LimitSetting("max_ihc_sessions", "max_ihc_sessions", "sessions per /v1/compute_ihc request"),
    LimitSetting("max_mmm_rows", "max_mmm_rows", "rows (periods) of the table of a media-mix request"),
    LimitSetting("max_mmm_n_boot", "max_mmm_n_boot", "bootstrap replicates (n_boot) of a media-mix fit"),
)


def resolve_limits(options: Mapping[str, str | None], environ: Mapping[str, str]) -> ApiLimits:
    """The limits from ``options`` (``{setting name: text or None}``, e.g. the ``serve`` arguments),
    else ``environ``'s ``ATTRIBUTION_API_*`` variables, else the defaults; see the module rules."""
    values = {}
    for s in LIMIT_SETTINGS:
        given = options.get(s.name)
        if given is not None:
            values[s.field] = s.parse(given, s.option)
        elif environ.get(s.env) is not None:
            values[s.field] = s.parse(environ[s.env], s.env)
    return ApiLimits(**values)


def limits_env(limits: ApiLimits) -> dict[str, str]:
    """The ``ATTRIBUTION_API_*`` variables that make :meth:`ApiLimits.from_env` return ``limits``
    (how ``serve`` hands its settings to uvicorn's worker processes)."""
    return {s.env: s.setting(getattr(limits, s.field)) for s in LIMIT_SETTINGS}


__all__ = ["LIMIT_SETTINGS", "ApiLimits", "LimitSetting", "RequestTooLarge", "limits_env", "resolve_limits"]
