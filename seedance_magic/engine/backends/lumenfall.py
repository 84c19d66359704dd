"""The Lumenfall backend: Seedance 2.0 through the gateway's OpenAI-style video API.

    POST {base}/videos       {model: "seedance-2.0", prompt, ...}  -> {id, status}
    GET  {base}/videos/{id}  -> {status: queued|in_progress|completed|failed,
                                 output.url | error.message}

with `Authorization: Bearer $LUMENFALL_API_KEY`. The gateway has no status stream (the
engine polls), no upload API (local inputs go inline as data: URIs) and no cancel. Its
answers are mapped onto the values of backends/base.py, and its errors (`{"error":
{"message", "type", "code"}}`) into the package's error tree, by lumenfall_wire.py and
nowhere else; messages never contain the key (it is only ever in the client's default
headers).

The gateway's reference mentions a key against duplicate creates but not the field that
carries it, so none is relied on: a create is sent again only after its own 429
(which proves nothing was made); a lost answer, a 5xx or a proxy's page leaves the video
possibly made and charged: SubmitOutcomeUnknown, never a second video. A status this client does not know
is waited on for `UNKNOWN_STATUS_WAIT_S`, then the job is left (it stays resumable).
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from ... import errors
from ...settings import Target, colab_secret
from ...spec.providers import get
from ...spec.wire_lumenfall import KEY_VAR, body
from . import failures
from .base import Backend, Handle, StatusUpdate, StreamUnavailable
from .download import Downloads
from .lumenfall_wire import (
    lost,
    made_nothing,
    may_be_made,
    retry_after,
    status_update,
    translate,
    translate_response,
)
from .proxies import EnvProxyTransport

__all__ = ["UNKNOWN_STATUS_WAIT_S", "LumenfallBackend", "status_update", "translate", "translate_response"]

USER_AGENT = "seedance-magic (lumenfall)"
_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
# How long a status string this client does not know is waited on before the job is left.
UNKNOWN_STATUS_WAIT_S = 300.0
# Failures that mean the request never reached the server: a submit may be sent again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_SUBMIT_ATTEMPTS = 4
_LABEL = get("lumenfall").label
_KEY_HELP = get("lumenfall").key_help
_DASHBOARD = get("lumenfall").dashboard


class LumenfallBackend:
    """Submit, poll, fetch and download through the Lumenfall gateway with httpx."""

    def __init__(self, target: Target) -> None:
        if not target.base_url:
            raise ValueError("a Lumenfall target needs its base URL")
        self.target = target
        self.base = target.base_url.rstrip("/")
        self._http: httpx.AsyncClient | None = None
        self._odd_since: dict[str, float] = {}  # request id -> when an unknown status was first seen
        self._downloads = Downloads(_LABEL, USER_AGENT, lambda: EnvProxyTransport(direct=target.embedded))
        self.download = self._downloads.fetch  # streamed to disk; never with the key

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            key = os.environ.get(KEY_VAR, "").strip() or colab_secret(KEY_VAR) or self.target.key
            if not key:
                raise errors.CredentialsMissing(
                    f"No {_LABEL} key found",
                    hint=f"{_KEY_HELP} (env or a .env file), or use --provider fal",
                )
            self._http = httpx.AsyncClient(
                headers={"Authorization": f"Bearer {key}", "User-Agent": USER_AGENT},
                timeout=_TIMEOUT,
                # connection failures only; proxies from env (none for the built-in emulator)
                transport=EnvProxyTransport(retries=2, direct=self.target.embedded),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        await self._downloads.aclose()

    def handle_for(self, endpoint_id: str, request_id: str) -> Handle:
        url = f"{self.base}/videos/{request_id}"
        return Handle(endpoint_id, request_id, url, url, "")

    async def submit(self, endpoint_id: str, arguments: dict[str, Any]) -> Handle:
        """POST the video. Sent again only when the gateway certainly made nothing (its own
        429); a lost answer, a 5xx or a proxy's page is SubmitOutcomeUnknown (the video may
        be made and charged), never a second job. The gateway's reference describes a key
        that makes a repeated create return the same video, but its field name is not
        confirmed, and a wrong name would be passed on to fal, which refuses unknown
        fields: none is sent, so a resend would not be safe."""
        http = self._client()
        url = f"{self.base}/videos"
        request = body(endpoint_id, arguments)
        delay = 0.5
        for attempt in range(1, _SUBMIT_ATTEMPTS + 1):
            try:
                response = await http.post(url, json=request)
            except _NOT_SENT as exc:
                raise translate(exc, doing="submitting") from exc
            except httpx.TransportError as exc:
                raise lost(url, exc) from exc
            if not made_nothing(response) or attempt == _SUBMIT_ATTEMPTS:
                break
            await asyncio.sleep(retry_after(response, delay))
            delay *= 2
        if may_be_made(response):
            raise errors.SubmitOutcomeUnknown(
                f"{_LABEL} answered {response.status_code} to the submit to {url}",
                hint=failures.unknown_hint(_LABEL, _DASHBOARD),
            )
        if response.status_code >= 400:
            raise translate_response(response, request_id=None, doing="submitting")
        try:
            video_id = str(response.json()["id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise errors.SubmitOutcomeUnknown(
                f"{_LABEL} accepted the submit but its answer names no video id",
                hint=failures.unknown_hint(_LABEL, _DASHBOARD),
            ) from exc
        return self.handle_for(endpoint_id, video_id)

    async def _video(self, handle: Handle, doing: str) -> dict[str, Any]:
        try:
            response = await self._client().get(handle.status_url)
            if response.status_code >= 400:
                raise translate_response(response, request_id=handle.request_id, doing=doing)
            data = response.json()
            if not isinstance(data, dict):
                raise ValueError("the video is not a JSON object")
        except (httpx.HTTPError, ValueError) as exc:
            raise translate(exc, request_id=handle.request_id, doing=doing) from exc
        return data

    async def status(self, handle: Handle) -> StatusUpdate:
        data = await self._video(handle, "checking the status")
        try:
            update = status_update(data)
        except ValueError as exc:
            raise self._odd_status(handle, data) from exc
        self._odd_since.pop(handle.request_id, None)
        return update

    def _odd_status(self, handle: Handle, data: dict[str, Any]) -> errors.SeedanceError:
        """A status string this client does not know: waited on (Unavailable: the engine
        polls again with backoff) for UNKNOWN_STATUS_WAIT_S, then the job is left."""
        rid, status = handle.request_id, str(data.get("status"))[:40]
        since = self._odd_since.setdefault(rid, time.monotonic())
        waited = time.monotonic() - since
        if waited < UNKNOWN_STATUS_WAIT_S:
            return errors.Unavailable(f"{_LABEL} reports status {status!r}, which this client does not know")
        self._odd_since.pop(rid, None)
        return errors.JobFailed(
            f"{_LABEL} kept reporting status {status!r} for video {rid}, which this client does not know; "
            f"stopped following it after {waited:.0f} s",
            request_id=rid,
            error_type="unknown_status",
            hint=f"It may still finish (and be charged): `%seedance resume {rid}` looks again; "
            f"see {_DASHBOARD}",
        )

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        """The gateway has no status stream: the engine polls."""
        raise StreamUnavailable
        yield  # pragma: no cover - makes this an async generator

    async def result(self, handle: Handle) -> dict[str, Any]:
        """The finished video in the engine's (fal's) result shape: {"video": {"url"}, "seed"}."""
        data = await self._video(handle, "fetching the result")
        output = data.get("output")
        output = output if isinstance(output, dict) else {}
        url = output.get("url")
        if data.get("status") != "completed" or not url:
            raise errors.Unavailable(
                f"{_LABEL} has no finished video for {handle.request_id} yet (status {data.get('status')!r})",
                request_id=handle.request_id,
            )
        video: dict[str, Any] = {"url": str(url), "content_type": output.get("content_type") or "video/mp4"}
        if isinstance(output.get("file_size"), int):
            video["file_size"] = output["file_size"]
        seed = output.get("seed", data.get("seed"))
        return {"video": video, "seed": seed if isinstance(seed, int) else None}

    async def cancel(self, handle: Handle) -> None:
        raise errors.Rejected(
            f"{_LABEL}'s video API has no cancel: the video will be finished and charged",
            request_id=handle.request_id,
            hint="It is downloaded when done; nothing is lost",
        )

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str:
        """The file inline, as a data: URI (the gateway has no upload API)."""
        return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _conforms(target: Target) -> Backend:
    """For the type checker: LumenfallBackend is a Backend (backends/base.py)."""
    return LumenfallBackend(target)
