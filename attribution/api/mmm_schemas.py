"""Pydantic models of the media-mix and budget requests and answers (``/v1/mmm/fit``, ``/v1/budget/optimize``).

Rules:

* Every option of the fit is one of :func:`attribution.mmm.fit`'s parameters under the same name,
  and its default is read from that function's signature (:data:`FIT_DEFAULTS`), never restated:
  when the library's default changes, the API's follows. The same holds for the adstock and
  saturation names (the library's registries) and the budget's ``pct_bounds`` and plan modes.
* Range checks that need no data are made here (a 422 naming the field); data rules (unknown
  columns, too few periods, a lift test on an unknown channel) are the library's own, and the
  service maps their errors to the request's field where it can.
"""
from __future__ import annotations

import math
from datetime import date as Date  # noqa: N812 (a field is called ``date``)
from inspect import Parameter, signature
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from attribution import mmm
from attribution.api.schemas import MAX_AMOUNT, Amount, Strict, Text
from attribution.budget import EXTRAPOLATION_CAP, PLAN_MODES
from attribution.defaults import BUDGET_PCT_BOUNDS
from attribution.mmm.selection import AUTO, LAG_CANDIDATES, TREND_SEGMENTS

#: :func:`attribution.mmm.fit`'s defaults, by parameter name
FIT_DEFAULTS = {name: p.default for name, p in signature(mmm.fit).parameters.items() if p.default is not Parameter.empty}
#: lift tests per request: experiments are few (a team runs a handful per channel and year)
MAX_LIFT_TESTS = 200
#: event rows per request: a holiday calendar of several years with a few dozen named events
MAX_EVENTS = 2000
#: a signed amount (a change in spend or outcome), finite and within the range of :data:`MAX_AMOUNT`
Change = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
#: which field of :class:`BudgetSettings` holds each plan mode's ``amount`` (:func:`attribution.budget.plan`)
MODE_AMOUNT = {"budget": "total", "marginal_roas": "target_marginal_roas", "response": "target_response"}
if set(MODE_AMOUNT) != set(PLAN_MODES):
    raise RuntimeError(f"the API's budget modes {sorted(MODE_AMOUNT)} differ from the library's {sorted(PLAN_MODES)}")


def _lags() -> str:
    return " or ".join(f"{', '.join(map(str, lags))} {'weeks' if freq == 'W' else 'days'}"
                       for freq, lags in LAG_CANDIDATES.items())


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


class Event(Strict):
    """One date of a holiday or event (``mmm.fit(events=)``'s columns ``date, event``)."""

    date: Date = Field(description="ISO date, e.g. 2024-11-29")
    event: Text = Field(description="the event's name; each name gets its own effect")


