"""The fal backend: fal_client.AsyncClient on our transport, and the error boundary.

One `FalBackend` per event loop (fal_client's httpx clients are bound to the loop they
were made on). Every fal_client / httpx exception is translated into the package's error
tree here, by fal_wire.translate, and nowhere else; messages never contain the key
(fal_client never puts it in one, and we never format request headers).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import fal_client
import httpx

from ...settings import Target
from .base import Backend, Handle, StatusUpdate, StreamUnavailable
from .download import Downloads
from .fal_seam import USER_AGENT, RoutedAsyncClient
from .fal_wire import header_file_name, http_error, status_update, translate, upload_failure
from .routing import plain_transport

__all__ = ["REMOVED", "FalBackend", "header_file_name", "translate"]

_HTTP_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
# What a request removed after its cancel reports (fal answers 404 for it from then on).
REMOVED = StatusUpdate("COMPLETED", error="removed after its cancel", error_type="client_cancelled")


class FalBackend:
    """Submit, follow, fetch, cancel, upload and download through fal_client."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = RoutedAsyncClient(key=target.key, base_url=target.base_url, direct=target.embedded)
        self._stream_supported: bool | None = None
        # Requests this backend cancelled: a 404 for one of them means fal removed it.
        self._cancelled: set[str] = set()
        self._downloads = Downloads(
            "fal", USER_AGENT, lambda: plain_transport(target.base_url, direct=target.embedded)
        )
        self.download = self._downloads.fetch  # streamed to disk; carries no fal credentials

    async def aclose(self) -> None:
        await self.client.aclose()
        await self._downloads.aclose()

    async def submit(self, endpoint_id: str, arguments: dict[str, Any]) -> Handle:
        """fal's queue takes no idempotency key: a submit whose answer is lost is never
        sent again (routing.SubmitGuard)."""
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
                    raise http_error(source.response)
                self._stream_supported = True
                first = True
                async with aclosing(source.aiter_sse()) as events:
                    async for event in events:
                        if event.data:
                            yield status_update(json.loads(event.data), new_lines=not first)
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
                raise http_error(response)
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
            raise upload_failure(file_name, exc) from exc
        return url


def _conforms(target: Target) -> Backend:
    """For the type checker: FalBackend is a Backend (backends/base.py)."""
    return FalBackend(target)
