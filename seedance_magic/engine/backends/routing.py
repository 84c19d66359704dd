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
- `SubmitGuard` stops fal_client from repeating a submit whose response was lost. fal_client
  retries any httpx transport error, including a dropped connection or a read timeout
  after the POST reached fal: that would queue (and charge for) the job twice. The guard
  turns such failures of a submit into `SubmitOutcomeUnknown`, which is not an httpx
  error, so fal_client raises it at once instead of retrying. Failures where nothing
  reached the server (connect errors, pool timeouts) stay retryable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from ...errors import SubmitOutcomeUnknown
from .proxies import EnvProxyTransport

QUEUE_HOSTS = frozenset({"queue.fal.run", "queue.falrun.com"})
RUN_HOSTS = frozenset({"fal.run", "falrun.com"})
FAL_HOSTS = QUEUE_HOSTS | RUN_HOSTS | {"rest.fal.ai", "rest.alpha.fal.ai"}
ORIGIN_HEADER = "X-Seedance-Origin-Host"
# Failures that mean the request never reached the server: retrying cannot double-submit.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


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


class _GuardedStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, url: str) -> None:
        self._stream = stream
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except httpx.TransportError as exc:
            raise _lost(self._url, exc) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


def _lost(url: str, exc: Exception) -> SubmitOutcomeUnknown:
    return SubmitOutcomeUnknown(
        f"The submit to {url} was sent but its response was lost ({type(exc).__name__})",
        hint=(
            "fal may have queued the job and will charge for it; it was NOT sent again. "
            "Check your requests at https://fal.ai/dashboard before running the cell again"
        ),
    )


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
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_GuardedStream(response.stream, url),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def fal_transport(base_url: str | None) -> httpx.AsyncBaseTransport:
    """The inner transport for fal_client's queue client: guard outside, reroute inside,
    so the guard sees fal's own host names."""
    inner: httpx.AsyncBaseTransport = EnvProxyTransport()
    if base_url:
        inner = RerouteTransport(base_url, inner)
    return SubmitGuard(inner)


def plain_transport(base_url: str | None) -> httpx.AsyncBaseTransport:
    """For clients that carry no fal key (CDN uploads with a token, video downloads)."""
    inner = EnvProxyTransport()
    return RerouteTransport(base_url, inner) if base_url else inner
