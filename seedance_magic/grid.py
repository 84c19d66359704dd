"""Grids: one `%%seedance` cell with `--seeds`, `-n` or `--sweep` run as many jobs.

    expand (grid_expand.py) -> plan every cell (inputs probed once, uploaded once)
        -> budget check on the TOTAL, before anything is sent
        -> one Job per cell, all started, at most `Seedance.concurrency` past the
           submit at once (the others wait in "pending" for a slot)
        -> a JobGroup bound to `--out NAME`, shown as one grid widget

`JobGroup` owns the jobs of a grid: waiting for them, cancelling them, their overall
state and their display. The views are ui/grid_view.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import errors, pipeline
from .endpoints import CostEstimate
from .engine import Job, State
from .grid_expand import GridCell, expand, total_estimate

if TYPE_CHECKING:
    from .request import Defaults, GenerationRequest
    from .result import Result
    from .runtime import Runtime

__all__ = ["JobGroup", "run_grid"]

Prepare = Callable[[Any, Job], Awaitable[dict[str, Any]]]


class SlotGate:
    """At most `limit` jobs past their prepare step (so submitted) and not yet ended.

    `hook(job, inner)` is a JobSpec.prepare that first waits for a slot on the running
    loop, then runs `inner` (the inputs' upload) if any; the slot is given back when the
    job ends, or at once if the prepare step fails. `waiting` holds the jobs queued here.
    """

    def __init__(self, limit: int, on_change: Callable[[], None] = lambda: None) -> None:
        self.limit = max(1, int(limit))
        self.waiting: set[Job] = set()
        self._holding: set[Job] = set()
        self._semaphore: asyncio.Semaphore | None = None
        self._on_change = on_change

    def hook(self, job: Job, inner: Prepare | None) -> Prepare:
        arguments = dict(job.spec.arguments)

        def ended(snapshot: Any) -> None:
            if snapshot.state.terminal:
                self._release(job)

        job.subscribe(ended)

        async def prepare(backend: Any, running: Job) -> dict[str, Any]:
            if self._semaphore is None:
                self._semaphore = asyncio.Semaphore(self.limit)  # made on the jobs' loop
            if self._semaphore.locked():
                self.waiting.add(job)
                job.set_waiting("waiting for a slot")
                self._on_change()
            try:
                await self._semaphore.acquire()
            finally:
                if job in self.waiting:
                    self.waiting.discard(job)
                    job.set_waiting(None)
                    self._on_change()
            self._holding.add(job)
            try:
                return await inner(backend, running) if inner is not None else arguments
            except BaseException:
                self._release(job)
                raise

        return prepare

    def _release(self, job: Job) -> None:
        if job in self._holding and self._semaphore is not None:
            self._holding.discard(job)
            self._semaphore.release()


class JobGroup:
    """The jobs of a grid, in grid order, with their captions ({"seed": 3, ...}).

    `wait()` blocks until every job has ended and returns the results of the cells that
    made a video, in grid order; the other cells' errors are in `errors` (cell index ->
    exception). It raises only when no cell made a video (the first error), or with
    `strict=True` when any cell failed. `await group` does the same without blocking.
    """

    def __init__(
        self,
        jobs: Sequence[Job],
        captions: Sequence[Mapping[str, Any]] | None = None,
        *,
        estimate: CostEstimate | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        from .runtime import get_runtime

        self.jobs: list[Job] = list(jobs)
        self.captions: list[Mapping[str, Any]] = (
            [dict(c) for c in captions] if captions is not None else [dict(j.spec.caption) for j in jobs]
        )
        self.estimate = estimate or CostEstimate(
            round(sum(j.spec.estimate.low for j in jobs), 4),
            round(sum(j.spec.estimate.high for j in jobs), 4),
        )
        self.runtime = runtime or get_runtime()
        self.errors: dict[int, BaseException] = {}
        self.slots: SlotGate | None = None
        self._listeners: list[Callable[[], None]] = []
        for job in self.jobs:
            job.subscribe(lambda _snapshot: self._changed())

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

    def waiting_for_slot(self, index: int) -> bool:
        return self.slots is not None and self.jobs[index] in self.slots.waiting

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

        ended = await asyncio.gather(*(outcome(job) for job in self.jobs), return_exceptions=True)
        self.errors = {i: e for i, e in enumerate(ended) if isinstance(e, BaseException)}

    def _collect(self, strict: bool) -> list[Result]:
        if self.errors and (strict or len(self.errors) == len(self.jobs)):
            raise self.errors[min(self.errors)]
        return [job.result for job in self.jobs if job.result is not None]

    def wait(self, timeout: float | None = None, *, strict: bool = False) -> list[Result]:
        """Block until every job has ended; the videos in grid order (see the class)."""
        self.start()
        loop = self.runtime.loop()
        if loop.is_running():
            import nest_asyncio2 as nest_asyncio

            nest_asyncio.apply(loop)
        try:
            loop.run_until_complete(asyncio.wait_for(self._settle(), timeout))
        except asyncio.TimeoutError:
            left = sum(not job.done for job in self.jobs)
            raise errors.JobTimeout(
                f"{left} of {len(self.jobs)} jobs of the grid are still under way after {timeout} s",
                hint="They keep running; call .wait() again or look at `%seedance jobs`",
            ) from None
        except KeyboardInterrupt:
            self.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.wait_for(self._settle(), 15))
            raise
        return self._collect(strict)

    def __await__(self) -> Generator[Any, None, list[Result]]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> list[Result]:
        self.start()
        await self._settle()
        return self._collect(False)

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        from .ui.grid_view import grid_text

        return grid_text(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .commands import live_widgets
        from .ui.grid_view import grid_html
        from .ui.html import should_embed

        embed = should_embed(self.runtime.settings.embed)
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        if live_widgets(shell, self.runtime):
            from .ui.grid_view import GridView

            bundle: dict[str, Any] = GridView(self, embed=embed)._repr_mimebundle_()
            return bundle
        return {"text/plain": repr(self), "text/html": grid_html(self, embed=embed)}


# ------------------------------------------------------------------- planning
def plan_cells(
    request: GenerationRequest, defaults: Defaults, provider: str | None = None
) -> list[pipeline.Plan]:
    """A plan per cell of the grid; the inputs are resolved (read, probed) only once."""
    cells = expand(request)
    first = pipeline.make_plan(
        cells[0].request, defaults=defaults, caption=cells[0].caption, provider=provider
    )
    rest = [
        pipeline.make_plan(
            c.request, defaults=defaults, caption=c.caption, inputs=first.inputs, provider=provider
        )
        for c in cells[1:]
    ]
    return [first, *rest]


def launch_group(plans: Sequence[pipeline.Plan], runtime: Runtime) -> JobGroup:
    """A started JobGroup for the plans: cached cells replay for $0, new ones share one
    upload of the inputs and take turns for the `concurrency` slots."""
    from .media import SharedUpload, upload_target

    limit = runtime.settings.concurrency
    jobs: list[Job] = []
    gated: list[tuple[Job, Prepare | None]] = []
    shared = None
    for plan in plans:
        fresh = pipeline.cache_hit(plan, runtime.settings, runtime) is None
        job = pipeline.launch(plan, runtime, start=False)
        if fresh and not job.done:
            inner: Prepare | None = None
            if plan.inputs is not None and plan.inputs.needs_upload:
                if shared is None:
                    shared = SharedUpload(plan.inputs, runtime.journal, upload_target(job.target))
                inner = shared.prepare(plan.request)
            gated.append((job, inner))
        jobs.append(job)
    group = JobGroup(jobs, [p.caption or {} for p in plans], estimate=total_of(plans), runtime=runtime)
    group.slots = SlotGate(limit, group._changed)
    for job, inner in gated:
        job.spec = replace(job.spec, prepare=group.slots.hook(job, inner))
    return group.start()


def total_of(plans: Sequence[pipeline.Plan]) -> CostEstimate:
    """What the plans cost together (reference video seconds included)."""
    seconds = plans[0].inputs.input_video_seconds if plans and plans[0].inputs is not None else 0.0
    return total_estimate([GridCell(p.request, p.caption or {}) for p in plans], seconds)


# ----------------------------------------------------------------- the magic
def run_grid(request: GenerationRequest, shell: Any, runtime: Runtime, defaults: Defaults) -> JobGroup | None:
    """What `%%seedance --seeds/-n/--sweep` does: plan, check the budget on the total,
    start the jobs, bind `--out`, show the grid; with --wait (or where no loop keeps
    running) block, then leave the static grid of videos as the cell's output."""
    from IPython import display as ipd

    from .commands import live_widgets
    from .ui.html import should_embed

    display: Any = ipd.display  # untyped in IPython
    plans = plan_cells(request, defaults, runtime.settings.provider)
    for warning in getattr(plans[0].inputs, "warnings", ()) or ():
        print(f"seedance: {warning}", file=sys.stderr)
    settings = runtime.settings
    if request.dry_run:
        from .ui.grid_view import dry_run_grid

        display(dry_run_grid(plans, total_of(plans)))
        return None
    to_pay = [p for p in plans if pipeline.cache_hit(p, settings, runtime) is None]
    if to_pay:
        pipeline.check_budget(
            total_of(to_pay), settings, runtime, yes=request.yes, what=f"grid of {len(to_pay)} videos"
        )
    group = launch_group(plans, runtime)
    if request.out:
        shell.user_ns[request.out] = group
    wait = request.wait or settings.wait or not runtime.loop_keeps_running()
    embed = should_embed(settings.embed)
    handle = None
    if live_widgets(shell, runtime):
        from .ui.grid_view import GridView

        handle = display(GridView(group, embed=embed), display_id=True)
    else:
        from .ui.text import TextProgress

        for index, job in enumerate(group.jobs):
            label = cell_label(group, index)
            TextProgress(job, sys.stderr, prefix=f"seedance [{label}]: ")
    if not wait:
        return group
    try:
        group.wait()
    finally:
        from .ui.grid_view import static_grid

        final = static_grid(group, embed=embed)
        if handle is not None:
            handle.update(final)
        else:
            display(final)
    return group


def cell_label(group: JobGroup, index: int) -> str:
    """`2/4 seed 3`: the cell's place in the grid and its caption, for text progress."""
    from .ui.text import caption_text

    caption = caption_text(group.captions[index])
    return f"{index + 1}/{len(group)}" + (f" {caption}" if caption else "")
