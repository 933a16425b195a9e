"""What each endpoint does, without HTTP: validated request models in, response models out.

Every computation is the library's own (the numbers equal ``at.compare`` / ``at.bootstrap`` /
``mmm.fit`` / ``budget.plan`` / ``budget.forecast`` on the same data); this module only translates. Rules:

* Touches and conversions go through the same ingest checks as an uploaded file (as an in-memory
  Parquet upload), so rows the library would reject are rejected here too and counted by reason
  in the answer; a request whose every row is bad is a 422.
* Aggregated paths: rows with the same path are added up; only the path rules of the journey
  rules apply (``transform``, ``exclude_channels``), as for an uploaded paths file.
* Limits (:class:`~attribution.api.limits.ApiLimits`) are checked before any work starts: too many
  rows or replicates is a :class:`~attribution.api.limits.RequestTooLarge` (HTTP 413) naming the limit.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from attribution.api import mmm_schemas as ms
from attribution.api import schemas as s
from attribution.api.limits import ApiLimits, RequestTooLarge
from attribution.errors import DataValidationError, ModelError


def _too_large(what: str, n: int, limit: int, hint: str) -> RequestTooLarge:
    return RequestTooLarge(f"{what}: {n:,} is over this server's limit of {limit:,}; {hint}")


# --- POST /v1/attribution -----------------------------------------------------------------------

def _rules(rules: s.JourneyRules):
    from attribution.journeys.settings import ChannelRule, JourneySettings

    values = rules.model_dump()
    values["exclude_channels"] = tuple(values["exclude_channels"])
    values["channel_rules"] = tuple(ChannelRule(**r) for r in values["channel_rules"])
    return JourneySettings(**values)


def _timestamps(values: list) -> pd.Series:
    """Timestamps with a zone become UTC wall time; naive ones are taken as they are."""
    from datetime import UTC

    naive = [v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo is not None else v for v in values]
    return pd.Series(pd.to_datetime(naive), dtype="datetime64[us]")


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([r.model_dump() for r in rows], columns=columns)
    frame["ts"] = _timestamps([r.ts for r in rows])
    return frame


TOUCH_COLUMNS = list(s.Touch.model_fields)
CONVERSION_COLUMNS = list(s.Conversion.model_fields)


def _parametrise(req: s.AttributionRequest) -> dict[str, dict[str, object]]:
    """Per-model parameters with list values as tuples (the models' own default type)."""
    from attribution.models.registry import check_params

    out = {}
    for model, params in req.params.items():
        spec = check_params(model, params)
        typed = {}
        for name, value in params.items():
            default = spec.defaults[name]
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ModelError(f"{model}.{name} must be true or false, got {value!r}")
            if isinstance(default, int | float) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise ModelError(f"{model}.{name} must be a number, got {value!r}")
                if isinstance(default, int) and (not float(value).is_integer()):
                    raise ModelError(f"{model}.{name} must be a whole number, got {value!r}")
                value = type(default)(value)
            if isinstance(default, tuple):
                if not isinstance(value, list):
                    raise ModelError(f"{model}.{name} must be a list of text, got {value!r}")
                value = tuple(value)
            if isinstance(default, str) and not isinstance(value, str):
                raise ModelError(f"{model}.{name} must be text, got {value!r}")
            typed[name] = value
        out[model] = typed
    return out


def _path_data(req: s.AttributionRequest):
    from attribution.journeys.data import PathData
    from attribution.journeys.transforms import transform_paths

    frame = pd.DataFrame({"path": [tuple(p.path) for p in req.paths],
                          "conversions": [p.conversions for p in req.paths],
                          "revenue": [p.revenue for p in req.paths], "nulls": [p.nulls for p in req.paths]})
    frame = frame.groupby("path", as_index=False, sort=True)[["conversions", "revenue", "nulls"]].sum()
    data = PathData(paths=frame, fingerprint="api")
    rules = req.journey_rules
    return transform_paths(data, transform=rules.transform, exclude_channels=tuple(rules.exclude_channels))


def _journeys(req: s.AttributionRequest, limits: ApiLimits):
    """The journeys of a touch request, the ingest report's rejected-row counts and warnings."""
    import attribution as at
    from attribution.ingest.frames import parquet_upload

    dataset = at.load(touchpoints=parquet_upload(_frame(req.touchpoints, TOUCH_COLUMNS), "touchpoints.parquet"),
                      conversions=parquet_upload(_frame(req.conversions, CONVERSION_COLUMNS), "conversions.parquet"),
                      name="api request")
    report = dataset.report
    rejected = [s.RejectedRows(input=str(r.file).removesuffix(".parquet"), reason=str(r.reason), rows=int(r.rows))
                for r in report.rejected_counts.itertuples(index=False)]
    warnings = [i.message for i in report.warnings if i.severity == "warning"]
    return dataset.journeys(_rules(req.journey_rules)), rejected, warnings


def _check_size(req: s.AttributionRequest, limits: ApiLimits) -> int:
    has_touches = req.touchpoints is not None or req.conversions is not None
    if has_touches == (req.paths is not None):
        raise DataValidationError("send either touchpoints and conversions, or paths (not both, not neither)",
                                  column="paths")
    if has_touches and (not req.touchpoints or not req.conversions):
        missing = "touchpoints" if not req.touchpoints else "conversions"
        raise DataValidationError(f"{missing} is empty or missing: touch input needs both touchpoints and "
                                  "conversions (a user without conversions is a non-converting journey)",
                                  column=missing)
    if req.paths is not None and not req.paths:
        raise DataValidationError("paths is empty: send at least one path", column="paths")
    n = len(req.touchpoints or ()) + len(req.conversions or ()) + len(req.paths or ())
    if n > limits.max_rows:
        raise _too_large("rows in the request", n, limits.max_rows,
                         "split the journeys into several requests by user, or send aggregated paths")
    if req.n_boot:
        if req.n_boot < 2:
            raise ModelError("n_boot must be 0 (no intervals) or at least 2")
        if req.n_boot > limits.max_n_boot:
            raise _too_large("n_boot", req.n_boot, limits.max_n_boot, "200 replicates give stable 95% intervals")
        if req.n_boot * n > limits.max_boot_work:
            raise _too_large("n_boot x rows", req.n_boot * n, limits.max_boot_work,
                             "use fewer replicates or send aggregated paths")
    return n


def attribution(req: s.AttributionRequest, limits: ApiLimits) -> s.AttributionResponse:
    """Credit per model and channel: ``at.compare`` (``n_boot`` = 0) or ``at.bootstrap``."""
    from attribution.models.no_touch import no_touch_totals
    from attribution.models.registry import model_spec, run_model, supported_models, unsupported_reason
    from attribution.uncertainty import bootstrap

    _check_size(req, limits)
    params = _parametrise(req)
    for name in req.models or ():
        model_spec(name)
    unused = sorted(set(params) - set(req.models or params))
    if unused:
        raise ModelError(f"params given for model(s) not requested: {', '.join(unused)}")
    rejected: list[s.RejectedRows] = []
    warnings: list[str] = []
    n_journeys = None
    if req.paths is not None:
        data = _path_data(req)
    else:
        data, rejected, warnings = _journeys(req, limits)
        n_journeys = int(data.stats.journeys) if data.stats is not None else None
    models = list(req.models) if req.models else supported_models(data)
    for name in models:
        reason = unsupported_reason(name, data)
        if reason:
            raise ModelError(reason)
    if data.total_conversions <= 0:
        raise DataValidationError("no conversions are left to attribute (check the journey rules and the "
                                  "rejected rows)", column="conversions")
    if req.n_boot:
        frame = bootstrap(data, models, n_boot=req.n_boot, level=req.level, seed=req.seed, model_params=params)
    else:
        frame = pd.concat([run_model(n, data, **params.get(n, {})) for n in models], ignore_index=True)
    frame = frame.astype({c: "float64" for c in frame.columns if c not in ("model", "channel")})
    frame = frame.replace({np.nan: None})
    credit = [s.Credit(**row) for row in frame.to_dict(orient="records")]
    _, no_touch, no_touch_revenue = no_touch_totals(data)
    return s.AttributionResponse(credit=credit, models=models, total_conversions=data.total_conversions + no_touch,
                                 total_revenue=data.total_revenue + no_touch_revenue,
                                 conversions_without_touch=no_touch, journeys=n_journeys, rejected=rejected,
                                 warnings=warnings, n_boot=req.n_boot, level=req.level if req.n_boot else None)


# --- POST /v1/compute_ihc -----------------------------------------------------------------------

def compute_ihc(req: s.IHCRequest, limits: ApiLimits) -> s.IHCResponse:
    """IHC values per session, by our IHC model (the local mode of ``python -m attribution ihc``).

    A journey is the sessions of one ``conversion_id``, in time order; its conversion happens at
    its last session. A journey whose sessions repeat a ``session_id`` cannot be attributed: it is
    reported in ``partialFailureErrors`` (status 206) and the others are attributed.
    """
    from attribution.ihc.pipeline import IHCJourneys, attribute_local

    sessions = req.customer_journeys
    n_journeys = len({x.conversion_id for x in sessions})
    if n_journeys > limits.max_ihc_journeys:
        raise _too_large("journeys in the request", n_journeys, limits.max_ihc_journeys,
                         "send them in batches (the ihc CLI does)")
    if len(sessions) > limits.max_ihc_sessions:
        raise _too_large("sessions in the request", len(sessions), limits.max_ihc_sessions,
                         "send them in batches (the ihc CLI does)")
    frame = pd.DataFrame({
        "conv_id": [x.conversion_id for x in sessions], "session_id": [x.session_id for x in sessions],
        "ts": _timestamps([x.timestamp for x in sessions]), "channel_name": [x.channel_label for x in sessions],
        "holder_engagement": [x.holder_engagement for x in sessions],
        "closer_engagement": [x.closer_engagement for x in sessions],
        "impression_interaction": [x.impression_interaction for x in sessions],
    })
    duplicated = frame.duplicated(["conv_id", "session_id"], keep=False)
    errors = [{"conversion_id": c, "error": "session_id repeats within the journey; each session must appear once"}
              for c in dict.fromkeys(frame.loc[duplicated, "conv_id"])]
    frame = frame[~frame["conv_id"].isin({e["conversion_id"] for e in errors})]
    value: list[s.IHCResult] = []
    if len(frame):
        frame = frame.sort_values(["conv_id", "ts", "session_id"], kind="stable", ignore_index=True)
        frame["user_id"] = frame["conv_id"]
        frame["conv_ts"] = frame.groupby("conv_id")["ts"].transform("max")
        frame["revenue"] = 0.0
        journeys = IHCJourneys(sessions=frame, conversions=frame["conv_id"].nunique(), without_sessions=0,
                               unreadable_conversions=0, unreadable_sessions=0)
        results = attribute_local(journeys)
        value = [s.IHCResult(**row) for row in results.to_dict(orient="records")]
    return s.IHCResponse(statusCode=206 if errors else 200, value=value, partialFailureErrors=errors)


# --- POST /v1/mmm/fit and /v1/budget/optimize ---------------------------------------------------

def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    records = out.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else
                 v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in records]


