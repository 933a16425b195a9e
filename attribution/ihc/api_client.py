"""Client of the hosted IHC attribution API (optional remote mode of ``python -m attribution ihc``).

Request and response shape, from the IHC API documentation (ihc-attribution.com, "Marketing
attribution API") and the IHC data-engineering challenge:

* ``POST {url}?conv_type_id={id}`` with headers ``x-api-key: KEY`` and ``Content-Type:
  application/json``; body ``{"customer_journeys": [session, ...]}``, each session
  ``{"conversion_id", "session_id", "timestamp" ("%Y-%m-%d %H:%M:%S"), "channel_label",
  "holder_engagement" (0/1), "closer_engagement" (0/1), "conversion" (1 on the session the
  conversion happened in, here the journey's last), "impression_interaction" (0/1)}``.
* The answer is JSON ``{"statusCode": 200 | 206, "value": [result, ...], "partialFailureErrors":
  [...]}``; each result carries ``conversion_id``, ``session_id`` and ``ihc`` (plus
  ``initializer``, ``holder``, ``closer``). 206 means some journeys failed; they are listed in
  ``partialFailureErrors``.
* Limits per request: at most 100 journeys and 3,000 sessions. HTTP 429 (rate limit) and 5xx are
  retried with exponential back-off (honouring ``Retry-After``); other errors stop at once.

Only the standard library is used for HTTP (``urllib``).
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from attribution.errors import AttributionError, DataValidationError

MAX_JOURNEYS = 100
MAX_SESSIONS = 3000
MAX_WAIT_SECONDS = 120.0
SESSION_FIELDS = ["conversion_id", "session_id", "timestamp", "channel_label", "holder_engagement",
                  "closer_engagement", "conversion", "impression_interaction"]


class IHCApiError(AttributionError):
    """The IHC API could not be used (unreachable, refused, rate-limited past the retries, or an
    answer that does not fit); the message says what to check."""


@dataclass(frozen=True)
class ApiSettings:
    """Where and how to call the API. ``retry_delay`` is the first back-off wait in seconds."""

    url: str
    api_key: str
    conv_type_id: str
    max_journeys: int = MAX_JOURNEYS
    max_sessions: int = MAX_SESSIONS
    retries: int = 5
    retry_delay: float = 2.0
    timeout: float = 60.0
    allow_partial: bool = False

    def __post_init__(self) -> None:
        scheme = urllib.parse.urlsplit(self.url).scheme
        if scheme not in ("http", "https"):  # urllib would also open file:// and ftp:// URLs
            raise DataValidationError(f"--api-url must start with https:// (or http://), not {self.url!r}")
        if not self.api_key:
            raise DataValidationError("the IHC API key is empty: put it in the environment variable named by "
                                      "--api-key-env (default IHC_API_KEY)")
        if not 1 <= self.max_journeys <= MAX_JOURNEYS or not 1 <= self.max_sessions <= MAX_SESSIONS:
            raise DataValidationError(f"batch limits must be 1..{MAX_JOURNEYS} journeys and 1..{MAX_SESSIONS} sessions")


def journey_payload(sessions: pd.DataFrame) -> list[dict]:
    """API session records of journeys (``attribution.ihc.pipeline.IHCJourneys.sessions``)."""
    ts = pd.to_datetime(sessions["ts"], format="ISO8601").dt.strftime("%Y-%m-%d %H:%M:%S")
    last = ~sessions["conv_id"].duplicated(keep="last")
    frame = pd.DataFrame({
        "conversion_id": sessions["conv_id"].astype(str), "session_id": sessions["session_id"].astype(str),
        "timestamp": ts, "channel_label": sessions["channel_name"].astype(str),
        "holder_engagement": sessions["holder_engagement"].astype(float).astype(int),
        "closer_engagement": sessions["closer_engagement"].astype(float).astype(int),
        "conversion": last.astype(int), "impression_interaction": sessions["impression_interaction"].astype(float).astype(int),
    })
    return [dict(zip(SESSION_FIELDS, row, strict=True)) for row in frame[SESSION_FIELDS].itertuples(index=False)]


def batches(records: Iterable[dict], max_journeys: int = MAX_JOURNEYS,
            max_sessions: int = MAX_SESSIONS) -> Iterator[list[dict]]:
    """Whole journeys packed into requests of at most ``max_journeys`` journeys and
    ``max_sessions`` sessions (records of one journey must be consecutive)."""
    journeys: list[list[dict]] = []
    for record in records:
        if journeys and journeys[-1][0]["conversion_id"] == record["conversion_id"]:
            journeys[-1].append(record)
        else:
            journeys.append([record])
    batch: list[dict] = []
    n_journeys = 0
    for journey in journeys:
        if len(journey) > max_sessions:
            raise DataValidationError(f"conversion {journey[0]['conversion_id']} has {len(journey):,} sessions, more than "
                                      f"the API accepts in one request ({max_sessions:,}); use the local model")
        if batch and (n_journeys + 1 > max_journeys or len(batch) + len(journey) > max_sessions):
            yield batch
            batch, n_journeys = [], 0
        batch.extend(journey)
        n_journeys += 1
    if batch:
        yield batch


def _wait_seconds(error: urllib.error.HTTPError | None, attempt: int, delay: float) -> float:
    retry_after = error.headers.get("Retry-After") if error is not None and error.headers else None
    try:
        wait = float(retry_after) if retry_after is not None else delay * 2 ** attempt
    except ValueError:  # an HTTP date instead of seconds: fall back to the back-off
        wait = delay * 2 ** attempt
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


def _body_text(error: urllib.error.HTTPError) -> str:
    try:
        return error.read().decode("utf-8", "replace").strip()[:300]
    except OSError:
        return ""


def post_batch(batch: list[dict], api: ApiSettings, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Send one request (retrying 429, 5xx and network errors) and return the decoded answer."""
    url = f"{api.url}{'&' if '?' in api.url else '?'}{urllib.parse.urlencode({'conv_type_id': api.conv_type_id})}"
    body = json.dumps({"customer_journeys": batch}).encode("utf-8")
    headers = {"Content-Type": "application/json", "x-api-key": api.api_key, "Accept": "application/json"}
    last = ""
    for attempt in range(api.retries + 1):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=api.timeout) as response:  # noqa: S310 (scheme checked)
                payload = response.read()
            break
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):
                raise IHCApiError(f"the IHC API refused the request (HTTP {err.code}): check the API key and "
                                  f"--conv-type-id {api.conv_type_id!r}") from None
            if err.code != 429 and err.code < 500:
                raise IHCApiError(f"the IHC API rejected a request (HTTP {err.code}): {_body_text(err) or err.reason}") from None
            last, wait = f"HTTP {err.code}", _wait_seconds(err, attempt, api.retry_delay)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            last, wait = f"{getattr(err, 'reason', err)}", _wait_seconds(None, attempt, api.retry_delay)
        if attempt < api.retries:
            sleep(wait)
    else:
        raise IHCApiError(f"the IHC API at {api.url} still failed after {api.retries} retries ({last}); "
                          "try again later, or run without --api-url to use the local model")
    try:
        answer = json.loads(payload)
    except ValueError:
        raise IHCApiError(f"the IHC API answered with something that is not JSON: {payload[:120]!r}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
        raise IHCApiError("the IHC API answer has no 'value' list of results; is --api-url the compute_ihc endpoint?")
    return answer


def _results(answer: dict) -> pd.DataFrame:
    frame = pd.DataFrame(answer["value"])
    missing = {"conversion_id", "session_id", "ihc"} - set(frame.columns)
    if len(frame) and missing:
        raise IHCApiError(f"the IHC API results lack field(s) {', '.join(sorted(missing))}")
    return frame


def compute_ihc_remote(sessions: pd.DataFrame, api: ApiSettings, *, sleep: Callable[[float], None] = time.sleep,
                       on_batch: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """IHC values of every journey from the hosted API.

    Parameters
    ----------
    sessions : DataFrame
        Journeys as read by :func:`attribution.ihc.pipeline.read_journeys` (``.sessions``).
    api : ApiSettings
    sleep : callable
        Waits between retries (tests pass a no-op).
    on_batch : callable, optional
        Called with (batches done, batches in all) after each request (progress bars).

    Returns
    -------
    (DataFrame, list of str)
        ``conversion_id, session_id, ihc`` (plus ``initializer, holder, closer`` when sent), with
        ihc rescaled to sum to exactly 1 per conversion (the API rounds), and the messages of
        journeys the API could not attribute (only with ``allow_partial``; else they raise).
    """
    todo = list(batches(journey_payload(sessions), api.max_journeys, api.max_sessions))
    frames, problems = [], []
    for i, batch in enumerate(todo, start=1):
        answer = post_batch(batch, api, sleep)
        errors = answer.get("partialFailureErrors") or []
        if errors:
            if not api.allow_partial:
                raise IHCApiError(f"the IHC API could not attribute some journeys of request {i}: "
                                  f"{json.dumps(errors)[:300]}; pass --allow-partial to keep the others")
            problems.extend(json.dumps(e)[:200] for e in errors)
        frames.append(_results(answer))
        if on_batch:
            on_batch(i, len(todo))
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["conversion_id", "session_id", "ihc"])
    results["conversion_id"] = results["conversion_id"].astype(str)
    results["session_id"] = results["session_id"].astype(str)
    results["ihc"] = pd.to_numeric(results["ihc"], errors="coerce")
    sums = results.groupby("conversion_id")["ihc"].transform("sum")
    off = results.loc[(sums - 1.0).abs() > 0.01, "conversion_id"].unique()
    if len(off):
        raise IHCApiError(f"the IHC API returned ihc values that do not sum to 1 for {len(off)} conversion(s), "
                          f"e.g. {off[0]}")
    results["ihc"] = results["ihc"] / sums
    if api.allow_partial and problems:
        sent = set(sessions["conv_id"].astype(str))
        problems.append(f"{len(sent - set(results['conversion_id'])):,} conversion(s) left without attribution")
    keep = [c for c in ("conversion_id", "session_id", "initializer", "holder", "closer", "ihc") if c in results]
    return results[keep], problems
