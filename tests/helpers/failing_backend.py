"""A provider whose downloads can fail halfway, at the engine's seam (backends/base.py
`Backend`), for tests where the socket is not the point: every job is accepted and
completed at once, its result names one video, and what its download does (save a real
MP4, or fail in a given way halfway) is the test's to choose. `fake_runtime` routes a
Runtime's every target to it. No tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.plain import render_plain
from seedance_magic.engine.backends.base import Handle, StatusUpdate, StreamUnavailable
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.settings import Settings

_CLIP: bytes | None = None


def clip() -> bytes:
    """A real 4 s MP4 (the emulator's plain card), made once."""
    global _CLIP
    if _CLIP is None:
        _CLIP = render_plain(RenderSpec(width=864, height=496, duration=4, seed=1, prompt="fake"))
    return _CLIP


class FailingBackend:
    """`failure(dest)`, when set, is called halfway through a download (after half the
    file was written to its .part file) and raises what the test wants."""

    def __init__(self) -> None:
        self.failure: Callable[[Path], None] | None = None
        self.submits = 0
        self.downloads = 0
        self.seed: Any = 7

    async def submit(self, endpoint_id: str, arguments: dict[str, Any]) -> Handle:
        self.submits += 1
        return self.handle_for(endpoint_id, str(uuid.uuid4()))

    def handle_for(self, endpoint_id: str, request_id: str) -> Handle:
        base = f"https://fake.invalid/requests/{request_id}"
        return Handle(endpoint_id, request_id, f"{base}/status", base, f"{base}/cancel")

    async def status(self, handle: Handle) -> StatusUpdate:
        return StatusUpdate("COMPLETED")

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        raise StreamUnavailable
        yield  # pragma: no cover - makes this an async generator

    async def result(self, handle: Handle) -> dict[str, Any]:
        url = f"https://fake.invalid/files/{handle.request_id}/output.mp4"
        return {"video": {"url": url, "file_size": len(clip())}, "seed": self.seed}

    async def cancel(self, handle: Handle) -> None:
        return None

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str:
        return f"https://fake.invalid/uploads/{file_name}"

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        attempts: int = 5,
        progress: Callable[[int, int | None], None] | None = None,
        request_id: str | None = None,
    ) -> Path:
        self.downloads += 1
        data = clip()
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.fake.part")
        part.write_bytes(data[: len(data) // 2])
        if self.failure is not None:
            self.failure(dest)
        part.write_bytes(data)
        part.replace(dest)
        return dest

    async def aclose(self) -> None:
        return None


def fake_runtime(tmp_path: Path, backend: FailingBackend) -> Runtime:
    """The process runtime, every target served by `backend` (as an emulator: $0)."""
    settings = Settings(
        base_url="https://fake.invalid",
        output_dir=tmp_path / "out",
        journal_path=tmp_path / "journal.sqlite3",
        poll_initial=0.01,
        poll_max=0.05,
    )
    rt = Runtime(lambda: settings, backends=lambda target: backend, probe=lambda url: "fake")
    reset_runtime(rt)
    return rt
