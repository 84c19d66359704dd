"""Batches: hundreds of prompts from a list, a CSV or a DataFrame, at most `concurrency`
in flight, resumable, shown as one view.

    plan_batch (batch_plan.py: every row checked, inputs probed once, budget)
        -> Batch: one driver task on the jobs' loop sends the rows in order, keeping at
           most `concurrency` jobs made and not ended; a row waiting here is data only
           (no Job, no task, no journal row, no request); each job's journal row names
           the batch and the row (group_id, group_index)
        -> .wait(): one row per input row, in input order (a DataFrame with pandas)

Running the same batch again (same rows and options: the same identity), in this kernel
or after a restart, shows the finished rows from the journal, follows the ones still
under way at the provider, and sends only the rest; `retry_failed` sends failed rows
again. The live view is ui/batch.py; text and HTML are render/batch.py.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
import weakref
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from .. import errors
from ..engine.background import call, create_task, reported
from ..engine.gate import SlotGate
from ..engine.job import NOT_SENT, Job
from ..engine.wait import block
from ..media.upload import SharedUpload
from ..render.interrupted import interrupted_text
from ..spec.states import State
from . import cells, reuse
from .batch_plan import FAILED, INVALID, REPLAY, RESUME, SEND, BatchPlan, RowPlan
from .batch_rows import BatchShow, Row, table_of

if TYPE_CHECKING:
    from ..engine.runtime import Runtime
    from ..model import Result, Snapshot

__all__ = ["Batch", "start_batch"]

# The batches of this process still under way, by (runtime, identity): the same batch
# asked for again while it runs is the same Batch.
_running: weakref.WeakValueDictionary[tuple[int, str], Batch] = weakref.WeakValueDictionary()


def start_batch(plan: BatchPlan, runtime: Runtime, *, concurrency: int | None = None) -> Batch:
    """The started Batch of a plan; the one already running when the same batch runs."""
    key = (id(runtime), plan.identity)
    running = _running.get(key)
    if running is not None and not running.done:
        return running
    batch = Batch(plan, runtime, concurrency=concurrency or runtime.settings.concurrency)
    _running[key] = batch
    return batch.start()


class Batch(BatchShow):
    """The rows of a batch and their jobs. `wait()` blocks until every row has ended
    and returns the table; `cancel()` stops it (rows not sent are never sent);
    `await batch` waits without blocking."""

    is_batch = True

    def __init__(self, plan: BatchPlan, runtime: Runtime, *, concurrency: int) -> None:
        self.identity = plan.identity
        self.runtime = runtime
        self.concurrency = max(1, int(concurrency))
        self.estimate = plan.estimate
        self.warnings = plan.warnings
        self.rows: list[Row] = [Row(r.index, r.prompt, r.plan, error=r.error) for r in plan.rows]
        self._plans: dict[int, RowPlan] = {
            r.index: r for r in plan.rows if r.action in (SEND, REPLAY, RESUME)
        }
        self._gate = SlotGate(self.concurrency)
        self._uploads: dict[int, SharedUpload] = {}
        self._flying: dict[int, Job] = {}
        self._queue: collections.deque[int] = collections.deque()
        self._listeners: list[Callable[[], None]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._cancelled = False
        self.started = time.monotonic()
        self.ended: float | None = None
        self.recent: collections.deque[int] = collections.deque(maxlen=8)  # rows, newest last
        self.counts: collections.Counter[str] = collections.Counter()
        self.sent = 0  # jobs submitted (or followed again) by this run
        for row, rp in zip(self.rows, plan.rows, strict=True):
            row.state = {INVALID: "invalid", FAILED: State.FAILED.value}.get(rp.action, "waiting")
            if rp.action == FAILED and rp.record is not None:
                row.request_id, row.seed = rp.record.request_id, rp.record.seed
            self.counts[row.state] += 1

    # ---------------------------------------------------------------- state
    @property
    def done(self) -> bool:
        return self.ended is not None

    @property
    def status(self) -> str:
        """running, then completed (every row made a video), failed or cancelled."""
        if not self.done:
            return "running"
        if self._cancelled:
            return "cancelled"
        return "completed" if self.counts[State.COMPLETED.value] == len(self.rows) else "failed"

    @property
    def results(self) -> list[Result | None]:
        """Each row's video so far (None where there is none), in row order."""
        return [row.result for row in self.rows]

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` when a row changes state (waiting, submitting, queued, ...,
        completed) and when the batch ends; never on the other news of a job."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self) -> None:
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken view must never break the batch
                callback()

    def _set(self, row: Row, state: str) -> None:
        if row.state != state:
            self.counts[row.state] -= 1
            self.counts[state] += 1
            row.state = state
            self._changed()

    # -------------------------------------------------------------- actions
    def start(self) -> Batch:
        """Show the finished rows again and schedule the driver on the jobs' loop."""
        if self._task is not None or self.done:
            return self
        for index, rp in list(self._plans.items()):
            if rp.action == REPLAY and rp.plan is not None and rp.record is not None:
                job = reuse.replay(rp.plan, rp.record, self.runtime)
                if job.done:
                    self._ended(self.rows[index], job.snapshot)
                    del self._plans[index]
        self._queue.extend(i for i, rp in self._plans.items() if rp.action != RESUME)
        loop = self.runtime.loop()
        self._task = reported(create_task(loop, self._drive(), name=f"seedance-{self.identity}"))
        return self

    def cancel(self) -> None:
        """Cancel the batch: rows not sent yet are never sent, jobs in flight are cancelled."""
        if self._task is not None and call(self._task.get_loop(), self.cancel):  # from another thread
            return
        if self.done or self._cancelled:
            return
        self._cancelled = True
        while self._queue:
            row = self.rows[self._queue.popleft()]
            row.error = NOT_SENT
            self._set(row, State.CANCELLED.value)
        for job in list(self._flying.values()):
            job.cancel()
        self._wake_up()
        self._changed()

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _drive(self) -> None:
        self._wake = asyncio.Event()
        try:
            for index, rp in list(self._plans.items()):
                if rp.action == RESUME and rp.record is not None:
                    self._follow(self.rows[index], self._resumed(rp))
            while True:
                while self._queue and len(self._flying) < self.concurrency and not self._cancelled:
                    self._send(self.rows[self._queue.popleft()])
                if not self._flying and not self._queue:
                    break
                self._wake.clear()
                await self._wake.wait()
        finally:
            self._plans.clear()
            self.ended = time.monotonic()
            self._changed()

    def _resumed(self, rp: RowPlan) -> Job:
        """The job of a row an earlier run left under way: this kernel's own if it still
        follows it, else followed again from its request id (never submitted again)."""
        assert rp.record is not None
        for job in list(self.runtime.jobs.values()):
            if isinstance(job, Job) and job.journal_id == rp.record.id and not job.done:
                return job
        return Job.resume(rp.record, self.runtime)

    def _send(self, row: Row) -> None:
        rp = self._plans.pop(row.index)
        plan = rp.plan
        assert plan is not None
        if rp.action == REPLAY and rp.record is not None:
            job = reuse.replay(plan, rp.record, self.runtime)  # its file is gone: downloaded again
        else:
            upload = None
            if plan.inputs is not None and plan.inputs.needs_upload:
                key = id(plan.inputs.items)
                upload = self._uploads.get(key)
                if upload is None:
                    scope = self.runtime.target(plan.provider).upload_scope
                    upload = self._uploads[key] = SharedUpload(plan.inputs, self.runtime.journal, scope)
            job = cells.launch(
                plan,
                self.runtime,
                start=False,
                gate=self._gate,
                upload=upload,
                group=self.identity,
                group_index=row.index,
            )
        row.plan = None  # what is left of it is in the job, and then in the row
        self._follow(row, job)

    def _follow(self, row: Row, job: Job) -> None:
        if job.done:  # a cache hit: the video is here already
            self._ended(row, job.snapshot)
            return
        self._flying[row.index] = job
        self.sent += 1
        job.subscribe(lambda snap: self._on_snapshot(row, snap))
        self._set(row, job.status.value)
        job.start()

    def _on_snapshot(self, row: Row, snap: Snapshot) -> None:
        if snap.request_id and row.request_id != snap.request_id:
            row.request_id = snap.request_id
        if snap.state.terminal:
            if self._flying.pop(row.index, None) is not None:
                self._ended(row, snap)
                self._wake_up()
        else:
            self._set(row, snap.state.value)

    def _ended(self, row: Row, snap: Snapshot) -> None:
        result = snap.result
        row.result, row.error, row.request_id = result, snap.error, snap.request_id or row.request_id
        row.finished = time.monotonic()
        if result is not None:
            row.seed, row.endpoint = result.seed, result.endpoint
            self.recent.append(row.index)
        self._set(row, snap.state.value)

    # -------------------------------------------------------------- waiting
    def wait(self, timeout: float | None = None) -> Any:
        """Block until every row has ended; the table, one row per input row in input
        order: a pandas DataFrame when pandas is installed, else a list of dicts. Ctrl-C
        cancels the batch (at the provider too), then raises errors.Interrupted (a
        KeyboardInterrupt) saying how the jobs in flight ended."""
        self.start()
        task = self._task
        if task is not None and not task.done():
            flying: list[Job] = []

            def stop() -> None:
                flying.extend(self._flying.values())
                self.cancel()

            try:
                block(task.get_loop(), task, timeout=timeout, on_interrupt=stop)
            except KeyboardInterrupt:  # Ctrl-C: cancelled, with its grace to settle (wait.block)
                said = interrupted_text([job.snapshot for job in flying]) if flying else "Interrupted"
                raise errors.Interrupted(f"{said}; the batch's rows not sent yet were never sent") from None
            except asyncio.TimeoutError:
                left = len(self.rows) - self.finished_count
                raise errors.JobTimeout(
                    f"{left} of {len(self.rows)} rows of the batch are still under way after {timeout} s",
                    hint="They keep going; call .wait() again, or .cancel()",
                ) from None
        return table_of(self.rows)

    def __await__(self) -> Generator[Any, None, Any]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> Any:
        self.start()
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task})
        return table_of(self.rows)
