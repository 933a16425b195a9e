"""Pydantic models of the API's requests and responses (they become the OpenAPI document).

Field rules are written on the fields (``description``) so ``/docs`` shows them. Bounds that
protect the server (rows per request, replicates, string lengths) are checked here or in
:mod:`attribution.api.service` against :class:`~attribution.api.server.ApiLimits`; data rules
(non-negative revenue, readable timestamps, known models and parameters) are the library's own.
"""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from attribution.defaults import BUDGET_PCT_BOUNDS, CONVERSION_STAGE, INTERVAL_LEVEL, MMM_HOLDOUT_SHARE
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


#: lift tests per request: experiments are few (a team runs a handful per channel and year)
MAX_LIFT_TESTS = 200
#: a signed amount (a change in spend or outcome), finite and within the range of :data:`MAX_AMOUNT`
Change = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]


class LiftTest(Strict):
    """One experiment on one channel: PyMC-Marketing's lift-test columns (all per period of the table).

    Rules (the library's, :func:`attribution.mmm.lift.check_lift_tests`): ``channel`` is one of the
    request's ``channels``; ``x`` >= 0; ``delta_x`` not 0 and ``x + delta_x`` >= 0 (a test may raise
    or cut spend); ``delta_y`` any finite number (a measured fall is kept); ``sigma`` > 0.
    """

    channel: Text = Field(description="one of the request's channels")
    x: Amount = Field(description="spend per period before the test")
    delta_x: Change = Field(description="change in spend per period during the test (negative for a cut); "
                                        "not 0, and x + delta_x >= 0")
    delta_y: Change = Field(description="measured change in the target per period")
    sigma: float = Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False, description="standard error of delta_y, > 0")


class MMMFitSpec(Strict):
    """A wide table (one row per day or week) and the media-mix model to fit on it."""

    rows: list[dict[str, float | int | str | None]] = Field(
        min_length=2, description="e.g. {\"date\": \"2024-01-01\", \"y\": 1200, \"tv\": 300, \"search\": 150}")
    date: Text = "date"
    target: Text = "y"
    channels: list[Text] = Field(min_length=1, max_length=30)
    controls: list[Text] = Field(default_factory=list, max_length=30)
    adstock: Literal["geometric", "delayed", "weibull_cdf", "weibull_pdf", "auto"] = Field(
        "geometric", description="'auto' (with either form 'auto'): the adstock and saturation pair with the lowest "
                                 "BIC among the library's candidates (selection lists them)")
    saturation: Literal["logistic", "hill", "michaelis_menten", "auto"] = "logistic"
    max_lag: int | None = Field(None, ge=1, le=60, description="adstock weights; null = the lowest BIC among "
                                                               "4, 8, 13 weeks or 7, 14, 30 days")
    holdout_share: float = Field(MMM_HOLDOUT_SHARE, ge=0, lt=0.5)
    n_fourier: int = Field(2, ge=0, le=6)
    trend: Literal["auto"] | bool | Annotated[int, Field(ge=0, le=20)] = Field("auto", description=(
        "segments of a piecewise-linear trend (true/1 = a straight line, false/0 = a constant level), or "
        "'auto' (the library's default): the lowest BIC among 1, 2, 3, 4 and 6 segments"))
    n_starts: int = Field(5, ge=1, le=20)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    n_boot: int = Field(0, ge=0, description="residual bootstrap replicates for intervals (0 = none)")
    ci_level: float = Field(INTERVAL_LEVEL, ge=0.5, lt=1)
    roas_prior_sd: float | None = Field(1.0, ge=0, allow_inf_nan=False)
    lift_tests: list[LiftTest] | None = Field(None, max_length=MAX_LIFT_TESTS, description=(
        "experiments that calibrate the response curves (`mmm.fit(lift_tests=)`): each is a measurement of "
        "its channel's steady-state curve, weighed by its sigma; null or [] = no calibration"),
        examples=[[{"channel": "tv", "x": 1000, "delta_x": 500, "delta_y": 180, "sigma": 40}]])
    compare_uncalibrated: bool = Field(True, description=(
        "with lift tests, also fit the same model without them and return both ROAS side by side in "
        "`calibration` (doubles the work; ignored by /v1/budget/optimize, which plans on the calibrated fit)"))

    @field_validator("rows")
    @classmethod
    def _finite(cls, rows: list[dict]) -> list[dict]:
        for i, row in enumerate(rows, start=1):
            for name, value in row.items():
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"row {i}, column {name!r}: {value} is not a finite number")
        return rows


