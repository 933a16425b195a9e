"""Pydantic models of the API's requests and responses (they become the OpenAPI document): the
shared field types, attribution, IHC, health and errors; the media-mix and budget models are in
:mod:`attribution.api.mmm_schemas`.

Field rules are written on the fields (``description``) so ``/docs`` shows them. Bounds that
protect the server (rows per request, replicates, string lengths) are checked here or in
:mod:`attribution.api.service` against :class:`~attribution.api.limits.ApiLimits`; data rules
(non-negative revenue, readable timestamps, known models and parameters) are the library's own.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from attribution.defaults import CONVERSION_STAGE, INTERVAL_LEVEL
from attribution.journeys.settings import RULE_COLUMNS, RULE_MATCHES, TRANSFORMS

Text = Annotated[str, Field(min_length=1, max_length=200)]
OptionalText = Annotated[str | None, Field(default=None, max_length=200)]
#: the largest count or amount in one row: sums over a million rows stay finite (a row of 1e308
#: conversions would make the totals infinite, which JSON cannot carry)
MAX_AMOUNT = 1e15
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
ParamValue = bool | int | float | str | list[str] | None


class Strict(BaseModel):
    """Unknown fields are an error (a typo in a field name must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Touch(Strict):
    """One marketing touch of a user."""

    user_id: Text
    ts: datetime = Field(description="ISO 8601 date-time; with a zone offset it is converted to UTC")
    channel: Text
    campaign: OptionalText = None
    cost: Amount | None = None
    session_id: OptionalText = None
    interaction: OptionalText = Field(None, description="e.g. 'impression' or 'click'")
    holder_engagement: bool | None = None
    closer_engagement: bool | None = None


class Conversion(Strict):
    """One conversion of a user."""

    user_id: Text
    ts: datetime
    revenue: Amount = 0.0
    conversion_id: OptionalText = None
    stage: OptionalText = Field(None, description="funnel stage, for the 'stage' journey rule")


class PathRow(Strict):
    """One aggregated path (ChannelAttribution style): the channels in order and its counts."""

    path: list[Text] = Field(min_length=1, max_length=200)
    conversions: Amount
    revenue: Amount = 0.0
    nulls: Amount = Field(0.0, description="journeys along this path that did not convert")


class ChannelRuleIn(Strict):
    """Map raw values to a channel group (first matching rule wins, case-insensitive)."""

    group: Text
    pattern: Text
    column: Literal[RULE_COLUMNS] = "channel"  # type: ignore[valid-type]
    match: Literal[RULE_MATCHES] = "contains"  # type: ignore[valid-type]


class JourneyRules(Strict):
    """The journey rules (same names and defaults as ``attribution.JourneySettings``)."""

    reset_on_conversion: bool = True
    lookback_days: int | None = Field(30, ge=0, le=3650, description="null = unlimited")
    max_touches: int | None = Field(None, ge=1, le=10_000)
    stage: OptionalText = CONVERSION_STAGE
    first_only: bool = False
    include_non_converting: bool = True
    start: date | None = None
    end: date | None = None
    transform: Literal[TRANSFORMS] = "none"  # type: ignore[valid-type]
    exclude_channels: list[Text] = Field(default_factory=list, max_length=200)
    channel_rules: list[ChannelRuleIn] = Field(default_factory=list, max_length=200)


class AttributionRequest(Strict):
    """Journeys as touches + conversions, or as aggregated paths; models to run; optional bootstrap."""

    touchpoints: list[Touch] | None = None
    conversions: list[Conversion] | None = None
    paths: list[PathRow] | None = None
    journey_rules: JourneyRules = Field(default_factory=JourneyRules)
    models: list[Text] | None = Field(None, min_length=1, max_length=20,
                                      description="registered model names; null = every model the data supports")
    params: dict[str, dict[str, ParamValue]] = Field(
        default_factory=dict, description="per model, its parameters, e.g. {\"markov\": {\"order\": 2}}")
    n_boot: int = Field(0, ge=0, description="bootstrap replicates for intervals (0 = none, else >= 2)")
    level: float = Field(INTERVAL_LEVEL, gt=0, lt=1, description="interval level, e.g. 0.9 or 0.95")
    seed: int = Field(0, ge=0, le=2**32 - 1)


class Credit(BaseModel):
    """Credit of one channel under one model (intervals only when bootstrapped)."""

    model: str
    channel: str
    conversions: float
    revenue: float
    share: float
    ci_low: float | None = None
    ci_high: float | None = None
    revenue_ci_low: float | None = None
    revenue_ci_high: float | None = None
    share_ci_low: float | None = None
    share_ci_high: float | None = None


class RejectedRows(BaseModel):
    """Input rows the library left out, counted by input and reason."""

    input: str
    reason: str
    rows: int


class AttributionResponse(BaseModel):
    """Tidy credit per model and channel, and what was kept and left out."""

    credit: list[Credit]
    models: list[str]
    total_conversions: float = Field(description="counted conversions: those with journeys plus those without a touch")
    total_revenue: float
    conversions_without_touch: float = Field(0.0, description=(
        "counted conversions with no touch in their window (none inside the lookback, or none since the "
        "previous conversion); credited on the channel `(no touch)` in every model"))
    journeys: int | None = Field(None, description="journeys built (touch input only)")
    rejected: list[RejectedRows] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    n_boot: int = 0
    level: float | None = None


class IHCSession(BaseModel):
    """One session of a customer journey, as the hosted IHC API takes it."""

    model_config = ConfigDict(extra="ignore")  # pipelines written for the hosted API may send more

    conversion_id: Text
    session_id: Text
    timestamp: datetime = Field(description="'YYYY-MM-DD HH:MM:SS' (ISO 8601 accepted)")
    channel_label: Text
    holder_engagement: Literal[0, 1] = 0
    closer_engagement: Literal[0, 1] = 0
    conversion: Literal[0, 1] = 0
    impression_interaction: Literal[0, 1] = 0


class IHCRequest(BaseModel):
    """``{"customer_journeys": [session, ...]}``."""

    model_config = ConfigDict(extra="ignore")

    customer_journeys: list[IHCSession] = Field(min_length=1)


class IHCResult(BaseModel):
    """IHC credit of one session (the three phases and their blend ``ihc``)."""

    conversion_id: str
    session_id: str
    initializer: float
    holder: float
    closer: float
    ihc: float


class IHCResponse(BaseModel):
    """The hosted IHC API's answer: 200, or 206 when some journeys could not be attributed."""

    statusCode: Literal[200, 206]  # noqa: N815 (the hosted API's field name)
    value: list[IHCResult]
    partialFailureErrors: list[dict[str, str]]  # noqa: N815


class Health(BaseModel):
    """Liveness answer."""

    status: Literal["ok"]
    version: str


class ErrorBody(BaseModel):
    """Every error answer: what went wrong, in words, and (for 422) the field it concerns."""

    error: str
    detail: str
    field: str | None = None