def _fit(spec: ms.MMMFitSpec, limits: ApiLimits, at: str = ""):
    """``mmm.fit`` on the request's table with the request's options (each under its ``mmm.fit``
    name); ``at`` is where ``spec`` sits in the request (``"fit."`` in a budget request), so an error
    in a lift test or ``freq`` names its full field."""
    from attribution import mmm

    if len(spec.rows) > limits.max_mmm_rows:
        raise _too_large("rows of the table", len(spec.rows), limits.max_mmm_rows,
                         "aggregate to weeks, or send a shorter range")
    if spec.n_boot > limits.max_mmm_n_boot:
        raise _too_large("n_boot", spec.n_boot, limits.max_mmm_n_boot, "100 replicates give usable intervals")
    if spec.n_boot == 1:
        raise ModelError("n_boot must be 0 (no intervals) or at least 2")
    frame = pd.DataFrame(spec.rows)
    options = spec.model_dump(exclude={"rows", "lift_tests", "compare_uncalibrated", "events"})
    events = pd.DataFrame([e.model_dump() for e in spec.events], columns=["date", "event"]) if spec.events else None
    try:
        return mmm.fit(frame, lift_tests=_lift_tests(spec, at), events=events, **options)
    except DataValidationError as err:
        # the library names the date column; the request's mistake is its freq (the dates are as they are)
        if spec.freq is not None and str(err).startswith("freq="):
            raise DataValidationError(f"{at}freq: {err}", column=f"{at}freq") from err
        raise


