"""The job engine: one `Job` takes one request through its provider, start to finish.

    submit -> journal the request id -> follow (stream, else adaptive polling)
           -> fetch the result -> download the MP4 -> Result

A job runs as a task on the runtime's loop (the kernel's own loop in Jupyter), emits a
`Snapshot` to its subscribers on every change (the UI renders snapshots; it never reaches
into the job), and is awaited with `await job` or `job.wait()`. Nothing paid for is lost:
the request id is committed before the first status call, status failures are retried
with backoff for as long as the job may still be running, a finished video is always
downloaded, and a submit whose response was lost is recorded as "unknown", never resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import errors
from .backends.base import Handle
from .endpoints import CostEstimate, estimate_cost, find_endpoint
from .fetch import Fetching, output_path
from .follow import Following
from .interrupts import reentrant, sigint_stops
from .jobstate import JobSpec, Snapshot, State
from .providers import get as get_provider
from .result import Result

if TYPE_CHECKING:
    from collections.abc import Generator

    from .backends.base import Backend
    from .runtime import Runtime
    from .settings import Target
    from .store import JobRecord


def spec_from_record(record: JobRecord) -> JobSpec:
    """The JobSpec of a journalled job, its estimate recomputed from the arguments."""
    endpoint = find_endpoint(record.endpoint)
    args = record.arguments
    estimate = (
        estimate_cost(
            endpoint,
            resolution=str(args.get("resolution", "720p")),
            aspect_ratio=str(args.get("aspect_ratio", "auto")),
            duration=str(args.get("duration", "auto")),
        )
        if endpoint
        else CostEstimate(record.estimate_low or 0.0, record.estimate_high or 0.0)
    )
    return JobSpec(
        record.endpoint,
        args,
        estimate,
        cache_key=record.cache_key,
        reproduce=record.reproduce,
        inputs=tuple(record.inputs or ()),
        provider=record.provider,
    )


__all__ = ["Job", "JobSpec", "Result", "Snapshot", "State", "output_path"]

log = logging.getLogger(__name__)


class Job(Following, Fetching):
    """One generation at a provider. Create with a JobSpec and `start()`, or `Job.resume()`."""

    def __init__(
        self, spec: JobSpec, runtime: Runtime | None = None, *, target: Target | None = None
    ) -> None:
        from .runtime import get_runtime

        self.spec = spec
        self._rt = runtime or get_runtime()
        self._target = target or self._rt.target(spec.provider)
        self.key = f"job-{id(self):x}"
        self.journal_id: str | None = None
        self._handle: Handle | None = None
        self._snap = Snapshot(
            key=self.key,
            state=State.PENDING,
            endpoint_id=spec.endpoint_id,
            estimate=spec.estimate,
            emulated=self._target.emulated,
            provider=self._target.provider,
            cancellable=get_provider(self._target.provider).can_cancel,
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
        self._rt.register(self)

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
        if self._task is None:
            return self._outcome()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._task)
        return self._outcome()

    def wait(self, timeout: float | None = None) -> Result:
        """Block until the job ends and return its Result (or raise its error). Works in
        scripts and, through nest_asyncio, inside a running kernel loop. Ctrl-C cancels
        the job at its provider, then raises KeyboardInterrupt (here, never inside the job's code)."""
        self.start()
        if self._task is None:  # a replayed result: nothing to run
            return self._outcome()
        assert self._loop is not None
        loop = self._loop
        with reentrant(loop):
            return self._wait_in(loop, timeout)

    def _wait_in(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> Result:
        assert self._task is not None
        waiter = loop.create_task(asyncio.wait_for(asyncio.shield(self._task), timeout))
        with sigint_stops(loop, waiter) as interrupted:
            try:
                loop.run_until_complete(waiter)
            except asyncio.CancelledError:
                pass  # the job was cancelled (_outcome() says so), or Ctrl-C (below)
            except asyncio.TimeoutError:
                if self._task.done():  # the job's own --timeout: JobTimeout is a TimeoutError too
                    return self._outcome()
                raise errors.JobTimeout(
                    f"the job is still {self.status.value} after {timeout} s",
                    request_id=self.request_id,
                    hint="It keeps running; call .wait() again or look at `%seedance jobs`",
                ) from None
            if interrupted.is_set():
                self.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(asyncio.wait_for(asyncio.shield(self._task), 15))
                raise KeyboardInterrupt
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

    def __repr__(self) -> str:
        from .ui.text import status_line

        return f"<seedance Job {status_line(self._snap)}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .ui.text import status_line

        if self.result is not None:
            return self.result._repr_mimebundle_(include, exclude)
        from .commands import live_widgets

        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        if live_widgets(shell, self._rt):
            from .ui.progress import JobView

            bundle: dict[str, Any] = JobView(self)._repr_mimebundle_()
            return bundle
        return {"text/plain": status_line(self._snap)}

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
            self._rt.journal.update(
                self.journal_id, state=state.value if state else None, detail=detail, **fields
            )

    @property
    def backend(self) -> Backend:
        return self._rt.backend(self._target)

    @property
    def runtime(self) -> Runtime:
        return self._rt

    @property
    def target(self) -> Target:
        return self._target

    def set_waiting(self, reason: str | None) -> None:
        """Say why the job has not been sent yet (e.g. waiting for a grid slot)."""
        self._publish(waiting=reason)

    def upload_progress(self, name: str, status: str) -> None:
        """One line per input file while uploading: `cat.png: uploaded 1.2 MB`."""
        lines = [line for line in self._snap.uploads if not line.startswith(f"{name}: ")]
        self._publish(uploads=(*lines, f"{name}: {status}"))

    async def _main(self) -> Result:
        timer = None
        if self.spec.timeout is not None:
            timer = asyncio.get_running_loop().call_later(
                self.spec.timeout, self.cancel, f"timed out after {self.spec.timeout:g} s"
            )
        try:
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
            self._rt.active.discard(self)

    def _end(self, state: State, message: str, *, record_state: bool = True) -> None:
        """End the job in this process; with `record_state=False` the journal row keeps
        its state and gets only the error."""
        self._journal(state if record_state else None, detail=message, error=message)
        self._publish(state=state, error=message, finished=time.monotonic(), cancelling=False)

    async def _submit(self) -> None:
        target = self._target
        self.journal_id = self._rt.journal.create(
            endpoint=self.spec.endpoint_id,
            arguments=self.spec.arguments,
            cache_key=self.spec.cache_key,
            provider=target.provider,
            base_url=target.base_url,
            emulated=target.emulated,
            estimate=(self.spec.estimate.low, self.spec.estimate.high),
            reproduce=self.spec.reproduce,
            inputs=list(self.spec.inputs),
        )
        arguments = dict(self.spec.arguments)
        if self.spec.prepare is not None:
            self._publish(state=State.PENDING, uploads=())
            arguments = await self.spec.prepare(self.backend, self)
            self._journal(arguments=arguments)
        self._publish(state=State.SUBMITTING)
        self._journal(State.SUBMITTING)
        handle = await self.backend.submit(self.spec.endpoint_id, arguments)
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
    @classmethod
    def replay(cls, spec: JobSpec, result: Result, runtime: Runtime | None = None) -> Job:
        """A job that is already complete: a cached result shown again, for $0."""
        job = cls(spec, runtime)
        now = time.monotonic()
        job._snap = replace(
            job._snap,
            state=State.COMPLETED,
            request_id=result.request_id,
            result=result,
            finished=now,
            emulated=result.emulated,
        )
        return job

    @classmethod
    def refetch(cls, spec: JobSpec, result: Result, runtime: Runtime | None = None) -> Job:
        """A cached result whose file is gone: download it again from its URL, no submit."""
        job = cls(spec, runtime)
        job._refetch = result
        job._snap = replace(job._snap, request_id=result.request_id, emulated=result.emulated)
        return job

    @classmethod
    def resume(cls, record: JobRecord, runtime: Runtime | None = None) -> Job:
        """Reattach to a job submitted earlier (by any process) without submitting again."""
        from .runtime import get_runtime

        rt = runtime or get_runtime()
        spec = spec_from_record(record)
        if not record.request_id or not record.status_url:
            provider = get_provider(record.provider)
            raise errors.InvalidRequest(
                f"job {record.id} has no request id: its submit never reached {provider.label} "
                "or its outcome is unknown",
                hint=f"Check {provider.dashboard} for a request made at that time before running it again",
            )
        job = cls(spec, rt, target=rt.target_for(record.provider, record.base_url, record.emulated))
        job.journal_id = record.id
        job._handle = Handle(
            record.endpoint,
            record.request_id,
            record.status_url,
            record.response_url or record.status_url.rsplit("/status", 1)[0],
            record.cancel_url or record.status_url.rsplit("/status", 1)[0] + "/cancel",
        )
        job._snap = replace(job._snap, state=State.QUEUED, request_id=record.request_id)
        rt.journal.adopt(record.id)
        return job
