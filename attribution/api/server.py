"""The FastAPI app: endpoints, API-key check, body size limit and JSON errors.

Rules:

* Every ``/v1/...`` endpoint needs a configured key in the ``x-api-key`` header (unless the app
  was made with ``keys=None``, the ``--no-auth`` local mode): no header is 401, a wrong key 403.
  ``/healthz``, ``/openapi.json`` and ``/docs`` are open (they hold no data).
* A request body over ``limits.max_body_bytes`` is refused with 413 before it is parsed.
* Every error is JSON ``{"error", "detail", "field"}``. A body that is not valid JSON (``{nope``,
  a truncated document) is a 422 with field ``body`` whose detail says where parsing stopped; a body
  that is JSON of the wrong shape (a list, a missing field) or sent without a JSON content type (it
  is then not parsed) is a 422 too. Only a body that cannot be read as text at all (bytes that are
  not UTF-8) is a 400. Request-shape problems (pydantic) and the library's
  :class:`~attribution.errors.AttributionError` are 422 naming the field where there is one, limits
  413; anything else is a 500 whose detail is a reference to the server log, never a traceback.
  Other HTTP errors keep their headers (a 405 names the allowed methods).
* Keys never reach a log: the access log has method, path and status only.
"""
from __future__ import annotations

import logging
import uuid
from importlib import metadata

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from attribution.api import mmm_schemas as ms
from attribution.api import schemas as s
from attribution.api import service
from attribution.api.keys import KeyRing
from attribution.api.limits import ApiLimits, RequestTooLarge
from attribution.errors import AttributionError, DataValidationError

log = logging.getLogger("attribution.api")
ERRORS = {400: {"model": s.ErrorBody, "description": "the body cannot be read as text (it is not UTF-8)"},
          401: {"model": s.ErrorBody, "description": "no x-api-key header"},
          403: {"model": s.ErrorBody, "description": "the key is not valid"},
          413: {"model": s.ErrorBody, "description": "over a request limit"},
          422: {"model": s.ErrorBody, "description": "the body is not valid JSON, or the request cannot be used as "
                                                     "sent; detail says why and field names the field"}}


def _version() -> str:
    try:
        return metadata.version("attribution")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def _error(status: int, error: str, detail: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail, "field": field},
                        headers=headers)


class BodyLimit:
    """ASGI middleware: refuse bodies over ``max_bytes`` (declared or streamed) with a JSON 413."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope, receive, send, size: str) -> None:
        response = _error(413, "request too large",
                          f"the request body ({size}) is over this server's limit of {self.max_bytes:,} bytes; "
                          "send fewer journeys per request")
        await response(scope, receive, send)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, f"{int(declared):,} bytes")
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._refuse(scope, receive, send, f"more than {self.max_bytes:,} bytes")
                return
            chunks.append(body)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "header")]
    return ".".join(parts) or "body"


def create_app(keys: KeyRing | None, limits: ApiLimits | None = None) -> FastAPI:
    """The API app. ``keys=None`` disables authentication (local use only); an empty
    :class:`KeyRing` is refused, so a misconfigured server cannot start open by accident."""
    if keys is not None and not keys:
        raise AttributionError("no API key is configured; set ATTRIBUTION_API_KEYS or ATTRIBUTION_API_KEYS_FILE")
    limits = limits or ApiLimits()
    app = FastAPI(
        title="Attribution API", version=_version(),
        description="Multi-touch attribution, the IHC model, media-mix models and budget optimisation over "
                    "the attribution library. Send the key in the `x-api-key` header. Errors are JSON "
                    "`{error, detail, field}`.")
    header = APIKeyHeader(name="x-api-key", auto_error=False, description="an API key of this server")

    def require_key(key: str | None = Depends(header)) -> None:
        if keys is None:
            return
        if not key:
            raise StarletteHTTPException(401, "send your API key in the x-api-key header")
        if not keys.accepts(key):
            raise StarletteHTTPException(403, "the API key is not valid for this server")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # its loc is ("body", character position), not a field
            where = first.get("loc", ("body", "?"))[-1]
            why = (first.get("ctx") or {}).get("error", "JSON decode error")
            return _error(422, "invalid request", f"body: not valid JSON (at character {where}: {why})", "body")
        field = _field(first.get("loc", ()))
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        return _error(422, "invalid request", f"{field}: {message}{more}", field)

    @app.exception_handler(AttributionError)
    async def library_error(request: Request, exc: AttributionError) -> JSONResponse:
        if isinstance(exc, RequestTooLarge):
            return _error(413, "request too large", str(exc))
        field = exc.column if isinstance(exc, DataValidationError) else None
        return _error(422, "cannot compute", str(exc), field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {400: "bad request", 401: "unauthorised", 403: "forbidden", 404: "not found", 405: "method not allowed"}
        # keep the exception's headers: a 405 must say which methods are allowed (Allow)
        return _error(exc.status_code, names.get(exc.status_code, "error"), str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return _error(500, "internal error", f"the server could not answer; the server log has reference {reference}")

    secured = {"dependencies": [Depends(require_key)], "responses": ERRORS}

    @app.get("/healthz", response_model=s.Health, tags=["service"])
    def healthz() -> s.Health:
        """Liveness: the process answers (no key needed)."""
        return s.Health(status="ok", version=app.version)

    @app.post("/v1/attribution", response_model=s.AttributionResponse, tags=["attribution"], **secured)
    async def attribution(req: s.AttributionRequest) -> s.AttributionResponse:
        """Credit per model and channel: the numbers of `at.compare` (or `at.bootstrap` with `n_boot`)."""
        return await run_in_threadpool(service.attribution, req, limits)

    @app.post("/v1/compute_ihc", response_model=s.IHCResponse, tags=["attribution"], **secured)
    async def compute_ihc(req: s.IHCRequest, conv_type_id: str = Query(
            ..., min_length=1, max_length=200,
            description="the conversion type (accepted for compatibility with the hosted IHC API; our IHC "
                        "model uses its default parameters for every type)")) -> s.IHCResponse:
        """The hosted IHC API's request and answer: `customer_journeys` in, `ihc` per session out."""
        return await run_in_threadpool(service.compute_ihc, req, limits)

    @app.post("/v1/mmm/fit", response_model=ms.MMMFitResponse, tags=["media mix"], **secured)
    async def mmm_fit(spec: ms.MMMFitSpec) -> ms.MMMFitResponse:
        """Fit a media-mix model (adstock + saturation regression) on a wide daily or weekly table.

        Optional `lift_tests` (experiments: `channel, x, delta_x, delta_y, sigma`) calibrate the
        response curves; the answer then compares each test with the calibrated curve (`lift_tests`)
        and, unless `compare_uncalibrated` is false, the ROAS without and with the tests (`calibration`).
        """
        return await run_in_threadpool(service.mmm_fit, spec, limits)

    @app.post("/v1/budget/optimize", response_model=ms.BudgetResponse, tags=["media mix"], **secured)
    async def budget_optimize(req: ms.BudgetRequest) -> ms.BudgetResponse:
        """Fit the media-mix model, then plan the budget on it (`budget.plan`).

        `budget.mode`: `budget` (the default) splits `total` for the largest predicted response;
        `marginal_roas` spends until one more unit returns `target_marginal_roas`; `response` finds the
        least spend reaching `target_response`. Bounds: `bounds` (spend), `pct_bounds` and
        `channel_pct_bounds` (change relative to current spend), `locked`. With `forecast_periods`,
        `forecast` predicts the outcome per period for the next periods under the plan (`budget.forecast`).
        """
        return await run_in_threadpool(service.budget_optimize, req, limits)

    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    return app
