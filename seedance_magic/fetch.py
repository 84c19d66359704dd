"""Turning a COMPLETED status into a Result: the failure and cancel outcomes, fetching
the provider's result (retried: it is paid for), and the streamed download into the output
folder. `Fetching` is a part of `Job` (engine.py).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors
from .backends.base import StatusUpdate
from .jobstate import JobSpec, Snapshot, State
from .result import Result

if TYPE_CHECKING:
    from .backends.base import Backend, Handle
    from .runtime import Runtime
    from .settings import Target


class Fetching:
    if TYPE_CHECKING:
        _handle: Handle | None
        _snap: Snapshot
        _rt: Runtime
        _target: Target
        _cancel_requested: bool
        _cancel_reason: str
        spec: JobSpec

        @property
        def backend(self) -> Backend: ...

    @property
    def request_id(self) -> str | None: ...
    def _publish(self, **changes: Any) -> None: ...
    def _journal(self, state: State | None = None, detail: str | None = None, **fields: Any) -> None: ...
    def _end(self, state: State, message: str, *, record_state: bool = True) -> None: ...

    async def _finish(self, update: StatusUpdate) -> Result:
        assert self._handle is not None
        if update.error or update.error_type:
            if update.error_type == "client_cancelled" or self._cancel_requested:
                message = f"{self._cancel_reason} at {self._target.label}"
                self._end(State.CANCELLED, message)
                if self._cancel_reason.startswith("timed out"):
                    raise errors.JobTimeout(message, request_id=self.request_id)
                raise errors.JobCancelled(message, request_id=self.request_id)
            message = f"{self._target.label} reports the job failed: {update.error or update.error_type}"
            self._journal(error_type=update.error_type)
            self._end(State.FAILED, message)
            raise errors.JobFailed(
                message,
                request_id=self.request_id,
                error_type=update.error_type,
                hint="Failed jobs are not charged; run the cell again to retry",
            )
        data = await self._fetch_result()
        if data.get("seed") is None and self.spec.arguments.get("seed") is not None:
            data = {**data, "seed": self.spec.arguments["seed"]}  # a provider that does not echo it
        self._journal(result=data, seed=data.get("seed"), video_url=(data.get("video") or {}).get("url"))
        return await self._download(data, update)

    async def _fetch_result(self) -> dict[str, Any]:
        assert self._handle is not None
        delay = 0.5
        for attempt in range(1, 9):
            try:
                return await self.backend.result(self._handle)
            except (errors.Unavailable, errors.RateLimited) as exc:
                if attempt == 8:
                    label = self._target.label
                    raise errors.Unavailable(
                        f"{label} finished the video but the result could not be fetched: {exc.message}",
                        request_id=self.request_id,
                        hint=f"Nothing is lost: `%seedance resume {self.request_id}` fetches it later",
                    ) from exc
                self._publish(trouble=f"fetching the result: {exc.message}; retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")

    async def _download(self, data: dict[str, Any], update: StatusUpdate) -> Result:
        video = data.get("video") or {}
        url = video.get("url")
        if not url:
            raise errors.JobFailed(
                f"{self._target.label}'s result has no video URL", request_id=self.request_id
            )
        self._publish(state=State.DOWNLOADING, progress=1.0)
        self._journal(State.DOWNLOADING)
        dest = output_path(
            self._rt.settings.output_dir, self.spec.arguments, data.get("seed"), self.request_id
        )
        downloaded = time.monotonic()

        def progress(have: int, total: int | None) -> None:
            self._publish(downloaded=have, download_total=total)

        path = await self.backend.download(
            url,
            dest,
            expected_size=video.get("file_size"),
            attempts=self._rt.settings.download_attempts,
            progress=progress,
            request_id=self.request_id,
        )
        now = time.monotonic()
        snap = self._snap
        timings = {
            "queued_s": round((snap.running_since or now) - snap.started, 3),
            "running_s": round(downloaded - (snap.running_since or downloaded), 3),
            "download_s": round(now - downloaded, 3),
            "total_s": round(now - snap.started, 3),
        }
        result = Result.build(
            endpoint=self.spec.endpoint_id,
            arguments=dict(self.spec.arguments),
            request_id=self.request_id,
            data=data,
            path=path,
            emulated=self._target.emulated,
            provider=self._target.provider,
            timings=timings,
            input_video_seconds=self.spec.input_video_seconds,
            reproduce=self.spec.reproduce,
            inputs=self.spec.inputs,
            inference_time=update.metrics.get("inference_time"),
        )
        self._journal(State.COMPLETED, path=str(path.resolve()), cost_usd=result.cost_usd, timings=timings)
        if not result.emulated:
            self._rt.record_spend(result.cost_usd)
        self._publish(state=State.COMPLETED, result=result, finished=now, trouble=None, cancelling=False)
        return result

    # ------------------------------------------------------------------ other

    async def _refetch_main(self, cached: Result) -> Result:
        self._publish(state=State.DOWNLOADING)
        dest = cached.path or output_path(
            self._rt.settings.output_dir, cached.arguments, cached.seed, self.request_id
        )
        try:
            path = await self.backend.download(cached.video_url, dest, attempts=2, request_id=self.request_id)
        except errors.DownloadFailed as exc:
            message = (
                f"the cached video {dest} is gone and its URL no longer works ({exc.message}); "
                "run the cell with --no-cache to make it again"
            )
            self._end(State.FAILED, message, record_state=False)
            raise errors.DownloadFailed(message, request_id=self.request_id) from None
        result = replace(cached, path=path)
        self._publish(state=State.COMPLETED, result=result, finished=time.monotonic())
        return result


_SLUG = re.compile(r"[^a-z0-9]+")


def output_path(folder: Path, arguments: Mapping[str, Any], seed: Any, request_id: str | None) -> Path:
    """seedance_outputs/20261122-143005_hummingbird-at-a-neon_s42_1a2b3c4d.mp4"""
    slug = _SLUG.sub("-", str(arguments.get("prompt", "")).lower())[:40].strip("-") or "video"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rid = (request_id or "local").replace("-", "")[:8]
    return Path(folder) / f"{stamp}_{slug}_s{seed}_{rid}.mp4"
