"""`JobGroup`: the jobs of a grid (or of any cell that makes several videos), in order,
with their captions: waiting for them, cancelling them, their overall state and their
text and HTML forms. The live grid widget is ui/grid.py; planning a grid is
app/grids.py; `SlotGate` (gate.py) bounds how many of its jobs are in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import errors
from ..model import Result, Results
from ..render.grid import Cell, grid_html, grid_text
from ..render.interrupted import interrupted_text
from ..spec.cost import CostEstimate
from ..spec.states import State
from .background import create_task
from .gate import SlotGate
from .job import Job
from .wait import block

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["JobGroup"]


class JobGroup:
    """The jobs of a grid, in grid order, with their captions ({"seed": 3, ...}).

    `wait()` blocks until every job has ended and returns the results of the cells that
    made a video, in grid order (`Results`: `.to_pandas()` makes them a table); the other
    cells' errors are in `errors` (cell index -> exception). It raises only when no cell
    made a video (the first error), or with `strict=True` when any cell failed.
    `await group` does the same without blocking.
    """

    def __init__(
        self,
        jobs: Sequence[Job],
        captions: Sequence[Mapping[str, Any]] | None = None,
        *,
        estimate: CostEstimate | None = None,
        runtime: Runtime | None = None,
        slots: SlotGate | None = None,
    ) -> None:
        self.jobs: list[Job] = list(jobs)
        self.captions: list[Mapping[str, Any]] = (
            [dict(c) for c in captions] if captions is not None else [dict(j.spec.caption) for j in jobs]
        )
        self.estimate = estimate or CostEstimate(
            round(sum(j.spec.estimate.low for j in jobs), 4),
            round(sum(j.spec.estimate.high for j in jobs), 4),
        )
        # where the jobs run (their own runtime when not given)
        first = self.jobs[0] if self.jobs else None
        self.runtime: Runtime = runtime or getattr(first, "runtime", None)  # type: ignore[assignment]
        self.errors: dict[int, BaseException] = {}
        self.slots = slots
        self._listeners: list[Callable[[], None]] = []
        for job in self.jobs:
            job.subscribe(lambda _snapshot: self._changed())
        if slots is not None:
            slots.on_change = self._changed

    # ------------------------------------------------------------------ state
    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    def __getitem__(self, index: int) -> Job:
        return self.jobs[index]

    @property
    def states(self) -> list[State]:
        return [job.status for job in self.jobs]

    @property
    def status(self) -> State:
        """One state for the grid: while any job is under way, the furthest along of
        them; then COMPLETED if every job made a video, FAILED if any failed (or its
        outcome is unknown), else CANCELLED."""
        states = self.states
        live = [s for s in states if not s.terminal]
        if live:
            order = list(State)
            return max(live, key=order.index)
        if all(s is State.COMPLETED for s in states):
            return State.COMPLETED
        if any(s in (State.FAILED, State.UNKNOWN) for s in states):
            return State.FAILED
        return State.CANCELLED

    @property
    def done(self) -> bool:
        return all(job.done for job in self.jobs)

    @property
    def results(self) -> list[Result | None]:
        """Each cell's result so far (None where there is no video), in grid order."""
        return [job.result for job in self.jobs]

    @property
    def prompt(self) -> str:
        """The grid's prompt (its first job's)."""
        return str(self.jobs[0].spec.arguments.get("prompt", "")) if self.jobs else ""

    def waiting_for_slot(self, index: int) -> bool:
        return self.slots is not None and self.jobs[index] in self.slots.waiting

    def cells(self) -> list[Cell]:
        """Each job's snapshot, caption and whether it waits for a slot (for the renderers)."""
        return [(job.snapshot, self.captions[i], self.waiting_for_slot(i)) for i, job in enumerate(self.jobs)]

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` whenever a job or the slot queue changes."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self) -> None:
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken view must never break the jobs
                callback()

    # ---------------------------------------------------------------- actions
    def start(self) -> JobGroup:
        for job in self.jobs:
            job.start()
        return self

    def cancel(self) -> None:
        """Cancel every job that has not ended (those still waiting are never sent)."""
        for job in reversed(self.jobs):  # the waiting ones first: they must not take a freed slot
            if not job.done:
                job.cancel()

    async def _settle(self) -> None:
        async def outcome(job: Job) -> Result:
            return await job

        await asyncio.gather(*(outcome(job) for job in self.jobs), return_exceptions=True)
        self._read_outcomes()

    def _read_outcomes(self) -> None:
        """Each ended job's error, by cell index."""
        self.errors = {}
        for index, job in enumerate(self.jobs):
            try:
                job.wait()  # ended: returns its result or raises its error at once
            except BaseException as exc:  # the cell's error, kept for the caller
                self.errors[index] = exc

    def _collect(self, strict: bool) -> Results:
        if self.errors and (strict or len(self.errors) == len(self.jobs)):
            raise self.errors[min(self.errors)]
        return Results(job.result for job in self.jobs if job.result is not None)

    def wait(self, timeout: float | None = None, *, strict: bool = False) -> Results:
        """Block until every job has ended; the videos in grid order (see the class).
        Ctrl-C cancels the jobs that have not ended, then raises errors.Interrupted (a
        KeyboardInterrupt) saying how they ended."""
        self.start()
        if self.done:  # nothing to run: read the outcomes (the jobs' loop may be gone)
            self._read_outcomes()
            return self._collect(strict)
        loop = self.runtime.loop()
        settle = create_task(loop, self._settle())
        try:
            block(loop, settle, timeout=timeout, on_interrupt=self.cancel)
        except KeyboardInterrupt:  # Ctrl-C: cancelled, with its grace to settle (wait.block)
            loop.call_soon_threadsafe(settle.cancel)
            raise errors.Interrupted(interrupted_text([job.snapshot for job in self.jobs])) from None
        except asyncio.TimeoutError:
            loop.call_soon_threadsafe(settle.cancel)
            left = sum(not job.done for job in self.jobs)
            raise errors.JobTimeout(
                f"{left} of {len(self.jobs)} jobs of the grid are still under way after {timeout} s",
                hint="They keep running; call .wait() again or look at `%seedance jobs`",
            ) from None
        return self._collect(strict)

    def __await__(self) -> Generator[Any, None, Results]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> Results:
        self.start()
        await self._settle()
        return self._collect(False)

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        return grid_text(self.cells(), self.estimate)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Text and HTML of the grid as it stands (the notebook layer shows a live widget
        instead where one can render)."""
        return {"text/plain": repr(self), "text/html": grid_html(self.cells(), self.estimate, self.prompt)}
