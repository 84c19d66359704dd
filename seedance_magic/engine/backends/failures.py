"""What every backend says the same way: an HTTP error answer by its status code, and a
network or decoding failure, as errors of the package's tree naming the provider. Each
backend adds its own cases (fal's 422 detail list, the gateway's 402) before these."""

from __future__ import annotations

from typing import Any

import httpx

from ... import errors

RETRY_HINT = "The request id is saved: `%seedance resume ID` picks the job up again"
# Refusals that do not prove a submit was turned away: a timeout (408), a conflict (409)
# and rate limiting (429) may come from a proxy after it passed the request on.
_MAYBE_QUEUED = frozenset({408, 409, 429})


def proves_nothing_queued(code: int, provider_json: bool) -> bool:
    """Whether an answer to a submit proves no job was made: a refusal (4xx other than
    408/409/429) in the provider's own JSON. Every other answer (5xx, a proxy's page, an
    unreadable 2xx) leaves the job's existence unknown."""
    return provider_json and 400 <= code < 500 and code not in _MAYBE_QUEUED


def unknown_hint(label: str, dashboard: str) -> str:
    """What to do about a submit whose outcome is unknown."""
    return (
        f"{label} may have queued the job and will charge for it; it was NOT sent again. "
        f"Check your requests at {dashboard}; to send it anyway, run the cell with --no-cache"
    )


def by_status(
    label: str,
    code: int,
    text: str,
    *,
    doing: str,
    request_id: str | None,
    error_type: str | None,
    key_help: str,
) -> errors.ServiceError:
    """A non-2xx answer: refused credentials, rate limiting, the service's trouble, or a
    refusal; `text` is the answer's message (may be empty)."""
    detail = f": {text}" if text else ""
    retry = RETRY_HINT if request_id else ""
    kwargs: dict[str, Any] = {"request_id": request_id, "status_code": code, "error_type": error_type}
    if code in (401, 403):
        return errors.AuthenticationFailed(
            f"{label} refused the credentials ({code})", hint=f"{key_help}; it is not shown here", **kwargs
        )
    if code == 429:
        return errors.RateLimited(
            f"{label} is rate limiting (429) while {doing}", hint="Wait a minute and retry", **kwargs
        )
    if code >= 500:
        return errors.Unavailable(f"{label} answered {code} while {doing}{detail}", hint=retry, **kwargs)
    return errors.Rejected(f"{label} answered {code} while {doing}{detail}", **kwargs)


def by_exception(label: str, exc: BaseException, *, request_id: str | None, doing: str) -> Exception:
    """A timeout, a failed connection or an unreadable answer; any other exception as it is."""
    retry = RETRY_HINT if request_id else ""
    if isinstance(exc, httpx.TimeoutException):
        return errors.Unavailable(
            f"{label} did not answer in time while {doing}", request_id=request_id, hint=retry
        )
    if isinstance(exc, httpx.TransportError):
        return errors.Unavailable(
            f"the connection to {label} failed while {doing} ({type(exc).__name__})",
            request_id=request_id,
            hint=retry,
        )
    if isinstance(exc, (KeyError, ValueError, TypeError)):  # json.JSONDecodeError is a ValueError
        return errors.Unavailable(
            f"{label} sent an answer that could not be read while {doing}", request_id=request_id, hint=retry
        )
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))
