"""`Run`: one job's way through its provider, the steps a Job's task takes.

    [slot] -> upload the inputs -> submit -> journal the request id
           -> follow (stream, else adaptive polling) -> fetch the result
           -> download the MP4 -> probe it -> Result

or, for a cached result whose file is gone, the download alone. What it learns goes
into the job's Ledger (snapshot and journal row); following and fetching are its
collaborators (following.py, fetching.py).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import errors
from ..model import JobSpec, Result
from ..settings import Target
from ..spec.endpoints import DEFAULT_DURATION, DEFAULT_RESOLUTION
from ..spec.states import State
from .backends.base import Backend, Handle, StatusUpdate
from .fetching import Fetching, ended, output_path
from .following import Following, Pace, changes
from .ledger import Ledger

if TYPE_CHECKING:
    from ..media.upload import SharedUpload
    from .gate import Gated, SlotGate
    from .runtime import Runtime


class Run:
    """The steps of one job (`owner`, the Job, is what waits at the slot gate). `handle`
    is set once the provider has the job; the cancel fields are set by Job.cancel."""

    def __init__(
        self,
        owner: Gated,
        spec: JobSpec,
        runtime: Runtime,
        ledger: Ledger,
        *,
        target: Target | None = None,
        gate: SlotGate | None = None,
        upload: SharedUpload | None = None,
    ) -> None:
        self.owner = owner
        self.spec = spec
        self.runtime = runtime
        self.ledger = ledger
        self.target_now = target
        self.gate = gate
        self.upload = upload
        self.handle: Handle | None = None
        self.refetch: Result | None = None
        self.sent: dict[str, Any] | None = None  # the arguments sent, the inputs' URLs in them
        self.cancel_requested = False
        self.cancel_reason = "cancelled"
        self._typical: float | None = None

    @property
    def target(self) -> Target:
        if self.target_now is None:
            self.target_now = self.runtime.target(self.spec.provider)
        return self.target_now

    @property
    def backend(self) -> Backend:
        return self.runtime.backend(self.target)

    async def main(self) -> Result:
        if self.target_now is None:
            self.target_now = await asyncio.to_thread(self.runtime.target, self.spec.provider)
            self.ledger.publish(emulated=self.target_now.emulated)
        if self.refetch is not None:
            return await self._download_again(self.refetch)
        if self.handle is None:
            await self._submit()
        update = await self._follow()
        return await self._finish(update)

    # ----------------------------------------------------------------- submit
    async def _submit(self) -> None:
        target, spec, ledger = self.target, self.spec, self.ledger
        ledger.open(
            endpoint=spec.endpoint_id,
            arguments=spec.arguments,
            cache_key=spec.cache_key,
            provider=target.provider,
            base_url=target.base_url,
            emulated=target.emulated,
            estimate=(spec.estimate.low, spec.estimate.high),
            reproduce=spec.reproduce,
            inputs=list(spec.inputs),
            group_id=spec.group,
            group_index=spec.group_index,
        )
        if self.gate is not None:
            await self.gate.acquire(self.owner)
        arguments = dict(spec.arguments)
        if spec.uploads is not None and spec.uploads.needs_upload:
            from ..media.upload import SharedUpload

            upload = self.upload or SharedUpload(spec.uploads, ledger.journal, target.upload_scope)
            ledger.publish(state=State.PENDING, uploads=())
            arguments.update(await upload.urls(self.backend, self.upload_progress))
            ledger.write(arguments=arguments)
            self.sent = arguments
        ledger.publish(state=State.SUBMITTING)
        ledger.write(State.SUBMITTING)
        self.attach(await self.backend.submit(spec.endpoint_id, arguments))
        if self.cancel_requested:
            await self.cancel_remote()

    def attach(self, handle: Handle) -> None:
        """Record the request id on disk (committed) before anything else happens."""
        self.handle = handle
        self.ledger.write(
            State.QUEUED,
            request_id=handle.request_id,
            status_url=handle.status_url,
            response_url=handle.response_url,
            cancel_url=handle.cancel_url,
        )
        self.ledger.publish(state=State.QUEUED, request_id=handle.request_id)

    def upload_progress(self, name: str, status: str) -> None:
        """One line per input file while uploading: `cat.png: uploaded 1.2 MB`."""
        lines = [line for line in self.ledger.snapshot.uploads if not line.startswith(f"{name}: ")]
        self.ledger.publish(uploads=(*lines, f"{name}: {status}"))

    async def cancel_remote(self) -> None:
        assert self.handle is not None
        try:
            await self.backend.cancel(self.handle)
        except errors.SeedanceError as exc:
            self.ledger.publish(trouble=f"cancel failed: {exc}", cancelling=False)
            self.cancel_requested = False

    # ----------------------------------------------------------------- follow
    async def _follow(self) -> StatusUpdate:
        assert self.handle is not None
        settings = self.runtime.settings
        following = Following(
            self.backend,
            self.handle,
            Pace(settings.use_stream, settings.poll_initial, settings.poll_max, settings.poll_factor),
            on_update=self._apply,
            on_trouble=lambda text: self.ledger.publish(trouble=text),
            remaining=self._remaining,
        )
        return await following.follow()

    def _apply(self, update: StatusUpdate) -> bool:
        """A status seen: the snapshot (and, on the first sign of running, the journal)
        follow it. True when the state changed."""
        snap = self.ledger.snapshot
        found = changes(snap, update, time.monotonic())
        if "running_since" in found:
            self.ledger.write(State.RUNNING)
        if found.get("state") is State.RUNNING:
            found["progress"] = self._progress(found.get("running_since", snap.running_since))
        if any(getattr(snap, k) != v for k, v in found.items()):
            self.ledger.publish(**found)
        return self.ledger.snapshot.state != snap.state

    def _typical_run(self) -> float:
        """How long past jobs of this shape ran at the provider (0: none known)."""
        if self._typical is None:
            args = self.spec.arguments
            runs = self.ledger.journal.run_durations(
                self.spec.endpoint_id,
                str(args.get("resolution", DEFAULT_RESOLUTION)),
                str(args.get("duration", DEFAULT_DURATION)),
            )
            self._typical = statistics.median(runs) if runs else 0.0
        return self._typical

    def _progress(self, running_since: float | None) -> float | None:
        typical = self._typical_run()
        if not typical or running_since is None:
            return None
        return min(0.97, (time.monotonic() - running_since) / typical)

    def _remaining(self) -> float | None:
        typical, since = self._typical_run(), self.ledger.snapshot.running_since
        return None if not typical or since is None else typical - (time.monotonic() - since)

    # ----------------------------------------------------------------- finish
    async def _finish(self, update: StatusUpdate) -> Result:
        """The job is COMPLETED at the provider: its outcome, or its video downloaded."""
        assert self.handle is not None
        ledger, label = self.ledger, self.target.label
        if update.error or update.error_type:
            state, message, error = ended(
                update,
                label,
                cancelled=self.cancel_requested,
                reason=self.cancel_reason,
                request_id=self.handle.request_id,
            )
            if state is State.FAILED:
                ledger.write(error_type=update.error_type)
            ledger.end(state, message)
            raise error
        fetching = Fetching(self.backend, self.handle, label, on_trouble=lambda t: ledger.publish(trouble=t))
        data = await fetching.result()
        if data.get("seed") is None and self.spec.arguments.get("seed") is not None:
            data = {**data, "seed": self.spec.arguments["seed"]}  # a provider that does not echo it
        video = data.get("video") or {}
        ledger.write(result=data, seed=data.get("seed"), video_url=video.get("url"))
        if not video.get("url"):
            raise errors.JobFailed(f"{label}'s result has no video URL", request_id=self.handle.request_id)
        ledger.publish(state=State.DOWNLOADING, progress=1.0)
        ledger.write(State.DOWNLOADING)
        settings = self.runtime.settings
        dest = output_path(settings.output_dir, self.spec.arguments, data.get("seed"), self.handle.request_id)
        downloaded = time.monotonic()
        path, media = await fetching.video(
            video,
            dest,
            attempts=settings.download_attempts,
            progress=lambda have, total: ledger.publish(downloaded=have, download_total=total),
        )
        result = self._result(data, path, media, downloaded)
        measured = {k: v for k, v in media.items() if v is not None} or None
        ledger.write(
            State.COMPLETED,
            path=str(path.resolve()),
            cost_usd=result.cost_usd,
            timings=result.timings,
            media=measured,
        )
        if not result.emulated:
            self.runtime.record_spend(result.cost_usd)
        ledger.publish(
            state=State.COMPLETED, result=result, finished=time.monotonic(), trouble=None, cancelling=False
        )
        return result

    def _result(self, data: dict[str, Any], path: Any, media: dict[str, Any], downloaded: float) -> Result:
        snap, spec, now = self.ledger.snapshot, self.spec, time.monotonic()
        timings = {
            "queued_s": round((snap.running_since or now) - snap.started, 3),
            "running_s": round(downloaded - (snap.running_since or downloaded), 3),
            "download_s": round(now - downloaded, 3),
            "total_s": round(now - snap.started, 3),
        }
        return Result.build(
            endpoint=spec.endpoint_id,
            arguments=dict(self.sent or spec.arguments),
            request_id=snap.request_id,
            data=data,
            path=path,
            emulated=self.target.emulated,
            provider=self.target.provider,
            timings=timings,
            input_video_seconds=spec.input_video_seconds,
            reproduce=spec.reproduce,
            inputs=spec.inputs,
            **media,
        )

    async def _download_again(self, cached: Result) -> Result:
        """A cached result whose file is gone: its URL downloaded again, nothing submitted."""
        ledger = self.ledger
        ledger.publish(state=State.DOWNLOADING)
        request_id = cached.request_id
        dest = cached.path or output_path(
            self.runtime.settings.output_dir, cached.arguments, cached.seed, request_id
        )
        try:
            path = await self.backend.download(cached.video_url, dest, attempts=2, request_id=request_id)
        except errors.DownloadFailed as exc:
            message = (
                f"the cached video {dest} is gone and its URL no longer works ({exc.message}); "
                "run the cell with --no-cache to make it again"
            )
            ledger.end(State.FAILED, message, record_state=False)
            raise errors.DownloadFailed(message, request_id=request_id) from None
        result = replace(cached, path=path)
        ledger.publish(state=State.COMPLETED, result=result, finished=time.monotonic())
        return result
