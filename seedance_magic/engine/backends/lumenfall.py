"""The Lumenfall backend: Seedance 2.0 through the gateway's OpenAI-style video API.

    POST {base}/videos       {model: "seedance-2.0", prompt, ...}  -> {id, status}
    GET  {base}/videos/{id}  -> {status: queued|in_progress|completed|failed,
                                 output.url | error.message}

with `Authorization: Bearer $LUMENFALL_API_KEY`. The gateway has no status stream (the
engine polls), no upload API (local inputs go inline as data: URIs) and no cancel. Its
answers are mapped onto the values of backends/base.py, and its errors (`{"error":
{"message", "type", "code"}}`) into the package's error tree, here and nowhere else;
messages never contain the key (it is only ever in the client's default headers).
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from ... import errors
from ...settings import Target, colab_secret
from ...spec.providers import get
from ...spec.wire_lumenfall import KEY_VAR, body
from . import failures
from .base import Backend, FalStatus, Handle, StatusUpdate, StreamUnavailable
from .download import Downloads
from .proxies import EnvProxyTransport

USER_AGENT = "seedance-magic (lumenfall)"
_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
_STATES: dict[str, FalStatus] = {
    "queued": "IN_QUEUE",
    "in_progress": "IN_PROGRESS",
    "completed": "COMPLETED",
    "failed": "COMPLETED",
}
# Failures that mean the request never reached the server: a submit may be sent again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_SUBMIT_ATTEMPTS = 4
_LABEL = get("lumenfall").label
_KEY_HELP = get("lumenfall").key_help
_DASHBOARD = get("lumenfall").dashboard


def _made_nothing(response: httpx.Response) -> bool:
    """An answer that proves no video was started: rate limited, or a proxy's error page
    (not the gateway's JSON) for a gateway that could not be reached."""
    if response.status_code == 429:
        return True
    json_body = response.headers.get("content-type", "").startswith("application/json")
    return response.status_code in (502, 503, 504) and not json_body


def _retry_after(response: httpx.Response, default: float) -> float:
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
    """A video object as the engine's StatusUpdate (a failed video is COMPLETED with an error)."""
    if not isinstance(data, dict) or data.get("status") not in _STATES:
        raise ValueError(f"unknown video status {data.get('status') if isinstance(data, dict) else data!r}")
    if data["status"] != "failed":
        return StatusUpdate(_STATES[data["status"]])
    error = data.get("error")
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or "the video failed")
    return StatusUpdate("COMPLETED", error=message, error_type=str(error.get("code") or "failed"))


class LumenfallBackend:
    """Submit, poll, fetch and download through the Lumenfall gateway with httpx."""

    def __init__(self, target: Target) -> None:
        if not target.base_url:
            raise ValueError("a Lumenfall target needs its base URL")
        self.target = target
        self.base = target.base_url.rstrip("/")
        self._http: httpx.AsyncClient | None = None
        self._downloads = Downloads(_LABEL, USER_AGENT, EnvProxyTransport)
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
                transport=EnvProxyTransport(retries=2),  # connection failures only; proxies from env
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
        """POST the video. Sent again only when the gateway certainly made nothing (429,
        or a proxy's 502/503/504 page before the gateway); a lost answer is
        SubmitOutcomeUnknown (the video may be made and charged), never a second job."""
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
                raise errors.SubmitOutcomeUnknown(
                    f"The submit to {url} was sent but its response was lost ({type(exc).__name__})",
                    hint=f"{_LABEL} may have started the video and will charge for it; it was NOT sent "
                    f"again. Check your requests at {_DASHBOARD} before running the cell again",
                ) from exc
            if not _made_nothing(response) or attempt == _SUBMIT_ATTEMPTS:
                break
            await asyncio.sleep(_retry_after(response, delay))
            delay *= 2
        if response.status_code >= 400:
            raise translate_response(response, request_id=None, doing="submitting")
        try:
            video_id = str(response.json()["id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise errors.SubmitOutcomeUnknown(
                f"{_LABEL} accepted the submit but its answer names no video id",
                hint=f"Check your requests at {_DASHBOARD} before running the cell again",
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
            return status_update(data)
        except ValueError as exc:
            raise translate(exc, request_id=handle.request_id, doing="checking the status") from exc

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