class MMMFitSpec(Strict):
    """A wide table (one row per day or week) and the media-mix model to fit on it: the options of
    :func:`attribution.mmm.fit`, with its defaults."""

    rows: list[dict[str, float | int | str | None]] = Field(
        min_length=2, description="e.g. {\"date\": \"2024-01-01\", \"y\": 1200, \"tv\": 300, \"search\": 150}")
    date: Text = FIT_DEFAULTS["date"]
    target: Text = FIT_DEFAULTS["target"]
    channels: list[Text] = Field(min_length=1, max_length=30)
    controls: list[Text] = Field(default_factory=list, max_length=30)
    adstock: Literal[(*mmm.ADSTOCK_SPECS, AUTO)] = Field(  # type: ignore[valid-type]
        FIT_DEFAULTS["adstock"], description=f"'{AUTO}' (with either form '{AUTO}'): the adstock and saturation pair "
                                             "with the lowest BIC among the library's candidates (selection lists them)")
    saturation: Literal[(*mmm.SATURATION_SPECS, AUTO)] = FIT_DEFAULTS["saturation"]  # type: ignore[valid-type]
    max_lag: int | None = Field(FIT_DEFAULTS["max_lag"], ge=1, le=60, description=(
        f"adstock weights; null = the lowest BIC among {_lags()}"))
    freq: Literal["W", "D"] | None = Field(FIT_DEFAULTS["freq"], description=(
        "'W' (weekly) or 'D' (daily); null = inferred from the dates. Given, it must match the dates"))
    holdout_share: float = Field(FIT_DEFAULTS["holdout_share"], ge=0, lt=0.5)
    n_fourier: int = Field(FIT_DEFAULTS["n_fourier"], ge=0, le=6)
    trend: Literal[AUTO] | bool | Annotated[int, Field(ge=0, le=20)] = Field(  # type: ignore[valid-type]
        FIT_DEFAULTS["trend"], description=(
            f"segments of a piecewise-linear trend (true/1 = a straight line, false/0 = a constant level), or "
            f"'{AUTO}': the lowest BIC among {', '.join(map(str, TREND_SEGMENTS))} segments"))
    events: list[Event] | None = Field(FIT_DEFAULTS["events"], max_length=MAX_EVENTS, description=(
        "holidays and events (`mmm.fit(events=)`): each name gets its own effect in every period that "
        "contains one of its dates; dates outside the table are ignored. null or [] = none"),
        examples=[[{"date": "2024-11-29", "event": "black_friday"}, {"date": "2025-11-28", "event": "black_friday"}]])
    n_starts: int = Field(FIT_DEFAULTS["n_starts"], ge=1, le=20)
    seed: int = Field(FIT_DEFAULTS["seed"], ge=0, le=2**32 - 1)
    n_boot: int = Field(FIT_DEFAULTS["n_boot"], ge=0, description="residual bootstrap replicates for intervals (0 = none)")
    block_len: int | None = Field(FIT_DEFAULTS["block_len"], ge=1, description=(
        "periods per block of the moving-block bootstrap (with n_boot); null = the library's choice from the "
        "residuals' autocorrelation. At most half the table's rows, so the fit range always holds several blocks"))
    ci_level: float = Field(FIT_DEFAULTS["ci_level"], ge=0.5, lt=1)
    roas_prior_sd: float | None = Field(FIT_DEFAULTS["roas_prior_sd"], ge=0, allow_inf_nan=False)
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

    @field_validator("block_len")
    @classmethod
    def _several_blocks(cls, block_len: int | None, info: ValidationInfo) -> int | None:
        rows = info.data.get("rows")
        if block_len is not None and rows is not None and block_len > len(rows) // 2:
            raise ValueError(f"{block_len} is more than half the table's {len(rows)} rows; the bootstrap resamples "
                             "blocks of the fit range, so it needs several (null lets the library choose)")
        return block_len


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
    params: list[dict[str, float | str | None]] = Field(description=(
        "one row per parameter: channel (a channel, or baseline / trend / seasonality / events / a control), "
        "param (an event's effect is named after the event), value (+ intervals)"))
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


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} is above high {pair[1]}; give (low, high) with low <= high")
    return pair


#: a change relative to current spend: -1 (-100 %, spend nothing) or more, finite
PctChange = Annotated[float, Field(ge=-1, le=MAX_AMOUNT, allow_inf_nan=False)]
PctPair = Annotated[tuple[PctChange, PctChange], AfterValidator(_ordered)]


