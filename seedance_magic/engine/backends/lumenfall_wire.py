"""The Lumenfall gateway's side of the wire, as pure functions over httpx values: which
answers prove no video was made, how long a 429 asks to wait, its errors (`{"error":
{"message", "type", "code"}}`) and exceptions as the package's error tree, and a video
object as a `StatusUpdate`. Messages never contain the key."""

from __future__ import annotations

from typing import Any

import httpx

from ... import errors
from ...spec.providers import get
from . import failures
from .base import FalStatus, StatusUpdate

_STATES: dict[str, FalStatus] = {
    "queued": "IN_QUEUE",
    "in_progress": "IN_PROGRESS",
    "completed": "COMPLETED",
    "failed": "COMPLETED",
    "cancelled": "COMPLETED",  # its webhooks name video.cancelled
}
_LABEL = get("lumenfall").label
_KEY_HELP = get("lumenfall").key_help
_DASHBOARD = get("lumenfall").dashboard


def _json(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("application/json")


def made_nothing(response: httpx.Response) -> bool:
    """An answer that proves no video was started, so the create may be sent again: the
    gateway's own rate limiting (429, its JSON). A proxy's 502/503/504 page may come after
    the proxy passed the create on (a 504 says it gave up waiting): not sent again."""
    return response.status_code == 429 and _json(response)


def may_be_made(response: httpx.Response) -> bool:
    """An error answer after which the video may exist (failures.proves_nothing_queued)."""
    code = response.status_code
    return (
        code >= 400
        and not made_nothing(response)
        and not failures.proves_nothing_queued(code, _json(response))
    )


def retry_after(response: httpx.Response, default: float) -> float:
    try:
        return min(10.0, max(0.0, float(response.headers.get("retry-after", default))))
    except ValueError:
        return default


def _message(response: httpx.Response) -> tuple[str, str | None]:
    """The error message and code of a Lumenfall (OpenAI-style) error answer."""
    try:
        data = response.json()
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or "")[:300], error.get("code") or error.get("type")
    if isinstance(error, str):
        return error[:300], None
    text = response.text.strip()
    return ("" if text.startswith("<") else text[:300]), None


def translate_response(
    response: httpx.Response, *, request_id: str | None, doing: str
) -> errors.ServiceError:
    """A non-2xx answer of the gateway as an error of our tree."""
    code = response.status_code
    message, error_code = _message(response)
    detail = f": {message}" if message else ""
    kwargs: dict[str, Any] = {"request_id": request_id, "status_code": code, "error_type": error_code}
    if code in (400, 422) and request_id is None:
        return errors.Rejected(
            f"{_LABEL} rejected the arguments while {doing}{detail}",
            hint="Nothing was queued or charged",
            **kwargs,
        )
    if code == 402:
        return errors.Rejected(
            f"{_LABEL} refused the job: payment required{detail}", hint=f"Check {_DASHBOARD}", **kwargs
        )
    return failures.by_status(
        _LABEL, code, message, doing=doing, request_id=request_id, error_type=error_code, key_help=_KEY_HELP
    )


def translate(exc: BaseException, *, request_id: str | None = None, doing: str) -> Exception:
    """An httpx / decoding exception as an error of our tree."""
    if isinstance(exc, errors.SeedanceError):
        return exc
    return failures.by_exception(_LABEL, exc, request_id=request_id, doing=doing)


def status_update(data: Any) -> StatusUpdate:
    """A video object as the engine's StatusUpdate (a failed video is COMPLETED with an
    error, a cancelled one with error_type client_cancelled)."""
    if not isinstance(data, dict) or data.get("status") not in _STATES:
        raise ValueError(f"unknown video status {data.get('status') if isinstance(data, dict) else data!r}")
    if data["status"] == "cancelled":
        return StatusUpdate("COMPLETED", error="the video was cancelled", error_type="client_cancelled")
    if data["status"] != "failed":
        return StatusUpdate(_STATES[data["status"]])
    error = data.get("error")
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or "the video failed")
    return StatusUpdate("COMPLETED", error=message, error_type=str(error.get("code") or "failed"))


def lost(url: str, exc: Exception) -> errors.SubmitOutcomeUnknown:
    """The error of a create that was sent and whose answer was lost."""
    return errors.SubmitOutcomeUnknown(
        f"The submit to {url} was sent but its response was lost ({type(exc).__name__})",
        hint=failures.unknown_hint(_LABEL, _DASHBOARD),
    )
