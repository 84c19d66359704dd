"""fal_client's AsyncClient on our transports: its queue client, its CDN token request and
its CDN upload client all go through routing.py's transports (the rerouting to a base URL
and the submit guard). fal_client 1.0.3's seam; tests/wire/test_routing.py fails loudly
if an upgrade moves it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fal_client
import httpx
from fal_client.client import AsyncBackupDomainTransport, AsyncCDNTokenManager, CDNToken

from .routing import fal_transport, plain_transport

USER_AGENT = f"seedance-magic (fal-client/{fal_client.__version__})"


class RoutedTokenManager(AsyncCDNTokenManager):
    """fal's CDN token manager, fetching its token through our transport."""

    def __init__(self, auth: Any, base_url: str | None, direct: bool = False) -> None:
        super().__init__(auth)
        self._base_url = base_url
        self._direct = direct

    async def _refresh_token(self) -> CDNToken:
        transport = plain_transport(self._base_url, direct=self._direct)
        async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
            response = await client.post(self._url, headers=self._headers, json={})
            response.raise_for_status()
            data = response.json()
        return CDNToken(
            token=data["token"],
            token_type=data["token_type"],
            base_upload_url=data["base_url"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )


@dataclass(unsafe_hash=True)
class RoutedAsyncClient(fal_client.AsyncClient):
    """fal_client.AsyncClient whose httpx clients use our transports (the seam);
    `direct`: they send through no proxy (the built-in emulator, see proxies.py)."""

    base_url: str | None = None
    direct: bool = False
    _http: httpx.AsyncClient | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    @property
    def _client(self) -> Awaitable[httpx.AsyncClient]:
        return self._build_client()

    async def _build_client(self) -> httpx.AsyncClient:
        if self._http is None:
            auth = await self._auth
            if self._http is None:
                ours = fal_transport(self.base_url, direct=self.direct)
                self._http = httpx.AsyncClient(
                    transport=AsyncBackupDomainTransport(transport=ours),
                    headers={"Authorization": auth.header_value, "User-Agent": USER_AGENT},
                    timeout=self.default_timeout,
                )
        return self._http

    @property
    def _token_manager(self) -> Awaitable[AsyncCDNTokenManager]:
        return self._build_token_manager()

    async def _build_token_manager(self) -> AsyncCDNTokenManager:
        manager = self.__dict__.get("_routed_token_manager")
        if manager is None:
            manager = RoutedTokenManager(await self._auth, self.base_url, self.direct)
            self.__dict__["_routed_token_manager"] = manager
        return manager

    @asynccontextmanager
    async def _cdn_client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(
            transport=plain_transport(self.base_url, direct=self.direct),
            headers={"User-Agent": USER_AGENT},
            timeout=self.default_timeout,
        ) as client:
            yield client

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
