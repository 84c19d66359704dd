"""The peer: plain fal_client, routed to the emulator through its httpx-transport seam.

fal_client 1.0.3 builds its queue clients as `httpx.AsyncClient(transport=
AsyncBackupDomainTransport())` (sync: `BackupDomainTransport()`), and both transports
accept an inner `transport=`. `route_fal_client(url)` makes every client fal_client builds
from then on hand in a transport that rewrites fal's hosts to the emulator's URL. Nothing
else of fal_client is touched: its polling, retries and results are its own.

Used by the benchmark process and, imported in a setup cell, inside Jupyter kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fal_client
import fal_client.client as fal_impl
import httpx

FAL_HOSTS = frozenset(
    {"queue.fal.run", "queue.falrun.com", "fal.run", "falrun.com", "rest.fal.ai", "rest.alpha.fal.ai"}
)
_ORIGINAL_ASYNC = fal_impl.AsyncBackupDomainTransport
_ORIGINAL_SYNC = fal_impl.BackupDomainTransport


def _to_emulator(request: httpx.Request, base: httpx.URL) -> httpx.Request:
    if request.url.host not in FAL_HOSTS:
        return request
    url = request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
    headers = request.headers.copy()
    headers["Host"] = url.netloc.decode("ascii")
    headers["X-Seedance-Origin-Host"] = request.url.host
    return httpx.Request(
        request.method, url, headers=headers, stream=request.stream, extensions=request.extensions
    )


class AsyncToEmulator(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(_to_emulator(request, self.base))

    async def aclose(self) -> None:
        await self.inner.aclose()


class SyncToEmulator(httpx.BaseTransport):
    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(_to_emulator(request, self.base))

    def close(self) -> None:
        self.inner.close()


def route_fal_client(base_url: str) -> None:
    """Send the queue requests of every fal_client client built from now on to base_url.
    A caller that hands in its own inner transport (seedance_magic does) keeps it."""

    def async_transport(*, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
        return _ORIGINAL_ASYNC(transport=transport or AsyncToEmulator(base_url))

    def sync_transport(*, transport: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        return _ORIGINAL_SYNC(transport=transport or SyncToEmulator(base_url))

    fal_impl.AsyncBackupDomainTransport = async_transport  # type: ignore[misc,assignment]
    fal_impl.BackupDomainTransport = sync_transport  # type: ignore[misc,assignment]


class NewLogs:
    """An on_queue_update callback that keeps (or prints) the log lines not seen yet; fal
    sends the whole log list with every status, so a caller must track what it showed."""

    def __init__(self, *, echo: bool = False) -> None:
        self.echo = echo
        self.lines: list[str] = []
        self.updates = 0

    def __call__(self, status: Any) -> None:
        self.updates += 1
        logs = getattr(status, "logs", None) or []
        for entry in logs[len(self.lines) :]:
            self.lines.append(str(entry.get("message", "")))
            if self.echo:
                print(self.lines[-1])


def subscribe_kwargs(with_logs: bool, *, echo: bool = False) -> dict[str, Any]:
    """fal_client.subscribe's keywords for the two peers: its defaults, or following the
    job with on_queue_update and with_logs=True."""
    if not with_logs:
        return {}
    return {"with_logs": True, "on_queue_update": NewLogs(echo=echo)}


async def subscribe_async(
    client: fal_client.AsyncClient,
    endpoint: str,
    arguments: dict[str, Any],
    *,
    with_logs: bool,
    on_enqueue: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = await client.subscribe(
        endpoint, arguments, on_enqueue=on_enqueue, **subscribe_kwargs(with_logs)
    )
    return result


async def close_async(client: fal_client.AsyncClient) -> None:
    """Close the httpx client an AsyncClient built (if it built one)."""
    if "_client" in client.__dict__:
        await (await client._client).aclose()
