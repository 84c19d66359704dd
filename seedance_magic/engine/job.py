"""The job engine's handle: one `Job` takes one request through its provider, start to finish.

A job runs as a task on the runtime's loop (the kernel's own loop in Jupyter), emits a
`Snapshot` to its subscribers on every change (views render snapshots; they never reach
into the job), and is awaited with `await job` or `job.wait()`. It is made of three
parts: its `Ledger` (ledger.py: the snapshot and the journal row), its `Run` (run.py:
the steps, with Following and Fetching) and this handle (starting, waiting, cancelling,
how it ended). Nothing paid for is lost: the request id is committed before the first
status call, status failures are retried with backoff for as long as the job may still
be running, a finished video is always downloaded, and a submit whose response was lost
is recorded as "unknown", never resent. Creating a Job does no I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import errors
from ..model import JobSpec, Result, Snapshot
from ..render.html import status_html
from ..render.interrupted import interrupted_text
from ..render.text import status_line
from ..settings import Target
from ..spec.providers import get as get_provider
from ..spec.states import State
from ..store.journal import JobRecord, Journal
from ..store.records import spec_from_record
from .backends.base import Backend, Handle
from .background import call, create_task, reported
from .finish import EMULATOR_ENDED, NOT_SENT, not_sent, resume_target
from .ledger import Ledger
from .run import Run
from .wait import block

if TYPE_CHECKING:
    from ..media.upload import SharedUpload
    from .gate import SlotGate
    from .runtime import Runtime

__all__ = ["EMULATOR_ENDED", "NOT_SENT", "Job", "JobSpec", "Result", "Snapshot", "State"]


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
        self.key = f"job-{id(self):x}"
        guess = target or runtime.known_target(spec.provider)
        self._ledger = Ledger(
            Snapshot(
                key=self.key,
                state=State.PENDING,
                endpoint_id=spec.endpoint_id,
                estimate=spec.estimate,
                emulated=guess.emulated if guess is not None else runtime.would_emulate(spec.provider),
                provider=spec.provider,
                cancellable=get_provider(spec.provider).can_cancel,
                started=time.monotonic(),
                caption=spec.caption,
            ),
            runtime,
        )
        self._run = Run(self, spec, runtime, self._ledger, target=target, gate=gate, upload=upload)
        self._task: asyncio.Task[Result] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        runtime.register(self)

    # ----------------------------------------------------------------- public
    @property
    def status(self) -> State:
        return self._ledger.snapshot.state

    @property
    def request_id(self) -> str | None:
        return self._ledger.snapshot.request_id

    @property
    def result(self) -> Result | None:
        return self._ledger.snapshot.result

    @property
    def snapshot(self) -> Snapshot:
        return self._ledger.snapshot

    @property
    def done(self) -> bool:
        return self._ledger.snapshot.state.terminal

    @property
    def paying(self) -> bool:
        """Whether this job may be charged: it is sent, not a made video fetched again."""
        return self._run.refetch is None

    @property
    def following(self) -> bool:
        """Whether this job has not ended and its task (if started) still runs."""
        return not self.done and (self._task is None or not self._task.done())

    @property
    def runtime(self) -> Runtime:
        return self._rt

    @property
    def target(self) -> Target:
        """Where the job goes (resolved now if it was not yet)."""
        return self._run.target

    @property
    def backend(self) -> Backend:
        return self._run.backend

    @property
    def journal(self) -> Journal:
        """The journal this job was created with (a later `journal_path` change does not move it)."""
        return self._ledger.journal

    @property
    def journal_id(self) -> str | None:
        return self._ledger.journal_id

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns the unsubscribe function."""
        return self._ledger.subscribe(callback)

    def start(self) -> Job:
        """Schedule the job on the runtime's loop and return at once."""
        if self._task is None and not self.done:
            self._loop = self._rt.loop()
            self._rt.active.add(self)
            self._task = reported(create_task(self._loop, self._main(), name=self.key))
        return self

    def __await__(self) -> Generator[Any, None, Result]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> Result:
        self.start()
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task})
        return self._outcome()

    def wait(self, timeout: float | None = None) -> Result:
        """Block until the job ends and return its Result (or raise its error). Works in
        scripts and, reentrantly, inside a running kernel loop. Ctrl-C cancels the job at
        its provider, then raises errors.Interrupted (a KeyboardInterrupt) saying how it
        ended."""
        self.start()
        if self._task is None or self._task.done():  # replayed, or ended: nothing to run
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
        except KeyboardInterrupt:  # Ctrl-C: cancelled, with its grace to settle (wait.block)
            raise errors.Interrupted(interrupted_text([self.snapshot])) from None
        return self._outcome()

    def cancel(self, reason: str = "cancelled") -> None:
        """Cancel at the provider (or before sending, if not yet submitted)."""
        if call(self._loop, self.cancel, reason):  # asked from outside the job's thread
            return
        run, ledger = self._run, self._ledger
        if self.done or run.cancel_requested:
            return
        run.cancel_requested, run.cancel_reason = True, reason
        if run.handle is not None and self._loop is not None:
            ledger.publish(cancelling=True)
            self._loop.create_task(run.cancel_remote())
        elif self.status == State.PENDING and self._task is not None:
            self._task.cancel()
            ledger.end(State.CANCELLED, not_sent(reason))
        else:
            ledger.publish(cancelling=True)  # submitting: cancelled as soon as the provider answers

    def set_waiting(self, reason: str | None) -> None:
        """Say why the job has not been sent yet (e.g. waiting for a grid slot)."""
        self._ledger.publish(waiting=reason)

    def upload_progress(self, name: str, status: str) -> None:
        """One line per input file while uploading: `cat.png: uploaded 1.2 MB`."""
        self._run.upload_progress(name, status)

    def __repr__(self) -> str:
        return f"<seedance Job {status_line(self.snapshot)}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Text and HTML of the job as it stands (the notebook layer shows a live widget
        instead where one can render)."""
        if self.result is not None:
            return self.result._repr_mimebundle_(include, exclude)
        prompt = str(self.spec.arguments.get("prompt", ""))
        return {
            "text/plain": status_line(self.snapshot),
            "text/html": status_html(self.snapshot, prompt=prompt),
        }

    # -------------------------------------------------------------- internals
    def _outcome(self) -> Result:
        if self.result is not None:
            return self.result
        error = self.snapshot.error or "the job was cancelled"
        if self._task is not None and self._task.done() and not self._task.cancelled():
            exc = self._task.exception()
            if exc is not None:
                raise exc
        if self._run.cancel_reason.startswith("timed out"):  # before it was sent
            raise errors.JobTimeout(error, request_id=self.request_id)
        raise errors.JobCancelled(error, request_id=self.request_id)

    async def _main(self) -> Result:
        run, ledger, timeout = self._run, self._ledger, self.spec.timeout
        timer = None
        if timeout is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(timeout, self.cancel, f"timed out after {timeout:g} s")
        try:
            return await run.to_the_end()
        except asyncio.CancelledError:
            if run.handle is None and not self.done:
                ledger.end(State.CANCELLED, not_sent(run.cancel_reason))
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if run.gate is not None:
                run.gate.release(self)
            if ledger.unsaved:  # a journal that refused a write after the submit
                with contextlib.suppress(asyncio.CancelledError):
                    await ledger.settle()
            self._rt.active.discard(self)

    # ----------------------------------------------------------- other starts
    @classmethod
    def replay(cls, spec: JobSpec, result: Result, runtime: Runtime) -> Job:
        """A job that is already complete: a cached result shown again, for $0."""
        job = cls(spec, runtime)
        job._ledger.snapshot = replace(
            job.snapshot,
            state=State.COMPLETED,
            request_id=result.request_id,
            result=result,
            finished=time.monotonic(),
            emulated=result.emulated,
        )
        return job

    @classmethod
    def refetch(
        cls, spec: JobSpec, result: Result, runtime: Runtime, *, journal_id: str | None = None
    ) -> Job:
        """A cached result whose file is gone: download it again from its URL, no submit.
        With `journal_id`, a video made and paid for whose download failed: its journal
        row is completed once the file is saved."""
        job = cls(spec, runtime)
        job._ledger.journal_id = journal_id
        job._run.refetch = result
        job._ledger.snapshot = replace(job.snapshot, request_id=result.request_id, emulated=result.emulated)
        return job

    @classmethod
    def resume(cls, record: JobRecord, runtime: Runtime) -> Job:
        """Reattach to a job submitted earlier (by any process) without submitting again."""
        target = resume_target(record, runtime)
        assert record.request_id is not None and record.status_url is not None
        job = cls(spec_from_record(record), runtime, target=target)
        job._ledger.journal_id = record.id
        job._run.handle = Handle(
            record.endpoint,
            record.request_id,
            record.status_url,
            record.response_url or record.status_url,
            record.cancel_url or "",
        )
        job._ledger.snapshot = replace(job.snapshot, state=State.QUEUED, request_id=record.request_id)
        job.journal.adopt(record.id)
        return job