class BudgetSettings(Strict):
    """What to plan (``mode``, as :func:`attribution.budget.plan`) and within which bounds. Spend is per
    period of the fit (per week for a weekly table)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mode": "marginal_roas", "target_marginal_roas": 1.0, "channel_pct_bounds": {"tv": [-0.1, 0.1]},
         "forecast_periods": 13},
        {"total": 5000, "pct_bounds": [-0.3, 0.3], "locked": ["search"]}]})

    mode: Literal[tuple(PLAN_MODES)] = Field("budget", description=(  # type: ignore[valid-type]
        "'budget': split `total` for the largest predicted response (the default); 'marginal_roas': spend on "
        "each free channel until one more unit of spend returns `target_marginal_roas`; 'response': the least "
        "spend whose best split reaches `target_response` per period"))
    total: Amount | None = Field(None, validate_default=True, description=(
        "mode 'budget': spend per period to split; null = the current total (mean spend per period on the fit range)"))
    target_marginal_roas: float | None = Field(
        None, gt=0, le=MAX_AMOUNT, allow_inf_nan=False, validate_default=True, description=(
            "mode 'marginal_roas' (required there): the return of the last unit of spend, e.g. 1 for break-even "
            f"on revenue; a channel without an upper bound stops at {EXTRAPOLATION_CAP:g} x its largest spend per "
            "period seen"))
    target_response: Amount | None = Field(None, validate_default=True, description=(
        "mode 'response' (required there): the predicted media response per period to reach"))
    bounds: dict[str, tuple[Amount | None, Amount | None]] = Field(
        default_factory=dict, description="per channel (low, high) spend per period; null = no bound")
    pct_bounds: PctPair | None = Field(BUDGET_PCT_BOUNDS, description=(
        f"(low, high) change allowed relative to current spend, for every channel, e.g. (-0.2, 0.3); low >= -1; "
        f"default {BUDGET_PCT_BOUNDS}; null = no relative bound (channel_pct_bounds can still set some)"))
    channel_pct_bounds: dict[Text, PctPair] = Field(default_factory=dict, max_length=30, description=(
        "per channel (low, high) relative change that replaces pct_bounds for that channel, e.g. "
        "{\"tv\": [-0.1, 0.1]}; with pct_bounds null only these channels have a relative bound"),
        examples=[{"tv": [-0.1, 0.1]}])
    locked: list[Text] = Field(default_factory=list, description="channels kept at their current spend")
    periods: int = Field(1, ge=1, le=520, description="length of the plan in periods (scales spend and response)")
    forecast_periods: int | None = Field(None, ge=1, le=520, description=(
        "also predict the outcome for each of the next N periods under the plan's spend per period "
        "(`budget.forecast`: baseline continued, carry-over included, with intervals); null = no forecast"))

    @field_validator("total", "target_marginal_roas", "target_response")
    @classmethod
    def _amount_of_the_mode(cls, value: float | None, info: ValidationInfo) -> float | None:
        mode = info.data.get("mode")
        if mode is None:  # the mode itself is invalid: that is the error to report
            return value
        wanted = MODE_AMOUNT[mode]
        if info.field_name == wanted and value is None and mode != "budget":
            raise ValueError(f"mode {mode!r} needs {wanted} (the {PLAN_MODES[mode]})")
        if info.field_name != wanted and value is not None:
            other = next(m for m, f in MODE_AMOUNT.items() if f == info.field_name)
            raise ValueError(f"{info.field_name} is for mode {other!r}, and this request's mode is {mode!r}; "
                             f"send mode {other!r} or leave {info.field_name} out")
        return value

    @property
    def amount(self) -> float | None:
        """The ``amount`` of :func:`attribution.budget.plan` for this mode."""
        return getattr(self, MODE_AMOUNT[self.mode])


class BudgetRequest(Strict):
    """Fit a media-mix model on the table, then plan the budget on it (and, optionally, look ahead)."""

    fit: MMMFitSpec
    budget: BudgetSettings = Field(default_factory=BudgetSettings)


class BudgetResponse(BaseModel):
    """The recommended spend per channel and the totals (current vs recommended response, lift), the
    plan's warnings and the fit's, and with ``forecast_periods`` the predicted outcome per period."""

    mode: str = Field(description="the plan's mode, as requested")
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
    forecast: list[dict[str, float | int | str | None]] | None = Field(None, description=(
        "null without forecast_periods; else one row per future period: date, period, baseline, one column "
        "per channel (its media response), media, outcome, outcome_ci_low/high (a prediction interval at the "
        "fit's ci_level) and, with n_boot, media_ci_low/high; the plan's spend per period is kept up"))
