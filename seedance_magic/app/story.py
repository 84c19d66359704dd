"""`Story`: the shots of a story made one after another, then stitched into one film.

    shot 1 (text-to-video, or image-to-video with -i)
      -> its last frame (decoded off the loop) -> shot 2, image-to-video from it -> ...
      -> the clips stitched into one MP4 in the output folder (media/stitch.py)

A story runs as one task on the runtime's loop, like a Job; `wait()` (or `await
story`) gives its `StoryResult`. Each shot is the same plan, guard and launch as a cell
(app/cells.py): a cached shot replays for $0, and since a replayed shot is the same
file, its last frame and so the next shot's input are the same too. A shot the journal
has as sent but unfinished (its kernel died) is reattached, never sent again. A shot
that fails or is cancelled stops the story: the shots made so far are kept and
stitched, and the film says which shot stopped it and why. `cancel()` cancels the
current shot and sends no more. Views subscribe to its `StorySnapshot`s.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import time
import weakref
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.job import Job
from ..engine.wait import block
from ..errors import BudgetExceeded, JobTimeout, SeedanceError
from ..model import Result, StoryResult, StorySnapshot
from ..render.story import story_html, story_text
from ..spec.states import State
from ..spec.story import continued, story_cell
from ..store.journal import JobRecord
from . import cells
from .story_plan import StoryPlan

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["Story", "launch_story"]

POSTER_WIDTH = 160
_SLUG = re.compile(r"[^a-z0-9]+")
# The stories running in this process, by runtime and identity: the same cell run again
# while its story runs shows that story instead of starting it twice.
_running: weakref.WeakValueDictionary[tuple[int, str], Story] = weakref.WeakValueDictionary()


def launch_story(plan: StoryPlan, runtime: Runtime) -> Story:
    """The started story for a plan (the running one, when this story already runs)."""
    running = _running.get((id(runtime), plan.group_id))
    if running is not None and not running.done:
        return running
    return Story(plan, runtime).start()


class Story:
    """A story's shots, made in order and stitched; see the module."""

    view = "story"  # how ui/show.live_view knows it

    def __init__(self, plan: StoryPlan, runtime: Runtime) -> None:
        self.plan = plan
        self.runtime = runtime
        self.key = f"story-{id(self):x}"
        count = len(plan.request)
        self.jobs: list[Job | None] = [None] * count
        self.posters: list[str | None] = [None] * count
        self._film: StoryResult | None = None
        self._state = "pending"
        self._stage = ""
        self._error: str | None = None
        self._cancelled = False
        self._listeners: list[Callable[[StorySnapshot], None]] = []
        self._task: asyncio.Task[StoryResult] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._snapshot = self._make_snapshot()
        runtime.register(self)

    # ----------------------------------------------------------------- public
    @property
    def snapshot(self) -> StorySnapshot:
        return self._snapshot

    @property
    def film(self) -> StoryResult | None:
        """The story's film once it has ended (also when it stopped early)."""
        return self._film

    @property
    def status(self) -> str:
        return self._state

    @property
    def done(self) -> bool:
        return self._snapshot.terminal

    @property
    def waits(self) -> bool:
        """Whether its cell waits for it (--wait)."""
        return self.plan.request.base.wait

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(job.request_id for job in self.jobs if job is not None and job.request_id)

    def subscribe(self, callback: Callable[[StorySnapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns the unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def start(self) -> Story:
        """Schedule the story on the runtime's loop and return at once."""
        if self._task is None and not self.done:
            self._loop = self.runtime.loop()
            self._task = self._loop.create_task(self._main(), name=self.key)
            self.runtime.active.add(self)
            _running[(id(self.runtime), self.plan.group_id)] = self
        return self

    def cancel(self) -> None:
        """Cancel the shot under way and send no more; the shots made are stitched."""
        if self.done or self._cancelled:
            return
        self._cancelled = True
        for job in self.jobs:
            if job is not None and not job.done:
                job.cancel("cancelled")
        self._publish(stage="cancelling…")

    def wait(self, timeout: float | None = None, *, strict: bool = False) -> StoryResult:
        """Block until the story has ended and return its film. A story stopped by a
        failed shot returns the film of the shots made (its `failed` says why); it
        raises when no shot made a video, or with `strict=True` when any shot failed.
        Ctrl-C cancels the story, then raises KeyboardInterrupt."""
        self.start()
        if self._task is not None and not self._task.done():
            assert self._loop is not None
            try:
                block(self._loop, self._task, timeout=timeout, on_interrupt=self.cancel)
            except asyncio.TimeoutError:
                raise JobTimeout(
                    f"the story is still {self._state} after {timeout} s",
                    hint="It keeps running; call .wait() again",
                ) from None
        return self._outcome(strict)

    def __await__(self) -> Generator[Any, None, StoryResult]:
        return self._wait_async().__await__()

    async def _wait_async(self) -> StoryResult:
        self.start()
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task})
        return self._outcome(False)

    def _outcome(self, strict: bool) -> StoryResult:
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            error = task.exception()
            if error is not None:
                raise error
        film = self._film
        if film is None:
            raise SeedanceError(self._error or "the story did not finish")
        if film.failed and (strict or not film.shots):
            raise SeedanceError(film.failed)
        return film

    def __repr__(self) -> str:
        return story_text(self._snapshot)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Text and HTML of the story as it stands (a live widget where one can render)."""
        return {"text/plain": story_text(self._snapshot), "text/html": story_html(self._snapshot)}

    # ----------------------------------------------------------------- state
    def _make_snapshot(self) -> StorySnapshot:
        plan = self.plan
        shots = tuple(job.snapshot if job is not None else None for job in self.jobs)
        emulated = any(s.emulated for s in shots if s is not None) or (
            shots[0] is None and self.runtime.would_emulate(plan.first.provider)
        )
        return StorySnapshot(
            key=self.key,
            state=self._state,
            prompts=tuple(shot.prompt for shot in plan.request.shots),
            shots=shots,
            estimate=plan.estimate,
            emulated=emulated,
            reproduce=plan.reproduce,
            posters=tuple(self.posters),
            stage=self._stage,
            error=self._error,
            film=self._film,
        )

    def _publish(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self, f"_{name}", value)
        self._snapshot = self._make_snapshot()
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken view must never break the story
                callback(self._snapshot)

    # ----------------------------------------------------------------- the run
    async def _main(self) -> StoryResult:
        plan, count = self.plan, len(self.plan.request)
        previous = plan.prelude.path if plan.prelude is not None else None
        try:
            self._publish(state="running")
            for index in range(count):
                if self._cancelled:
                    break
                result = await self._shot(index, previous)
                if result is None:
                    break
                previous = result.path
                self.posters[index] = await asyncio.to_thread(_poster, result.path)
                self._publish()
            return await self._finish()
        except Exception as exc:  # a fault of ours: the story ends, saying so
            self._publish(state="failed", stage="", error=f"the story stopped: {exc}")
            raise
        finally:
            self.runtime.active.discard(self)

    async def _shot(self, index: int, previous: Path | None) -> Result | None:
        """Make shot `index` (from 0): its Result, or None when it stopped the story."""
        from ..media.stitch import last_frame

        number, count = index + 1, len(self.plan.request)
        settings = self.runtime.settings
        try:
            if index == 0:
                plan = self.plan.first
            else:
                assert previous is not None
                self._publish(stage=f"shot {number} of {count}: reading the last frame of shot {index}")
                frame = await asyncio.to_thread(last_frame, previous)
                shot = continued(self.plan.request.shots[index], frame)
                plan = await asyncio.to_thread(
                    cells.make_plan,
                    shot,
                    defaults=settings.defaults,
                    provider=settings.provider,
                    caption={"shot": number},
                )
            if self._cancelled:
                return None
            job = self._job_for(plan, index)
        except SeedanceError as exc:
            self._stop(index, exc)
            return None
        self.jobs[index] = job
        job.subscribe(lambda _snapshot: self._publish())
        self._publish(stage=f"shot {number} of {count}")
        job.start()
        try:
            return await job
        except SeedanceError as exc:
            self._stop(index, exc)
            return None

    def _job_for(self, plan: cells.Plan, index: int) -> Job:
        """The shot's job: a cache replay, the unfinished job the journal has of it
        (reattached), or a new one, checked against the budget when it was not counted."""
        runtime = self.runtime
        if cells.cache_hit(plan, runtime.settings, runtime) is not None:
            return cells.launch(plan, runtime, start=False)
        record = self._unfinished(plan, index)
        if record is not None:
            for known in list(runtime.jobs.values()):
                if isinstance(known, Job) and known.journal_id == record.id and not known.done:
                    return known
            return Job.resume(record, runtime)
        if index not in self.plan.budgeted and not self.plan.request.base.yes:
            rest = [i for i in range(index, len(self.plan.request)) if i not in self.plan.budgeted]
            cost = self.plan.request.estimate(
                skip=[i for i in range(len(self.plan.request)) if i not in rest]
            )
            try:
                cells.check_budget(cost, runtime.settings, runtime, yes=False, what="rest of the story")
            except BudgetExceeded as exc:
                raise BudgetExceeded(f"shot {index + 1} is not in the cache after all: {exc}") from None
        return cells.launch(plan, runtime, start=False, group=self.plan.group_id, group_index=index)

    def _unfinished(self, plan: cells.Plan, index: int) -> JobRecord | None:
        """The journal's newest row of this shot, when it was sent and has not ended."""
        if not self.plan.resumable:
            return None
        rows = [
            r
            for r in self.runtime.journal.group(self.plan.group_id)
            if r.group_index == index and r.cache_key == plan.cache_key
        ]
        if not rows:
            return None
        newest = rows[0]
        sent = newest.request_id and newest.status_url and not State(newest.state).terminal
        return newest if sent else None

    def _stop(self, index: int, exc: SeedanceError) -> None:
        number, count = index + 1, len(self.plan.request)
        why = str(exc)
        if self._cancelled:
            self._error = f"cancelled at shot {number} of {count}"
        else:
            self._error = f"shot {number} of {count} failed: {why}"

    async def _finish(self) -> StoryResult:
        """Stitch the shots made (after the clip it continues, with --stitch) and end."""
        from ..media.stitch import stitch

        plan = self.plan
        results = [job.result for job in self.jobs if job is not None and job.result is not None]
        if self._cancelled and self._error is None and len(results) < len(plan.request):
            self._error = f"cancelled after {len(results)} of {len(plan.request)} shots"
        clips = [r.path for r in results if r.path is not None]
        if plan.stitch_prelude and plan.prelude is not None and plan.prelude.path is not None and clips:
            clips.insert(0, plan.prelude.path)
        reproduce = story_cell(
            plan.request,
            [r.seed for r in results] + [s.seed for s in plan.request.shots[len(results) :]],
            plan.first.inputs.names
            if plan.first.inputs is not None and plan.request.shots[0].image
            else None,
            defaults=self.runtime.settings.defaults,
            provider=plan.first.provider,
        )
        film = StoryResult(
            path=None,
            shots=tuple(results),
            reproduce=reproduce,
            planned=len(plan.request),
            failed=self._error,
            prelude=plan.prelude,
        )
        if clips:
            self._publish(state="stitching", stage=f"stitching {len(clips)} clips")
            dest = _film_path(self.runtime.settings.output_dir, plan, len(results))
            try:
                report = await asyncio.to_thread(stitch, clips, dest)
            except SeedanceError as exc:
                film = replace(
                    film, failed=f"{film.failed + '; ' if film.failed else ''}stitching failed: {exc}"
                )
            else:
                film = replace(
                    film,
                    path=report.path,
                    seconds=report.seconds,
                    reencoded=report.reencoded,
                    reason=report.reason,
                    offsets=report.offsets,
                )
        self._film = film
        state = "completed" if film.failed is None else "cancelled" if self._cancelled else "failed"
        self._publish(state=state, stage="", error=film.failed)
        return film


def _film_path(folder: Path, plan: StoryPlan, made: int) -> Path:
    """seedance_outputs/story_paper-boat-is-folded_3a9c41d2.mp4 (…_2of3 when it stopped early)."""
    slug = _SLUG.sub("-", plan.request.shots[0].prompt.lower())[:32].strip("-") or "story"
    part = "" if made == len(plan.request) else f"_{made}of{len(plan.request)}"
    ident = plan.group_id.removeprefix("story-")
    if plan.resumable:  # the same story, the same film
        return Path(folder) / f"story_{slug}_{ident[:8]}{part}.mp4"
    return Path(folder) / f"{time.strftime('%Y%m%d-%H%M%S')}_story_{slug}_{ident[-8:]}{part}.mp4"


def _poster(path: Path | None) -> str | None:
    """A small poster of a finished shot as a data: URI, for the strip (None if unreadable)."""
    from ..media.video import poster_png

    if path is None:
        return None
    try:
        png = poster_png(path, max_width=POSTER_WIDTH)
    except (SeedanceError, ValueError, OSError):
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
