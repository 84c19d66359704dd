"""The fal backend: fal_client.AsyncClient on our transport, and the error boundary.

One `FalBackend` per event loop (fal_client's httpx clients are bound to the loop they
were made on). Every fal_client / httpx exception is translated into the package's error
tree here and nowhere else; messages never contain the key (fal_client never puts it in
one, and we never format request headers).
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import fal_client
import httpx

from ... import errors
from ...settings import Target
from ...spec.providers import get
from ...spec.states import REJECTED
from ...spec.validation import format_problems
from . import failures
from .base import Backend, Handle, StatusUpdate, StreamUnavailable
from .download import Downloads
from .fal_seam import USER_AGENT, RoutedAsyncClient
from .routing import plain_transport

_HTTP_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
# What a request removed after its cancel reports (fal answers 404 for it from then on).
REMOVED = StatusUpdate("COMPLETED", error="removed after its cancel", error_type="client_cancelled")
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
            return _refused(detail, text, doing=doing, request_id=request_id)
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
        return translate(_http_error(exc.response), request_id=request_id, doing=doing)
    return failures.by_exception(_LABEL, exc, request_id=request_id, doing=doing)


def _refused(detail: Any, text: str, *, doing: str, request_id: str | None) -> errors.Rejected:
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


def _http_error(response: httpx.Response) -> fal_client.client.FalClientHTTPError:
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


def _status_update(data: dict[str, Any], *, new_lines: bool = False) -> StatusUpdate:
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


class FalBackend:
    """Submit, follow, fetch, cancel, upload and download through fal_client."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = RoutedAsyncClient(key=target.key, base_url=target.base_url)
        self._stream_supported: bool | None = None
        # Requests this backend cancelled: a 404 for one of them means fal removed it.
        self._cancelled: set[str] = set()
        self._downloads = Downloads("fal", USER_AGENT, lambda: plain_transport(target.base_url))
        self.download = self._downloads.fetch  # streamed to disk; carries no fal credentials

    async def aclose(self) -> None:
        await self.client.aclose()
        await self._downloads.aclose()

    async def submit(self, endpoint_id: str, arguments: dict[str, Any], *, key: str | None = None) -> Handle:
        """fal's queue takes no idempotency key (`key` is unused): a submit whose answer
        is lost is never sent again (routing.SubmitGuard)."""
        try:
            handle = await self.client.submit(endpoint_id, arguments)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise translate(exc, doing="submitting") from exc
        return Handle(
            endpoint_id, handle.request_id, handle.status_url, handle.response_url, handle.cancel_url
        )

    def handle_for(self, endpoint_id: str, request_id: str) -> Handle:
        urls = fal_client.client.AsyncRequestHandle.from_request_id(None, endpoint_id, request_id)  # type: ignore[arg-type]
        return Handle(endpoint_id, request_id, urls.status_url, urls.response_url, urls.cancel_url)

    def _fal_handle(self, handle: Handle, http: httpx.AsyncClient) -> fal_client.AsyncRequestHandle:
        return fal_client.AsyncRequestHandle(
            request_id=handle.request_id,
            response_url=handle.response_url,
            status_url=handle.status_url,
            cancel_url=handle.cancel_url,
            client=http,
        )

    async def status(self, handle: Handle) -> StatusUpdate:
        http = await self.client._client
        try:
            status = await self._fal_handle(handle, http).status(with_logs=True)
        except (httpx.HTTPError, fal_client.client.FalClientError, KeyError, ValueError) as exc:
            if self._removed(handle, exc):
                return REMOVED
            raise translate(exc, request_id=handle.request_id, doing="checking the status") from exc
        if isinstance(status, fal_client.Queued):
            return StatusUpdate("IN_QUEUE", queue_position=status.position)
        if isinstance(status, fal_client.InProgress):
            return StatusUpdate("IN_PROGRESS", logs=tuple(status.logs or ()))
        assert isinstance(status, fal_client.Completed)
        return StatusUpdate(
            "COMPLETED",
            logs=tuple(status.logs or ()),
            error=status.error,
            error_type=status.error_type,
            metrics=status.metrics or {},
        )

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        """Status updates from fal's SSE status stream; raises StreamUnavailable at once
        when the server does not offer it (the caller then polls). Each event after the
        first of a connection carries only the new log lines (`new_lines`)."""
        from httpx_sse import aconnect_sse

        if self._stream_supported is False:
            raise StreamUnavailable
        http = await self.client._client
        url = handle.status_url.rstrip("/") + "/stream"
        try:
            async with aconnect_sse(
                http, "GET", url, params={"logs": "1"}, timeout=httpx.Timeout(60.0, connect=30.0)
            ) as source:
                code = source.response.status_code
                if code == 404 and handle.request_id in self._cancelled:
                    yield REMOVED  # gone after our cancel: not a server without the stream
                    return
                if code in (404, 405, 501):
                    self._stream_supported = False
                    raise StreamUnavailable
                if code >= 400:
                    await source.response.aread()
                    raise _http_error(source.response)
                self._stream_supported = True
                first = True
                async with aclosing(source.aiter_sse()) as events:
                    async for event in events:
                        if event.data:
                            yield _status_update(json.loads(event.data), new_lines=not first)
                            first = False
        except StreamUnavailable:
            raise
        except (httpx.HTTPError, fal_client.client.FalClientError, KeyError, ValueError) as exc:
            raise translate(exc, request_id=handle.request_id, doing="following the status stream") from exc

    async def result(self, handle: Handle) -> dict[str, Any]:
        """The result JSON of a job known to be COMPLETED: one GET of its response URL
        (fal_client's handle.get() would first ask for the status once more)."""
        http = await self.client._client
        try:
            response = await http.get(handle.response_url, timeout=_HTTP_TIMEOUT)
            if response.status_code >= 400:
                raise _http_error(response)
            data = response.json()
            if not isinstance(data, dict):
                raise ValueError("the result is not a JSON object")
        except (httpx.HTTPError, fal_client.client.FalClientError, KeyError, ValueError) as exc:
            raise translate(exc, request_id=handle.request_id, doing="fetching the result") from exc
        return data

    async def cancel(self, handle: Handle) -> None:
        """Ask fal to cancel. A 400 (ALREADY_COMPLETED) and a 404 (NOT_FOUND: the request
        was removed) are answers, not failures: the final status tells how the job ended,
        and for a removed request it is REMOVED (cancelled)."""
        http = await self.client._client
        self._cancelled.add(handle.request_id)
        try:
            await self._fal_handle(handle, http).cancel()
        except fal_client.client.FalClientHTTPError as exc:
            if exc.status_code in (400, 404):
                return
            self._cancelled.discard(handle.request_id)
            raise translate(exc, request_id=handle.request_id, doing="cancelling") from exc
        except (httpx.HTTPError, fal_client.client.FalClientError) as exc:
            self._cancelled.discard(handle.request_id)
            raise translate(exc, request_id=handle.request_id, doing="cancelling") from exc

    def _removed(self, handle: Handle, exc: BaseException) -> bool:
        """A 404 for a request this backend cancelled: fal removed it."""
        return (
            isinstance(exc, fal_client.client.FalClientHTTPError)
            and exc.status_code == 404
            and handle.request_id in self._cancelled
        )

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str:
        """Upload through fal_client's CDN path only: its storage fallback would send the
        key along with the PUT to the signed upload URL. The name travels in a header, so
        it goes folded to ASCII (`header_file_name`); a failure names the file as given."""
        try:
            url: str = await self.client.upload(
                data, content_type, header_file_name(file_name), repository="fal_v3", fallback_repository=[]
            )
        except (httpx.HTTPError, fal_client.client.FalClientError) as exc:
            raise translate(exc, doing=f"uploading {file_name}") from exc
        except (KeyError, ValueError, TypeError) as exc:
            raise _upload_failure(file_name, exc) from exc
        return url


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


def _upload_failure(file_name: str, exc: BaseException) -> errors.SeedanceError:
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


def _conforms(target: Target) -> Backend:
    """For the type checker: FalBackend is a Backend (backends/base.py)."""
    return FalBackend(target)
