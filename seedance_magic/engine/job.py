"""The job engine: one `Job` takes one request through its provider, start to finish.

    [slot] -> upload the inputs -> submit -> journal the request id
           -> follow (stream, else adaptive polling) -> fetch the result
           -> download the MP4 -> probe it -> Result

A job runs as a task on the runtime's loop (the kernel's own loop in Jupyter), emits a
`Snapshot` to its subscribers on every change (views render snapshots; they never reach
into the job), and is awaited with `await job` or `job.wait()`. Following and fetching
are its collaborators (following.py, fetching.py); this module owns the lifecycle, the
snapshot and the journal row. Nothing paid for is lost: the request id is committed
before the first status call, status failures are retried with backoff for as long as
the job may still be running, a finished video is always downloaded, and a submit whose
response was lost is recorded as "unknown", never resent. Creating a Job does no I/O.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors
from ..model import JobSpec, Result, Snapshot
from ..render.html import status_html
from ..render.text import status_line
from ..settings import Target
from ..spec.endpoints import DEFAULT_DURATION, DEFAULT_RESOLUTION
from ..spec.providers import get as get_provider
from ..spec.states import State
from ..store.journal import JobRecord, Journal
from ..store.records import spec_from_record
from .backends.base import Backend, Handle, StatusUpdate
from .fetching import Fetching, output_path
from .following import Following, Pace
from .wait import block

if TYPE_CHECKING:
    from ..media.upload import SharedUpload
    from .gate import SlotGate
    from .runtime import Runtime

__all__ = ["Job", "JobSpec", "Result", "Snapshot", "State"]

log = logging.getLogger(__name__)


class Job:
    """One generation at a provider. Create with a JobSpec and its runtime, then `start()`;
    or `Job.replay()`, `Job.refetch()`, `Job.resume()`. `target` is where it goes (default:
    the provider's target, resolved when it starts); `gate` bounds how many jobs of its
    group are sent at once; `upload` is an upload of its inputs shared with other jobs."""

    def __init__(
        self,
        spec: JobSpec,
        runtime: Runtime,
        *,
        target: Target | None = None,
        gate: SlotGate | None = None,
        upload: SharedUpload | None = None,
    ) -> None:
        self.spec = spec
        self._rt = runtime
        self._target = target
        self._gate = gate
        self._upload = upload
        self._journal_path = Path(runtime.settings.journal)  # the journal this job writes to
        self.key = f"job-{id(self):x}"
        self.journal_id: str | None = None
        self._handle: Handle | None = None
        guess = target or runtime.known_target(spec.provider)
        self._snap = Snapshot(
            key=self.key,
            state=State.PENDING,
            endpoint_id=spec.endpoint_id,
            estimate=spec.estimate,
            emulated=guess.emulated if guess is not None else runtime.would_emulate(spec.provider),
            provider=spec.provider,
            cancellable=get_provider(spec.provider).can_cancel,
            started=time.monotonic(),
            caption=spec.caption,
        )
        self._subscribers: list[Callable[[Snapshot], None]] = []
        self._task: asyncio.Task[Result] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_requested = False
        self._cancel_reason = "cancelled"
        self._typical_run: float | None = None
        self._refetch: Result | None = None
        runtime.register(self)

    # ----------------------------------------------------------------- public
    @property
    def status(self) -> State:
        return self._snap.state

    @property
    def request_id(self) -> str | None:
        return self._snap.request_id

    @property
    def result(self) -> Result | None:
        return self._snap.result

    @property
    def snapshot(self) -> Snapshot:
        return self._snap

    @property
    def done(self) -> bool:
        return self._snap.state.terminal

    @property
    def runtime(self) -> Runtime:
        return self._rt

    @property
    def target(self) -> Target:
        """Where the job goes (resolved now if it was not yet)."""
        if self._target is None:
            self._target = self._rt.target(self.spec.provider)
        return self._target

    @property
    def backend(self) -> Backend:
        return self._rt.backend(self.target)

    @property
    def journal(self) -> Journal:
        """The journal this job was created with (a later `journal_path` change does not move it)."""
        return self._rt.journal_at(self._journal_path)

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def start(self) -> Job:
        """Schedule the job on the runtime's loop and return at once."""
        if self._task is None and not self.done:
            self._loop = self._rt.loop()
            self._task = self._loop.create_task(self._main(), name=self.key)
            self._rt.active.add(self)
        return self

    def __await__(self) -> Generator[Any, None, Result]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> Result:
        self.start()
        if self._task is not None:
            await asyncio.wait({self._task})
        return self._outcome()

    def wait(self, timeout: float | None = None) -> Result:
        """Block until the job ends and return its Result (or raise its error). Works in
        scripts and, reentrantly, inside a running kernel loop. Ctrl-C cancels the job at
        its provider, then raises KeyboardInterrupt."""
        self.start()
        if self._task is None:  # a replayed result: nothing to run
            return self._outcome()
        assert self._loop is not None
        try:
            block(self._loop, self._task, timeout=timeout, on_interrupt=self.cancel)
        except asyncio.TimeoutError:
            raise errors.JobTimeout(
                f"the job is still {self.status.value} after {timeout} s",
                request_id=self.request_id,
                hint="It keeps running; call .wait() again or look at `%seedance jobs`",
            ) from None
        return self._outcome()

    def cancel(self, reason: str = "cancelled") -> None:
        """Cancel at the provider (or before sending, if not yet submitted)."""
        if self.done or self._cancel_requested:
            return
        self._cancel_requested = True
        self._cancel_reason = reason
        if self._handle is not None and self._loop is not None:
            self._publish(cancelling=True)
            self._loop.create_task(self._cancel_remote())
        elif self._snap.state == State.PENDING and self._task is not None:
            self._task.cancel()
            self._end(State.CANCELLED, "cancelled before it was sent: nothing was charged")
        else:
            self._publish(cancelling=True)  # submitting: cancelled as soon as the provider answers

    def set_waiting(self, reason: str | None) -> None:
        """Say why the job has not been sent yet (e.g. waiting for a grid slot)."""
        self._publish(waiting=reason)

    def upload_progress(self, name: str, status: str) -> None:
        """One line per input file while uploading: `cat.png: uploaded 1.2 MB`."""
        lines = [line for line in self._snap.uploads if not line.startswith(f"{name}: ")]
        self._publish(uploads=(*lines, f"{name}: {status}"))

    def __repr__(self) -> str:
        return f"<seedance Job {status_line(self._snap)}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Text and HTML of the job as it stands (the notebook layer shows a live widget
        instead where one can render)."""
        if self.result is not None:
            return self.result._repr_mimebundle_(include, exclude)
        prompt = str(self.spec.arguments.get("prompt", ""))
        return {"text/plain": status_line(self._snap), "text/html": status_html(self._snap, prompt=prompt)}

    # -------------------------------------------------------------- internals
    def _outcome(self) -> Result:
        if self._snap.result is not None:
            return self._snap.result
        if self._task is None or not self._task.done():
            raise errors.JobCancelled(self._snap.error or "the job was cancelled", request_id=self.request_id)
        exc = None if self._task.cancelled() else self._task.exception()
        if exc is not None:
            raise exc
        raise errors.JobCancelled(self._snap.error or "the job was cancelled", request_id=self.request_id)

    def _publish(self, **changes: Any) -> None:
        changes.setdefault("new_logs", ())
        self._snap = replace(self._snap, **changes)
        for callback in list(self._subscribers):
            try:
                callback(self._snap)
            except Exception:  # a broken view must never break the job
                log.exception("a job subscriber failed")

    def _journal(self, state: State | None = None, detail: str | None = None, **fields: Any) -> None:
        if self.journal_id is not None:
            self.journal.update(
                self.journal_id, state=state.value if state else None, detail=detail, **fields
            )

    async def _main(self) -> Result:
        timer = None
        if self.spec.timeout is not None:
            timer = asyncio.get_running_loop().call_later(
                self.spec.timeout, self.cancel, f"timed out after {self.spec.timeout:g} s"
            )
        try:
            if self._target is None:
                self._target = await asyncio.to_thread(self._rt.target, self.spec.provider)
                self._publish(emulated=self._target.emulated)
            if self._refetch is not None:
                return await self._refetch_main(self._refetch)
            if self._handle is None:
                await self._submit()
            update = await self._follow()
            return await self._finish(update)
        except asyncio.CancelledError:
            if self._handle is None and not self.done:
                self._end(State.CANCELLED, "cancelled before it was sent: nothing was charged")
            raise
        except errors.SubmitOutcomeUnknown as exc:
            self._end(State.UNKNOWN, str(exc))
            raise
        except errors.SeedanceError as exc:
            if exc.request_id is None and self.request_id:
                exc.request_id = self.request_id
            if not self.done:
                # Submitted: the provider may still finish (or have finished) the job, so its row
                # keeps its state for `%seedance resume` and the list of unfinished jobs.
                self._end(State.FAILED, str(exc), record_state=self._handle is None)
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if self._gate is not None:
                self._gate.release(self)
            self._rt.active.discard(self)

    def _end(self, state: State, message: str, *, record_state: bool = True) -> None:
        """End the job in this process; with `record_state=False` the journal row keeps
        its state and gets only the error."""
        self._journal(state if record_state else None, detail=message, error=message)
        self._publish(state=state, error=message, finished=time.monotonic(), cancelling=False)

    # ----------------------------------------------------------------- submit
    async def _submit(self) -> None:
        target = self.target
        spec = self.spec
        self.journal_id = self.journal.create(
            endpoint=spec.endpoint_id,
            arguments=spec.arguments,
            cache_key=spec.cache_key,
            provider=target.provider,
            base_url=target.base_url,
            emulated=target.emulated,
            estimate=(spec.estimate.low, spec.estimate.high),
            reproduce=spec.reproduce,
            inputs=list(spec.inputs),
        )
        if self._gate is not None:
            await self._gate.acquire(self)
        arguments = dict(spec.arguments)
        if spec.uploads is not None and spec.uploads.needs_upload:
            from ..media.upload import SharedUpload

            upload = self._upload or SharedUpload(spec.uploads, self.journal, target.upload_scope)
            self._publish(state=State.PENDING, uploads=())
            arguments.update(await upload.urls(self.backend, self.upload_progress))
            self._journal(arguments=arguments)
        self._publish(state=State.SUBMITTING)
        self._journal(State.SUBMITTING)
        handle = await self.backend.submit(spec.endpoint_id, arguments)
        self._attach(handle)
        if self._cancel_requested:
            await self._cancel_remote()

    def _attach(self, handle: Handle) -> None:
        """Record the request id on disk (committed) before anything else happens."""
        self._handle = handle
        self._journal(
            State.QUEUED,
            request_id=handle.request_id,
            status_url=handle.status_url,
            response_url=handle.response_url,
            cancel_url=handle.cancel_url,
        )
        self._publish(state=State.QUEUED, request_id=handle.request_id)

    async def _cancel_remote(self) -> None:
        assert self._handle is not None
        try:
            await self.backend.cancel(self._handle)
        except errors.SeedanceError as exc:
            self._publish(trouble=f"cancel failed: {exc}", cancelling=False)
            self._cancel_requested = False

    # ----------------------------------------------------------------- follow
    async def _follow(self) -> StatusUpdate:
        assert self._handle is not None
        settings = self._rt.settings
        pace = Pace(settings.use_stream, settings.poll_initial, settings.poll_max, settings.poll_factor)
        following = Following(
            self.backend,
            self._handle,
            pace,
            on_update=self._apply,
            on_trouble=lambda text: self._publish(trouble=text),
            remaining=self._remaining,
        )
        return await following.follow()

    def _apply(self, update: StatusUpdate) -> bool:
        """A status seen: the snapshot (and, on the first sign of running, the journal)
        follow it. True when the state changed."""
        snap = self._snap
        logs = update.logs if len(update.logs) >= len(snap.logs) else snap.logs + update.logs
        changes: dict[str, Any] = {"logs": logs, "new_logs": logs[len(snap.logs) :], "trouble": None}
        if update.state == "IN_QUEUE":
            changes.update(state=State.QUEUED, queue_position=update.queue_position)
        elif update.state in {"IN_PROGRESS", "COMPLETED"}:
            if snap.state != State.RUNNING and snap.running_since is None:
                changes["running_since"] = time.monotonic()
                self._journal(State.RUNNING)
            changes.update(state=State.RUNNING, queue_position=None, progress=self._progress(snap))
        if any(getattr(snap, k) != v for k, v in changes.items()):
            self._publish(**changes)
        return self._snap.state != snap.state

    def _typical(self) -> float:
        """How long past jobs of this shape ran at the provider (0: none known)."""
        if self._typical_run is None:
            args = self.spec.arguments
            runs = self.journal.run_durations(
                self.spec.endpoint_id,
                str(args.get("resolution", DEFAULT_RESOLUTION)),
                str(args.get("duration", DEFAULT_DURATION)),
            )
            self._typical_run = statistics.median(runs) if runs else 0.0
        return self._typical_run

    def _progress(self, snap: Snapshot) -> float | None:
        typical = self._typical()
        if not typical or snap.running_since is None:
            return None
        return min(0.97, (time.monotonic() - snap.running_since) / typical)

    def _remaining(self) -> float | None:
        typical = self._typical()
        if not typical or self._snap.running_since is None:
            return None
        return typical - (time.monotonic() - self._snap.running_since)

    # ----------------------------------------------------------------- finish
    async def _finish(self, update: StatusUpdate) -> Result:
        """The job is COMPLETED at the provider: its outcome, or its video downloaded."""
        assert self._handle is not None
        label = self.target.label
        if update.error or update.error_type:
            if update.error_type == "client_cancelled" or self._cancel_requested:
                message = f"{self._cancel_reason} at {label}"
                self._end(State.CANCELLED, message)
                if self._cancel_reason.startswith("timed out"):
                    raise errors.JobTimeout(message, request_id=self.request_id)
                raise errors.JobCancelled(message, request_id=self.request_id)
            message = f"{label} reports the job failed: {update.error or update.error_type}"
            self._journal(error_type=update.error_type)
            self._end(State.FAILED, message)
            raise errors.JobFailed(
                message,
                request_id=self.request_id,
                error_type=update.error_type,
                hint="Failed jobs are not charged; run the cell again to retry",
            )
        fetching = Fetching(
            self.backend, self._handle, label, on_trouble=lambda text: self._publish(trouble=text)
        )
        data = await fetching.result()
        if data.get("seed") is None and self.spec.arguments.get("seed") is not None:
            data = {**data, "seed": self.spec.arguments["seed"]}  # a provider that does not echo it
        video = data.get("video") or {}
        self._journal(result=data, seed=data.get("seed"), video_url=video.get("url"))
        if not video.get("url"):
            raise errors.JobFailed(f"{label}'s result has no video URL", request_id=self.request_id)
        self._publish(state=State.DOWNLOADING, progress=1.0)
        self._journal(State.DOWNLOADING)
        dest = output_path(
            self._rt.settings.output_dir, self.spec.arguments, data.get("seed"), self.request_id
        )
        downloaded = time.monotonic()
        path = await fetching.download(
            str(video["url"]),
            dest,
            expected_size=video.get("file_size"),
            attempts=self._rt.settings.download_attempts,
            progress=lambda have, total: self._publish(downloaded=have, download_total=total),
        )
        media = await asyncio.to_thread(_probe, path)
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
            emulated=self.target.emulated,
            provider=self.target.provider,
            timings=timings,
            input_video_seconds=self.spec.input_video_seconds,
            reproduce=self.spec.reproduce,
            inputs=self.spec.inputs,
            inference_time=update.metrics.get("inference_time"),
            **media,
        )
        self._journal(
            State.COMPLETED,
            path=str(path.resolve()),
            cost_usd=result.cost_usd,
            timings=timings,
            media={k: v for k, v in media.items() if v is not None} or None,
        )
        if not result.emulated:
            self._rt.record_spend(result.cost_usd)
        self._publish(state=State.COMPLETED, result=result, finished=now, trouble=None, cancelling=False)
        return result

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

    # ----------------------------------------------------------- other starts
    @classmethod
    def replay(cls, spec: JobSpec, result: Result, runtime: Runtime) -> Job:
        """A job that is already complete: a cached result shown again, for $0."""
        job = cls(spec, runtime)
        job._snap = replace(
            job._snap,
            state=State.COMPLETED,
            request_id=result.request_id,
            result=result,
            finished=time.monotonic(),
            emulated=result.emulated,
        )
        return job

    @classmethod
    def refetch(cls, spec: JobSpec, result: Result, runtime: Runtime) -> Job:
        """A cached result whose file is gone: download it again from its URL, no submit."""
        job = cls(spec, runtime)
        job._refetch = result
        job._snap = replace(job._snap, request_id=result.request_id, emulated=result.emulated)
        return job

    @classmethod
    def resume(cls, record: JobRecord, runtime: Runtime) -> Job:
        """Reattach to a job submitted earlier (by any process) without submitting again."""
        spec = spec_from_record(record)
        if not record.request_id or not record.status_url:
            provider = get_provider(record.provider)
            raise errors.InvalidRequest(
                f"job {record.id} has no request id: its submit never reached {provider.label} "
                "or its outcome is unknown",
                hint=f"Check {provider.dashboard} for a request made at that time before running it again",
            )
        target = runtime.target_for(record.provider, record.base_url, record.emulated)
        job = cls(spec, runtime, target=target)
        job.journal_id = record.id
        job._handle = Handle(
            record.endpoint,
            record.request_id,
            record.status_url,
            record.response_url or record.status_url,
            record.cancel_url or "",
        )
        job._snap = replace(job._snap, state=State.QUEUED, request_id=record.request_id)
        job.journal.adopt(record.id)
        return job


def _probe(path: Path) -> dict[str, Any]:
    """What the downloaded file is (width, height, duration, has_audio); None for what
    could not be measured (PyAV absent, an odd file)."""
    try:
        from ..media.video import probe

        info = probe(path)
    except Exception:  # probing is a nicety: the video is saved either way
        return {"width": None, "height": None, "duration": None, "has_audio": None}
    return {
        "width": info.width,
        "height": info.height,
        "duration": info.duration_s,
        "has_audio": info.has_audio,
    }
