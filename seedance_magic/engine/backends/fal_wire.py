"""fal's side of the wire, as pure functions over fal_client / httpx values: its errors as
the package's error tree (`translate`: the one boundary; messages never contain the
key), its status bodies as `StatusUpdate`s, and a file name as an ASCII header value."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import fal_client
import httpx

from ... import errors
from ...spec.providers import get
from ...spec.states import REJECTED
from ...spec.validation import format_problems
from . import failures
from .base import StatusUpdate

_LABEL = get("fal").label
_KEY_HELP = get("fal").key_help


def translate(
    exc: BaseException, *, request_id: str | None = None, doing: str = "talking to fal"
) -> Exception:
    """One fal_client / httpx exception as an error of our tree."""
    if isinstance(exc, errors.SeedanceError):
        if request_id and not exc.request_id:
            exc.request_id = request_id
        return exc
    if isinstance(exc, fal_client.client.FalClientHTTPError):
        code = exc.status_code
        detail = exc.message
        text = format_problems(detail) if isinstance(detail, list) else str(detail)[:300]
        if code == 422:
            return refused(detail, text, doing=doing, request_id=request_id)
        return failures.by_status(
            _LABEL,
            code,
            text,
            doing=doing,
            request_id=request_id,
            error_type=exc.error_type,
            key_help=_KEY_HELP,
        )
    if isinstance(exc, fal_client.auth.MissingCredentialsError):
        return errors.CredentialsMissing(
            "No fal credentials found",
            hint="Set FAL_KEY (env, a .env file, or a Colab secret named FAL_KEY), or unset "
            "SEEDANCE_FAL_BASE_URL to use the built-in emulator",
        )
    if isinstance(exc, httpx.HTTPStatusError):  # the CDN token request, made outside fal_client
        return translate(http_error(exc.response), request_id=request_id, doing=doing)
    return failures.by_exception(_LABEL, exc, request_id=request_id, doing=doing)


def refused(detail: Any, text: str, *, doing: str, request_id: str | None) -> errors.Rejected:
    """A 422: at the submit, the queue refused the request (nothing was queued); on the
    result of a queued job, the model refused it (fal's queue validates in the runner),
    which ends the job (error_type "rejected")."""
    seed_refused = isinstance(detail, list) and any(
        "seed" in map(str, d.get("loc", ())) for d in detail if isinstance(d, dict)
    )
    hint = (
        "This endpoint no longer takes a seed (newer fal versions dropped it): run "
        "without --seed; results are then not reproducible by seed"
        if seed_refused
        else "Change what is named and run the cell again"
    )
    if request_id is None:
        message = f"{_LABEL} rejected the arguments while {doing}: {text}"
        hint = hint if seed_refused else "Nothing was queued or charged"
    else:
        message = f"{_LABEL}'s model rejected the job after it was queued: {text}"
    return errors.Rejected(
        message,
        hint=hint,
        request_id=request_id,
        status_code=422,
        error_type=REJECTED if request_id else None,
    )


def http_error(response: httpx.Response) -> fal_client.client.FalClientHTTPError:
    """A non-2xx answer outside fal_client's own calls, in fal_client's error shape."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail", response.text) if isinstance(body, dict) else response.text
    error_type = body.get("error_type") if isinstance(body, dict) else None
    return fal_client.client.FalClientHTTPError(
        detail,
        response.status_code,
        dict(response.headers),
        response=response,
        error_type=error_type or response.headers.get("x-fal-error-type"),
    )


def status_update(data: dict[str, Any], *, new_lines: bool = False) -> StatusUpdate:
    status = data.get("status")
    if status not in ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"):
        raise ValueError(f"unknown status {status!r}")
    return StatusUpdate(
        state=status,
        queue_position=data.get("queue_position"),
        logs=tuple(data.get("logs") or ()),
        error=data.get("error"),
        error_type=data.get("error_type"),
        metrics=data.get("metrics") or {},
        new_lines=new_lines,
    )


def header_file_name(name: str) -> str:
    """A file name as an ASCII header value (X-Fal-File-Name): accents folded (café.png
    -> cafe.png), other letters left out, a name with nothing left "upload" (写真.jpg ->
    upload.jpg)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""

    def fold(text: str) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return "".join(c for c in ascii_text if c.isprintable() and c not in '"\\')

    folded, suffix = fold(stem).strip(" ._-") or "upload", fold(suffix).strip(" .")
    return f"{folded}.{suffix}" if suffix else folded


def upload_failure(file_name: str, exc: BaseException) -> errors.SeedanceError:
    """What went wrong uploading a file, said as it is (the file named as given)."""
    if isinstance(exc, json.JSONDecodeError):
        cause = "fal's storage answered with something that is not JSON (a proxy's page?)"
    elif isinstance(exc, KeyError):
        cause = f"fal's storage answer lacks {exc.args[0]!r}"
    else:
        cause = f"{type(exc).__name__}: {exc}"
    return errors.Unavailable(
        f"uploading {file_name} to {_LABEL} failed: {cause}",
        hint="The cell can be run again; nothing was submitted",
    )
