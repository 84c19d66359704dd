"""Uploads the way fal_client makes them (CDN token + /files/upload, or the storage
fallback's initiate + PUT) and downloads with byte ranges."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from seedance_magic.emulator import Fault

from helpers.routing import async_client, route_storage, run, sync_client


def png(path: Path, colour: tuple[int, int, int] = (200, 40, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_upload_file_through_the_cdn_path(
    make_emulator: Any, fal_key: str, monkeypatch: Any, tmp_path: Path
) -> None:
    emu = make_emulator()
    route_storage(monkeypatch, emu.url)
    data = png(tmp_path / "start.png")

    async def scenario() -> str:
        async with async_client(monkeypatch, emu.url) as client:
            return await client.upload_file(tmp_path / "start.png")

    url = run(scenario())
    assert url.startswith(f"{emu.url}/files/") and url.endswith("/start.png")
    served = httpx.get(url)
    assert served.content == data and served.headers["content-type"] == "image/png"
    (upload,) = emu.stats.uploads
    assert (upload.via, upload.auth_scheme, upload.size, upload.url) == ("fal_v3", "Bearer", len(data), url)
    assert emu.stats.count("storage") == 1 and emu.stats.count("upload") == 1


@pytest.mark.parametrize("failing", ["upload", "storage"])
def test_storage_fallback_sends_the_key_on_the_put(
    make_emulator: Any, fal_key: str, monkeypatch: Any, tmp_path: Path, failing: str
) -> None:
    """When the CDN upload (or its token) fails, fal_client falls back to initiate + PUT,
    and that PUT carries the FAL key: the leak the project has to avoid."""
    emu = make_emulator()
    route_storage(monkeypatch, emu.url)
    data = png(tmp_path / "ref.png")
    emu.inject(Fault(on=failing, action="503", times=1))

    async def scenario() -> str:
        async with async_client(monkeypatch, emu.url) as client:
            return await client.upload_file(tmp_path / "ref.png")

    url = run(scenario())
    assert httpx.get(url).content == data
    (upload,) = emu.stats.uploads
    assert (upload.via, upload.auth_scheme, upload.file_name) == ("storage", "Key", "ref.png")


def test_sync_client_upload_and_its_fallback(
    make_emulator: Any, fal_key: str, monkeypatch: Any, tmp_path: Path
) -> None:
    emu = make_emulator()
    made = route_storage(monkeypatch, emu.url)
    data = png(tmp_path / "a.png", (10, 200, 10))
    try:
        with sync_client(monkeypatch, emu.url) as client:
            first = client.upload_file(tmp_path / "a.png")
            emu.inject(Fault(on="upload", action="500"))
            second = client.upload_file(tmp_path / "a.png")
    finally:
        for leftover in made:
            leftover.close()
    assert httpx.get(first).content == httpx.get(second).content == data
    assert [(u.via, u.auth_scheme) for u in emu.stats.uploads] == [("fal_v3", "Bearer"), ("storage", "Key")]


def test_cdn_token_and_its_checks(make_emulator: Any) -> None:
    emu = make_emulator()
    assert (
        httpx.post(f"{emu.url}/storage/auth/token", params={"storage_type": "fal-cdn-v3"}).status_code == 401
    )
    token = httpx.post(
        f"{emu.url}/storage/auth/token",
        params={"storage_type": "fal-cdn-v3"},
        headers={"Authorization": "Key k:secret"},
    ).json()
    assert token["token_type"] == "Bearer" and token["base_url"] == emu.url
    expires = datetime.fromisoformat(token["expires_at"])
    assert timedelta(minutes=55) < expires - datetime.now(timezone.utc) <= timedelta(hours=1)
    upload = f"{emu.url}/files/upload"
    assert httpx.post(upload, content=b"x", headers={"Authorization": "Key k:secret"}).status_code == 401
    ok = httpx.post(upload, content=b"x", headers={"Authorization": f"Bearer {token['token']}"})
    assert ok.status_code == 200 and ok.json()["access_url"].endswith("/upload.bin")
    assert httpx.put(f"{emu.url}/storage/upload/put/unknown", content=b"x").status_code == 404


def test_downloads_support_head_and_single_ranges(make_emulator: Any) -> None:
    emu = make_emulator()
    token = httpx.post(f"{emu.url}/storage/auth/token", headers={"Authorization": "Key k:secret"}).json()[
        "token"
    ]
    data = bytes(range(256)) * 4
    url = httpx.post(
        f"{emu.url}/files/upload",
        content=data,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Fal-File-Name": "../../clip.mp4",
            "Content-Type": "video/mp4",
        },
    ).json()["access_url"]
    assert url.endswith("/clip.mp4") and ".." not in url
    head = httpx.head(url)
    assert (head.status_code, head.headers["content-length"], head.content) == (200, str(len(data)), b"")
    part = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    tail = httpx.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == data[-5:]
    rest = httpx.get(url, headers={"Range": f"bytes={len(data) - 3}-"})
    assert rest.content == data[-3:]
    beyond = httpx.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
    assert httpx.get(url, headers={"Range": "bytes=0-1,4-5"}).status_code == 416
