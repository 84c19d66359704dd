"""The transport seam under fal_client. If a fal-client upgrade moves it, these fail
loudly and say what moved, before any user's request goes to the wrong place."""

from __future__ import annotations

import asyncio
import inspect

import fal_client
import httpx
import pytest
from fal_client.client import AsyncBackupDomainTransport, AsyncCDNTokenManager

from seedance_magic import errors
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.backends.fal import FalBackend
from seedance_magic.engine.backends.fal_seam import RoutedAsyncClient
from seedance_magic.engine.backends.routing import ORIGIN_HEADER, RerouteTransport, SubmitGuard, is_submit
from seedance_magic.settings import Target

SEAM = "the fal-client transport seam moved: check seedance_magic/engine/backends/fal.py against it"


def test_fal_client_still_has_the_seam() -> None:
    assert tuple(int(x) for x in fal_client.__version__.split(".")[:2]) == (1, 0), SEAM
    assert "transport" in inspect.signature(AsyncBackupDomainTransport.__init__).parameters, SEAM
    for name in ("_client", "_auth", "_token_manager", "_cdn_client", "submit", "upload"):
        assert hasattr(fal_client.AsyncClient, name), f"{SEAM}: AsyncClient.{name} is gone"
    for name in ("_url", "_headers"):
        assert name in inspect.getsource(AsyncCDNTokenManager.__init__), f"{SEAM}: token manager {name}"
    assert "async def _refresh_token" in inspect.getsource(AsyncCDNTokenManager), SEAM
    handle = fal_client.AsyncRequestHandle
    for name in ("status", "get", "cancel"):
        assert hasattr(handle, name), f"{SEAM}: AsyncRequestHandle.{name} is gone"


def test_routed_client_builds_its_httpx_client_on_our_transport() -> None:
    async def main() -> None:
        client = RoutedAsyncClient(key="k", base_url="http://127.0.0.1:9")
        http = await client._client
        assert http is await client._client  # built once
        outer = http._transport
        assert isinstance(outer, AsyncBackupDomainTransport), SEAM
        guard = outer._client._transport
        assert isinstance(guard, SubmitGuard), SEAM
        await client.aclose()

    asyncio.run(main())


def test_reroute_rewrites_fal_hosts_only() -> None:
    transport = RerouteTransport("http://127.0.0.1:8765/base")
    queued = transport.rewrite(
        httpx.Request("POST", "https://queue.fal.run/bytedance/seedance-2.0/text-to-video?x=1")
    )
    assert str(queued.url) == "http://127.0.0.1:8765/base/bytedance/seedance-2.0/text-to-video?x=1"
    assert queued.headers[ORIGIN_HEADER] == "queue.fal.run" and queued.headers["Host"] == "127.0.0.1:8765"
    for url in (
        "https://rest.fal.ai/storage/auth/token",
        "https://v3.fal.media/files/upload",
        "https://fal.run/x/y",
    ):
        assert transport.rewrite(httpx.Request("GET", url)).url.host == "127.0.0.1"
    other = httpx.Request("GET", "https://example.org/video.mp4")
    assert transport.rewrite(other) is other


def test_only_queue_posts_count_as_submits() -> None:
    assert is_submit(httpx.Request("POST", "https://queue.fal.run/bytedance/seedance-2.0/text-to-video"))
    assert not is_submit(
        httpx.Request("GET", "https://queue.fal.run/bytedance/seedance-2.0/requests/1/status")
    )
    assert not is_submit(
        httpx.Request("PUT", "https://queue.fal.run/bytedance/seedance-2.0/requests/1/cancel")
    )
    assert not is_submit(httpx.Request("POST", "https://v3.fal.media/files/upload"))


class _Failing(httpx.AsyncBaseTransport):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "unknown"),
    [
        (httpx.ReadTimeout("read"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (httpx.ReadError("reset"), True),
        (httpx.ConnectError("refused"), False),
        (httpx.PoolTimeout("pool"), False),
    ],
)
def test_submit_guard_turns_lost_responses_into_unknown(exc: Exception, unknown: bool) -> None:
    inner = _Failing(exc)
    guard = SubmitGuard(inner)
    request = httpx.Request("POST", "https://queue.fal.run/bytedance/seedance-2.0/text-to-video", json={})
    expected = errors.SubmitOutcomeUnknown if unknown else type(exc)
    with pytest.raises(expected):
        asyncio.run(guard.handle_async_request(request))
    status = httpx.Request("GET", "https://queue.fal.run/bytedance/seedance-2.0/requests/1/status")
    with pytest.raises(type(exc)):  # status calls stay retryable
        asyncio.run(guard.handle_async_request(status))


def test_project_client_reaches_the_emulator_for_queue_and_uploads(emulator: Emulator) -> None:
    async def main() -> tuple[str, str]:
        backend = FalBackend(Target(emulator.url, emulated=True, key="dummy:key"))
        try:
            handle = await backend.submit("bytedance/seedance-2.0/fast/text-to-video", {"prompt": "a"})
            url = await backend.upload(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png", "a.png")
            await backend.cancel(handle)
            return handle.status_url, url
        finally:
            await backend.aclose()

    status_url, url = asyncio.run(main())
    assert status_url.startswith(emulator.url) and url.startswith(emulator.url)
    counts = emulator.stats.counts
    assert counts["submit"] == 1 and counts["upload"] == 1 and counts["cancel"] == 1
    (upload,) = emulator.stats.uploads
    assert upload.via == "fal_v3"  # never the storage fallback that sends the key along


def test_lost_submit_through_fal_client_is_sent_once(emulator: Emulator) -> None:
    emulator.inject(Fault(on="submit", action="drop"))

    async def main() -> None:
        backend = FalBackend(Target(emulator.url, emulated=True, key="dummy:key"))
        try:
            await backend.submit("bytedance/seedance-2.0/fast/text-to-video", {"prompt": "a"})
        finally:
            await backend.aclose()

    with pytest.raises(errors.SubmitOutcomeUnknown):
        asyncio.run(main())
    assert emulator.stats.counts["submit"] == 1


def test_a_refused_seed_is_explained() -> None:
    from seedance_magic.engine.backends.fal import translate

    request = httpx.Request("POST", "https://queue.fal.run/bytedance/seedance-2.0/text-to-video")
    detail = [{"loc": ["body", "seed"], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}]
    response = httpx.Response(422, json={"detail": detail}, request=request)
    error = translate(
        fal_client.client.FalClientHTTPError(detail, 422, {}, response=response), doing="submitting"
    )
    assert isinstance(error, errors.Rejected)
    assert "seed: Extra inputs are not permitted" in str(error) and "run without --seed" in str(error)
    assert "[{" not in str(error)  # people read it, not a Python list
