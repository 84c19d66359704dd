"""The httpx transports under fal_client: rerouting to one base URL, and the submit guard.

fal_client 1.0.3 builds its queue client as
`httpx.AsyncClient(transport=AsyncBackupDomainTransport())`; `AsyncBackupDomainTransport`
accepts an inner `transport=`. That inner transport is our seam (backends/fal.py hands
ours in; tests/test_routing.py fails loudly if a fal-client upgrade moves it):

- `RerouteTransport` sends every request for a fal host (queue, run, storage, CDN) to one
  base URL such as http://127.0.0.1:8765, keeping the path, and names the original host
  in `X-Seedance-Origin-Host`. URLs that are not fal's pass through unchanged.
- At the bottom of both, `proxies.EnvProxyTransport` sends each request through the
  proxy the environment names for it (HTTP(S)_PROXY, NO_PROXY), as fal_client does.
- `SubmitGuard` stops fal_client from repeating a submit that may have been queued.
  fal_client retries any httpx transport error (a dropped connection, a read timeout
  after the POST reached fal), 408, 409 and 429, and a 502/503/504 page from the proxy in
  front of the queue ("ingress": nginx's page, no x-fal-request-id), although a 504 there
  means the proxy passed the request on and gave up waiting: each retry may be a second
  paid job. The guard reads a submit's answer whole and lets through only a readable
  acceptance (a request id and its URLs) and a refusal that proves nothing was queued
  (a 4xx other than 408/409/429 in fal's JSON); every other outcome becomes
  `SubmitOutcomeUnknown`, which is not an httpx error, so fal_client raises it at once
  instead of retrying. Failures where nothing reached the server (connect errors, pool
  timeouts) stay retryable.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from ...errors import SubmitOutcomeUnknown
from ...spec.providers import get
from .failures import proves_nothing_queued, unknown_hint
from .proxies import EnvProxyTransport

QUEUE_HOSTS = frozenset({"queue.fal.run", "queue.falrun.com"})
RUN_HOSTS = frozenset({"fal.run", "falrun.com"})
FAL_HOSTS = QUEUE_HOSTS | RUN_HOSTS | {"rest.fal.ai", "rest.alpha.fal.ai"}
ORIGIN_HEADER = "X-Seedance-Origin-Host"
# Failures that mean the request never reached the server: retrying cannot double-submit.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# A request id as it may be used in URLs and file names: fal's are UUIDs.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_FAL = get("fal")


def is_fal_host(host: str) -> bool:
    return host in FAL_HOSTS or host == "fal.media" or host.endswith(".fal.media")


def is_submit(request: httpx.Request) -> bool:
    """A POST to the queue host is a submit (status is GET, cancel is PUT)."""
    host = request.headers.get(ORIGIN_HEADER) or request.url.host
    return request.method == "POST" and host in QUEUE_HOSTS


class RerouteTransport(httpx.AsyncBaseTransport):
    """Send requests for fal's hosts to `base_url` instead (http or https)."""

    def __init__(self, base_url: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.base = httpx.URL(base_url.rstrip("/"))
        self._inner = inner or EnvProxyTransport()

    def rewrite(self, request: httpx.Request) -> httpx.Request:
        host = request.url.host
        if not is_fal_host(host):
            return request
        path = self.base.raw_path.rstrip(b"/") + request.url.raw_path
        url = request.url.copy_with(
            scheme=self.base.scheme, host=self.base.host, port=self.base.port, raw_path=path
        )
        headers = request.headers.copy()
        headers["Host"] = url.netloc.decode("ascii")
        headers[ORIGIN_HEADER] = host
        return httpx.Request(
            request.method, url, headers=headers, stream=request.stream, extensions=request.extensions
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(self.rewrite(request))

    async def aclose(self) -> None:
        await self._inner.aclose()


def _unknown(message: str) -> SubmitOutcomeUnknown:
    return SubmitOutcomeUnknown(message, hint=unknown_hint(_FAL.label, _FAL.dashboard))


def _lost(url: str, exc: Exception) -> SubmitOutcomeUnknown:
    return _unknown(f"The submit to {url} was sent but its response was lost ({type(exc).__name__})")


def _json_object(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        data = answer.json()
    except ValueError:  # not JSON, or not text at all
        return None
    return data if isinstance(data, dict) else None


def submit_problem(answer: httpx.Response, url: str) -> str | None:
    """Why an answer to a submit leaves the job's existence unknown, or None when it is a
    readable acceptance (a request id and its URLs) or a refusal that proves nothing was
    queued (failures.proves_nothing_queued)."""
    code, data = answer.status_code, _json_object(answer)
    named = answer.headers.get("x-fal-request-id")
    names = f" (it names request {named})" if named and _REQUEST_ID.fullmatch(named) else ""
    if 200 <= code < 300:
        request_id = data.get("request_id") if data else None
        urls = [data.get(k) for k in ("status_url", "response_url", "cancel_url")] if data else []
        if (
            isinstance(request_id, str)
            and _REQUEST_ID.fullmatch(request_id)
            and all(isinstance(u, str) and u for u in urls)
        ):
            return None
        return f"fal answered {code} to the submit to {url} but the answer could not be read{names}"
    if proves_nothing_queued(code, data is not None):
        return None
    if data is None:
        return f"fal answered {code} to the submit to {url} with a page that is not fal's{names}"
    return f"fal answered {code} to the submit to {url}{names}"


class SubmitGuard(httpx.AsyncBaseTransport):
    """Make a submit whose outcome is unknown non-retryable (see the module docstring)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not is_submit(request):
            return await self._inner.handle_async_request(request)
        url = str(request.url.copy_with(query=None))
        try:
            response = await self._inner.handle_async_request(request)
        except _NOT_SENT:
            raise
        except httpx.TransportError as exc:
            raise _lost(url, exc) from exc
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        try:  # a submit's answer is small: read whole here, where its loss is still ours
            raw = b"".join([chunk async for chunk in stream])
        except httpx.TransportError as exc:
            raise _lost(url, exc) from exc
        finally:
            await stream.aclose()
        answer = httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            extensions=response.extensions,
            request=request,
        )
        problem = submit_problem(answer, url)
        if problem is not None:
            raise _unknown(problem)
        return answer

    async def aclose(self) -> None:
        await self._inner.aclose()


def fal_transport(base_url: str | None, *, direct: bool = False) -> httpx.AsyncBaseTransport:
    """The inner transport for fal_client's queue client: guard outside, reroute inside,
    so the guard sees fal's own host names (`direct`: no proxy, see proxies.py)."""
    inner: httpx.AsyncBaseTransport = EnvProxyTransport(direct=direct)
    if base_url:
        inner = RerouteTransport(base_url, inner)
    return SubmitGuard(inner)


def plain_transport(base_url: str | None, *, direct: bool = False) -> httpx.AsyncBaseTransport:
    """For clients that carry no fal key (CDN uploads with a token, video downloads)."""
    inner = EnvProxyTransport(direct=direct)
    return RerouteTransport(base_url, inner) if base_url else inner
