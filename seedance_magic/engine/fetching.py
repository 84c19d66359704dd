"""Fetching a finished job's output: its result JSON (retried: it is paid for) and the
streamed download of its video into the output folder, named by `output_path`.

`Fetching` is one of a Job's collaborators: it knows the backend, the handle and the
provider's label, and reports trouble and download progress through callbacks; the Job
decides what the outcome means for its state, its journal and its Result.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import errors
from ..spec.providers import seed_outcome
from ..spec.states import State
from .backends.base import Backend, Handle, StatusUpdate

RESULT_ATTEMPTS = 8
_SLUG = re.compile(r"[^a-z0-9]+")
_ID_CHARS = re.compile(r"[^A-Za-z0-9]+")


class Fetching:
    """Fetch one finished job's result and video. `on_trouble(text)` says why fetching
    is being retried; `retry_s` is the first wait before a retry (it doubles each time)."""

    def __init__(
        self,
        backend: Backend,
        handle: Handle,
        label: str,
        *,
        on_trouble: Callable[[str], None],
        retry_s: float = 0.5,
    ) -> None:
        self.backend = backend
        self.handle = handle
        self.label = label
        self._on_trouble = on_trouble
        self._retry_s = retry_s

    async def result(self) -> dict[str, Any]:
        """The result JSON of the finished job, retried while the provider is troubled."""
        delay = self._retry_s
        request_id = self.handle.request_id
        for attempt in range(1, RESULT_ATTEMPTS + 1):
            try:
                return await self.backend.result(self.handle)
            except (errors.Unavailable, errors.RateLimited) as exc:
                if attempt == RESULT_ATTEMPTS:
                    raise errors.Unavailable(
                        f"{self.label} finished the video but the result could not be fetched: {exc.message}",
                        request_id=request_id,
                        hint=f"Nothing is lost: `%seedance resume {request_id}` fetches it later",
                    ) from exc
                self._on_trouble(f"fetching the result: {exc.message}; retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")

    async def video(
        self,
        video: dict[str, Any],
        dest: Path,
        *,
        attempts: int,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> tuple[Path, dict[str, Any]]:
        """The result's video saved as `dest` (see backends/download.py), and what probing
        it found: width, height, duration, has_audio (None where not measured)."""
        path = await self.backend.download(
            str(video["url"]),
            dest,
            expected_size=video.get("file_size"),
            attempts=attempts,
            progress=progress,
            request_id=self.handle.request_id,
        )
        return path, await asyncio.to_thread(probe, path)


def probe(path: Path) -> dict[str, Any]:
    """What a downloaded file is; None for what could not be measured (PyAV absent, an
    odd file): probing is a nicety, the video is saved either way."""
    try:
        from ..media.video import probe as probe_video

        info = probe_video(path)
    except Exception:
        return {"width": None, "height": None, "duration": None, "has_audio": None}
    return {
        "width": info.width,
        "height": info.height,
        "duration": info.duration_s,
        "has_audio": info.has_audio,
    }


def ended(
    update: StatusUpdate, label: str, *, cancelled: bool, reason: str, request_id: str | None
) -> tuple[State, str, errors.SeedanceError]:
    """A COMPLETED status that carries an error: how the job ended (cancelled, timed out
    or failed), the line that says so, and the error to raise. A job this process asked
    to cancel ends as cancelled whatever error_type fal reports for it."""
    if update.error_type == "client_cancelled" or cancelled:
        message = f"{reason} at {label}"
        if reason.startswith("timed out"):
            return State.CANCELLED, message, errors.JobTimeout(message, request_id=request_id)
        return State.CANCELLED, message, errors.JobCancelled(message, request_id=request_id)
    message = f"{label} reports the job failed: {update.error or update.error_type}"
    return (
        State.FAILED,
        message,
        errors.JobFailed(
            message,
            request_id=request_id,
            error_type=update.error_type,
            hint="Failed jobs are not charged; run the cell again to retry",
        ),
    )


def settle_seed(
    data: dict[str, Any], requested: Any, provider: str
) -> tuple[dict[str, Any], int | None, str]:
    """The result JSON (with the seed sent, for a provider that never reports one), the
    seed the video was made with, and the note when that is not the seed asked for
    (spec/providers.seed_outcome)."""
    seed, note = seed_outcome(requested, data.get("seed"), provider)
    if data.get("seed") is None and not note and requested is not None:
        data = {**data, "seed": requested}
    return data, seed, note


def cancelled_result(exc: errors.ServiceError, *, cancel_requested: bool) -> bool:
    """Whether a failed result GET says the job was cancelled: fal's 499 (client_cancelled,
    when the status did not say so), or a 404 once this job was cancelled (removed)."""
    if exc.error_type == "client_cancelled" or exc.status_code == 499:
        return True
    return cancel_requested and exc.status_code == 404


def output_path(folder: Path, arguments: Mapping[str, Any], seed: Any, request_id: str | None) -> Path:
    """seedance_outputs/20261122-143005_hummingbird-at-a-neon_s42_1a2b3c4d.mp4"""
    slug = _SLUG.sub("-", str(arguments.get("prompt", "")).lower())[:40].strip("-") or "video"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rid = _ID_CHARS.sub("", request_id or "")[:8] or "local"  # server data: letters and digits only
    shown = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    return Path(folder) / f"{stamp}_{slug}_s{shown}_{rid}.mp4"