def _lift_tests(spec: ms.MMMFitSpec, at: str) -> pd.DataFrame | None:
    """The request's lift tests as the library's table (None for null or []), checked by the library's
    rules; an error names the request's field, ``<at>lift_tests.<index from 0>.<column>``."""
    from attribution.mmm.lift import LIFT_COLUMNS, check_lift_tests

    if not spec.lift_tests:
        return None
    frame = pd.DataFrame([t.model_dump() for t in spec.lift_tests], columns=list(LIFT_COLUMNS))
    try:
        return check_lift_tests(frame, [str(c) for c in spec.channels])
    except DataValidationError as err:
        field = f"{at}lift_tests" + (f".{err.row - 1}.{err.column}" if err.row is not None else "")
        raise DataValidationError(f"{field}: {err}", column=field, row=err.row) from err


def _scalar(value) -> float | int | str | bool | None:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, float | int | str | bool) or value is None else str(value)


def mmm_fit(spec: ms.MMMFitSpec, limits: ApiLimits) -> ms.MMMFitResponse:
    """``attribution.mmm.fit`` on the wide table. With lift tests, ``lift_tests`` is the library's
    ``diagnostics["lift_tests"]`` and, when ``compare_uncalibrated``, ``calibration`` is
    :func:`~attribution.mmm.lift.calibration_table` of this fit and the same fit without the tests
    (what the Media mix page shows)."""
    from attribution.mmm.lift import calibration_table

    res = _fit(spec, limits)
    tables = ("warnings", "lift_tests", "selection", "choices", "baseline_relaxed")  # fields of their own
    diagnostics = {k: _scalar(v) for k, v in res.diagnostics.items() if k not in tables}
    selection = res.diagnostics.get("selection")
    tests = calibration = None
    if "lift_tests" in res.diagnostics:
        tests = [ms.LiftTestResult(**r) for r in _records(res.diagnostics["lift_tests"])]
        if spec.compare_uncalibrated:
            plain = _fit(spec.model_copy(update={"lift_tests": None}), limits)
            table = calibration_table(res.channel_summary, plain.channel_summary)
            calibration = [ms.CalibrationRow(**r) for r in _records(table)]
    return ms.MMMFitResponse(channel_summary=_records(res.channel_summary), params=_records(res.params),
                            diagnostics=diagnostics, warnings=[str(w) for w in res.diagnostics.get("warnings", [])],
                            fitted=_records(res.fitted), lift_tests=tests, calibration=calibration,
                            selection=_records(selection) if selection is not None else [],
                            choices=[str(c) for c in res.diagnostics.get("choices", [])],
                            baseline_relaxed=res.diagnostics.get("baseline_relaxed"))