class LiftTestResult(BaseModel):
    """A lift test next to the calibrated curve (``diagnostics["lift_tests"]`` of the library)."""

    channel: str
    x: float
    delta_x: float
    delta_y: float
    sigma: float
    predicted_delta_y: float = Field(description="the change per period the calibrated model predicts for the test")
    z: float = Field(description="(predicted - measured) / sigma; beyond about +-2 the model and the test disagree")


class CalibrationRow(BaseModel):
    """One channel's ROAS without and with the lift tests (:func:`attribution.mmm.lift.calibration_table`)."""

    channel: str
    roas_uncalibrated: float | None
    roas_calibrated: float | None
    change: float | None = Field(description="roas_calibrated / roas_uncalibrated - 1")
    roas_uncalibrated_ci_low: float | None = None
    roas_uncalibrated_ci_high: float | None = None
    roas_calibrated_ci_low: float | None = None
    roas_calibrated_ci_high: float | None = None
    width_change: float | None = Field(None, description=(
        "calibrated interval width / uncalibrated width - 1 (negative: the tests narrowed it); with n_boot only"))


class BaselineRelaxed(BaseModel):
    """Where the baseline >= 0 constraint binds, and media credit with and without it (fit range)."""

    where: list[str] = Field(description="the dates (trend knots) where the baseline level is held at 0")
    media: float = Field(description="media credit under the constraint")
    media_free: float = Field(description="media credit with the baseline left free")


class MMMFitResponse(BaseModel):
    """Per channel spend, contribution, share, ROAS and marginal ROAS (+ intervals), the parameters,
    fit diagnostics and the fitted series; with lift tests, each test against the calibrated curve and
    (``compare_uncalibrated``) the ROAS without and with them."""

    channel_summary: list[dict[str, float | str | None]]
    params: list[dict[str, float | str | None]]
    diagnostics: dict[str, float | int | str | bool | None]
    warnings: list[str]
    fitted: list[dict[str, float | str | bool | None]]
    selection: list[dict[str, float | int | str | bool | None]] = Field(default_factory=list, description=(
        "every candidate of the automatic choices (trend, lag, forms): step, its settings, fit, BIC, hold-out "
        "error, ROAS per channel (`roas_<channel>`), chosen, delta_bic; empty when nothing was chosen"))
    choices: list[str] = Field(default_factory=list, description="one sentence per automatic choice")
    baseline_relaxed: BaselineRelaxed | None = Field(None, description=(
        "null unless the baseline >= 0 constraint binds (the warnings then say which way it moved media credit)"))
    lift_tests: list[LiftTestResult] | None = Field(None, description="null without lift tests")
    calibration: list[CalibrationRow] | None = Field(
        None, description="null without lift tests or with compare_uncalibrated false")


class BudgetSettings(Strict):
    """How to split a budget (spend per period of the fit: per week for a weekly table)."""

    total: Amount | None = Field(None, description="spend per period to allocate; null = current total")
    bounds: dict[str, tuple[Amount | None, Amount | None]] = Field(
        default_factory=dict, description="per channel (low, high) spend per period; null = no bound")
    pct_bounds: tuple[float, float] | None = Field(
        BUDGET_PCT_BOUNDS, description=f"(low, high) change allowed relative to current spend, for every channel, "
                                       f"e.g. (-0.2, 0.3); default {BUDGET_PCT_BOUNDS}; null = no relative bound")
    locked: list[Text] = Field(default_factory=list, description="channels kept at their current spend")
    periods: int = Field(1, ge=1, le=520, description="length of the plan in periods")


class BudgetRequest(Strict):
    """Fit a media-mix model on the table, then optimise the budget on it."""

    fit: MMMFitSpec
    budget: BudgetSettings = Field(default_factory=BudgetSettings)


class BudgetResponse(BaseModel):
    """The recommended split per channel and the totals (current vs recommended response, lift), the
    plan's warnings and the fit's."""

    allocation: list[dict[str, float | str | bool | None]]
    totals: dict[str, float | None]
    warnings: list[str] = Field(description=(
        "the plan's warnings (`BudgetResult.warnings`): one sentence per channel the plan spends more on, per "
        "period, than the most the model has seen on the fit range (its response there is extrapolated); each "
        "starts with the channel's name and a colon. Empty when the plan stays within the seen range"),
        examples=[["tv: the plan spends 5,200.00 per period, above the most the model has seen (4,100.00 per "
                   "period on the fit range); its response there is extrapolated from the fitted curve, so treat "
                   "it as a guess or bound the channel"]])
    fit_warnings: list[str] = Field(description="the media-mix fit's warnings (as in /v1/mmm/fit)")


class Health(BaseModel):
    """Liveness answer."""

    status: Literal["ok"]
    version: str


class ErrorBody(BaseModel):
    """Every error answer: what went wrong, in words, and (for 422) the field it concerns."""

    error: str
    detail: str
    field: str | None = None
