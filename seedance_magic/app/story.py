"""`Story`: the shots of a story made one after another, then stitched into one film.

    shot 1 (text-to-video, or image-to-video with -i) -> its last frame (decoded off
    the loop) -> shot 2, image-to-video from it -> ... -> the clips stitched into one
    MP4 in the output folder (media/stitch.py)

A story runs as one task on the runtime's loop, like a Job; `wait()` (or `await story`)
gives its `StoryResult`. Each shot is planned, guarded and launched as a cell is
(story_plan.shot_job): a cached shot replays for $0, and a replayed shot is the same
file, so the next shot's input is the same too. A failed or cancelled shot stops the
story: the shots made are kept and stitched, and the film says which shot stopped it
and why. Views subscribe to its `StorySnapshot`s.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.background import call, create_task, reported
from ..engine.job import Job
from ..engine.wait import block
from ..errors import Interrupted, JobCancelled, JobTimeout, SeedanceError
from ..model import Result, StoryResult, StorySnapshot
from ..render.interrupted import interrupted_text
from ..render.story import story_html, story_text
from ..spec.story import continued
from . import cells
from .history import poster_src
from .story_plan import StoryPlan, shot_job, stitched

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["Story", "launch_story"]

POSTER_WIDTH = 160
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
            self._task = reported(create_task(self._loop, self._main(), name=self.key))
            self.runtime.active.add(self)
            _running[(id(self.runtime), self.plan.group_id)] = self
        return self

    def cancel(self) -> None:
        """Cancel the shot under way and send no more; the shots made are stitched."""
        if call(self._loop, self.cancel):  # asked from outside the story's thread
            return
        if self.done or self._cancelled:
            return
        self._cancelled = True
        for job in self.jobs:
            if job is not None and not job.done:
                job.cancel("cancelled")
        self._publish(stage="cancelling…")

    def wait(self, timeout: float | None = None, *, strict: bool = False) -> StoryResult:
        """Block until the story has ended and return its film (`failed` says why when a
        shot stopped it); raise when no shot made a video, or with `strict` when one
        failed. Ctrl-C cancels the story, then raises errors.Interrupted (a
        KeyboardInterrupt) saying how its shots ended."""
        self.start()
        if self._task is not None and not self._task.done():
            assert self._loop is not None
            try:
                block(self._loop, self._task, timeout=timeout, on_interrupt=self.cancel)
            except KeyboardInterrupt:  # Ctrl-C: cancelled, with its grace to settle (wait.block)
                shots = [job.snapshot for job in self.jobs if job is not None]
                said = (
                    interrupted_text(shots)
                    if shots
                    else "Interrupted: the story was cancelled before a shot was sent"
                )
                raise Interrupted(said) from None
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
                if result.path is not None:  # a small poster for the strip, inline
                    poster = await asyncio.to_thread(poster_src, result.path, embed=True, width=POSTER_WIDTH)
                    self.posters[index] = poster
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
                before = self.jobs[index - 1]
                source = before.request_id if before is not None else None
                shot = continued(self.plan.request.shots[index], frame, source)
                plan = await asyncio.to_thread(
                    cells.make_plan,
                    shot,
                    defaults=settings.defaults,
                    provider=settings.provider,
                    caption={"shot": number},
                )
            if self._cancelled:
                return None
            job = shot_job(self.plan, plan, index, self.runtime)
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

    def _stop(self, index: int, exc: SeedanceError) -> None:
        where = f"shot {index + 1} of {len(self.plan.request)}"
        if self._cancelled:
            self._error = f"cancelled at {where}"
        elif isinstance(exc, JobCancelled):  # `%seedance cancel`, or the shot's --timeout
            self._cancelled, self._error = True, f"{where} was cancelled: {exc}"
        else:
            self._error = f"{where} failed: {exc}"

    async def _finish(self) -> StoryResult:
        """Stitch the shots made (after the clip it continues, with --stitch) and end."""
        plan = self.plan
        results = [job.result for job in self.jobs if job is not None and job.result is not None]
        if self._cancelled and self._error is None and len(results) < len(plan.request):
            self._error = f"cancelled after {len(results)} of {len(plan.request)} shots"
        film, clips = plan.film_of(results, self._error, self.runtime.settings.defaults)
        if clips:
            self._publish(state="stitching", stage=f"stitching {len(clips)} clips")
            film = await stitched(plan, film, clips, len(results), Path(self.runtime.settings.output_dir))
        self._film = film
        state = "completed" if film.failed is None else "cancelled" if self._cancelled else "failed"
        self._publish(state=state, stage="", error=film.failed)
        return film
