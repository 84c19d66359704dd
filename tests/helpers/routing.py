"""Test-local routing of a plain fal_client client to an emulator on 127.0.0.1.

fal_client 1.0.3 builds its queue client as `httpx.AsyncClient(transport=
AsyncBackupDomainTransport())` (SyncClient: `BackupDomainTransport()`); both accept an
inner `transport=`. Tests replace those names with factories that hand in a transport
rewriting fal's hosts to the emulator, keeping the path and naming the original host
in X-Seedance-Origin-Host. The CDN token and upload clients are bare httpx clients:
`route_storage` routes those too, for upload tests only.

Plain helpers shared by the emulator tests live here as well (fixtures are in
emulator_fixtures.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import fal_client
import fal_client.client as fal_impl
import httpx
import pytest

T = TypeVar("T")
ORIGIN_HEADER = "X-Seedance-Origin-Host"
FAL_HOSTS = frozenset(
    {"queue.fal.run", "queue.falrun.com", "fal.run", "falrun.com", "rest.fal.ai", "rest.alpha.fal.ai"}
)
_ORIGINAL_ASYNC = fal_impl.AsyncBackupDomainTransport
_ORIGINAL_SYNC = fal_impl.BackupDomainTransport

# Shared by the emulator tests: fast timing, a dummy key and one small clip that every
# protocol test asks for, so the process cache renders it once.
FAST = {"queue_seconds": 0.15, "run_seconds": 0.3, "log_interval": 0.1}
DUMMY_KEY = "emulator-test-id:emulator-test-secret"
T2V_FAST = "bytedance/seedance-2.0/fast/text-to-video"
SMALL = {"prompt": "A paper boat on a rain puddle", "resolution": "480p", "duration": "4", "seed": 7}
SMALL_SILENT = {**SMALL, "generate_audio": False}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def is_fal_host(host: str) -> bool:
    return host in FAL_HOSTS or host == "fal.media" or host.endswith(".fal.media")


def reroute(request: httpx.Request, base: httpx.URL) -> httpx.Request:
    host = request.url.host
    if not is_fal_host(host):
        return request
    url = request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
    headers = request.headers.copy()
    headers["Host"] = url.netloc.decode("ascii")
    headers[ORIGIN_HEADER] = host
    return httpx.Request(
        request.method, url, headers=headers, stream=request.stream, extensions=request.extensions
    )


class AsyncRouting(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(reroute(request, self.base))

    async def aclose(self) -> None:
        await self.inner.aclose()


class SyncRouting(httpx.BaseTransport):
    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(reroute(request, self.base))

    def close(self) -> None:
        self.inner.close()


def route_queue(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    """Send the queue/run requests of fal_client clients created from now on to base_url."""
    monkeypatch.setattr(
        fal_impl, "AsyncBackupDomainTransport", lambda: _ORIGINAL_ASYNC(transport=AsyncRouting(base_url))
    )
    monkeypatch.setattr(
        fal_impl, "BackupDomainTransport", lambda: _ORIGINAL_SYNC(transport=SyncRouting(base_url))
    )


def route_storage(monkeypatch: pytest.MonkeyPatch, base_url: str) -> list[httpx.Client]:
    """Also route the bare httpx clients fal_client builds for CDN tokens and uploads.
    Returns the sync clients made, for the caller to close: SyncClient.upload never
    closes its CDN client."""
    made: list[httpx.Client] = []

    class RoutedAsyncClient(httpx.AsyncClient):
        def __init__(
            self, *args: Any, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
        ) -> None:
            super().__init__(*args, transport=transport or AsyncRouting(base_url), **kwargs)

    class RoutedClient(httpx.Client):
        def __init__(self, *args: Any, transport: httpx.BaseTransport | None = None, **kwargs: Any) -> None:
            super().__init__(*args, transport=transport or SyncRouting(base_url), **kwargs)
            made.append(self)

    monkeypatch.setattr(fal_impl.httpx, "AsyncClient", RoutedAsyncClient)
    monkeypatch.setattr(fal_impl.httpx, "Client", RoutedClient)
    return made


@asynccontextmanager
async def async_client(
    monkeypatch: pytest.MonkeyPatch, base_url: str
) -> AsyncIterator[fal_client.AsyncClient]:
    """A fal_client.AsyncClient talking to the emulator; its httpx client is closed after."""
    route_queue(monkeypatch, base_url)
    client = fal_client.AsyncClient()
    try:
        yield client
    finally:
        if "_client" in client.__dict__:
            await (await client._client).aclose()


@contextmanager
def sync_client(monkeypatch: pytest.MonkeyPatch, base_url: str) -> Iterator[fal_client.SyncClient]:
    """A fal_client.SyncClient talking to the emulator; its httpx client is closed after."""
    route_queue(monkeypatch, base_url)
    client = fal_client.SyncClient()
    try:
        yield client
    finally:
        if "_client" in client.__dict__:
            client._client.close()
