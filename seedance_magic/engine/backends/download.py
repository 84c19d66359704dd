"""Downloading a finished video into the output folder: streamed to disk (memory stays
flat whatever the size), resumed with a Range request after a dropped connection,
retried with backoff on 5xx, 429 and an answer that is not a video (a web page served
with a 200), capped at the announced size (or MAX_VIDEO_BYTES), checked as a whole
MP4/MOV container, and renamed into place only then, so a half-written file or a web
page never looks like a video. Any failure removes the `.part` file."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from ... import errors
from ...spec.formats import video_container_problem

# The most a video may have when its size was not announced (Seedance's are far smaller).
MAX_VIDEO_BYTES = 2 * 1024**3


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
        backend's `download` method). Never more than the announced size (or
        MAX_VIDEO_BYTES) is written, and the file must be a whole MP4/MOV; any failure
        removes the `.part` file."""
        part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            await self._fetch(
                url,
                part,
                expected_size=expected_size,
                attempts=attempts,
                progress=progress,
                request_id=request_id,
            )
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return dest

    def _failed(self, what: str, request_id: str | None) -> errors.DownloadFailed:
        return errors.DownloadFailed(
            what,
            request_id=request_id,
            hint=f"`%seedance resume ID` tries again while {self.label} still keeps the file",
        )

    async def _fetch(
        self,
        url: str,
        part: Path,
        *,
        expected_size: int | None,
        attempts: int,
        progress: Callable[[int, int | None], None] | None,
        request_id: str | None,
    ) -> None:
        client, cap = self._http(), expected_size if expected_size is not None else MAX_VIDEO_BYTES
        total, delay = expected_size, 0.25
        problem: str | None = None
        for attempt in range(1, attempts + 1):
            have = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code != 416 or total is None or have != total:
                        response.raise_for_status()
                        have, total = await _save(response, part, have, total, cap=cap, progress=progress)
                if have > cap:
                    said = "announced" if expected_size is not None else "allows for a video"
                    raise self._failed(
                        f"{url} sent more than the {cap} bytes {self.label} {said}", request_id
                    )
                problem = container_problem(part)
                if problem is None and expected_size is not None and have != expected_size:
                    problem = f"it has {have} bytes, {self.label} announced {expected_size}"
                if problem is None:
                    return
                part.unlink(missing_ok=True)  # not the video: fetched whole again
            except httpx.HTTPStatusError as exc:
                code = exc.response.status_code
                if code < 500 and code != 429:
                    raise self._failed(
                        f"the video could not be downloaded ({code}) from {url}", request_id
                    ) from exc
                problem = f"{code}"
            except httpx.TooManyRedirects as exc:
                raise self._failed(f"the video URL {url} redirects in a loop", request_id) from exc
            except httpx.TransportError as exc:
                problem = type(exc).__name__
            if attempt == attempts:
                got = "" if problem is None else f": {problem}"
                raise self._failed(f"the video download kept failing{got} (from {url})", request_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _save(
    response: httpx.Response,
    part: Path,
    have: int,
    total: int | None,
    *,
    cap: int,
    progress: Callable[[int, int | None], None] | None,
) -> tuple[int, int | None]:
    """Append (or, when the server ignored the Range, write anew) the answer's body to
    `part`, stopping past `cap` bytes: how many bytes `part` holds, and the total."""
    if response.status_code != 206:
        have = 0
    length = response.headers.get("content-length")
    if length is not None and length.isdigit():
        total = have + int(length)
        if total > cap:
            return total, total  # announced bigger than allowed: not read at all
    with part.open("ab" if have else "wb") as out:
        async for chunk in response.aiter_bytes(256 * 1024):
            if have + len(chunk) > cap:
                return have + len(chunk), total
            out.write(chunk)
            have += len(chunk)
            if progress is not None:
                progress(have, total)
    return have, total


def container_problem(path: Path) -> str | None:
    """Why the file at `path` is not a whole MP4/MOV video, or None."""
    with path.open("rb") as file:

        def read(offset: int, count: int) -> bytes:
            file.seek(offset)
            return file.read(count)

        return video_container_problem(read, path.stat().st_size)
