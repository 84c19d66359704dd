"""The innermost transport of every HTTP client this package builds: each request goes out
the way httpx's own client would send it, through HTTP(S)_PROXY / ALL_PROXY unless
NO_PROXY names its host, as fal_client's clients do.

An httpx client that is handed a transport ignores the proxy environment (httpx builds
its proxy mounts only for the transports it makes itself), and every client here is
handed one (the rerouting to a base URL, the submit guard, connection retries). So the
transport at the bottom of each stack sends through an inner `httpx.AsyncClient` built
with no transport, which applies the environment exactly as httpx does; fal_client's own
`AsyncBackupDomainTransport` sends its requests the same way. The proxy is chosen per
request, after any rerouting, so NO_PROXY=127.0.0.1 keeps the emulator's requests local.

The built-in emulator is the exception (`direct`): it listens on this machine's loopback,
which no proxy can reach for it (a proxy elsewhere would answer for its own loopback), so
the clients of a target it serves send direct, whatever the environment says.
"""

from __future__ import annotations

import httpx

# Failures to reach the server (or the proxy): nothing was sent, so a retry is safe.
_NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout)


class EnvProxyTransport(httpx.AsyncBaseTransport):
    """Send each request as httpx's client does, proxies from the environment included
    (`direct`: never through a proxy, for the built-in emulator); `retries`: connection
    failures tried again that many times (as `httpx.AsyncHTTPTransport(retries=...)` does)."""

    def __init__(self, *, retries: int = 0, direct: bool = False) -> None:
        self._client = httpx.AsyncClient(follow_redirects=False, trust_env=not direct)
        self._retries = max(0, retries)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self._retries + 1):
            try:
                return await self._client.send(request, stream=True)
            except _NOT_CONNECTED:
                if attempt == self._retries:
                    raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()
