"""Downloading a finished video into the output folder: streamed to disk (memory stays
flat whatever the size), resumed with a Range request after a dropped connection,
retried with backoff on 5xx and 429, size-checked, and renamed into place only when
whole, so a half-written file never looks like a video."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from ... import errors


class Downloads:
    """A backend's video downloads: one plain client, which never carries the provider's
    key, made on first use (on the loop that uses it); `label` names the provider in
    messages."""

    def __init__(
        self, label: str, user_agent: str, transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    ) -> None:
        self.label = label
        self._user_agent = user_agent
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport() if self._transport is not None else None,
                headers={"User-Agent": self._user_agent},
                timeout=httpx.Timeout(60.0, connect=30.0),
                follow_redirects=True,
            )
        return self._client

    async def fetch(
        self,
        url: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        attempts: int = 5,
        progress: Callable[[int, int | None], None] | None = None,
        request_id: str | None = None,
    ) -> Path:
        """Stream `url` to `dest` through a hidden `.part` file and return dest (a
        backend's `download` method)."""
        client, label = self._http(), self.label
        part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        total = expected_size
        delay = 0.25
        for attempt in range(1, attempts + 1):
            have = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 416 and total is not None and have == total:
                        break
                    response.raise_for_status()
                    if response.status_code != 206:
                        have = 0
                    length = response.headers.get("content-length")
                    if length is not None:
                        total = have + int(length)
                    with part.open("ab" if have else "wb") as out:
                        async for chunk in response.aiter_bytes(256 * 1024):
                            out.write(chunk)
                            have += len(chunk)
                            if progress is not None:
                                progress(have, total)
                if total is None or have == total:
                    break
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code < 500 and exc.response.status_code != 429:
                    part.unlink(missing_ok=True)
                    raise errors.DownloadFailed(
                        f"the video could not be downloaded ({exc.response.status_code}) from {url}",
                        request_id=request_id,
                        hint=f"`%seedance resume ID` tries again while {label} still keeps the file",
                    ) from exc
            except httpx.TransportError:
                pass
            if attempt == attempts:
                part.unlink(missing_ok=True)
                raise errors.DownloadFailed(
                    f"the video download kept failing ({have} of {total or '?'} bytes) from {url}",
                    request_id=request_id,
                    hint=f"`%seedance resume ID` tries again while {label} still keeps the file",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        size = part.stat().st_size
        if expected_size is not None and size != expected_size:
            part.unlink(missing_ok=True)
            raise errors.DownloadFailed(
                f"the downloaded video has {size} bytes, {label} announced {expected_size}",
                request_id=request_id,
                hint="`%seedance resume ID` downloads it again",
            )
        part.replace(dest)
        return dest

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