def budget_optimize(req: ms.BudgetRequest, limits: ApiLimits) -> ms.BudgetResponse:
    """:func:`attribution.budget.plan` (``req.budget.mode`` and its amount) on the model fitted to
    ``req.fit``, with the plan's warnings; with ``forecast_periods``, :func:`attribution.budget.forecast`
    of the plan's spend per period on the request's table (seeded by the fit's ``seed``)."""
    from attribution import budget, mmm

    res = _fit(req.fit, limits, "fit.")
    settings = req.budget
    for name in ("bounds", "channel_pct_bounds", "locked"):
        unknown = sorted(set(getattr(settings, name)) - set(res.channels))
        if unknown:
            raise DataValidationError(f"budget.{name} names channel(s) {', '.join(unknown)} that are not among the "
                                      f"fit's channels ({', '.join(res.channels)})", column=f"budget.{name}")
    plan = budget.plan(res, settings.mode, settings.amount, bounds={c: tuple(b) for c, b in settings.bounds.items()},
                       pct_bounds=pct_bounds(settings, res.channels), locked=tuple(settings.locked),
                       periods=settings.periods)
    totals = {k: (None if v is None or not math.isfinite(float(v)) else float(v)) for k, v in plan.totals.items()}
    ahead = None
    if settings.forecast_periods is not None:
        spec = req.fit
        history = mmm.prepare_wide(pd.DataFrame(spec.rows), spec.date, spec.target, spec.channels, spec.controls,
                                   min_periods=2)
        ahead = _records(budget.forecast(res, history, plan.recommended_per_period, settings.forecast_periods,
                                         date=spec.date, seed=spec.seed))
    return ms.BudgetResponse(mode=settings.mode, allocation=_records(plan.allocation), totals=totals,
                             warnings=list(plan.warnings), forecast=ahead,
                             fit_warnings=[str(w) for w in res.diagnostics.get("warnings", [])])


def pct_bounds(settings: ms.BudgetSettings, channels) -> tuple[float, float] | dict[str, tuple[float, float]] | None:
    """The ``pct_bounds`` argument of :func:`attribution.budget.plan`: the request's pair for every
    channel, or, with ``channel_pct_bounds``, a mapping where those channels' own pairs replace it
    (channels in neither have no relative bound)."""
    common = tuple(settings.pct_bounds) if settings.pct_bounds is not None else None
    if not settings.channel_pct_bounds:
        return common
    own = {c: tuple(b) for c, b in settings.channel_pct_bounds.items()}
    return {c: own.get(c, common) for c in channels if c in own or common is not None}


__all__ = ["ApiLimits", "RequestTooLarge", "attribution", "budget_optimize", "compute_ihc", "mmm_fit"]
